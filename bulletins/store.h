/*
 * store: the bulletin module's state on disk, one JSON file
 * (paths.state/bulletins.json, jansson) written atomically (temporary file,
 * fsync, rename) so a power cut leaves the old or the new state. Owns the
 * queue (struct bulletin with plays_done, last_aired), the seen-identities
 * cache (never queue a message twice, across restarts and URLs), the
 * per-document cache (URL -> validators and content hash, so an unchanged
 * alert costs nothing) and the feeds' validators. Temporary files left by
 * a crash are ignored and removed when opening.
 */
#ifndef LOAXA_STORE_H
#define LOAXA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bulletins/bulletins.h"

#define STORE_FILE "bulletins.json"
#define STORE_DOCS_MAX 1024	/* documents remembered; the least recently listed go first */

struct store_doc {
	char *url;
	char *etag, *last_modified;	/* NULL when the server gave none */
	char sha256[65];		/* of the CAP document processed */
	time_t checked;			/* last seen in a feed; pruned after a week */
};

struct store_seen {
	char *key;
	time_t until;			/* forgotten after this (expiry + margin) */
};

struct store_feed {
	char *url;
	char *etag, *last_modified;
};

struct store {
	char *path;
	struct bulletin **queue;	/* in arrival order */
	size_t nqueue;
	struct store_seen *seen;
	size_t nseen;
	struct store_doc *docs;
	size_t ndocs;
	struct store_feed *feeds;
	size_t nfeeds;
	unsigned long long next_seq;
};

/* Opens (creating state_dir) and loads STORE_FILE. A missing file is an
 * empty store. An unreadable one is moved aside to STORE_FILE.corrupt and
 * the store starts empty with a warning in err (err[0] != 0); NULL with err
 * only when state_dir is unusable. */
struct store *store_open(const char *state_dir, char *err, size_t errlen);
void store_close(struct store *s);
/* Persists everything now; 0, or -1 with err. */
int store_save(struct store *s, char *err, size_t errlen);

/* Takes ownership of b and gives it the next seq. */
void store_queue_add(struct store *s, struct bulletin *b);
struct bulletin *store_queue_find(struct store *s, const char *key);
/* Removes from the queue and returns it (caller frees), NULL if absent. */
struct bulletin *store_queue_take(struct store *s, const char *key);
/* True when another queued bulletin than `except` uses audio_path. */
bool store_audio_in_use(const struct store *s, const char *audio_path,
    const struct bulletin *except);
void store_bulletin_free(struct bulletin *b);

bool store_seen_has(const struct store *s, const char *key);
/* Remembers key until `until` (keeps the later of two). */
void store_seen_add(struct store *s, const char *key, time_t until);
/* Drops seen entries past their until and docs unchecked for a week. */
void store_prune(struct store *s, time_t now);

const struct store_doc *store_doc_get(const struct store *s, const char *url);
void store_doc_set(struct store *s, const char *url, const char *etag,
    const char *last_modified, const char *sha256, time_t now);
void store_doc_touch(struct store *s, const char *url, time_t now);

const struct store_feed *store_feed_get(const struct store *s, const char *url);
/* etag and last_modified may be NULL (forget them: the next GET is full). */
void store_feed_set(struct store *s, const char *url, const char *etag,
    const char *last_modified);

#endif
