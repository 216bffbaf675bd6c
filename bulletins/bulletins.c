/*
 * bulletins: the module's life cycle and the station's interface
 * (bulletins.h). The work is done in rooms of its own: each feed's walk in
 * feed.c, entries refused for now in retry.c, the queue in queue.c, the
 * state on disk in store.c.
 */
#include "bulletins/bulletins.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "bulletins/feed.h"
#include "bulletins/fetch.h"
#include "bulletins/policy.h"
#include "bulletins/queue.h"
#include "bulletins/speech.h"
#include "bulletins/store.h"
#include "bulletins/trustclock.h"
#include "core/log.h"
#include "core/util.h"

struct bulletins {
	struct feed_env env;
	struct feed *feeds;
	size_t nfeeds;
};

static void
apply_config(struct bulletins *b, const struct config *cfg)
{
	for (size_t i = 0; i < b->env.nareas; i++)
		free(b->env.areas[i]);
	free(b->env.areas);
	b->env.nareas = cfg->station.nareas;
	b->env.areas = xcalloc(b->env.nareas ? b->env.nareas : 1, sizeof(char *));
	for (size_t i = 0; i < b->env.nareas; i++)
		b->env.areas[i] = xstrdup(cfg->station.areas[i]);
	b->env.allow_test = cfg->bulletins.allow_test;
	b->env.speak_text = cfg->bulletins.speak_text;
	b->env.max_message = cfg->bulletins.max_message_size > 0
	    ? (size_t)cfg->bulletins.max_message_size : CAP_DEFAULT_MAX_BYTES;
	b->env.has_location = cfg->station.has_location;
	b->env.location = (struct geo_point){ cfg->station.lat, cfg->station.lon };
	for (size_t i = 0; i < b->env.nlanguages; i++)
		free(b->env.languages[i]);
	free(b->env.languages);
	b->env.nlanguages = cfg->station.nlanguages;
	b->env.languages = xcalloc(b->env.nlanguages + 1, sizeof(char *));
	for (size_t i = 0; i < b->env.nlanguages; i++)
		b->env.languages[i] = xstrdup(cfg->station.languages[i]);
	b->env.default_lifetime_s = cfg->bulletins.default_lifetime_s > 0
	    ? cfg->bulletins.default_lifetime_s : POLICY_DEFAULT_LIFETIME_S;
	b->env.retry_max_s = cfg->bulletins.retry_max_s > 0
	    ? cfg->bulletins.retry_max_s : POLICY_RETRY_MAX_S;
	b->nfeeds = cfg->nfeeds;
	b->feeds = xcalloc(b->nfeeds ? b->nfeeds : 1, sizeof(*b->feeds));
	for (size_t i = 0; i < b->nfeeds; i++)
		feed_init(&b->feeds[i], &b->env, &cfg->feeds[i]);
}

static void
drop_feeds(struct bulletins *b)
{
	for (size_t i = 0; i < b->nfeeds; i++)
		feed_fini(&b->feeds[i]);
	free(b->feeds);
	b->feeds = NULL;
	b->nfeeds = 0;
}

/* A crash mid-download leaves a .part; audio no queued bulletin uses is stale. */
static void
clean_audio_dir(struct bulletins *b)
{
	DIR *d = opendir(b->env.audio_dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && !str_has_prefix(e->d_name, ".dl-"))
			continue;
		char *p = xasprintf("%s/%s", b->env.audio_dir, e->d_name);
		if (!store_audio_in_use(b->env.store, p, NULL))
			unlink(p);
		free(p);
	}
	closedir(d);
}

