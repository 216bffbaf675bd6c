/* stop: ends what plays and what the operator queued. */
#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/station.h"

int
ctl_cmd_stop(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	(void)reply;
	return station_stop(req->st, err, errlen);
}
