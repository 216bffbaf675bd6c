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

struct loop;
struct station;

#define CTL_CLIENT_TIMEOUT_MS	5000
#define CTL_MAX_CLIENTS		32

/* One waiting bulletin, as `loaxactl queue` shows it. */
struct ctl_queue_item {
	const char *identifier;
	const char *title;		/* may be NULL */
	const char *priority;		/* "normal" "priority" "emergency" */
	int plays, plays_done;
	time_t effective, expires;	/* 0: absent */
	time_t last_aired;		/* 0: never */
	bool is_test;
};

/* One feed, as `loaxactl status` shows it. */
struct ctl_feed_item {
	const char *url;
	time_t last_fetch;		/* 0: never */
	const char *outcome;		/* "ok", "not modified", "HTTP 404" ... */
};

/*
 * What the station does not expose through scheduler/station.h, provided by
 * main (any of them may be NULL: the command then answers that this loaxad
 * does not support it). Strings stay valid until the callback's caller
 * returns to the loop. Also used by report/ for the heartbeat.
 */
struct ctl_ops {
	/* Re-reads the config file and applies it (like SIGHUP). */
	int (*reload)(void *ctx, char *err, size_t errlen);
	/* The bulletins waiting, in airing order (see bulletins_list). */
	size_t (*queue)(void *ctx, struct ctl_queue_item *out, size_t max);
	/* Each feed's last fetch (see bulletins_feed_status). */
	size_t (*feeds)(void *ctx, struct ctl_feed_item *out, size_t max);
};

/*
 * Ready-made ops bodies over bulletins/bulletins.h, for main to wrap:
 *   static size_t q(void *ctx, struct ctl_queue_item *o, size_t m)
 *   { return ctl_queue_from_bulletins(station_bulletins(ctx), o, m); }
 * Strings point into b (valid until the loop runs again).
 */
struct bulletins;
size_t ctl_queue_from_bulletins(struct bulletins *b, struct ctl_queue_item *out, size_t max);
size_t ctl_feeds_from_bulletins(struct bulletins *b, struct ctl_feed_item *out, size_t max);

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
json_t *ctl_json_time(time_t t);	/* ISO 8601 local, or null for 0 */
/* The boolean member key of args (absent: dflt); -1 with err if not bool. */
int ctl_arg_bool(const json_t *args, const char *key, bool dflt, bool *out,
    char *err, size_t errlen);

#endif
