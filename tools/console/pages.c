/* pages: the console's HTML pages, rendered whole on the server so they
 * read and act without JavaScript; console.js then keeps them live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/protocol.h"
#include "core/log.h"
#include "core/util.h"
#include "tools/console/console.h"

/* Renders a console page: the header plus vars (NAME, VALUE pairs). */
void
console_render(struct web_req *r, const struct console *c, int status, const char *file,
    const char *current, const char *const *vars)
{
	const char *all[64];
	size_t n = 0;
	char *header = console_header(r, c, current);
	const char *done = web_req_query(r, "done");
	char key[48] = "";

	/* A finished action says so once (the action redirected here). */
	if (done != NULL && strlen(done) < 24 && strspn(done, "abcdefghijklmnopqrstuvwxyz_") ==
	    strlen(done))
		snprintf(key, sizeof(key), "done_%s", done);
	all[n++] = "header";
	all[n++] = header;
	all[n++] = "station";
	all[n++] = c->station;
	all[n++] = "flash";
	all[n++] = key[0] ? web_req_msg(r, key) : "";
	for (size_t i = 0; vars && vars[i] && n + 3 < ARRAY_LEN(all); i += 2) {
		all[n++] = vars[i];
		all[n++] = vars[i + 1];
	}
	all[n] = NULL;
	web_reply_page(r, status, file, all);
	free(header);
}

int
console_page_now(struct web_req *r, void *ctx)
{
	const struct console *c = ctx;
	char err[512] = "";
	json_t *st = console_ask(c, CTL_REQ_STATUS, NULL, NULL, err, sizeof(err));
	json_t *v = st ? console_now_view(r, st) : json_object();
#define V(k) (json_string_value(json_object_get(v, k)) ? json_string_value(json_object_get(v, k)) : "")
	const char *vars[] = {
		"error", err, "item", V("item"), "left", V("left"), "slot", V("slot"),
		"next", V("next"), "emergency", V("emergency"), "card", V("card"),
		"feeds", V("feeds"), "volume", V("volume"), "muted", V("muted"),
		"mute_button", st ? V("mute_button") : web_req_msg(r, "btn_mute"),
		"mute_value", st ? V("mute_value") : "1",
		"card_class", json_is_true(json_object_get(v, "card_ok")) ? "ok" : "bad",
		NULL,
	};
#undef V
	console_render(r, c, st ? 200 : 502, "now.html", "/", vars);
	json_decref(v);
	json_decref(st);
	return 0;
}

/* ---- plan ---- */

static void
step_text(struct web_req *r, char **h, size_t *len, const char *step)
{
	static const char *const kinds[][2] = {
		{ "file:", "step_file" }, { "playlist:", "step_playlist" },
		{ "relay:", "step_relay" }, { "silence:", "step_silence" },
	};
	if (strcmp(step, "chime") == 0 || strcmp(step, "bulletins") == 0) {
		web_html_escape(h, len, web_req_msg(r, step[0] == 'c' ? "step_chime" :
		    "step_bulletins"));
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
		if (str_has_prefix(step, kinds[i][0])) {
			const char *arg = step + strlen(kinds[i][0]);
			const char *slash = i == 0 ? strrchr(arg, '/') : NULL;
			web_html_escape(h, len, web_req_msg(r, kinds[i][1]));
			web_buf_printf(h, len, " ");
			web_html_escape(h, len, slash ? slash + 1 : arg);
			return;
		}
	}
	web_html_escape(h, len, step);
}

