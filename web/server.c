/*
 * server: the libmicrohttpd side of web.h. Owns the listening socket, the
 * route table's dispatch and the checks made before any handler runs
 * (session, role, Origin, CSRF), sign-in and sign-out, and the headers
 * every answer carries.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "core/util.h"
#include "web/request.h"

#define BODY_DEFAULT_MAX	(64 * 1024)
#define LOGIN_BODY_MAX		4096

/* Nothing but loaxa's own files: no inline script, no other origin. */
static const char csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

struct web_server {
	struct MHD_Daemon *mhd;
	struct web_conf conf;
	void *ctx;
	bool tls;
	char *cert, *key;	/* PEM text, kept while the daemon runs */
	char *cookie;
	int port;
};

const char *const *
web_server_roots(const struct web_server *s)
{
	return s->conf.roots;
}

const struct web_i18n *
web_server_i18n(const struct web_server *s)
{
	return s->conf.i18n;
}

int
web_server_port(const struct web_server *s)
{
	return s->port;
}

/* ---- reading the request ---- */

const char *web_req_method(const struct web_req *r) { return r->method; }
const char *web_req_path(const struct web_req *r) { return r->path; }
const char *web_req_client(const struct web_req *r) { return r->client; }
const struct web_i18n *web_req_i18n(const struct web_req *r) { return r->srv->conf.i18n; }

const char *
web_req_msg(const struct web_req *r, const char *key)
{
	return web_i18n_get(r->srv->conf.i18n, key);
}

const char *
web_req_header(const struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
web_req_query(const struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
web_req_body(const struct web_req *r, size_t *len)
{
	if (len != NULL)
		*len = r->body_len;
	return r->body ? r->body : "";
}

const struct web_session *
web_req_session(const struct web_req *r)
{
	return r->has_session ? &r->session : NULL;
}

static const struct web_field *
field_find(const struct web_req *r, const char *name)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return &r->fields[i];
	return NULL;
}

const char *
web_req_form(const struct web_req *r, const char *name)
{
	const struct web_field *f = field_find(r, name);
	return f && f->filename == NULL ? f->data : NULL;
}

bool
web_req_file(const struct web_req *r, const char *name, const char **data,
    size_t *size, const char **filename, const char **content_type)
{
	const struct web_field *f = field_find(r, name);

	if (f == NULL || f->filename == NULL)
		return false;
	*data = f->data;
	*size = f->len;
	*filename = f->filename;
	*content_type = f->content_type ? f->content_type : "application/octet-stream";
	return true;
}

static enum MHD_Result
on_field(void *arg, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *content_type, const char *encoding, const char *data, uint64_t off,
    size_t size)
{
	struct web_req *r = arg;
	struct web_field *f = NULL;

	(void)kind;
	(void)encoding;
	/* A field arrives in pieces; a piece at offset 0 starts a new one. */
	if (off > 0 && r->nfields > 0 && strcmp(r->fields[r->nfields - 1].name, key) == 0)
		f = &r->fields[r->nfields - 1];
	if (f == NULL) {
		r->fields = xreallocarray(r->fields, r->nfields + 1, sizeof(*r->fields));
		f = &r->fields[r->nfields++];
		memset(f, 0, sizeof(*f));
		f->name = xstrdup(key);
		f->filename = filename ? xstrdup(filename) : NULL;
		f->content_type = content_type ? xstrdup(content_type) : NULL;
	}
	f->data = xrealloc(f->data, f->len + size + 1);
	memcpy(f->data + f->len, data, size);
	f->len += size;
	f->data[f->len] = '\0';
	return MHD_YES;
}

static void
parse_form(struct web_req *r)
{
	const char *ct = web_req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);

	if (r->body_len == 0 || ct == NULL ||
	    (strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 &&
	    strncasecmp(ct, "multipart/form-data", 19) != 0))
		return;
	struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 16 * 1024, on_field, r);
	if (pp == NULL)
		return;
	MHD_post_process(pp, r->body, r->body_len);
	MHD_destroy_post_processor(pp);
}

/* ---- answers ---- */

void
web_reply_header(struct web_req *r, const char *name, const char *value)
{
	r->headers = xreallocarray(r->headers, r->nheaders + 1, sizeof(*r->headers));
	r->headers[r->nheaders].name = xstrdup(name);
	r->headers[r->nheaders].value = xstrdup(value);
	r->nheaders++;
}

