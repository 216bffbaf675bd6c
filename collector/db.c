#include "collector/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"

struct db {
	char *conninfo;
	PGconn **conns;
	bool *busy;
	int n;
	pthread_mutex_t lock;
	pthread_cond_t freed;
};

/* ---- the migrations (append only: a released step never changes) ---- */

static const char *const migrations[] = {
	/* 1: stations, their heartbeats, the as-played lines (by month) and
	 * what each station did with each bulletin. */
	"CREATE TABLE stations ("
	"  id serial PRIMARY KEY,"
	"  name text NOT NULL UNIQUE,"
	"  token_hash bytea NOT NULL UNIQUE,"	/* SHA-256 of the token */
	"  created_at timestamptz NOT NULL DEFAULT now(),"
	"  last_seen timestamptz,"		/* last heartbeat received */
	"  heartbeat jsonb);"			/* and what it said */
	"CREATE TABLE heartbeats ("
	"  station_id int NOT NULL REFERENCES stations ON DELETE CASCADE,"
	"  received_at timestamptz NOT NULL DEFAULT now(),"
	"  data jsonb NOT NULL);"
	"CREATE INDEX heartbeats_station ON heartbeats (station_id, received_at);"
	"CREATE TABLE played ("
	"  station_id int NOT NULL,"
	"  start_at timestamptz NOT NULL,"
	"  end_at timestamptz,"
	"  line_key bytea NOT NULL,"		/* SHA-256 of the line as sent: resends collide */
	"  start_text text NOT NULL,"		/* the station's own time, with its offset */
	"  end_text text,"
	"  slot text, kind text, source text, result text, reason text,"
	"  bulletin text, priority text, language text, title text,"
	"  played_s double precision,"
	"  extra jsonb,"			/* any other field, kept as sent */
	"  received_at timestamptz NOT NULL DEFAULT now()"
	") PARTITION BY RANGE (start_at);"
	"CREATE UNIQUE INDEX played_key ON played (station_id, line_key, start_at);"
	"CREATE INDEX played_station_day ON played (station_id, start_at);"
	"CREATE TABLE bulletins ("
	"  id text PRIMARY KEY,"
	"  priority text,"
	"  first_at timestamptz,"		/* first airing anywhere */
	"  last_at timestamptz,"
	"  airings int NOT NULL DEFAULT 0,"
	"  stations_aired int NOT NULL DEFAULT 0,"
	"  stations_mentioned int NOT NULL DEFAULT 0,"
	"  stations_problem int NOT NULL DEFAULT 0);"	/* with a skip or failure */
	"CREATE INDEX bulletins_last ON bulletins (last_at DESC);"
	"CREATE TABLE bulletin_stations ("
	"  bulletin text NOT NULL,"
	"  station_id int NOT NULL REFERENCES stations ON DELETE CASCADE,"
	"  first_at timestamptz,"		/* first airing at this station */
	"  last_at timestamptz,"
	"  aired int NOT NULL DEFAULT 0,"
	"  skipped int NOT NULL DEFAULT 0,"
	"  failed int NOT NULL DEFAULT 0,"
	"  reason text,"			/* the last skip or failure's reason */
	"  PRIMARY KEY (bulletin, station_id));",

	/* 2: the console's sessions and sign-in failures, so that several
	 * collectors behind one proxy share them. */
	"CREATE TABLE web_sessions ("
	"  id text PRIMARY KEY, csrf text NOT NULL, username text NOT NULL,"
	"  role text NOT NULL, expires timestamptz NOT NULL);"
	"CREATE INDEX web_sessions_expires ON web_sessions (expires);"
	"CREATE TABLE web_login_failures ("
	"  addr text PRIMARY KEY, count int NOT NULL, last timestamptz NOT NULL);",

	/* 3: what the stations page shows of the last heartbeat, in columns
	 * written once per heartbeat rather than taken apart from JSON at every
	 * page view (10,000 stations). */
	"ALTER TABLE stations ADD COLUMN on_air jsonb, ADD COLUMN card_ok boolean,"
	"  ADD COLUMN card_error text, ADD COLUMN feeds int, ADD COLUMN feeds_failing int,"
	"  ADD COLUMN volume int, ADD COLUMN muted boolean, ADD COLUMN free_bytes bigint,"
	"  ADD COLUMN version text;"
	"UPDATE stations SET " DB_HEARTBEAT_COLUMNS("heartbeat") " WHERE heartbeat IS NOT NULL;",
};

