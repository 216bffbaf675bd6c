/*
 * push: a feed's push channel (feeds[].push), a server-sent events
 * (EventSource) subscription kept open to the province's nchan. Owns the
 * connection, the event-stream framing, Last-Event-ID, and reconnecting with
 * back-off and jitter. Every event wakes the feed to poll at once; nothing in
 * an event is read beyond its framing, so it carries no authority: all that
 * airs is still verified from the signed feed, and a forged or replayed push
 * can at most cause an extra poll. The feed's regular poll keeps running
 * beside it (the safety net when the push is down or silent).
 */
#ifndef LOAXA_PUSH_H
#define LOAXA_PUSH_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct fetcher;
struct push;

#define PUSH_LINE_MAX 1024	/* longer lines are cut here (their value is not read) */
#define PUSH_ID_MAX 256		/* longer event ids are not echoed back */

/* The event-stream parser (HTML's EventSource rules), apart for tests. */
struct push_sse {
	char line[PUSH_LINE_MAX];
	size_t len;		/* bytes kept of the current line */
	bool after_cr;		/* a CR ended the last line: skip a following LF */
	bool has_data;		/* a data field since the last dispatch */
	char last_id[PUSH_ID_MAX];	/* the last complete id field */
	long retry_ms;		/* the last retry field, 0 if none */
};
void push_sse_init(struct push_sse *p);
/* Feeds bytes; returns how many events were dispatched (blank line after
 * at least one data field). */
int push_sse_feed(struct push_sse *p, const char *data, size_t len);

/* A message arrived, or the channel came back after a gap. */
typedef void (*push_wake_fn)(void *arg);

/* Subscribes to url (http or https; ca_file as for the feed's transfers).
 * Never fails: a channel that cannot be reached is retried with back-off. */
struct push *push_create(struct loop *loop, struct fetcher *fetcher, const char *url,
    const char *ca_file, push_wake_fn wake, void *arg);
void push_destroy(struct push *p);
/* For status: connected now? */
bool push_connected(const struct push *p);

#endif
