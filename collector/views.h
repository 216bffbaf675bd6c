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

/* Stations by name (filter "", "offline", "card" or "muted"; a page of
 * limit from offset): columns name, online, last_seen, heartbeat_age_s,
 * on_air (JSON), sound_card_ok, sound_card_error, feeds, feeds_failing,
 * volume, muted, free_bytes, version (VIEWS_ST_* below). NULL with err on
 * a database error. */
PGresult *views_stations(PGconn *c, int offline_after_s, const char *filter, int offset,
    int limit, char *err, size_t errlen);
/* How many stations are online, of how many; 0 or -1. */
int views_station_counts(PGconn *c, int offline_after_s, int *online, int *total, char *err,
    size_t errlen);
enum { VIEWS_ST_NAME, VIEWS_ST_ONLINE, VIEWS_ST_LAST_SEEN, VIEWS_ST_AGE, VIEWS_ST_ON_AIR,
	VIEWS_ST_CARD_OK, VIEWS_ST_CARD_ERROR, VIEWS_ST_FEEDS, VIEWS_ST_FEEDS_FAILING,
	VIEWS_ST_VOLUME, VIEWS_ST_MUTED, VIEWS_ST_FREE, VIEWS_ST_VERSION };
/* The same as JSON text (malloc'ed): {page, limit, filter, total (stations
 * the filter keeps), online, registered, stations: [objects with those
 * names, page (from 1) of limit]}. */
char *views_stations_json(PGconn *c, int offline_after_s, const char *filter, int page,
    int limit, char *err, size_t errlen);

/* {"offline": [names], "card_failing": [{name, error}], "emergencies_late":
 * [{bulletin, first_at, stations: [names]}]}. */
json_t *views_alarms(PGconn *c, int offline_after_s, char *err, size_t errlen);

/* The bulletins seen in reports, latest first (at most limit). */
json_t *views_bulletins(PGconn *c, int limit, char *err, size_t errlen);

/* One bulletin as JSON text: id, priority, first_at, last_at, airings,
 * page, limit, total (registered stations) and "stations": a page of limit,
 * those that did not air it first, per station name, aired, skipped, failed,
 * reasons, first_aired, mentioned, reason (the last one); "aired", "problems"
 * and "never_mentioned" name lists of that page with their *_total counts
 * over all stations. "" when no report ever named it; NULL with err on a
 * database error. */
char *views_bulletin_json(PGconn *c, const char *id, int page, int limit, char *err,
    size_t errlen);
/* The same for the page: its head (priority, first_at, last_at, airings,
 * stations that aired it, stations registered; no row when unknown) and a
 * page of its per-station rows, those that did not air it first
 * (VIEWS_BS_* columns). */
PGresult *views_bulletin_head(PGconn *c, const char *id, char *err, size_t errlen);
PGresult *views_bulletin_stations(PGconn *c, const char *id, int offset, int limit, char *err,
    size_t errlen);
enum { VIEWS_BS_NAME, VIEWS_BS_AIRED, VIEWS_BS_SKIPPED, VIEWS_BS_FAILED, VIEWS_BS_REASONS,
	VIEWS_BS_FIRST, VIEWS_BS_MENTIONED, VIEWS_BS_REASON };

/* A station's as-played lines of one day (date "YYYY-MM-DD", the database's
 * time zone). json_null() for an unknown station. */
json_t *views_station_day(PGconn *c, const char *name, const char *date, char *err,
    size_t errlen);

#endif
