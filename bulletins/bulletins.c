#include "bulletins/bulletins.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "bulletins/atom.h"
#include "bulletins/cap.h"
#include "bulletins/fetch.h"
#include "bulletins/minisign.h"
#include "bulletins/policy.h"
#include "bulletins/push.h"
#include "bulletins/speech.h"
#include "bulletins/store.h"
#include "audio/decoder.h"
#include "core/log.h"
#include "core/util.h"
#include "core/loop.h"

#define SEEN_MARGIN_S (2 * 24 * 3600)	/* remember identities past expiry (clock skew) */
#define CANCEL_MEMORY_S (30 * 24 * 3600)
#define ENTRY_RETRY_MIN_S 60		/* an entry refused for now is tried again after this, */
#define ENTRY_RETRY_MAX_S 3600		/* doubling up to this */

/* An entry refused for now (missing signature, audio not there or corrupt,
 * clock not set, transport error): tried again after a back-off, or at once
 * when its CAP text changes. Kept in memory only: the feed's validators are
 * not stored while any is pending, so after a restart the index is read in
 * full and each such entry is tried once more. */
struct entry_retry {
	char *url;			/* as listed in the index, resolved */
	char *name;			/* atom id or href, for the log */
	char *etag, *last_modified;	/* of the refused document, or NULL */
	char sha256[65];		/* of the refused document; "" if none was read */
	int failures;			/* in a row for this text */
	int64_t due_ms;			/* mono_ms() when it is tried again */
	unsigned gen;			/* walk_gen of the last index listing it */
};

struct due_entry { char *url, *name; };