int
db_schema_latest(void)
{
	return (int)ARRAY_LEN(migrations);
}

/* ---- connections ---- */

static void
session_setup(PGconn *c)
{
	/* Quiet NOTICEs ("relation already exists, skipping"). */
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	/* Days and times as the collector's own zone has them (a district's
	 * days, not the database server's). */
	const char *tz = getenv("TZ");
	if (tz != NULL && tz[0] != '\0') {
		const char *p[] = { tz[0] == ':' ? tz + 1 : tz };
		PQclear(PQexecParams(c, "SELECT set_config('TimeZone', $1, false)", 1, NULL, p,
		    NULL, NULL, 0));
	}
}

static PGconn *
connect_one(const char *conninfo, char *err, size_t errlen)
{
	PGconn *c = PQconnectdb(conninfo);

	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, errlen, "database %s: %s", conninfo, PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		PQfinish(c);
		return NULL;
	}
	session_setup(c);
	return c;
}

struct db *
db_open(const char *conninfo, int n, char *err, size_t errlen)
{
	struct db *db = xcalloc(1, sizeof(*db));

	db->conninfo = xstrdup(conninfo);
	db->n = n > 0 ? n : 1;
	db->conns = xcalloc((size_t)db->n, sizeof(*db->conns));
	db->busy = xcalloc((size_t)db->n, sizeof(*db->busy));
	pthread_mutex_init(&db->lock, NULL);
	pthread_cond_init(&db->freed, NULL);
	for (int i = 0; i < db->n; i++)
		if ((db->conns[i] = connect_one(conninfo, err, errlen)) == NULL) {
			db_close(db);
			return NULL;
		}
	return db;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < db->n; i++)
		if (db->conns[i] != NULL)
			PQfinish(db->conns[i]);
	pthread_mutex_destroy(&db->lock);
	pthread_cond_destroy(&db->freed);
	free(db->conns);
	free(db->busy);
	free(db->conninfo);
	free(db);
}

PGconn *
db_acquire(struct db *db)
{
	int i;

	pthread_mutex_lock(&db->lock);
	for (;;) {
		for (i = 0; i < db->n && db->busy[i]; i++)
			;
		if (i < db->n)
			break;
		pthread_cond_wait(&db->freed, &db->lock);
	}
	db->busy[i] = true;
	pthread_mutex_unlock(&db->lock);
	if (PQstatus(db->conns[i]) != CONNECTION_OK) {
		/* The server restarted, or the network dropped: try once more now;
		 * the request fails with the database's message if it cannot. */
		PQreset(db->conns[i]);
		if (PQstatus(db->conns[i]) == CONNECTION_OK) {
			log_notice("collector: reconnected to the database");
			session_setup(db->conns[i]);
		}
	}
	return db->conns[i];
}

void
db_release(struct db *db, PGconn *c)
{
	pthread_mutex_lock(&db->lock);
	for (int i = 0; i < db->n; i++)
		if (db->conns[i] == c)
			db->busy[i] = false;
	pthread_cond_signal(&db->freed);
	pthread_mutex_unlock(&db->lock);
}

