/*
 * status: what the station says about itself (loaxactl status, the
 * heartbeat, systemd's status line), as a plain struct. It lives here, below
 * the station, so that parts under it (report/) can read the facts through a
 * callback without depending on scheduler/.
 */
#ifndef LOAXA_STATUS_H
#define LOAXA_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#define STATUS_MAX_FEEDS 32

/* One feed's last poll. */
struct status_feed {
	const char *url;
	time_t last_fetch;		/* 0: never */
	const char *outcome;		/* "ok", "not modified", "failing: HTTP 404" ... */
};

/* Strings point into the station; valid until the next loop iteration. */
struct station_status {
	const char *slot;		/* NULL: no slot on air */
	time_t slot_start, slot_end;
	const char *item_kind;		/* NULL: nothing on air */
	const char *item_source;
	const char *item_title;		/* a notice's title, or NULL */
	bool emergency;			/* an emergency break holds the air */
	double item_elapsed_s;
	double item_length_s;		/* -1 unknown */
	const char *next_slot;
	time_t next_slot_start;
	int volume;
	bool muted, muted_all;
	bool device_ok;
	const char *device;
	const char *device_error;
	unsigned long long underruns;
	time_t started_at;		/* daemon start, for uptime */
	/* from bulletins/ (bulletins_status) */
	size_t bulletins_waiting;
	struct status_feed feeds[STATUS_MAX_FEEDS];
	size_t nfeeds;
	bool clock_trusted;		/* false: the wall clock is behind what the station knows */
	time_t clock_floor;		/* the latest time the station can establish */
	const char *clock_evidence;	/* what says so ("a feed server's Date"...), or NULL */
};

/* Fills out with the facts of now (station_get_status and bulletins_status). */
typedef void (*status_fn)(void *ctx, struct station_status *out);

/* The facts as one JSON object, under the names `loaxactl status` shows and
 * the heartbeat carries: version, now, started_at, uptime_s, slot, item,
 * next_slot, volume, muted, muted_all, device, bulletins_waiting, feeds,
 * clock. */
json_t *status_json(const struct station_status *ss, time_t now);
/* ISO 8601 in the local zone with its offset, or null for 0. */
json_t *status_json_time(time_t t);

#endif
