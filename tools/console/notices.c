/* notices: the Notices page (list, add, edit, pause, resume, delete) and
 * its form handler, which /api/notices shares with scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/protocol.h"
#include "core/log.h"
#include "core/util.h"
#include "tools/console/console.h"

static void
esc(char **h, size_t *len, const char *s)
{
	web_html_escape(h, len, s);
}

static void
hidden(char **h, size_t *len, const char *name, const char *value)
{
	web_buf_printf(h, len, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	esc(h, len, value);
	web_buf_printf(h, len, "\">");
}

/* A small form with one button: pause, resume or delete notice id. */
static void
action_form(struct web_req *r, char **h, size_t *len, const char *action,
    long long id, const char *label_key, const char *cls)
{
	char ids[24];

	snprintf(ids, sizeof(ids), "%lld", id);
	web_buf_printf(h, len, "<form method=\"post\" action=\"/api/notices\" "
	    "class=\"inline\" data-action=\"%s\">", action);
	hidden(h, len, "csrf", web_req_session(r)->csrf);
	hidden(h, len, "action", action);
	hidden(h, len, "id", ids);
	hidden(h, len, "next", "/notices");
	web_buf_printf(h, len, "<button type=\"submit\" class=\"%s\">", cls);
	esc(h, len, web_req_msg(r, label_key));
	web_buf_printf(h, len, "</button></form>");
}

static void
notice_item(struct web_req *r, char **h, size_t *len, const json_t *no)
{
	long long id = json_integer_value(json_object_get(no, "id"));
	bool paused = json_is_true(json_object_get(no, "paused"));
	const char *first = json_string_value(json_object_get(no, "first"));
	const char *last = json_string_value(json_object_get(no, "last"));
	const char *by = json_string_value(json_object_get(no, "created_by"));

	web_buf_printf(h, len, "<li class=\"card notice%s\" id=\"notice-%lld\"><h3>",
	    paused ? " paused" : "", id);
	esc(h, len, json_string_value(json_object_get(no, "title")));
	web_buf_printf(h, len, "</h3><p>");
	esc(h, len, first);
	if (last && first && strcmp(first, last) != 0) {
		web_buf_printf(h, len, " → ");
		esc(h, len, last);
	}
	web_buf_printf(h, len, " · %lld ", (long long)json_integer_value(
	    json_object_get(no, "times")));
	esc(h, len, web_req_msg(r, "notice_per_day"));
	web_buf_printf(h, len, " · ");
	esc(h, len, web_req_msg(r, json_is_string(json_object_get(no, "text")) ?
	    "notice_spoken" : "notice_recording"));
	web_buf_printf(h, len, "</p><p class=\"muted\">");
	esc(h, len, web_req_msg(r, "notice_aired_today"));
	web_buf_printf(h, len, " %lld", (long long)json_integer_value(
	    json_object_get(no, "aired_today")));
	if (by && by[0]) {
		web_buf_printf(h, len, " · ");
		esc(h, len, web_req_msg(r, "notice_by"));
		web_buf_printf(h, len, " ");
		esc(h, len, by);
	}
	if (paused) {
		web_buf_printf(h, len, " · <strong class=\"warn\">");
		esc(h, len, web_req_msg(r, "notice_paused"));
		web_buf_printf(h, len, "</strong>");
	}
	web_buf_printf(h, len, "</p><div class=\"buttons\">");
	action_form(r, h, len, paused ? "resume" : "pause", id,
	    paused ? "btn_resume" : "btn_pause", "secondary");
	web_buf_printf(h, len, "<a class=\"button secondary\" href=\"/notices?edit=%lld#edit\">",
	    id);
	esc(h, len, web_req_msg(r, "btn_edit"));
	web_buf_printf(h, len, "</a>");
	action_form(r, h, len, "delete", id, "btn_delete", "danger");
	web_buf_printf(h, len, "</div></li>");
}

