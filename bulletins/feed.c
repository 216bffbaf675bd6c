#include "bulletins/feed.h"

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
#include "bulletins/push.h"
#include "bulletins/queue.h"
#include "bulletins/speech.h"
#include "bulletins/store.h"
#include "audio/decoder.h"
#include "core/log.h"
#include "core/util.h"
#include "core/loop.h"

#define SEEN_MARGIN_S (2 * 24 * 3600)	/* remember identities past expiry (clock skew) */
#define CANCEL_MEMORY_S (30 * 24 * 3600)

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
		loop_cancel_timer(f->env->loop, f->timer);
	f->timer = loop_add_timer(f->env->loop, ms, start_poll, f);
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
	clear_walk(f);
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
	clear_walk(f);
	schedule_poll(f, policy_poll_delay_ms(f->poll_s, random_unit()));
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
	retry_forget(&f->retries, f->entry_url);	/* settled for good */
	if (f->doc_url != NULL)
		store_doc_set(f->env->store, f->doc_url, f->xml_etag, f->xml_lm,
		    f->xml_sha256, time(NULL));
}

static void
report_rejected(struct feed *f, const char *reason)
{
	const char *id = entry_identifier(f);

	log_warn("bulletin %s from %s rejected: %s", id,
	    f->doc_url != NULL ? f->doc_url : f->url, reason);
	if (f->env->hooks.rejected != NULL)
		f->env->hooks.rejected(f->env->hooks.ctx, id, reason);
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

/* The entry now in progress was refused for now: back off, starting over
 * when its text is new. url: the entry's key (as listed, or the href that
 * could not be resolved). */
static struct entry_retry *
note_retry(struct feed *f, const char *url)
{
	return retry_note(&f->retries, url, f->entry_name, f->xml_etag, f->xml_lm,
	    f->xml_sha256, f->walk_gen, mono_ms(), random_unit());
}

/* Refused for now (missing signature, audio not there yet or corrupt,
 * clock not set): retried with back-off, each reason reported once per run. */
static void
reject_retry_at(struct feed *f, const char *url, const char *reason, bool unresolved)
{
	struct entry_retry *rt = url != NULL ? note_retry(f, url) : NULL;

	if (rt != NULL && unresolved)	/* nothing to fetch: the index must change first */
		rt->due_ms = INT64_MAX;
	if (rt == NULL || rt->reason == NULL || strcmp(rt->reason, reason) != 0) {
		report_rejected(f, reason);
		if (rt != NULL) {
			free(rt->reason);
			rt->reason = xstrdup(reason);
		}
	}
	f->incomplete = true;
	clear_entry(f);
	next_entry(f);
}

static void
reject_retry(struct feed *f, const char *reason)
{
	reject_retry_at(f, f->entry_url, reason, false);
}

/* A transport failure on one entry: the feed itself answered. */
static void
entry_unreachable(struct feed *f, const char *url, const char *what)
{
	log_info("feed %s: %s: %s; retried with back-off", f->url, url, what);
	f->incomplete = true;
	if (f->entry_url != NULL)
		note_retry(f, f->entry_url);
	clear_entry(f);
	next_entry(f);
}

/* --- accepting, updating, cancelling -------------------------------- */

static void
apply_cancel(struct feed *f)
{
	struct store *st = f->env->store;

	queue_remove_referenced(st, &f->env->hooks, f->alert, "cancels",
	    time(NULL) + CANCEL_MEMORY_S);
	store_seen_add(st, f->key, time(NULL) + CANCEL_MEMORY_S);
	record_doc(f);
	queue_save(st);
	clear_entry(f);
	next_entry(f);
}

/* Exercise and Test messages are announced as such, in speech; NULL (a
 * tone instead) when the announcement cannot be synthesised. */
static char *
test_announcement(struct feed_env *b, const char *language)
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
	struct store *st = f->env->store;
	const struct cap_alert *a = f->alert;
	const struct policy_verdict *v = &f->verdict;
	const struct cap_info *in = &a->infos[v->info];
	struct bulletin *bl = xcalloc(1, sizeof(*bl));

	if (a->msg_type != NULL && strcmp(a->msg_type, "Update") == 0)
		queue_remove_referenced(st, &f->env->hooks, a, "updates",
		    time(NULL) + CANCEL_MEMORY_S);
	bl->key = xstrdup(f->key);
	bl->identifier = xstrdup(a->identifier);
	bl->sender = xstrdup(a->sender ? a->sender : "");
	bl->title = xstrdup(in->headline ? in->headline : in->event ? in->event : a->identifier);
	bl->language = xstrdup(cap_info_language(in));
	bl->speech = speech;
	if (v->is_test)
		bl->announce_path = test_announcement(f->env, bl->language);
	bl->priority = v->priority;
	bl->is_test = v->is_test;
	bl->sent = a->sent;
	bl->effective = v->effective;
	bl->expires = v->expires;
	bl->plays = v->plays;
	bl->interval_s = v->interval_s;
	bl->audio_path = xstrdup(audio_path);
	store_seen_add(st, f->key, v->expires + SEEN_MARGIN_S);
	record_doc(f);
	char until[ISO_TIME_LEN];
	format_iso_time(&(struct timespec){ bl->expires, 0 }, until, sizeof(until));
	log_notice("bulletin %s accepted from %s: priority %s%s, %s%s, %d play(s) every %d s, until %s",
	    bl->identifier, f->url, priority_name(bl->priority),
	    bl->is_test ? " (test)" : "", bl->language, speech ? " (spoken text)" : "",
	    bl->plays, bl->interval_s, until);
	queue_add(st, &f->env->hooks, bl);
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
audio_name(struct feed_env *b, const char *sha256, const char *ext)
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
		if (r->error == FETCH_TOO_BIG) {
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
	char *final = audio_name(f->env, r->sha256, audio_ext(f->res->mime_type));
	if (rename(f->tmp_audio, final) != 0) {
		snprintf(reason, sizeof(reason), "%s: %s", final, strerror(errno));
		free(final);
		entry_unreachable(f, f->tmp_audio, reason);
		return;
	}
	fsync_dir(f->env->audio_dir);
	free(f->tmp_audio);
	f->tmp_audio = NULL;
	queue_bulletin(f, final, false);
	free(final);
}

/* A cached file is reused only when every digest the message gives matches
 * it, as a fresh download would have to. */
static bool
cached_audio_matches(const struct feed *f, const char *path)
{
	char err[256], reason[600], sha256[65], sha1[41];
	size_t len;
	struct policy_digest d;
	char *data = read_file_all(path, (size_t)POLICY_AUDIO_MAX, &len, err, sizeof(err));

	if (data == NULL)
		return false;
	policy_digest_init(&d);
	policy_digest_update(&d, data, len);
	policy_digest_final(&d, sha256, sha1);
	free(data);
	return audio_digests_match(f, sha256, sha1, "the cached audio", reason, sizeof(reason));
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
	char *path = audio_name(f->env, sha256, audio_ext(f->res->mime_type));
	if (atomic_write_file(path, f->res->deref, f->res->deref_len, 0644, err, sizeof(err)) != 0) {
		free(path);
		entry_unreachable(f, f->doc_url, err);
		return;
	}
	if (!audio_decodes(path, reason, sizeof(reason))) {
		if (!store_audio_in_use(f->env->store, path, NULL))
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

	if (!f->env->speak_text) {
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
	char *path = speech_to_wav(f->env->speech, f->env->audio_dir, cap_info_language(in), text,
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
	/* The same verified audio may already be here (an Update, a re-issue),
	 * named by its SHA-256: <digest> when it is one, else loaxa:audio-sha256. */
	const char *sha256 = strlen(f->res->digest) == 64 ? f->res->digest
	    : f->alert->infos[f->verdict.info].audio_sha256;
	if (sha256 != NULL) {
		char *cached = audio_name(f->env, sha256, audio_ext(f->res->mime_type));
		if (cached_audio_matches(f, cached)) {
			free(url);
			queue_bulletin(f, cached, false);
			free(cached);
			return;
		}
		free(cached);
	}
	f->tmp_audio = xasprintf("%s/.dl-%ld-%u.part", f->env->audio_dir, (long)getpid(),
	    ++f->env->tmp_counter);
	struct fetch_request req = { .url = url, .max_size = POLICY_AUDIO_MAX, .audio = true,
	    .out_path = f->tmp_audio, .ca_file = f->ca_file, .origins = &f->origins };
	f->xfer = fetch_start(f->env->fetcher, &req, on_audio, f);
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
	struct feed_env *b = f->env;
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
	if (store_seen_has(f->env->store, f->key)) {
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
		if (r->error == FETCH_NOT_FOUND) {
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
		const struct entry_retry *rt = retry_find(&f->retries, f->entry_url);
		if (!r->ok || r->not_modified ||
		    (rt != NULL && strcmp(rt->sha256, r->sha256) == 0)) {
			clear_entry(f);
			next_entry(f);
			return;
		}
	} else if (!r->ok && r->error == FETCH_TOO_BIG) {
		char reason[600];
		snprintf(reason, sizeof(reason), "CAP message %s (bulletins.max_message_size)", r->err);
		reject_retry(f, reason);	/* the setting may be raised */
		return;
	} else if (!r->ok) {
		entry_unreachable(f, f->doc_url, r->err);
		return;
	} else {
		const struct store_doc *doc = store_doc_get(f->env->store, f->doc_url);
		if (r->not_modified || (doc != NULL && strcmp(doc->sha256, r->sha256) == 0)) {
			if (!r->not_modified)	/* a server without validators: note the new ones */
				store_doc_set(f->env->store, f->doc_url, r->etag, r->last_modified,
				    r->sha256, time(NULL));
			retry_forget(&f->retries, f->entry_url);	/* settled before */
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
	f->xfer = fetch_start(f->env->fetcher, &req, on_signature, f);
	free(sig_url);
}

static void
walk_done(struct feed *f)
{
	struct store *st = f->env->store;
	time_t now = time(NULL);

	if (f->index != NULL) {
		/* Kept whatever is pending: pending entries have their own timers. */
		free(f->seen_etag);
		free(f->seen_lm);
		f->seen_etag = f->index_etag;
		f->seen_lm = f->index_lm;
		f->index_etag = f->index_lm = NULL;
		retry_prune(&f->retries, f->walk_gen);
	}
	/* On disk only when nothing is pending: after a restart the index is
	 * read in full and each pending entry tried once more. */
	if (f->incomplete || f->retries.n > 0)
		store_feed_set(st, f->url, NULL, NULL);
	else
		store_feed_set(st, f->url, f->seen_etag, f->seen_lm);
	store_prune(st, now);
	queue_prune(st, now);
	queue_save(st);
	clear_walk(f);
	schedule_poll(f, policy_poll_delay_ms(f->poll_s, random_unit()));
}

/* Starts fetching the CAP document listed at url (taken); false when the
 * entry is backing off with nothing to compare against, so not fetched. */
static bool
fetch_entry(struct feed *f, char *url)
{
	struct entry_retry *rt = retry_find(&f->retries, url);
	const struct store_doc *doc = store_doc_get(f->env->store, url);
	struct fetch_request req = { .url = url, .max_size = (long long)f->env->max_message,
	    .ca_file = f->ca_file, .origins = &f->origins };

	f->entry_url = url;
	f->doc_url = xstrdup(url);
	store_doc_touch(f->env->store, url, time(NULL));
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
	f->xfer = fetch_start(f->env->fetcher, &req, on_document, f);
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
			reject_retry_at(f, f->entry_name, e->no_link_why ? e->no_link_why :
			    "no link to a CAP message", true);
			return;
		}
		if (policy_resolve_uri(f->base_url, e->cap_href, &f->origins, &url,
		    reason, sizeof(reason)) != 0) {
			/* reported once; nothing to record */
			reject_retry_at(f, e->cap_href, reason, true);
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

	for (size_t i = 0; i < f->retries.n; i++) {
		const struct entry_retry *rt = &f->retries.v[i];
		if (rt->due_ms > now)
			continue;
		f->due = xreallocarray(f->due, f->ndue + 1, sizeof(*f->due));
		f->due[f->ndue].url = xstrdup(rt->url);
		f->due[f->ndue++].name = xstrdup(rt->name);
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
		if (walk_due_entries(f))
			return;
		queue_prune(f->env->store, time(NULL));
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
	const struct store_feed *sf = store_feed_get(f->env->store, f->url);

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
	clear_walk(f);
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
