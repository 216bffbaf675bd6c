#include "core/loop.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"

struct fd_handler {
	int fd;
	short events;
	loop_fd_fn fn;
	void *arg;
	bool removed;
};

struct timer {
	uint64_t id;
	int64_t due_ms;		/* CLOCK_MONOTONIC */
	loop_timer_fn fn;
	void *arg;
};

struct signal_handler {
	int signo;
	loop_signal_fn fn;
	void *arg;
};

struct loop {
	struct fd_handler *fds;
	size_t nfds, capfds;
	struct timer *timers;	/* unsorted; a daemon has a handful */
	size_t ntimers, captimers;
	uint64_t next_timer_id;
	struct signal_handler sigs[16];
	size_t nsigs;
	sigset_t sigmask;
	int signal_fd;
	int step_fd;		/* timerfd that is cancelled when the clock steps */
	loop_clockstep_fn step_fn;
	void *step_arg;
	int64_t clock_offset_ms;	/* wall clock minus monotonic, last seen */
	/* A test's fake clock: how far it moved the loop's clocks from the
	 * system's (0 in the daemon). */
	int64_t mono_shift_ms, wall_shift_ms;
	bool quit;
	struct pollfd *pfds;
	size_t cappfds;
};

static void loop_arm_step_watch(struct loop *l);

static int64_t
clock_offset_ms(const struct loop *l)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000 + (r.tv_nsec - m.tv_nsec) / 1000000 +
	    l->wall_shift_ms - l->mono_shift_ms;
}

int64_t
loop_mono_ms(const struct loop *l)
{
	return mono_ms() + l->mono_shift_ms;
}

struct timespec
loop_now(const struct loop *l)
{
	struct timespec t = real_now();

	return l->wall_shift_ms == 0 ? t : timespec_add_ms(t, l->wall_shift_ms);
}

int64_t
loop_clock_shift_ms(const struct loop *l)
{
	return l->wall_shift_ms;
}

void
loop_move_clock(struct loop *l, int64_t advance_ms, int64_t step_ms)
{
	l->mono_shift_ms += advance_ms;
	l->wall_shift_ms += advance_ms + step_ms;
}

/*
 * The timerfd catches every clock_settime(); comparing the two clocks at
 * each wake-up also catches what it cannot see (no timerfd support, a
 * clock moved under a faked time). NTP's slewing stays far below 1 s.
 */
static void
check_clock_offset(struct loop *l)
{
	int64_t now = clock_offset_ms(l);
	int64_t jump = now - l->clock_offset_ms;

	l->clock_offset_ms = now;
	if ((jump > 1000 || jump < -1000) && l->step_fn != NULL)
		l->step_fn(l->step_arg);
}

struct loop *
loop_create(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	sigemptyset(&l->sigmask);
	l->signal_fd = -1;
	l->step_fd = -1;
	l->next_timer_id = 1;
	return l;
}

void
loop_destroy(struct loop *l)
{
	if (l == NULL)
		return;
	if (l->signal_fd >= 0)
		close(l->signal_fd);
	if (l->step_fd >= 0)
		close(l->step_fd);
	free(l->fds);
	free(l->timers);
	free(l->pfds);
	free(l);
}

static struct fd_handler *
find_fd(struct loop *l, int fd)
{
	for (size_t i = 0; i < l->nfds; i++)
		if (l->fds[i].fd == fd && !l->fds[i].removed)
			return &l->fds[i];
	return NULL;
}

int
loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg)
{
	struct fd_handler *h = find_fd(l, fd);

	if (h == NULL) {
		if (l->nfds == l->capfds) {
			l->capfds = l->capfds ? l->capfds * 2 : 16;
			l->fds = xreallocarray(l->fds, l->capfds, sizeof(*l->fds));
		}
		h = &l->fds[l->nfds++];
	}
	*h = (struct fd_handler){ .fd = fd, .events = events, .fn = fn, .arg = arg };
	return 0;
}

void
loop_modify_fd(struct loop *l, int fd, short events)
{
	struct fd_handler *h = find_fd(l, fd);

	if (h != NULL)
		h->events = events;
}

void
loop_remove_fd(struct loop *l, int fd)
{
	struct fd_handler *h = find_fd(l, fd);

	/* Marked, not moved: the dispatch loop may be walking the array. */
	if (h != NULL)
		h->removed = true;
}

static void
compact_fds(struct loop *l)
{
	size_t j = 0;

	for (size_t i = 0; i < l->nfds; i++)
		if (!l->fds[i].removed)
			l->fds[j++] = l->fds[i];
	l->nfds = j;
}

uint64_t
loop_add_timer(struct loop *l, int64_t ms, loop_timer_fn fn, void *arg)
{
	if (l->ntimers == l->captimers) {
		l->captimers = l->captimers ? l->captimers * 2 : 16;
		l->timers = xreallocarray(l->timers, l->captimers, sizeof(*l->timers));
	}
	struct timer *t = &l->timers[l->ntimers++];
	*t = (struct timer){ .id = l->next_timer_id++, .due_ms = loop_mono_ms(l) + (ms > 0 ? ms : 0),
	    .fn = fn, .arg = arg };
	return t->id;
}