/* The add form, or the edit form of no. */
static void
notice_form(struct web_req *r, char **h, size_t *len, const json_t *no, const char *today)
{
	char ids[24], times[16];
	const char *text = no ? json_string_value(json_object_get(no, "text")) : NULL;

	snprintf(ids, sizeof(ids), "%lld", (long long)json_integer_value(json_object_get(no, "id")));
	snprintf(times, sizeof(times), "%lld", no ? (long long)json_integer_value(
	    json_object_get(no, "times")) : 1LL);
	web_buf_printf(h, len, "<form method=\"post\" action=\"/api/notices\" "
	    "enctype=\"multipart/form-data\" class=\"card notice-form\" id=\"%s\"><h2>",
	    no ? "edit" : "add");
	esc(h, len, web_req_msg(r, no ? "notice_edit_title" : "notice_add_title"));
	web_buf_printf(h, len, "</h2>");
	hidden(h, len, "csrf", web_req_session(r)->csrf);
	hidden(h, len, "action", no ? "edit" : "add");
	if (no)
		hidden(h, len, "id", ids);
	hidden(h, len, "next", "/notices");
	web_buf_printf(h, len, "<label for=\"title\">");
	esc(h, len, web_req_msg(r, "notice_f_title"));
	web_buf_printf(h, len, "</label><input id=\"title\" name=\"title\" required "
	    "maxlength=\"200\" value=\"");
	esc(h, len, no ? json_string_value(json_object_get(no, "title")) : "");
	web_buf_printf(h, len, "\"><label for=\"audio\">");
	esc(h, len, web_req_msg(r, no ? "notice_f_audio_new" : "notice_f_audio"));
	web_buf_printf(h, len, "</label><input id=\"audio\" name=\"audio\" type=\"file\" "
	    "accept=\"audio/*,.mp3,.m4a,.wav,.ogg,.opus\">"
	    "<div class=\"recorder\" hidden><button type=\"button\" class=\"secondary\" "
	    "id=\"record\" data-start=\"");
	esc(h, len, web_req_msg(r, "btn_record"));
	web_buf_printf(h, len, "\" data-stop=\"");
	esc(h, len, web_req_msg(r, "btn_record_stop"));
	web_buf_printf(h, len, "\">");
	esc(h, len, web_req_msg(r, "btn_record"));
	web_buf_printf(h, len, "</button> <span id=\"record-state\" class=\"muted\"></span></div>"
	    "<label for=\"text\">");
	esc(h, len, web_req_msg(r, "notice_f_text"));
	web_buf_printf(h, len, "</label><textarea id=\"text\" name=\"text\" rows=\"3\" "
	    "maxlength=\"2000\">");
	esc(h, len, text ? text : "");
	web_buf_printf(h, len, "</textarea><div class=\"row\"><div><label for=\"first\">");
	esc(h, len, web_req_msg(r, "notice_f_first"));
	web_buf_printf(h, len, "</label><input id=\"first\" name=\"first\" type=\"date\" value=\"");
	esc(h, len, no ? json_string_value(json_object_get(no, "first")) : today);
	web_buf_printf(h, len, "\"></div><div><label for=\"last\">");
	esc(h, len, web_req_msg(r, "notice_f_last"));
	web_buf_printf(h, len, "</label><input id=\"last\" name=\"last\" type=\"date\" value=\"");
	esc(h, len, no ? json_string_value(json_object_get(no, "last")) : today);
	web_buf_printf(h, len, "\"></div><div><label for=\"times\">");
	esc(h, len, web_req_msg(r, "notice_f_times"));
	web_buf_printf(h, len, "</label><input id=\"times\" name=\"times\" type=\"number\" "
	    "min=\"1\" max=\"24\" value=\"%s\"></div></div>", times);
	web_buf_printf(h, len, "<button type=\"submit\" id=\"%s\">", no ? "save" : "add-notice");
	esc(h, len, web_req_msg(r, no ? "btn_save" : "btn_add_notice"));
	web_buf_printf(h, len, "</button>");
	if (no) {
		web_buf_printf(h, len, " <a href=\"/notices\">");
		esc(h, len, web_req_msg(r, "btn_cancel"));
		web_buf_printf(h, len, "</a>");
	}
	web_buf_printf(h, len, "</form>");
}

