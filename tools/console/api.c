/* api: the console's JSON API under /api/ (the pages' scripts and anyone's
 * scripts with a session) and the operator's actions, which plain forms
 * post too: a form names the page to go back to in "next". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/protocol.h"
#include "core/log.h"
#include "core/util.h"
#include "tools/console/console.h"

void console_notices_failed(struct web_req *r, const struct console *c, int status,
    const char *message);

/* The form's page to go back to: a local path, nothing else. */
static const char *
next_page(struct web_req *r)
{
	const char *n = web_req_form(r, "next");

	if (n == NULL || n[0] != '/' || n[1] == '/' || n[1] == '\\' || strlen(n) > 64 ||
	    strspn(n, "abcdefghijklmnopqrstuvwxyz/") != strlen(n))
		return NULL;
	return n;
}

void
console_action_done(struct web_req *r, const char *done, json_t *extra)
{
	const char *next = next_page(r);

	if (next != NULL) {
		char *loc = xasprintf("%s?done=%s", next, done);
		web_reply_redirect(r, loc);
		free(loc);
		json_decref(extra);
		return;
	}
	json_t *o = json_pack("{s:b}", "ok", 1);
	if (extra != NULL)
		json_object_update(o, extra);
	json_decref(extra);
	web_reply_json(r, 200, o);
}

void
console_action_failed(struct web_req *r, const struct console *c, int status,
    const char *message)
{
	const char *next = next_page(r);

	if (next != NULL && strcmp(next, "/notices") == 0) {
		console_notices_failed(r, c, status, message);
	} else if (next != NULL) {
		const char *vars[] = { "error", message, "back", next, NULL };
		console_render(r, c, status, "error.html", next, vars);
	} else {
		web_reply_error(r, status, message);
	}
}

static const char *
user(struct web_req *r)
{
	const struct web_session *s = web_req_session(r);
	return s ? s->user : NULL;
}

/* One command with no arguments but who asked; answers as an action. */
static int
simple_action(struct web_req *r, const struct console *c, uint16_t code, json_t *args,
    const char *done)
{
	char err[512];
	json_t *reply = console_ask(c, code, args, user(r), err, sizeof(err));

	json_decref(args);
	if (reply == NULL) {
		char *msg = xasprintf("%s %s", web_req_msg(r, "err_refused"), err);
		console_action_failed(r, c, 409, msg);
		free(msg);
		return 0;
	}
	json_decref(reply);
	console_action_done(r, done, NULL);
	return 0;
}

int
console_api_mute(struct web_req *r, void *ctx)
{
	const char *m = web_req_form(r, "mute");
	bool mute = m == NULL || strcmp(m, "0") != 0;

	return simple_action(r, ctx, CTL_REQ_MUTE, json_pack("{s:b,s:b}", "mute", mute,
	    "all", 0), mute ? "mute" : "unmute");
}

int
console_api_stop(struct web_req *r, void *ctx)
{
	return simple_action(r, ctx, CTL_REQ_STOP, NULL, "stop");
}

int
console_api_skip(struct web_req *r, void *ctx)
{
	return simple_action(r, ctx, CTL_REQ_SKIP, NULL, "skip");
}

int
console_api_test_tone(struct web_req *r, void *ctx)
{
	return simple_action(r, ctx, CTL_REQ_TEST_TONE, NULL, "tone");
}

int
console_api_reload(struct web_req *r, void *ctx)
{
	return simple_action(r, ctx, CTL_REQ_RELOAD, NULL, "reload");
}

/* ---- reads ---- */

static int
proxy(struct web_req *r, const struct console *c, uint16_t code, json_t *args)
{
	char err[512];
	json_t *reply = console_ask(c, code, args, NULL, err, sizeof(err));

	json_decref(args);
	if (reply == NULL)
		web_reply_error(r, 502, err);
	else
		web_reply_json(r, 200, reply);
	return 0;
}

int
console_api_status(struct web_req *r, void *ctx)
{
	const struct console *c = ctx;
	char err[512];
	json_t *st = console_ask(c, CTL_REQ_STATUS, NULL, NULL, err, sizeof(err));

	if (st == NULL) {
		web_reply_error(r, 502, err);
		return 0;
	}
	/* The daemon's facts, and the texts the Now page shows for them. */
	json_t *view = console_now_view(r, st);
	web_reply_json(r, 200, json_pack("{s:o,s:o}", "status", st, "view", view));
	return 0;
}

