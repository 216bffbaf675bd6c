#include "bulletins/push.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bulletins/fetch.h"
#include "core/log.h"
#include "core/loop.h"

#define RECONNECT_MS 2000	/* first wait, unless the server's retry: says otherwise */
#define RECONNECT_MIN_MS 1000	/* a retry: field is held between these */
#define RECONNECT_MAX_MS 60000	/* longest wait between attempts */

struct push {
	struct loop *loop;
	struct fetcher *fetcher;
	char *url;
	char *ca_file;
	push_wake_fn wake;
	void *arg;
	struct push_sse sse;
	uint64_t xfer;
	uint64_t timer;
	bool connected;		/* bytes arrived on the current connection */
	bool ever_connected;
	bool failing;		/* logged as unreachable; logged again when back */
	int failures;		/* attempts in a row that brought nothing */
};

/* --- the event stream ---------------------------------------------------- */

void
push_sse_init(struct push_sse *p)
{
	memset(p, 0, sizeof(*p));
}

static bool
field_is(const char *line, size_t len, const char *name, const char **value, size_t *vlen)
{
	size_t n = strlen(name);

	if (len < n || memcmp(line, name, n) != 0)
		return false;
	if (len == n) {
		*value = line + n;
		*vlen = 0;
		return true;
	}
	if (line[n] != ':')
		return false;
	*value = line + n + 1;
	*vlen = len - n - 1;
	if (*vlen > 0 && **value == ' ') {	/* one space after the colon is dropped */
		(*value)++;
		(*vlen)--;
	}
	return true;
}

/* One complete line; returns 1 when it dispatched an event. */
static int
sse_line(struct push_sse *p)
{
	const char *v;
	size_t vlen;
	const char *line = p->line;
	size_t len = p->len;

	p->len = 0;
	if (len == 0) {
		bool dispatch = p->has_data;
		p->has_data = false;
		return dispatch ? 1 : 0;
	}
	if (line[0] == ':')
		return 0;	/* a comment: nchan's keep-alive pings */
	if (field_is(line, len, "data", &v, &vlen)) {
		p->has_data = true;
	} else if (field_is(line, len, "id", &v, &vlen)) {
		/* An id with NUL, or longer than we echo, is ignored (as the spec
		 * ignores NUL): Last-Event-ID is only a hint for replay. */
		if (vlen < sizeof(p->last_id) && memchr(v, '\0', vlen) == NULL) {
			memcpy(p->last_id, v, vlen);
			p->last_id[vlen] = '\0';
		}
	} else if (field_is(line, len, "retry", &v, &vlen)) {
		long ms = 0;
		size_t i;
		for (i = 0; i < vlen && v[i] >= '0' && v[i] <= '9' && ms < 10000000; i++)
			ms = ms * 10 + (v[i] - '0');
		if (i == vlen && vlen > 0)
			p->retry_ms = ms;
	}
	return 0;	/* event, unknown fields: nothing to do */
}

int
push_sse_feed(struct push_sse *p, const char *data, size_t len)
{
	int events = 0;

	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (p->after_cr) {
			p->after_cr = false;
			if (c == '\n')
				continue;
		}
		if (c == '\r' || c == '\n') {
			p->after_cr = c == '\r';
			events += sse_line(p);
			continue;
		}
		if (p->len < sizeof(p->line))
			p->line[p->len++] = c;
		/* else: the rest of an over-long line is dropped; its field name
		 * (at its start) still counts, its value is never read */
	}
	return events;
}

/* --- the subscription ---------------------------------------------------- */

static void connect_now(void *arg);

static int64_t
reconnect_delay_ms(const struct push *p)
{
	int64_t ms = RECONNECT_MS;

	if (p->sse.retry_ms > 0)
		ms = p->sse.retry_ms < RECONNECT_MIN_MS ? RECONNECT_MIN_MS
		    : p->sse.retry_ms > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : p->sse.retry_ms;
	for (int i = 1; i < p->failures && ms < RECONNECT_MAX_MS; i++)
		ms *= 2;
	if (ms > RECONNECT_MAX_MS)
		ms = RECONNECT_MAX_MS;
	/* 0.5x to 1.5x: a province's stations cut off together (nchan
	 * restarted) come back spread out, not all in the same second. */
	return ms / 2 + (int64_t)randombytes_uniform((uint32_t)ms + 1);
}

