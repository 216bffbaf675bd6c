/*
 * ctl: the daemon's side of the control socket. Owns the Unix socket (mode
 * 0660, group from control.group), the connected clients and the dispatch
 * of each request to its handler (control/cmd-*.c, one file per command of
 * the table in control/protocol.h). Runs on the
 * event loop and never blocks on a client: sockets are non-blocking, a
 * request is at most CTL_MAX_REQUEST bytes, a client that does not finish
 * its request or read its reply within CTL_CLIENT_TIMEOUT_MS is dropped, and
 * a bad request gets an error reply. Wire format: control/protocol.h.
 */
#ifndef LOAXA_CTL_H
#define LOAXA_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "control/protocol.h"
#include "core/status.h"

struct loop;
struct station;

#define CTL_CLIENT_TIMEOUT_MS	5000
#define CTL_MAX_CLIENTS		32

/*
 * What the station does not expose through scheduler/station.h, provided by
 * main (NULL members, or NULL ops: the command then answers that this loaxad
 * does not support it). The bulletin queue and the feeds are read from the
 * station's bulletins module (bulletins_list, bulletins_feed_status).
 */
struct ctl_ops {
	/* Re-reads the config file and applies it (like SIGHUP). */
	int (*reload)(void *ctx, char *err, size_t errlen);
	/* The station's facts (station_get_status and bulletins_status), the
	 * one collection the heartbeat uses too. */
	status_fn status;
};

struct ctl;

/*
 * Listens on socket_path (a stale socket is replaced; a live one, where
 * another loaxad answers, is an error). group: the socket's group; NULL or
 * "" means CONFIG_DEFAULT_GROUP when that group exists. ops may be NULL.
 * Returns NULL with a message in err.
 */
struct ctl *ctl_create(struct loop *loop, struct station *st,
    const char *socket_path, const char *group, const struct ctl_ops *ops,
    void *ops_ctx, char *err, size_t errlen);
/* Disconnects every client, closes and removes the socket. */
void ctl_destroy(struct ctl *c);

/* ---- for the command files (control/cmd-*.c) ---- */

struct ctl_request {
	struct station *st;
	const struct ctl_ops *ops;	/* never NULL (all-NULL table instead) */
	void *ops_ctx;
	const json_t *args;		/* the request's object */
	const char *user;		/* who asked, for the log: "lan (through
					 * loaxa-web)" or the Unix user's name */
};

/*
 * Each request of CTL_COMMANDS (control/protocol.h) is answered by
 * ctl_cmd_ID in control/cmd-ID.c: it fills reply (an empty object) and
 * returns 0, or -1 with err, the text loaxactl prints.
 */
typedef int ctl_cmd_fn(const struct ctl_request *req, json_t *reply, char *err,
    size_t errlen);
#define CTL_CMD_DECLARE_(code, CONST, id, name, usage) ctl_cmd_fn ctl_cmd_##id;
CTL_COMMANDS(CTL_CMD_DECLARE_, CTL_NONE_)

/* Helpers shared by the command files. */
json_t *ctl_json_time(time_t t);	/* status_json_time (core/status.h) */
/* The boolean member key of args (absent: dflt); -1 with err if not bool. */
int ctl_arg_bool(const json_t *args, const char *key, bool dflt, bool *out,
    char *err, size_t errlen);

#endif
