#include "core/service.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "core/log.h"
#include "core/loop.h"

struct service {
	struct loop *loop;
	int64_t ping_ms;	/* 0: no watchdog */
	uint64_t timer;
};

static void
on_watchdog(void *arg)
{
	struct service *s = arg;

	/* Sent from a loop timer on purpose: if the loop stalls, the pings
	 * stop and systemd restarts us. */
	sd_notify(0, "WATCHDOG=1");
	s->timer = loop_add_timer(s->loop, s->ping_ms, on_watchdog, s);
}

struct service *
service_create(struct loop *loop)
{
	struct service *s = xcalloc(1, sizeof(*s));
	uint64_t usec = 0;

	s->loop = loop;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		s->ping_ms = (int64_t)(usec / 2000);
		if (s->ping_ms < 1)
			s->ping_ms = 1;
		s->timer = loop_add_timer(loop, s->ping_ms, on_watchdog, s);
		log_info("systemd watchdog: pinging every %lld ms", (long long)s->ping_ms);
	}
	return s;
}

void
service_destroy(struct service *s)
{
	if (s == NULL)
		return;
	if (s->timer != 0)
		loop_cancel_timer(s->loop, s->timer);
	free(s);
}

void
service_notify_ready(struct service *s, const char *status)
{
	(void)s;
	sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "running");
}

void
service_notify_reloading(struct service *s)
{
	struct timespec ts;

	(void)s;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* systemd >= 253 wants the timestamp with RELOADING=1 (Type=notify-reload). */
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the config",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
}

void
service_notify_stopping(struct service *s)
{
	(void)s;
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void
service_notify_status(struct service *s, const char *status)
{
	(void)s;
	sd_notifyf(0, "STATUS=%s", status);
}
