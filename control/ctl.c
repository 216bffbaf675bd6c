#include "control/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/protocol.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"
#include "core/loop.h"

/* The handlers, indexed by request code. */
#define HANDLER_(code, CONST, id, name, usage) [code] = ctl_cmd_##id,
static ctl_cmd_fn *const handlers[CTL_REQ_LAST_ + 1] = {
	CTL_COMMANDS(HANDLER_, CTL_NONE_)
};

static const struct ctl_ops no_ops;

/* Requests that leave no "NAME by USER" line: they change nothing, or (a
 * notice) log what they did in more detail themselves. */
static bool
quiet(uint16_t code)
{
	return code == CTL_REQ_STATUS || code == CTL_REQ_PLAN || code == CTL_REQ_QUEUE ||
	    code == CTL_REQ_NOTICE || code == CTL_REQ_LOG_READ || code == CTL_REQ_CONFIG;
}

struct client {
	struct ctl *ctl;
	int fd;
	char in[CTL_HEADER_LEN + CTL_MAX_REQUEST];
	size_t inlen;
	char *out;		/* reply being sent */
	size_t outlen, outoff;
	bool close_after;	/* the reply said the stream is unusable */
	char peer[64];		/* the connecting Unix user, for the log */
	uint64_t timer;
	struct client *next;
};

struct ctl {
	struct loop *loop;
	struct station *st;
	const struct ctl_ops *ops;
	void *ops_ctx;
	char *path;
	int fd;
	struct client *clients;
	size_t nclients;
	bool warned_full;
};

static void client_timeout(void *arg);

#define WHO_MAX 160

/* "alice" or "uid 1234" for the Unix user at the other end of fd. */
static void
peer_name(int fd, char *out, size_t len)
{
	struct ucred cred;
	socklen_t sl = sizeof(cred);
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) < 0) {
		snprintf(out, len, "an unknown user");
		return;
	}
	if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%s", res->pw_name);
	else
		snprintf(out, len, "uid %u", (unsigned)cred.uid);
}

