/*
 * netproc: loaxad's side of the network process. Implements the fetcher of
 * bulletins/fetch.h, so the bulletins code is unchanged, by starting
 * loaxa-net (beside loaxad, or $LOAXA_NET), sending it each request over a
 * socketpair (net/netmsg frames) and turning its answers back into
 * fetch_results. Owns the child: restarted with back-off (1 s doubling to
 * 60 s) when it dies, one log line per crash; transfers in flight then fail
 * as network errors and their callers retry as they would any other.
 *
 * Nothing the child says is trusted: every frame is validated (netmsg), an
 * answer must match a transfer in flight and its kind, bodies are held to
 * the request's limit, and the digests are computed here, from the bytes or
 * the downloaded file, never taken from the child. The channel is
 * non-blocking both ways: the loop never waits for the child.
 */
#include "bulletins/fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bulletins/policy.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "net/netmsg.h"

extern char **environ;

#define CHILD_FD 3
#define RESTART_MIN_MS 1000
#define RESTART_MAX_MS 60000
#define STABLE_MS 60000		/* up this long: the next crash starts the back-off over */

struct ptransfer {
	struct fetcher *f;
	uint64_t id;
	char *url, *out_path;
	long long max_size;
	void (*on_data)(void *arg, const char *data, size_t len);
	fetch_done_fn done;
	void *arg;
	uint64_t fail_timer;	/* failing without the child */
	char fail_err[128];
	enum fetch_error fail_error;
	struct ptransfer *next;
};

struct outbuf {
	struct netmsg_out m;
	size_t off;
	struct outbuf *next;
};

struct fetcher {
	struct loop *loop;
	char *prog;
	pid_t pid;
	int fd;			/* -1 while the child is down */
	uint8_t *in;
	size_t inlen, incap;
	struct outbuf *out, *out_tail;
	uint64_t next_id;
	struct ptransfer *transfers;
	int crashes;
	int64_t started_ms;
	uint64_t restart_timer;
};

static void child_down(struct fetcher *f, const char *why);

/* --- transfers --------------------------------------------------------- */

