/* volume: the station's master volume, 0 to 100. */
#include <stdio.h>

#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/station.h"

int
ctl_cmd_volume(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	const json_t *v = json_object_get(req->args, "volume");
	json_int_t vol = json_integer_value(v);

	if (!json_is_integer(v) || vol < 0 || vol > 100) {
		snprintf(err, errlen, "volume must be a whole number from 0 to 100");
		return -1;
	}
	if (station_set_volume(req->st, (int)vol, err, errlen) < 0)
		return -1;
	json_object_set_new(reply, "volume", json_integer(vol));
	return 0;
}
