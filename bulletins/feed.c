#include "bulletins/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bulletins/atom.h"
#include "bulletins/entry.h"
#include "bulletins/fetch.h"
#include "bulletins/minisign.h"
#include "bulletins/push.h"
#include "bulletins/queue.h"
#include "bulletins/store.h"
#include "bulletins/trustclock.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"

static double
random_unit(void)
{
	return randombytes_uniform(1000000) / 1e6;
}

/* --- index polls ---------------------------------------------------- */

static void start_poll(void *arg);

static void
schedule_poll(struct feed *f, int64_t ms)
{
	if (f->poll_again)
		ms = 0;		/* a push came during the walk */
	f->poll_again = false;
	if (f->timer != 0)
		loop_cancel_timer(f->env->loop, f->timer);
	f->timer = loop_add_timer(f->env->loop, ms, start_poll, f);
}

static void
feed_failed(struct feed *f, const char *what)
{
	int max_s = f->env->retry_max_s > f->poll_s ? f->env->retry_max_s : f->poll_s;

	f->failures++;
	snprintf(f->outcome, sizeof(f->outcome), "failing: %s", what);
	if (!f->failing)
		log_warn("feed %s failing: %s; retrying with back-off up to %d s",
		    f->url, what, max_s);
	f->failing = true;
	schedule_poll(f, policy_backoff_delay_ms(f->poll_s, f->failures,
	    f->env->retry_max_s, random_unit()));
}

/* The server answered (any status): whatever failed is over. */
static void
feed_answered(struct feed *f)
{
	if (f->failing)
		log_notice("feed %s reachable again after %d failed polls", f->url,
		    f->failures);
	f->failing = false;
	f->failures = 0;
}

static void
feed_reachable(struct feed *f, const char *outcome)
{
	feed_answered(f);
	if (f->empty)
		log_notice("feed %s has an index again; polled every %d s as before",
		    f->url, f->poll_s);
	f->empty = false;
	snprintf(f->outcome, sizeof(f->outcome), "%s", outcome);
}

/* 404/410 for the index: the province has published nothing yet (or a
 * deployment is half-way). That is an empty feed, not a failure: it keeps
 * its poll, so the first bulletin published airs as soon as any other. */
static void
feed_empty(struct feed *f, long status)
{
	feed_answered(f);
	if (!f->empty)
		log_notice("feed %s has no index (HTTP %ld): an empty feed for now, "
		    "still polled every %d s", f->url, status, f->poll_s);
	f->empty = true;
	snprintf(f->outcome, sizeof(f->outcome), "empty: HTTP %ld", status);
	schedule_poll(f, policy_poll_delay_ms(f->poll_s, random_unit()));
}

/* --- what a feed may say ---------------------------------------------- */

/* A hostile index listing new junk on every poll must not flood the log
 * (nor the as-played log with skipped lines): FEED_LOG_BURST a minute, then
 * one line counting the rest. */
bool
feed_may_log(struct feed *f)
{
	int64_t now = mono_ms();

	if (f->log_window_ms == 0 || now - f->log_window_ms >= 60000) {
		if (f->log_dropped > 0)
			log_warn("feed %s: %d more refused or unreachable entries in the "
			    "last minute were not logged", f->url, f->log_dropped);
		f->log_window_ms = now;
		f->log_count = f->log_dropped = 0;
	}
	if (f->log_count < FEED_LOG_BURST) {
		f->log_count++;
		return true;
	}
	f->log_dropped++;
	return false;
}

void
feed_report_rejected(struct feed *f, const char *id, const char *url, const char *reason)
{
	if (!feed_may_log(f))
		return;
	log_warn("bulletin %s from %s rejected: %s", id, url != NULL ? url : f->url, reason);
	if (f->env->hooks.rejected != NULL)
		f->env->hooks.rejected(f->env->hooks.ctx, id, reason);
}

/* --- entries side by side --------------------------------------------- */

static struct entry *
find_entry(struct feed *f, const char *url)
{
	for (struct entry *e = f->entries; e != NULL; e = e->next)
		if (strcmp(e->url, url) == 0)
			return e;
	return NULL;
}

static void
add_entry(struct feed *f, struct entry *e)
{
	struct entry **pp = &f->entries;

	e->order = ++f->next_order;
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = e;
	f->nentries++;
}

/* Nothing in progress: the feed's validators may be kept on disk (only
 * when nothing is pending: after a restart the index is then read in full
 * and each pending entry tried once more), the queue pruned and saved. */
static void
settle(struct feed *f)
{
	struct store *st = f->env->store;
	time_t now = trustclock_now(f->env->clock);

	if (f->entries != NULL)
		return;
	if (f->retries.n > 0)
		store_feed_set(st, f->url, NULL, NULL);
	else
		store_feed_set(st, f->url, f->seen_etag, f->seen_lm);
	store_prune(st, now);
	queue_prune(st, now);
	queue_save(st);
}

