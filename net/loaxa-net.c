/*
 * loaxa-net: loaxad's network process. It runs the transfer engine
 * (bulletins/fetch: libcurl multi on its own event loop) for the parent,
 * which talks to it over the socketpair on fd 3 with net/netmsg frames:
 * FETCH in, RESULT (and DATA for a stream) out. It decides nothing about
 * what airs: the parent verifies every byte it hands over.
 *
 * It holds no sound card, state, log, socket or configuration: the parent
 * passes only what each transfer needs. Exits when the parent closes the
 * channel. Usage (by loaxad only): loaxa-net [-v]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulletins/fetch.h"
#include "bulletins/policy.h"
#include "core/log.h"
#include "core/loop.h"
#include "net/netmsg.h"
#include "net/sandbox.h"

#define CHANNEL_FD 3
#define MAX_TRANSFERS 256	/* a parent asking for more is broken */

struct xfer {
	struct net *net;
	uint64_t id;		/* the parent's */
	uint64_t fid;		/* the fetcher's */
	bool stream;
	struct xfer *next;
};

struct net {
	struct loop *loop;
	struct fetcher *fetcher;
	uint8_t *in;
	size_t inlen, incap;
	struct xfer *xfers;
	size_t nxfers;
};

/* The parent reads everything it is sent; blocking here is harmless. */
static void
send_frame(struct netmsg_out *o)
{
	netmsg_finish(o);
	for (size_t off = 0; off < o->len;) {
		ssize_t w = write(CHANNEL_FD, o->data + off, o->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = CHANNEL_FD, .events = POLLOUT };
			poll(&pfd, 1, -1);
			continue;
		}
		if (w <= 0)
			exit(0);	/* the parent is gone */
		off += (size_t)w;
	}
	netmsg_out_free(o);
}

static struct xfer *
xfer_take(struct net *n, uint64_t id)
{
	for (struct xfer **pp = &n->xfers; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct xfer *x = *pp;
			*pp = x->next;
			n->nxfers--;
			return x;
		}
	}
	return NULL;
}

static void
on_data(void *arg, const char *data, size_t len)
{
	struct xfer *x = arg;
	struct netmsg_out o;

	for (size_t off = 0; off < len; off += NETMSG_BODY_MAX) {
		size_t n = len - off < NETMSG_BODY_MAX ? len - off : NETMSG_BODY_MAX;
		netmsg_begin(&o, NETMSG_DATA, x->id);
		netmsg_add_bytes(&o, NT_BODY, data + off, n);
		send_frame(&o);
	}
}

static void
on_done(void *arg, const struct fetch_result *r)
{
	struct xfer *x = arg;
	struct net *n = x->net;
	struct netmsg_out o;

	xfer_take(n, x->id);
	netmsg_begin(&o, NETMSG_RESULT, x->id);
	netmsg_add_u64(&o, NT_ERROR, (uint64_t)r->error);
	netmsg_add_u64(&o, NT_DATE, (uint64_t)(r->date > 0 ? r->date : 0));
	netmsg_add_u64(&o, NT_STATUS, (uint64_t)(r->status > 0 ? r->status : 0));
	netmsg_add_u64(&o, NT_NOT_MODIFIED, r->not_modified);
	netmsg_add_u64(&o, NT_SIZE, (uint64_t)(r->size > 0 ? r->size : 0));
	netmsg_add_str(&o, NT_ETAG, r->etag);
	netmsg_add_str(&o, NT_LAST_MODIFIED, r->last_modified);
	netmsg_add_str(&o, NT_FINAL_URL, r->final_url);
	if (!r->ok)
		netmsg_add_str(&o, NT_ERR_TEXT, r->err);
	if (r->ok && r->body != NULL && r->len <= NETMSG_BODY_MAX)
		netmsg_add_bytes(&o, NT_BODY, r->body, r->len);
	send_frame(&o);
	free(x);
}

/* "a\nb\n..." into a NULL-ended array (the strings point into s). */
static const char **
split_lines(char *s, size_t *count)
{
	size_t n = 0;
	const char **v = xcalloc(1, sizeof(*v));

	for (char *save = NULL, *t = s ? strtok_r(s, "\n", &save) : NULL; t != NULL;
	    t = strtok_r(NULL, "\n", &save)) {
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = t;
		v[n] = NULL;
	}
	*count = n;
	return v;
}