struct feed {
	struct bulletins *b;
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
	struct entry_retry *retries;
	size_t nretries;
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

struct bulletins {
	struct loop *loop;
	struct fetcher *fetcher;
	struct store *store;
	struct bulletin_hooks hooks;
	struct speech *speech;
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
	char *audio_dir;
	struct feed *feeds;
	size_t nfeeds;
	char **reported;		/* "url\nreason" of retried refusals, logged once */
	size_t nreported;
	unsigned tmp_counter;
};

static void next_entry(struct feed *f);

static double
random_unit(void)
{
	return randombytes_uniform(1000000) / 1e6;
}

/* --- feed scheduling and state ------------------------------------- */

static void start_poll(void *arg);

static void
schedule_poll(struct feed *f, int64_t ms)
{
	if (f->poll_again)
		ms = 0;		/* a push came during the walk */
	f->poll_again = false;
	if (f->timer != 0)
		loop_cancel_timer(f->b->loop, f->timer);
	f->timer = loop_add_timer(f->b->loop, ms, start_poll, f);
}

static void
clear_entry(struct feed *f)
{
	free(f->entry_url);
	f->entry_url = NULL;
	f->revalidating = false;
	f->xml_sha256[0] = '\0';
	free(f->doc_url);
	free(f->xml);
	free(f->xml_etag);
	free(f->xml_lm);
	cap_free(f->alert);
	if (f->tmp_audio != NULL)
		unlink(f->tmp_audio);
	free(f->tmp_audio);
	f->doc_url = f->xml = f->xml_etag = f->xml_lm = f->tmp_audio = NULL;
	f->alert = NULL;
	f->res = NULL;
	f->entry_name = NULL;
	f->key[0] = '\0';
}

static void
clear_walk(struct feed *f)
{
	clear_entry(f);
	atom_free(f->index);
	free(f->index_etag);
	free(f->index_lm);
	free(f->base_url);
	f->index = NULL;
	f->index_etag = f->index_lm = f->base_url = NULL;
	for (size_t i = 0; i < f->ndue; i++) {
		free(f->due[i].url);
		free(f->due[i].name);
	}
	free(f->due);
	f->due = NULL;
	f->ndue = 0;
}

/* --- entries refused for now: back-off ------------------------------ */

static int64_t
entry_backoff_ms(int failures, double r)
{
	double s = ENTRY_RETRY_MIN_S;

	for (int i = 1; i < failures && s < ENTRY_RETRY_MAX_S; i++)
		s *= 2;
	if (s > ENTRY_RETRY_MAX_S)
		s = ENTRY_RETRY_MAX_S;
	/* +-15 %: stations refused together do not come back together. */
	return (int64_t)(s * 1000.0 * (0.85 + 0.3 * r));
}

static struct entry_retry *
retry_find(struct feed *f, const char *url)
{
	for (size_t i = 0; url != NULL && i < f->nretries; i++)
		if (strcmp(f->retries[i].url, url) == 0)
			return &f->retries[i];
	return NULL;
}

static void
retry_free_at(struct feed *f, size_t i)
{
	struct entry_retry *rt = &f->retries[i];

	free(rt->url);
	free(rt->name);
	free(rt->etag);
	free(rt->last_modified);
	f->retries[i] = f->retries[--f->nretries];
}

static void
retry_forget(struct feed *f, const char *url)
{
	struct entry_retry *rt = retry_find(f, url);

	if (rt != NULL)
		retry_free_at(f, (size_t)(rt - f->retries));
}

/* The entry now in progress was refused for now: back off, starting over
 * when its text is new. An entry whose URL could not even be resolved has
 * nothing to come back to: the index must change first. */
static void
retry_note(struct feed *f)
{
	struct entry_retry *rt = retry_find(f, f->entry_url);

	if (f->entry_url == NULL)
		return;
	if (rt == NULL) {
		f->retries = xreallocarray(f->retries, f->nretries + 1, sizeof(*f->retries));
		rt = &f->retries[f->nretries++];
		memset(rt, 0, sizeof(*rt));
		rt->url = xstrdup(f->entry_url);
		rt->name = xstrdup(f->entry_name != NULL ? f->entry_name : f->entry_url);
	} else if (strcmp(rt->sha256, f->xml_sha256) != 0) {
		rt->failures = 0;
	}
	rt->failures++;
	free(rt->etag);
	free(rt->last_modified);
	rt->etag = f->xml_etag != NULL ? xstrdup(f->xml_etag) : NULL;
	rt->last_modified = f->xml_lm != NULL ? xstrdup(f->xml_lm) : NULL;
	memcpy(rt->sha256, f->xml_sha256, sizeof(rt->sha256));
	rt->due_ms = mono_ms() + entry_backoff_ms(rt->failures, random_unit());
	rt->gen = f->walk_gen;
}

/* Entries no longer listed by the index just walked are forgotten. */
static void
retries_prune(struct feed *f)
{
	for (size_t i = 0; i < f->nretries;) {
		if (f->retries[i].gen != f->walk_gen)
			retry_free_at(f, i);
		else
			i++;
	}
}

static void
retries_free(struct feed *f)
{
	while (f->nretries > 0)
		retry_free_at(f, f->nretries - 1);
	free(f->retries);
	f->retries = NULL;
}

static void
feed_failed(struct feed *f, const char *what)
{
	int max_s = f->b->retry_max_s > f->poll_s ? f->b->retry_max_s : f->poll_s;

	f->failures++;
	snprintf(f->outcome, sizeof(f->outcome), "failing: %s", what);
	if (!f->failing)
		log_warn("feed %s failing: %s; retrying with back-off up to %d s",
		    f->url, what, max_s);
	f->failing = true;
	clear_walk(f);
	schedule_poll(f, policy_backoff_delay_ms(f->poll_s, f->failures,
	    f->b->retry_max_s, random_unit()));
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
	clear_walk(f);
	schedule_poll(f, policy_poll_delay_ms(f->poll_s, random_unit()));
}

static void
save_store(struct bulletins *b)
{
	char err[512];

	if (store_save(b->store, err, sizeof(err)) != 0)
		log_warn("bulletin state not saved: %s; it is kept in memory and saved at the next change", err);
}

/* --- queue maintenance ------------------------------------------------ */

static void
drop_bulletin(struct bulletins *b, struct bulletin *bl)
{
	if (!store_audio_in_use(b->store, bl->audio_path, bl))
		unlink(bl->audio_path);
	if (bl->announce_path != NULL && !store_audio_in_use(b->store, bl->announce_path, bl))
		unlink(bl->announce_path);
	store_bulletin_free(bl);
}

/* Lazily drops expired and fully aired bulletins with their audio. */
static void
prune_queue(struct bulletins *b, time_t now)
{
	bool changed = false;

	for (size_t i = 0; i < b->store->nqueue;) {
		struct bulletin *bl = b->store->queue[i];
		if (bl->expires > now && bl->plays_done < bl->plays) {
			i++;
			continue;
		}
		log_info("bulletin %s leaves the queue: %s", bl->identifier,
		    bl->expires <= now ? "expired" : "aired as often as asked");
		drop_bulletin(b, store_queue_take(b->store, bl->key));
		changed = true;
	}
	if (changed)
		save_store(b);
}

/* --- refusals ------------------------------------------------------ */

static const char *
entry_identifier(const struct feed *f)
{
	if (f->alert != NULL && f->alert->identifier != NULL)
		return f->alert->identifier;
	return f->entry_name != NULL ? f->entry_name : "(unnamed)";
}

static void
record_doc(struct feed *f)
{
	retry_forget(f, f->entry_url);	/* settled for good */
	if (f->doc_url != NULL)
		store_doc_set(f->b->store, f->doc_url, f->xml_etag, f->xml_lm,
		    f->xml_sha256, time(NULL));
}

static void
report_rejected(struct feed *f, const char *reason)
{
	const char *id = entry_identifier(f);

	log_warn("bulletin %s from %s rejected: %s", id,
	    f->doc_url != NULL ? f->doc_url : f->url, reason);
	if (f->b->hooks.rejected != NULL)
		f->b->hooks.rejected(f->b->hooks.ctx, id, reason);
}

/* Refused for good: remembered with the document so it is not refused again. */
static void
reject_final(struct feed *f, const char *reason)
{
	report_rejected(f, reason);
	record_doc(f);
	clear_entry(f);
	next_entry(f);
}

/* Refused for now (missing signature, audio not there yet or corrupt,
 * clock not set): retried with back-off, reported once per run. */
static void
reject_retry(struct feed *f, const char *reason)
{
	struct bulletins *b = f->b;
	char *tag = xasprintf("%s\n%s", f->doc_url ? f->doc_url : f->url, reason);
	bool known = false;

	for (size_t i = 0; i < b->nreported && !known; i++)
		known = strcmp(b->reported[i], tag) == 0;
	if (!known) {
		report_rejected(f, reason);
		b->reported = xreallocarray(b->reported, b->nreported + 1, sizeof(char *));
		b->reported[b->nreported++] = tag;
	} else {
		free(tag);
	}
	f->incomplete = true;
	retry_note(f);
	clear_entry(f);
	next_entry(f);
}

/* A transport failure on one entry: the feed itself answered. */
static void
entry_unreachable(struct feed *f, const char *url, const char *what)
{
	log_info("feed %s: %s: %s; retried with back-off", f->url, url, what);
	f->incomplete = true;
	retry_note(f);
	clear_entry(f);
	next_entry(f);
}

/* --- accepting, updating, cancelling -------------------------------- */

static void
remove_referenced(struct feed *f, const char *why)
{
	struct bulletins *b = f->b;
	const struct cap_alert *a = f->alert;

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
		store_seen_add(b->store, rkey, time(NULL) + CANCEL_MEMORY_S);
		struct bulletin *old = store_queue_take(b->store, rkey);
		if (old == NULL) {
			log_info("bulletin %s %s %s, which is not in the queue",
			    a->identifier, why, a->refs[i].identifier);
			continue;
		}
		log_notice("bulletin %s %s by %s", old->identifier,
		    strcmp(why, "cancels") == 0 ? "cancelled" : "replaced", a->identifier);
		if (b->hooks.cancelled != NULL)
			b->hooks.cancelled(b->hooks.ctx, old->identifier, old->key);
		drop_bulletin(b, old);
	}
}

