/*
 * retry: one feed's entries refused for now (a missing signature, audio not
 * there yet or corrupt, the clock not set, a transport error), each with its
 * own back-off: tried again after 1 min doubling to 1 h (+-15 %), or at once
 * when its CAP text changes. Kept in memory only, and bounded: past
 * RETRY_MAX entries the one refused longest ago is forgotten. Pure data:
 * no I/O, no logging; the caller passes the clock.
 */
#ifndef LOAXA_RETRY_H
#define LOAXA_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RETRY_MIN_S	60		/* an entry refused for now is tried again after this, */
#define RETRY_MAX_S	3600		/* doubling up to this */
#define RETRY_MAX	256		/* entries remembered per feed */

struct entry_retry {
	char *url;			/* as listed in the index, resolved */
	char *name;			/* atom id or href, for the log */
	char *etag, *last_modified;	/* of the refused document, or NULL */
	char sha256[65];		/* of the refused document; "" if none was read */
	int failures;			/* in a row for this text */
	int64_t due_ms;			/* mono_ms() when it is tried again */
	int64_t noted_ms;		/* when it was last refused: the oldest goes first */
	unsigned gen;			/* walk generation of the last index listing it */
	char *reason;			/* the refusal last logged (once per run), or NULL */
};

struct retry_set {
	struct entry_retry *v;
	size_t n;
};

/* The back-off after `failures` (>= 1) refusals in a row; r uniform in [0,1). */
int64_t retry_backoff_ms(int failures, double r);

struct entry_retry *retry_find(struct retry_set *s, const char *url);
/* Records one more refusal of url (created if new: name is copied). The
 * count starts over when sha256 differs from the last refused text. Returns
 * the entry, due after its back-off from now_ms. */
struct entry_retry *retry_note(struct retry_set *s, const char *url, const char *name,
    const char *etag, const char *last_modified, const char *sha256, unsigned gen,
    int64_t now_ms, double r);
void retry_forget(struct retry_set *s, const char *url);
/* Forgets entries not listed by the index of generation gen. */
void retry_prune(struct retry_set *s, unsigned gen);
void retry_clear(struct retry_set *s);

#endif
