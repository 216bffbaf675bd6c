/*
 * alsa_out: the sound card behind a table of functions, so tests or another
 * backend can stand in for it. Owns one open PCM: S16 interleaved at the
 * item's format through ALSA's plug layer (format/rate/channel conversion
 * when the hardware refuses), blocking writes that recover from underruns.
 */
#ifndef LOAXA_ALSA_OUT_H
#define LOAXA_ALSA_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "audio/decoder.h"

struct audio_out;

struct audio_out_ops {
	/* Opens device at fmt with about buffer_ms of buffer; NULL with err. */
	struct audio_out *(*open)(const char *device, const struct audio_format *fmt,
	    int buffer_ms, char *err, size_t errlen);
	/*
	 * Writes all frames, waiting for room (at most about one period per
	 * call when given at most period_frames). Underruns are recovered and
	 * counted. Returns 0, or a negative errno when the device is gone.
	 */
	int (*write)(struct audio_out *o, const int16_t *buf, size_t frames);
	/* Frames written but not yet heard (0 when not running). */
	long (*delay)(struct audio_out *o);
	/* Starts playback of what is buffered if it has not started yet. */
	void (*start)(struct audio_out *o);
	/* Discards what is buffered at once and makes the device writable again. */
	void (*drop)(struct audio_out *o);
	void (*close)(struct audio_out *o);
	size_t (*period_frames)(const struct audio_out *o);
	size_t (*buffer_frames)(const struct audio_out *o);
	/* Underruns recovered since open. */
	uint64_t (*underruns)(const struct audio_out *o);
};

extern const struct audio_out_ops alsa_out_ops;

#endif
