/* loaxactl plan [DATE | --week]: the daemon's resolved timetable. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

#define TIMELINE_CELLS	48	/* half an hour each */
#define CELL_S		(86400 / TIMELINE_CELLS)

/* Seconds after the day's local midnight (clipped to the day). */
static long
day_offset(time_t t, const char *date)
{
	struct tm tm;
	int y, m, d;

	localtime_r(&t, &tm);
	sscanf(date, "%d-%d-%d", &y, &m, &d);
	long s = tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec;
	if (tm.tm_year + 1900 != y || tm.tm_mon + 1 != m || tm.tm_mday != d)
		return t < 0 ? 0 : 86400;	/* the slot ends on the next day */
	return s;
}

static void
print_timeline(const json_t *day)
{
	char cells[TIMELINE_CELLS + 1];
	const char *date = json_string_value(json_object_get(day, "date"));
	const json_t *slots = json_object_get(day, "slots");
	const json_t *s;
	size_t i;

	memset(cells, '.', TIMELINE_CELLS);
	cells[TIMELINE_CELLS] = '\0';
	json_array_foreach(slots, i, s) {
		long from = day_offset(iso_to_time(json_object_get(s, "start")), date);
		long to = day_offset(iso_to_time(json_object_get(s, "end")), date);
		if (to <= from)
			to = 86400;
		for (long c = from / CELL_S; c < TIMELINE_CELLS && c * CELL_S < to; c++)
			cells[c] = (char)(i < 26 ? 'A' + i : '#');
	}
	printf("  0     3     6     9     12    15    18    21    24\n");
	printf("  |");
	for (int c = 0; c < TIMELINE_CELLS; c += 6)
		printf("%.6s|", cells + c);
	printf("\n ");
	json_array_foreach(slots, i, s)
		printf(" %c %s", i < 26 ? (int)('A' + i) : '#',
		    json_string_value(json_object_get(s, "name")));
	printf("\n");
}

static void
print_program(const json_t *program)
{
	const json_t *step;
	size_t i;

	json_array_foreach(program, i, step)
		printf("%s%s", i ? ", " : "", json_string_value(step));
}

static void
print_notices(const json_t *notices)
{
	const json_t *no;
	size_t i;

	json_array_foreach(notices, i, no)
		printf("  notice %lld \"%s\": %lld a day in the bulletins steps, %lld still today\n",
		    (long long)json_integer_value(json_object_get(no, "id")),
		    json_string_value(json_object_get(no, "title")),
		    (long long)json_integer_value(json_object_get(no, "times")),
		    (long long)json_integer_value(json_object_get(no, "left")));
}

static void
print_day(const json_t *day)
{
	char a[16], b[16];
	const json_t *slots = json_object_get(day, "slots");
	const json_t *exc = json_object_get(day, "exception");
	const json_t *s;
	size_t i;

	printf("%s %s", json_string_value(json_object_get(day, "date")),
	    json_string_value(json_object_get(day, "weekday")));
	if (json_is_string(exc))
		printf("  (exception: %s)", json_string_value(exc));
	printf("\n");
	if (json_array_size(slots) == 0) {
		printf("  (no slots)\n\n");
		return;
	}
	printf("  %-14s %-8s  %-8s  %4s  %s\n", "SLOT", "START", "END", "VOL", "PROGRAM");
	json_array_foreach(slots, i, s) {
		const json_t *vol = json_object_get(s, "volume");
		char volbuf[8] = "-";
		if (json_is_integer(vol))
			snprintf(volbuf, sizeof(volbuf), "%lld", (long long)json_integer_value(vol));
		printf("  %-14s %-8s  %-8s  %4s  ",
		    json_string_value(json_object_get(s, "name")),
		    fmt_clock(json_object_get(s, "start"), a, sizeof(a)),
		    fmt_clock(json_object_get(s, "end"), b, sizeof(b)), volbuf);
		print_program(json_object_get(s, "program"));
		printf("%s\n", json_is_true(json_object_get(s, "loop")) ? " (loop)" : "");
	}
	print_timeline(day);
	print_notices(json_object_get(day, "notices"));
	printf("\n");
}

static int
exec_plan(struct ctl_client *c, int argc, char **argv)
{
	const char *date = NULL;
	int days = 1;
	time_t t;
	char buf[16];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--week") == 0)
			days = 7;
		else if (date == NULL && argv[i][0] != '-')
			date = argv[i];
		else
			return client_usage(argv[0]);
	}
	if (date != NULL && (strcmp(date, "today") == 0 || strcmp(date, "tomorrow") == 0)) {
		struct tm tm;
		t = time(NULL) + (strcmp(date, "tomorrow") == 0 ? 86400 : 0);
		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
		date = buf;
	}
	json_t *args = json_pack("{s:o,s:i}", "date", date ? json_string(date) : json_null(),
	    "days", days);
	json_t *reply;
	int rc = client_request(c, CTL_REQ_PLAN, args, &reply);
	json_decref(args);
	if (rc != EXIT_OK)
		return rc;
	const json_t *day;
	size_t i;
	json_array_foreach(json_object_get(reply, "days"), i, day)
		print_day(day);
	json_decref(reply);
	return EXIT_OK;
}

const struct ctl_command cmd_plan = {
	.exec = exec_plan,
	.help = "Shows the timetable loaxad really runs, resolved for a day (DATE as\n"
	    "YYYY-MM-DD, today or tomorrow; default today) or for 7 days from it\n"
	    "with --week: each slot with its local start and end, volume and\n"
	    "program, date exceptions marked, and a timeline of the day in\n"
	    "half-hour cells.",
};
