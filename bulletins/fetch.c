#include "bulletins/fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bulletins/policy.h"
#include "core/curl_loop.h"
#include "core/log.h"
#include "core/loop.h"

#define MAX_REDIRECTS 3
#define CONNECT_TIMEOUT_S 10
#define DOC_TIMEOUT_S 60
#define AUDIO_TIMEOUT_MIN_S 120		/* audio: this plus its size at ... */
#define AUDIO_FAIR_BPS (16 * 1024)	/* ... this rate, ... */
#define AUDIO_TIMEOUT_MAX_S 1800	/* ... at most this */
#define AUDIO_LOW_SPEED_BPS 1024	/* slower than this ... */
#define AUDIO_LOW_SPEED_S 60		/* ... for this long aborts */
#define STREAM_KEEPIDLE_S 60		/* a silent push channel is probed after this, */
#define STREAM_KEEPINTVL_S 20		/* then this often */
#define ERROR_BODY_MAX (64 * 1024)	/* an error page or redirect body is never longer */
#define HEADERS_MAX (64 * 1024)		/* the headers of one answer */

struct transfer {
	struct fetcher *f;
	uint64_t id;
	CURL *easy;
	struct curl_slist *headers;
	char *url;		/* current URL (changes on redirect) */
	char *origin;		/* the request's URL: its scheme is the one enabled */
	char *feed_url;		/* redirects keep this URL's origin ... */
	char **allowed;		/* ... or go to one of these (allow_origins) */
	size_t nallowed;
	long long max_size;
	char *out_path;
	int out_fd;
	int redirects;
	void (*on_data)(void *arg, const char *data, size_t len);
	long long wire;		/* bytes of every answer so far: bodies, error pages, headers */
	long long header_bytes;	/* of the answer now arriving */
	long long error_bytes;	/* body bytes of non-2xx answers */
	bool error_page_cut;	/* an error page longer than ERROR_BODY_MAX: not read on */
	bool too_big;
	long long announced;		/* the response's Content-Length, -1 if none */
	bool write_failed;
	uint64_t fail_timer;	/* set when failing before curl saw it */
	struct fetch_result res;
	size_t cap;
	struct policy_digest digest;
	char errbuf[CURL_ERROR_SIZE];
	fetch_done_fn done;
	void *arg;
	struct transfer *next;
};

struct fetcher {
	struct loop *loop;
	struct curl_loop *cl;
	uint64_t next_id;
	struct transfer *transfers;
};

static void on_done(void *arg, CURL *easy, CURLcode rc);

const char *
fetch_error_name(enum fetch_error e)
{
	switch (e) {
	case FETCH_OK: return "ok";
	case FETCH_NOT_FOUND: return "not found";
	case FETCH_HTTP: return "HTTP error";
	case FETCH_TOO_BIG: return "oversize";
	case FETCH_TIMEOUT: return "timeout";
	case FETCH_NETWORK: return "network error";
	case FETCH_REFUSED: return "refused";
	case FETCH_LOCAL: return "local error";
	}
	return "error";
}

/* --- body and headers ------------------------------------------------ */

static bool
response_is_body(struct transfer *t)
{
	long code = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	return code == 0 || (code >= 200 && code < 300);
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * nmemb;

	if (t->on_data != NULL && response_is_body(t)) {
		/* A stream (a push channel): no size, its reader bounds lines. */
		t->res.size += (long long)n;
		t->on_data(t->arg, data, n);
		return n;
	}
	/* Every byte counts, kept or not: an endless error page must not be
	 * read for as long as the server cares to send it. */
	t->wire += (long long)n;
	if (t->wire > t->max_size + ERROR_BODY_MAX + HEADERS_MAX ||
	    t->res.size + (long long)n > t->max_size) {
		t->too_big = true;
		return 0;	/* aborts the transfer */
	}
	if (!response_is_body(t)) {
		t->error_bytes += (long long)n;
		if (t->error_bytes > ERROR_BODY_MAX) {
			t->error_page_cut = true;
			return 0;
		}
		return n;	/* error pages and redirect bodies are dropped */
	}
	t->res.size += (long long)n;
	policy_digest_update(&t->digest, data, n);
	if (t->out_fd >= 0) {
		for (size_t off = 0; off < n;) {
			ssize_t w = write(t->out_fd, data + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				t->write_failed = true;
				snprintf(t->res.err, sizeof(t->res.err), "%s: %s",
				    t->out_path, strerror(errno));
				return 0;
			}
			off += (size_t)w;
		}
		return n;
	}
	if (t->res.len + n + 1 > t->cap) {
		t->cap = (t->res.len + n + 1) * 2;
		t->res.body = xrealloc(t->res.body, t->cap);
	}
	memcpy(t->res.body + t->res.len, data, n);
	t->res.len += n;
	t->res.body[t->res.len] = '\0';
	return n;
}

