/* view: the texts the pages show, in the served language, built once for
 * the page (no JavaScript needed) and for /api/status (the page's script
 * puts them in place). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/util.h"
#include "tools/console/console.h"

void
console_clock(const json_t *iso, char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	const char *s = json_string_value(iso);

	buf[0] = '\0';
	if (s == NULL || parse_iso_time(s, &ts) < 0)
		return;
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, "%H:%M", &tm);
}

static void
duration(double s, char *buf, size_t len)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static const char *
kind_key(const char *kind)
{
	static const char *const kinds[] = { "chime", "file", "playlist", "bulletin",
	    "notice", "relay", "test" };

	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (kind && strcmp(kind, kinds[i]) == 0)
			return kinds[i];
	return NULL;
}

/* "Tệp: evening-news.mp3": the kind in words and the source's last part
 * (or a notice's title). */
static char *
item_text(struct web_req *r, const json_t *item)
{
	const char *kind = json_string_value(json_object_get(item, "kind"));
	const char *title = json_string_value(json_object_get(item, "title"));
	const char *source = json_string_value(json_object_get(item, "source"));
	char key[32];
	const char *k = kind_key(kind);

	snprintf(key, sizeof(key), "kind_%s", k ? k : "other");
	if (title == NULL && source != NULL) {
		const char *slash = strrchr(source, '/');
		title = slash && slash[1] ? slash + 1 : source;
	}
	return xasprintf("%s: %s", web_req_msg(r, key), title ? title : "");
}

static void
set_str(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, json_string(s ? s : ""));
}

static void
set_own(json_t *o, const char *key, char *s)
{
	set_str(o, key, s);
	free(s);
}

json_t *
console_now_view(struct web_req *r, const json_t *st)
{
	json_t *v = json_object();
	const json_t *item = json_object_get(st, "item");
	const json_t *slot = json_object_get(st, "slot");
	const json_t *next = json_object_get(st, "next_slot");
	const json_t *dev = json_object_get(st, "device");
	char a[16], b[16], d[32];

	if (json_is_object(item)) {
		set_own(v, "item", item_text(r, item));
		const json_t *len = json_object_get(item, "length_s");
		double el = json_number_value(json_object_get(item, "elapsed_s"));
		if (json_is_number(len)) {
			duration(json_number_value(len) - el, d, sizeof(d));
			set_own(v, "left", xasprintf("%s %s", web_req_msg(r, "now_left"), d));
		} else {
			duration(el, d, sizeof(d));
			set_own(v, "left", xasprintf("%s %s", web_req_msg(r, "now_elapsed"), d));
		}
	} else {
		set_str(v, "item", web_req_msg(r, "now_nothing"));
		set_str(v, "left", "");
	}
	if (json_is_object(slot)) {
		console_clock(json_object_get(slot, "start"), a, sizeof(a));
		console_clock(json_object_get(slot, "end"), b, sizeof(b));
		set_own(v, "slot", xasprintf("%s %s (%s–%s)", web_req_msg(r, "now_slot"),
		    json_string_value(json_object_get(slot, "name")), a, b));
	} else {
		set_str(v, "slot", web_req_msg(r, "now_no_slot"));
	}
	if (json_is_object(next)) {
		struct timespec ts;
		struct tm tm, today;
		time_t now = time(NULL);
		char day[24] = "";
		const char *iso = json_string_value(json_object_get(next, "start"));
		console_clock(json_object_get(next, "start"), a, sizeof(a));
		localtime_r(&now, &today);
		if (iso && parse_iso_time(iso, &ts) == 0) {
			localtime_r(&ts.tv_sec, &tm);
			if (tm.tm_yday != today.tm_yday || tm.tm_year != today.tm_year)
				strftime(day, sizeof(day), " (%d/%m)", &tm);
		}
		set_own(v, "next", xasprintf("%s %s %s %s%s", web_req_msg(r, "now_next"),
		    json_string_value(json_object_get(next, "name")),
		    web_req_msg(r, "now_at"), a, day));
	} else {
		set_str(v, "next", "");
	}
	set_str(v, "emergency", json_is_true(json_object_get(st, "emergency")) ?
	    web_req_msg(r, "now_emergency") : "");
	bool ok = json_is_true(json_object_get(dev, "ok"));
	const char *derr = json_string_value(json_object_get(dev, "error"));
	set_own(v, "card", xasprintf("%s %s%s%s", web_req_msg(r, "now_card"),
	    web_req_msg(r, ok ? "now_card_ok" : "now_card_bad"),
	    !ok && derr ? " — " : "", !ok && derr ? derr : ""));
	json_object_set_new(v, "card_ok", json_boolean(ok));
	/* Feeds: how many answered well at their last fetch. */
	const json_t *feeds = json_object_get(st, "feeds"), *f;
	size_t i, good = 0, n = json_array_size(feeds);
	json_array_foreach(feeds, i, f) {
		const char *o = json_string_value(json_object_get(f, "outcome"));
		if (o && (strcmp(o, "ok") == 0 || strcmp(o, "not modified") == 0))
			good++;
	}
	if (n == 0)
		set_str(v, "feeds", web_req_msg(r, "now_feeds_none"));
	else
		set_own(v, "feeds", xasprintf("%s %zu/%zu %s", web_req_msg(r, "now_feeds"),
		    good, n, web_req_msg(r, "now_feeds_ok")));
	json_object_set_new(v, "feeds_ok", json_boolean(good == n));
	set_own(v, "volume", xasprintf("%s %lld%%", web_req_msg(r, "now_volume"),
	    (long long)json_integer_value(json_object_get(st, "volume"))));
	bool muted = json_is_true(json_object_get(st, "muted"));
	set_str(v, "muted", !muted ? "" : web_req_msg(r,
	    json_is_true(json_object_get(st, "muted_all")) ? "now_muted_all" : "now_muted"));
	json_object_set_new(v, "is_muted", json_boolean(muted));
	set_str(v, "mute_button", web_req_msg(r, muted ? "btn_unmute" : "btn_mute"));
	set_str(v, "mute_value", muted ? "0" : "1");
	return v;
}

