/*
 * gain: software volume and fades on interleaved S16 samples. Owns the
 * ramp state of one stream. Volume is linear in amplitude: 100 = unity,
 * 50 = half amplitude (-6 dB), 0 = silence. Integer math (Q16) so unity
 * costs nothing and nothing clips.
 */
#ifndef LOAXA_GAIN_H
#define LOAXA_GAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GAIN_UNITY 65536	/* Q16 amplitude factor 1.0 */

/* master/100 * item/100 as Q16; inputs are clamped to 0..100. */
int32_t gain_factor(int master_volume, int item_volume);

struct gain {
	int64_t cur;		/* Q32 factor now */
	int64_t step;		/* Q32 change per frame while ramping */
	uint32_t frames_left;	/* ramp frames still to go */
	int32_t target;		/* Q16 factor at the ramp's end */
};

void gain_init(struct gain *g, int32_t factor);
/* Moves linearly from the current factor to target over frames frames. */
void gain_ramp_to(struct gain *g, int32_t target, uint32_t frames);
/* Scales frames frames of channels channels in place, advancing the ramp. */
void gain_apply(struct gain *g, int16_t *buf, size_t frames, int channels);
int32_t gain_current(const struct gain *g);
bool gain_ramping(const struct gain *g);

#endif