static void
client_free(struct client *cl)
{
	struct ctl *c = cl->ctl;

	for (struct client **p = &c->clients; *p; p = &(*p)->next) {
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	}
	c->nclients--;
	loop_cancel_timer(c->loop, cl->timer);
	loop_remove_fd(c->loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

static void
client_rearm(struct client *cl)
{
	loop_cancel_timer(cl->ctl->loop, cl->timer);
	cl->timer = loop_add_timer(cl->ctl->loop, CTL_CLIENT_TIMEOUT_MS,
	    client_timeout, cl);
}

static void
client_timeout(void *arg)
{
	struct client *cl = arg;

	cl->timer = 0;
	log_info("control: dropped a client that stayed silent or did not "
	    "read its reply for %d ms", CTL_CLIENT_TIMEOUT_MS);
	client_free(cl);
}

static void
client_queue_reply(struct client *cl, uint16_t code, const json_t *obj)
{
	char *buf;
	size_t len = ctl_frame_encode(code, obj, CTL_MAX_REPLY, &buf);

	if (len == 0) {
		json_t *e = json_pack("{s:s}", "error", "reply too large");
		len = ctl_frame_encode(CTL_REPLY_ERROR, e, CTL_MAX_REPLY, &buf);
		json_decref(e);
	}
	cl->out = buf;
	cl->outlen = len;
	cl->outoff = 0;
	loop_modify_fd(cl->ctl->loop, cl->fd, POLLOUT);
}

static void
client_error(struct client *cl, const char *msg, bool fatal_to_stream)
{
	json_t *e = json_pack("{s:s}", "error", msg);

	client_queue_reply(cl, CTL_REPLY_ERROR, e);
	json_decref(e);
	cl->close_after = fatal_to_stream;
}

static void
dispatch(struct client *cl, const struct ctl_header *hdr)
{
	char err[512] = "";
	ctl_cmd_fn *exec = hdr->code < ARRAY_LEN(handlers) ? handlers[hdr->code] : NULL;
	json_t *args = ctl_payload_decode(cl->in + CTL_HEADER_LEN, hdr->length,
	    err, sizeof(err));

	if (args == NULL) {
		client_error(cl, err, false);
		return;
	}
	if (exec == NULL) {
		json_decref(args);
		client_error(cl, "command not supported by this loaxad", false);
		return;
	}
	/* Who acted: a console's signed-in user (given in the request) on
	 * behalf of the Unix user connected, or that Unix user itself. */
	const char *named = json_string_value(json_object_get(args, "user"));
	char who[WHO_MAX];
	if (named != NULL)
		snprintf(who, sizeof(who), "%.64s (through %s)", named, cl->peer);
	else
		snprintf(who, sizeof(who), "%s", cl->peer);
	struct ctl_request req = {
		.st = cl->ctl->st, .ops = cl->ctl->ops, .ops_ctx = cl->ctl->ops_ctx,
		.args = args, .user = who,
	};
	json_t *reply = json_object();
	const char *name = ctl_code_name(hdr->code);
	if (exec(&req, reply, err, sizeof(err)) == 0) {
		/* Who acted, for the technician reading the journal later
		 * (loaxa-web passes the signed-in user's name). */
		if (!quiet(hdr->code))
			log_notice("control: %s by %s", name, who);
		client_queue_reply(cl, CTL_REPLY_OK, reply);
	} else {
		log_info("control: %s by %s refused: %s", name, who, err);
		client_error(cl, err[0] ? err : "command failed", false);
	}
	json_decref(reply);
	json_decref(args);
}

/* Acts on a whole frame at the start of the buffer, if there is one. */
static void
client_process(struct client *cl)
{
	struct ctl_header hdr;
	enum ctl_frame_status fs = ctl_frame_check(cl->in, cl->inlen, 1,
	    CTL_MAX_REQUEST, &hdr);

	if (fs == CTL_FRAME_SHORT || fs == CTL_FRAME_INCOMPLETE)
		return;
	if (fs != CTL_FRAME_OK) {
		log_info("control: bad request from a client: %s",
		    ctl_frame_status_text(fs));
		client_error(cl, ctl_frame_status_text(fs), true);
		return;
	}
	dispatch(cl, &hdr);
	size_t used = CTL_HEADER_LEN + hdr.length;
	memmove(cl->in, cl->in + used, cl->inlen - used);
	cl->inlen -= used;
}

static void
client_read(struct client *cl)
{
	ssize_t r = read(cl->fd, cl->in + cl->inlen, sizeof(cl->in) - cl->inlen);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_free(cl);
		return;
	}
	cl->inlen += (size_t)r;
	client_process(cl);
}

static void
client_write(struct client *cl)
{
	ssize_t w = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
	    MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w < 0) {
		client_free(cl);
		return;
	}
	cl->outoff += (size_t)w;
	if (cl->outoff < cl->outlen)
		return;
	free(cl->out);
	cl->out = NULL;
	if (cl->close_after) {
		client_free(cl);
		return;
	}
	/* Back to reading: the next request gets a fresh deadline. */
	client_rearm(cl);
	loop_modify_fd(cl->ctl->loop, cl->fd, POLLIN);
	client_process(cl);	/* a request sent right behind the first */
}

static void
on_client(int fd, short revents, void *arg)
{
	struct client *cl = arg;

	(void)fd;
	if (cl->out != NULL && (revents & (POLLOUT | POLLERR | POLLHUP)))
		client_write(cl);
	else if (cl->out == NULL && (revents & (POLLIN | POLLERR | POLLHUP)))
		client_read(cl);
}

static void
on_accept(int fd, short revents, void *arg)
{
	struct ctl *c = arg;

	(void)revents;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warn("control: accept on %s: %s", c->path,
				    strerror(errno));
			return;
		}
		if (c->nclients >= CTL_MAX_CLIENTS) {
			if (!c->warned_full)
				log_warn("control: %d clients connected; refusing "
				    "more until some leave", CTL_MAX_CLIENTS);
			c->warned_full = true;
			close(cfd);
			continue;
		}
		c->warned_full = false;
		struct client *cl = xcalloc(1, sizeof(*cl));
		cl->ctl = c;
		cl->fd = cfd;
		peer_name(cfd, cl->peer, sizeof(cl->peer));
		cl->next = c->clients;
		c->clients = cl;
		c->nclients++;
		loop_add_fd(c->loop, cfd, POLLIN, on_client, cl);
		client_rearm(cl);
	}
}