void
web_reply_data(struct web_req *r, int status, const char *content_type,
    const void *data, size_t len)
{
	if (r->replied) {
		log_err("web: %s %s answered twice (a handler bug); the first answer stands",
		    r->method, r->path);
		return;
	}
	r->replied = true;
	r->status = status;
	r->rtype = xstrdup(content_type);
	r->rdata = xmalloc(len + 1);
	memcpy(r->rdata, data, len);
	r->rlen = len;
}

void
web_reply_json(struct web_req *r, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (text == NULL)
		text = xstrdup("null");
	web_reply_data(r, status, "application/json", text, strlen(text));
	free(text);
}

void
web_reply_error(struct web_req *r, int status, const char *message)
{
	web_reply_json(r, status, json_pack("{s:s}", "error", message));
}

void
web_reply_redirect(struct web_req *r, const char *location)
{
	web_reply_header(r, "Location", location);
	web_reply_data(r, 303, "text/plain; charset=utf-8", "", 0);
}

static bool
has_header(const struct web_req *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return true;
	return false;
}

static enum MHD_Result
send_reply(struct web_req *r)
{
	if (!r->replied)
		web_reply_data(r, 500, "text/plain; charset=utf-8", "internal error\n", 15);
	struct MHD_Response *resp = MHD_create_response_from_buffer(r->rlen, r->rdata,
	    MHD_RESPMEM_MUST_FREE);
	r->rdata = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->rtype);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	if (!has_header(r, "Cache-Control"))
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (size_t i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static void
req_free(struct web_req *r)
{
	for (size_t i = 0; i < r->nfields; i++) {
		free(r->fields[i].name);
		free(r->fields[i].data);
		free(r->fields[i].filename);
		free(r->fields[i].content_type);
	}
	free(r->fields);
	for (size_t i = 0; i < r->nheaders; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	free(r->rtype);
	free(r->rdata);
	free(r);
}

/* ---- the checks ---- */

static void
set_cookie(struct web_req *r, const char *value, long max_age)
{
	char *c = xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
	    r->srv->cookie, value, max_age, r->tls ? "; Secure" : "");
	web_reply_header(r, "Set-Cookie", c);
	free(c);
}

/* A browser's state-changing request must come from a page of ours:
 * Origin (or, failing that, Referer) must name this scheme and Host.
 * Clients that send neither (curl, scripts) still need the CSRF token. */
static bool
origin_ok(const struct web_req *r)
{
	const char *host = web_req_header(r, MHD_HTTP_HEADER_HOST);
	const char *origin = web_req_header(r, "Origin");
	const char *referer = web_req_header(r, "Referer");

	if (origin == NULL && referer == NULL)
		return true;
	if (host == NULL)
		return false;
	char *want = xasprintf("%s://%s", r->tls ? "https" : "http", host);
	size_t wl = strlen(want);
	bool ok;
	if (origin != NULL)
		ok = strcmp(origin, want) == 0;
	else
		ok = strncmp(referer, want, wl) == 0 && (referer[wl] == '/' || referer[wl] == '\0');
	free(want);
	return ok;
}

static bool
role_allowed(const char *roles, const char *role)
{
	size_t n = strlen(role);

	if (roles == NULL)
		return true;
	for (const char *p = roles; *p != '\0';) {
		size_t l = strcspn(p, ",");
		if (l == n && strncmp(p, role, n) == 0)
			return true;
		p += l + (p[l] == ',');
	}
	return false;
}

static bool
list_has(const char *const *list, const char *s)
{
	if (list == NULL)
		return true;
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static void
login_page(struct web_req *r, int status, const char *error_key)
{
	const char *vars[] = {
		"error", error_key ? web_req_msg(r, error_key) : "",
		"app", web_req_msg(r, r->srv->conf.app_name ? r->srv->conf.app_name : "app_title"),
		NULL,
	};
	web_reply_page(r, status, "login.html", vars);
}

static void
do_login(struct web_req *r)
{
	struct web_server *s = r->srv;
	const char *user = web_req_form(r, "username");
	const char *pw = web_req_form(r, "password");
	char role[WEB_ROLE_MAX + 1], err[512];

	if (!origin_ok(r)) {
		web_reply_data(r, 403, "text/plain; charset=utf-8", "forbidden origin\n", 17);
		return;
	}
	int wait = web_login_wait(s->conf.sessions, r->client);
	if (wait > 0) {
		char secs[16];
		snprintf(secs, sizeof(secs), "%d", wait);
		web_reply_header(r, "Retry-After", secs);
		login_page(r, 429, "login_wait");
		return;
	}
	if (user == NULL || pw == NULL || user[0] == '\0') {
		login_page(r, 400, "login_missing");
		return;
	}
	int rc = web_users_check(s->conf.users, user, pw, role, sizeof(role), err, sizeof(err));
	if (rc < 0) {
		log_err("web: cannot read the accounts: %s; nobody can sign in", err);
		login_page(r, 500, "login_broken");
		return;
	}
	if (rc == 0 && !list_has(s->conf.login_roles, role)) {
		log_warn("web: %s has role '%s', which this console does not take", user, role);
		rc = 1;
	}
	if (rc != 0) {
		web_login_failed(s->conf.sessions, r->client);
		log_notice("web: wrong user name or password from %s", r->client);
		login_page(r, 401, "login_wrong");
		return;
	}
	web_login_succeeded(s->conf.sessions, r->client);
	if (web_sessions_open(s->conf.sessions, user, role, &r->session) < 0) {
		log_err("web: cannot store a session for %s; sign-in refused", user);
		login_page(r, 500, "login_broken");
		return;
	}
	log_info("web: %s (%s) signed in from %s", user, role, r->client);
	set_cookie(r, r->session.id, (long)(r->session.expires - time(NULL)));
	web_reply_redirect(r, s->conf.home ? s->conf.home : "/");
}

static const struct web_route *
route_find(const struct web_server *s, const char *method, const char *path, bool *path_known)
{
	*path_known = false;
	for (const struct web_route *rt = s->conf.routes; rt && rt->path != NULL; rt++) {
		bool match = (rt->flags & WEB_PREFIX) ? str_has_prefix(path, rt->path) :
		    strcmp(path, rt->path) == 0;
		if (!match)
			continue;
		*path_known = true;
		if (strcmp(rt->method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0))
			return rt;
	}
	return NULL;
}

static void
forbid(struct web_req *r, const char *why)
{
	log_notice("web: %s %s from %s refused: %s", r->method, r->path, r->client, why);
	web_reply_error(r, 403, why);
}

static void
dispatch(struct web_req *r)
{
	struct web_server *s = r->srv;
	bool post = strcmp(r->method, "POST") == 0;
	bool get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;

	if (r->too_big) {
		web_reply_error(r, 413, "request too large");
		return;
	}
	const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, s->cookie);
	r->has_session = cookie != NULL &&
	    web_sessions_find(s->conf.sessions, cookie, &r->session) == 0;

	if (get && str_has_prefix(r->path, "/static/")) {
		web_serve_static(r, r->path + 8);
		return;
	}
	if (strcmp(r->path, "/login") == 0 && (get || post)) {
		if (post)
			do_login(r);
		else if (r->has_session)
			web_reply_redirect(r, s->conf.home ? s->conf.home : "/");
		else
			login_page(r, 200, NULL);
		return;
	}
	bool known;
	const struct web_route *rt = route_find(s, r->method, r->path, &known);
	bool logout = post && strcmp(r->path, "/logout") == 0;
	if (rt == NULL && !logout) {
		if (known)
			web_reply_error(r, 405, "method not allowed");
		else
			web_reply_data(r, 404, "text/plain; charset=utf-8", "not found\n", 10);
		return;
	}
	if (!logout && (rt->flags & WEB_PUBLIC)) {
		r->route = rt;
		if (rt->handler(r, s->ctx) < 0 && !r->replied)
			web_reply_error(r, 500, "internal error");
		return;
	}
	if (!r->has_session) {
		if (str_has_prefix(r->path, "/api/"))
			web_reply_error(r, 401, "sign in first");
		else
			web_reply_redirect(r, "/login");
		return;
	}
	if (post) {
		const char *token = web_req_form(r, "csrf");
		if (token == NULL)
			token = web_req_header(r, "X-CSRF-Token");
		if (!origin_ok(r)) {
			forbid(r, "foreign origin");
			return;
		}
		if (!web_csrf_valid(&r->session, token)) {
			forbid(r, "missing or wrong CSRF token");
			return;
		}
	}
	if (logout) {
		web_sessions_close(s->conf.sessions, r->session.id);
		log_info("web: %s signed out", r->session.user);
		set_cookie(r, "", 0);
		web_reply_redirect(r, "/login");
		return;
	}
	if (!role_allowed(rt->roles, r->session.role)) {
		forbid(r, "your role may not do this");
		return;
	}
	r->route = rt;
	if (rt->handler(r, s->ctx) < 0 && !r->replied)
		web_reply_error(r, 500, "internal error");
}

/* ---- libmicrohttpd glue ---- */

static size_t
body_max(const struct web_server *s, const char *method, const char *url)
{
	bool known;
	const struct web_route *rt = route_find(s, method, url, &known);

	if (strcmp(url, "/login") == 0 || strcmp(url, "/logout") == 0)
		return LOGIN_BODY_MAX;
	return rt && rt->max_body ? rt->max_body : BODY_DEFAULT_MAX;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct web_server *s = cls;
	struct web_req *r = *con_cls;

	(void)version;
	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->srv = s;
		r->conn = conn;
		r->method = method;
		r->path = url;
		r->tls = s->tls;
		r->body_max = body_max(s, method, url);
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const struct sockaddr *sa = ci ? ci->client_addr : NULL;
		if (sa != NULL && sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			    r->client, sizeof(r->client));
		else if (sa != NULL && sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			    r->client, sizeof(r->client));
		else
			snprintf(r->client, sizeof(r->client), "unknown");
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!r->too_big && r->body_len + *upload_size <= r->body_max) {
			r->body = xrealloc(r->body, r->body_len + *upload_size + 1);
			memcpy(r->body + r->body_len, upload_data, *upload_size);
			r->body_len += *upload_size;
			r->body[r->body_len] = '\0';
		} else {
			r->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	parse_form(r);
	dispatch(r);
	return send_reply(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	if (*con_cls != NULL)
		req_free(*con_cls);
	*con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warn("web: %s", msg);
}

/* "ADDR:PORT" or "[V6]:PORT" into ss; 0 or -1. */
static int
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	char *end;

	if (colon == NULL || colon == listen)
		return -1;
	long port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535)
		return -1;
	size_t hl = (size_t)(colon - listen);
	if (listen[0] == '[' && colon[-1] == ']') {
		snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), listen + 1);
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		memset(ss, 0, sizeof(*ss));
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return inet_pton(AF_INET6, host, &a->sin6_addr) == 1 ? 0 : -1;
	}
	snprintf(host, sizeof(host), "%.*s", (int)hl, listen);
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	*len = sizeof(*a);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