static char *
header_value(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name);

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return NULL;
	const char *v = line + nl + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return end > v ? strndup(v, (size_t)(end - v)) : NULL;
}

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct transfer *t = userp;
	size_t n = size * nmemb;
	char *v;

	t->wire += (long long)n;
	t->header_bytes += (long long)n;
	if (t->header_bytes > HEADERS_MAX ||
	    t->wire > t->max_size + ERROR_BODY_MAX + HEADERS_MAX) {
		t->too_big = true;
		return 0;
	}
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100): forget the old one's. */
		free(t->res.etag);
		free(t->res.last_modified);
		t->res.etag = t->res.last_modified = NULL;
		t->announced = -1;
		t->res.date = 0;
		t->header_bytes = (long long)n;
	} else if ((v = header_value(data, n, "Content-Length")) != NULL) {
		/* Kept to say both sizes when it is too large. */
		char *end;
		long long len = strtoll(v, &end, 10);
		t->announced = *end == '\0' && len >= 0 ? len : -1;
		free(v);
	} else if ((v = header_value(data, n, "Date")) != NULL) {
		time_t d = curl_getdate(v, NULL);
		t->res.date = d > 0 ? d : 0;
		free(v);
	} else if ((v = header_value(data, n, "ETag")) != NULL) {
		free(t->res.etag);
		t->res.etag = v;
	} else if ((v = header_value(data, n, "Last-Modified")) != NULL) {
		free(t->res.last_modified);
		t->res.last_modified = v;
	}
	return n;
}

/* --- transfers ------------------------------------------------------- */

static char *
scheme_of(const char *url)
{
	const char *c = strstr(url, "://");

	return c != NULL ? strndup(url, (size_t)(c - url)) : xstrdup("");
}

/* Audio gets time in proportion to its size, so one slow download cannot
 * hold its place for half an hour when it is small. */
static long
audio_timeout_s(long long size)
{
	long long s = AUDIO_TIMEOUT_MIN_S + size / AUDIO_FAIR_BPS;

	return s > AUDIO_TIMEOUT_MAX_S ? AUDIO_TIMEOUT_MAX_S : (long)s;
}

static int
setup_easy(struct transfer *t, const struct fetch_request *req)
{
	char *scheme = scheme_of(t->origin);
	int r = -1;

	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0 &&
	    strcmp(scheme, "file") != 0) {
		t->res.error = FETCH_REFUSED;
		snprintf(t->res.err, sizeof(t->res.err), "refused URL scheme in %s", t->origin);
		goto out;
	}
	t->easy = curl_easy_init();
	if (t->easy == NULL) {
		t->res.error = FETCH_LOCAL;
		snprintf(t->res.err, sizeof(t->res.err), "curl_easy_init failed");
		goto out;
	}
	CURL *e = t->easy;
	curl_easy_setopt(e, CURLOPT_URL, t->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, scheme);
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, scheme);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);	/* followed in finish() */
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file != NULL) {
		/* Only the province's CAs: libcurl would also read its built-in
		 * CA folder (/etc/ssl/certs on Debian) unless told not to. */
		curl_easy_setopt(e, CURLOPT_CAINFO, req->ca_file);
		curl_easy_setopt(e, CURLOPT_CAPATH, (char *)NULL);
	}
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
	if (req->on_data != NULL) {
		/* Open for as long as the server keeps it; keep-alive probes
		 * notice a peer that vanished (a NAT that forgot us). */
		curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
		curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, (long)STREAM_KEEPIDLE_S);
		curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, (long)STREAM_KEEPINTVL_S);
	} else {
		/* Time in proportion to what is announced (CAP's <size>,
		 * approximate: twice it), so a small bulletin's download
		 * cannot hold its place for half an hour; the byte limit
		 * stays max_size. */
		curl_easy_setopt(e, CURLOPT_TIMEOUT, !req->audio ? (long)DOC_TIMEOUT_S :
		    audio_timeout_s(req->expect_size > 0 ? 2 * req->expect_size : t->max_size));
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->max_size);
	}
	if (req->audio) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)AUDIO_LOW_SPEED_BPS);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)AUDIO_LOW_SPEED_S);
	}
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "loaxad");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	if (req->etag != NULL) {
		char *h = xasprintf("If-None-Match: %s", req->etag);
		t->headers = curl_slist_append(t->headers, h);
		free(h);
	}
	if (req->last_modified != NULL) {
		char *h = xasprintf("If-Modified-Since: %s", req->last_modified);
		t->headers = curl_slist_append(t->headers, h);
		free(h);
	}
	for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		t->headers = curl_slist_append(t->headers, req->headers[i]);
	if (t->headers != NULL)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	r = 0;
