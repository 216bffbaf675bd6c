/* stop: ends what plays and what the operator queued. */
#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/station.h"

static int
exec_stop(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	(void)reply;
	return station_stop(req->st, err, errlen);
}

const struct ctl_cmd_entry ctl_cmd_stop = {
	.code = CTL_REQ_STOP, .name = "stop", .exec = exec_stop,
};
