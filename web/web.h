/*
 * web: the HTTP layer both consoles share (loaxa-web, the commune operator's;
 * loaxa-collector, the district's). Owns the libmicrohttpd server, the route
 * table, the answers (JSON, pages from templates, static files) and the
 * security every answer carries: session cookie, CSRF token, Origin check,
 * Content-Security-Policy, sign-in and sign-out. See web/README.md.
 *
 * Handlers run on the server's worker threads (several at once): whatever
 * they share must be thread-safe. Everything else a program needs lives in
 * the ctx pointer it gives web_server_start().
 */
#ifndef LOAXA_WEB_H
#define LOAXA_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "web/i18n.h"
#include "web/session.h"
#include "web/users.h"

struct web_server;
struct web_req;

/* Route flags. */
#define WEB_PUBLIC	0x1	/* no session needed (sign-in page, ingest with its own token) */
#define WEB_NO_CSRF	0x2	/* a POST that carries its own authority (a station's Bearer token) */
#define WEB_PREFIX	0x4	/* path matches itself and anything below: "/api/bulletins/" */

/* A handler answers through one of the web_reply_* calls below and returns
 * 0; returning -1 without a reply answers 500. */
typedef int (*web_handler_fn)(struct web_req *req, void *ctx);

struct web_route {
	const char *method;	/* "GET" or "POST" (HEAD is served as GET) */
	const char *path;	/* exact, or a prefix with WEB_PREFIX */
	unsigned flags;
	const char *roles;	/* "operator,technician"; NULL = any signed-in user */
	size_t max_body;	/* bytes a POST may carry; 0 = 64 KiB */
	web_handler_fn handler;
};

struct web_conf {
	const char *listen;	/* "ADDR:PORT", "[::1]:PORT" */
	const char *tls_cert, *tls_key;	/* PEM files; both NULL or "" = plain HTTP */
	const char *const *roots;	/* NULL-terminated folders searched for pages and
					 * static/ files, the program's first, then web/'s */
	const char *app_name;	/* catalogue key of the program's title, shown on sign-in */
	const struct web_route *routes;	/* ended by { NULL } */
	struct web_users *users;	/* who may sign in */
	const char *const *login_roles;	/* roles allowed to sign in; NULL = any */
	struct web_sessions *sessions;	/* where sessions live */
	const struct web_i18n *i18n;	/* the language served */
	int threads;		/* worker threads; 0 = 4 */
	const char *home;	/* where sign-in leads; NULL = "/" */
	const char *cookie;	/* session cookie name, one per program (cookies
				 * ignore ports): "loaxa_web", "loaxa_collector" */
};

/* Starts serving; NULL with a message (naming the address or file) in err. */
struct web_server *web_server_start(const struct web_conf *conf, void *ctx,
    char *err, size_t errlen);
/* Stops accepting, waits for requests in flight, frees. */
void web_server_stop(struct web_server *s);
/* The TCP port actually bound (useful with port 0). */
int web_server_port(const struct web_server *s);

/* ---- what a handler can read ---- */
const char *web_req_method(const struct web_req *r);
const char *web_req_path(const struct web_req *r);	/* without the query */
const char *web_req_header(const struct web_req *r, const char *name);
const char *web_req_query(const struct web_req *r, const char *name);	/* ?name=… */
/* The request body (POST), not NUL-terminated beyond len (a NUL is appended). */
const char *web_req_body(const struct web_req *r, size_t *len);
/* A form field (application/x-www-form-urlencoded or multipart/form-data). */
const char *web_req_form(const struct web_req *r, const char *name);
/* A multipart file field: data, size, the browser's file name and type. */
bool web_req_file(const struct web_req *r, const char *name, const char **data,
    size_t *size, const char **filename, const char **content_type);
/* The signed-in user (NULL on WEB_PUBLIC routes without a session). */
const struct web_session *web_req_session(const struct web_req *r);
const char *web_req_client(const struct web_req *r);	/* "192.0.2.1" */
const struct web_i18n *web_req_i18n(const struct web_req *r);
/* The catalogue's text for key, in the served language. */
const char *web_req_msg(const struct web_req *r, const char *key);

/* ---- answers (one per request) ---- */
/* Takes the reference to body. */
void web_reply_json(struct web_req *r, int status, json_t *body);
/* {"error": message} */
void web_reply_error(struct web_req *r, int status, const char *message);
void web_reply_data(struct web_req *r, int status, const char *content_type,
    const void *data, size_t len);
/* Adds a response header to the answer about to be made (before web_reply_*). */
void web_reply_header(struct web_req *r, const char *name, const char *value);
/* 303 See Other to a local path. */
void web_reply_redirect(struct web_req *r, const char *location);

/*
 * A page: the template file (searched in the roots) with
 *   {{m:key}}   the catalogue's text, escaped;
 *   {{name}}    a variable, HTML-escaped;  {{{name}}} the same, raw (HTML the
 *               handler built with web_html_escape);
 * built-ins: csrf, user, role, lang. vars is { name, value, … , NULL }.
 */
void web_reply_page(struct web_req *r, int status, const char *file,
    const char *const *vars);

/* Appends s to buf HTML-escaped. buf is a growing string made only by these
 * two calls (*buf NULL at first): they size it in powers of two. */
void web_html_escape(char **buf, size_t *len, const char *s);
/* s percent-encoded for a URL's path segment or query value (malloc'ed). */
char *web_url_encode(const char *s);
/* Appends printf-formatted text (not escaped). */
void web_buf_printf(char **buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