static void
apply_cancel(struct feed *f)
{
	remove_referenced(f, "cancels");
	store_seen_add(f->b->store, f->key, time(NULL) + CANCEL_MEMORY_S);
	record_doc(f);
	save_store(f->b);
	clear_entry(f);
	next_entry(f);
}

/* Exercise and Test messages are announced as such, in speech; NULL (a
 * tone instead) when the announcement cannot be synthesised. */
static char *
test_announcement(struct bulletins *b, const char *language)
{
	const char *lang;
	const char *words = speech_test_announcement(language, &lang);
	char err[256];
	char *path = speech_to_wav(b->speech, b->audio_dir, lang, words, err, sizeof(err));

	if (path == NULL)
		log_warn("test announcement in %s not synthesised (%s); a tone announces the test instead",
		    lang, err);
	return path;
}

static void
queue_bulletin(struct feed *f, const char *audio_path, bool speech)
{
	struct bulletins *b = f->b;
	const struct cap_alert *a = f->alert;
	const struct policy_verdict *v = &f->verdict;
	const struct cap_info *in = &a->infos[v->info];
	struct bulletin *bl = xcalloc(1, sizeof(*bl));

	if (a->msg_type != NULL && strcmp(a->msg_type, "Update") == 0)
		remove_referenced(f, "updates");
	bl->key = xstrdup(f->key);
	bl->identifier = xstrdup(a->identifier);
	bl->sender = xstrdup(a->sender ? a->sender : "");
	bl->title = xstrdup(in->headline ? in->headline : in->event ? in->event : a->identifier);
	bl->language = xstrdup(cap_info_language(in));
	bl->speech = speech;
	if (v->is_test)
		bl->announce_path = test_announcement(b, bl->language);
	bl->priority = v->priority;
	bl->is_test = v->is_test;
	bl->sent = a->sent;
	bl->effective = v->effective;
	bl->expires = v->expires;
	bl->plays = v->plays;
	bl->interval_s = v->interval_s;
	bl->audio_path = xstrdup(audio_path);
	store_queue_add(b->store, bl);
	store_seen_add(b->store, f->key, v->expires + SEEN_MARGIN_S);
	record_doc(f);
	save_store(b);
	char until[ISO_TIME_LEN];
	format_iso_time(&(struct timespec){ bl->expires, 0 }, until, sizeof(until));
	log_notice("bulletin %s accepted from %s: priority %s%s, %s%s, %d play(s) every %d s, until %s",
	    bl->identifier, f->url, priority_name(bl->priority),
	    bl->is_test ? " (test)" : "", bl->language, speech ? " (spoken text)" : "",
	    bl->plays, bl->interval_s, until);
	if (b->hooks.accepted != NULL)
		b->hooks.accepted(b->hooks.ctx, bl);
	clear_entry(f);
	next_entry(f);
}

/* --- audio ---------------------------------------------------------- */

/* What an audio/ MIME type is, for the cache file's name only: the player
 * finds the format from the content. */
static const char *
audio_ext(const char *mime)
{
	if (mime != NULL && (strcasestr(mime, "mpeg") != NULL || strcasestr(mime, "mp3") != NULL))
		return "mp3";
	return "audio";
}