static struct ptransfer *
find(struct fetcher *f, uint64_t id)
{
	for (struct ptransfer *t = f->transfers; t != NULL; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static void
unlink_transfer(struct ptransfer *t)
{
	for (struct ptransfer **pp = &t->f->transfers; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			return;
		}
	}
}

static void
transfer_free(struct ptransfer *t)
{
	if (t->fail_timer != 0)
		loop_cancel_timer(t->f->loop, t->fail_timer);
	free(t->url);
	free(t->out_path);
	free(t);
}

static void
deliver(struct ptransfer *t, struct fetch_result *r)
{
	if (r->final_url == NULL)
		r->final_url = xstrdup(t->url);
	if (!r->ok && t->out_path != NULL)
		unlink(t->out_path);
	unlink_transfer(t);
	t->done(t->arg, r);
	free(r->body);
	free(r->etag);
	free(r->last_modified);
	free(r->final_url);
	transfer_free(t);
}

static void
fail(struct ptransfer *t, enum fetch_error e, const char *why)
{
	struct fetch_result r = { .ok = false, .error = e };

	snprintf(r.err, sizeof(r.err), "%s", why);
	deliver(t, &r);
}

static void
on_fail_timer(void *arg)
{
	struct ptransfer *t = arg;

	t->fail_timer = 0;
	fail(t, t->fail_error, t->fail_err);
}

/* --- the channel ------------------------------------------------------- */

static void
flush_out(struct fetcher *f)
{
	while (f->out != NULL && f->fd >= 0) {
		struct outbuf *o = f->out;
		ssize_t w = write(f->fd, o->m.data + o->off, o->m.len - o->off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			loop_modify_fd(f->loop, f->fd, POLLIN | POLLOUT);
			return;
		}
		if (w < 0) {
			child_down(f, strerror(errno));
			return;
		}
		o->off += (size_t)w;
		if (o->off < o->m.len)
			continue;
		f->out = o->next;
		if (f->out == NULL)
			f->out_tail = NULL;
		netmsg_out_free(&o->m);
		free(o);
	}
	if (f->fd >= 0)
		loop_modify_fd(f->loop, f->fd, POLLIN);
}

static void
queue_frame(struct fetcher *f, struct netmsg_out *m)
{
	struct outbuf *o = xcalloc(1, sizeof(*o));

	netmsg_finish(m);
	o->m = *m;
	if (f->out_tail != NULL)
		f->out_tail->next = o;
	else
		f->out = o;
	f->out_tail = o;
	flush_out(f);
}

/* The downloaded file, as this process sees it: a regular file no larger
 * than asked, and its digests. -1 with err otherwise. */
static int
check_file(const struct ptransfer *t, struct fetch_result *r)
{
	int fd = open(t->out_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	struct policy_digest d;
	char buf[65536];
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r->error = FETCH_LOCAL;
		snprintf(r->err, sizeof(r->err), "%s: not a downloaded file", t->out_path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size > t->max_size) {
		r->error = FETCH_TOO_BIG;
		snprintf(r->err, sizeof(r->err), "too large: %lld bytes, limit %lld",
		    (long long)st.st_size, t->max_size);
		close(fd);
		return -1;
	}
	policy_digest_init(&d);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		policy_digest_update(&d, buf, (size_t)n);
	close(fd);
	policy_digest_final(&d, r->sha256, r->sha1);
	r->size = st.st_size;
	return n < 0 ? -1 : 0;
}

/* A RESULT, checked against what was asked. -1: the child lied about the
 * form (a protocol error); a body that is merely too big is a failed fetch. */
static int
on_result(struct fetcher *f, const struct netmsg *m, char *err, size_t errlen)
{
	struct ptransfer *t = find(f, m->id);
	struct fetch_result r = { 0 };
	const struct netmsg_field *body = &m->f[NT_BODY];

	if (t == NULL || t->fail_timer != 0) {
		snprintf(err, errlen, "an answer to transfer %llu, which is not in flight",
		    (unsigned long long)m->id);
		return -1;
	}
	if (!m->f[NT_ERROR].present || m->f[NT_ERROR].num > FETCH_LOCAL || m->f[NT_STATUS].num > 999 ||
	    m->f[NT_NOT_MODIFIED].num > 1 || (body->present && t->out_path != NULL)) {
		snprintf(err, errlen, "a malformed answer to transfer %llu",
		    (unsigned long long)m->id);
		return -1;
	}
	r.error = (enum fetch_error)m->f[NT_ERROR].num;
	r.ok = r.error == FETCH_OK;
	r.status = (long)m->f[NT_STATUS].num;
	/* Not trusted by anyone (fetch.h): kept within time_t all the same. */
	r.date = m->f[NT_DATE].num <= (uint64_t)INT32_MAX * 64 ? (time_t)m->f[NT_DATE].num : 0;
	r.not_modified = r.ok && m->f[NT_NOT_MODIFIED].num == 1;
	r.etag = netmsg_strdup(m, NT_ETAG);
	r.last_modified = netmsg_strdup(m, NT_LAST_MODIFIED);
	r.final_url = netmsg_strdup(m, NT_FINAL_URL);
	if (!r.ok) {
		char *e = netmsg_strdup(m, NT_ERR_TEXT);
		snprintf(r.err, sizeof(r.err), "%s", e != NULL ? e : "failed");
		free(e);
	} else if (r.not_modified || t->on_data != NULL) {
		/* nothing more */
	} else if (t->out_path != NULL) {
		if (check_file(t, &r) != 0) {
			r.ok = false;
			if (r.error == FETCH_OK)
				r.error = FETCH_LOCAL;
		}
	} else if ((long long)body->len > t->max_size) {
		r.ok = false;
		r.error = FETCH_TOO_BIG;
		snprintf(r.err, sizeof(r.err), "too large: %u bytes, limit %lld", body->len,
		    t->max_size);
	} else {
		struct policy_digest d;
		r.body = xmalloc((size_t)body->len + 1);
		if (body->len > 0)
			memcpy(r.body, body->data, body->len);
		r.body[body->len] = '\0';
		r.len = body->len;
		r.size = body->len;
		policy_digest_init(&d);
		policy_digest_update(&d, r.body, r.len);
		policy_digest_final(&d, r.sha256, r.sha1);
	}
	deliver(t, &r);
	return 0;
}

static int
on_frame(struct fetcher *f, const struct netmsg *m, char *err, size_t errlen)
{
	struct ptransfer *t;

	switch (m->type) {
	case NETMSG_RESULT:
		return on_result(f, m, err, errlen);
	case NETMSG_DATA:
		t = find(f, m->id);
		if (t == NULL || t->on_data == NULL || t->fail_timer != 0) {
			snprintf(err, errlen, "stream bytes for transfer %llu, which is no stream "
			    "in flight", (unsigned long long)m->id);
			return -1;
		}
		if (m->f[NT_BODY].present)
			t->on_data(t->arg, (const char *)m->f[NT_BODY].data, m->f[NT_BODY].len);
		return 0;
	default:
		snprintf(err, errlen, "message type %d is not for loaxad", (int)m->type);
		return -1;
	}
}

static void
on_channel(int fd, short revents, void *arg)
{
	struct fetcher *f = arg;
	char err[256];

	if (revents & POLLOUT)
		flush_out(f);
	if (f->fd < 0 || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	/* Room for the frame now arriving (its length is validated first). */
	size_t want = 65536;
	if (f->inlen >= 4) {
		size_t fl = ((size_t)f->in[0] << 24 | (size_t)f->in[1] << 16 |
		    (size_t)f->in[2] << 8 | f->in[3]) + 4;
		if (fl > NETMSG_MAX) {
			child_down(f, "sent a bad message (frame length out of range)");
			return;
		}
		if (fl > want)
			want = fl;
	}
	if (f->incap < f->inlen + want) {
		f->incap = f->inlen + want;
		f->in = xrealloc(f->in, f->incap);
	}
	ssize_t r = read(fd, f->in + f->inlen, f->incap - f->inlen);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		child_down(f, r == 0 ? "closed its channel" : strerror(errno));
		return;
	}
	f->inlen += (size_t)r;
	size_t off = 0;
	while (f->fd >= 0) {
		struct netmsg m;
		long used = netmsg_decode(f->in + off, f->inlen - off, &m, err, sizeof(err));
		if (used == 0)
			break;
		if (used < 0 || on_frame(f, &m, err, sizeof(err)) != 0) {
			char why[300];
			snprintf(why, sizeof(why), "sent a bad message (%s)", err);
			child_down(f, why);
			return;
		}
		off += (size_t)used;
	}
	if (f->fd < 0)
		return;
	memmove(f->in, f->in + off, f->inlen - off);
	f->inlen -= off;
	if (f->inlen == 0 && f->incap > 65536) {	/* a big body passed: give it back */
		free(f->in);
		f->in = NULL;
		f->incap = 0;
	}
}

/* --- the child --------------------------------------------------------- */

static void start_child(void *arg);

static char *
default_prog(void)
{
	const char *env = getenv("LOAXA_NET");
	char self[PATH_MAX];
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return xstrdup("loaxa-net");
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	return xasprintf("%s/loaxa-net", self);
}

static void
child_down(struct fetcher *f, const char *why)
{
	int st = 0;
	char how[64] = "";

	if (f->fd >= 0) {
		loop_remove_fd(f->loop, f->fd);
		close(f->fd);
		f->fd = -1;
	}
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		if (waitpid(f->pid, &st, 0) == f->pid) {
			if (WIFSIGNALED(st))
				snprintf(how, sizeof(how), ", killed by signal %d", WTERMSIG(st));
			else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
				snprintf(how, sizeof(how), ", exit status %d", WEXITSTATUS(st));
		}
		f->pid = 0;
	}
	while (f->out != NULL) {
		struct outbuf *o = f->out;
		f->out = o->next;
		netmsg_out_free(&o->m);
		free(o);
	}
	f->out_tail = NULL;
	f->inlen = 0;
	if (mono_ms() - f->started_ms > STABLE_MS)
		f->crashes = 0;
	int64_t delay = RESTART_MIN_MS;
	for (int i = 0; i < f->crashes && delay < RESTART_MAX_MS; i++)
		delay *= 2;
	if (delay > RESTART_MAX_MS)
		delay = RESTART_MAX_MS;
	f->crashes++;
	log_warn("network process %s%s; its transfers fail and it is restarted in %lld s "
	    "(the station keeps airing)", why, how, (long long)(delay / 1000));
	f->restart_timer = loop_add_timer(f->loop, delay, start_child, f);
	/* Everything in flight fails now, each through the loop as usual. */
	for (struct ptransfer *t = f->transfers; t != NULL; t = t->next) {
		if (t->fail_timer != 0)
			continue;
		snprintf(t->fail_err, sizeof(t->fail_err), "network process %s", why);
		t->fail_error = FETCH_NETWORK;
		t->fail_timer = loop_add_timer(f->loop, 0, on_fail_timer, t);
	}
}

static void
start_child(void *arg)
{
	struct fetcher *f = arg;
	int sv[2];
	posix_spawn_file_actions_t fa;

	f->restart_timer = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		child_down(f, strerror(errno));
		return;
	}
	/* dup2 onto the same number would keep CLOEXEC: start from above it. */
	int child_end = fcntl(sv[1], F_DUPFD_CLOEXEC, CHILD_FD + 1);
	close(sv[1]);
	char *argv[] = { f->prog, NULL };
	posix_spawnattr_t at;
	sigset_t none, deflt;
	sigemptyset(&none);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	posix_spawnattr_init(&at);
	/* The loop blocks the signals it reads through a signalfd: unblock them. */
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &deflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, child_end, CHILD_FD);
	/* Nothing else crosses over: not the card (ALSA's file plugin keeps a
	 * pipe without close-on-exec, whose reader would then never see EOF),
	 * not the control socket, not the as-played log. */
	posix_spawn_file_actions_addclosefrom_np(&fa, CHILD_FD + 1);
	int rc = posix_spawn(&f->pid, f->prog, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(child_end);
	if (rc != 0) {
		close(sv[0]);
		f->pid = 0;
		char why[PATH_MAX + 64];
		snprintf(why, sizeof(why), "%s could not start: %s", f->prog, strerror(rc));
		child_down(f, why);
		return;
	}
	f->fd = sv[0];
	fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) | O_NONBLOCK);
	f->started_ms = mono_ms();
	loop_add_fd(f->loop, f->fd, POLLIN, on_channel, f);
	log_info("network process %s started (pid %d)", f->prog, (int)f->pid);
}

