/* status: what is on air, what comes next, the feeds, the sound card and
 * the clock: the facts of core/status.h, as the heartbeat carries them. */
#include <stdio.h>
#include <time.h>

#include "bulletins/bulletins.h"
#include "control/ctl.h"
#include "control/protocol.h"
#include "core/status.h"
#include "scheduler/station.h"

int
ctl_cmd_status(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	struct station_status ss = { 0 };

	if (req->ops->status != NULL) {
		req->ops->status(req->ops_ctx, &ss);
	} else {
		station_get_status(req->st, &ss);
		if (station_bulletins(req->st) != NULL)
			bulletins_status(station_bulletins(req->st), &ss);
	}
	json_t *facts = status_json(&ss, time(NULL));
	if (json_object_update(reply, facts) != 0) {
		json_decref(facts);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_decref(facts);
	return 0;
}
