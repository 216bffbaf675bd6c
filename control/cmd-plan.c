/* plan: the timetable the daemon really runs, resolved for some days. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/ctl.h"
#include "control/protocol.h"
#include "scheduler/notices.h"
#include "scheduler/station.h"
#include "scheduler/timetable.h"

#define PLAN_MAX_DAYS	31
#define PLAN_MAX_SLOTS	64

static const char *const weekdays[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};

static const char *
exception_mode(const struct config *cfg, int y, int m, int d)
{
	for (size_t i = 0; i < cfg->nexceptions; i++) {
		const struct exception *e = &cfg->exceptions[i];
		if (e->year == y && e->month == m && e->day == d)
			return e->mode == EXC_REPLACE ? "replace" : "add";
	}
	return NULL;
}

static json_t *
slot_json(const struct slot_instance *si)
{
	const struct slot *s = si->slot;
	json_t *program = json_array();

	for (size_t i = 0; i < s->nsteps; i++)
		json_array_append_new(program, json_string(s->steps[i].text));
	return json_pack("{s:s,s:o,s:o,s:o,s:b,s:o}", "name", s->name,
	    "start", ctl_json_time(si->start), "end", ctl_json_time(si->end),
	    "volume", s->volume >= 0 ? json_integer(s->volume) : json_null(),
	    "loop", s->loop, "program", program);
}

/* The operator's notices that air on date (in the slots' bulletins steps). */
static json_t *
notices_json(struct notices *n, const char *date)
{
	json_t *arr = json_array();

	for (size_t i = 0; n != NULL && i < notices_count(n); i++) {
		const struct notice *no = notices_at(n, i);
		if (notices_active_on(no, date))
			json_array_append_new(arr, json_pack("{s:I,s:s,s:i,s:i}",
			    "id", (json_int_t)no->id, "title", no->title,
			    "times", no->times, "left", notices_left_on(no, date)));
	}
	return arr;
}

static json_t *
day_json(const struct config *cfg, struct notices *notices, struct tm *tm)
{
	struct slot_instance slots[PLAN_MAX_SLOTS];
	int y = tm->tm_year + 1900, m = tm->tm_mon + 1, d = tm->tm_mday;
	char date[40];
	size_t n = timetable_resolve_day(cfg, y, m, d, slots, PLAN_MAX_SLOTS);
	const char *exc = exception_mode(cfg, y, m, d);
	json_t *arr = json_array();

	for (size_t i = 0; i < n && i < PLAN_MAX_SLOTS; i++)
		json_array_append_new(arr, slot_json(&slots[i]));
	snprintf(date, sizeof(date), "%04d-%02d-%02d", y, m, d);
	return json_pack("{s:s,s:s,s:o,s:o,s:o}", "date", date,
	    "weekday", weekdays[tm->tm_wday],
	    "exception", exc ? json_string(exc) : json_null(), "slots", arr,
	    "notices", notices_json(notices, date));
}

static int
parse_date(const char *s, struct tm *tm)
{
	int y, m, d, n = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*tm = (struct tm){ .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
	    .tm_hour = 12, .tm_isdst = -1 };
	if (mktime(tm) == (time_t)-1 || tm->tm_mday != d)
		return -1;
	return 0;
}

int
ctl_cmd_plan(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	const struct config *cfg = station_config(req->st);
	const json_t *jdate = json_object_get(req->args, "date");
	const json_t *jdays = json_object_get(req->args, "days");
	json_int_t days = jdays ? json_integer_value(jdays) : 1;
	struct tm tm;

	if (jdays != NULL && (!json_is_integer(jdays) || days < 1 || days > PLAN_MAX_DAYS)) {
		snprintf(err, errlen, "days must be 1 to %d", PLAN_MAX_DAYS);
		return -1;
	}
	if (jdate != NULL && !json_is_null(jdate)) {
		if (!json_is_string(jdate) || parse_date(json_string_value(jdate), &tm) < 0) {
			snprintf(err, errlen, "date must be YYYY-MM-DD");
			return -1;
		}
	} else {
		time_t now = time(NULL);
		localtime_r(&now, &tm);
		tm.tm_hour = 12;	/* noon: adding days never slips a date */
	}
	json_t *arr = json_array();
	for (json_int_t i = 0; i < days; i++) {
		struct tm day = tm;
		day.tm_mday += (int)i;
		day.tm_isdst = -1;
		mktime(&day);
		json_array_append_new(arr, day_json(cfg, station_notices(req->st), &day));
	}
	json_object_set_new(reply, "now", ctl_json_time(time(NULL)));
	json_object_set_new(reply, "station", cfg->station.name ?
	    json_string(cfg->station.name) : json_null());
	json_object_set_new(reply, "days", arr);
	return 0;
}
