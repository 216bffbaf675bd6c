/* test-tone: a 1 kHz tone to check the amplifier chain. */
#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/station.h"

int
ctl_cmd_test_tone(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	(void)reply;
	return station_test_tone(req->st, err, errlen);
}
