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
col_bool(PGresult *r, int row, int i)
{
	return PQgetisnull(r, row, i) ? json_null() : json_boolean(PQgetvalue(r, row, i)[0] == 't');
}

static json_t *
col_real(PGresult *r, int row, int i)
{
	return PQgetisnull(r, row, i) ? json_null() : json_real(atof(PQgetvalue(r, row, i)));
}

/* Times in the database session's zone (the collector's TZ, see db.c), with
 * their offset: what a district officer reads as local time. */
#define ISO(col) "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SSOF')"

json_t *
views_stations(PGconn *c, int offline_after_s, char *err, size_t errlen)
{
	char secs[16];
	PGresult *r;

	snprintf(secs, sizeof(secs), "%d", offline_after_s);
	const char *p[] = { secs };
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT name,"
	    " coalesce(last_seen > now() - make_interval(secs => $1::int), false),"
	    " " ISO("last_seen") ","
	    " extract(epoch FROM now() - last_seen)::bigint,"
	    " heartbeat->'on_air'->>'slot', heartbeat->'on_air'->>'kind',"
	    " heartbeat->'on_air'->>'source',"
	    " (heartbeat->'sound_card'->>'ok')::bool, heartbeat->'sound_card'->>'error',"
	    " jsonb_array_length(coalesce(heartbeat->'last_fetch', '[]')),"
	    " (SELECT count(*) FROM jsonb_array_elements(coalesce(heartbeat->'last_fetch', '[]')) f"
	    "   WHERE f->>'outcome' LIKE 'failing%' OR f->>'outcome' LIKE 'disabled%'),"
	    " (heartbeat->>'volume')::int,"
	    " (heartbeat->>'muted')::bool OR coalesce((heartbeat->>'muted_all')::bool, false),"
	    " (heartbeat->'disk'->>'free_bytes')::bigint, heartbeat->>'version'"
	    " FROM stations ORDER BY name", 1, p))
		return NULL;
	json_t *a = json_array();
	for (int i = 0; i < PQntuples(r); i++) {
		json_t *on_air = PQgetisnull(r, i, 5) ? json_null() :
		    json_pack("{s:o,s:o,s:o}", "slot", col_str(r, i, 4), "kind", col_str(r, i, 5),
		    "source", col_str(r, i, 6));
		json_array_append_new(a, json_pack(
		    "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		    "name", col_str(r, i, 0), "online", col_bool(r, i, 1),
		    "last_seen", col_str(r, i, 2), "heartbeat_age_s", col_int(r, i, 3),
		    "on_air", on_air, "sound_card_ok", col_bool(r, i, 7),
		    "sound_card_error", col_str(r, i, 8), "feeds", col_int(r, i, 9),
		    "feeds_failing", col_int(r, i, 10), "volume", col_int(r, i, 11),
		    "muted", col_bool(r, i, 12), "free_bytes", col_int(r, i, 13),
		    "version", col_str(r, i, 14)));
	}
	PQclear(r);
	return a;
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
	    "SELECT name, heartbeat->'sound_card'->>'error',"
	    " coalesce(last_seen > now() - make_interval(secs => $1::int), false)"
	    " FROM stations WHERE NOT coalesce(last_seen > now() - make_interval(secs => $1::int), false)"
	    "  OR (heartbeat->'sound_card'->>'ok')::bool = false ORDER BY name", 1, p))
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

json_t *
views_bulletin(PGconn *c, const char *id, char *err, size_t errlen)
{
	PGresult *r;
	const char *p[] = { id };

	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT priority, " ISO("first_at") ", " ISO("last_at") ", airings"
	    " FROM bulletins WHERE id = $1", 1, p))
		return NULL;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return json_null();
	}
	json_t *b = json_pack("{s:s,s:o,s:o,s:o,s:o,s:[],s:[],s:[],s:[]}", "id", id,
	    "priority", col_str(r, 0, 0), "first_at", col_str(r, 0, 1), "last_at", col_str(r, 0, 2),
	    "airings", col_int(r, 0, 3), "stations", "aired", "problems", "never_mentioned");
	PQclear(r);
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT s.name, coalesce(bs.aired, 0), coalesce(bs.skipped, 0), coalesce(bs.failed, 0),"
	    " bs.reason, " ISO("bs.first_at") ", bs.station_id IS NOT NULL"
	    " FROM stations s LEFT JOIN bulletin_stations bs"
	    "  ON bs.station_id = s.id AND bs.bulletin = $1"
	    " ORDER BY s.name", 1, p)) {
		json_decref(b);
		return NULL;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		json_t *name = col_str(r, i, 0);
		long long aired = atoll(PQgetvalue(r, i, 1));
		long long bad = atoll(PQgetvalue(r, i, 2)) + atoll(PQgetvalue(r, i, 3));
		bool mentioned = PQgetvalue(r, i, 6)[0] == 't';
		json_t *reasons = json_array();
		if (!PQgetisnull(r, i, 4))
			json_array_append_new(reasons, col_str(r, i, 4));
		json_array_append_new(json_object_get(b, "stations"), json_pack(
		    "{s:O,s:I,s:o,s:o,s:o,s:o,s:b}", "name", name, "aired", (json_int_t)aired,
		    "skipped", col_int(r, i, 2), "failed", col_int(r, i, 3), "reasons", reasons,
		    "first_aired", col_str(r, i, 5), "mentioned", mentioned));
		if (aired > 0)
			json_array_append(json_object_get(b, "aired"), name);
		if (bad > 0)
			json_array_append(json_object_get(b, "problems"), name);
		if (!mentioned)
			json_array_append(json_object_get(b, "never_mentioned"), name);
		json_decref(name);
	}
	PQclear(r);
	return b;
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