static char *
audio_name(struct bulletins *b, const char *sha256, const char *ext)
{
	return xasprintf("%s/%s.%s", b->audio_dir, sha256, ext);
}

static void
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Whatever the MIME type says, the content must decode: a bulletin the
 * player cannot open is refused now, not found out on air. */
static bool
audio_decodes(const char *path, char *reason, size_t reasonlen)
{
	char err[300];
	int16_t buf[2 * 1152];
	struct audio_source *src = decoder_open_file(path, NULL, err, sizeof(err));
	long n = src != NULL ? audio_source_read(src, buf, 1152, err, sizeof(err)) : -1;

	audio_source_close(src);
	if (n > 0)
		return true;
	snprintf(reason, reasonlen, "audio does not decode: %s", n == 0 ? "no sound in it" : err);
	return false;
}

/* The <digest> (SHA-1 or SHA-256 by length) and publish's loaxa:audio-sha256
 * both match, or reason names the algorithm that did not. */
static bool
audio_digests_match(const struct feed *f, const char *sha256, const char *sha1,
    const char *what, char *reason, size_t reasonlen)
{
	const struct cap_resource *res = f->res;
	const char *extra = f->alert->infos[f->verdict.info].audio_sha256;

	if (res->digest != NULL && !policy_digest_matches(res->digest, sha256, sha1)) {
		bool is1 = strcmp(policy_digest_algorithm(res->digest), "SHA-1") == 0;
		snprintf(reason, reasonlen, "audio digest mismatch: %s of %s is %s, CAP says %s",
		    is1 ? "SHA-1" : "SHA-256", what, is1 ? sha1 : sha256, res->digest);
		return false;
	}
	if (extra != NULL && strcasecmp(extra, sha256) != 0) {
		snprintf(reason, reasonlen, "audio digest mismatch: SHA-256 of %s is %s, "
		    "loaxa:audio-sha256 says %s", what, sha256, extra);
		return false;
	}
	return true;
}

static void
on_audio(void *arg, const struct fetch_result *r)
{
	struct feed *f = arg;
	char reason[1024];

	f->xfer = 0;
	if (!r->ok) {
		if (strstr(r->err, "too large") != NULL) {
			snprintf(reason, sizeof(reason), "audio %s", r->err);
			reject_final(f, reason);
		} else {
			snprintf(reason, sizeof(reason), "audio not downloaded: %s", r->err);
			reject_retry(f, reason);
		}
		return;
	}
	/* <size> is approximate (CAP 1.2 3.2.3): only the digest decides. */
	if (!audio_digests_match(f, r->sha256, r->sha1, "the download", reason, sizeof(reason))) {
		reject_retry(f, reason);
		return;
	}
	if (!audio_decodes(f->tmp_audio, reason, sizeof(reason))) {
		reject_final(f, reason);
		return;
	}
	char *final = audio_name(f->b, r->sha256, audio_ext(f->res->mime_type));
	if (rename(f->tmp_audio, final) != 0) {
		snprintf(reason, sizeof(reason), "%s: %s", final, strerror(errno));
		free(final);
		entry_unreachable(f, f->tmp_audio, reason);
		return;
	}
	fsync_dir(f->b->audio_dir);
	free(f->tmp_audio);
	f->tmp_audio = NULL;
	queue_bulletin(f, final, false);
	free(final);
}

/* derefUri: the audio came inside the signed message. */
static void
keep_embedded_audio(struct feed *f)
{
	struct policy_digest d;
	char sha256[65], sha1[41], reason[1024], err[512];

	policy_digest_init(&d);
	policy_digest_update(&d, f->res->deref, f->res->deref_len);
	policy_digest_final(&d, sha256, sha1);
	if (!audio_digests_match(f, sha256, sha1, "the embedded audio", reason, sizeof(reason))) {
		reject_final(f, reason);
		return;
	}
	char *path = audio_name(f->b, sha256, audio_ext(f->res->mime_type));
	if (atomic_write_file(path, f->res->deref, f->res->deref_len, 0644, err, sizeof(err)) != 0) {
		free(path);
		entry_unreachable(f, f->doc_url, err);
		return;
	}
	if (!audio_decodes(path, reason, sizeof(reason))) {
		if (!store_audio_in_use(f->b->store, path, NULL))
			unlink(path);
		free(path);
		reject_final(f, reason);
		return;
	}
	queue_bulletin(f, path, false);
	free(path);
}

