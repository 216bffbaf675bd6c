/* The web layer over real HTTP (libcurl against the libmicrohttpd server on
 * 127.0.0.1): static files with their type and the security headers, pages
 * and the API shut without a session, sign-in and its cookie, a POST with
 * only the cookie refused, a foreign Origin refused, sign-out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sodium.h>

#include "core/log.h"
#include "core/util.h"
#include "web/web.h"

struct app {
	int actions;	/* how many times the state-changing handler ran */
};

static int
act(struct web_req *r, void *ctx)
{
	struct app *a = ctx;
	a->actions++;
	web_reply_json(r, 200, json_pack("{s:s}", "user", web_req_session(r)->user));
	return 0;
}

static int
page(struct web_req *r, void *ctx)
{
	(void)ctx;
	web_reply_data(r, 200, "text/plain", "private", 7);
	return 0;
}

static const struct web_route routes[] = {
	{ "POST", "/api/act", 0, NULL, 0, act },
	{ "GET", "/private", 0, NULL, 0, page },
	{ "GET", "/tech", 0, "technician", 0, page },
	{ NULL, NULL, 0, NULL, 0, NULL },
};

struct fixture {
	char dir[64];
	char *users_path;
	struct web_users users;
	struct web_sessions *sessions;
	struct web_i18n *i18n;
	struct web_server *srv;
	struct app app;
	char base[64];
};

struct answer {
	long status;
	char *headers, *body;
	size_t hlen, blen;
};

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	char **buf = arg;
	size_t old = *buf ? strlen(*buf) : 0;
	*buf = xrealloc(*buf, old + size * n + 1);
	memcpy(*buf + old, p, size * n);
	(*buf)[old + size * n] = '\0';
	return size * n;
}

