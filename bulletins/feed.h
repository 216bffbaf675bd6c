/*
 * feed: one feed's walk. Owns polling its index (conditional GET, jitter,
 * back-off while it fails), and taking each entry through its document, its
 * signature by the feed's keys, the CAP policy and its audio, into the
 * queue (bulletins/queue.h) or a refusal: for good, or for now with the
 * entry's own back-off (bulletins/retry.h). Also what `loaxactl status`
 * says about the feed. Runs on the loop; one walk at a time per feed.
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

/* What every feed of a station shares; owned by bulletins.c. */
struct feed_env {
	struct loop *loop;
	struct fetcher *fetcher;
	struct store *store;
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

struct due_entry { char *url, *name; };

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
	uint64_t xfer;
	int failures;
	bool failing;
	bool empty;			/* the index answered 404/410: nothing published yet */
	struct push *push;		/* its push channel, or NULL */
	bool poll_again;		/* woken during a walk: poll as soon as it ends */
	time_t last_fetch;
	char outcome[1200];
	/* validators of the index last walked in full in this run: an
	 * unchanged index costs a 304 even while entries are pending */
	char *seen_etag, *seen_lm;
	struct retry_set retries;
	unsigned walk_gen;
	/* the walk now in progress: over a new index, or (index NULL) over
	 * the pending entries whose back-off is over */
	struct atom_feed *index;
	char *index_etag, *index_lm, *base_url;
	struct due_entry *due;
	size_t ndue;
	size_t pos;
	bool incomplete;		/* something to retry: do not store the index validators */
	/* the entry now in progress */
	const char *entry_name;		/* atom id or href, until the CAP names it */
	char *entry_url;		/* as listed: the key of its retry */
	bool revalidating;		/* backing off: fetched only to see whether it changed */
	char *doc_url, *xml, *xml_etag, *xml_lm;
	size_t xml_len;
	char xml_sha256[65];
	struct cap_alert *alert;
	struct policy_verdict verdict;
	char key[1024];
	const struct cap_resource *res;
	char *tmp_audio;
};

/* Loads the feed's keys and schedules its first poll (a feed whose keys
 * cannot be loaded is disabled: logged, never polled). */
void feed_init(struct feed *f, struct feed_env *env, const struct feed_conf *fc);
/* Abandons its transfer and timers. */
void feed_fini(struct feed *f);

#endif
