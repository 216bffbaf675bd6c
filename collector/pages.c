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

/* Column i of row: its text, or NULL when SQL NULL. */
static const char *
val(PGresult *res, int row, int i)
{
	return PQgetisnull(res, row, i) ? NULL : PQgetvalue(res, row, i);
}

static bool
is_true(PGresult *res, int row, int i)
{
	return !PQgetisnull(res, row, i) && PQgetvalue(res, row, i)[0] == 't';
}

#define PAGE_ROWS 250	/* rows of a page: a phone shows them, 10,000 would not */
#define API_MAX_ROWS 1000	/* the API's largest page: keeps an answer near 300 KB */

static int
page_number(struct web_req *r)
{
	const char *p = web_req_query(r, "page");
	int n = p ? atoi(p) : 1;
	return n >= 1 && n <= 100000 ? n : 1;
}

/* "← Trước · Trang 2 · Sau →" links keeping the other parameters (base ends
 * with '?' or '&'). */
static char *
pager(struct web_req *r, const char *base, int page, bool more)
{
	char *h = NULL;
	size_t n = 0;

	web_buf_printf(&h, &n, "<p class=\"pager\">");
	if (page > 1) {
		web_buf_printf(&h, &n, "<a rel=\"prev\" href=\"");
		web_html_escape(&h, &n, base);
		web_buf_printf(&h, &n, "page=%d\">", page - 1);
		web_html_escape(&h, &n, web_req_msg(r, "page_prev"));
		web_buf_printf(&h, &n, "</a> ");
	}
	if (page > 1 || more) {
		web_html_escape(&h, &n, web_req_msg(r, "page"));
		web_buf_printf(&h, &n, " %d ", page);
	}
	if (more) {
		web_buf_printf(&h, &n, "<a rel=\"next\" href=\"");
		web_html_escape(&h, &n, base);
		web_buf_printf(&h, &n, "page=%d\">", page + 1);
		web_html_escape(&h, &n, web_req_msg(r, "page_next"));
		web_buf_printf(&h, &n, "</a>");
	}
	web_buf_printf(&h, &n, "</p>");
	return h;
}