/* One request; extra headers (NULL-ended), body NULL for GET. */
static struct answer
request(struct fixture *f, const char *path, const char *body, const char *const *hdrs)
{
	struct answer a = { 0 };
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char *url = xasprintf("%s%s", f->base, path);

	for (size_t i = 0; hdrs && hdrs[i]; i++)
		h = curl_slist_append(h, hdrs[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &a.headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(url);
	if (a.headers == NULL)
		a.headers = xstrdup("");
	if (a.body == NULL)
		a.body = xstrdup("");
	return a;
}

static void
answer_free(struct answer *a)
{
	free(a->headers);
	free(a->body);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[256];

	snprintf(f->dir, sizeof(f->dir), "/tmp/loaxa-web-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->users_path = xasprintf("%s/users", f->dir);
	web_users_init(&f->users, f->users_path);
	f->users.opslimit = crypto_pwhash_OPSLIMIT_MIN;
	f->users.memlimit = crypto_pwhash_MEMLIMIT_MIN;
	if (web_users_add(&f->users, "lan", "operator", "password-lan", err, sizeof(err)) < 0)
		return -1;
	static const char *const roots[] = { "web", NULL };
	f->i18n = web_i18n_load(roots, "vi", err, sizeof(err));
	f->sessions = web_sessions_create(3600, NULL, NULL);
	struct web_conf conf = {
		.listen = "127.0.0.1:0", .roots = roots, .routes = routes,
		.users = &f->users, .sessions = f->sessions, .i18n = f->i18n,
		.threads = 2, .cookie = "loaxa_test",
	};
	f->srv = web_server_start(&conf, &f->app, err, sizeof(err));
	if (f->srv == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", web_server_port(f->srv));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	web_server_stop(f->srv);
	web_sessions_destroy(f->sessions);
	web_i18n_free(f->i18n);
	unlink(f->users_path);
	rmdir(f->dir);
	free(f->users_path);
	free(f);
	return 0;
}

/* Signs lan in; fills the cookie header and the CSRF token. */
static void
sign_in(struct fixture *f, char *cookie, size_t clen, char csrf[WEB_TOKEN_LEN + 1])
{
	struct answer a = request(f, "/login", "username=lan&password=password-lan", NULL);
	assert_int_equal(a.status, 303);
	char *sc = strstr(a.headers, "Set-Cookie: loaxa_test=");
	assert_non_null(sc);
	char *end = strchr(sc, ';');
	snprintf(cookie, clen, "Cookie: %.*s", (int)(end - sc - 12), sc + 12);
	assert_non_null(strstr(sc, "HttpOnly"));
	assert_non_null(strstr(sc, "SameSite=Strict"));
	answer_free(&a);
	/* The token the pages would carry: the session's. */
	struct web_session s;
	assert_int_equal(web_sessions_find(f->sessions, strchr(cookie, '=') + 1, &s), 0);
	memcpy(csrf, s.csrf, WEB_TOKEN_LEN + 1);
}

static void
static_files_carry_their_type_and_the_security_headers(void **state)
{
	struct fixture *f = *state;
	struct answer a = request(f, "/static/loaxa.css", NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.headers, "Content-Type: text/css"));
	assert_non_null(strstr(a.headers, "X-Content-Type-Options: nosniff"));
	char *csp = strstr(a.headers, "Content-Security-Policy: default-src 'none'");
	assert_non_null(csp);
	assert_null(strstr(csp, "http"));	/* no source outside our own origin */
	answer_free(&a);
	a = request(f, "/static/../web.h", NULL, NULL);
	assert_int_equal(a.status, 404);
	answer_free(&a);
	a = request(f, "/static/none.js", NULL, NULL);
	assert_int_equal(a.status, 404);
	answer_free(&a);
}

static void
pages_redirect_and_the_api_answers_401_without_a_session(void **state)
{
	struct fixture *f = *state;
	struct answer a = request(f, "/private", NULL, NULL);
	assert_int_equal(a.status, 303);
	assert_non_null(strstr(a.headers, "Location: /login"));
	answer_free(&a);
	a = request(f, "/api/act", "x=1", NULL);
	assert_int_equal(a.status, 401);
	answer_free(&a);
	a = request(f, "/login", NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.body, "name=\"username\""));
	assert_non_null(strstr(a.body, "autocomplete=\"current-password\""));
	assert_non_null(strstr(a.body, "Đăng nhập"));
	answer_free(&a);
	assert_int_equal(f->app.actions, 0);
}

static void
wrong_password_is_refused_and_slowed_down(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 3; i++) {
		struct answer a = request(f, "/login", "username=lan&password=nope-nope", NULL);
		assert_int_equal(a.status, 401);
		assert_non_null(strstr(a.body, "Tên đăng nhập hoặc mật khẩu không đúng"));
		assert_null(strstr(a.headers, "Set-Cookie"));
		answer_free(&a);
	}
	/* Now even the right password must wait. */
	struct answer a = request(f, "/login", "username=lan&password=password-lan", NULL);
	assert_int_equal(a.status, 429);
	assert_non_null(strstr(a.headers, "Retry-After:"));
	assert_null(strstr(a.headers, "Set-Cookie"));
	answer_free(&a);
}

static void
post_with_only_the_cookie_is_refused(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[WEB_TOKEN_LEN + 1], hdr[128];

	sign_in(f, cookie, sizeof(cookie), csrf);
	const char *only_cookie[] = { cookie, NULL };
	struct answer a = request(f, "/private", NULL, only_cookie);
	assert_int_equal(a.status, 200);
	answer_free(&a);
	a = request(f, "/api/act", "x=1", only_cookie);
	assert_int_equal(a.status, 403);
	answer_free(&a);
	assert_int_equal(f->app.actions, 0);

	/* The token, but from a foreign page. */
	char *body = xasprintf("csrf=%s", csrf);
	const char *foreign[] = { cookie, "Origin: http://evil.example", NULL };
	a = request(f, "/api/act", body, foreign);
	assert_int_equal(a.status, 403);
	answer_free(&a);
	assert_int_equal(f->app.actions, 0);

	/* The token in the form, from our own page. */
	snprintf(hdr, sizeof(hdr), "Origin: %s", f->base);
	const char *ours[] = { cookie, hdr, NULL };
	a = request(f, "/api/act", body, ours);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.body, "{\"user\":\"lan\"}");
	answer_free(&a);
	/* The token as a header (fetch from the page's JavaScript). */
	char tok[128];
	snprintf(tok, sizeof(tok), "X-CSRF-Token: %s", csrf);
	const char *header[] = { cookie, tok, NULL };
	a = request(f, "/api/act", "", header);
	assert_int_equal(a.status, 200);
	answer_free(&a);
	assert_int_equal(f->app.actions, 2);
	free(body);
}

static void
roles_and_sign_out(void **state)
{
	struct fixture *f = *state;
	char cookie[128], csrf[WEB_TOKEN_LEN + 1];

	sign_in(f, cookie, sizeof(cookie), csrf);
	const char *c[] = { cookie, NULL };
	struct answer a = request(f, "/tech", NULL, c);
	assert_int_equal(a.status, 403);	/* an operator is not a technician */
	answer_free(&a);
	a = request(f, "/logout", "", c);	/* no token: stays signed in */
	assert_int_equal(a.status, 403);
	answer_free(&a);
	char *body = xasprintf("csrf=%s", csrf);
	a = request(f, "/logout", body, c);
	assert_int_equal(a.status, 303);
	assert_non_null(strstr(a.headers, "Max-Age=0"));
	answer_free(&a);
	a = request(f, "/private", NULL, c);
	assert_int_equal(a.status, 303);	/* the old cookie opens nothing */
	answer_free(&a);
	free(body);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	log_init("test", true, LOGL_ERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(static_files_carry_their_type_and_the_security_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(pages_redirect_and_the_api_answers_401_without_a_session, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password_is_refused_and_slowed_down, setup, teardown),
		cmocka_unit_test_setup_teardown(post_with_only_the_cookie_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(roles_and_sign_out, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
