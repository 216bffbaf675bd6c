#include "audio/decoder.h"

#include <errno.h>
#include <fcntl.h>
#include <mpg123.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/ffsource.h"
#include "core/log.h"

struct mp3_source {
	struct audio_source base;	/* first: the player sees only this */
	mpg123_handle *mh;
	int fd;
	char path[160];			/* for messages only, may be shortened */
	size_t frame_bytes;
	char broken[256];		/* sticky: once damaged, stop there */
};

static long
mp3_fail(struct mp3_source *m, size_t got, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", m->broken);
	return got ? (long)(got / m->frame_bytes) : -1;
}

static long
mp3_read(struct audio_source *src, int16_t *buf, size_t frames, char *err, size_t errlen)
{
	struct mp3_source *m = (struct mp3_source *)src;
	size_t want = frames * m->frame_bytes, got = 0;

	if (m->broken[0])
		return mp3_fail(m, 0, err, errlen);

	/* mpg123_read may return less than asked at frame boundaries. */
	while (got < want) {
		size_t done = 0;
		int rc = mpg123_read(m->mh, (unsigned char *)buf + got, want - got, &done);

		got += done;
		if (rc == MPG123_DONE)
			break;
		if (rc == MPG123_NEW_FORMAT) {
			long rate;
			int ch, enc;

			mpg123_getformat(m->mh, &rate, &ch, &enc);
			if (rate != src->fmt.rate || ch != src->fmt.channels) {
				snprintf(m->broken, sizeof(m->broken),
				    "%s: format changes mid-file (%ld Hz %d ch)", m->path, rate, ch);
				return mp3_fail(m, got, err, errlen);
			}
			continue;
		}
		if (rc != MPG123_OK) {
			/* Air what was decoded; the next call reports the damage. */
			snprintf(m->broken, sizeof(m->broken), "%s: damaged MPEG audio: %s",
			    m->path, mpg123_strerror(m->mh));
			return mp3_fail(m, got, err, errlen);
		}
		if (done == 0)
			break;
	}
	return (long)(got / m->frame_bytes);
}

static void
mp3_close(struct audio_source *src)
{
	struct mp3_source *m = (struct mp3_source *)src;

	if (m->mh) {
		mpg123_close(m->mh);
		mpg123_delete(m->mh);
	}
	if (m->fd >= 0)
		close(m->fd);
	free(m);
}

static const struct audio_source_ops mp3_ops = { .read = mp3_read, .close = mp3_close };

/* Allows every rate mpg123 knows, or exactly want's format. */
static void
restrict_formats(mpg123_handle *mh, const struct audio_format *want)
{
	const long *rates;
	size_t n;

	mpg123_format_none(mh);
	if (want) {
		mpg123_format(mh, want->rate,
		    want->channels == 1 ? MPG123_MONO : MPG123_STEREO, MPG123_ENC_SIGNED_16);
		return;
	}
	mpg123_rates(&rates, &n);
	for (size_t i = 0; i < n; i++)
		mpg123_format(mh, rates[i], MPG123_MONO | MPG123_STEREO, MPG123_ENC_SIGNED_16);
}

/* Opens path with the format table set for want; 0, or an mpg123 error. */
static int
mp3_start(struct mp3_source *m, const char *path, const struct audio_format *want,
    char *err, size_t errlen)
{
	long rate;
	int ch, enc, rc;

	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	restrict_formats(m->mh, want);
	if (mpg123_open_fd(m->mh, m->fd) != MPG123_OK) {
		snprintf(err, errlen, "%s: %s", m->path, mpg123_strerror(m->mh));
		return -1;
	}
	/* Reads up to the first valid frame: a file without one is not audio. */
	rc = mpg123_getformat(m->mh, &rate, &ch, &enc);
	if (rc == MPG123_DONE || (rc != MPG123_OK && mpg123_errcode(m->mh) != MPG123_BAD_OUTFORMAT)) {
		snprintf(err, errlen, "%s: not an MPEG audio file", m->path);
		return -1;
	}
	if (rc != MPG123_OK) {
		snprintf(err, errlen, "%s: cannot convert to %ld Hz %d ch", m->path,
		    want ? want->rate : 0, want ? want->channels : 0);
		return 1;
	}
	m->base.fmt.rate = rate;
	m->base.fmt.channels = ch;
	m->frame_bytes = (size_t)ch * sizeof(int16_t);
	/* An estimate from the file size without a Xing/Info header; enough
	 * for "remaining" in loaxactl status. */
	off_t samples = mpg123_length(m->mh);
	m->base.length_s = samples > 0 ? (double)samples / (double)rate : -1;
	return 0;
}

