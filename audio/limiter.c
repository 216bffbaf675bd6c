#include "audio/limiter.h"

#include <math.h>

#define RELEASE_S 0.3		/* back to full gain in about this long */

void
limiter_init(struct limiter *l, double gain_db, long rate)
{
	l->gain = 1.0;
	l->release = 1.0 / (RELEASE_S * (double)rate);
	l->ceiling = 32768.0 * pow(10.0, LIMITER_CEILING_DBFS / 20.0);
	l->makeup = pow(10.0, gain_db / 20.0);
}

void
limiter_apply(struct limiter *l, int16_t *buf, size_t frames, int channels)
{
	for (size_t i = 0; i < frames; i++) {
		int16_t *f = buf + i * (size_t)channels;
		double peak = 0;

		for (int c = 0; c < channels; c++) {
			double v = fabs((double)f[c] * l->makeup);

			if (v > peak)
				peak = v;
		}
		/* Attack at once: this frame already fits under the ceiling. */
		if (peak * l->gain > l->ceiling)
			l->gain = l->ceiling / peak;
		for (int c = 0; c < channels; c++)
			f[c] = (int16_t)lrint((double)f[c] * l->makeup * l->gain);
		l->gain += l->release;
		if (l->gain > 1.0)
			l->gain = 1.0;
	}
}