/* No audio: the info's text, spoken in its language. */
static void
speak_text(struct feed *f)
{
	const struct cap_info *in = &f->alert->infos[f->verdict.info];
	char err[512], reason[700];

	if (!f->b->speak_text) {
		reject_final(f, "no audio resource (text is not spoken: bulletins.speak_text is false)");
		return;
	}
	char *text = speech_text_of(in);
	if (text == NULL) {
		reject_final(f, "no audio resource and no headline, description or instruction to speak");
		return;
	}
	/* Logged first: "arrival to first spoken sample" is measured from here
	 * (bench/speech_latency.py). */
	log_info("bulletin %s: no audio, speaking its text in %s (%zu bytes)",
	    f->alert->identifier, cap_info_language(in), strlen(text));
	int64_t t0 = mono_ms();
	char *path = speech_to_wav(f->b->speech, f->b->audio_dir, cap_info_language(in), text,
	    err, sizeof(err));
	if (path != NULL)
		log_info("bulletin %s: text spoken into %s in %lld ms", f->alert->identifier, path,
		    (long long)(mono_ms() - t0));
	free(text);
	if (path == NULL) {
		snprintf(reason, sizeof(reason), "text not spoken: %s", err);
		reject_final(f, reason);
		return;
	}
	queue_bulletin(f, path, true);
	free(path);
}

static void
fetch_audio(struct feed *f)
{
	char reason[1024];
	bool text_only;
	char *url = NULL;

	f->res = policy_audio_resource(&f->alert->infos[f->verdict.info], POLICY_AUDIO_MAX,
	    &text_only, reason, sizeof(reason));
	if (f->res == NULL) {
		if (text_only)
			speak_text(f);
		else
			reject_final(f, reason);
		return;
	}
	if (f->res->deref != NULL) {
		keep_embedded_audio(f);
		return;
	}
	if (policy_resolve_uri(f->doc_url, f->res->uri, &f->origins, &url, reason,
	    sizeof(reason)) != 0) {
		reject_final(f, reason);
		return;
	}
	/* The same verified audio may already be here (an Update, a re-issue). */
	if (strlen(f->res->digest) == 64) {
		char *cached = audio_name(f->b, f->res->digest, audio_ext(f->res->mime_type));
		struct stat st;
		if (stat(cached, &st) == 0) {
			free(url);
			queue_bulletin(f, cached, false);
			free(cached);
			return;
		}
		free(cached);
	}
	f->tmp_audio = xasprintf("%s/.dl-%ld-%u.part", f->b->audio_dir, (long)getpid(),
	    ++f->b->tmp_counter);
	struct fetch_request req = { .url = url, .max_size = POLICY_AUDIO_MAX, .audio = true,
	    .out_path = f->tmp_audio, .ca_file = f->ca_file, .origins = &f->origins };
	f->xfer = fetch_start(f->b->fetcher, &req, on_audio, f);
	free(url);
}

/* --- one entry: document, signature, policy ------------------------ */

/* Every <info> is read; the ones not aired are said in the log. */
static void
note_other_infos(const struct feed *f, const struct policy_settings *s)
{
	const struct cap_alert *a = f->alert;
	const char *chosen = cap_info_language(&a->infos[f->verdict.info]);

	for (size_t i = 0; i < a->ninfos; i++) {
		if (i == f->verdict.info)
			continue;
		bool ours = policy_info_for_us(&a->infos[i], s, NULL);
		log_info("bulletin %s: info %zu (%s) not aired: %s%s", a->identifier, i + 1,
		    cap_info_language(&a->infos[i]),
		    ours ? "the station airs the one in " : "not for this station's areas",
		    ours ? chosen : "");
	}
}

static void
check_message(struct feed *f)
{
	char err[512];
	struct bulletins *b = f->b;
	struct policy_settings s = {
		.areas = (const char *const *)b->areas, .nareas = b->nareas,
		.languages = (const char *const *)b->languages, .nlanguages = b->nlanguages,
		.has_location = b->has_location, .location = b->location,
		.allow_test = b->allow_test,
		.default_lifetime_s = b->default_lifetime_s,
		.max_priority = f->max_priority,
	};

	f->alert = cap_parse(f->xml, f->xml_len, b->max_message, err, sizeof(err));
	if (f->alert == NULL) {
		char reason[1024];
		snprintf(reason, sizeof(reason), "malformed CAP: %s", err);
		reject_final(f, reason);
		return;
	}
	if (policy_identity(f->alert->sender, f->alert->identifier,
	    f->alert->sent_text, f->key, sizeof(f->key)) != 0) {
		reject_final(f, "malformed CAP: unusable sender, identifier or sent");
		return;
	}
	if (store_seen_has(f->b->store, f->key)) {
		record_doc(f);	/* same message under another URL */
		clear_entry(f);
		next_entry(f);
		return;
	}
	policy_check(f->alert, &s, time(NULL), &f->verdict);
	if (f->verdict.shapes_unmatched && !b->told_no_location) {
		b->told_no_location = true;
		log_notice("bulletin %s has areas given as polygons or circles: without "
		    "station.location they are never this station's (said once)",
		    f->alert->identifier);
	}
	if (f->verdict.outcome == POLICY_ACCEPT)
		note_other_infos(f, &s);
	switch (f->verdict.outcome) {
	case POLICY_CANCEL:
		apply_cancel(f);
		return;
	case POLICY_NOT_FOR_US:
		log_info("bulletin %s from %s is not for this station's areas", f->alert->identifier,
		    f->doc_url);
		record_doc(f);
		clear_entry(f);
		next_entry(f);
		return;
	case POLICY_REJECT:
		if (f->verdict.retry)
			reject_retry(f, f->verdict.reason);
		else
			reject_final(f, f->verdict.reason);
		return;
	case POLICY_ACCEPT:
		fetch_audio(f);
		return;
	}
}