bool
db_exec(PGconn *c, PGresult **res, int want, char *err, size_t errlen,
    const char *sql, int nparams, const char *const *params)
{
	PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != (ExecStatusType)want) {
		snprintf(err, errlen, "%s", PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		if (err[0] == '\0')
			snprintf(err, errlen, "%s", PQresStatus(PQresultStatus(r)));
		PQclear(r);
		if (res != NULL)
			*res = NULL;
		return false;
	}
	if (res != NULL)
		*res = r;
	else
		PQclear(r);
	return true;
}

bool
db_exec_prepared(PGconn *c, PGresult **res, int want, char *err, size_t errlen,
    const char *name, const char *sql, int nparams, const char *const *params)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		PGresult *r = PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
		if (PQresultStatus(r) == (ExecStatusType)want) {
			if (res != NULL)
				*res = r;
			else
				PQclear(r);
			return true;
		}
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		bool missing = state != NULL && strcmp(state, "26000") == 0; /* no such statement */
		snprintf(err, errlen, "%s", PQerrorMessage(c));
		err[strcspn(err, "\n")] = '\0';
		PQclear(r);
		if (!missing || attempt > 0)
			break;
		/* First use on this connection (or it was reset): prepare, then run. */
		r = PQprepare(c, name, sql, nparams, NULL);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok) {
			snprintf(err, errlen, "%s", PQerrorMessage(c));
			err[strcspn(err, "\n")] = '\0';
		}
		PQclear(r);
		if (!ok)
			break;
	}
	if (res != NULL)
		*res = NULL;
	return false;
}

/* ---- schema ---- */

int
db_schema_version(PGconn *c, char *err, size_t errlen)
{
	PGresult *r;

	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT to_regclass('loaxa_schema') IS NOT NULL", 0, NULL))
		return -1;
	bool exists = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (!exists)
		return 0;
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT coalesce(max(version), 0) FROM loaxa_schema", 0, NULL))
		return -1;
	int v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

int
db_migrate(PGconn *c, int to, char *err, size_t errlen)
{
	char e[512];
	int rc = -1;

	if (to < 0 || to > db_schema_latest())
		to = db_schema_latest();
	/* One collector migrates; the others wait here, then find nothing to do. */
	if (!db_exec(c, NULL, PGRES_TUPLES_OK, err, errlen,
	    "SELECT pg_advisory_lock(7115020)", 0, NULL))
		return -1;
	if (!db_exec(c, NULL, PGRES_COMMAND_OK, err, errlen,
	    "CREATE TABLE IF NOT EXISTS loaxa_schema (version int PRIMARY KEY,"
	    " applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL))
		goto out;
	int v = db_schema_version(c, err, errlen);
	if (v < 0)
		goto out;
	if (v > db_schema_latest()) {
		snprintf(err, errlen, "the database's schema is version %d, newer than this "
		    "loaxa-collector's %d: upgrade loaxa-collector", v, db_schema_latest());
		goto out;
	}
	for (; v < to; v++) {
		char num[16];
		const char *p[] = { num };
		snprintf(num, sizeof(num), "%d", v + 1);
		PQclear(PQexec(c, "BEGIN"));
		PGresult *r = PQexec(c, migrations[v]);
		bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			snprintf(e, sizeof(e), "%s", PQerrorMessage(c));
		PQclear(r);
		if (ok)
			ok = db_exec(c, NULL, PGRES_COMMAND_OK, e, sizeof(e),
			    "INSERT INTO loaxa_schema (version) VALUES ($1::int)", 1, p);
		if (ok)
			ok = db_exec(c, NULL, PGRES_COMMAND_OK, e, sizeof(e), "COMMIT", 0, NULL);
		if (!ok) {
			PQclear(PQexec(c, "ROLLBACK"));
			e[strcspn(e, "\n")] = '\0';
			snprintf(err, errlen, "schema migration %d failed (nothing of it applied): %s",
			    v + 1, e);
			goto out;
		}
		log_notice("collector: database schema migrated to version %d", v + 1);
	}
	rc = 0;
out:
	PQclear(PQexec(c, "SELECT pg_advisory_unlock(7115020)"));
	return rc;
}
