/* play: airs a file or a playlist now or after what plays. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/station.h"

int
ctl_cmd_play(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	const char *what = json_string_value(json_object_get(req->args, "what"));
	bool now;

	(void)reply;
	if (what == NULL || what[0] == '\0' || strlen(what) >= PATH_MAX) {
		snprintf(err, errlen, "play needs a file or playlist:NAME");
		return -1;
	}
	if (ctl_arg_bool(req->args, "now", false, &now, err, errlen) < 0)
		return -1;
	return station_play(req->st, what, now, err, errlen);
}
