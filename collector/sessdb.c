#include "collector/sessdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/db.h"
#include "core/log.h"

/* Runs one statement on a pooled connection; the database's error is
 * logged here (the web layer only sees -1). */
static int
run(void *ctx, PGresult **res, int want, const char *sql, int n, const char *const *p)
{
	struct db *db = ctx;
	char err[512];
	PGconn *c = db_acquire(db);
	bool ok = db_exec(c, res, want, err, sizeof(err), sql, n, p);
	db_release(db, c);
	if (!ok)
		log_err("collector: sessions in the database: %s", err);
	return ok ? 0 : -1;
}

static int
put(void *ctx, const struct web_session *s)
{
	char exp[32];
	snprintf(exp, sizeof(exp), "%lld", (long long)s->expires);
	const char *p[] = { s->id, s->csrf, s->user, s->role, exp };
	/* Expired sessions go as new ones come: the table stays small. */
	return run(ctx, NULL, PGRES_COMMAND_OK,
	    "WITH d AS (DELETE FROM web_sessions WHERE expires < now())"
	    " INSERT INTO web_sessions (id, csrf, username, role, expires)"
	    " VALUES ($1, $2, $3, $4, to_timestamp($5::bigint))", 5, p);
}

static int
get(void *ctx, const char *id, struct web_session *out)
{
	PGresult *r;
	const char *p[] = { id };

	if (run(ctx, &r, PGRES_TUPLES_OK,
	    "SELECT csrf, username, role, extract(epoch FROM expires)::bigint"
	    " FROM web_sessions WHERE id = $1", 1, p) < 0)
		return -1;
	int rc = 1;
	if (PQntuples(r) == 1) {
		memset(out, 0, sizeof(*out));
		snprintf(out->id, sizeof(out->id), "%s", id);
		snprintf(out->csrf, sizeof(out->csrf), "%s", PQgetvalue(r, 0, 0));
		snprintf(out->user, sizeof(out->user), "%s", PQgetvalue(r, 0, 1));
		snprintf(out->role, sizeof(out->role), "%s", PQgetvalue(r, 0, 2));
		out->expires = (time_t)atoll(PQgetvalue(r, 0, 3));
		rc = 0;
	}
	PQclear(r);
	return rc;
}

static int
del(void *ctx, const char *id)
{
	const char *p[] = { id };
	return run(ctx, NULL, PGRES_COMMAND_OK, "DELETE FROM web_sessions WHERE id = $1", 1, p);
}

static int
fails_get(void *ctx, const char *addr, int *count, time_t *last)
{
	PGresult *r;
	const char *p[] = { addr };

	*count = 0;
	*last = 0;
	if (run(ctx, &r, PGRES_TUPLES_OK,
	    "SELECT count, extract(epoch FROM last)::bigint FROM web_login_failures"
	    " WHERE addr = $1", 1, p) < 0)
		return -1;
	if (PQntuples(r) == 1) {
		*count = atoi(PQgetvalue(r, 0, 0));
		*last = (time_t)atoll(PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return 0;
}

static int
fails_add(void *ctx, const char *addr, time_t now)
{
	char t[32];
	snprintf(t, sizeof(t), "%lld", (long long)now);
	const char *p[] = { addr, t };
	return run(ctx, NULL, PGRES_COMMAND_OK,
	    "INSERT INTO web_login_failures AS f (addr, count, last)"
	    " VALUES ($1, 1, to_timestamp($2::bigint))"
	    " ON CONFLICT (addr) DO UPDATE SET count = f.count + 1, last = EXCLUDED.last", 2, p);
}

static int
fails_clear(void *ctx, const char *addr)
{
	const char *p[] = { addr };
	return run(ctx, NULL, PGRES_COMMAND_OK,
	    "DELETE FROM web_login_failures WHERE addr = $1", 1, p);
}

const struct web_session_backend sessdb_backend = {
	.put = put, .get = get, .del = del,
	.fails_get = fails_get, .fails_add = fails_add, .fails_clear = fails_clear,
};
