/*
 * fetch: asynchronous HTTP(S) and file:// GETs for the bulletins module,
 * with libcurl's multi interface driven by the event loop: curl's sockets
 * become loop fd handlers (CURLMOPT_SOCKETFUNCTION) and its timeout a loop
 * timer (CURLMOPT_TIMERFUNCTION). The loop never blocks on the network.
 *
 * Owns the transport rules: only the request's own scheme is enabled
 * (CURLOPT_PROTOCOLS_STR), certificates are always verified (against the
 * request's ca_file alone when it names one), redirects are
 * followed here (at most 3) and only to the feed's origin or one its
 * allow_origins lists (bulletins/policy.c decides), connect
 * timeout 10 s, total 60 s for documents, longer for audio with a
 * low-speed limit, a size cap enforced while receiving over every byte of
 * every answer (error pages, redirect bodies and headers count too),
 * conditional GETs (If-None-Match / If-Modified-Since). Content is not
 * trusted here: the caller verifies signatures and digests; Content-Type
 * is not checked.
 *
 * The interface is a request in and a result out (bytes or a file, the
 * HTTP status, a typed error code), so that the transfers can move to
 * another process without their callers changing.
 */
#ifndef LOAXA_FETCH_H
#define LOAXA_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct loop;
struct fetcher;
struct policy_origins;

/* Why a transfer did not deliver a body; callers decide on the code, never
 * on the text of err. */
enum fetch_error {
	FETCH_OK = 0,		/* 2xx, a file read, or 304 */
	FETCH_NOT_FOUND,	/* 404 or 410, or a file:// path that does not exist */
	FETCH_HTTP,		/* any other non-2xx answer: see status */
	FETCH_TOO_BIG,		/* more bytes than max_size, or an oversize error page */
	FETCH_TIMEOUT,		/* connect, total or low-speed limit reached */
	FETCH_NETWORK,		/* name lookup, connection, TLS, a truncated answer */
	FETCH_REFUSED,		/* a redirect that policy refuses, or too many; a bad scheme */
	FETCH_LOCAL,		/* this station's side: writing out_path, starting curl */
};

/* "oversize", "timeout"...: for logs and status lines. */
const char *fetch_error_name(enum fetch_error e);

struct fetch_request {
	const char *url;
	const char *etag, *last_modified;	/* validators of a previous copy, or NULL */
	long long max_size;			/* bytes; larger bodies fail */
	long long expect_size;			/* audio: its announced size (0: unknown), for the time limit */
	bool audio;				/* low-speed limit; timeout from max_size */
	const char *out_path;			/* write the body here; NULL: in memory */
	const char *ca_file;			/* PEM CAs trusted instead of the system store, or NULL */
	const struct policy_origins *origins;	/* where redirects may lead (copied);
						 * NULL: url's own origin only */
	const char *const *headers;		/* extra "Name: value" lines, NULL-ended, or NULL */
	/* A stream (a push channel): the body goes to on_data as it arrives,
	 * with arg, instead of memory or a file; no size cap or total timeout
	 * (TCP keep-alive finds a dead peer); done is called when it ends. */
	void (*on_data)(void *arg, const char *data, size_t len);
};

struct fetch_result {
	enum fetch_error error;
	bool ok;		/* error == FETCH_OK */
	bool not_modified;	/* 304: body empty, keep the old copy */
	long status;		/* HTTP status of the last answer, 0 for file:// or none */
	time_t date;		/* the last answer's Date header, 0 if none (not trusted) */
	char *body;		/* memory mode: NUL-terminated body */
	size_t len;
	long long size;		/* bytes of body received */
	char *etag, *last_modified;	/* of this response, or NULL */
	char *final_url;	/* after redirects: base for relative URIs */
	char sha256[65], sha1[41];	/* hex digests of the body */
	char err[256];		/* when !ok, for people: "HTTP 503", "timeout ...", ... */
};

/* r and its strings are freed after the callback returns. */
typedef void (*fetch_done_fn)(void *arg, const struct fetch_result *r);

/* The fetcher must be destroyed before the loop. */
struct fetcher *fetch_create(struct loop *loop, char *err, size_t errlen);
/* Cancels every transfer (no callbacks). */
void fetch_destroy(struct fetcher *f);

/* Starts a GET; done is called later from the loop, exactly once, unless
 * cancelled. Returns the transfer's id (> 0). */
uint64_t fetch_start(struct fetcher *f, const struct fetch_request *req,
    fetch_done_fn done, void *arg);
/* Abandons a transfer: no callback, a partial out_path is removed. */
void fetch_cancel(struct fetcher *f, uint64_t id);

#endif
