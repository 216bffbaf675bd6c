/* queue: the bulletins waiting to air (through ctl_ops.queue). */
#include <stdio.h>
#include <stdlib.h>

#include "control/ctl.h"
#include "control/protocol.h"
#include "core/log.h"

#define QUEUE_MAX 256

int
ctl_cmd_queue(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	if (req->ops->queue == NULL) {
		snprintf(err, errlen, "this loaxad has no bulletin queue wired "
		    "(ctl_ops.queue)");
		return -1;
	}
	struct ctl_queue_item *items = xcalloc(QUEUE_MAX, sizeof(*items));
	size_t n = req->ops->queue(req->ops_ctx, items, QUEUE_MAX);
	json_t *arr = json_array();
	for (size_t i = 0; i < n && i < QUEUE_MAX; i++) {
		const struct ctl_queue_item *q = &items[i];
		int left = q->plays - q->plays_done;
		json_array_append_new(arr, json_pack("{s:s?,s:s?,s:s?,s:i,s:i,s:i,s:o,s:o,s:o,s:b}",
		    "identifier", q->identifier, "title", q->title,
		    "priority", q->priority, "plays", q->plays,
		    "plays_done", q->plays_done, "plays_left", left > 0 ? left : 0,
		    "effective", ctl_json_time(q->effective),
		    "expires", ctl_json_time(q->expires),
		    "last_aired", ctl_json_time(q->last_aired), "test", q->is_test));
	}
	free(items);
	json_object_set_new(reply, "bulletins", arr);
	return 0;
}
