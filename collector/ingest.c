/*
 * ingest: station reports into the database. Owns POST /ingest: the Bearer
 * token, the one station a batch may speak for, the stable key of each
 * line (SHA-256 of the line as sent, so a resent batch collides with
 * itself), and the one statement per batch that stores the lines and the
 * bulletins' counts together. The answer comes after the commit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "collector/collector.h"
#include "collector/stations.h"
#include "core/log.h"
#include "core/util.h"
#include "web/web.h"

#define INGEST_MAX_BODY	(1024 * 1024)

/* The fields the played table has columns for (strings). */
static const char *const text_fields[] = {
	"start", "end", "slot", "kind", "source", "result", "reason", "bulletin", "priority",
	"language", "title", NULL,
};

static const char insert_sql[] =
    "WITH src AS ("
    "  SELECT x, decode(x->>'k', 'hex') AS k, to_timestamp((x->>'s')::float8) AS s,"
    "   to_timestamp((x->>'e')::float8) AS e FROM jsonb_array_elements($2::jsonb) AS x),"
    " ins AS ("
    "  INSERT INTO played (station_id, start_at, end_at, line_key, start_text, end_text, slot,"
    "   kind, source, result, reason, bulletin, priority, language, title, played_s, extra)"
    "  SELECT $1::int, s, e, k, x->>'start', x->>'end', x->>'slot', x->>'kind', x->>'source',"
    "   x->>'result', x->>'reason', x->>'bulletin', x->>'priority', x->>'language', x->>'title',"
    "   (x->>'played_s')::float8, x->'x' FROM src"
    "  ON CONFLICT DO NOTHING"
    "  RETURNING bulletin, priority, result, reason, start_at),"
    " agg AS ("
    "  SELECT bulletin, max(priority) AS priority,"
    "   min(start_at) FILTER (WHERE result IN ('completed','cut','interrupted')) AS first_at,"
    "   max(start_at) FILTER (WHERE result IN ('completed','cut','interrupted')) AS last_at,"
    "   count(*) FILTER (WHERE result IN ('completed','cut','interrupted')) AS aired,"
    "   count(*) FILTER (WHERE result = 'skipped') AS skipped,"
    "   count(*) FILTER (WHERE result = 'failed') AS failed,"
    "   (array_agg(reason ORDER BY start_at DESC) FILTER (WHERE reason IS NOT NULL))[1] AS reason"
    "  FROM ins WHERE bulletin IS NOT NULL GROUP BY bulletin),"
    " old AS ("
    "  SELECT bs.bulletin, bs.aired, bs.skipped + bs.failed AS problems FROM bulletin_stations bs JOIN agg USING (bulletin)"
    "  WHERE bs.station_id = $1::int),"
    " bs AS ("
    "  INSERT INTO bulletin_stations AS t (bulletin, station_id, first_at, last_at, aired,"
    "   skipped, failed, reason)"
    "  SELECT bulletin, $1::int, first_at, last_at, aired, skipped, failed, reason FROM agg"
    "  ON CONFLICT (bulletin, station_id) DO UPDATE SET"
    "   first_at = LEAST(t.first_at, EXCLUDED.first_at),"
    "   last_at = GREATEST(t.last_at, EXCLUDED.last_at),"
    "   aired = t.aired + EXCLUDED.aired, skipped = t.skipped + EXCLUDED.skipped,"
    "   failed = t.failed + EXCLUDED.failed, reason = coalesce(EXCLUDED.reason, t.reason)"
    "  RETURNING 1),"
    " b AS ("
    "  INSERT INTO bulletins AS t (id, priority, first_at, last_at, airings, stations_aired,"
    "   stations_mentioned, stations_problem)"
    "  SELECT a.bulletin, a.priority, a.first_at, a.last_at, a.aired,"
    "   (a.aired > 0 AND coalesce(o.aired, 0) = 0)::int, (o.bulletin IS NULL)::int,"
    "   (a.skipped + a.failed > 0 AND coalesce(o.problems, 0) = 0)::int"
    "  FROM agg a LEFT JOIN old o USING (bulletin)"
    "  ON CONFLICT (id) DO UPDATE SET priority = coalesce(EXCLUDED.priority, t.priority),"
    "   first_at = LEAST(t.first_at, EXCLUDED.first_at),"
    "   last_at = GREATEST(t.last_at, EXCLUDED.last_at),"
    "   airings = t.airings + EXCLUDED.airings,"
    "   stations_aired = t.stations_aired + EXCLUDED.stations_aired,"
    "   stations_mentioned = t.stations_mentioned + EXCLUDED.stations_mentioned,"
    "   stations_problem = t.stations_problem + EXCLUDED.stations_problem"
    "  RETURNING 1)"
    " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM bs), (SELECT count(*) FROM b)";

