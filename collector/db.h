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

#endif
