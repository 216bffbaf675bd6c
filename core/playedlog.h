/*
 * playedlog: the as-played log, one JSON object per line per item that went
 * on air or should have (see DESIGN.md for the fields). Owns the file: a line
 * is written whole with one write(2) or not at all. Also owns rotation (at
 * local midnight played.jsonl becomes played.jsonl.YYYY-MM-DD; files older
 * than keep_days are removed) and reading the files back in time order, for
 * loaxactl log and the reports upward.
 */
#ifndef LOAXA_PLAYEDLOG_H
#define LOAXA_PLAYEDLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

struct played_entry {
	struct timespec start, end;
	const char *slot;	/* NULL: aired outside a slot */
	const char *kind;	/* chime file playlist bulletin notice relay test */
	const char *source;
	const char *result;	/* completed cut interrupted failed skipped */
	const char *reason;	/* NULL unless failed / skipped / interrupted */
	double played_s;
	const char *bulletin;	/* CAP identifier or NULL */
	const char *priority;	/* with bulletin */
	const char *language;	/* with bulletin: its <info>'s language, or NULL */
	bool speech;		/* with bulletin: its text was synthesised */
	const char *title;	/* a notice's title, or NULL */
	bool relay;		/* adds live_s and outages */
	double live_s;		/* seconds of the stream itself (the rest: fallback) */
	int outages;		/* times the stream went down */
};

struct playedlog;
struct loop;

#define PLAYEDLOG_KEEP_DAYS_DEFAULT 30

/* Opens (creates, with its folder) the log; rotates a file left from an
 * earlier day at once. */
struct playedlog *playedlog_open(const char *path, char *err, size_t errlen);
/* Rotated files older than keep_days days are removed (0: keep all). */
void playedlog_set_keep_days(struct playedlog *log, int keep_days);
/* Arms a timer on loop so the file rotates at local midnight even when
 * nothing plays (writes rotate too when the date has changed). */
void playedlog_attach_loop(struct playedlog *log, struct loop *loop);
/* Appends one line; 0, or -1 (logged once per failure run). Several
 * processes may write and rotate the same file at once. */
int playedlog_write(struct playedlog *log, const struct played_entry *e);
/* Rotates now if the date changed since the file was started. */
void playedlog_rotate_if_due(struct playedlog *log);
void playedlog_close(struct playedlog *log);

/* The line as stored, without the newline (malloc'd; for tests and reports). */
char *playedlog_format(const struct played_entry *e);

/*
 * The log's files, oldest first: rotated ones (by name, which sorts by date)
 * then the active one, as malloc'd paths. Returns how many; *out is NULL
 * when there are none.
 */
size_t playedlog_list_files(const char *path, char ***out);
void playedlog_free_files(char **files, size_t n);

/* Called for each line: the text as stored (no newline) and its object. */
typedef void (*playedlog_line_fn)(const char *line, const json_t *obj, void *ctx);

/*
 * Reads the lines whose "start" is in [since, until) (0: unbounded) from the
 * active file and the rotated ones, sorted by start. Lines that are not
 * JSON objects with a valid "start" are skipped and counted in *bad (may be
 * NULL). Returns 0, or -1 with err when no file could be read.
 */
int playedlog_read(const char *path, time_t since, time_t until,
    playedlog_line_fn fn, void *ctx, size_t *bad, char *err, size_t errlen);

#endif
