/*
 * decoder: the audio source interface and its MP3 file source (libmpg123).
 * A source hands out interleaved S16 frames in a fixed format; the player
 * never knows what is behind it, so a later non-file source (an HTTP/HLS
 * relay decoded by FFmpeg) plugs in by filling a struct audio_source.
 * Synthesised sources (chime, tone, silence) live in chime.h.
 */
#ifndef LOAXA_DECODER_H
#define LOAXA_DECODER_H

#include <stddef.h>
#include <stdint.h>

struct audio_format {
	long rate;		/* frames per second */
	int channels;		/* 1 or 2 */
};

struct audio_source;

struct audio_source_ops {
	/*
	 * Fills buf with at most frames frames. Returns the number of frames
	 * (0 at the natural end) or -1 with a one-line reason in err.
	 */
	long (*read)(struct audio_source *src, int16_t *buf, size_t frames,
	    char *err, size_t errlen);
	void (*close)(struct audio_source *src);
};

struct audio_source {
	const struct audio_source_ops *ops;
	struct audio_format fmt;	/* fixed for the source's life */
	double length_s;		/* expected length, -1 unknown (a stream) */
};

static inline long
audio_source_read(struct audio_source *src, int16_t *buf, size_t frames,
    char *err, size_t errlen)
{
	return src->ops->read(src, buf, frames, err, errlen);
}

static inline void
audio_source_close(struct audio_source *src)
{
	if (src)
		src->ops->close(src);
}

/*
 * Opens an MPEG 1/2/2.5 layer 1-3 file (ID3 tags skipped). With want, the
 * decoder converts to that rate and channel count (mpg123's own resampler,
 * so the open device keeps playing without a gap); if it cannot, or without
 * want, the source has the file's own format: compare src->fmt. Returns NULL
 * with a reason ("cannot open F: No such file or directory", "F: not an
 * MPEG audio file") on failure.
 */
struct audio_source *decoder_open_file(const char *path, const struct audio_format *want,
    char *err, size_t errlen);

#endif