static long
secs_of_day(const json_t *iso, const char *date)
{
	struct timespec ts;
	struct tm tm;
	char d[16];

	if (parse_iso_time(json_string_value(iso) ? json_string_value(iso) : "", &ts) < 0)
		return 0;
	localtime_r(&ts.tv_sec, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	if (strcmp(d, date) != 0)
		return strcmp(d, date) < 0 ? 0 : 86400;
	return tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec;
}

static void
plan_day(struct web_req *r, char **h, size_t *len, const json_t *day, time_t now)
{
	const char *date = json_string_value(json_object_get(day, "date"));
	const char *wd = json_string_value(json_object_get(day, "weekday"));
	const json_t *slots = json_object_get(day, "slots"), *s, *step, *no;
	size_t i, k;
	char key[32], a[16], b[16];

	snprintf(key, sizeof(key), "wd_%s", wd ? wd : "");
	web_buf_printf(h, len, "<section class=\"card day\"><h2>");
	web_html_escape(h, len, web_req_msg(r, key));
	web_buf_printf(h, len, " ");
	web_html_escape(h, len, date);
	web_buf_printf(h, len, "</h2>");
	if (json_array_size(slots) == 0) {
		web_buf_printf(h, len, "<p class=\"muted\">");
		web_html_escape(h, len, web_req_msg(r, "plan_no_slots"));
		web_buf_printf(h, len, "</p>");
	}
	/* A bar of the day; console.js places the blocks (no inline styles
	 * under the Content-Security-Policy). */
	web_buf_printf(h, len, "<div class=\"daybar\" aria-hidden=\"true\">");
	json_array_foreach(slots, i, s)
		web_buf_printf(h, len, "<span data-start=\"%ld\" data-end=\"%ld\"></span>",
		    secs_of_day(json_object_get(s, "start"), date),
		    secs_of_day(json_object_get(s, "end"), date));
	web_buf_printf(h, len, "</div><ol class=\"slots\">");
	json_array_foreach(slots, i, s) {
		struct timespec t0 = { 0 }, t1 = { 0 };
		parse_iso_time(json_string_value(json_object_get(s, "start")) ?
		    json_string_value(json_object_get(s, "start")) : "", &t0);
		parse_iso_time(json_string_value(json_object_get(s, "end")) ?
		    json_string_value(json_object_get(s, "end")) : "", &t1);
		console_clock(json_object_get(s, "start"), a, sizeof(a));
		console_clock(json_object_get(s, "end"), b, sizeof(b));
		bool on = now >= t0.tv_sec && now < t1.tv_sec;
		web_buf_printf(h, len, "<li class=\"slot%s\"><span class=\"time\">%s–%s</span> "
		    "<strong>", on ? " on-air" : "", a, b);
		web_html_escape(h, len, json_string_value(json_object_get(s, "name")));
		web_buf_printf(h, len, "</strong>%s<span class=\"program\">", on ? " <em>" : "");
		if (on) {
			web_html_escape(h, len, web_req_msg(r, "plan_on_air"));
			web_buf_printf(h, len, "</em>");
		}
		json_array_foreach(json_object_get(s, "program"), k, step) {
			web_buf_printf(h, len, "%s", k ? " · " : "");
			step_text(r, h, len, json_string_value(step) ? json_string_value(step) : "");
		}
		web_buf_printf(h, len, "</span></li>");
	}
	web_buf_printf(h, len, "</ol>");
	const json_t *notices = json_object_get(day, "notices");
	if (json_array_size(notices) > 0) {
		web_buf_printf(h, len, "<h3>");
		web_html_escape(h, len, web_req_msg(r, "plan_notices"));
		web_buf_printf(h, len, "</h3><ul class=\"plan-notices\">");
		json_array_foreach(notices, i, no) {
			web_buf_printf(h, len, "<li>");
			web_html_escape(h, len, json_string_value(json_object_get(no, "title")));
			web_buf_printf(h, len, " — %lld ",
			    (long long)json_integer_value(json_object_get(no, "times")));
			web_html_escape(h, len, web_req_msg(r, "notice_per_day"));
			web_buf_printf(h, len, "</li>");
		}
		web_buf_printf(h, len, "</ul>");
	}
	web_buf_printf(h, len, "</section>");
}

int
console_page_plan(struct web_req *r, void *ctx)
{
	const struct console *c = ctx;
	const char *date = web_req_query(r, "date");
	bool week = web_req_query(r, "week") != NULL;
	char err[512] = "";
	json_t *args = json_pack("{s:i}", "days", week ? 7 : 1);

	if (date != NULL && date[0] != '\0')
		json_object_set_new(args, "date", json_string(date));
	json_t *plan = console_ask(c, CTL_REQ_PLAN, args, NULL, err, sizeof(err));
	json_decref(args);
	char *h = NULL;
	size_t len = 0;
	const json_t *day;
	size_t i;
	web_buf_printf(&h, &len, "%s", "");
	json_array_foreach(json_object_get(plan, "days"), i, day)
		plan_day(r, &h, &len, day, time(NULL));
	const char *vars[] = {
		"error", err, "days", h, "date", date ? date : "",
		"week_checked", week ? "checked" : "", NULL,
	};
	/* days is HTML built here with every text escaped. */
	console_render(r, c, plan ? 200 : 502, "plan.html", "/plan", vars);
	free(h);
	json_decref(plan);
	return 0;
}

/* ---- log ---- */

static const char *const log_kinds[] = { "chime", "file", "playlist", "bulletin",
	"notice", "relay", "test" };
static const char *const log_results[] = { "completed", "cut", "interrupted",
	"failed", "skipped" };

static void
options(struct web_req *r, char **h, size_t *len, const char *prefix,
    const char *const *names, size_t n, const char *chosen)
{
	char key[48];

	web_buf_printf(h, len, "<option value=\"\">");
	web_html_escape(h, len, web_req_msg(r, "log_all"));
	web_buf_printf(h, len, "</option>");
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%s", prefix, names[i]);
		web_buf_printf(h, len, "<option value=\"%s\"%s>", names[i],
		    chosen && strcmp(chosen, names[i]) == 0 ? " selected" : "");
		web_html_escape(h, len, web_req_msg(r, key));
		web_buf_printf(h, len, "</option>");
	}
}

