/*
 * chime: sources synthesised in memory, so the station can sound its
 * chime, a test tone and silence with no file at all: the built-in
 * two-tone chime (about 2 s), a 1 kHz sine at -6 dBFS and plain silence.
 * They adapt to any format, so they never make the player reopen the card.
 */
#ifndef LOAXA_CHIME_H
#define LOAXA_CHIME_H

#include "audio/decoder.h"

#define CHIME_SECONDS 2.0
#define TONE_HZ 1000.0

struct audio_source *chime_open_builtin(const struct audio_format *fmt);
struct audio_source *chime_open_tone(const struct audio_format *fmt, double seconds);
struct audio_source *chime_open_silence(const struct audio_format *fmt, double seconds);

#endif
