/* log: one local day of the as-played log, filtered, a page at a time
 * (loaxa-web reads it here; it may not read the log file itself). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/ctl.h"
#include "control/protocol.h"
#include "core/playedlog.h"
#include "scheduler/station.h"

/* A page stays well under CTL_MAX_REPLY: a line is a few hundred bytes. */
#define LOG_PAGE_MAX	400

struct log_read {
	const char *kind, *result;
	json_int_t offset, limit, total;
	json_t *entries;
};

static void
on_line(const char *line, const json_t *obj, void *ctx)
{
	struct log_read *lr = ctx;
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *result = json_string_value(json_object_get(obj, "result"));

	(void)line;
	if ((lr->kind && (kind == NULL || strcmp(kind, lr->kind) != 0)) ||
	    (lr->result && (result == NULL || strcmp(result, lr->result) != 0)))
		return;
	if (lr->total >= lr->offset && lr->total < lr->offset + lr->limit)
		json_array_append(lr->entries, (json_t *)obj);
	lr->total++;
}

static int
day_bounds(const char *date, time_t *since, time_t *until)
{
	int y, m, d, n = 0;

	if (sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || date[n] != '\0' ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	struct tm a = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
	    .tm_isdst = -1 };
	struct tm b = a;
	b.tm_mday++;
	*since = mktime(&a);
	*until = mktime(&b);
	return *since == (time_t)-1 || a.tm_mday != d ? -1 : 0;
}

static const char *
opt_str(const json_t *args, const char *key)
{
	const char *s = json_string_value(json_object_get(args, key));

	return s && s[0] ? s : NULL;
}

int
ctl_cmd_log_read(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	const struct config *cfg = station_config(req->st);
	const char *date = opt_str(req->args, "date");
	char today[16];
	time_t since, until, now = time(NULL);
	struct tm tm;
	struct log_read lr = {
		.kind = opt_str(req->args, "kind"),
		.result = opt_str(req->args, "result"),
		.offset = json_integer_value(json_object_get(req->args, "offset")),
		.limit = json_integer_value(json_object_get(req->args, "limit")),
	};

	if (date == NULL) {
		localtime_r(&now, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		date = today;
	}
	if (day_bounds(date, &since, &until) < 0) {
		snprintf(err, errlen, "date must be YYYY-MM-DD");
		return -1;
	}
	if (lr.offset < 0)
		lr.offset = 0;
	if (lr.limit <= 0 || lr.limit > LOG_PAGE_MAX)
		lr.limit = LOG_PAGE_MAX;
	lr.entries = json_array();
	size_t bad = 0;
	char rerr[256];
	if (playedlog_read(cfg->paths.played_log, since, until, on_line, &lr, &bad,
	    rerr, sizeof(rerr)) < 0) {
		/* No file yet is an empty day, not an error. */
		lr.total = 0;
	}
	json_object_set_new(reply, "date", json_string(date));
	json_object_set_new(reply, "total", json_integer(lr.total));
	json_object_set_new(reply, "offset", json_integer(lr.offset));
	json_object_set_new(reply, "entries", lr.entries);
	json_object_set_new(reply, "unreadable_lines", json_integer((json_int_t)bad));
	return 0;
}