out:
	free(scheme);
	return r;
}

static void
transfer_free(struct transfer *t)
{
	if (t->easy != NULL) {
		curl_loop_remove(t->f->cl, t->easy);
		curl_easy_cleanup(t->easy);
	}
	if (t->fail_timer != 0)
		loop_cancel_timer(t->f->loop, t->fail_timer);
	curl_slist_free_all(t->headers);
	if (t->out_fd >= 0)
		close(t->out_fd);
	free(t->url);
	free(t->origin);
	free(t->feed_url);
	for (size_t i = 0; i < t->nallowed; i++)
		free(t->allowed[i]);
	free(t->allowed);
	free(t->out_path);
	free(t->res.body);
	free(t->res.etag);
	free(t->res.last_modified);
	free(t->res.final_url);
	free(t);
}

static void
unlink_transfer(struct transfer *t)
{
	for (struct transfer **pp = &t->f->transfers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			return;
		}
	}
}

static void
deliver(struct transfer *t)
{
	if (!t->res.ok && t->out_path != NULL)
		unlink(t->out_path);
	if (t->res.ok && t->out_fd >= 0 && fsync(t->out_fd) != 0) {
		t->res.ok = false;
		t->res.error = FETCH_LOCAL;
		snprintf(t->res.err, sizeof(t->res.err), "%s: fsync: %s", t->out_path,
		    strerror(errno));
		unlink(t->out_path);
	}
	policy_digest_final(&t->digest, t->res.sha256, t->res.sha1);
	if (t->res.final_url == NULL)
		t->res.final_url = xstrdup(t->url);
	unlink_transfer(t);
	t->done(t->arg, &t->res);
	transfer_free(t);
}

/* Restarts t on a redirect target that policy lets the feed follow. */
static bool
follow_redirect(struct transfer *t, char *reason, size_t reasonlen)
{
	char *target = NULL, *resolved = NULL;
	struct policy_origins origins = { .feed_url = t->feed_url,
	    .allowed = (const char *const *)t->allowed, .nallowed = t->nallowed };

	curl_easy_getinfo(t->easy, CURLINFO_REDIRECT_URL, &target);
	if (target == NULL) {
		snprintf(reason, reasonlen, "redirect without a Location");
		return false;
	}
	if (++t->redirects > MAX_REDIRECTS) {
		snprintf(reason, reasonlen, "more than %d redirects", MAX_REDIRECTS);
		return false;
	}
	/* A relative Location is relative to the URL that answered it. */
	if (policy_resolve_uri(t->url, target, &origins, &resolved, reason,
	    reasonlen) != 0)
		return false;
	free(t->url);
	t->url = resolved;
	t->res.size = 0;
	t->res.len = 0;
	policy_digest_init(&t->digest);
	if (t->out_fd >= 0 && (ftruncate(t->out_fd, 0) != 0 ||
	    lseek(t->out_fd, 0, SEEK_SET) != 0)) {
		snprintf(reason, reasonlen, "%s: %s", t->out_path, strerror(errno));
		return false;
	}
	curl_easy_setopt(t->easy, CURLOPT_URL, t->url);
	/* An allowed origin may use the other of http/https (never file:,
	 * never http under an https feed: policy refused those). */
	char *scheme = scheme_of(t->url);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, scheme);
	curl_easy_setopt(t->easy, CURLOPT_REDIR_PROTOCOLS_STR, scheme);
	free(scheme);
	if (curl_loop_add(t->f->cl, t->easy, on_done, t) != 0) {
		snprintf(reason, reasonlen, "cannot restart the transfer");
		return false;
	}
	return true;
}

static enum fetch_error
error_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return FETCH_TIMEOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return FETCH_TOO_BIG;
	case CURLE_FILE_COULDNT_READ_FILE:
		return FETCH_NOT_FOUND;
	case CURLE_UNSUPPORTED_PROTOCOL:
		return FETCH_REFUSED;
	case CURLE_OUT_OF_MEMORY:
		return FETCH_LOCAL;
	default:
		return FETCH_NETWORK;
	}
}

