#include "web/session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/log.h"

/* The memory backend keeps at most this many sessions and failing
 * addresses: a flood of sign-ins cannot grow the process without bound. */
#define MEM_MAX	4096

struct mem_fail {
	char addr[64];
	int count;
	time_t last;
};

struct mem_store {
	struct web_session *sessions;
	size_t nsessions;
	struct mem_fail *fails;
	size_t nfails;
};

struct web_sessions {
	int lifetime_s;
	const struct web_session_backend *backend;
	void *backend_ctx;
	struct mem_store mem;	/* used by the memory backend */
	pthread_mutex_t lock;	/* held around every backend call */
};

/* ---- the memory backend ---- */

static struct web_session *
mem_find(struct mem_store *m, const char *id)
{
	for (size_t i = 0; i < m->nsessions; i++)
		if (strcmp(m->sessions[i].id, id) == 0)
			return &m->sessions[i];
	return NULL;
}

static void
mem_drop_expired(struct mem_store *m)
{
	time_t now = time(NULL);
	size_t kept = 0;

	for (size_t i = 0; i < m->nsessions; i++)
		if (m->sessions[i].expires > now)
			m->sessions[kept++] = m->sessions[i];
	m->nsessions = kept;
}

static int
mem_put(void *ctx, const struct web_session *s)
{
	struct mem_store *m = ctx;

	mem_drop_expired(m);
	if (m->nsessions == MEM_MAX) {
		/* Full of live sessions: the oldest gives way. */
		memmove(&m->sessions[0], &m->sessions[1],
		    (m->nsessions - 1) * sizeof(m->sessions[0]));
		m->nsessions--;
	}
	m->sessions = xreallocarray(m->sessions, m->nsessions + 1, sizeof(*s));
	m->sessions[m->nsessions++] = *s;
	return 0;
}

static int
mem_get(void *ctx, const char *id, struct web_session *out)
{
	struct web_session *s = mem_find(ctx, id);

	if (s == NULL)
		return 1;
	*out = *s;
	return 0;
}

static int
mem_del(void *ctx, const char *id)
{
	struct mem_store *m = ctx;
	struct web_session *s = mem_find(m, id);

	if (s != NULL) {
		*s = m->sessions[m->nsessions - 1];
		m->nsessions--;
	}
	return 0;
}

static struct mem_fail *
mem_fail_find(struct mem_store *m, const char *addr)
{
	for (size_t i = 0; i < m->nfails; i++)
		if (strcmp(m->fails[i].addr, addr) == 0)
			return &m->fails[i];
	return NULL;
}

static int
mem_fails_get(void *ctx, const char *addr, int *count, time_t *last)
{
	struct mem_fail *f = mem_fail_find(ctx, addr);

	*count = f ? f->count : 0;
	*last = f ? f->last : 0;
	return 0;
}

static int
mem_fails_add(void *ctx, const char *addr, time_t now)
{
	struct mem_store *m = ctx;
	struct mem_fail *f = mem_fail_find(m, addr);

	if (f == NULL) {
		if (m->nfails == MEM_MAX) {
			/* Forget the address that failed longest ago. */
			size_t old = 0;
			for (size_t i = 1; i < m->nfails; i++)
				if (m->fails[i].last < m->fails[old].last)
					old = i;
			m->fails[old] = m->fails[--m->nfails];
		}
		m->fails = xreallocarray(m->fails, m->nfails + 1, sizeof(*f));
		f = &m->fails[m->nfails++];
		memset(f, 0, sizeof(*f));
		snprintf(f->addr, sizeof(f->addr), "%s", addr);
	}
	f->count++;
	f->last = now;
	return 0;
}

static int
mem_fails_clear(void *ctx, const char *addr)
{
	struct mem_store *m = ctx;
	struct mem_fail *f = mem_fail_find(m, addr);

	if (f != NULL)
		*f = m->fails[--m->nfails];
	return 0;
}

static const struct web_session_backend mem_backend = {
	.put = mem_put, .get = mem_get, .del = mem_del,
	.fails_get = mem_fails_get, .fails_add = mem_fails_add,
	.fails_clear = mem_fails_clear,
};

/* ---- sessions ---- */