void
loop_cancel_timer(struct loop *l, uint64_t id)
{
	for (size_t i = 0; i < l->ntimers; i++) {
		if (l->timers[i].id == id) {
			l->timers[i] = l->timers[--l->ntimers];
			return;
		}
	}
}

int
loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg)
{
	if (l->nsigs == ARRAY_LEN(l->sigs))
		return -1;
	l->sigs[l->nsigs++] = (struct signal_handler){ signo, fn, arg };
	sigaddset(&l->sigmask, signo);
	/* Blocked in this thread before any other starts, so every thread
	 * inherits the mask and the signalfd alone receives them. */
	if (pthread_sigmask(SIG_BLOCK, &l->sigmask, NULL) != 0)
		return -1;
	int fd = signalfd(l->signal_fd, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	l->signal_fd = fd;
	return 0;
}

void
loop_on_clock_step(struct loop *l, loop_clockstep_fn fn, void *arg)
{
	l->step_fn = fn;
	l->step_arg = arg;
	l->clock_offset_ms = clock_offset_ms(l);
	if (l->step_fd < 0)
		l->step_fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->step_fd < 0) {
		log_warn("cannot watch the wall clock for steps: %s; the plan is "
		    "re-checked every minute instead", strerror(errno));
		return;
	}
	loop_arm_step_watch(l);
}

/* An absolute timer far in the future with CANCEL_ON_SET: it never fires,
 * but reading it fails with ECANCELED once the clock is set. */
static void
loop_arm_step_watch(struct loop *l)
{
	struct itimerspec its = { 0 };

	clock_gettime(CLOCK_REALTIME, &its.it_value);
	its.it_value.tv_sec += 10L * 365 * 86400;
	if (timerfd_settime(l->step_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
	    &its, NULL) < 0)
		log_warn("cannot arm the clock-step watch: %s", strerror(errno));
}

static void
handle_step_fd(struct loop *l)
{
	uint64_t n;

	if (read(l->step_fd, &n, sizeof(n)) < 0 && errno == ECANCELED) {
		loop_arm_step_watch(l);
		l->clock_offset_ms = clock_offset_ms(l);
		if (l->step_fn != NULL)
			l->step_fn(l->step_arg);
	}
}

static void
handle_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		for (size_t i = 0; i < l->nsigs; i++)
			if (l->sigs[i].signo == (int)si.ssi_signo)
				l->sigs[i].fn((int)si.ssi_signo, l->sigs[i].arg);
	}
}

/* Runs every timer that is due; returns ms until the next one or -1. */
static int
run_timers(struct loop *l)
{
	for (;;) {
		int64_t now = loop_mono_ms(l);
		size_t due = SIZE_MAX;
		for (size_t i = 0; i < l->ntimers; i++)
			if (l->timers[i].due_ms <= now &&
			    (due == SIZE_MAX || l->timers[i].due_ms < l->timers[due].due_ms))
				due = i;
		if (due == SIZE_MAX)
			break;
		struct timer t = l->timers[due];
		l->timers[due] = l->timers[--l->ntimers];
		t.fn(t.arg);
		if (l->quit)
			return 0;
	}
	if (l->ntimers == 0)
		return -1;
	int64_t next = l->timers[0].due_ms;
	for (size_t i = 1; i < l->ntimers; i++)
		if (l->timers[i].due_ms < next)
			next = l->timers[i].due_ms;
	int64_t wait = next - loop_mono_ms(l);
	return wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
}

void
loop_run_once(struct loop *l, int max_wait_ms)
{
	check_clock_offset(l);
	int timeout = run_timers(l);
	if (l->quit)
		return;
	if (max_wait_ms >= 0 && (timeout < 0 || timeout > max_wait_ms))
		timeout = max_wait_ms;
	compact_fds(l);
	size_t n = l->nfds + 2;
	if (n > l->cappfds) {
		l->cappfds = n * 2;
		l->pfds = xreallocarray(l->pfds, l->cappfds, sizeof(*l->pfds));
	}
	struct pollfd *pfds = l->pfds;
	size_t k = 0;
	pfds[k++] = (struct pollfd){ .fd = l->signal_fd, .events = POLLIN };
	pfds[k++] = (struct pollfd){ .fd = l->step_fd, .events = POLLIN };
	for (size_t i = 0; i < l->nfds; i++)
		pfds[k++] = (struct pollfd){ .fd = l->fds[i].fd, .events = l->fds[i].events };
	int r = poll(pfds, k, timeout);
	if (r < 0) {
		if (errno == EINTR)
			return;
		fatal("poll: %s", strerror(errno));
	}
	if (r == 0)
		return;
	if (pfds[0].revents)
		handle_signals(l);
	if (pfds[1].revents)
		handle_step_fd(l);
	/* Handlers may add or remove fds (and grow l->pfds): walk a copy of
	 * each entry, by fd, not by slot. */
	for (size_t i = 2; i < k && !l->quit; i++) {
		struct pollfd p = l->pfds[i];
		if (p.revents == 0)
			continue;
		struct fd_handler *h = find_fd(l, p.fd);
		if (h != NULL)
			h->fn(h->fd, p.revents, h->arg);
	}
}

void
loop_run(struct loop *l)
{
	l->quit = false;
	while (!l->quit)
		loop_run_once(l, -1);
}

void
loop_quit(struct loop *l)
{
	l->quit = true;
}