static void
finish(struct transfer *t, CURLcode rc)
{
	long code = 0;
	struct fetch_result *r = &t->res;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	r->status = code;
	if (t->error_page_cut) {
		/* The answer was an error all along: say which, not "too large". */
		r->error = code == 404 || code == 410 ? FETCH_NOT_FOUND : FETCH_HTTP;
		snprintf(r->err, sizeof(r->err), "HTTP %ld (its error page cut off after %d bytes)",
		    code, ERROR_BODY_MAX);
	} else if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		r->error = FETCH_TOO_BIG;
		/* Both sizes: the server's when it said one, else "more than". */
		if (t->announced > t->max_size)
			snprintf(r->err, sizeof(r->err), "too large: %lld bytes, limit %lld",
			    t->announced, t->max_size);
		else
			snprintf(r->err, sizeof(r->err), "too large: more than %lld bytes, limit %lld",
			    t->max_size, t->max_size);
	} else if (t->write_failed) {
		r->error = FETCH_LOCAL;	/* err already set */
	} else if (rc != CURLE_OK) {
		r->error = error_of(rc);
		snprintf(r->err, sizeof(r->err), "%s", t->errbuf[0] ? t->errbuf
		    : curl_easy_strerror(rc));
	} else if (code >= 300 && code < 400 && code != 304) {
		char reason[sizeof(r->err)];
		if (follow_redirect(t, reason, sizeof(reason)))
			return;
		r->error = FETCH_REFUSED;
		snprintf(r->err, sizeof(r->err), "%s", reason);
	} else if (code == 304) {
		r->ok = r->not_modified = true;
	} else if (code == 0 || (code >= 200 && code < 300)) {
		r->ok = true;
	} else {
		r->error = code == 404 || code == 410 ? FETCH_NOT_FOUND : FETCH_HTTP;
		snprintf(r->err, sizeof(r->err), "HTTP %ld", code);
	}
	deliver(t);
}

static void
on_done(void *arg, CURL *easy, CURLcode rc)
{
	(void)easy;
	finish(arg, rc);
}

static void
on_fail_timer(void *arg)
{
	struct transfer *t = arg;

	t->fail_timer = 0;
	deliver(t);
}

static void
copy_origins(struct transfer *t, const struct fetch_request *req)
{
	const struct policy_origins *o = req->origins;

	t->feed_url = xstrdup(o != NULL && o->feed_url != NULL ? o->feed_url : req->url);
	if (o == NULL || o->nallowed == 0)
		return;
	t->allowed = xcalloc(o->nallowed, sizeof(*t->allowed));
	for (; t->nallowed < o->nallowed; t->nallowed++)
		t->allowed[t->nallowed] = xstrdup(o->allowed[t->nallowed]);
}

uint64_t
fetch_start(struct fetcher *f, const struct fetch_request *req,
    fetch_done_fn done, void *arg)
{
	struct transfer *t = xcalloc(1, sizeof(*t));

	t->f = f;
	t->id = ++f->next_id;
	t->url = xstrdup(req->url);
	t->origin = xstrdup(req->url);
	copy_origins(t, req);
	t->max_size = req->max_size > 0 ? req->max_size : POLICY_DOC_MAX;
	t->announced = -1;
	t->out_fd = -1;
	t->done = done;
	t->arg = arg;
	t->on_data = req->on_data;
	policy_digest_init(&t->digest);
	t->next = f->transfers;
	f->transfers = t;
	if (req->out_path != NULL) {
		t->out_path = xstrdup(req->out_path);
		t->out_fd = open(req->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (t->out_fd < 0) {
			t->res.error = FETCH_LOCAL;
			snprintf(t->res.err, sizeof(t->res.err), "%s: %s", req->out_path,
			    strerror(errno));
			goto fail;
		}
	}
	if (setup_easy(t, req) != 0)
		goto fail;
	if (curl_loop_add(f->cl, t->easy, on_done, t) != 0) {
		t->res.error = FETCH_LOCAL;
		snprintf(t->res.err, sizeof(t->res.err), "cannot start the transfer");
		goto fail;
	}
	return t->id;
fail:
	/* Delivered from the loop all the same: callers see one code path. */
	t->fail_timer = loop_add_timer(f->loop, 0, on_fail_timer, t);
	return t->id;
}

void
fetch_cancel(struct fetcher *f, uint64_t id)
{
	for (struct transfer *t = f->transfers; t != NULL; t = t->next) {
		if (t->id != id)
			continue;
		unlink_transfer(t);
		if (t->out_path != NULL)
			unlink(t->out_path);
		transfer_free(t);
		return;
	}
}

struct fetcher *
fetch_create(struct loop *loop, char *err, size_t errlen)
{
	struct curl_loop *cl = curl_loop_create(loop, err, errlen);

	if (cl == NULL)
		return NULL;
	struct fetcher *f = xcalloc(1, sizeof(*f));
	f->loop = loop;
	f->cl = cl;
	return f;
}

void
fetch_destroy(struct fetcher *f)
{
	if (f == NULL)
		return;
	while (f->transfers != NULL)
		fetch_cancel(f, f->transfers->id);
	curl_loop_destroy(f->cl);
	free(f);
}