/* --- fetch.h ------------------------------------------------------------ */

static void
add_lines(struct netmsg_out *m, enum netmsg_tag tag, const char *const *v, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if (len == 0)
		return;
	char *s = xmalloc(len + 1), *p = s;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\n", v[i]);
	netmsg_add_str(m, tag, s);
	free(s);
}

uint64_t
fetch_start(struct fetcher *f, const struct fetch_request *req, fetch_done_fn done, void *arg)
{
	struct ptransfer *t = xcalloc(1, sizeof(*t));
	struct netmsg_out m;
	size_t nheaders = 0;

	t->f = f;
	t->id = ++f->next_id;
	t->url = xstrdup(req->url);
	t->out_path = req->out_path != NULL ? xstrdup(req->out_path) : NULL;
	t->max_size = req->max_size > 0 ? req->max_size : POLICY_DOC_MAX;
	t->on_data = req->on_data;
	t->done = done;
	t->arg = arg;
	t->next = f->transfers;
	f->transfers = t;
	if (f->fd < 0 || (t->out_path == NULL && t->on_data == NULL &&
	    t->max_size > NETMSG_BODY_MAX)) {
		snprintf(t->fail_err, sizeof(t->fail_err), f->fd < 0 ?
		    "network process not running (restarting)"
		    : "too large: more than a message can carry");
		t->fail_error = f->fd < 0 ? FETCH_NETWORK : FETCH_TOO_BIG;
		t->fail_timer = loop_add_timer(f->loop, 0, on_fail_timer, t);
		return t->id;
	}
	netmsg_begin(&m, NETMSG_FETCH, t->id);
	netmsg_add_str(&m, NT_URL, req->url);
	netmsg_add_str(&m, NT_ETAG, req->etag);
	netmsg_add_str(&m, NT_LAST_MODIFIED, req->last_modified);
	netmsg_add_u64(&m, NT_MAX_SIZE, (uint64_t)t->max_size);
	netmsg_add_u64(&m, NT_FLAGS, (req->audio ? NETMSG_F_AUDIO : 0) |
	    (req->on_data != NULL ? NETMSG_F_STREAM : 0));
	netmsg_add_str(&m, NT_OUT_PATH, req->out_path);
	netmsg_add_str(&m, NT_CA_FILE, req->ca_file);
	if (req->origins != NULL) {
		netmsg_add_str(&m, NT_FEED_URL, req->origins->feed_url);
		add_lines(&m, NT_ALLOWED, req->origins->allowed, req->origins->nallowed);
	}
	while (req->headers != NULL && req->headers[nheaders] != NULL)
		nheaders++;
	add_lines(&m, NT_HEADERS, req->headers, nheaders);
	queue_frame(f, &m);
	return t->id;
}