/* Starts what the bounds allow: documents in the order listed; audio by
 * priority, emergencies never behind another priority's download. A
 * started entry may end at once (and call back here): done in a loop. */
static void
pump(struct feed *f)
{
	if (f->pumping) {
		f->pump_again = true;
		return;
	}
	f->pumping = true;
	do {
		f->pump_again = false;
		size_t docs = 0, audio = 0, em_audio = 0;
		struct entry *doc_next = NULL, *em_next = NULL, *audio_next = NULL;
		for (struct entry *e = f->entries; e != NULL; e = e->next) {
			bool em = e->verdict.priority == PRIO_EMERGENCY;
			if (e->state == ENTRY_DOC)
				docs++;
			else if (e->state == ENTRY_AUDIO)
				*(em ? &em_audio : &audio) += 1;
			else if (e->state == ENTRY_WAITING && doc_next == NULL)
				doc_next = e;
			else if (e->state == ENTRY_AUDIO_WAIT && em && em_next == NULL)
				em_next = e;
			else if (e->state == ENTRY_AUDIO_WAIT && !em && (audio_next == NULL ||
			    e->verdict.priority > audio_next->verdict.priority))
				audio_next = e;
		}
		if (em_next != NULL && em_audio < FEED_EMERGENCY_AUDIO_SLOTS)
			entry_start_audio(em_next);
		else if (audio_next != NULL && audio < FEED_AUDIO_SLOTS)
			entry_start_audio(audio_next);
		else if (doc_next != NULL && docs < FEED_DOC_SLOTS)
			entry_start(doc_next);
		else
			continue;
		f->pump_again = true;
	} while (f->pump_again);
	f->pumping = false;
}

void
feed_entry_finished(struct feed *f, struct entry *e)
{
	for (struct entry **pp = &f->entries; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			f->nentries--;
			break;
		}
	}
	entry_free(e);
	settle(f);
	pump(f);
}

void
feed_entry_wants_audio(struct feed *f, struct entry *e)
{
	e->state = ENTRY_AUDIO_WAIT;
	pump(f);
}

/* An href the feed's origins do not allow: nothing to fetch until the index
 * changes; reported once per reason. */
static void
refuse_unresolved(struct feed *f, const char *href, const char *name, const char *reason)
{
	struct entry_retry *rt = retry_note(&f->retries, href, name, NULL, NULL, NULL,
	    f->walk_gen, mono_ms(), random_unit());

	rt->due_ms = INT64_MAX;
	if (rt->reason == NULL || strcmp(rt->reason, reason) != 0) {
		feed_report_rejected(f, name, NULL, reason);
		free(rt->reason);
		rt->reason = xstrdup(reason);
	}
}

/* One entry listed by the index just read: started unless in progress
 * already, or backing off with nothing to compare against. */
static void
list_entry(struct feed *f, const char *base, const struct atom_entry *ae)
{
	const char *name = ae->id ? ae->id : ae->cap_href;
	char reason[1024], *url = NULL;

	if (ae->cap_href == NULL) {
		refuse_unresolved(f, name != NULL ? name : "(no id)", name != NULL ? name : "(no id)",
		    ae->no_link_why ? ae->no_link_why : "no link to a CAP message");
		return;
	}
	if (policy_resolve_uri(base, ae->cap_href, &f->origins, &url, reason,
	    sizeof(reason)) != 0) {
		refuse_unresolved(f, ae->cap_href ? ae->cap_href : "", name, reason);
		return;
	}
	struct entry_retry *rt = retry_find(&f->retries, url);
	if (rt != NULL)
		rt->gen = f->walk_gen;
	bool backing_off = rt != NULL && mono_ms() < rt->due_ms;
	if (find_entry(f, url) != NULL || f->nentries >= FEED_ENTRIES_MAX ||
	    (backing_off && rt->sha256[0] == '\0')) {
		free(url);
		return;
	}
	add_entry(f, entry_new(f, url, name, backing_off));
	free(url);
}

/* The index is unchanged: the pending entries whose back-off is over. */
static void
list_due_entries(struct feed *f)
{
	int64_t now = mono_ms();

	for (size_t i = 0; i < f->retries.n && f->nentries < FEED_ENTRIES_MAX; i++) {
		const struct entry_retry *rt = &f->retries.v[i];
		if (rt->due_ms <= now && find_entry(f, rt->url) == NULL)
			add_entry(f, entry_new(f, rt->url, rt->name, false));
	}
}