static const char heartbeat_sql[] =
    "WITH u AS (UPDATE stations SET last_seen = now(), heartbeat = $2::jsonb, "
    DB_HEARTBEAT_COLUMNS("$2::jsonb") " WHERE id = $1::int),"
    " h AS (INSERT INTO heartbeats (station_id, data) VALUES ($1::int, $2::jsonb))"
    " DELETE FROM heartbeats WHERE station_id = $1::int"
    "  AND received_at < now() - make_interval(hours => $3::int)";

int
ingest_ensure_partition(struct collector *col, PGconn *c, double t, char *err, size_t errlen)
{
	time_t secs = (time_t)floor(t);
	struct tm tm;

	gmtime_r(&secs, &tm);
	int ym = (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
	pthread_mutex_lock(&col->parts_lock);
	for (int i = 0; i < col->nparts; i++)
		if (col->parts[i] == ym) {
			pthread_mutex_unlock(&col->parts_lock);
			return 0;
		}
	pthread_mutex_unlock(&col->parts_lock);

	int y = ym / 100, m = ym % 100;
	int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
	char *sql = xasprintf(
	    "SELECT pg_advisory_xact_lock(7115021);"
	    "CREATE TABLE IF NOT EXISTS played_%04d%02d PARTITION OF played"
	    " FOR VALUES FROM ('%04d-%02d-01 00:00+00') TO ('%04d-%02d-01 00:00+00')",
	    y, m, y, m, ny, nm);
	/* Two statements in one call run as one transaction: the lock holds
	 * while two collectors race to create the same month. */
	PGresult *r = PQexec(c, sql);
	free(sql);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok) {
		snprintf(err, errlen, "creating the partition for %04d-%02d: %s", y, m,
		    PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
	}
	PQclear(r);
	if (!ok)
		return -1;
	pthread_mutex_lock(&col->parts_lock);
	if (col->nparts == PARTITION_CACHE) {
		memmove(col->parts, col->parts + 1, sizeof(col->parts[0]) * (PARTITION_CACHE - 1));
		col->nparts--;
	}
	col->parts[col->nparts++] = ym;
	pthread_mutex_unlock(&col->parts_lock);
	return 0;
}

static bool
is_text_field(const char *k)
{
	for (size_t i = 0; text_fields[i] != NULL; i++)
		if (strcmp(text_fields[i], k) == 0)
			return true;
	return false;
}

/* One as-played line as the insert takes it, or NULL (with why) when it
 * has no usable start time. */
static json_t *
played_row(json_t *line, const char *raw, size_t rawlen, const char **why)
{
	struct timespec st, en;
	const char *start = json_string_value(json_object_get(line, "start"));
	const char *end = json_string_value(json_object_get(line, "end"));
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1];

	if (start == NULL || parse_iso_time(start, &st) != 0) {
		*why = "no valid \"start\"";
		return NULL;
	}
	crypto_hash_sha256(h, (const unsigned char *)raw, rawlen);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	json_t *row = json_pack("{s:s,s:f}", "k", hex, "s", st.tv_sec + st.tv_nsec / 1e9);
	if (end != NULL && parse_iso_time(end, &en) == 0)
		json_object_set_new(row, "e", json_real(en.tv_sec + en.tv_nsec / 1e9));
	json_t *extra = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(line, k, v) {
		if (strcmp(k, "station") == 0)
			continue;
		if (is_text_field(k) && json_is_string(v))
			json_object_set(row, k, v);
		else if (strcmp(k, "played_s") == 0 && json_is_number(v))
			json_object_set(row, k, v);
		else
			json_object_set(extra, k, v);
	}
	if (json_object_size(extra) > 0)
		json_object_set(row, "x", extra);
	json_decref(extra);
	return row;
}

static void
unauthorized(struct web_req *r, const char *why)
{
	log_notice("collector: ingest from %s refused: %s", web_req_client(r), why);
	web_reply_header(r, "WWW-Authenticate", "Bearer realm=\"loaxa\"");
	web_reply_error(r, 401, why);
}

