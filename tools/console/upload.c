/* upload: a recording from the operator's phone, on its way to loaxad.
 * Stored under a name chosen here (never the browser's), only when its
 * first bytes say it is a known audio container and it decodes; loaxad
 * then copies it into its state and loaxa-web removes its own copy. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "audio/decoder.h"
#include "core/log.h"
#include "core/util.h"
#include "tools/console/console.h"

/* The container from the first bytes; NULL when it is no audio we know. */
static const char *
sniff(const unsigned char *d, size_t n)
{
	if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WAVE", 4) == 0)
		return "wav";
	if (n >= 4 && memcmp(d, "OggS", 4) == 0)
		return "ogg";
	if (n >= 4 && memcmp(d, "fLaC", 4) == 0)
		return "flac";
	if (n >= 12 && memcmp(d + 4, "ftyp", 4) == 0)
		return "m4a";
	if (n >= 4 && memcmp(d, "\x1a\x45\xdf\xa3", 4) == 0)
		return "webm";	/* a browser's own recording (MediaRecorder) */
	if (n >= 3 && memcmp(d, "ID3", 3) == 0)
		return "mp3";
	if (n >= 2 && d[0] == 0xff && (d[1] & 0xe0) == 0xe0)
		return "mp3";
	return NULL;
}

/* Whether path decodes: some audio comes out of its first seconds. */
static bool
decodes(const char *path)
{
	char err[256];
	int16_t buf[4096];
	struct audio_source *src = decoder_open_file(path, NULL, err, sizeof(err));
	long got = 0;

	if (src == NULL) {
		log_info("web: upload %s does not decode: %s", path, err);
		return false;
	}
	for (int i = 0; i < 8 && got <= 0; i++) {
		got = audio_source_read(src, buf, sizeof(buf) / sizeof(buf[0]) /
		    (size_t)src->fmt.channels, err, sizeof(err));
		if (got < 0)
			break;
	}
	audio_source_close(src);
	if (got <= 0)
		log_info("web: upload %s does not decode: %s", path, got < 0 ? err : "no audio");
	return got > 0;
}

int
console_store_upload(const struct console *c, const char *data, size_t size,
    char **out, const char **why)
{
	unsigned char rnd[12];
	char hex[25], err[512];

	if (size == 0 || data == NULL) {
		*why = "err_no_audio";
		return -1;
	}
	if (size > CONSOLE_UPLOAD_MAX) {
		*why = "err_too_large";
		return -1;
	}
	const char *ext = sniff((const unsigned char *)data, size);
	if (ext == NULL) {
		*why = "err_not_audio";
		return -1;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		*why = "err_internal";
		return -1;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	if (mkdir_p(c->uploads, 0750) < 0) {
		log_err("web: cannot create the uploads folder %s: %s", c->uploads,
		    strerror(errno));
		*why = "err_internal";
		return -1;
	}
	char *path = xasprintf("%s/upload-%s.%s", c->uploads, hex, ext);
	/* 0640: loaxad (in the group) reads it; nobody else. */
	if (atomic_write_file(path, data, size, 0640, err, sizeof(err)) < 0) {
		log_err("web: cannot store an upload: %s", err);
		free(path);
		*why = "err_internal";
		return -1;
	}
	if (!decodes(path)) {
		unlink(path);
		free(path);
		*why = "err_not_audio";
		return -1;
	}
	*out = path;
	return 0;
}