static void
on_signature(void *arg, const struct fetch_result *r)
{
	struct feed *f = arg;
	char err[512], reason[600];
	size_t which;

	f->xfer = 0;
	if (!r->ok || r->not_modified) {
		if (r->status == 404 || r->status == 410 || r->status == 0) {
			snprintf(reason, sizeof(reason), "missing signature: %s", r->err);
			reject_retry(f, reason);
		} else {
			entry_unreachable(f, f->doc_url, r->err);
		}
		return;
	}
	if (minisign_verify(f->keys, f->nkeys, f->xml, f->xml_len, r->body, r->len,
	    &which, err, sizeof(err)) != 0) {
		snprintf(reason, sizeof(reason), "bad signature: %s", err);
		reject_final(f, reason);
		return;
	}
	check_message(f);
}

static void
on_document(void *arg, const struct fetch_result *r)
{
	struct feed *f = arg;

	f->xfer = 0;
	if (f->revalidating) {
		/* Backing off: only a new text (a republished fix) is tried now. */
		const struct entry_retry *rt = retry_find(f, f->entry_url);
		if (!r->ok || r->not_modified ||
		    (rt != NULL && strcmp(rt->sha256, r->sha256) == 0)) {
			clear_entry(f);
			next_entry(f);
			return;
		}
	} else if (!r->ok && strstr(r->err, "too large") != NULL) {
		char reason[600];
		snprintf(reason, sizeof(reason), "CAP message %s (bulletins.max_message_size)", r->err);
		reject_retry(f, reason);	/* the setting may be raised */
		return;
	} else if (!r->ok) {
		entry_unreachable(f, f->doc_url, r->err);
		return;
	} else {
		const struct store_doc *doc = store_doc_get(f->b->store, f->doc_url);
		if (r->not_modified || (doc != NULL && strcmp(doc->sha256, r->sha256) == 0)) {
			if (!r->not_modified)	/* a server without validators: note the new ones */
				store_doc_set(f->b->store, f->doc_url, r->etag, r->last_modified,
				    r->sha256, time(NULL));
			retry_forget(f, f->entry_url);	/* settled before */
			clear_entry(f);
			next_entry(f);
			return;
		}
	}
	f->xml = xmalloc(r->len + 1);
	memcpy(f->xml, r->body, r->len + 1);
	f->xml_len = r->len;
	f->xml_etag = r->etag ? xstrdup(r->etag) : NULL;
	f->xml_lm = r->last_modified ? xstrdup(r->last_modified) : NULL;
	memcpy(f->xml_sha256, r->sha256, sizeof(f->xml_sha256));
	/* Relative audio URIs resolve against where the document really was. */
	free(f->doc_url);
	f->doc_url = xstrdup(r->final_url);
	char *sig_url = xasprintf("%s.minisig", r->final_url);
	struct fetch_request req = { .url = sig_url, .max_size = 64 * 1024,
	    .ca_file = f->ca_file, .origins = &f->origins };
	f->xfer = fetch_start(f->b->fetcher, &req, on_signature, f);
	free(sig_url);
}

static void
walk_done(struct feed *f)
{
	struct bulletins *b = f->b;
	time_t now = time(NULL);

	if (f->index != NULL) {
		/* Kept whatever is pending: pending entries have their own timers. */
		free(f->seen_etag);
		free(f->seen_lm);
		f->seen_etag = f->index_etag;
		f->seen_lm = f->index_lm;
		f->index_etag = f->index_lm = NULL;
		retries_prune(f);
	}
	/* On disk only when nothing is pending (see struct entry_retry). */
	if (f->incomplete || f->nretries > 0)
		store_feed_set(b->store, f->url, NULL, NULL);
	else
		store_feed_set(b->store, f->url, f->seen_etag, f->seen_lm);
	store_prune(b->store, now);
	prune_queue(b, now);
	save_store(b);
	clear_walk(f);
	schedule_poll(f, policy_poll_delay_ms(f->poll_s, random_unit()));
}

/* Starts fetching the CAP document listed at url (taken); false when the
 * entry is backing off with nothing to compare against, so not fetched. */
static bool
fetch_entry(struct feed *f, char *url)
{
	struct entry_retry *rt = retry_find(f, url);
	const struct store_doc *doc = store_doc_get(f->b->store, url);
	struct fetch_request req = { .url = url, .max_size = (long long)f->b->max_message,
	    .ca_file = f->ca_file, .origins = &f->origins };

	f->entry_url = url;
	f->doc_url = xstrdup(url);
	store_doc_touch(f->b->store, url, time(NULL));
	if (rt != NULL)
		rt->gen = f->walk_gen;
	if (rt != NULL && mono_ms() < rt->due_ms) {
		if (rt->sha256[0] == '\0') {
			clear_entry(f);
			return false;
		}
		/* A cheap 304 unless the officer republished it. */
		f->revalidating = true;
		req.etag = rt->etag;
		req.last_modified = rt->last_modified;
	} else if (rt == NULL && doc != NULL) {
		req.etag = doc->etag;
		req.last_modified = doc->last_modified;
	}
	f->xfer = fetch_start(f->b->fetcher, &req, on_document, f);
	return true;
}

