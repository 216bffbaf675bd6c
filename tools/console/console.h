/*
 * loaxa-web: the commune operator's console. A separate program that talks
 * to loaxad only through the control socket (control/protocol.h); it never
 * opens the sound card, the state or the as-played log, and only reads its
 * `web` settings and the socket's path from the config. Built on the shared
 * web layer (web/web.h). Owns the console's pages and API: now (status and
 * the operator's buttons), plan, notices (with uploads), log (with CSV) and
 * the technician's read-only config.
 */
#ifndef LOAXA_CONSOLE_H
#define LOAXA_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "web/web.h"

/* An upload's bytes at most (a few minutes of a phone's recording). */
#define CONSOLE_UPLOAD_MAX	(16u * 1024u * 1024u)

struct console {
	const char *socket_path;	/* loaxad's control socket */
	const char *uploads;		/* folder for uploads on their way to loaxad */
	const char *station;		/* the station's name, for page titles */
};

/* ---- daemon.c: one request to loaxad over the control socket ---- */
/* Returns the reply object (caller frees), or NULL with the reason in err
 * (the daemon's refusal, or why it could not be reached). user: the signed-in
 * user the daemon logs the action under (NULL for reads). Thread-safe: each
 * call has its own connection. */
json_t *console_ask(const struct console *c, uint16_t code, json_t *args,
    const char *user, char *err, size_t errlen);

/* ---- view.c: what the pages show, as text in the served language ---- */
/* The Now page's texts from a status reply: item, slot, left, next,
 * emergency, card, feeds, volume, muted (strings) and mute_next (bool). */
json_t *console_now_view(struct web_req *r, const json_t *status);
/* "HH:MM" of an ISO time from the daemon ("" if not a time). */
void console_clock(const json_t *iso, char *buf, size_t len);
/* The page header: station, navigation (current marked), user, sign-out. */
char *console_header(struct web_req *r, const struct console *c, const char *current);

/* Renders pages/FILE with the header (current: the page's path), the
 * one-off "done" message and vars (NAME, VALUE pairs, NULL-ended). */
void console_render(struct web_req *r, const struct console *c, int status,
    const char *file, const char *current, const char *const *vars);
/* Answers an action: back to the form's "next" page (with ?done=DONE) when
 * the browser posted a plain form, else JSON {"ok":true} plus extra. */
void console_action_done(struct web_req *r, const char *done, json_t *extra);
/* Answers a refused action: the form's page again with the message, or
 * JSON {"error": message}. */
void console_action_failed(struct web_req *r, const struct console *c, int status,
    const char *message);

/* ---- pages.c, notices.c and api.c: the route handlers ---- */
int console_page_now(struct web_req *r, void *ctx);
int console_page_plan(struct web_req *r, void *ctx);
int console_page_notices(struct web_req *r, void *ctx);
int console_page_log(struct web_req *r, void *ctx);
int console_page_config(struct web_req *r, void *ctx);

int console_api_status(struct web_req *r, void *ctx);
int console_api_plan(struct web_req *r, void *ctx);
int console_api_log(struct web_req *r, void *ctx);
int console_api_notices_get(struct web_req *r, void *ctx);
int console_api_notices_post(struct web_req *r, void *ctx);
int console_api_mute(struct web_req *r, void *ctx);
int console_api_stop(struct web_req *r, void *ctx);
int console_api_skip(struct web_req *r, void *ctx);
int console_api_test_tone(struct web_req *r, void *ctx);
int console_api_reload(struct web_req *r, void *ctx);

/* ---- upload.c ---- */
/* Stores an uploaded recording under a name chosen here in c->uploads,
 * after checking it decodes; the path in *out (caller unlinks and frees).
 * 0, or -1 with a catalogue key in *why. */
int console_store_upload(const struct console *c, const char *data, size_t size,
    char **out, const char **why);

#endif
