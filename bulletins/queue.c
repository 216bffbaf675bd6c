#include "bulletins/queue.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bulletins/cap.h"
#include "bulletins/policy.h"
#include "bulletins/store.h"
#include "core/log.h"

void
queue_save(struct store *s)
{
	char err[512];

	if (store_save(s, err, sizeof(err)) != 0)
		log_warn("bulletin state not saved: %s; it is kept in memory and saved at the next change", err);
}

static void
drop_bulletin(struct store *s, struct bulletin *bl)
{
	if (!store_audio_in_use(s, bl->audio_path, bl))
		unlink(bl->audio_path);
	if (bl->announce_path != NULL && !store_audio_in_use(s, bl->announce_path, bl))
		unlink(bl->announce_path);
	store_bulletin_free(bl);
}

void
queue_prune(struct store *s, time_t now)
{
	bool changed = false;

	for (size_t i = 0; i < s->nqueue;) {
		struct bulletin *bl = s->queue[i];
		if (bl->expires > now && bl->plays_done < bl->plays) {
			i++;
			continue;
		}
		log_info("bulletin %s leaves the queue: %s", bl->identifier,
		    bl->expires <= now ? "expired" : "aired as often as asked");
		drop_bulletin(s, store_queue_take(s, bl->key));
		changed = true;
	}
	if (changed)
		queue_save(s);
}

void
queue_add(struct store *s, const struct bulletin_hooks *hooks, struct bulletin *bl)
{
	store_queue_add(s, bl);
	queue_save(s);
	if (hooks->accepted != NULL)
		hooks->accepted(hooks->ctx, bl);
}

void
queue_remove_referenced(struct store *s, const struct bulletin_hooks *hooks,
    const struct cap_alert *a, const char *why, time_t seen_until)
{
	for (size_t i = 0; i < a->nrefs; i++) {
		char rkey[1024];
		if (policy_identity(a->refs[i].sender, a->refs[i].identifier,
		    a->refs[i].sent, rkey, sizeof(rkey)) != 0) {
			log_info("bulletin %s: unusable reference %s,%s,%s ignored",
			    a->identifier, a->refs[i].sender, a->refs[i].identifier,
			    a->refs[i].sent);
			continue;
		}
		/* Never queue the old message again, whatever URL it comes under. */
		store_seen_add(s, rkey, seen_until);
		struct bulletin *old = store_queue_take(s, rkey);
		if (old == NULL) {
			log_info("bulletin %s %s %s, which is not in the queue",
			    a->identifier, why, a->refs[i].identifier);
			continue;
		}
		log_notice("bulletin %s %s by %s", old->identifier,
		    strcmp(why, "cancels") == 0 ? "cancelled" : "replaced", a->identifier);
		if (hooks->cancelled != NULL)
			hooks->cancelled(hooks->ctx, old->identifier, old->key);
		drop_bulletin(s, old);
	}
}

/* --- what the station asks -------------------------------------------- */

static time_t
due_at(const struct bulletin *bl)
{
	time_t due = bl->effective;

	if (bl->last_aired != 0 && bl->last_aired + bl->interval_s > due)
		due = bl->last_aired + bl->interval_s;
	return due;
}

static bool
pending(const struct bulletin *bl, enum priority min)
{
	return bl->priority >= min && bl->plays_done < bl->plays &&
	    due_at(bl) < bl->expires;
}

const struct bulletin *
queue_next_after(struct store *s, enum priority min, time_t now,
    unsigned long long after_seq)
{
	const struct bulletin *best = NULL;

	queue_prune(s, now);
	for (size_t i = 0; i < s->nqueue; i++) {
		const struct bulletin *bl = s->queue[i];
		if (bl->seq <= after_seq || !pending(bl, min) || due_at(bl) > now ||
		    now >= bl->expires)
			continue;
		if (best == NULL || bl->seq < best->seq)
			best = bl;
	}
	return best;
}

time_t
queue_next_due(struct store *s, enum priority min, time_t now)
{
	time_t next = 0;

	queue_prune(s, now);
	for (size_t i = 0; i < s->nqueue; i++) {
		const struct bulletin *bl = s->queue[i];
		if (!pending(bl, min))
			continue;
		if (next == 0 || due_at(bl) < next)
			next = due_at(bl);
	}
	return next;
}

void
queue_aired(struct store *s, const char *key, time_t when)
{
	struct bulletin *bl = store_queue_find(s, key);

	if (bl == NULL)
		return;
	bl->plays_done++;
	bl->last_aired = when;
	/* Persisted before returning: a power cut must not make it air again. */
	queue_save(s);
}

size_t
queue_list(struct store *s, const struct bulletin **out, size_t max)
{
	size_t n = 0;

	queue_prune(s, time(NULL));
	for (size_t i = 0; i < s->nqueue && n < max; i++)
		out[n++] = s->queue[i];
	return n;
}
