/*
 * loaxactl: the operators' and technicians' tool. Owns the client side of
 * the control socket (control/protocol.h), one file per command of the
 * table there (tmux style) and how replies look on a terminal.
 */
#ifndef LOAXA_LOAXACTL_H
#define LOAXA_LOAXACTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "control/protocol.h"

/* Exit statuses (documented in loaxactl(1)). */
enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,	/* the daemon refused or another error */
	EXIT_USAGE = 2,
	EXIT_NOT_RUNNING = 3,	/* no daemon on the socket */
	EXIT_NO_ACCESS = 4,	/* socket not accessible (permission) */
};

struct ctl_client {
	const char *config_path;	/* -c, or the default */
	bool config_explicit;
	const char *socket_path;	/* -s, or NULL: from the config */
};

/*
 * What tools/loaxactl/cmd-ID.c defines as cmd_ID for each command of
 * CTL_COMMANDS (control/protocol.h), which gives its name and usage.
 */
struct ctl_command {
	const char *help;	/* one paragraph */
	/* argv[0] is the command's name; its options follow. */
	int (*exec)(struct ctl_client *c, int argc, char **argv);
};

#define LOAXACTL_DECLARE_REQ_(code, CONST, id, name, usage) \
	extern const struct ctl_command cmd_##id;
#define LOAXACTL_DECLARE_CLIENT_(id, name, usage) \
	extern const struct ctl_command cmd_##id;
CTL_COMMANDS(LOAXACTL_DECLARE_REQ_, LOAXACTL_DECLARE_CLIENT_)

/*
 * Sends one request and waits for the reply. On CTL_REPLY_OK returns
 * EXIT_OK with the reply object in *reply (caller frees; reply may be NULL
 * to discard it); otherwise prints the reason to stderr and returns the
 * exit status.
 */
int client_request(struct ctl_client *c, uint16_t code, json_t *args, json_t **reply);
/* The as-played log's path from the config; NULL after printing why. */
char *client_played_log_path(struct ctl_client *c);
/* Prints "usage: loaxactl NAME USAGE" for the command called name to
 * stderr; returns EXIT_USAGE. */
int client_usage(const char *name);

/* Formatting helpers (format.c). */
/* An ISO time from the daemon as local "YYYY-MM-DD HH:MM:SS" ("-" if null). */
const char *fmt_time(const json_t *iso, char *buf, size_t len);
/* The same, "HH:MM:SS" only. */
const char *fmt_clock(const json_t *iso, char *buf, size_t len);
/* Seconds as "H:MM:SS" or "M:SS". */
const char *fmt_duration(double s, char *buf, size_t len);
/* time_t of an ISO string, or 0. */
time_t iso_to_time(const json_t *iso);
/* Parses an operator's time: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", "…THH:MM",
 * "HH:MM" (today), "today", "yesterday", "Nd"/"Nh"/"Nm" (ago), or ISO 8601. */
int parse_user_time(const char *s, time_t *out);

#endif
