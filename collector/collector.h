/*
 * collector: what loaxa-collector's handlers share (the context of every
 * request): the configuration, the database pool, and a cache of the
 * as-played partitions known to exist (a cache only: the database is the
 * truth, and a collector that restarts finds them again).
 */
#ifndef LOAXA_COLLECTOR_H
#define LOAXA_COLLECTOR_H

#include <pthread.h>

#include "collector/conf.h"
#include "collector/db.h"
#include "web/web.h"

#define PARTITION_CACHE 64

struct collector {
	const struct collector_conf *conf;
	struct db *db;
	pthread_mutex_t parts_lock;
	int parts[PARTITION_CACHE];	/* YYYYMM of partitions seen to exist */
	int nparts;
};

/* POST /ingest: NDJSON from a station (collector/ingest.c). */
int ingest_handle(struct web_req *r, void *ctx);
/* Makes sure the month of t (UTC seconds) has its partition; 0 or -1. */
int ingest_ensure_partition(struct collector *col, PGconn *c, double t, char *err, size_t errlen);

/* The console's routes (collector/pages.c, collector/api.c). */
extern const struct web_route collector_routes[];

#endif
