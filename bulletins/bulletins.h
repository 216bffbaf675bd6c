/*
 * bulletins: the station side of warning bulletins. Owns polling the feeds
 * (index.atom, alerts/ID.xml + .minisig, audio), the acceptance decision
 * (signature by the feed's keys, CAP policy, audio digest), and the bulletin
 * queue with its seen-identities cache, persisted under paths.state so that
 * it survives restarts and power cuts. Verified audio lives under
 * paths.cache/bulletins/, named by loaxad (<sha256>.mp3 or .audio, embedded
 * audio included; speech-<sha256>.wav for text spoken), never by the feed.
 *
 * All network I/O goes through libcurl's multi interface driven by the event
 * loop (fd handlers and timers): the loop never blocks on the network.
 * Everything here runs on the loop thread; hooks are called from the loop.
 *
 * Pointers handed out (bulletins_next, bulletins_list, hook arguments) stay
 * valid only until control returns to the loop or the next call into this
 * module: copy what you keep (key, audio_path).
 */
#ifndef LOAXA_BULLETINS_H
#define LOAXA_BULLETINS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "core/status.h"

struct loop;
struct bulletins;

struct bulletin {
	char *key;		/* normalised identity of (sender, identifier, sent) */
	char *identifier, *sender;
	char *title;
	enum priority priority;	/* core/config.h */
	bool is_test;		/* Exercise/Test, aired only where allowed, announced as a test */
	time_t sent, effective, expires;
	int plays, plays_done, interval_s;
	time_t last_aired;	/* 0: never */
	char *audio_path;	/* verified file in the cache, named by loaxad */
	char *language;		/* of the <info> aired (CAP tag, "en-US" when it named none) */
	bool speech;		/* audio_path was synthesised from the text */
	char *announce_path;	/* is_test: the spoken test announcement, or NULL (a tone) */
	/* Who may Cancel or Update it: the same feed, the same key, the same status. */
	char *feed;		/* URL of the feed it came from */
	char *signer;		/* minisign key id of the key that signed it */
	char *status;		/* CAP status: Actual, Exercise, Test */
	unsigned long long seq;	/* arrival order */
};

struct bulletin_hooks {
	void *ctx;
	/* A new (or updating) bulletin is in the queue, audio verified in the
	 * cache. For an Update, cancelled() was called first for each bulletin
	 * it replaces. */
	void (*accepted)(void *ctx, const struct bulletin *b);
	/* A queued bulletin was removed by a Cancel or replaced by an Update.
	 * If it is on air now, let it finish; never start it again. */
	void (*cancelled)(void *ctx, const char *identifier, const char *key);
	/* A message meant for this station was refused (bad signature, digest,
	 * policy...). The station writes a `skipped` as-played line when it was
	 * due to air here. identifier may be the feed entry's id or href when
	 * the CAP could not be read. Not called for "not for our area". */
	void (*rejected)(void *ctx, const char *identifier, const char *reason);
};

/* Loads the queue and seen-cache, cleans half-downloaded audio, loads the
 * feeds' keys and schedules the first polls. NULL with err on failure. */
struct bulletins *bulletins_create(const struct config *cfg, struct loop *loop,
    const struct bulletin_hooks *hooks, char *err, size_t errlen);
/* New feeds/keys/areas/limits; in-flight fetches are abandoned, the queue kept. */
void bulletins_reconfigure(struct bulletins *b, const struct config *cfg);
void bulletins_destroy(struct bulletins *b);

/* Oldest eligible bulletin with at least `min` priority, plays left, inside
 * effective..expires, whose interval since last_aired has passed; NULL if none. */
const struct bulletin *bulletins_next(struct bulletins *b, enum priority min, time_t now);
/* The same among bulletins with seq > after_seq (0: all): walks the queue
 * once per `bulletins` step without airing one twice in it. */
const struct bulletin *bulletins_next_after(struct bulletins *b, enum priority min,
    time_t now, unsigned long long after_seq);
/* When the next airing of any bulletin with >= min priority becomes due:
 * <= now when one is eligible already, 0 when none is pending. */
time_t bulletins_next_due(struct bulletins *b, enum priority min, time_t now);
/* Counts one completed airing; persisted (atomic write) before it returns.
 * Unknown keys (cancelled meanwhile) are ignored. */
void bulletins_aired(struct bulletins *b, const char *key, time_t when);

/* The synthesiser the bulletins speak with (libespeak-ng holds one global
 * state, so the operator's notices use this one too); loop thread only. */
struct speech *bulletins_speech(struct bulletins *b);

/* For loaxactl queue/status. */
size_t bulletins_list(struct bulletins *b, const struct bulletin **out, size_t max);
struct feed_status { const char *url; time_t last_fetch; const char *last_outcome; };
size_t bulletins_feed_status(struct bulletins *b, struct feed_status *out, size_t max);
/* Fills the bulletin facts of out (waiting, feeds, clock); the rest is the
 * station's (station_get_status, called first). */
void bulletins_status(struct bulletins *b, struct station_status *out);

#endif