static void
notices_page(struct web_req *r, const struct console *c, int status, const char *error)
{
	char err[512] = "";
	json_t *args = json_pack("{s:s}", "action", "list");
	json_t *list = console_ask(c, CTL_REQ_NOTICE, args, NULL, err, sizeof(err));
	json_decref(args);
	const char *edit = web_req_query(r, "edit");
	const char *today = json_string_value(json_object_get(list, "today"));
	const json_t *no, *editing = NULL;
	char *items = NULL, *form = NULL;
	size_t il = 0, fl = 0, i;
	char today_buf[16];
	time_t now = time(NULL);
	struct tm tm;

	if (today == NULL) {
		localtime_r(&now, &tm);
		strftime(today_buf, sizeof(today_buf), "%Y-%m-%d", &tm);
		today = today_buf;
	}
	web_buf_printf(&items, &il, "%s", "");
	json_array_foreach(json_object_get(list, "notices"), i, no) {
		notice_item(r, &items, &il, no);
		if (edit && atoll(edit) == json_integer_value(json_object_get(no, "id")))
			editing = no;
	}
	notice_form(r, &form, &fl, editing, today);
	const char *vars[] = {
		"error", error ? error : err, "items", items, "form", form,
		"empty", json_array_size(json_object_get(list, "notices")) ? "" :
		    web_req_msg(r, "notices_empty"),
		NULL,
	};
	console_render(r, c, list ? status : 502, "notices.html", "/notices", vars);
	free(items);
	free(form);
	json_decref(list);
}

int
console_page_notices(struct web_req *r, void *ctx)
{
	notices_page(r, ctx, 200, NULL);
	return 0;
}

/* The form's fields that an add or edit passes on when filled. */
static void
copy_field(struct web_req *r, json_t *args, const char *name)
{
	const char *v = web_req_form(r, name);

	if (v != NULL && v[0] != '\0')
		json_object_set_new(args, name, json_string(v));
}

int
console_api_notices_post(struct web_req *r, void *ctx)
{
	const struct console *c = ctx;
	const char *action = web_req_form(r, "action");
	const char *id = web_req_form(r, "id");
	const char *data = NULL, *fname = NULL, *ftype = NULL, *why = NULL;
	size_t size = 0;
	char *upload = NULL, err[512];
	static const char *const actions[] = { "add", "edit", "pause", "resume", "delete" };
	static const char *const done[] = { "added", "edited", "paused", "resumed", "deleted" };
	size_t which = ARRAY_LEN(actions);

	for (size_t i = 0; action && i < ARRAY_LEN(actions); i++)
		if (strcmp(action, actions[i]) == 0)
			which = i;
	if (which == ARRAY_LEN(actions)) {
		console_action_failed(r, c, 400, web_req_msg(r, "err_bad_request"));
		return 0;
	}
	json_t *args = json_pack("{s:s}", "action", action);
	if (which != 0) {
		char *end;
		long long n = id ? strtoll(id, &end, 10) : 0;
		if (id == NULL || *end != '\0' || n < 1) {
			json_decref(args);
			console_action_failed(r, c, 400, web_req_msg(r, "err_bad_request"));
			return 0;
		}
		json_object_set_new(args, "id", json_integer(n));
	}
	if (which <= 1) {
		copy_field(r, args, "title");
		copy_field(r, args, "text");
		copy_field(r, args, "first");
		copy_field(r, args, "last");
		const char *times = web_req_form(r, "times");
		if (times && times[0])
			json_object_set_new(args, "times", json_integer(atoi(times)));
		bool file = web_req_file(r, "audio", &data, &size, &fname, &ftype) && size > 0;
		bool text = json_object_get(args, "text") != NULL;
		if (file && text) {
			why = "err_both";
		} else if (which == 0 && !file && !text) {
			why = "err_no_audio";
		} else if (file && console_store_upload(c, data, size, &upload, &why) == 0) {
			json_object_set_new(args, "file", json_string(upload));
		}
		if (why != NULL) {
			json_decref(args);
			console_action_failed(r, c, 400, web_req_msg(r, why));
			return 0;
		}
	}
	const struct web_session *s = web_req_session(r);
	json_t *reply = console_ask(c, CTL_REQ_NOTICE, args, s ? s->user : NULL, err,
	    sizeof(err));
	json_decref(args);
	/* loaxad has its own copy now (or refused it): ours is done. */
	if (upload != NULL)
		unlink(upload);
	free(upload);
	if (reply == NULL) {
		char *msg = xasprintf("%s %s", web_req_msg(r, "err_refused"), err);
		console_action_failed(r, c, 400, msg);
		free(msg);
		return 0;
	}
	console_action_done(r, done[which], reply);
	return 0;
}

void
console_notices_failed(struct web_req *r, const struct console *c, int status,
    const char *message)
{
	notices_page(r, c, status, message);
}