/* A socket file where nobody answers is left from a crash: replace it. */
static int
clear_stale_socket(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(sa->sun_path, &st) < 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; remove it "
		    "or change paths.socket", sa->sun_path);
		return -1;
	}
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0) {
		close(probe);
		snprintf(err, errlen, "another loaxad is already listening on %s",
		    sa->sun_path);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(sa->sun_path);
	return 0;
}

static int
set_group(const char *path, const char *group, char *err, size_t errlen)
{
	bool explicit = group != NULL && group[0] != '\0';
	const char *name = explicit ? group : CONFIG_DEFAULT_GROUP;
	struct group *gr = getgrnam(name);

	if (gr == NULL) {
		if (explicit && strcmp(name, CONFIG_DEFAULT_GROUP) != 0) {
			snprintf(err, errlen, "control.group: no group \"%s\" on "
			    "this system (groupadd it or change the setting)", name);
			return -1;
		}
		return 0;	/* the default group is optional */
	}
	if (chown(path, (uid_t)-1, gr->gr_gid) < 0) {
		snprintf(err, errlen, "%s: cannot give the socket to group %s: %s "
		    "(loaxad must run as a member of it)", path, name, strerror(errno));
		return -1;
	}
	return 0;
}

struct ctl *
ctl_create(struct loop *loop, struct station *st, const char *socket_path,
    const char *group, const struct ctl_ops *ops, void *ops_ctx, char *err,
    size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "paths.socket: %.200s is longer than %zu bytes",
		    socket_path, sizeof(sa.sun_path) - 1);
		return NULL;
	}
	snprintf(dir, sizeof(dir), "%s", socket_path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		mkdir_p(dir, 0755);
	}
	strcpy(sa.sun_path, socket_path);
	if (clear_stale_socket(&sa, err, errlen) < 0)
		return NULL;
	/*
	 * Bound under a temporary name, given its mode and group, listening,
	 * and only then renamed into place: a client that sees the path can
	 * connect at once (no "connection refused" window while the group is
	 * looked up), and never through a socket with the wrong permissions.
	 */
	struct sockaddr_un tmp = { .sun_family = AF_UNIX };
	if (snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.new", socket_path) >=
	    (int)sizeof(tmp.sun_path)) {
		snprintf(err, errlen, "paths.socket: %.200s is too long", socket_path);
		return NULL;
	}
	unlink(tmp.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) < 0) {
		snprintf(err, errlen, "control socket %s: %s", socket_path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	int bad = chmod(tmp.sun_path, 0660) < 0 ? -1 :
	    set_group(tmp.sun_path, group, err, errlen) < 0 ? 1 :
	    listen(fd, 16) < 0 ? -1 :
	    rename(tmp.sun_path, socket_path) < 0 ? -1 : 0;
	if (bad < 0)
		snprintf(err, errlen, "control socket %s: %s", socket_path,
		    strerror(errno));
	if (bad != 0) {
		close(fd);
		unlink(tmp.sun_path);
		return NULL;
	}
	struct ctl *c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	c->st = st;
	c->ops = ops ? ops : &no_ops;
	c->ops_ctx = ops_ctx;
	c->path = xstrdup(socket_path);
	c->fd = fd;
	loop_add_fd(loop, fd, POLLIN, on_accept, c);
	return c;
}

void
ctl_destroy(struct ctl *c)
{
	if (c == NULL)
		return;
	while (c->clients != NULL)
		client_free(c->clients);
	loop_remove_fd(c->loop, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}

json_t *
ctl_json_time(time_t t)
{
	return status_json_time(t);
}

int
ctl_arg_bool(const json_t *args, const char *key, bool dflt, bool *out,
    char *err, size_t errlen)
{
	const json_t *v = json_object_get(args, key);

	if (v == NULL) {
		*out = dflt;
		return 0;
	}
	if (!json_is_boolean(v)) {
		snprintf(err, errlen, "\"%s\" must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}
