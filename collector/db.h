/*
 * db: loaxa-collector's PostgreSQL. Owns the connections (a pool, one per
 * HTTP worker, libpq) and the schema: versioned migrations applied in
 * order, each in its own transaction, under an advisory lock so that
 * several collectors starting together migrate once. Everything the
 * collector knows lives in the database; nothing between requests lives
 * in its memory.
 */
#ifndef LOAXA_COLLECTOR_DB_H
#define LOAXA_COLLECTOR_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

struct db;

/* Opens n connections to conninfo; NULL with err (libpq's reason). */
struct db *db_open(const char *conninfo, int n, char *err, size_t errlen);
void db_close(struct db *db);

/* A connection for one request (waits for a free one; reconnects a broken
 * one). Give it back with db_release. */
PGconn *db_acquire(struct db *db);
void db_release(struct db *db, PGconn *c);

/* What the pages show of a heartbeat ($2 or heartbeat), as "col = expr"
 * assignments: the migration that added the columns and every heartbeat
 * since use the same text. */
#define DB_HEARTBEAT_COLUMNS(hb)						\
	"on_air = CASE WHEN jsonb_typeof((" hb ")->'item') = 'object' THEN"	\
	"   jsonb_build_object('slot', (" hb ")->'slot'->'name',"		\
	"   'kind', (" hb ")->'item'->'kind', 'source', (" hb ")->'item'->'source') END,"	\
	" card_ok = ((" hb ")->'device'->>'ok')::bool,"				\
	" card_error = (" hb ")->'device'->>'error',"				\
	" feeds = jsonb_array_length(coalesce((" hb ")->'feeds', '[]')),"	\
	" feeds_failing = (SELECT count(*) FROM jsonb_array_elements("		\
	"   coalesce((" hb ")->'feeds', '[]')) f"				\
	"   WHERE f->>'outcome' LIKE 'failing%' OR f->>'outcome' LIKE 'disabled%'),"	\
	" volume = ((" hb ")->>'volume')::int,"					\
	" muted = coalesce(((" hb ")->>'muted')::bool, false)"			\
	"   OR coalesce(((" hb ")->>'muted_all')::bool, false),"		\
	" free_bytes = ((" hb ")->'disk'->>'free_bytes')::bigint,"		\
	" version = (" hb ")->>'version'"

/* The schema's version in the database (0 = empty). */
int db_schema_version(PGconn *c, char *err, size_t errlen);
/* The version this program brings. */
int db_schema_latest(void);
/* Applies the migrations up to `to` (db_schema_latest() for all); 0 or -1.
 * Never goes down: a database newer than the program is an error. */
int db_migrate(PGconn *c, int to, char *err, size_t errlen);

/* Runs sql with text parameters; true when it ended as `want`
 * (PGRES_COMMAND_OK or PGRES_TUPLES_OK). *res is set (to be PQclear'ed) on
 * success; on failure err holds the database's message. */
bool db_exec(PGconn *c, PGresult **res, int want, char *err, size_t errlen,
    const char *sql, int nparams, const char *const *params);

/* The same through a prepared statement called name (prepared on this
 * connection at first use, so the plan of the hot statements is made once
 * per connection rather than at every request). */
bool db_exec_prepared(PGconn *c, PGresult **res, int want, char *err, size_t errlen,
    const char *name, const char *sql, int nparams, const char *const *params);

#endif
