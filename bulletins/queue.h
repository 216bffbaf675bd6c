/*
 * queue: the bulletins waiting to air, over the store that persists them
 * (bulletins/store.h). Owns adding an accepted bulletin, removing those a
 * Cancel or an Update names, dropping the expired and the fully aired with
 * their audio, and the station's questions (bulletins_next and friends in
 * bulletins.h are answered here). Every change is saved before it returns.
 */
#ifndef LOAXA_QUEUE_H
#define LOAXA_QUEUE_H

#include <stddef.h>
#include <time.h>

#include "bulletins/bulletins.h"

struct store;
struct cap_alert;

/* Persists the store; a failure is logged (kept in memory, saved later). */
void queue_save(struct store *s);
/* Drops expired and fully aired bulletins with their audio; saves if any. */
void queue_prune(struct store *s, time_t now);
/* Adds bl (taken) and tells the station. */
void queue_add(struct store *s, const struct bulletin_hooks *hooks, struct bulletin *bl);
/* Who sends a Cancel or an Update. */
struct queue_actor {
	const char *feed;		/* the feed's URL */
	const char *signer;		/* key id that signed it */
	const char *status;		/* its CAP status */
	enum priority max_priority;	/* the feed's cap */
};

/* Removes each bulletin a's <references> name ("cancels" or "updates", for
 * the log), telling the station, when it is bound to the same actor: from
 * the same feed, signed by the same key, of the same status, and not above
 * the feed's max_priority. Anything else is refused and logged, and
 * removes nothing. A reference to nothing queued is remembered as seen until
 * seen_until for messages of the same key only (store key "KEY|SIGNER"),
 * so a guessed identifier suppresses nothing another key publishes. */
void queue_remove_referenced(struct store *s, const struct bulletin_hooks *hooks,
    const struct cap_alert *a, const char *why, time_t seen_until,
    const struct queue_actor *who);
/* The seen key of a message signed by signer, for a Cancel of it that came
 * before it ("KEY|SIGNER"); out needs 1100 bytes. */
void queue_scoped_key(const char *key, const char *signer, char *out, size_t outlen);

/* now: the station's clock (intervals between airings count on it);
 * latest: the latest time known (trustclock_now), by which a bulletin
 * becomes effective and expires. Equal when the clock is right. */
const struct bulletin *queue_next_after(struct store *s, enum priority min,
    time_t now, time_t latest, unsigned long long after_seq);
time_t queue_next_due(struct store *s, enum priority min, time_t now, time_t latest);
void queue_aired(struct store *s, const char *key, time_t when);
size_t queue_list(struct store *s, const struct bulletin **out, size_t max);

#endif
