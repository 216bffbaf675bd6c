/*
 * feed: one feed. Owns polling its index (conditional GET, jitter, back-off
 * while it fails, a size cap so its parse stays short), the entries it lists
 * in progress side by side (bulletins/entry.h takes each through document,
 * signature, policy and audio) with small bounds on parallel transfers and
 * audio fetched by priority, the entries refused for now
 * (bulletins/retry.h), a limit on how much one feed may log, and what
 * `loaxactl status` says about the feed. Runs on the loop; an index poll
 * never waits for an entry.
 */
#ifndef LOAXA_FEED_H
#define LOAXA_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bulletins/bulletins.h"
#include "bulletins/geo.h"
#include "bulletins/policy.h"
#include "bulletins/retry.h"

struct loop;
struct fetcher;
struct store;
struct atom_feed;
struct cap_alert;
struct cap_resource;
struct minisign_pubkey;
struct speech;
struct push;
struct trustclock;

/* What every feed of a station shares; owned by bulletins.c. */
struct feed_env {
	struct loop *loop;
	struct fetcher *fetcher;
	struct store *store;
	struct trustclock *clock;	/* the latest time known: expiry is judged by it */
	struct bulletin_hooks hooks;
	struct speech *speech;		/* text-only bulletins and test announcements */
	char **areas;
	size_t nareas;
	char **languages;
	size_t nlanguages;
	bool has_location;
	struct geo_point location;
	bool told_no_location;		/* "shapes cannot be matched", once a run */
	bool speak_text;
	size_t max_message;
	bool allow_test;
	int default_lifetime_s;
	int retry_max_s;		/* a failing feed waits at most max(poll, this) */
	char *audio_dir;		/* paths.cache/bulletins */
	unsigned tmp_counter;		/* names of partial downloads */
};

#define FEED_LOG_BURST	30	/* refusals logged per feed and minute; the rest counted */

#define FEED_DOC_SLOTS	3	/* entries fetching their document at once */
#define FEED_AUDIO_SLOTS 2	/* audio downloads at once, emergencies apart ... */
#define FEED_EMERGENCY_AUDIO_SLOTS 2	/* ... which wait only for each other */
#define FEED_ENTRIES_MAX 512	/* entries in progress; more wait for the next poll */

struct entry;

struct feed {
	struct feed_env *env;
	char *url;
	int poll_s;
	enum priority max_priority;
	struct minisign_pubkey *keys;
	size_t nkeys;
	char *ca_file;			/* PEM CAs for its HTTPS instead of the system store, or NULL */
	char **allow_origins;		/* other origins its URIs may name (a CDN) */
	struct policy_origins origins;	/* url + allow_origins, for policy and fetch */
	bool disabled;			/* its keys could not be loaded */
	uint64_t timer;
	uint64_t xfer;			/* the index being fetched */
	int failures;
	bool failing;
	bool empty;			/* the index answered 404/410: nothing published yet */
	struct push *push;		/* its push channel, or NULL */
	bool poll_again;		/* woken during a walk: poll as soon as it ends */
	time_t last_fetch;
	char outcome[1200];
	/* validators of the index last read in full in this run: an
	 * unchanged index costs a 304 even while entries are pending */
	char *seen_etag, *seen_lm;
	struct retry_set retries;
	unsigned walk_gen;		/* counts the indexes read */
	/* Entries in progress, side by side: index polls never wait for them,
	 * and an emergency's audio never waits behind a normal bulletin's. */
	struct entry *entries;
	size_t nentries;
	unsigned long long next_order;
	bool pumping, pump_again;
	/* refusal lines of this feed: at most FEED_LOG_BURST a minute */
	int64_t log_window_ms;
	int log_count, log_dropped;
};

/* Loads the feed's keys and schedules its first poll (a feed whose keys
 * cannot be loaded is disabled: logged, never polled). */
void feed_init(struct feed *f, struct feed_env *env, const struct feed_conf *fc);
/* Abandons its transfers and timers. */
void feed_fini(struct feed *f);

/* For entry.c. */
/* e is settled: freed here, and the next entries start. */
void feed_entry_finished(struct feed *f, struct entry *e);
/* e was accepted and needs its audio: started by priority as slots free. */
void feed_entry_wants_audio(struct feed *f, struct entry *e);
/* False when this feed said enough this minute (counted, said later). */
bool feed_may_log(struct feed *f);
/* Logs a refusal and tells the station (a skipped line), within the limit. */
void feed_report_rejected(struct feed *f, const char *id, const char *url,
    const char *reason);

#endif