static const char *
known_filter(const char *f)
{
	static const char *const filters[] = { "offline", "card", "muted", NULL };
	for (size_t i = 0; f != NULL && filters[i] != NULL; i++)
		if (strcmp(f, filters[i]) == 0)
			return filters[i];
	return "";
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

/* What is on air, from the heartbeat's on_air object: "kind: source". */
static char *
on_air_text(const char *json)
{
	json_t *oa = json ? json_loads(json, 0, NULL) : NULL;
	char *s = json_is_object(oa) && S(oa, "kind") ? xasprintf("%s%s%s", S(oa, "kind"),
	    S(oa, "source") ? ": " : "", S(oa, "source") ? S(oa, "source") : "") : xstrdup("—");
	json_decref(oa);
	return s;
}

static void
station_row(struct web_req *r, PGresult *st, int i, char **rows, size_t *rn)
{
	char age[32], feeds[64], vol[64], disk[32] = "—";
	const char *name = val(st, i, VIEWS_ST_NAME);
	char *link = station_link(name);

	web_buf_printf(rows, rn, "<tr data-name=\"");
	web_html_escape(rows, rn, name);
	web_buf_printf(rows, rn, "\"><td><a href=\"");
	web_html_escape(rows, rn, link);
	web_buf_printf(rows, rn, "\">");
	web_html_escape(rows, rn, name);
	web_buf_printf(rows, rn, "</a></td>");
	free(link);
	bool on = is_true(st, i, VIEWS_ST_ONLINE);
	cell(rows, rn, web_req_msg(r, "col_state"), on ? "ok state" : "bad state",
	    web_req_msg(r, on ? "online" : "offline"));
	json_t *agej = val(st, i, VIEWS_ST_AGE) ?
	    json_integer(atoll(val(st, i, VIEWS_ST_AGE))) : json_null();
	age_text(r, age, sizeof(age), agej);
	json_decref(agej);
	cell(rows, rn, web_req_msg(r, "col_heartbeat"), NULL, age);
	char *air = on_air_text(val(st, i, VIEWS_ST_ON_AIR));
	cell(rows, rn, web_req_msg(r, "col_on_air"), NULL, air);
	free(air);
	const char *ok = val(st, i, VIEWS_ST_CARD_OK), *cerr = val(st, i, VIEWS_ST_CARD_ERROR);
	bool bad = ok != NULL && ok[0] != 't';
	cell(rows, rn, web_req_msg(r, "col_card"), bad ? "bad" : NULL,
	    ok == NULL ? "—" : !bad ? web_req_msg(r, "card_ok") :
	    cerr ? cerr : web_req_msg(r, "card_failing"));
	long nf = val(st, i, VIEWS_ST_FEEDS) ? atol(val(st, i, VIEWS_ST_FEEDS)) : 0;
	long nbad = val(st, i, VIEWS_ST_FEEDS_FAILING) ? atol(val(st, i, VIEWS_ST_FEEDS_FAILING)) : 0;
	snprintf(feeds, sizeof(feeds), "%ld/%ld", nf - nbad, nf);
	cell(rows, rn, web_req_msg(r, "col_feeds"), nbad ? "bad" : NULL, feeds);
	bool muted = is_true(st, i, VIEWS_ST_MUTED);
	snprintf(vol, sizeof(vol), "%s%%%s", val(st, i, VIEWS_ST_VOLUME) ? val(st, i, VIEWS_ST_VOLUME) : "",
	    muted ? web_req_msg(r, "muted_suffix") : "");
	cell(rows, rn, web_req_msg(r, "col_volume"), muted ? "warn" : NULL,
	    val(st, i, VIEWS_ST_VOLUME) ? vol : "—");
	if (val(st, i, VIEWS_ST_FREE))
		snprintf(disk, sizeof(disk), "%.1f GB", atof(val(st, i, VIEWS_ST_FREE)) / 1e9);
	cell(rows, rn, web_req_msg(r, "col_disk"), NULL, disk);
	cell(rows, rn, web_req_msg(r, "col_version"), NULL,
	    val(st, i, VIEWS_ST_VERSION) ? val(st, i, VIEWS_ST_VERSION) : "—");
	web_buf_printf(rows, rn, "</tr>\n");
}

static int
page_stations(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	PGresult *st;
	json_t *al;
	const char *filter = known_filter(web_req_query(r, "filter"));
	int page = page_number(r), online = 0, total = 0, got;

	/* One more row than a page: whether there is a next page. */
	WITH_DB(col, r, st, views_stations(c, col->conf->offline_after_s, filter,
	    (page - 1) * PAGE_ROWS, PAGE_ROWS + 1, ERR));
	WITH_DB(col, r, al, views_alarms(c, col->conf->offline_after_s, ERR));
	PGconn *pc = db_acquire(col->db);
	char cerr[512];
	got = views_station_counts(pc, col->conf->offline_after_s, &online, &total, cerr,
	    sizeof(cerr));
	db_release(col->db, pc);
	if (got < 0)
		log_err("collector: database: %s", cerr);
	char *rows = NULL, *alarms = NULL, count[128];
	size_t rn = 0, an = 0;
	web_buf_printf(&rows, &rn, "%s", "");
	for (int i = 0; i < PQntuples(st) && i < PAGE_ROWS; i++)
		station_row(r, st, i, &rows, &rn);
	alarms_html(r, al, &alarms, &an);
	snprintf(count, sizeof(count), "%d / %d", online, total);
	char *base = xasprintf("/?%s%s%s", filter[0] ? "filter=" : "", filter, filter[0] ? "&" : "");
	char *pg = pager(r, base, page, PQntuples(st) > PAGE_ROWS);
	const char *vars[] = { "rows", rows, "alarms", alarms, "count", count,
		"filter", filter, "pager", pg, NULL };
	web_reply_page(r, 200, "stations.html", vars);
	free(base);
	free(pg);
	free(rows);
	free(alarms);
	PQclear(st);
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
	PGresult *head, *bs;

	WITH_DB(col, r, head, views_bulletin_head(c, id, ERR));
	if (PQntuples(head) == 0) {
		PQclear(head);
		web_reply_data(r, 404, "text/plain; charset=utf-8", "no such bulletin\n", 17);
		return 0;
	}
	int page = page_number(r);
	WITH_DB(col, r, bs, views_bulletin_stations(c, id, (page - 1) * PAGE_ROWS, PAGE_ROWS + 1,
	    ERR));
	char *rows = NULL, counts[256];
	size_t rn = 0;
	web_buf_printf(&rows, &rn, "%s", "");
	for (int i = 0; i < PQntuples(bs) && i < PAGE_ROWS; i++) {
		long aired = atol(PQgetvalue(bs, i, VIEWS_BS_AIRED));
		const char *state = aired > 0 ? "st_aired" :
		    atol(PQgetvalue(bs, i, VIEWS_BS_FAILED)) > 0 ? "st_failed" :
		    atol(PQgetvalue(bs, i, VIEWS_BS_SKIPPED)) > 0 ? "st_skipped" :
		    is_true(bs, i, VIEWS_BS_MENTIONED) ? "st_mentioned" : "st_never";
		web_buf_printf(&rows, &rn, "<tr data-name=\"");
		web_html_escape(&rows, &rn, PQgetvalue(bs, i, VIEWS_BS_NAME));
		web_buf_printf(&rows, &rn, "\" data-state=\"%s\">", state);
		cell(&rows, &rn, web_req_msg(r, "col_station"), NULL, PQgetvalue(bs, i, VIEWS_BS_NAME));
		cell(&rows, &rn, web_req_msg(r, "col_state"),
		    aired > 0 ? "ok" : "bad", web_req_msg(r, state));
		cell(&rows, &rn, web_req_msg(r, "col_airings"), NULL, PQgetvalue(bs, i, VIEWS_BS_AIRED));
		cell(&rows, &rn, web_req_msg(r, "col_first"), NULL,
		    val(bs, i, VIEWS_BS_FIRST) ? val(bs, i, VIEWS_BS_FIRST) : "—");
		cell(&rows, &rn, web_req_msg(r, "col_reason"), NULL,
		    val(bs, i, VIEWS_BS_REASON) ? val(bs, i, VIEWS_BS_REASON) : "");
		web_buf_printf(&rows, &rn, "</tr>\n");
	}
	snprintf(counts, sizeof(counts), "%s / %s", PQgetvalue(head, 0, 4), PQgetvalue(head, 0, 5));
	char *q = web_url_encode(id);
	char *base = xasprintf("/bulletins/%s?", q);
	char *pg = pager(r, base, page, PQntuples(bs) > PAGE_ROWS);
	free(q);
	free(base);
	const char *vars[] = { "rows", rows, "id", id, "pager", pg,
		"priority", val(head, 0, 0) ? val(head, 0, 0) : "—",
		"first_at", val(head, 0, 1) ? val(head, 0, 1) : "—",
		"last_at", val(head, 0, 2) ? val(head, 0, 2) : "—", "counts", counts, NULL };
	web_reply_page(r, 200, "bulletin.html", vars);
	free(pg);
	free(rows);
	PQclear(head);
	PQclear(bs);
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

/* ?page= and ?limit= of the API (the pages' PAGE_ROWS unless asked): false
 * after answering 400 for a value out of range. */
static bool
api_paging(struct web_req *r, int *page, int *limit)
{
	const char *p = web_req_query(r, "page"), *l = web_req_query(r, "limit");
	char *end;

	*page = 1;
	*limit = PAGE_ROWS;
	if (p != NULL) {
		long v = strtol(p, &end, 10);
		if (*p == '\0' || *end != '\0' || v < 1 || v > 100000) {
			web_reply_error(r, 400, "page must be a number from 1 to 100000");
			return false;
		}
		*page = (int)v;
	}
	if (l != NULL) {
		long v = strtol(l, &end, 10);
		if (*l == '\0' || *end != '\0' || v < 1 || v > API_MAX_ROWS) {
			web_reply_error(r, 400, "limit must be a number from 1 to 1000");
			return false;
		}
		*limit = (int)v;
	}
	return true;
}

static int
api_stations(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	const char *filter = web_req_query(r, "filter");
	int page, limit;
	char *st;

	if (!api_paging(r, &page, &limit))
		return 0;
	if (filter != NULL && filter[0] != '\0' && known_filter(filter)[0] == '\0') {
		web_reply_error(r, 400, "filter must be offline, card or muted");
		return 0;
	}
	WITH_DB(col, r, st, views_stations_json(c, col->conf->offline_after_s, known_filter(filter),
	    page, limit, ERR));
	web_reply_data(r, 200, "application/json", st, strlen(st));
	free(st);
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
	int page, limit;
	char *b;

	if (!api_paging(r, &page, &limit))
		return 0;
	WITH_DB(col, r, b, views_bulletin_json(c, web_req_path(r) + strlen("/api/bulletins/"), page,
	    limit, ERR));
	if (b[0] == '\0')
		web_reply_error(r, 404, "no report names this bulletin");
	else
		web_reply_data(r, 200, "application/json", b, strlen(b));
	free(b);
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
