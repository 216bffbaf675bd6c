/*
 * relay: a live stream as an audio source that never ends by itself.
 * Icecast/SHOUTcast MP3 (httpin + icy + libmpg123 fed by the network) or
 * HLS (ffsource); playlists that point to streams (M3U, PLS, nested up to
 * RELAY_MAX_DEPTH) are followed. Owns one reader thread per relay: network
 * reads may block for seconds, the player thread must not (a stop, an
 * emergency, is seen between chunks). The reader fills a ring of decoded
 * frames; while the stream is down (refused, dropped, stalled for stall_s)
 * the fallback files air instead, or silence, and the reader reconnects
 * with a back-off of at most RELAY_MAX_BACKOFF_S. Each outage and each
 * recovery is one log line; a recovered stream airs live, never from a
 * stale buffer.
 */
#ifndef LOAXA_RELAY_H
#define LOAXA_RELAY_H

#include <stddef.h>

#include "audio/decoder.h"
#include "audio/httpin.h"

#define RELAY_MAX_DEPTH 3
#define RELAY_MAX_BACKOFF_S 10

struct relay_params {
	const char *name;		/* for the log: "relay vov1: ..." */
	const char *url;
	int stall_s;			/* no data this long: down (default 5) */
	/* Aired while down: a file, or an M3U/PLS playlist whose files air in
	 * turn; NULL or "": silence. */
	const char *fallback;
	const struct httpin_ops *http;	/* NULL: libcurl */
};

/* Starts connecting at once; never fails (a stream that is down airs the
 * fallback). fmt is the card's format, required. */
struct audio_source *relay_open(const struct relay_params *rp, const struct audio_format *fmt);

/* How long the stream itself aired and how many outages it had. */
void relay_stats(struct audio_source *src, double *live_s, int *outages);

#endif
