/*
 * conf: loaxa-collector's configuration file (libconfig). Owns the setting
 * names, their defaults and the checks; a bad or unknown setting is an
 * error naming its file and line.
 */
#ifndef LOAXA_COLLECTOR_CONF_H
#define LOAXA_COLLECTOR_CONF_H

#include <stddef.h>

#ifndef LOAXA_SHARE_DIR
#define LOAXA_SHARE_DIR "/usr/local/share/loaxa"
#endif

struct collector_conf {
	char *listen;		/* "0.0.0.0:8090" */
	char *database;		/* libpq connection string or URI */
	char *users;		/* district staff accounts */
	int offline_after_s;	/* 180 */
	char *tls_cert, *tls_key;	/* "" = plain HTTP */
	char *language;		/* "vi" */
	int session_hours;	/* 12 */
	int threads;		/* HTTP workers = database connections, 8 */
	int keep_heartbeats_h;	/* heartbeat history kept, 48 */
	char *share;		/* where web/ and collector/ pages are */
};

/* 0, or -1 with "FILE:LINE: message" in err. */
int collector_conf_load(struct collector_conf *c, const char *path, char *err, size_t errlen);
void collector_conf_free(struct collector_conf *c);

#endif