static void
start_fetch(struct net *n, const struct netmsg *m)
{
	char *url = netmsg_strdup(m, NT_URL), *etag = netmsg_strdup(m, NT_ETAG);
	char *lm = netmsg_strdup(m, NT_LAST_MODIFIED), *out = netmsg_strdup(m, NT_OUT_PATH);
	char *ca = netmsg_strdup(m, NT_CA_FILE), *feed = netmsg_strdup(m, NT_FEED_URL);
	char *allowed = netmsg_strdup(m, NT_ALLOWED), *headers = netmsg_strdup(m, NT_HEADERS);
	uint64_t flags = m->f[NT_FLAGS].num;
	size_t nallowed, nheaders;
	const char **al = split_lines(allowed, &nallowed);
	const char **hd = split_lines(headers, &nheaders);
	struct policy_origins origins = { .feed_url = feed, .allowed = al, .nallowed = nallowed };
	struct xfer *x = xcalloc(1, sizeof(*x));

	if (url == NULL || n->nxfers >= MAX_TRANSFERS)
		fatal("loaxa-net: a FETCH without a URL or beyond %d transfers", MAX_TRANSFERS);
	x->net = n;
	x->id = m->id;
	x->stream = flags & NETMSG_F_STREAM;
	x->next = n->xfers;
	n->xfers = x;
	n->nxfers++;
	struct fetch_request req = { .url = url, .etag = etag, .last_modified = lm,
	    .max_size = (long long)m->f[NT_MAX_SIZE].num, .audio = flags & NETMSG_F_AUDIO,
	    .out_path = out, .ca_file = ca, .origins = feed != NULL ? &origins : NULL,
	    .headers = nheaders > 0 ? hd : NULL, .on_data = x->stream ? on_data : NULL };
	x->fid = fetch_start(n->fetcher, &req, on_done, x);
	free(url);
	free(etag);
	free(lm);
	free(out);
	free(ca);
	free(feed);
	free(allowed);
	free(headers);
	free(al);
	free(hd);
}

static void
handle(struct net *n, const struct netmsg *m)
{
	switch (m->type) {
	case NETMSG_FETCH:
		start_fetch(n, m);
		break;
	case NETMSG_CANCEL: {
		struct xfer *x = xfer_take(n, m->id);
		if (x != NULL) {
			fetch_cancel(n->fetcher, x->fid);
			free(x);
		}
		break;
	}
	default:
		fatal("loaxa-net: message type %d is not for me", (int)m->type);
	}
}

static void
on_channel(int fd, short revents, void *arg)
{
	struct net *n = arg;
	char err[256];

	(void)revents;
	size_t want = 65536;
	if (n->inlen >= 4) {
		size_t fl = ((size_t)n->in[0] << 24 | (size_t)n->in[1] << 16 |
		    (size_t)n->in[2] << 8 | n->in[3]) + 4;
		if (fl > want && fl <= NETMSG_MAX)
			want = fl;
	}
	if (n->incap < n->inlen + want) {
		n->incap = n->inlen + want;
		n->in = xrealloc(n->in, n->incap);
	}
	ssize_t r = read(fd, n->in + n->inlen, n->incap - n->inlen);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		loop_quit(n->loop);	/* the parent closed the channel */
		return;
	}
	n->inlen += (size_t)r;
	size_t off = 0;
	for (;;) {
		struct netmsg m;
		long used = netmsg_decode(n->in + off, n->inlen - off, &m, err, sizeof(err));
		if (used < 0)
			fatal("loaxa-net: bad message from loaxad: %s", err);
		if (used == 0)
			break;
		handle(n, &m);
		off += (size_t)used;
	}
	memmove(n->in, n->in + off, n->inlen - off);
	n->inlen -= off;
}

int
main(int argc, char **argv)
{
	struct net n = { 0 };
	char err[256];

	log_init("loaxa-net", true, argc > 1 && strcmp(argv[1], "-v") == 0 ? LOGL_DEBUG
	    : LOGL_INFO);
	signal(SIGPIPE, SIG_IGN);
	if (fcntl(CHANNEL_FD, F_GETFD) < 0)
		fatal("loaxa-net: no channel on fd %d: run by loaxad only", CHANNEL_FD);
	fcntl(CHANNEL_FD, F_SETFL, fcntl(CHANNEL_FD, F_GETFL) | O_NONBLOCK);
	n.loop = loop_create();
	n.fetcher = fetch_create(n.loop, err, sizeof(err));
	if (n.fetcher == NULL)
		fatal("loaxa-net: %s", err);
	if (sandbox_enter(err, sizeof(err)) != 0)
		fatal("loaxa-net: cannot confine itself (%s); not running unconfined", err);
	loop_add_fd(n.loop, CHANNEL_FD, POLLIN, on_channel, &n);
	loop_run(n.loop);
	fetch_destroy(n.fetcher);
	loop_destroy(n.loop);
	free(n.in);
	return 0;
}
