#include "core/curl_loop.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/util.h"
#include "core/loop.h"

/* What curl_loop_add was given, found again through CURLOPT_PRIVATE. */
struct entry {
	CURL *easy;
	curl_loop_done_fn done;
	void *arg;
	struct entry *next;
};

struct curl_loop {
	struct loop *loop;
	CURLM *multi;
	uint64_t timer;
	struct entry *entries;
	int *fds;		/* sockets handed to the loop, removed at destroy */
	size_t nfds, capfds;
};

static struct entry *
unlink_entry(struct curl_loop *cl, CURL *easy)
{
	for (struct entry **pp = &cl->entries; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->easy == easy) {
			struct entry *e = *pp;
			*pp = e->next;
			return e;
		}
	}
	return NULL;
}

/* Hands finished transfers back; a callback may add or remove others. */
static void
dispatch_done(struct curl_loop *cl)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(cl->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *easy = msg->easy_handle;
		CURLcode rc = msg->data.result;
		curl_multi_remove_handle(cl->multi, easy);
		struct entry *e = unlink_entry(cl, easy);
		if (e == NULL)
			continue;
		curl_loop_done_fn done = e->done;
		void *arg = e->arg;
		free(e);
		done(arg, easy, rc);
	}
}

static void
on_socket_ready(int fd, short revents, void *arg)
{
	struct curl_loop *cl = arg;
	int running, ev = 0;

	if (revents & POLLIN)
		ev |= CURL_CSELECT_IN;
	if (revents & POLLOUT)
		ev |= CURL_CSELECT_OUT;
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		ev |= CURL_CSELECT_ERR;
	curl_multi_socket_action(cl->multi, fd, ev, &running);
	dispatch_done(cl);
}

static void
forget_fd(struct curl_loop *cl, int fd)
{
	for (size_t i = 0; i < cl->nfds; i++) {
		if (cl->fds[i] == fd) {
			cl->fds[i] = cl->fds[--cl->nfds];
			return;
		}
	}
}

static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct curl_loop *cl = userp;
	short ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (socketp != NULL) {
			loop_remove_fd(cl->loop, s);
			forget_fd(cl, s);
		}
		curl_multi_assign(cl->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= POLLIN;
	if (what & CURL_POLL_OUT)
		ev |= POLLOUT;
	if (socketp != NULL) {
		loop_modify_fd(cl->loop, s, ev);
		return 0;
	}
	if (loop_add_fd(cl->loop, s, ev, on_socket_ready, cl) != 0)
		return -1;
	if (cl->nfds == cl->capfds) {
		cl->capfds = cl->capfds ? cl->capfds * 2 : 8;
		cl->fds = xreallocarray(cl->fds, cl->capfds, sizeof(*cl->fds));
	}
	cl->fds[cl->nfds++] = s;
	curl_multi_assign(cl->multi, s, cl);
	return 0;
}

static void
on_timer(void *arg)
{
	struct curl_loop *cl = arg;
	int running;

	cl->timer = 0;
	curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	dispatch_done(cl);
}

/* curl forbids calling socket_action from here: arm a loop timer instead. */
static int
timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curl_loop *cl = userp;

	(void)multi;
	if (cl->timer != 0)
		loop_cancel_timer(cl->loop, cl->timer);
	cl->timer = 0;
	if (timeout_ms >= 0)
		cl->timer = loop_add_timer(cl->loop, timeout_ms, on_timer, cl);
	return 0;
}

struct curl_loop *
curl_loop_create(struct loop *loop, char *err, size_t errlen)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl initialisation failed");
		return NULL;
	}
	struct curl_loop *cl = xcalloc(1, sizeof(*cl));
	cl->loop = loop;
	cl->multi = curl_multi_init();
	if (cl->multi == NULL) {
		snprintf(err, errlen, "curl_multi_init failed");
		free(cl);
		curl_global_cleanup();
		return NULL;
	}
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	return cl;
}

void
curl_loop_destroy(struct curl_loop *cl)
{
	if (cl == NULL)
		return;
	while (cl->entries != NULL)
		curl_loop_remove(cl, cl->entries->easy);
	if (cl->timer != 0)
		loop_cancel_timer(cl->loop, cl->timer);
	/* Sockets curl keeps for reuse close in cleanup, maybe without a
	 * CURL_POLL_REMOVE: the loop must not watch them after. */
	for (size_t i = 0; i < cl->nfds; i++)
		loop_remove_fd(cl->loop, cl->fds[i]);
	cl->nfds = 0;
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, NULL);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, NULL);
	curl_multi_cleanup(cl->multi);
	free(cl->fds);
	free(cl);
	curl_global_cleanup();
}

int
curl_loop_add(struct curl_loop *cl, CURL *easy, curl_loop_done_fn done, void *arg)
{
	struct entry *e = xcalloc(1, sizeof(*e));

	e->easy = easy;
	e->done = done;
	e->arg = arg;
	if (curl_multi_add_handle(cl->multi, easy) != CURLM_OK) {
		free(e);
		return -1;
	}
	e->next = cl->entries;
	cl->entries = e;
	return 0;
}

void
curl_loop_remove(struct curl_loop *cl, CURL *easy)
{
	struct entry *e = unlink_entry(cl, easy);

	if (e == NULL)
		return;
	curl_multi_remove_handle(cl->multi, easy);
	free(e);
}

void
curl_loop_drain(struct curl_loop *cl, int wait_ms, bool (*busy)(void *arg), void *arg)
{
	int64_t deadline = mono_ms() + wait_ms;
	int running = 1;

	while (busy(arg) && running > 0 && mono_ms() < deadline) {
		curl_multi_perform(cl->multi, &running);
		dispatch_done(cl);
		if (busy(arg))
			curl_multi_poll(cl->multi, NULL, 0, 100, NULL);
	}
}
