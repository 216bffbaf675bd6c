/*
 * util: time formatting, clocks and power-cut-safe file writes shared by
 * every module. No state.
 */
#ifndef LOAXA_UTIL_H
#define LOAXA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Milliseconds on CLOCK_MONOTONIC: for intervals, polls, retries. */
int64_t mono_ms(void);
/* Now on the wall clock. */
struct timespec real_now(void);
double timespec_diff_s(const struct timespec *a, const struct timespec *b); /* a - b */
struct timespec timespec_add_ms(struct timespec t, int64_t ms);

/* ISO 8601 with the local offset and milliseconds:
 * 2026-11-27T17:00:00.012+07:00. buf needs ISO_TIME_LEN bytes. */
#define ISO_TIME_LEN 40
void format_iso_time(const struct timespec *ts, char *buf, size_t len);
/* Parses what format_iso_time writes (and "Z" or no fraction); 0 on success. */
int parse_iso_time(const char *s, struct timespec *out);

/*
 * Writes data to path so that a power cut leaves either the old or the new
 * file: temporary file in the same folder, fsync, rename, fsync the folder.
 * Returns 0, or -1 with a message in err.
 */
int atomic_write_file(const char *path, const void *data, size_t len, int mode,
    char *err, size_t errlen);

/* Makes a rename or creation in folder dir durable (fsync of the folder).
 * 0, or -1 with errno. */
int fsync_dir(const char *dir);

/* Creates path and its parents (like mkdir -p); 0 or -1 with errno. */
int mkdir_p(const char *path, int mode);

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
char *read_file_all(const char *path, size_t max, size_t *len, char *err, size_t errlen);

bool str_has_prefix(const char *s, const char *prefix);

#endif
