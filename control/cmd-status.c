/* status: what is on air, what comes next, the feeds and the sound card. */
#include <stdlib.h>
#include <time.h>

#include "bulletins/bulletins.h"
#include "control/ctl.h"
#include "control/protocol.h"
#include "core/log.h"
#include "scheduler/station.h"

#define MAX_FEEDS 64
#define MAX_QUEUE 256

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
on_air(const struct station_status *ss)
{
	if (ss->item_kind == NULL)
		return json_null();
	return json_pack("{s:s,s:o,s:f,s:o}", "kind", ss->item_kind,
	    "source", str_or_null(ss->item_source),
	    "elapsed_s", ss->item_elapsed_s,
	    "length_s", ss->item_length_s >= 0 ? json_real(ss->item_length_s) : json_null());
}

static json_t *
feeds(struct bulletins *b)
{
	struct feed_status items[MAX_FEEDS];
	size_t n = b != NULL ? bulletins_feed_status(b, items, MAX_FEEDS) : 0;
	json_t *arr = json_array();

	for (size_t i = 0; i < n && i < MAX_FEEDS; i++)
		json_array_append_new(arr, json_pack("{s:o,s:o,s:o}",
		    "url", str_or_null(items[i].url),
		    "last_fetch", ctl_json_time(items[i].last_fetch),
		    "outcome", str_or_null(items[i].last_outcome)));
	return arr;
}

static json_t *
waiting(struct bulletins *b)
{
	const struct bulletin **list = xcalloc(MAX_QUEUE, sizeof(*list));
	size_t n = b != NULL ? bulletins_list(b, list, MAX_QUEUE) : 0;

	free(list);
	return json_integer((json_int_t)n);
}

int
ctl_cmd_status(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	struct station_status ss = { 0 };

	(void)err;
	(void)errlen;
	station_get_status(req->st, &ss);
	json_object_set_new(reply, "version", json_string(LOAXA_VERSION));
	json_object_set_new(reply, "now", ctl_json_time(time(NULL)));
	json_object_set_new(reply, "started_at", ctl_json_time(ss.started_at));
	json_object_set_new(reply, "uptime_s",
	    json_integer(ss.started_at ? (json_int_t)(time(NULL) - ss.started_at) : 0));
	json_object_set_new(reply, "slot", ss.slot == NULL ? json_null() :
	    json_pack("{s:s,s:o,s:o}", "name", ss.slot, "start",
	    ctl_json_time(ss.slot_start), "end", ctl_json_time(ss.slot_end)));
	json_object_set_new(reply, "item", on_air(&ss));
	json_object_set_new(reply, "next_slot", ss.next_slot == NULL ? json_null() :
	    json_pack("{s:s,s:o}", "name", ss.next_slot, "start",
	    ctl_json_time(ss.next_slot_start)));
	json_object_set_new(reply, "volume", json_integer(ss.volume));
	json_object_set_new(reply, "muted", json_boolean(ss.muted));
	json_object_set_new(reply, "muted_all", json_boolean(ss.muted_all));
	json_object_set_new(reply, "device", json_pack("{s:o,s:b,s:o,s:I}",
	    "name", str_or_null(ss.device), "ok", ss.device_ok,
	    "error", str_or_null(ss.device_error),
	    "underruns", (json_int_t)ss.underruns));
	json_object_set_new(reply, "bulletins_waiting",
	    waiting(station_bulletins(req->st)));
	json_object_set_new(reply, "feeds", feeds(station_bulletins(req->st)));
	return 0;
}