int
console_api_plan(struct web_req *r, void *ctx)
{
	const char *date = web_req_query(r, "date");
	const char *days = web_req_query(r, "days");
	json_t *args = json_pack("{s:i}", "days", days ? atoi(days) : 1);

	if (date && date[0])
		json_object_set_new(args, "date", json_string(date));
	return proxy(r, ctx, CTL_REQ_PLAN, args);
}

int
console_api_notices_get(struct web_req *r, void *ctx)
{
	return proxy(r, ctx, CTL_REQ_NOTICE, json_pack("{s:s}", "action", "list"));
}

/* A CSV cell: quoted, quotes doubled, and a leading = + - @ defused so a
 * spreadsheet never runs a cell as a formula. */
static void
csv_cell(char **buf, size_t *len, const json_t *v, bool last)
{
	char num[32];
	const char *s = json_string_value(v);

	if (json_is_number(v)) {
		snprintf(num, sizeof(num), "%.3f", json_number_value(v));
		s = num;
	}
	web_buf_printf(buf, len, "\"%s", s && strchr("=+-@", s[0]) && s[0] ? "'" : "");
	for (const char *p = s ? s : ""; *p; p++)
		web_buf_printf(buf, len, *p == '"' ? "\"\"" : "%c", *p);
	web_buf_printf(buf, len, "\"%s", last ? "\r\n" : ",");
}

static int
log_csv(struct web_req *r, const struct console *c, json_t *args)
{
	static const char *const cols[] = { "start", "end", "slot", "kind", "source",
	    "title", "bulletin", "priority", "result", "reason", "played_s" };
	char *csv = NULL, err[512];
	size_t len = 0;
	json_int_t offset = 0, total = 1;

	/* A UTF-8 mark so spreadsheets read Vietnamese right. */
	web_buf_printf(&csv, &len, "\xef\xbb\xbf");
	for (size_t i = 0; i < ARRAY_LEN(cols); i++)
		web_buf_printf(&csv, &len, "%s%s", cols[i], i + 1 < ARRAY_LEN(cols) ? "," : "\r\n");
	while (offset < total) {
		json_object_set_new(args, "offset", json_integer(offset));
		json_t *page = console_ask(c, CTL_REQ_LOG_READ, args, NULL, err, sizeof(err));
		if (page == NULL) {
			free(csv);
			json_decref(args);
			web_reply_error(r, 502, err);
			return 0;
		}
		total = json_integer_value(json_object_get(page, "total"));
		const json_t *entries = json_object_get(page, "entries"), *e;
		size_t i;
		json_array_foreach(entries, i, e)
			for (size_t k = 0; k < ARRAY_LEN(cols); k++)
				csv_cell(&csv, &len, json_object_get(e, cols[k]),
				    k + 1 == ARRAY_LEN(cols));
		offset += (json_int_t)json_array_size(entries);
		if (json_array_size(entries) == 0)
			offset = total;
		json_decref(page);
	}
	const char *date = json_string_value(json_object_get(args, "date"));
	char *disp = xasprintf("attachment; filename=\"loaxa-%s.csv\"",
	    date && strspn(date, "0123456789-") == strlen(date) ? date : "log");
	web_reply_header(r, "Content-Disposition", disp);
	web_reply_data(r, 200, "text/csv; charset=utf-8", csv, len);
	free(disp);
	free(csv);
	json_decref(args);
	return 0;
}

int
console_api_log(struct web_req *r, void *ctx)
{
	const char *date = web_req_query(r, "date");
	const char *kind = web_req_query(r, "kind");
	const char *result = web_req_query(r, "result");
	const char *format = web_req_query(r, "format");
	const char *offset = web_req_query(r, "offset");
	json_t *args = json_pack("{s:s,s:s,s:s}", "date", date ? date : "",
	    "kind", kind ? kind : "", "result", result ? result : "");

	if (format != NULL && strcmp(format, "csv") == 0)
		return log_csv(r, ctx, args);
	if (offset != NULL)
		json_object_set_new(args, "offset", json_integer(atoll(offset)));
	return proxy(r, ctx, CTL_REQ_LOG_READ, args);
}
