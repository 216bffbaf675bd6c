/* queue: the bulletins waiting to air, read from the station's bulletins. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bulletins/bulletins.h"
#include "control/ctl.h"
#include "control/protocol.h"
#include "core/log.h"
#include "scheduler/notices.h"
#include "scheduler/station.h"

#define QUEUE_MAX 256

int
ctl_cmd_queue(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	struct bulletins *b = station_bulletins(req->st);
	const struct bulletin **list = xcalloc(QUEUE_MAX, sizeof(*list));
	size_t n = b != NULL ? bulletins_list(b, list, QUEUE_MAX) : 0;
	json_t *arr = json_array();

	(void)err;
	(void)errlen;
	for (size_t i = 0; i < n && i < QUEUE_MAX; i++) {
		const struct bulletin *q = list[i];
		int left = q->plays - q->plays_done;
		json_array_append_new(arr, json_pack("{s:s?,s:s?,s:s?,s:i,s:i,s:i,s:o,s:o,s:o,s:b}",
		    "identifier", q->identifier, "title", q->title,
		    "priority", priority_name(q->priority), "plays", q->plays,
		    "plays_done", q->plays_done, "plays_left", left > 0 ? left : 0,
		    "effective", ctl_json_time(q->effective),
		    "expires", ctl_json_time(q->expires),
		    "last_aired", ctl_json_time(q->last_aired), "test", q->is_test));
	}
	free(list);
	json_object_set_new(reply, "bulletins", arr);
	/* The operator's notices still to air today, after the bulletins. */
	struct notices *ns = station_notices(req->st);
	char today[11];
	json_t *due = json_array();
	notices_day_of(time(NULL), today);
	for (size_t i = 0; ns != NULL && i < notices_count(ns); i++) {
		const struct notice *no = notices_at(ns, i);
		if (notices_left_on(no, today) > 0)
			json_array_append_new(due, notices_to_json(no, today));
	}
	json_object_set_new(reply, "notices", due);
	return 0;
}
