#include "collector/stations.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "collector/db.h"
#include "core/log.h"
#include "web/session.h"

int
stations_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

/* The hex SHA-256 of a token, as stored. */
static void
token_hash(const char *token, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

int
stations_add(PGconn *c, const char *name, char *token, char *err, size_t errlen)
{
	char hash[65];
	PGresult *r;

	if (!stations_name_valid(name)) {
		snprintf(err, errlen, "a station name is 1-200 characters of text (as in the "
		    "station's station.name)");
		return -1;
	}
	web_random_token(token);
	token_hash(token, hash);
	const char *p[] = { name, hash };
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "INSERT INTO stations (name, token_hash) VALUES ($1, decode($2, 'hex'))"
	    " ON CONFLICT (name) DO NOTHING RETURNING id", 2, p))
		return -1;
	int added = PQntuples(r);
	PQclear(r);
	if (added == 0) {
		snprintf(err, errlen, "station '%s' is already registered (removestation first "
		    "to give it a new token)", name);
		return -1;
	}
	return 0;
}

int
stations_remove(PGconn *c, const char *name, char *err, size_t errlen)
{
	PGresult *r;
	const char *p[] = { name };

	/* Its lines go with it, and the bulletins' counts forget it. */
	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "WITH s AS (SELECT id FROM stations WHERE name = $1),"
	    " b AS (UPDATE bulletins t SET airings = t.airings - bs.aired,"
	    "   stations_aired = t.stations_aired - (bs.aired > 0)::int,"
	    "   stations_mentioned = t.stations_mentioned - 1,"
	    "   stations_problem = t.stations_problem - (bs.skipped + bs.failed > 0)::int"
	    "   FROM bulletin_stations bs, s WHERE bs.bulletin = t.id AND bs.station_id = s.id),"
	    " p AS (DELETE FROM played WHERE station_id IN (SELECT id FROM s))"
	    " DELETE FROM stations WHERE id IN (SELECT id FROM s) RETURNING id", 1, p))
		return -1;
	int n = PQntuples(r);
	PQclear(r);
	if (n == 0) {
		snprintf(err, errlen, "no station '%s' is registered", name);
		return -1;
	}
	return 0;
}

int
stations_list(PGconn *c, FILE *out, char *err, size_t errlen)
{
	PGresult *r;

	if (!db_exec(c, &r, PGRES_TUPLES_OK, err, errlen,
	    "SELECT name, coalesce(to_char(last_seen, 'YYYY-MM-DD HH24:MI:SSOF'), 'never')"
	    " FROM stations ORDER BY name", 0, NULL))
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		fprintf(out, "%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
	PQclear(r);
	return 0;
}

int
stations_by_token(PGconn *c, const char *token, int *id, char *name, size_t namelen,
    char *err, size_t errlen)
{
	char hash[65];
	PGresult *r;

	token_hash(token, hash);
	const char *p[] = { hash };
	if (!db_exec_prepared(c, &r, PGRES_TUPLES_OK, err, errlen, "station_by_token",
	    "SELECT id, name FROM stations WHERE token_hash = decode($1, 'hex')", 1, p))
		return -1;
	int rc = 1;
	if (PQntuples(r) == 1) {
		*id = atoi(PQgetvalue(r, 0, 0));
		snprintf(name, namelen, "%s", PQgetvalue(r, 0, 1));
		rc = 0;
	}
	PQclear(r);
	return rc;
}