struct web_sessions *
web_sessions_create(int lifetime_s, const struct web_session_backend *backend,
    void *backend_ctx)
{
	struct web_sessions *ss = xcalloc(1, sizeof(*ss));

	if (sodium_init() < 0)
		fatal("libsodium cannot start (no random source?)");
	ss->lifetime_s = lifetime_s > 0 ? lifetime_s : 12 * 3600;
	ss->backend = backend ? backend : &mem_backend;
	ss->backend_ctx = backend ? backend_ctx : &ss->mem;
	pthread_mutex_init(&ss->lock, NULL);
	return ss;
}

void
web_sessions_destroy(struct web_sessions *ss)
{
	if (ss == NULL)
		return;
	pthread_mutex_destroy(&ss->lock);
	sodium_memzero(ss->mem.sessions, ss->mem.nsessions * sizeof(*ss->mem.sessions));
	free(ss->mem.sessions);
	free(ss->mem.fails);
	free(ss);
}

void
web_random_token(char out[WEB_TOKEN_LEN + 1])
{
	unsigned char raw[WEB_TOKEN_LEN / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, WEB_TOKEN_LEN + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

int
web_sessions_open(struct web_sessions *ss, const char *user, const char *role,
    struct web_session *out)
{
	memset(out, 0, sizeof(*out));
	web_random_token(out->id);
	web_random_token(out->csrf);
	snprintf(out->user, sizeof(out->user), "%s", user);
	snprintf(out->role, sizeof(out->role), "%s", role);
	out->expires = time(NULL) + ss->lifetime_s;
	pthread_mutex_lock(&ss->lock);
	int rc = ss->backend->put(ss->backend_ctx, out);
	pthread_mutex_unlock(&ss->lock);
	return rc;
}

static bool
token_shaped(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == WEB_TOKEN_LEN;
}

int
web_sessions_find(struct web_sessions *ss, const char *id, struct web_session *out)
{
	if (id == NULL || !token_shaped(id))
		return 1;
	pthread_mutex_lock(&ss->lock);
	int rc = ss->backend->get(ss->backend_ctx, id, out);
	if (rc == 0 && out->expires <= time(NULL)) {
		ss->backend->del(ss->backend_ctx, id);
		rc = 1;
	}
	pthread_mutex_unlock(&ss->lock);
	return rc;
}

int
web_sessions_close(struct web_sessions *ss, const char *id)
{
	if (id == NULL || !token_shaped(id))
		return 0;
	pthread_mutex_lock(&ss->lock);
	int rc = ss->backend->del(ss->backend_ctx, id);
	pthread_mutex_unlock(&ss->lock);
	return rc;
}

bool
web_csrf_valid(const struct web_session *s, const char *token)
{
	if (s == NULL || token == NULL || strlen(token) != WEB_TOKEN_LEN ||
	    strlen(s->csrf) != WEB_TOKEN_LEN)
		return false;
	return sodium_memcmp(s->csrf, token, WEB_TOKEN_LEN) == 0;
}

/* ---- repeated failures ---- */

int
web_login_delay(int count)
{
	if (count < 3)
		return 0;
	int shift = count - 2;	/* the 3rd failure costs 2 s, the 4th 4 s … */
	return shift >= 9 ? 300 : (1 << shift) > 300 ? 300 : (1 << shift);
}

int
web_login_wait(struct web_sessions *ss, const char *addr)
{
	int count = 0;
	time_t last = 0;

	pthread_mutex_lock(&ss->lock);
	int rc = ss->backend->fails_get(ss->backend_ctx, addr, &count, &last);
	pthread_mutex_unlock(&ss->lock);
	if (rc < 0)
		return 0;
	long left = (long)(last + web_login_delay(count) - time(NULL));
	return left > 0 ? (int)left : 0;
}

void
web_login_failed(struct web_sessions *ss, const char *addr)
{
	int count = 0;
	time_t last = 0, now = time(NULL);

	pthread_mutex_lock(&ss->lock);
	/* Failures an hour old are forgotten: a typo next week starts afresh. */
	if (ss->backend->fails_get(ss->backend_ctx, addr, &count, &last) == 0 &&
	    count > 0 && last < now - 3600)
		ss->backend->fails_clear(ss->backend_ctx, addr);
	ss->backend->fails_add(ss->backend_ctx, addr, now);
	pthread_mutex_unlock(&ss->lock);
}

void
web_login_succeeded(struct web_sessions *ss, const char *addr)
{
	pthread_mutex_lock(&ss->lock);
	ss->backend->fails_clear(ss->backend_ctx, addr);
	pthread_mutex_unlock(&ss->lock);
}