static void
next_entry(struct feed *f)
{
	char reason[1024];

	while (f->index != NULL && f->pos < f->index->nentries) {
		const struct atom_entry *e = &f->index->entries[f->pos++];
		char *url = NULL;
		f->entry_name = e->id ? e->id : e->cap_href;
		if (e->cap_href == NULL) {
			reject_retry(f, e->no_link_why ? e->no_link_why : "no link to a CAP message");
			return;
		}
		if (policy_resolve_uri(f->base_url, e->cap_href, &f->origins, &url,
		    reason, sizeof(reason)) != 0) {
			reject_retry(f, reason);	/* reported once; nothing to record */
			return;
		}
		if (fetch_entry(f, url))
			return;
	}
	while (f->index == NULL && f->pos < f->ndue) {
		const struct due_entry *d = &f->due[f->pos++];
		f->entry_name = d->name;
		if (fetch_entry(f, xstrdup(d->url)))
			return;
	}
	walk_done(f);
}

/* The index is unchanged: walks the pending entries whose back-off is
 * over. False when there are none. */
static bool
walk_due_entries(struct feed *f)
{
	int64_t now = mono_ms();

	for (size_t i = 0; i < f->nretries; i++) {
		if (f->retries[i].due_ms > now)
			continue;
		f->due = xreallocarray(f->due, f->ndue + 1, sizeof(*f->due));
		f->due[f->ndue].url = xstrdup(f->retries[i].url);
		f->due[f->ndue++].name = xstrdup(f->retries[i].name);
	}
	if (f->ndue == 0)
		return false;
	f->pos = 0;
	next_entry(f);
	return true;
}

static void
on_index(void *arg, const struct fetch_result *r)
{
	struct feed *f = arg;
	char err[512];

	f->xfer = 0;
	f->last_fetch = time(NULL);
	if (!r->ok && (r->status == 404 || r->status == 410)) {
		feed_empty(f, r->status);
		return;
	}
	if (!r->ok) {
		feed_failed(f, r->err);
		return;
	}
	if (r->not_modified) {
		feed_reachable(f, "not modified");
		if (walk_due_entries(f))
			return;
		prune_queue(f->b, time(NULL));
		schedule_poll(f, policy_poll_delay_ms(f->poll_s, random_unit()));
		return;
	}
	f->index = atom_parse(r->body, r->len, err, sizeof(err));
	if (f->index == NULL) {
		char what[1024];
		snprintf(what, sizeof(what), "malformed index: %s", err);
		feed_failed(f, what);
		return;
	}
	feed_reachable(f, "ok");
	f->index_etag = r->etag ? xstrdup(r->etag) : NULL;
	f->index_lm = r->last_modified ? xstrdup(r->last_modified) : NULL;
	f->base_url = xstrdup(r->final_url);
	f->pos = 0;
	f->incomplete = false;
	f->walk_gen++;
	next_entry(f);
}

