/*
 * service: loaxad's conversation with systemd (Type=notify): READY=1 once
 * the station runs, RELOADING=1 / STOPPING=1 around reload and shutdown,
 * STATUS= lines for `systemctl status`, and WATCHDOG=1 pings sent from the
 * event loop itself, so a loop that hangs is restarted by systemd. Without
 * systemd (NOTIFY_SOCKET unset) every call does nothing.
 */
#ifndef LOAXA_SERVICE_H
#define LOAXA_SERVICE_H

struct loop;
struct service;

/* Arms the watchdog pings (at half WatchdogSec) when systemd asked for them. */
struct service *service_create(struct loop *loop);
void service_destroy(struct service *s);

void service_notify_ready(struct service *s, const char *status);
void service_notify_reloading(struct service *s);
void service_notify_stopping(struct service *s);
/* One line for `systemctl status` ("on air: morning", "idle until 17:00"). */
void service_notify_status(struct service *s, const char *status);

#endif
