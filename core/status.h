/*
 * status: what the station says about itself (loaxactl status, the
 * heartbeat, systemd's status line), as a plain struct. It lives here, below
 * the station, so that parts under it (report/) can read the facts through a
 * callback without depending on scheduler/.
 */
#ifndef LOAXA_STATUS_H
#define LOAXA_STATUS_H

#include <stdbool.h>
#include <time.h>

/* Strings point into the station; valid until the next loop iteration. */
struct station_status {
	const char *slot;		/* NULL: no slot on air */
	time_t slot_start, slot_end;
	const char *item_kind;		/* NULL: nothing on air */
	const char *item_source;
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
};

/* Fills out with the facts of now (a station_get_status wrapper). */
typedef void (*status_fn)(void *ctx, struct station_status *out);

#endif
