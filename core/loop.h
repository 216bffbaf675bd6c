/*
 * loop: the daemon's one event loop (after chrony's sched.c). File handlers
 * and one-shot timers on CLOCK_MONOTONIC, signals through a signalfd, and a
 * watch on the wall clock: when it is stepped (NTP at boot, date -s) the
 * clock-step handler runs so the timetable is re-planned. Nothing blocks it;
 * an idle daemon sleeps in poll().
 */
#ifndef LOAXA_LOOP_H
#define LOAXA_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct loop;

typedef void (*loop_fd_fn)(int fd, short revents, void *arg);
typedef void (*loop_timer_fn)(void *arg);
typedef void (*loop_signal_fn)(int signo, void *arg);
typedef void (*loop_clockstep_fn)(void *arg);

struct loop *loop_create(void);
void loop_destroy(struct loop *l);

/* Watches fd for events (POLLIN, POLLOUT); one handler per fd. */
int loop_add_fd(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg);
/* Changes the events watched for fd. */
void loop_modify_fd(struct loop *l, int fd, short events);
void loop_remove_fd(struct loop *l, int fd);

/* A one-shot timer in ms from now on CLOCK_MONOTONIC; returns an id > 0. */
uint64_t loop_add_timer(struct loop *l, int64_t ms, loop_timer_fn fn, void *arg);
/* Cancels a pending timer; ids of fired or unknown timers are ignored. */
void loop_cancel_timer(struct loop *l, uint64_t id);

/* Blocks signo for every thread and delivers it to fn from the loop. Call
 * before any thread starts. */
int loop_add_signal(struct loop *l, int signo, loop_signal_fn fn, void *arg);

/* fn runs after every step of the wall clock (detected with a timerfd's
 * TFD_TIMER_CANCEL_ON_SET). */
void loop_on_clock_step(struct loop *l, loop_clockstep_fn fn, void *arg);

void loop_run(struct loop *l);
void loop_quit(struct loop *l);
/* One turn of loop_run: runs what is due, then waits at most max_wait_ms
 * (-1: as long as nothing happens) for one batch of fd events. For tests. */
void loop_run_once(struct loop *l, int max_wait_ms);

/*
 * The loop's clocks. Timers run on loop_mono_ms, and the parts above read
 * the wall clock through loop_now, so a test can move time: in the daemon
 * they are the system's CLOCK_MONOTONIC and CLOCK_REALTIME.
 */
int64_t loop_mono_ms(const struct loop *l);
struct timespec loop_now(const struct loop *l);
/* loop_now minus CLOCK_REALTIME: 0 in the daemon. The player stamps its
 * events with CLOCK_REALTIME; the station converts them with this. */
int64_t loop_clock_shift_ms(const struct loop *l);
/*
 * The fake clock of the unit tests. advance_ms: time passes, both clocks
 * move on (timers that fall due run at the next turn). step_ms: the wall
 * clock alone is set forward or back, as `date -s` or NTP at boot would do
 * (the clock-step handler runs at the next turn).
 */
void loop_move_clock(struct loop *l, int64_t advance_ms, int64_t step_ms);

#endif