static void
on_index(void *arg, const struct fetch_result *r)
{
	struct feed *f = arg;
	char err[512];

	f->xfer = 0;
	f->last_fetch = time(NULL);
	trustclock_tick(f->env->clock);
	trustclock_note_date(f->env->clock, r->date);
	trustclock_trusted(f->env->clock, NULL);
	if (r->error == FETCH_NOT_FOUND && r->status != 0) {
		feed_empty(f, r->status);
		return;
	}
	if (!r->ok) {
		feed_failed(f, r->err);
		return;
	}
	if (r->not_modified) {
		feed_reachable(f, "not modified");
		list_due_entries(f);
	} else {
		struct atom_feed *index = atom_parse(r->body, r->len, err, sizeof(err));
		if (index == NULL) {
			char what[1024];
			snprintf(what, sizeof(what), "malformed index: %s", err);
			feed_failed(f, what);
			return;
		}
		feed_reachable(f, "ok");
		f->walk_gen++;
		for (size_t i = 0; i < index->nentries; i++)
			list_entry(f, r->final_url, &index->entries[i]);
		atom_free(index);
		/* Entries no longer listed are forgotten. */
		retry_prune(&f->retries, f->walk_gen);
		free(f->seen_etag);
		free(f->seen_lm);
		f->seen_etag = r->etag ? xstrdup(r->etag) : NULL;
		f->seen_lm = r->last_modified ? xstrdup(r->last_modified) : NULL;
	}
	schedule_poll(f, policy_poll_delay_ms(f->poll_s, random_unit()));
	if (f->entries == NULL)
		settle(f);
	pump(f);
}

static void
start_poll(void *arg)
{
	struct feed *f = arg;
	const struct store_feed *sf = store_feed_get(f->env->store, f->url);

	f->timer = 0;
	if (f->xfer != 0)
		return;		/* the last poll is still answering; it schedules the next */
	/* An unsigned index is read by libxml2 on the loop: a small cap bounds
	 * the time its parse can take. */
	struct fetch_request req = { .url = f->url, .max_size = POLICY_INDEX_MAX,
	    .etag = sf ? sf->etag : NULL, .last_modified = sf ? sf->last_modified : NULL,
	    .ca_file = f->ca_file, .origins = &f->origins };

	if (f->seen_etag != NULL || f->seen_lm != NULL) {
		req.etag = f->seen_etag;
		req.last_modified = f->seen_lm;
	}
	f->xfer = fetch_start(f->env->fetcher, &req, on_index, f);
}

/* A push message (or the channel's return): poll now, whatever the
 * timer (a back-off included) says. During a walk, right after it. */
static void
on_push(void *arg)
{
	struct feed *f = arg;

	if (f->xfer != 0)
		f->poll_again = true;
	else
		schedule_poll(f, 0);
}

/* --- life cycle ------------------------------------------------------ */

void
feed_init(struct feed *f, struct feed_env *env, const struct feed_conf *fc)
{
	char err[512];

	memset(f, 0, sizeof(*f));
	f->env = env;
	f->url = xstrdup(fc->url);
	f->poll_s = fc->poll_s > 0 ? fc->poll_s : 15;
	f->max_priority = fc->max_priority;
	f->ca_file = fc->ca != NULL ? xstrdup(fc->ca) : NULL;
	f->allow_origins = xcalloc(fc->nallow_origins + 1, sizeof(*f->allow_origins));
	for (size_t i = 0; i < fc->nallow_origins; i++)
		f->allow_origins[i] = xstrdup(fc->allow_origins[i]);
	f->origins = (struct policy_origins){ .feed_url = f->url,
	    .allowed = (const char *const *)f->allow_origins,
	    .nallowed = fc->nallow_origins };
	f->keys = xcalloc(fc->nkeys ? fc->nkeys : 1, sizeof(*f->keys));
	for (size_t i = 0; i < fc->nkeys; i++) {
		if (minisign_pubkey_load(fc->keys[i], &f->keys[f->nkeys], err, sizeof(err)) != 0) {
			log_warn("feed %s: key %s unusable (%s); the feed is not polled",
			    f->url, fc->keys[i], err);
			f->disabled = true;
			snprintf(f->outcome, sizeof(f->outcome), "disabled: key %s: %s",
			    fc->keys[i], err);
			return;
		}
		f->nkeys++;
	}
	snprintf(f->outcome, sizeof(f->outcome), "not polled yet");
	/* Spread the first polls of stations restarting together. */
	schedule_poll(f, (int64_t)(random_unit() * f->poll_s * 200));
	if (fc->push != NULL)
		f->push = push_create(f->env->loop, f->env->fetcher, fc->push, f->ca_file,
		    on_push, f);
}

void
feed_fini(struct feed *f)
{
	push_destroy(f->push);
	if (f->timer != 0)
		loop_cancel_timer(f->env->loop, f->timer);
	if (f->xfer != 0)
		fetch_cancel(f->env->fetcher, f->xfer);
	while (f->entries != NULL) {
		struct entry *e = f->entries;
		f->entries = e->next;
		entry_free(e);
	}
	f->nentries = 0;
	retry_clear(&f->retries);
	free(f->seen_etag);
	free(f->seen_lm);
	free(f->ca_file);
	for (size_t i = 0; i < f->origins.nallowed; i++)
		free(f->allow_origins[i]);
	free(f->allow_origins);
	free(f->keys);
	free(f->url);
}
