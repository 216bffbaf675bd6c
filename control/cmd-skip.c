/* skip: ends the item on air; the program goes on with the next. */
#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/station.h"

static int
exec_skip(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	(void)reply;
	return station_skip(req->st, err, errlen);
}

const struct ctl_cmd_entry ctl_cmd_skip = {
	.code = CTL_REQ_SKIP, .name = "skip", .exec = exec_skip,
};
