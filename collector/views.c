#include "collector/views.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/db.h"
#include "core/log.h"

/* Column i of row as JSON: NULL → null, else per kind. */
static json_t *
col_str(PGresult *r, int row, int i)
{
	return PQgetisnull(r, row, i) ? json_null() : json_string(PQgetvalue(r, row, i));
}

static json_t *
col_int(PGresult *r, int row, int i)
{
	return PQgetisnull(r, row, i) ? json_null() :
	    json_integer((json_int_t)atoll(PQgetvalue(r, row, i)));
}

static json_t *
col_real(PGresult *r, int row, int i)
{
	return PQgetisnull(r, row, i) ? json_null() : json_real(atof(PQgetvalue(r, row, i)));
}

/* Times in the database session's zone (the collector's TZ, see db.c), with
 * their offset: what a district officer reads as local time. */
#define ISO(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SSOF')"

/* Every station, one row each, the columns named as the API names them. */
#define STATIONS_SQL							\
    "SELECT name,"							\
    " coalesce(last_seen > now() - make_interval(secs => $1::int), false) AS online," \
    " " ISO("last_seen") " AS last_seen,"				\
    " extract(epoch FROM now() - last_seen)::bigint AS heartbeat_age_s,"	\
    " on_air, card_ok AS sound_card_ok, card_error AS sound_card_error,"	\
    " feeds, feeds_failing, volume, muted, free_bytes, version"		\
    " FROM stations"

/* The filters of the stations page and API ($2). */
#define STATIONS_FILTER_SQL						\
    " WHERE $2 = '' OR ($2 = 'offline' AND NOT online)"			\
    " OR ($2 = 'card' AND sound_card_ok = false) OR ($2 = 'muted' AND muted)"

PGresult *
views_stations(PGconn *c, int offline_after_s, const char *filter, int offset, int limit,
    char *err, size_t errlen)
{
	char secs[16], off[16], lim[16];
	PGresult *r;

	snprintf(secs, sizeof(secs), "%d", offline_after_s);
	snprintf(off, sizeof(off), "%d", offset);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *p[] = { secs, filter ? filter : "", off, lim };
	return db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT * FROM (" STATIONS_SQL ") t" STATIONS_FILTER_SQL
	    " ORDER BY name OFFSET $3::int LIMIT $4::int", 4, p) ? r : NULL;
}

int
views_station_counts(PGconn *c, int offline_after_s, int *online, int *total, char *err,
    size_t errlen)
{
	char secs[16];
	PGresult *r;

	snprintf(secs, sizeof(secs), "%d", offline_after_s);
	const char *p[] = { secs };
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT count(*) FILTER (WHERE last_seen > now() - make_interval(secs => $1::int)),"
	    " count(*) FROM stations", 1, p))
		return -1;
	*online = atoi(PQgetvalue(r, 0, 0));
	*total = atoi(PQgetvalue(r, 0, 1));
	PQclear(r);
	return 0;
}

char *
views_stations_json(PGconn *c, int offline_after_s, const char *filter, int page, int limit,
    char *err, size_t errlen)
{
	char secs[16], off[24], lim[16], pg[16];
	PGresult *r;

	/* PostgreSQL writes the JSON: much cheaper than building a tree here. */
	snprintf(secs, sizeof(secs), "%d", offline_after_s);
	snprintf(off, sizeof(off), "%lld", (long long)(page - 1) * limit);
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(pg, sizeof(pg), "%d", page);
	const char *p[] = { secs, filter ? filter : "", off, lim, pg };
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "WITH t AS (SELECT * FROM (" STATIONS_SQL ") s" STATIONS_FILTER_SQL ")"
	    " SELECT json_build_object('page', $5::int, 'limit', $4::int, 'filter', $2::text,"
	    "  'total', (SELECT count(*) FROM t),"
	    "  'online', (SELECT count(*) FILTER (WHERE last_seen > now()"
	    "   - make_interval(secs => $1::int)) FROM stations),"
	    "  'registered', (SELECT count(*) FROM stations),"
	    "  'stations', (SELECT coalesce(json_agg(p ORDER BY name), '[]')"
	    "   FROM (SELECT * FROM t ORDER BY name OFFSET $3::bigint LIMIT $4::int) p))", 5, p))
		return NULL;
	char *out = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return out;
}