static void
on_data(void *arg, const char *data, size_t len)
{
	struct push *p = arg;

	if (!p->connected) {
		p->connected = true;
		p->failures = 0;
		if (p->failing)
			log_notice("push channel %s connected again", p->url);
		else if (!p->ever_connected)
			log_info("push channel %s connected", p->url);
		bool gap = p->ever_connected;
		p->failing = false;
		p->ever_connected = true;
		/* Messages may have been missed while it was down: poll once. */
		if (gap)
			p->wake(p->arg);
	}
	int events = push_sse_feed(&p->sse, data, len);
	if (events > 0) {
		log_info("push channel %s: %d message%s; polling the feed now", p->url,
		    events, events == 1 ? "" : "s");
		p->wake(p->arg);
	}
}

static void
on_done(void *arg, const struct fetch_result *r)
{
	struct push *p = arg;

	p->xfer = 0;
	if (!p->connected) {
		p->failures++;
		if (!p->failing)
			log_warn("push channel %s unreachable: %s; retrying with back-off up "
			    "to %d s, the feed is polled as usual meanwhile", p->url,
			    r->ok ? "closed without a byte" : r->err, RECONNECT_MAX_MS / 1000);
		p->failing = true;
	} else {
		log_info("push channel %s closed (%s); reconnecting", p->url,
		    r->ok ? "by the server" : r->err);
	}
	p->connected = false;
	p->timer = loop_add_timer(p->loop, reconnect_delay_ms(p), connect_now, p);
}

static void
connect_now(void *arg)
{
	struct push *p = arg;
	char last_id[sizeof(p->sse.last_id) + 32];
	const char *headers[4] = { "Accept: text/event-stream", "Cache-Control: no-cache",
	    NULL, NULL };

	p->timer = 0;
	if (p->sse.last_id[0] != '\0') {
		snprintf(last_id, sizeof(last_id), "Last-Event-ID: %s", p->sse.last_id);
		headers[2] = last_id;
	}
	/* A new connection starts a new stream: a half line is not carried over. */
	char keep_id[sizeof(p->sse.last_id)];
	long keep_retry = p->sse.retry_ms;
	memcpy(keep_id, p->sse.last_id, sizeof(keep_id));
	push_sse_init(&p->sse);
	memcpy(p->sse.last_id, keep_id, sizeof(keep_id));
	p->sse.retry_ms = keep_retry;

	struct fetch_request req = { .url = p->url, .ca_file = p->ca_file,
	    .headers = headers, .on_data = on_data };
	p->xfer = fetch_start(p->fetcher, &req, on_done, p);
}

struct push *
push_create(struct loop *loop, struct fetcher *fetcher, const char *url,
    const char *ca_file, push_wake_fn wake, void *arg)
{
	struct push *p = xcalloc(1, sizeof(*p));

	p->loop = loop;
	p->fetcher = fetcher;
	p->url = xstrdup(url);
	p->ca_file = ca_file != NULL ? xstrdup(ca_file) : NULL;
	p->wake = wake;
	p->arg = arg;
	push_sse_init(&p->sse);
	p->timer = loop_add_timer(loop, 0, connect_now, p);
	return p;
}

void
push_destroy(struct push *p)
{
	if (p == NULL)
		return;
	if (p->timer != 0)
		loop_cancel_timer(p->loop, p->timer);
	if (p->xfer != 0)
		fetch_cancel(p->fetcher, p->xfer);
	free(p->url);
	free(p->ca_file);
	free(p);
}

bool
push_connected(const struct push *p)
{
	return p != NULL && p->connected;
}