char *
console_header(struct web_req *r, const struct console *c, const char *current)
{
	static const char *const pages[][2] = {
		{ "/", "nav_now" }, { "/plan", "nav_plan" }, { "/notices", "nav_notices" },
		{ "/log", "nav_log" }, { "/config", "nav_config" },
	};
	const struct web_session *s = web_req_session(r);
	bool tech = s && strcmp(s->role, "technician") == 0;
	char *h = NULL;
	size_t len = 0;

	web_buf_printf(&h, &len, "<header class=\"top\"><h1>");
	web_html_escape(&h, &len, c->station);
	web_buf_printf(&h, &len, "</h1><nav>");
	for (size_t i = 0; i < ARRAY_LEN(pages); i++) {
		if (strcmp(pages[i][0], "/config") == 0 && !tech)
			continue;
		web_buf_printf(&h, &len, "<a href=\"%s\"%s>", pages[i][0],
		    strcmp(pages[i][0], current) == 0 ? " aria-current=\"page\"" : "");
		web_html_escape(&h, &len, web_req_msg(r, pages[i][1]));
		web_buf_printf(&h, &len, "</a>");
	}
	web_buf_printf(&h, &len, "</nav><form method=\"post\" action=\"/logout\" "
	    "class=\"inline signout\"><input type=\"hidden\" name=\"csrf\" value=\"");
	web_html_escape(&h, &len, s ? s->csrf : "");
	web_buf_printf(&h, &len, "\"><span class=\"who\">");
	web_html_escape(&h, &len, s ? s->user : "");
	web_buf_printf(&h, &len, "</span> <button type=\"submit\" class=\"link\" "
	    "id=\"signout\">");
	web_html_escape(&h, &len, web_req_msg(r, "logout"));
	web_buf_printf(&h, &len, "</button></form></header>");
	return h;
}
