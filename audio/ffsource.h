/*
 * ffsource: audio sources decoded by FFmpeg's libraries (libavformat finds
 * the container from the content, libavcodec decodes, libswresample converts
 * to the player's S16 format). Owns one demuxer, decoder and resampler per
 * source. Files (WAV, OGG Vorbis, Opus, AAC/M4A, FLAC, ...) and live HLS
 * streams plug into the player through struct audio_source (decoder.h).
 * Only the demuxers and protocols listed in ffsource.c are allowed, so a
 * file that is really a playlist cannot make FFmpeg open other files or URLs.
 */
#ifndef LOAXA_FFSOURCE_H
#define LOAXA_FFSOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "audio/decoder.h"

/*
 * Opens a local file whose format libavformat recognises from its content.
 * With want, the source converts to that rate and channel count; without,
 * it keeps the file's rate and gives mono or stereo. NULL with a reason
 * ("F: not audio that decodes (...)").
 */
struct audio_source *ffsource_open_file(const char *path, const struct audio_format *want,
    char *err, size_t errlen);

/*
 * Opens a live HLS stream (http or https .m3u8). live_edge makes a live
 * sliding window start at its newest segments rather than the oldest.
 * stall_s: a read that sees no data for this long fails (the caller
 * reconnects); so does any wait once *quit is set. want is required (a stream must not make the card reopen).
 */
struct audio_source *ffsource_open_hls(const char *url, const struct audio_format *want,
    int stall_s, const atomic_bool *quit, char *err, size_t errlen);

/*
 * The container libavformat finds in path's content ("mp3", "wav", "ogg",
 * "flac", "mov,mp4,m4a,3gp,3g2,mj2", ...), without decoding; 0, or -1 with
 * a reason ("cannot open F: ...", "F: not audio that decodes (...)").
 */
int ffsource_container(const char *path, char *container, size_t clen, char *err,
    size_t errlen);

#endif