void
fetch_cancel(struct fetcher *f, uint64_t id)
{
	struct ptransfer *t = find(f, id);
	struct netmsg_out m;

	if (t == NULL)
		return;
	if (t->fail_timer == 0 && f->fd >= 0) {
		netmsg_begin(&m, NETMSG_CANCEL, id);
		queue_frame(f, &m);
	}
	if (t->out_path != NULL)
		unlink(t->out_path);
	unlink_transfer(t);
	transfer_free(t);
}

struct fetcher *
fetch_create(struct loop *loop, char *err, size_t errlen)
{
	struct fetcher *f = xcalloc(1, sizeof(*f));

	(void)err;
	(void)errlen;
	f->loop = loop;
	f->fd = -1;
	f->prog = default_prog();
	start_child(f);
	return f;
}

void
fetch_destroy(struct fetcher *f)
{
	if (f == NULL)
		return;
	while (f->transfers != NULL)
		fetch_cancel(f, f->transfers->id);
	if (f->restart_timer != 0)
		loop_cancel_timer(f->loop, f->restart_timer);
	if (f->fd >= 0) {
		loop_remove_fd(f->loop, f->fd);
		close(f->fd);	/* the child exits when it reads EOF */
	}
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
	}
	while (f->out != NULL) {
		struct outbuf *o = f->out;
		f->out = o->next;
		netmsg_out_free(&o->m);
		free(o);
	}
	free(f->prog);
	free(f->in);
	free(f);
}
