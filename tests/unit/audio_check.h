/*
 * audio_check: small measurements the audio unit tests make on captured
 * S16 interleaved audio.
 */
#ifndef LOAXA_TEST_AUDIO_CHECK_H
#define LOAXA_TEST_AUDIO_CHECK_H

#include <stdint.h>

/* Frequency from zero crossings of channel 0 over frames [from, to). */
static inline double
crossing_hz(const int16_t *buf, int ch, long from, long to, long rate)
{
	long n = 0;

	for (long i = from + 1; i < to; i++)
		if ((buf[(i - 1) * ch] < 0) != (buf[i * ch] < 0))
			n++;
	return n / 2.0 / ((double)(to - from) / (double)rate);
}

#endif
