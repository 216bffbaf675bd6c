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
/* Removes each bulletin a's <references> name ("cancels" or "updates", for
 * the log), telling the station; names are remembered as seen until
 * seen_until so they are never queued again. */
void queue_remove_referenced(struct store *s, const struct bulletin_hooks *hooks,
    const struct cap_alert *a, const char *why, time_t seen_until);

const struct bulletin *queue_next_after(struct store *s, enum priority min,
    time_t now, unsigned long long after_seq);
time_t queue_next_due(struct store *s, enum priority min, time_t now);
void queue_aired(struct store *s, const char *key, time_t when);
size_t queue_list(struct store *s, const struct bulletin **out, size_t max);

#endif
