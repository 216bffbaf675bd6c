#include "audio/gain.h"

#include <string.h>

static int
clamp_volume(int v)
{
	return v < 0 ? 0 : v > 100 ? 100 : v;
}

int32_t
gain_factor(int master_volume, int item_volume)
{
	int64_t v = (int64_t)clamp_volume(master_volume) * clamp_volume(item_volume);

	return (int32_t)((v * GAIN_UNITY + 5000) / 10000);
}

void
gain_init(struct gain *g, int32_t factor)
{
	g->cur = (int64_t)factor << 16;
	g->step = 0;
	g->frames_left = 0;
	g->target = factor;
}

void
gain_ramp_to(struct gain *g, int32_t target, uint32_t frames)
{
	g->target = target;
	if (frames == 0) {
		gain_init(g, target);
		return;
	}
	g->step = (((int64_t)target << 16) - g->cur) / frames;
	g->frames_left = frames;
}

int32_t
gain_current(const struct gain *g)
{
	return (int32_t)(g->cur >> 16);
}

bool
gain_ramping(const struct gain *g)
{
	return g->frames_left > 0;
}

static inline int16_t
scale(int16_t s, int32_t f)
{
	int64_t v = ((int64_t)s * f) >> 16;

	return (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
}

static void
apply_flat(int16_t *buf, size_t samples, int32_t f)
{
	if (f == GAIN_UNITY)
		return;		/* the common case: no work at all */
	if (f == 0) {
		memset(buf, 0, samples * sizeof(*buf));
		return;
	}
	for (size_t i = 0; i < samples; i++)
		buf[i] = scale(buf[i], f);
}

void
gain_apply(struct gain *g, int16_t *buf, size_t frames, int channels)
{
	size_t i = 0;

	for (; i < frames && g->frames_left > 0; i++, g->frames_left--) {
		int32_t f = gain_current(g);

		for (int c = 0; c < channels; c++)
			buf[i * channels + c] = scale(buf[i * channels + c], f);
		g->cur += g->step;
		if (g->frames_left == 1)
			g->cur = (int64_t)g->target << 16;	/* no rounding drift */
	}
	if (i < frames)
		apply_flat(buf + i * channels, (frames - i) * channels, g->target);
}
