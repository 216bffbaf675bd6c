#include "core/status.h"

#include "core/util.h"
#include "core/version.h"

json_t *
status_json_time(time_t t)
{
	char buf[ISO_TIME_LEN];

	if (t == 0)
		return json_null();
	struct timespec ts = { .tv_sec = t };
	format_iso_time(&ts, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
item_json(const struct station_status *ss)
{
	if (ss->item_kind == NULL)
		return json_null();
	json_t *o = json_pack("{s:s,s:o,s:f,s:o}", "kind", ss->item_kind,
	    "source", str_or_null(ss->item_source),
	    "elapsed_s", ss->item_elapsed_s,
	    "length_s", ss->item_length_s >= 0 ? json_real(ss->item_length_s) : json_null());
	if (ss->item_title != NULL)
		json_object_set_new(o, "title", json_string(ss->item_title));
	return o;
}

static json_t *
feeds_json(const struct station_status *ss)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < ss->nfeeds && i < STATUS_MAX_FEEDS; i++)
		json_array_append_new(arr, json_pack("{s:o,s:o,s:o}",
		    "url", str_or_null(ss->feeds[i].url),
		    "last_fetch", status_json_time(ss->feeds[i].last_fetch),
		    "outcome", str_or_null(ss->feeds[i].outcome)));
	return arr;
}

json_t *
status_json(const struct station_status *ss, time_t now)
{
	json_t *o = json_object();

	json_object_set_new(o, "version", json_string(LOAXA_VERSION));
	json_object_set_new(o, "now", status_json_time(now));
	json_object_set_new(o, "started_at", status_json_time(ss->started_at));
	json_object_set_new(o, "uptime_s",
	    json_integer(ss->started_at ? (json_int_t)(now - ss->started_at) : 0));
	json_object_set_new(o, "slot", ss->slot == NULL ? json_null() :
	    json_pack("{s:s,s:o,s:o}", "name", ss->slot, "start",
	    status_json_time(ss->slot_start), "end", status_json_time(ss->slot_end)));
	json_object_set_new(o, "item", item_json(ss));
	json_object_set_new(o, "next_slot", ss->next_slot == NULL ? json_null() :
	    json_pack("{s:s,s:o}", "name", ss->next_slot, "start",
	    status_json_time(ss->next_slot_start)));
	json_object_set_new(o, "volume", json_integer(ss->volume));
	json_object_set_new(o, "muted", json_boolean(ss->muted));
	json_object_set_new(o, "muted_all", json_boolean(ss->muted_all));
	json_object_set_new(o, "emergency", json_boolean(ss->emergency));
	json_object_set_new(o, "device", json_pack("{s:o,s:b,s:o,s:I}",
	    "name", str_or_null(ss->device), "ok", ss->device_ok,
	    "error", str_or_null(ss->device_error),
	    "underruns", (json_int_t)ss->underruns));
	json_object_set_new(o, "bulletins_waiting", json_integer((json_int_t)ss->bulletins_waiting));
	json_object_set_new(o, "feeds", feeds_json(ss));
	json_object_set_new(o, "clock", json_pack("{s:b,s:o,s:o}",
	    "trusted", ss->clock_trusted,
	    "latest_known", status_json_time(ss->clock_floor),
	    "evidence", str_or_null(ss->clock_evidence)));
	return o;
}
