/*
 * pages: the district console's pages and JSON API, and its route table.
 * Owns how the views (views.c) become HTML rows, CSV and API answers.
 * Pages are complete without JavaScript; collector.js only refreshes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/collector.h"
#include "collector/views.h"
#include "core/log.h"
#include "web/web.h"

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))
#define B(o, k) json_is_true(json_object_get((o), (k)))

/* Runs view on a pooled connection; answers 503 itself on failure. */
#define WITH_DB(col, r, result, call) do {					\
	char err_[512];								\
	PGconn *c_ = db_acquire((col)->db);					\
	PGconn *c = c_;								\
	(result) = (call);							\
	db_release((col)->db, c_);						\
	if ((result) == NULL) {							\
		log_err("collector: database: %s", err_);			\
		web_reply_error((r), 503, "database unavailable");		\
		return 0;							\
	}									\
} while (0)
#define ERR err_, sizeof(err_)

static void
cell(char **h, size_t *n, const char *label, const char *cls, const char *text)
{
	web_buf_printf(h, n, "<td data-label=\"");
	web_html_escape(h, n, label);
	web_buf_printf(h, n, "\"%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
	web_html_escape(h, n, text);
	web_buf_printf(h, n, "</td>");
}

static void
age_text(struct web_req *r, char *buf, size_t len, json_t *age)
{
	if (!json_is_integer(age)) {
		snprintf(buf, len, "%s", web_req_msg(r, "never"));
		return;
	}
	long long s = json_integer_value(age);
	if (s < 120)
		snprintf(buf, len, "%lld s", s);
	else if (s < 7200)
		snprintf(buf, len, "%lld min", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%lld h", s / 3600);
	else
		snprintf(buf, len, "%lld d", s / 86400);
}

static bool
station_matches(json_t *st, const char *filter)
{
	if (filter == NULL || filter[0] == '\0')
		return true;
	if (strcmp(filter, "offline") == 0)
		return !B(st, "online");
	if (strcmp(filter, "card") == 0)
		return json_is_false(json_object_get(st, "sound_card_ok"));
	if (strcmp(filter, "muted") == 0)
		return B(st, "muted");
	return true;
}

static char *
station_link(const char *name)
{
	char *q = web_url_encode(name);
	char *s = xasprintf("/station?name=%s", q);
	free(q);
	return s;
}

static void
alarms_html(struct web_req *r, json_t *al, char **h, size_t *n)
{
	json_t *off = json_object_get(al, "offline"), *card = json_object_get(al, "card_failing");
	json_t *late = json_object_get(al, "emergencies_late"), *v;
	size_t i;

	if (json_array_size(off) + json_array_size(card) + json_array_size(late) == 0) {
		web_buf_printf(h, n, "<p class=\"ok\" id=\"no-alarms\">");
		web_html_escape(h, n, web_req_msg(r, "alarms_none"));
		web_buf_printf(h, n, "</p>");
		return;
	}
	web_buf_printf(h, n, "<ul class=\"alarms\" id=\"alarms\">");
	json_array_foreach(off, i, v) {
		if (i == 20) {
			web_buf_printf(h, n, "<li class=\"bad\">… +%zu</li>", json_array_size(off) - 20);
			break;
		}
		web_buf_printf(h, n, "<li class=\"bad\">");
		web_html_escape(h, n, web_req_msg(r, "alarm_offline"));
		web_buf_printf(h, n, " ");
		web_html_escape(h, n, json_string_value(v));
		web_buf_printf(h, n, "</li>");
	}
	json_array_foreach(card, i, v) {
		web_buf_printf(h, n, "<li class=\"bad\">");
		web_html_escape(h, n, web_req_msg(r, "alarm_card"));
		web_buf_printf(h, n, " ");
		web_html_escape(h, n, S(v, "name"));
		web_buf_printf(h, n, ": ");
		web_html_escape(h, n, S(v, "error"));
		web_buf_printf(h, n, "</li>");
	}
	json_array_foreach(late, i, v) {
		web_buf_printf(h, n, "<li class=\"bad\">");
		web_html_escape(h, n, web_req_msg(r, "alarm_emergency"));
		web_buf_printf(h, n, " <a href=\"/bulletins/");
		char *q = web_url_encode(S(v, "bulletin"));
		web_html_escape(h, n, q);
		free(q);
		web_buf_printf(h, n, "\">");
		web_html_escape(h, n, S(v, "bulletin"));
		web_buf_printf(h, n, "</a>: ");
		size_t j;
		json_t *s;
		json_array_foreach(json_object_get(v, "stations"), j, s) {
			web_buf_printf(h, n, "%s", j ? ", " : "");
			web_html_escape(h, n, json_string_value(s));
		}
		web_buf_printf(h, n, "</li>");
	}
	web_buf_printf(h, n, "</ul>");
}

static int
page_stations(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	json_t *st, *al;
	const char *filter = web_req_query(r, "filter");

	WITH_DB(col, r, st, views_stations(c, col->conf->offline_after_s, ERR));
	WITH_DB(col, r, al, views_alarms(c, col->conf->offline_after_s, ERR));
	char *rows = NULL, *alarms = NULL, count[128], age[32];
	size_t rn = 0, an = 0, online = 0, i;
	json_t *s;
	web_buf_printf(&rows, &rn, "%s", "");
	json_array_foreach(st, i, s) {
		online += B(s, "online");
		if (!station_matches(s, filter))
			continue;
		char *link = station_link(S(s, "name"));
		web_buf_printf(&rows, &rn, "<tr data-name=\"");
		web_html_escape(&rows, &rn, S(s, "name"));
		web_buf_printf(&rows, &rn, "\"><td><a href=\"");
		web_html_escape(&rows, &rn, link);
		web_buf_printf(&rows, &rn, "\">");
		web_html_escape(&rows, &rn, S(s, "name"));
		web_buf_printf(&rows, &rn, "</a></td>");
		free(link);
		bool on = B(s, "online");
		cell(&rows, &rn, web_req_msg(r, "col_state"), on ? "ok state" : "bad state",
		    web_req_msg(r, on ? "online" : "offline"));
		age_text(r, age, sizeof(age), json_object_get(s, "heartbeat_age_s"));
		cell(&rows, &rn, web_req_msg(r, "col_heartbeat"), NULL, age);
		json_t *oa = json_object_get(s, "on_air");
		char *air = json_is_object(oa) ? xasprintf("%s%s%s", S(oa, "kind"),
		    S(oa, "source") ? ": " : "", S(oa, "source") ? S(oa, "source") : "") : xstrdup("—");
		cell(&rows, &rn, web_req_msg(r, "col_on_air"), NULL, air);
		free(air);
		json_t *ok = json_object_get(s, "sound_card_ok");
		cell(&rows, &rn, web_req_msg(r, "col_card"),
		    json_is_false(ok) ? "bad" : NULL,
		    json_is_null(ok) ? "—" : json_is_true(ok) ? web_req_msg(r, "card_ok") :
		    (S(s, "sound_card_error") ? S(s, "sound_card_error") : web_req_msg(r, "card_failing")));
		char feeds[64];
		snprintf(feeds, sizeof(feeds), "%lld/%lld", I(s, "feeds") - I(s, "feeds_failing"),
		    I(s, "feeds"));
		cell(&rows, &rn, web_req_msg(r, "col_feeds"), I(s, "feeds_failing") ? "bad" : NULL, feeds);
		char vol[64];
		snprintf(vol, sizeof(vol), "%lld%%%s", I(s, "volume"),
		    B(s, "muted") ? web_req_msg(r, "muted_suffix") : "");
		cell(&rows, &rn, web_req_msg(r, "col_volume"), B(s, "muted") ? "warn" : NULL,
		    json_is_integer(json_object_get(s, "volume")) ? vol : "—");
		char disk[32] = "—";
		if (json_is_integer(json_object_get(s, "free_bytes")))
			snprintf(disk, sizeof(disk), "%.1f GB", I(s, "free_bytes") / 1e9);
		cell(&rows, &rn, web_req_msg(r, "col_disk"), NULL, disk);
		cell(&rows, &rn, web_req_msg(r, "col_version"), NULL,
		    S(s, "version") ? S(s, "version") : "—");
		web_buf_printf(&rows, &rn, "</tr>\n");
	}
	alarms_html(r, al, &alarms, &an);
	snprintf(count, sizeof(count), "%zu / %zu", online, json_array_size(st));
	const char *vars[] = { "rows", rows, "alarms", alarms, "count", count,
		"filter", filter ? filter : "", NULL };
	web_reply_page(r, 200, "stations.html", vars);
	free(rows);
	free(alarms);
	json_decref(st);
	json_decref(al);
	return 0;
}

static int
page_bulletins(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	json_t *bl;

	WITH_DB(col, r, bl, views_bulletins(c, 200, ERR));
	char *rows = NULL, num[32];
	size_t rn = 0, i;
	json_t *b;
	web_buf_printf(&rows, &rn, "%s", "");
	json_array_foreach(bl, i, b) {
		char *q = web_url_encode(S(b, "id"));
		web_buf_printf(&rows, &rn, "<tr><td><a href=\"/bulletins/");
		web_html_escape(&rows, &rn, q);
		web_buf_printf(&rows, &rn, "\">");
		web_html_escape(&rows, &rn, S(b, "id"));
		web_buf_printf(&rows, &rn, "</a></td>");
		free(q);
		cell(&rows, &rn, web_req_msg(r, "col_priority"),
		    S(b, "priority") && strcmp(S(b, "priority"), "emergency") == 0 ? "bad" : NULL,
		    S(b, "priority") ? S(b, "priority") : "—");
		cell(&rows, &rn, web_req_msg(r, "col_first"), NULL, S(b, "first_at") ? S(b, "first_at") : "—");
		cell(&rows, &rn, web_req_msg(r, "col_last"), NULL, S(b, "last_at") ? S(b, "last_at") : "—");
		snprintf(num, sizeof(num), "%lld", I(b, "stations_aired"));
		cell(&rows, &rn, web_req_msg(r, "col_stations_aired"), NULL, num);
		snprintf(num, sizeof(num), "%lld", I(b, "airings"));
		cell(&rows, &rn, web_req_msg(r, "col_airings"), NULL, num);
		snprintf(num, sizeof(num), "%lld", I(b, "stations_problem"));
		cell(&rows, &rn, web_req_msg(r, "col_problems"), I(b, "stations_problem") ? "warn" : NULL, num);
		snprintf(num, sizeof(num), "%lld", I(b, "never_mentioned"));
		cell(&rows, &rn, web_req_msg(r, "col_never"), I(b, "never_mentioned") ? "bad" : NULL, num);
		web_buf_printf(&rows, &rn, "</tr>\n");
	}
	const char *vars[] = { "rows", rows, NULL };
	web_reply_page(r, 200, "bulletins.html", vars);
	free(rows);
	json_decref(bl);
	return 0;
}

static int
page_bulletin(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	const char *id = web_req_path(r) + strlen("/bulletins/");
	json_t *b;

	WITH_DB(col, r, b, views_bulletin(c, id, ERR));
	if (json_is_null(b)) {
		web_reply_data(r, 404, "text/plain; charset=utf-8", "no such bulletin\n", 17);
		return 0;
	}
	char *rows = NULL, num[32], counts[256];
	size_t rn = 0, i;
	json_t *s;
	web_buf_printf(&rows, &rn, "%s", "");
	json_array_foreach(json_object_get(b, "stations"), i, s) {
		const char *state = I(s, "aired") > 0 ? "st_aired" :
		    I(s, "failed") > 0 ? "st_failed" : I(s, "skipped") > 0 ? "st_skipped" :
		    B(s, "mentioned") ? "st_mentioned" : "st_never";
		web_buf_printf(&rows, &rn, "<tr data-name=\"");
		web_html_escape(&rows, &rn, S(s, "name"));
		web_buf_printf(&rows, &rn, "\" data-state=\"%s\">", state);
		cell(&rows, &rn, web_req_msg(r, "col_station"), NULL, S(s, "name"));
		cell(&rows, &rn, web_req_msg(r, "col_state"),
		    strcmp(state, "st_aired") == 0 ? "ok" : "bad", web_req_msg(r, state));
		snprintf(num, sizeof(num), "%lld", I(s, "aired"));
		cell(&rows, &rn, web_req_msg(r, "col_airings"), NULL, num);
		cell(&rows, &rn, web_req_msg(r, "col_first"), NULL,
		    S(s, "first_aired") ? S(s, "first_aired") : "—");
		json_t *reasons = json_object_get(s, "reasons");
		cell(&rows, &rn, web_req_msg(r, "col_reason"), NULL,
		    json_array_size(reasons) ? json_string_value(json_array_get(reasons, 0)) : "");
		web_buf_printf(&rows, &rn, "</tr>\n");
	}
	snprintf(counts, sizeof(counts), "%zu / %zu",
	    json_array_size(json_object_get(b, "aired")),
	    json_array_size(json_object_get(b, "stations")));
	const char *vars[] = { "rows", rows, "id", S(b, "id"),
		"priority", S(b, "priority") ? S(b, "priority") : "—",
		"first_at", S(b, "first_at") ? S(b, "first_at") : "—",
		"last_at", S(b, "last_at") ? S(b, "last_at") : "—", "counts", counts, NULL };
	web_reply_page(r, 200, "bulletin.html", vars);
	free(rows);
	json_decref(b);
	return 0;
}

/* The date asked for (YYYY-MM-DD), or today. */
static void
day_param(struct web_req *r, char *date, size_t len)
{
	const char *d = web_req_query(r, "date");
	int y, m, dd;
	char tail;

	if (d != NULL && strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) == 3 &&
	    m >= 1 && m <= 12 && dd >= 1 && dd <= 31) {
		snprintf(date, len, "%04d-%02d-%02d", y, m, dd);
		return;
	}
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(date, len, "%Y-%m-%d", &tm);
}

static const char *const day_cols[] = {
	"start", "end", "slot", "kind", "source", "result", "reason", "bulletin", "priority",
	"title", NULL,
};

static int
page_station(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	const char *name = web_req_query(r, "name");
	char date[16];
	json_t *d;

	day_param(r, date, sizeof(date));
	WITH_DB(col, r, d, views_station_day(c, name ? name : "", date, ERR));
	if (json_is_null(d)) {
		web_reply_data(r, 404, "text/plain; charset=utf-8", "no such station\n", 16);
		return 0;
	}
	char *rows = NULL, *csv;
	size_t rn = 0, i;
	json_t *l;
	web_buf_printf(&rows, &rn, "%s", "");
	json_array_foreach(json_object_get(d, "lines"), i, l) {
		web_buf_printf(&rows, &rn, "<tr>");
		for (size_t k = 0; day_cols[k] != NULL; k++) {
			char key[32];
			snprintf(key, sizeof(key), "col_%s", day_cols[k]);
			const char *v = S(l, day_cols[k]);
			const char *cls = k == 5 && v && (strcmp(v, "failed") == 0 || strcmp(v, "skipped") == 0) ?
			    "bad" : NULL;
			cell(&rows, &rn, web_req_msg(r, key), cls, v ? v : "");
		}
		web_buf_printf(&rows, &rn, "</tr>\n");
	}
	char *q = web_url_encode(name);
	csv = xasprintf("/station.csv?name=%s&date=%s", q, date);
	free(q);
	const char *vars[] = { "rows", rows, "station", name, "date", date, "csv", csv, NULL };
	web_reply_page(r, 200, "station.html", vars);
	free(rows);
	free(csv);
	json_decref(d);
	return 0;
}

static void
csv_field(char **h, size_t *n, const char *v)
{
	if (v == NULL)
		v = "";
	if (strpbrk(v, ",\"\r\n") == NULL) {
		web_buf_printf(h, n, "%s", v);
		return;
	}
	web_buf_printf(h, n, "\"");
	for (const char *p = v; *p; p++)
		if (*p == '"')
			web_buf_printf(h, n, "\"\"");
		else
			web_buf_printf(h, n, "%c", *p);
	web_buf_printf(h, n, "\"");
}

static int
csv_station(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	const char *name = web_req_query(r, "name");
	char date[16];
	json_t *d;

	day_param(r, date, sizeof(date));
	WITH_DB(col, r, d, views_station_day(c, name ? name : "", date, ERR));
	if (json_is_null(d)) {
		web_reply_data(r, 404, "text/plain; charset=utf-8", "no such station\n", 16);
		return 0;
	}
	char *h = NULL;
	size_t n = 0, i;
	json_t *l;
	web_buf_printf(&h, &n, "start,end,slot,kind,source,result,reason,bulletin,priority,title,played_s\r\n");
	json_array_foreach(json_object_get(d, "lines"), i, l) {
		for (size_t k = 0; day_cols[k] != NULL; k++) {
			csv_field(&h, &n, S(l, day_cols[k]));
			web_buf_printf(&h, &n, ",");
		}
		json_t *ps = json_object_get(l, "played_s");
		if (json_is_number(ps))
			web_buf_printf(&h, &n, "%.3f", json_number_value(ps));
		web_buf_printf(&h, &n, "\r\n");
	}
	/* A file name a district office's spreadsheet takes as it is. */
	char disp[128];
	snprintf(disp, sizeof(disp), "attachment; filename=\"loaxa-%s.csv\"", date);
	web_reply_header(r, "Content-Disposition", disp);
	web_reply_data(r, 200, "text/csv; charset=utf-8", h, n);
	free(h);
	json_decref(d);
	return 0;
}

static int
api_stations(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	json_t *st;

	WITH_DB(col, r, st, views_stations(c, col->conf->offline_after_s, ERR));
	web_reply_json(r, 200, st);
	return 0;
}

static int
api_alarms(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	json_t *al;

	WITH_DB(col, r, al, views_alarms(c, col->conf->offline_after_s, ERR));
	web_reply_json(r, 200, al);
	return 0;
}

static int
api_bulletins(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	json_t *bl;

	WITH_DB(col, r, bl, views_bulletins(c, 200, ERR));
	web_reply_json(r, 200, bl);
	return 0;
}

static int
api_bulletin(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	json_t *b;

	WITH_DB(col, r, b, views_bulletin(c, web_req_path(r) + strlen("/api/bulletins/"), ERR));
	if (json_is_null(b)) {
		web_reply_error(r, 404, "no report names this bulletin");
		return 0;
	}
	web_reply_json(r, 200, b);
	return 0;
}

const struct web_route collector_routes[] = {
	{ "POST", "/ingest", WEB_PUBLIC | WEB_NO_CSRF, NULL, 1024 * 1024, ingest_handle },
	{ "GET", "/", 0, NULL, 0, page_stations },
	{ "GET", "/bulletins", 0, NULL, 0, page_bulletins },
	{ "GET", "/bulletins/", WEB_PREFIX, NULL, 0, page_bulletin },
	{ "GET", "/station", 0, NULL, 0, page_station },
	{ "GET", "/station.csv", 0, NULL, 0, csv_station },
	{ "GET", "/api/stations", 0, NULL, 0, api_stations },
	{ "GET", "/api/alarms", 0, NULL, 0, api_alarms },
	{ "GET", "/api/bulletins", 0, NULL, 0, api_bulletins },
	{ "GET", "/api/bulletins/", WEB_PREFIX, NULL, 0, api_bulletin },
	{ NULL, NULL, 0, NULL, 0, NULL },
};
