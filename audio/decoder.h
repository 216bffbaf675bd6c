/*
 * decoder: the audio source interface, and audio files by their content:
 * MPEG audio through libmpg123, every other format through FFmpeg
 * (ffsource.h). A source hands out interleaved S16 frames in a fixed
 * format; the player never knows what is behind it (a file, a relay).
 * Synthesised sources (chime, tone, silence) live in chime.h. Also the
 * check that a file decodes, for loaxa-publish and the consoles.
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
 * Opens an audio file of any common format, found from its content (never
 * its name): MPEG 1/2/2.5 layer 1-3 (ID3 tags skipped) through libmpg123;
 * WAV (PCM, u-law, A-law, ADPCM), OGG Vorbis, Opus, AAC/M4A, FLAC and the
 * like through FFmpeg. With want, the
 * decoder converts to that rate and channel count (mpg123's resampler or
 * libswresample, so the open device keeps playing without a gap); if it cannot, or without
 * want, the source has the file's own format: compare src->fmt. Returns NULL
 * with a reason ("cannot open F: No such file or directory", "F: not audio
 * that decodes (...)") on failure.
 */
struct audio_source *decoder_open_file(const char *path, const struct audio_format *want,
    char *err, size_t errlen);

struct decoder_info {
	char mime[32];			/* from the content: "audio/mpeg", "audio/ogg", ... */
	char ext[8];			/* the usual file name extension: "mp3", "ogg", ... */
	struct audio_format fmt;	/* as decoded on a free card (FFmpeg's: stereo, 44.1 or 48 kHz) */
	double seconds;			/* decoded length */
};

/*
 * Decodes all of path: 0 if every frame of it decodes and it holds sound,
 * else -1 with a one-line reason. Reads the whole file (a few ms per minute
 * of audio). decoder_identify also says what it is.
 */
int decoder_probe(const char *path, char *err, size_t errlen);
int decoder_identify(const char *path, struct decoder_info *info, char *err, size_t errlen);
/* Every ext decoder_identify gives, then NULL (to find or remove such files). */
extern const char *const decoder_extensions[];

#endif
