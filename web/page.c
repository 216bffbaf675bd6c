/*
 * page: the answers made of files. Owns templates ({{…}} substitution,
 * HTML escaping), static files under the roots' static/ folders and the
 * types they are served with.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "web/request.h"

#define PAGE_FILE_MAX	(4 << 20)

/* A growing string's allocation is the power of two above its length, so
 * appending is amortised O(1) without a capacity field: a page of 10,000
 * rows is hundreds of thousands of appends. */
static size_t
buf_cap(size_t used)
{
	size_t cap = 64;

	while (cap < used)
		cap *= 2;
	return cap;
}

static void
buf_reserve(char **buf, size_t len, size_t add)
{
	if (*buf == NULL || buf_cap(len + 1) < len + add + 1)
		*buf = xrealloc(*buf, buf_cap(len + add + 1));
}

void
web_buf_printf(char **buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char small[256];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(buf, *len, (size_t)n);
	if ((size_t)n < sizeof(small)) {
		memcpy(*buf + *len, small, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(*buf + *len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	*len += (size_t)n;
}

static void
buf_add(char **buf, size_t *len, const char *s, size_t n)
{
	buf_reserve(buf, *len, n);
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

void
web_html_escape(char **buf, size_t *len, const char *s)
{
	if (s == NULL)
		s = "";
	for (const char *p = s; *p != '\0';) {
		size_t run = strcspn(p, "&<>\"'");
		buf_add(buf, len, p, run);
		p += run;
		if (*p == '\0')
			break;
		const char *ent = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" :
		    *p == '"' ? "&quot;" : "&#39;";
		buf_add(buf, len, ent, strlen(ent));
		p++;
	}
	if (*buf == NULL)
		buf_add(buf, len, "", 0);
}

char *
web_url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s ? s : "") * 3 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

char *
web_root_file(const struct web_server *s, const char *name, size_t *len)
{
	const char *const *roots = web_server_roots(s);
	char err[256];

	for (size_t i = 0; roots[i] != NULL; i++) {
		char *path = xasprintf("%s/%s", roots[i], name);
		char *text = read_file_all(path, PAGE_FILE_MAX, len, err, sizeof(err));
		free(path);
		if (text != NULL)
			return text;
	}
	return NULL;
}

static const char *
var_value(const struct web_req *r, const char *const *vars, const char *name, size_t n)
{
	static const char none[] = "";

	for (size_t i = 0; vars != NULL && vars[i] != NULL && vars[i + 1] != NULL; i += 2)
		if (strlen(vars[i]) == n && strncmp(vars[i], name, n) == 0)
			return vars[i + 1];
	if (n == 4 && strncmp(name, "csrf", 4) == 0)
		return r->has_session ? r->session.csrf : none;
	if (n == 4 && strncmp(name, "user", 4) == 0)
		return r->has_session ? r->session.user : none;
	if (n == 4 && strncmp(name, "role", 4) == 0)
		return r->has_session ? r->session.role : none;
	if (n == 4 && strncmp(name, "lang", 4) == 0)
		return web_i18n_lang(web_server_i18n(r->srv));
	return NULL;
}

void
web_reply_page(struct web_req *r, int status, const char *file, const char *const *vars)
{
	size_t tlen, len = 0;
	char *name = xasprintf("pages/%s", file);
	char *tpl = web_root_file(r->srv, name, &tlen);
	char *out = NULL;

	free(name);
	if (tpl == NULL) {
		log_err("web: page template %s not found in the web roots (installation incomplete?)", file);
		web_reply_error(r, 500, "page missing");
		return;
	}
	for (char *p = tpl; *p != '\0';) {
		char *open = strstr(p, "{{");
		if (open == NULL) {
			buf_add(&out, &len, p, strlen(p));
			break;
		}
		buf_add(&out, &len, p, (size_t)(open - p));
		bool raw = open[2] == '{';
		char *start = open + (raw ? 3 : 2);
		char *close = strstr(start, raw ? "}}}" : "}}");
		if (close == NULL) {
			buf_add(&out, &len, open, strlen(open));
			break;
		}
		size_t n = (size_t)(close - start);
		if (n > 2 && strncmp(start, "m:", 2) == 0) {
			char key[128];
			snprintf(key, sizeof(key), "%.*s", (int)(n - 2), start + 2);
			web_html_escape(&out, &len, web_i18n_get(web_server_i18n(r->srv), key));
		} else {
			const char *v = var_value(r, vars, start, n);
			if (v == NULL)
				log_warn("web: %s uses {{%.*s}}, which nobody set", file, (int)n, start);
			else if (raw)
				buf_add(&out, &len, v, strlen(v));
			else
				web_html_escape(&out, &len, v);
		}
		p = close + (raw ? 3 : 2);
	}
	free(tpl);
	web_reply_data(r, status, "text/html; charset=utf-8", out ? out : "", len);
	free(out);
}

static const struct {
	const char *ext, *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static bool
static_name_ok(const char *name)
{
	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' || *p == '_' || *p == '/'))
			return false;
	return true;
}

void
web_serve_static(struct web_req *r, const char *name)
{
	const char *type = NULL;
	size_t nl = strlen(name), len;

	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		size_t el = strlen(types[i].ext);
		if (nl > el && strcmp(name + nl - el, types[i].ext) == 0)
			type = types[i].type;
	}
	char *file = NULL;
	if (type != NULL && static_name_ok(name)) {
		char *rel = xasprintf("static/%s", name);
		file = web_root_file(r->srv, rel, &len);
		free(rel);
	}
	if (file == NULL) {
		web_reply_data(r, 404, "text/plain; charset=utf-8", "not found\n", 10);
		return;
	}
	/* Shipped files change only with an upgrade: revalidate, don't refetch. */
	web_reply_header(r, "Cache-Control", "no-cache");
	web_reply_data(r, 200, type, file, len);
	free(file);
}