static void
log_row(struct web_req *r, char **h, size_t *len, const json_t *e)
{
	char a[16], key[48];
	const char *kind = json_string_value(json_object_get(e, "kind"));
	const char *result = json_string_value(json_object_get(e, "result"));
	const char *title = json_string_value(json_object_get(e, "title"));
	const char *source = json_string_value(json_object_get(e, "source"));
	const char *reason = json_string_value(json_object_get(e, "reason"));
	const char *slot = json_string_value(json_object_get(e, "slot"));
	const char *slash = source ? strrchr(source, '/') : NULL;

	console_clock(json_object_get(e, "start"), a, sizeof(a));
	web_buf_printf(h, len, "<tr class=\"r-%s\"><td data-label=\"",
	    result && strspn(result, "abcdefghijklmnopqrstuvwxyz") == strlen(result) ?
	    result : "other");
	web_html_escape(h, len, web_req_msg(r, "log_time"));
	web_buf_printf(h, len, "\">%s</td><td data-label=\"", a);
	web_html_escape(h, len, web_req_msg(r, "log_slot"));
	web_buf_printf(h, len, "\">");
	web_html_escape(h, len, slot ? slot : "—");
	web_buf_printf(h, len, "</td><td data-label=\"");
	web_html_escape(h, len, web_req_msg(r, "log_kind"));
	web_buf_printf(h, len, "\">");
	snprintf(key, sizeof(key), "kind_%s", kind ? kind : "other");
	web_html_escape(h, len, web_req_msg(r, key));
	web_buf_printf(h, len, "</td><td data-label=\"");
	web_html_escape(h, len, web_req_msg(r, "log_what"));
	web_buf_printf(h, len, "\">");
	web_html_escape(h, len, title ? title : slash && slash[1] ? slash + 1 : source);
	web_buf_printf(h, len, "</td><td data-label=\"");
	web_html_escape(h, len, web_req_msg(r, "log_result"));
	web_buf_printf(h, len, "\">");
	snprintf(key, sizeof(key), "result_%s", result ? result : "other");
	web_html_escape(h, len, web_req_msg(r, key));
	if (reason) {
		web_buf_printf(h, len, " <span class=\"muted\">(");
		web_html_escape(h, len, reason);
		web_buf_printf(h, len, ")</span>");
	}
	web_buf_printf(h, len, "</td><td data-label=\"");
	web_html_escape(h, len, web_req_msg(r, "log_played"));
	double p = json_number_value(json_object_get(e, "played_s"));
	web_buf_printf(h, len, "\">%ld:%02ld</td></tr>", (long)p / 60, (long)p % 60);
}

int
console_page_log(struct web_req *r, void *ctx)
{
	const struct console *c = ctx;
	const char *date = web_req_query(r, "date");
	const char *kind = web_req_query(r, "kind");
	const char *result = web_req_query(r, "result");
	char err[512] = "", today[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (date == NULL || date[0] == '\0')
		date = today;
	json_t *args = json_pack("{s:s,s:s,s:s}", "date", date, "kind", kind ? kind : "",
	    "result", result ? result : "");
	json_t *log = console_ask(c, CTL_REQ_LOG_READ, args, NULL, err, sizeof(err));
	json_decref(args);
	char *rows = NULL, *kinds = NULL, *results = NULL, *csv = NULL;
	size_t rl = 0, kl = 0, sl = 0, cl = 0;
	const json_t *e;
	size_t i;
	web_buf_printf(&rows, &rl, "%s", "");
	json_array_foreach(json_object_get(log, "entries"), i, e)
		log_row(r, &rows, &rl, e);
	options(r, &kinds, &kl, "kind_", log_kinds, ARRAY_LEN(log_kinds), kind);
	options(r, &results, &sl, "result_", log_results, ARRAY_LEN(log_results), result);
	web_buf_printf(&csv, &cl, "/api/log?format=csv&amp;date=");
	web_html_escape(&csv, &cl, date);
	if (kind && kind[0]) {
		web_buf_printf(&csv, &cl, "&amp;kind=");
		web_html_escape(&csv, &cl, kind);
	}
	if (result && result[0]) {
		web_buf_printf(&csv, &cl, "&amp;result=");
		web_html_escape(&csv, &cl, result);
	}
	char count[64];
	snprintf(count, sizeof(count), "%lld", (long long)json_integer_value(
	    json_object_get(log, "total")));
	const char *vars[] = {
		"error", err, "date", date, "rows", rows, "kind_options", kinds,
		"result_options", results, "csv_href", csv, "count", count,
		"empty", json_array_size(json_object_get(log, "entries")) ? "" :
		    web_req_msg(r, "log_empty"),
		NULL,
	};
	console_render(r, c, log ? 200 : 502, "log.html", "/log", vars);
	free(rows);
	free(kinds);
	free(results);
	free(csv);
	json_decref(log);
	return 0;
}

/* ---- config (technicians) ---- */

int
console_page_config(struct web_req *r, void *ctx)
{
	const struct console *c = ctx;
	char err[512] = "";
	json_t *cfg = console_ask(c, CTL_REQ_CONFIG, NULL, NULL, err, sizeof(err));
	const char *vars[] = {
		"error", err,
		"path", cfg ? json_string_value(json_object_get(cfg, "path")) : "",
		"text", cfg ? json_string_value(json_object_get(cfg, "text")) : "",
		NULL,
	};
	console_render(r, c, cfg ? 200 : 502, "config.html", "/config", vars);
	json_decref(cfg);
	return 0;
}
