/*
 * views: what the console shows, as JSON, straight from the database. The
 * JSON API answers with these objects and the pages render the same ones,
 * so the two never disagree.
 */
#ifndef LOAXA_COLLECTOR_VIEWS_H
#define LOAXA_COLLECTOR_VIEWS_H

#include <stddef.h>

#include <jansson.h>
#include <libpq-fe.h>

/* Every station: name, online, last_seen, heartbeat_age_s, on_air,
 * sound_card_ok, sound_card_error, feeds, feeds_failing, volume, muted,
 * free_bytes, version. NULL with err on a database error. */
json_t *views_stations(PGconn *c, int offline_after_s, char *err, size_t errlen);

/* {"offline": [names], "card_failing": [{name, error}], "emergencies_late":
 * [{bulletin, first_at, stations: [names]}]}. */
json_t *views_alarms(PGconn *c, int offline_after_s, char *err, size_t errlen);

/* The bulletins seen in reports, latest first (at most limit). */
json_t *views_bulletins(PGconn *c, int limit, char *err, size_t errlen);

/* One bulletin: id, priority, first_at, last_at, airings, and "stations":
 * per registered station aired/skipped/failed/reasons/mentioned; "aired",
 * "problems" and "never_mentioned" name lists. json_null() when no report
 * ever named it; NULL with err on a database error. */
json_t *views_bulletin(PGconn *c, const char *id, char *err, size_t errlen);

/* A station's as-played lines of one day (date "YYYY-MM-DD", the database's
 * time zone). json_null() for an unknown station. */
json_t *views_station_day(PGconn *c, const char *name, const char *date, char *err,
    size_t errlen);

#endif
