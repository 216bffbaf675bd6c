/*
 * audio-check: refuses audio a station could not play before it reaches the
 * feed. An MP3 here is: optional ID3v2 tag, then an MPEG audio frame header
 * that decodes, and (when the file is long enough) a second one right where
 * the first frame ends, so random bytes that happen to hold 0xFFE fail.
 */
#include "tools/publish/publish.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* kbit/s by [version is MPEG-1][layer 1..3][index] */
static const unsigned short bitrates[2][3][15] = {
	{ /* MPEG-2 and 2.5 */
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256 },
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 },
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160 },
	},
	{ /* MPEG-1 */
		{ 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448 },
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384 },
		{ 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320 },
	},
};
static const unsigned rates_mpeg1[3] = { 44100, 48000, 32000 };

/* Frame length in bytes, or 0 when h is not a usable frame header. */
static unsigned
frame_length(const unsigned char *h)
{
	if (h[0] != 0xFF || (h[1] & 0xE0) != 0xE0)
		return 0;
	unsigned version = (h[1] >> 3) & 3;	/* 0: 2.5, 1: reserved, 2: 2, 3: 1 */
	unsigned layer_bits = (h[1] >> 1) & 3;	/* 3: I, 2: II, 1: III */
	unsigned br_index = h[2] >> 4, sr_index = (h[2] >> 2) & 3, pad = (h[2] >> 1) & 1;
	/* Free-format (index 0) streams cannot be sized here; refuse them. */
	if (version == 1 || layer_bits == 0 || br_index == 0 || br_index == 15 || sr_index == 3)
		return 0;
	unsigned layer = 4 - layer_bits;
	bool mpeg1 = version == 3;
	unsigned rate = rates_mpeg1[sr_index] >> (mpeg1 ? 0 : version == 2 ? 1 : 2);
	unsigned long bps = bitrates[mpeg1][layer - 1][br_index] * 1000UL;
	if (layer == 1)
		return (unsigned)((12 * bps / rate + pad) * 4);
	if (layer == 3 && !mpeg1)
		return (unsigned)(72 * bps / rate + pad);
	return (unsigned)(144 * bps / rate + pad);
}

static size_t
id3v2_length(const unsigned char *b, size_t n)
{
	if (n < 10 || memcmp(b, "ID3", 3) != 0)
		return 0;
	if ((b[6] | b[7] | b[8] | b[9]) & 0x80)
		return 0;
	size_t size = ((size_t)b[6] << 21) | ((size_t)b[7] << 14) | ((size_t)b[8] << 7) | b[9];
	bool footer = b[5] & 0x10;
	return 10 + size + (footer ? 10 : 0);
}

static int
check_frames(const char *path, const unsigned char *buf, size_t n, char *err, size_t errlen)
{
	size_t off = id3v2_length(buf, n);
	if (off + 4 > n) {
		snprintf(err, errlen, "audio %s is not MP3 (%s)", path,
		    n == 0 ? "empty file" : "no MPEG audio frame after the start/ID3 tag");
		return -1;
	}
	unsigned len = frame_length(buf + off);
	if (len == 0) {
		snprintf(err, errlen, "audio %s is not MP3 (no MPEG audio frame header at byte %zu)",
		    path, off);
		return -1;
	}
	if (off + len + 4 <= n && frame_length(buf + off + len) == 0) {
		snprintf(err, errlen, "audio %s is not MP3 (first frame is not followed by another)",
		    path);
		return -1;
	}
	return 0;
}

int
audio_check_mp3(const char *name, const void *data, size_t len, char *err, size_t errlen)
{
	return check_frames(name, data, len, err, errlen);
}