/* Stores the batch; false with err on a database error. */
static bool
store(struct collector *col, PGconn *c, int id, json_t *rows, json_t *hb, long long *stored,
    char *err, size_t errlen)
{
	char ids[16], hours[16];
	bool both = json_array_size(rows) > 0 && hb != NULL, ok = true;

	snprintf(ids, sizeof(ids), "%d", id);
	snprintf(hours, sizeof(hours), "%d", col->conf->keep_heartbeats_h);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
		if (ingest_ensure_partition(col, c, json_real_value(json_object_get(row, "s")),
		    err, errlen) < 0)
			return false;
	if (both)
		ok = db_exec(c, NULL, PGRES_COMMAND_OK, err, errlen, "BEGIN", 0, NULL);
	if (ok && json_array_size(rows) > 0) {
		char *text = json_dumps(rows, JSON_COMPACT);
		const char *p[] = { ids, text };
		PGresult *res;
		ok = db_exec_prepared(c, &res, PGRES_TUPLES_OK, err, errlen, "ingest_lines",
		    insert_sql, 2, p);
		if (ok) {
			*stored = atoll(PQgetvalue(res, 0, 0));
			PQclear(res);
		}
		free(text);
	}
	if (ok && hb != NULL) {
		char *text = json_dumps(hb, JSON_COMPACT);
		const char *p[] = { ids, text, hours };
		ok = db_exec_prepared(c, NULL, PGRES_COMMAND_OK, err, errlen, "ingest_heartbeat",
		    heartbeat_sql, 3, p);
		free(text);
	}
	if (both) {
		if (ok)
			ok = db_exec(c, NULL, PGRES_COMMAND_OK, err, errlen, "COMMIT", 0, NULL);
		else
			PQclear(PQexec(c, "ROLLBACK"));
	}
	return ok;
}

int
ingest_handle(struct web_req *r, void *ctx)
{
	struct collector *col = ctx;
	const char *auth = web_req_header(r, "Authorization");
	char name[256], err[512];
	int id;
	size_t len;

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		unauthorized(r, "no station token (Authorization: Bearer …)");
		return 0;
	}
	const char *token = auth + 7;
	while (*token == ' ')
		token++;
	PGconn *c = db_acquire(col->db);
	int found = stations_by_token(c, token, &id, name, sizeof(name), err, sizeof(err));
	if (found != 0) {
		db_release(col->db, c);
		if (found < 0) {
			log_err("collector: database: %s; the station will send again", err);
			web_reply_error(r, 503, "database unavailable");
		} else {
			unauthorized(r, "unknown station token");
		}
		return 0;
	}

	const char *body = web_req_body(r, &len);
	json_t *rows = json_array(), *hb = NULL;
	long long skipped = 0, stored = 0, nlines = 0;
	const char *why = NULL;
	for (const char *p = body, *endp = body + len; p < endp;) {
		const char *nl = memchr(p, '\n', (size_t)(endp - p));
		const char *e = nl ? nl : endp;
		size_t n = (size_t)(e - p);
		while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		if (n > 0) {
			json_t *line = json_loadb(p, n, 0, NULL);
			const char *who = json_string_value(json_object_get(line, "station"));
			if (line != NULL && json_is_object(line) && who != NULL && strcmp(who, name) != 0) {
				/* A station speaks only for itself: the whole batch is refused. */
				log_warn("collector: station '%s' (from %s) sent a line as '%s'; batch refused",
				    name, web_req_client(r), who);
				json_decref(line);
				json_decref(rows);
				json_decref(hb);
				db_release(col->db, c);
				web_reply_error(r, 403, "a station reports only as itself");
				return 0;
			}
			const char *type = json_string_value(json_object_get(line, "type"));
			json_t *row = NULL;
			if (!json_is_object(line)) {
				why = "not a JSON object";
				skipped++;
			} else if (type != NULL && strcmp(type, "heartbeat") == 0) {
				json_decref(hb);
				hb = json_incref(line);	/* the latest of the batch counts */
			} else if ((row = played_row(line, p, n, &why)) != NULL) {
				json_array_append_new(rows, row);
				nlines++;
			} else {
				skipped++;
			}
			json_decref(line);
		}
		p = e + 1;
	}
	if (skipped > 0)
		log_warn("collector: %lld line(s) from station '%s' skipped (%s); the rest is stored",
		    skipped, name, why);
	bool ok = store(col, c, id, rows, hb, &stored, err, sizeof(err));
	db_release(col->db, c);
	json_decref(rows);
	json_decref(hb);
	if (!ok) {
		log_err("collector: storing the report of station '%s' failed: %s; it will send again",
		    name, err);
		web_reply_error(r, 503, "database unavailable");
		return 0;
	}
	web_reply_json(r, 200, json_pack("{s:I,s:I,s:I}", "stored", (json_int_t)stored,
	    "duplicates", (json_int_t)(nlines - stored), "skipped", (json_int_t)skipped));
	return 0;
}
