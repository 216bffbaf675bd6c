/*
 * stations: the stations a district knows. Owns registration (a random
 * token printed once, only its SHA-256 kept), removal, the list, and
 * finding the station a Bearer token belongs to.
 */
#ifndef LOAXA_COLLECTOR_STATIONS_H
#define LOAXA_COLLECTOR_STATIONS_H

#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

#define STATION_TOKEN_LEN 64	/* hex characters */

/* A station name as loaxad sends it (station.name): 1-200 bytes of UTF-8
 * text without control characters. */
int stations_name_valid(const char *name);

/* Registers name; writes its token (STATION_TOKEN_LEN + 1 bytes) to token.
 * 0, or -1 with err ("already registered" …). */
int stations_add(PGconn *c, const char *name, char *token, char *err, size_t errlen);
int stations_remove(PGconn *c, const char *name, char *err, size_t errlen);
/* "NAME<TAB>last heartbeat" lines. */
int stations_list(PGconn *c, FILE *out, char *err, size_t errlen);

/* The station whose token this is: 0 with id and name, 1 when none, -1 on a
 * database error (err). */
int stations_by_token(PGconn *c, const char *token, int *id, char *name, size_t namelen,
    char *err, size_t errlen);

#endif
