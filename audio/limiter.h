/*
 * limiter: keeps a live stream's peaks under a ceiling after its gain (a
 * relay cannot be measured ahead like a file). Owns the gain-reduction
 * envelope of one stream: instant attack, so no sample passes the ceiling,
 * and a smooth release. The ceiling sits 1 dB under the -1 dBTP the files
 * keep, for the peaks between samples a sample limiter cannot see.
 */
#ifndef LOAXA_LIMITER_H
#define LOAXA_LIMITER_H

#include <stddef.h>
#include <stdint.h>

#define LIMITER_CEILING_DBFS (-2.0)

struct limiter {
	double gain;		/* linear, applied now (<= 1) */
	double release;		/* per-frame step back towards 1 */
	double ceiling;		/* linear sample ceiling */
	double makeup;		/* linear gain before limiting (gain_db) */
};

void limiter_init(struct limiter *l, double gain_db, long rate);
/* Applies gain_db and limits, in place. */
void limiter_apply(struct limiter *l, int16_t *buf, size_t frames, int channels);

#endif
