/*
 * loudness: how loud a file is (EBU R128 integrated loudness and true peak,
 * libebur128), measured once per content and kept on disk under a hash of
 * the content, and the gain that brings it to the station's target with its
 * true peak under -1 dBTP. Owns one worker thread: measuring means decoding
 * the whole file (seconds for an hour of audio), which neither the event
 * loop nor the player thread may spend. Thread-safe.
 */
#ifndef LOAXA_LOUDNESS_H
#define LOAXA_LOUDNESS_H

#include <stdbool.h>
#include <stddef.h>

#define LOUDNESS_PEAK_CEILING_DBTP (-1.0)
#define LOUDNESS_MAX_GAIN_DB 30.0	/* a near-silent file is not raised to a roar */

struct loudness_figure {
	double lufs;		/* integrated loudness; -70 for silence */
	double peak_dbtp;	/* true peak, dBTP */
};

/* Decodes path and measures it; 0, or -1 with a reason. */
int loudness_measure(const char *path, struct loudness_figure *out, char *err, size_t errlen);

/* The gain in dB that brings f to target_lufs, lowered so that the true
 * peak stays under LOUDNESS_PEAK_CEILING_DBTP. */
double loudness_gain_db(const struct loudness_figure *f, double target_lufs);

struct loudness;

/* Starts the worker; figures are kept in cache_dir (created; NULL: memory only). */
struct loudness *loudness_create(const char *cache_dir);
void loudness_destroy(struct loudness *l);
/* Asks for path's figure (the worker hashes it, looks in the cache, else measures). */
void loudness_request(struct loudness *l, const char *path);
/*
 * path's figure if known; waits up to wait_ms for one being worked out.
 * false when not known (yet): the item airs at its own level.
 */
bool loudness_lookup(struct loudness *l, const char *path, int wait_ms,
    struct loudness_figure *out);

#endif