json_t *
views_alarms(PGconn *c, int offline_after_s, char *err, size_t errlen)
{
	char secs[16];
	PGresult *r;

	snprintf(secs, sizeof(secs), "%d", offline_after_s);
	const char *p[] = { secs };
	json_t *out = json_pack("{s:[],s:[],s:[]}", "offline", "card_failing", "emergencies_late");
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT name, card_error,"
	    " coalesce(last_seen > now() - make_interval(secs => $1::int), false)"
	    " FROM stations WHERE NOT coalesce(last_seen > now() - make_interval(secs => $1::int), false)"
	    "  OR card_ok = false ORDER BY name", 1, p))
		goto fail;
	for (int i = 0; i < PQntuples(r); i++) {
		if (PQgetvalue(r, i, 2)[0] != 't')
			json_array_append_new(json_object_get(out, "offline"), col_str(r, i, 0));
		else
			json_array_append_new(json_object_get(out, "card_failing"),
			    json_pack("{s:o,s:o}", "name", col_str(r, i, 0), "error", col_str(r, i, 1)));
	}
	PQclear(r);
	/* An emergency a station has not aired within five minutes of the
	 * first station that did (stations registered since do not count). */
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT b.id, " ISO("b.first_at") ", s.name FROM bulletins b"
	    " JOIN stations s ON s.created_at < b.first_at"
	    " LEFT JOIN bulletin_stations bs ON bs.bulletin = b.id AND bs.station_id = s.id"
	    " WHERE b.priority = 'emergency' AND b.first_at > now() - interval '2 days'"
	    "  AND now() > b.first_at + interval '5 minutes'"
	    "  AND (bs.first_at IS NULL OR bs.first_at > b.first_at + interval '5 minutes')"
	    " ORDER BY b.first_at DESC, s.name", 0, NULL))
		goto fail;
	json_t *late = json_object_get(out, "emergencies_late"), *cur = NULL;
	for (int i = 0; i < PQntuples(r); i++) {
		const char *id = PQgetvalue(r, i, 0);
		if (cur == NULL || strcmp(json_string_value(json_object_get(cur, "bulletin")), id) != 0) {
			cur = json_pack("{s:s,s:o,s:[]}", "bulletin", id, "first_at", col_str(r, i, 1),
			    "stations");
			json_array_append_new(late, cur);
		}
		json_array_append_new(json_object_get(cur, "stations"), col_str(r, i, 2));
	}
	PQclear(r);
	return out;
fail:
	json_decref(out);
	return NULL;
}

json_t *
views_bulletins(PGconn *c, int limit, char *err, size_t errlen)
{
	char lim[16];
	PGresult *r;

	snprintf(lim, sizeof(lim), "%d", limit);
	const char *p[] = { lim };
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT id, priority, " ISO("first_at") ", " ISO("last_at") ", airings,"
	    " stations_aired, stations_problem,"
	    " (SELECT count(*) FROM stations) - stations_mentioned"
	    " FROM bulletins ORDER BY last_at DESC NULLS LAST, id LIMIT $1::int", 1, p))
		return NULL;
	json_t *a = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(a, json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		    "id", col_str(r, i, 0), "priority", col_str(r, i, 1),
		    "first_at", col_str(r, i, 2), "last_at", col_str(r, i, 3),
		    "airings", col_int(r, i, 4), "stations_aired", col_int(r, i, 5),
		    "stations_problem", col_int(r, i, 6), "never_mentioned", col_int(r, i, 7)));
	PQclear(r);
	return a;
}

#define BULLETIN_STATIONS_SQL						\
    "SELECT s.name, coalesce(bs.aired, 0) AS aired, coalesce(bs.skipped, 0) AS skipped," \
    " coalesce(bs.failed, 0) AS failed,"					\
    " CASE WHEN bs.reason IS NULL THEN '[]'::json ELSE json_build_array(bs.reason) END" \
    "  AS reasons,"								\
    " " ISO("bs.first_at") " AS first_aired, bs.station_id IS NOT NULL AS mentioned," \
    " bs.reason" \
    " FROM stations s LEFT JOIN bulletin_stations bs"			\
    "  ON bs.station_id = s.id AND bs.bulletin = $1"

PGresult *
views_bulletin_head(PGconn *c, const char *id, char *err, size_t errlen)
{
	PGresult *r;
	const char *p[] = { id };

	return db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT priority, " ISO("first_at") ", " ISO("last_at") ", airings,"
	    " (SELECT count(*) FROM bulletin_stations WHERE bulletin = $1 AND aired > 0),"
	    " (SELECT count(*) FROM stations)"
	    " FROM bulletins WHERE id = $1", 1, p) ? r : NULL;
}

