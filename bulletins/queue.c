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
queue_scoped_key(const char *key, const char *signer, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s|%s", key, signer);
}

/* Why who may not touch old, or NULL when it may. */
static const char *
binding_refused(const struct bulletin *old, const struct queue_actor *who)
{
	if (old->feed == NULL || strcmp(old->feed, who->feed) != 0)
		return "it came from another feed";
	if (old->signer == NULL || strcmp(old->signer, who->signer) != 0)
		return "it was signed by another key";
	if (old->status == NULL || strcmp(old->status, who->status) != 0)
		return "its status differs";
	if (old->priority > who->max_priority)
		return "its priority is above this feed's max_priority";
	return NULL;
}

void
queue_remove_referenced(struct store *s, const struct bulletin_hooks *hooks,
    const struct cap_alert *a, const char *why, time_t seen_until,
    const struct queue_actor *who)
{
	for (size_t i = 0; i < a->nrefs; i++) {
		char rkey[1024], scoped[1100];
		if (policy_identity(a->refs[i].sender, a->refs[i].identifier,
		    a->refs[i].sent, rkey, sizeof(rkey)) != 0) {
			log_info("bulletin %s: unusable reference %s,%s,%s ignored",
			    a->identifier, a->refs[i].sender, a->refs[i].identifier,
			    a->refs[i].sent);
			continue;
		}
		struct bulletin *old = store_queue_find(s, rkey);
		if (old == NULL) {
			/* Never queue it later from the same key, whatever URL. */
			queue_scoped_key(rkey, who->signer, scoped, sizeof(scoped));
			store_seen_add(s, scoped, seen_until);
			log_info("bulletin %s (key %s) %s %s, which is not in the queue",
			    a->identifier, who->signer, why, a->refs[i].identifier);
			continue;
		}
		const char *refused = binding_refused(old, who);
		if (refused != NULL) {
			log_warn("bulletin %s from %s (key %s, %s) %s %s: refused, %s; "
			    "it stays in the queue", a->identifier, who->feed, who->signer,
			    who->status, why, old->identifier, refused);
			continue;
		}
		store_seen_add(s, rkey, seen_until);
		old = store_queue_take(s, rkey);
		log_notice("bulletin %s %s by %s (key %s)", old->identifier,
		    strcmp(why, "cancels") == 0 ? "cancelled" : "replaced", a->identifier,
		    who->signer);
		if (hooks->cancelled != NULL)
			hooks->cancelled(hooks->ctx, old->identifier, old->key);
		drop_bulletin(s, old);
	}
}

/* --- what the station asks -------------------------------------------- */

/* A bulletin's own times (effective, expires) are true times; the station
 * counts intervals on its clock (last_aired). skew = the latest time known
 * minus the station's clock (0 when the clock is right). When it may air
 * next, on the station's clock. */
static time_t
due_local(const struct bulletin *bl, time_t skew)
{
	time_t due = bl->effective - skew;

	if (bl->last_aired != 0 && bl->last_aired + bl->interval_s > due)
		due = bl->last_aired + bl->interval_s;
	return due;
}

static bool
pending(const struct bulletin *bl, enum priority min, time_t skew)
{
	return bl->priority >= min && bl->plays_done < bl->plays &&
	    due_local(bl, skew) + skew < bl->expires;
}

const struct bulletin *
queue_next_after(struct store *s, enum priority min, time_t now, time_t latest,
    unsigned long long after_seq)
{
	const struct bulletin *best = NULL;
	time_t skew = latest > now ? latest - now : 0;

	queue_prune(s, now + skew);
	for (size_t i = 0; i < s->nqueue; i++) {
		const struct bulletin *bl = s->queue[i];
		if (bl->seq <= after_seq || !pending(bl, min, skew) ||
		    due_local(bl, skew) > now || now + skew >= bl->expires)
			continue;
		if (best == NULL || bl->seq < best->seq)
			best = bl;
	}
	return best;
}

time_t
queue_next_due(struct store *s, enum priority min, time_t now, time_t latest)
{
	time_t next = 0, skew = latest > now ? latest - now : 0;

	queue_prune(s, now + skew);
	for (size_t i = 0; i < s->nqueue; i++) {
		const struct bulletin *bl = s->queue[i];
		if (!pending(bl, min, skew))
			continue;
		if (next == 0 || due_local(bl, skew) < next)
			next = due_local(bl, skew);
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
