/*
 * session: who is signed in, and who is failing to sign in. Owns session
 * ids and CSRF tokens (random, from libsodium), their expiry, and the
 * slow-down of repeated wrong passwords from one address. Where they are
 * kept is a backend (a table of functions): in memory for loaxa-web, in
 * PostgreSQL for loaxa-collector (several collectors share one database).
 * Every call is thread-safe.
 */
#ifndef LOAXA_WEB_SESSION_H
#define LOAXA_WEB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define WEB_TOKEN_LEN	64	/* hex characters of an id or a CSRF token */
#define WEB_NAME_MAX	64
#define WEB_ROLE_MAX	32

struct web_session {
	char id[WEB_TOKEN_LEN + 1];
	char csrf[WEB_TOKEN_LEN + 1];
	char user[WEB_NAME_MAX + 1];
	char role[WEB_ROLE_MAX + 1];
	time_t expires;
};

/* A storage backend. Each returns 0 on success, -1 on a storage error;
 * get returns 1 when there is no such session. */
struct web_session_backend {
	int (*put)(void *ctx, const struct web_session *s);
	int (*get)(void *ctx, const char *id, struct web_session *out);
	int (*del)(void *ctx, const char *id);
	/* Failed sign-ins of addr: count and time of the last one (0, 0 if none). */
	int (*fails_get)(void *ctx, const char *addr, int *count, time_t *last);
	int (*fails_add)(void *ctx, const char *addr, time_t now);
	int (*fails_clear)(void *ctx, const char *addr);
};

struct web_sessions;

/* lifetime_s: how long a session lasts after sign-in. backend NULL = memory. */
struct web_sessions *web_sessions_create(int lifetime_s,
    const struct web_session_backend *backend, void *backend_ctx);
void web_sessions_destroy(struct web_sessions *ss);

/* New session for user/role (fresh id and CSRF token); 0 or -1. */
int web_sessions_open(struct web_sessions *ss, const char *user, const char *role,
    struct web_session *out);
/* 0 and *out when id names a live session; 1 when unknown or expired
 * (an expired one is deleted); -1 on a storage error. */
int web_sessions_find(struct web_sessions *ss, const char *id, struct web_session *out);
int web_sessions_close(struct web_sessions *ss, const char *id);

/* True when token is the session's CSRF token (constant-time compare). */
bool web_csrf_valid(const struct web_session *s, const char *token);

/* Seconds addr must still wait before its next sign-in attempt (0 = may try).
 * Three wrong passwords are free; then 2, 4, 8 … up to 300 s after the last.
 * Failures older than an hour are forgotten at the next one. */
int web_login_wait(struct web_sessions *ss, const char *addr);
void web_login_failed(struct web_sessions *ss, const char *addr);
void web_login_succeeded(struct web_sessions *ss, const char *addr);

/* The wait after count failures (exposed for tests). */
int web_login_delay(int count);

/* A random token: WEB_TOKEN_LEN hex characters and a NUL. */
void web_random_token(char out[WEB_TOKEN_LEN + 1]);

#endif
