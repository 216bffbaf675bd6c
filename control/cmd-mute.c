/* mute / unmute: silences the station; "all" also silences emergencies. */
#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/station.h"

int
ctl_cmd_mute(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	bool mute, all;

	(void)reply;
	if (ctl_arg_bool(req->args, "mute", true, &mute, err, errlen) < 0 ||
	    ctl_arg_bool(req->args, "all", false, &all, err, errlen) < 0)
		return -1;
	return station_mute(req->st, mute, all, err, errlen);
}
