/*
 * playedlog: the as-played log, one JSON object per line per item that went
 * on air or should have (see DESIGN.md for the fields). Owns the file: a line
 * is written whole with one write(2) or not at all.
 */
#ifndef LOAXA_PLAYEDLOG_H
#define LOAXA_PLAYEDLOG_H

#include <time.h>

struct played_entry {
	struct timespec start, end;
	const char *slot;	/* NULL: aired outside a slot */
	const char *kind;	/* chime file playlist bulletin relay test */
	const char *source;
	const char *result;	/* completed cut interrupted failed skipped */
	const char *reason;	/* NULL unless failed / skipped / interrupted */
	double played_s;
	const char *bulletin;	/* CAP identifier or NULL */
	const char *priority;	/* with bulletin */
};

struct playedlog;

struct playedlog *playedlog_open(const char *path, char *err, size_t errlen);
int playedlog_write(struct playedlog *log, const struct played_entry *e);
void playedlog_close(struct playedlog *log);

#endif