struct bulletins *
bulletins_create(const struct config *cfg, struct loop *loop,
    const struct bulletin_hooks *hooks, char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium initialisation failed");
		return NULL;
	}
	struct bulletins *b = xcalloc(1, sizeof(*b));
	b->env.loop = loop;
	if (hooks != NULL)
		b->env.hooks = *hooks;
	b->env.audio_dir = xasprintf("%s/bulletins", cfg->paths.cache);
	b->env.speech = speech_create();
	if (mkdir_p(b->env.audio_dir, 0755) != 0) {
		snprintf(err, errlen, "%s: %s", b->env.audio_dir, strerror(errno));
		goto fail;
	}
	char serr[512];
	b->env.store = store_open(cfg->paths.state, serr, sizeof(serr));
	if (b->env.store == NULL) {
		snprintf(err, errlen, "%s", serr);
		goto fail;
	}
	if (serr[0] != '\0')
		log_warn("bulletin state: %s", serr);
	b->env.clock = trustclock_open(cfg->paths.state);
	trustclock_tick(b->env.clock);
	clean_audio_dir(b);
	b->env.fetcher = fetch_create(loop, err, errlen);
	if (b->env.fetcher == NULL)
		goto fail;
	apply_config(b, cfg);
	queue_prune(b->env.store, trustclock_now(b->env.clock));
	return b;
fail:
	bulletins_destroy(b);
	return NULL;
}

void
bulletins_reconfigure(struct bulletins *b, const struct config *cfg)
{
	drop_feeds(b);
	apply_config(b, cfg);
}

void
bulletins_destroy(struct bulletins *b)
{
	if (b == NULL)
		return;
	drop_feeds(b);
	fetch_destroy(b->env.fetcher);
	store_close(b->env.store);
	trustclock_close(b->env.clock);
	for (size_t i = 0; i < b->env.nareas; i++)
		free(b->env.areas[i]);
	free(b->env.areas);
	for (size_t i = 0; i < b->env.nlanguages; i++)
		free(b->env.languages[i]);
	free(b->env.languages);
	speech_destroy(b->env.speech);
	free(b->env.audio_dir);
	free(b);
}

/* --- what the station asks: the queue ---------------------------------- */

/* A station whose clock is behind airs by the latest time known: what
 * expired meanwhile never, what a verified message proves current at once. */
static time_t
latest(struct bulletins *b)
{
	return trustclock_now(b->env.clock);
}

const struct bulletin *
bulletins_next(struct bulletins *b, enum priority min, time_t now)
{
	return queue_next_after(b->env.store, min, now, latest(b), 0);
}

const struct bulletin *
bulletins_next_after(struct bulletins *b, enum priority min, time_t now,
    unsigned long long after_seq)
{
	return queue_next_after(b->env.store, min, now, latest(b), after_seq);
}

time_t
bulletins_next_due(struct bulletins *b, enum priority min, time_t now)
{
	return queue_next_due(b->env.store, min, now, latest(b));
}

void
bulletins_aired(struct bulletins *b, const char *key, time_t when)
{
	queue_aired(b->env.store, key, when);
}

size_t
bulletins_list(struct bulletins *b, const struct bulletin **out, size_t max)
{
	return queue_list(b->env.store, out, max);
}

size_t
bulletins_feed_status(struct bulletins *b, struct feed_status *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nfeeds && n < max; i++, n++) {
		out[n].url = b->feeds[i].url;
		out[n].last_fetch = b->feeds[i].last_fetch;
		out[n].last_outcome = b->feeds[i].outcome;
	}
	return n;
}

void
bulletins_status(struct bulletins *b, struct station_status *out)
{
	struct store *st = b->env.store;

	queue_prune(st, trustclock_now(b->env.clock));
	out->bulletins_waiting = st->nqueue;
	out->nfeeds = 0;
	for (size_t i = 0; i < b->nfeeds && out->nfeeds < STATUS_MAX_FEEDS; i++)
		out->feeds[out->nfeeds++] = (struct status_feed){ b->feeds[i].url,
		    b->feeds[i].last_fetch, b->feeds[i].outcome };
	out->clock_trusted = trustclock_trusted(b->env.clock, &out->clock_evidence);
	out->clock_floor = trustclock_now_hint(b->env.clock);
}

struct speech *
bulletins_speech(struct bulletins *b)
{
	return b->env.speech;
}