static bool
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

struct web_server *
web_server_start(const struct web_conf *conf, void *ctx, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	size_t len;

	if (parse_listen(conf->listen, &ss, &sslen) < 0) {
		snprintf(err, errlen, "listen = \"%s\": not ADDR:PORT (e.g. \"0.0.0.0:8080\", \"[::1]:8080\")",
		    conf->listen);
		return NULL;
	}
	struct web_server *s = xcalloc(1, sizeof(*s));
	s->conf = *conf;
	s->ctx = ctx;
	s->cookie = xstrdup(set(conf->cookie) ? conf->cookie : "loaxa_session");
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (set(conf->tls_cert) != set(conf->tls_key)) {
		snprintf(err, errlen, "tls_cert and tls_key go together: set both or neither");
		goto fail;
	}
	if (set(conf->tls_cert)) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd has no TLS support; unset tls_cert/tls_key");
			goto fail;
		}
		if ((s->cert = read_file_all(conf->tls_cert, 1 << 20, &len, err, errlen)) == NULL ||
		    (s->key = read_file_all(conf->tls_key, 1 << 20, &len, err, errlen)) == NULL)
			goto fail;
		s->tls = true;
		flags |= MHD_USE_TLS;
	}
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(conf->threads > 0 ? conf->threads : 4),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u,
	    s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, s->key,
	    MHD_OPTION_END);
	if (s->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s (in use, or a bad certificate/key?)",
		    conf->listen);
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	return s;
fail:
	free(s->cert);
	free(s->key);
	free(s->cookie);
	free(s);
	return NULL;
}

void
web_server_stop(struct web_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->mhd);
	free(s->cert);
	free(s->key);
	free(s->cookie);
	free(s);
}
