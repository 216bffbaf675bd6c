/* skip: ends the item on air; the program goes on with the next. */
#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/station.h"

int
ctl_cmd_skip(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	(void)reply;
	return station_skip(req->st, err, errlen);
}
