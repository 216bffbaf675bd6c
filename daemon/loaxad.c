/*
 * loaxad: the station daemon. main() reads as the list of parts, started in
 * dependency order and stopped in reverse.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulletins/bulletins.h"
#include "control/ctl.h"
#include "core/config.h"
#include "core/log.h"
#include "core/service.h"
#include "report/report.h"
#include "core/loop.h"
#include "scheduler/station.h"
#include "scheduler/timetable.h"

#define PLAN_DAYS 7

struct daemon {
	const char *config_path;
	struct loop *loop;
	struct station *station;
	struct ctl *ctl;
	struct report *report;
	struct service *service;
	char air_status[512];		/* the last STATUS= sent */
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: loaxad [-f] [-d] [-c FILE]\n"
	    "       loaxad --check [-c FILE]\n"
	    "  -c, --config FILE  configuration (default " CONFIG_DEFAULT_PATH ")\n"
	    "  -f, --foreground   stay in the foreground and log to stderr\n"
	    "  -d, --debug        log debug messages too\n"
	    "      --check        validate the configuration, print the plan of the\n"
	    "                     next %d days and exit (0 valid, 1 invalid)\n"
	    "  -h, --help         this help\n", PLAN_DAYS);
}

static void
warn_to_log(void *ctx, const char *message)
{
	(void)ctx;
	log_warn("%s", message);
}

static void
on_quit(int signo, void *arg)
{
	struct daemon *d = arg;

	log_notice("%s received; shutting down", strsignal(signo));
	loop_quit(d->loop);
}

/* SIGHUP and loaxactl reload: an invalid file keeps the old config. */
static int
reload_config(void *ctx, char *err, size_t errlen)
{
	struct daemon *d = ctx;

	tzset();
	service_notify_reloading(d->service);
	struct config *cfg = config_load(d->config_path, warn_to_log, NULL, err, errlen);
	if (cfg == NULL) {
		log_err("reload refused, the running configuration stays: %s", err);
		service_notify_ready(d->service, "running (reload refused)");
		d->air_status[0] = '\0';	/* the next change says what airs again */
		return -1;
	}
	station_apply_config(d->station, cfg);
	report_reconfigure(d->report, station_config(d->station));
	station_describe_air(d->station, d->air_status, sizeof(d->air_status));
	service_notify_ready(d->service, d->air_status);
	return 0;
}

static void
on_reload(int signo, void *arg)
{
	char err[1024];

	(void)signo;
	reload_config(arg, err, sizeof(err));
}

static void
status_op(void *ctx, struct station_status *out)
{
	struct daemon *d = ctx;

	station_get_status(d->station, out);
	bulletins_status(station_bulletins(d->station), out);
}

static const struct ctl_ops daemon_ops = {
	.reload = reload_config,
};

static void
line_played(void *ctx)
{
	struct daemon *d = ctx;

	report_kick(d->report);
}

/* systemctl status says what is on air; sent when it changes, not on a timer. */
static void
air_changed(void *ctx)
{
	struct daemon *d = ctx;
	char line[sizeof(d->air_status)];

	if (d->service == NULL)
		return;
	station_describe_air(d->station, line, sizeof(line));
	if (strcmp(line, d->air_status) == 0)
		return;
	snprintf(d->air_status, sizeof(d->air_status), "%s", line);
	service_notify_status(d->service, line);
}

static int
check_config(const char *path)
{
	char err[1024];
	struct config *cfg = config_load(path, warn_to_log, NULL, err, sizeof(err));

	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: valid\n", path);
	timetable_print_plan(cfg, time(NULL), PLAN_DAYS, stdout);
	config_free(cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .config_path = CONFIG_DEFAULT_PATH };
	bool foreground = false, check = false;
	enum log_level level = LOGL_INFO;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:fdh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': d.config_path = optarg; break;
		case 'f': foreground = true; break;
		case 'd': level = LOGL_DEBUG; break;
		case 'C': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	tzset();
	log_init("loaxad", foreground || check, level);
	if (check)
		return check_config(d.config_path);

	char err[1024];
	struct config *cfg = config_load(d.config_path, warn_to_log, NULL, err, sizeof(err));
	if (cfg == NULL) {
		if (!foreground)
			fprintf(stderr, "%s\n", err);
		log_err("%s", err);
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	d.loop = loop_create();
	loop_add_signal(d.loop, SIGTERM, on_quit, &d);
	loop_add_signal(d.loop, SIGINT, on_quit, &d);
	loop_add_signal(d.loop, SIGHUP, on_reload, &d);

	d.station = station_create(cfg, d.loop, err, sizeof(err));
	if (d.station == NULL) {
		log_err("cannot start the station: %s", err);
		config_free(cfg);
		return 1;
	}
	const struct config *c = station_config(d.station);
	d.ctl = ctl_create(d.loop, d.station, c->paths.socket, c->control.group,
	    &daemon_ops, &d, err, sizeof(err));
	if (d.ctl == NULL) {
		log_err("control socket: %s", err);
		station_shutdown(d.station);
		station_destroy(d.station);
		return 1;
	}
	d.report = report_create(d.loop, status_op, &d, c, err, sizeof(err));
	if (d.report == NULL)
		log_warn("reports upward: %s; nothing is reported", err);
	station_on_played(d.station, line_played, &d);
	d.service = service_create(d.loop);
	station_describe_air(d.station, d.air_status, sizeof(d.air_status));
	service_notify_ready(d.service, d.air_status);
	station_on_air_change(d.station, air_changed, &d);
	log_notice("loaxad started with %s", d.config_path);

	loop_run(d.loop);

	service_notify_stopping(d.service);
	ctl_destroy(d.ctl);
	station_shutdown(d.station);
	report_destroy(d.report);
	station_destroy(d.station);
	service_destroy(d.service);
	loop_destroy(d.loop);
	log_notice("loaxad stopped");
	return 0;
}