static void
mp3_stop(struct mp3_source *m)
{
	mpg123_close(m->mh);
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

static struct audio_source *
mp3_open(const char *path, const struct audio_format *want, char *err, size_t errlen)
{
	struct mp3_source *m = xcalloc(1, sizeof(*m));
	int rc;

	m->base.ops = &mp3_ops;
	m->fd = -1;
	snprintf(m->path, sizeof(m->path), "%s", path);
	m->mh = mpg123_new(NULL, &rc);
	if (!m->mh) {
		snprintf(err, errlen, "%s: mpg123: %s", path, mpg123_plain_strerror(rc));
		mp3_close(&m->base);
		return NULL;
	}
	/* QUIET: mpg123 would otherwise print its own warnings to stderr. */
	mpg123_param(m->mh, MPG123_ADD_FLAGS, MPG123_QUIET, 0);
	rc = mp3_start(m, path, want, err, errlen);
	if (rc > 0) {
		/* Cannot convert: fall back to the file's format, the player reopens the card. */
		mp3_stop(m);
		rc = mp3_start(m, path, NULL, err, errlen);
	}
	if (rc != 0) {
		mp3_close(&m->base);
		return NULL;
	}
	return &m->base;
}

struct audio_source *
decoder_open_file(const char *path, const struct audio_format *want, char *err, size_t errlen)
{
	char container[64], ff_err[256];
	struct audio_source *src;

	/* The content decides, never the name: libavformat probes it. */
	if (ffsource_container(path, container, sizeof(container), ff_err, sizeof(ff_err)) == 0) {
		if (strcmp(container, "mp3") == 0)
			return mp3_open(path, want, err, errlen);
		return ffsource_open_file(path, want, err, errlen);
	}
	if (strncmp(ff_err, "cannot open", 11) == 0) {
		snprintf(err, errlen, "%s", ff_err);
		return NULL;
	}
	/* libmpg123 resyncs past junk FFmpeg's probe gives up on. */
	src = mp3_open(path, want, err, errlen);
	if (!src)
		snprintf(err, errlen, "%s", ff_err);
	return src;
}

/* MIME types and extensions by libavformat container name (first of its list). */
static const struct {
	const char *container, *mime, *ext;
} mime_types[] = {
	{ "mp3", "audio/mpeg", "mp3" }, { "wav", "audio/wav", "wav" }, { "w64", "audio/wav", "w64" },
	{ "ogg", "audio/ogg", "ogg" }, { "flac", "audio/flac", "flac" },
	{ "mov", "audio/mp4", "m4a" }, { "aac", "audio/aac", "aac" },
	{ "matroska", "audio/webm", "webm" }, { "aiff", "audio/aiff", "aiff" },
	{ "caf", "audio/x-caf", "caf" }, { "amr", "audio/amr", "amr" }, { "au", "audio/basic", "au" },
	{ "voc", "audio/x-voc", "voc" },
};

const char *const decoder_extensions[] = {
	"mp3", "wav", "w64", "ogg", "flac", "m4a", "aac", "webm", "aiff", "caf", "amr", "au", "voc",
	"bin", NULL
};

int
decoder_identify(const char *path, struct decoder_info *info, char *err, size_t errlen)
{
	struct audio_source *src;
	char container[64] = "mp3";
	int16_t *buf;
	long n, total = 0;
	size_t len;

	memset(info, 0, sizeof(*info));
	if (ffsource_container(path, container, sizeof(container), err, errlen) < 0 &&
	    strncmp(err, "cannot open", 11) == 0)
		return -1;
	src = decoder_open_file(path, NULL, err, errlen);
	if (!src)
		return -1;
	/* It decodes only if every frame of it does. */
	buf = xmalloc(4096 * 2 * sizeof(int16_t));
	while ((n = audio_source_read(src, buf, 4096, err, errlen)) > 0)
		total += n;
	free(buf);
	info->fmt = src->fmt;
	info->seconds = (double)total / (double)src->fmt.rate;
	audio_source_close(src);
	if (n < 0)
		return -1;
	if (total == 0) {
		snprintf(err, errlen, "%s: not audio that decodes (no sound in it)", path);
		return -1;
	}
	len = strcspn(container, ",");
	snprintf(info->mime, sizeof(info->mime), "application/octet-stream");
	snprintf(info->ext, sizeof(info->ext), "bin");
	for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++)
		if (strlen(mime_types[i].container) == len &&
		    strncmp(container, mime_types[i].container, len) == 0) {
			snprintf(info->mime, sizeof(info->mime), "%s", mime_types[i].mime);
			snprintf(info->ext, sizeof(info->ext), "%s", mime_types[i].ext);
		}
	return 0;
}

int
decoder_probe(const char *path, char *err, size_t errlen)
{
	struct decoder_info info;

	return decoder_identify(path, &info, err, errlen);
}