static void
start_poll(void *arg)
{
	struct feed *f = arg;
	const struct store_feed *sf = store_feed_get(f->b->store, f->url);

	f->timer = 0;
	if (f->xfer != 0)
		return;		/* a walk is still running; it schedules the next poll */
	struct fetch_request req = { .url = f->url, .max_size = POLICY_DOC_MAX,
	    .etag = sf ? sf->etag : NULL, .last_modified = sf ? sf->last_modified : NULL,
	    .ca_file = f->ca_file, .origins = &f->origins };

	if (f->seen_etag != NULL || f->seen_lm != NULL) {
		req.etag = f->seen_etag;
		req.last_modified = f->seen_lm;
	}
	f->xfer = fetch_start(f->b->fetcher, &req, on_index, f);
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

static void
feed_init(struct bulletins *b, struct feed *f, const struct feed_conf *fc)
{
	char err[512];

	memset(f, 0, sizeof(*f));
	f->b = b;
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
		f->push = push_create(b->loop, b->fetcher, fc->push, f->ca_file, on_push, f);
}

static void
feed_fini(struct feed *f)
{
	push_destroy(f->push);
	if (f->timer != 0)
		loop_cancel_timer(f->b->loop, f->timer);
	if (f->xfer != 0)
		fetch_cancel(f->b->fetcher, f->xfer);
	clear_walk(f);
	retries_free(f);
	free(f->seen_etag);
	free(f->seen_lm);
	free(f->ca_file);
	for (size_t i = 0; i < f->origins.nallowed; i++)
		free(f->allow_origins[i]);
	free(f->allow_origins);
	free(f->keys);
	free(f->url);
}

static void
apply_config(struct bulletins *b, const struct config *cfg)
{
	for (size_t i = 0; i < b->nareas; i++)
		free(b->areas[i]);
	free(b->areas);
	b->nareas = cfg->station.nareas;
	b->areas = xcalloc(b->nareas ? b->nareas : 1, sizeof(char *));
	for (size_t i = 0; i < b->nareas; i++)
		b->areas[i] = xstrdup(cfg->station.areas[i]);
	b->allow_test = cfg->bulletins.allow_test;
	b->speak_text = cfg->bulletins.speak_text;
	b->max_message = cfg->bulletins.max_message_size > 0
	    ? (size_t)cfg->bulletins.max_message_size : CAP_DEFAULT_MAX_BYTES;
	b->has_location = cfg->station.has_location;
	b->location = (struct geo_point){ cfg->station.lat, cfg->station.lon };
	for (size_t i = 0; i < b->nlanguages; i++)
		free(b->languages[i]);
	free(b->languages);
	b->nlanguages = cfg->station.nlanguages;
	b->languages = xcalloc(b->nlanguages + 1, sizeof(char *));
	for (size_t i = 0; i < b->nlanguages; i++)
		b->languages[i] = xstrdup(cfg->station.languages[i]);
	b->default_lifetime_s = cfg->bulletins.default_lifetime_s > 0
	    ? cfg->bulletins.default_lifetime_s : POLICY_DEFAULT_LIFETIME_S;
	b->retry_max_s = cfg->bulletins.retry_max_s > 0
	    ? cfg->bulletins.retry_max_s : POLICY_RETRY_MAX_S;
	b->nfeeds = cfg->nfeeds;
	b->feeds = xcalloc(b->nfeeds ? b->nfeeds : 1, sizeof(*b->feeds));
	for (size_t i = 0; i < b->nfeeds; i++)
		feed_init(b, &b->feeds[i], &cfg->feeds[i]);
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
	DIR *d = opendir(b->audio_dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && !str_has_prefix(e->d_name, ".dl-"))
			continue;
		char *p = xasprintf("%s/%s", b->audio_dir, e->d_name);
		if (!store_audio_in_use(b->store, p, NULL))
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
	b->loop = loop;
	if (hooks != NULL)
		b->hooks = *hooks;
	b->audio_dir = xasprintf("%s/bulletins", cfg->paths.cache);
	b->speech = speech_create();
	if (mkdir_p(b->audio_dir, 0755) != 0) {
		snprintf(err, errlen, "%s: %s", b->audio_dir, strerror(errno));
		goto fail;
	}
	char serr[512];
	b->store = store_open(cfg->paths.state, serr, sizeof(serr));
	if (b->store == NULL) {
		snprintf(err, errlen, "%s", serr);
		goto fail;
	}
	if (serr[0] != '\0')
		log_warn("bulletin state: %s", serr);
	clean_audio_dir(b);
	b->fetcher = fetch_create(loop, err, errlen);
	if (b->fetcher == NULL)
		goto fail;
	apply_config(b, cfg);
	prune_queue(b, time(NULL));
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
	fetch_destroy(b->fetcher);
	store_close(b->store);
	for (size_t i = 0; i < b->nareas; i++)
		free(b->areas[i]);
	free(b->areas);
	for (size_t i = 0; i < b->nlanguages; i++)
		free(b->languages[i]);
	free(b->languages);
	speech_destroy(b->speech);
	for (size_t i = 0; i < b->nreported; i++)
		free(b->reported[i]);
	free(b->reported);
	free(b->audio_dir);
	free(b);
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
bulletins_next(struct bulletins *b, enum priority min, time_t now)
{
	return bulletins_next_after(b, min, now, 0);
}

const struct bulletin *
bulletins_next_after(struct bulletins *b, enum priority min, time_t now,
    unsigned long long after_seq)
{
	const struct bulletin *best = NULL;

	prune_queue(b, now);
	for (size_t i = 0; i < b->store->nqueue; i++) {
		const struct bulletin *bl = b->store->queue[i];
		if (bl->seq <= after_seq || !pending(bl, min) || due_at(bl) > now ||
		    now >= bl->expires)
			continue;
		if (best == NULL || bl->seq < best->seq)
			best = bl;
	}
	return best;
}

time_t
bulletins_next_due(struct bulletins *b, enum priority min, time_t now)
{
	time_t next = 0;

	prune_queue(b, now);
	for (size_t i = 0; i < b->store->nqueue; i++) {
		const struct bulletin *bl = b->store->queue[i];
		if (!pending(bl, min))
			continue;
		if (next == 0 || due_at(bl) < next)
			next = due_at(bl);
	}
	return next;
}

void
bulletins_aired(struct bulletins *b, const char *key, time_t when)
{
	struct bulletin *bl = store_queue_find(b->store, key);

	if (bl == NULL)
		return;
	bl->plays_done++;
	bl->last_aired = when;
	/* Persisted before returning: a power cut must not make it air again. */
	save_store(b);
}

size_t
bulletins_list(struct bulletins *b, const struct bulletin **out, size_t max)
{
	size_t n = 0;

	prune_queue(b, time(NULL));
	for (size_t i = 0; i < b->store->nqueue && n < max; i++)
		out[n++] = b->store->queue[i];
	return n;
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