PGresult *
views_bulletin_stations(PGconn *c, const char *id, int offset, int limit, char *err,
    size_t errlen)
{
	char off[16], lim[16];
	PGresult *r;

	snprintf(off, sizeof(off), "%d", offset);
	snprintf(lim, sizeof(lim), "%d", limit);
	const char *p[] = { id, off, lim };
	/* The stations to phone first: those that did not air it. */
	return db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    BULLETIN_STATIONS_SQL " ORDER BY coalesce(bs.aired, 0) > 0, s.name"
	    " OFFSET $2::int LIMIT $3::int", 3, p) ? r : NULL;
}

char *
views_bulletin_json(PGconn *c, const char *id, int page, int limit, char *err, size_t errlen)
{
	char off[24], lim[16], pg[16];
	PGresult *r;

	snprintf(off, sizeof(off), "%lld", (long long)(page - 1) * limit);
	snprintf(lim, sizeof(lim), "%d", limit);
	snprintf(pg, sizeof(pg), "%d", page);
	const char *p[] = { id, off, lim, pg };
	/* A page of stations in the page's order (those that did not air it
	 * first); the name lists are of that page, the *_total counts of all. */
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "WITH per AS (" BULLETIN_STATIONS_SQL "),"
	    " pg AS (SELECT * FROM per ORDER BY aired > 0, name OFFSET $2::bigint LIMIT $3::int)"
	    " SELECT json_build_object('id', b.id, 'priority', b.priority,"
	    "  'first_at', " ISO("b.first_at") ", 'last_at', " ISO("b.last_at") ","
	    "  'airings', b.airings, 'page', $4::int, 'limit', $3::int,"
	    "  'total', (SELECT count(*) FROM per),"
	    "  'aired_total', (SELECT count(*) FROM per WHERE aired > 0),"
	    "  'problems_total', (SELECT count(*) FROM per WHERE skipped + failed > 0),"
	    "  'never_mentioned_total', (SELECT count(*) FROM per WHERE NOT mentioned),"
	    "  'stations', (SELECT coalesce(json_agg(pg ORDER BY aired > 0, name), '[]') FROM pg),"
	    "  'aired', (SELECT coalesce(json_agg(name ORDER BY name) FILTER (WHERE aired > 0), '[]')"
	    "   FROM pg),"
	    "  'problems', (SELECT coalesce(json_agg(name ORDER BY name)"
	    "   FILTER (WHERE skipped + failed > 0), '[]') FROM pg),"
	    "  'never_mentioned', (SELECT coalesce(json_agg(name ORDER BY name)"
	    "   FILTER (WHERE NOT mentioned), '[]') FROM pg))"
	    " FROM bulletins b WHERE b.id = $1", 4, p))
		return NULL;
	char *out = PQntuples(r) == 1 ? xstrdup(PQgetvalue(r, 0, 0)) : xstrdup("");
	PQclear(r);
	return out;
}

json_t *
views_station_day(PGconn *c, const char *name, const char *date, char *err, size_t errlen)
{
	PGresult *r;
	const char *p[] = { name, date };

	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT id FROM stations WHERE name = $1", 1, p))
		return NULL;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return json_null();
	}
	char id[16];
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	const char *q[] = { id, date };
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT start_text, end_text, slot, kind, source, result, reason, bulletin, priority,"
	    " title, played_s FROM played WHERE station_id = $1::int"
	    " AND start_at >= $2::date::timestamptz AND start_at < ($2::date + 1)::timestamptz"
	    " ORDER BY start_at", 2, q))
		return NULL;
	json_t *a = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(a, json_pack(
		    "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		    "start", col_str(r, i, 0), "end", col_str(r, i, 1), "slot", col_str(r, i, 2),
		    "kind", col_str(r, i, 3), "source", col_str(r, i, 4), "result", col_str(r, i, 5),
		    "reason", col_str(r, i, 6), "bulletin", col_str(r, i, 7),
		    "priority", col_str(r, i, 8), "title", col_str(r, i, 9),
		    "played_s", col_real(r, i, 10)));
	PQclear(r);
	return json_pack("{s:s,s:s,s:o}", "station", name, "date", date, "lines", a);
}
