#include "bulletins/entry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "bulletins/cap.h"
#include "bulletins/feed.h"
#include "bulletins/fetch.h"
#include "bulletins/minisign.h"
#include "bulletins/queue.h"
#include "bulletins/speech.h"
#include "bulletins/store.h"
#include "bulletins/trustclock.h"
#include "audio/decoder.h"
#include "core/log.h"
#include "core/util.h"

#define SEEN_MARGIN_S (2 * 24 * 3600)	/* remember identities past expiry (clock skew) */
#define CANCEL_MEMORY_S (30 * 24 * 3600)
#define SIGNATURE_MAX (64 * 1024)

static double
random_unit(void)
{
	return randombytes_uniform(1000000) / 1e6;
}

struct entry *
entry_new(struct feed *f, const char *url, const char *name, bool revalidating)
{
	struct entry *e = xcalloc(1, sizeof(*e));

	e->f = f;
	e->url = xstrdup(url);
	e->name = xstrdup(name != NULL ? name : url);
	e->revalidating = revalidating;
	e->state = ENTRY_WAITING;
	return e;
}

void
entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	if (e->xfer != 0)
		fetch_cancel(e->f->env->fetcher, e->xfer);
	if (e->tmp_audio != NULL)
		unlink(e->tmp_audio);
	free(e->tmp_audio);
	free(e->audio_url);
	free(e->name);
	free(e->url);
	free(e->doc_url);
	free(e->xml);
	free(e->xml_etag);
	free(e->xml_lm);
	cap_free(e->alert);
	free(e);
}

/* The entry is settled (or refused): feed.c frees it and starts others. */
static void
finished(struct entry *e)
{
	feed_entry_finished(e->f, e);
}

/* --- refusals ------------------------------------------------------ */

static const char *
identifier(const struct entry *e)
{
	if (e->alert != NULL && e->alert->identifier != NULL)
		return e->alert->identifier;
	return e->name;
}

static void
record_doc(struct entry *e)
{
	retry_forget(&e->f->retries, e->url);	/* settled for good */
	if (e->doc_url != NULL)
		store_doc_set(e->f->env->store, e->doc_url, e->xml_etag, e->xml_lm,
		    e->xml_sha256, time(NULL));
}

static void
report_rejected(struct entry *e, const char *reason)
{
	feed_report_rejected(e->f, identifier(e), e->doc_url, reason);
}

/* Refused for good: remembered with the document so it is not refused
 * again. Only for a message whose signature verified and that policy then
 * refused: nothing a transport could have caused is final. */
static void
reject_final(struct entry *e, const char *reason)
{
	report_rejected(e, reason);
	record_doc(e);
	finished(e);
}

static struct entry_retry *
note_retry(struct entry *e)
{
	return retry_note(&e->f->retries, e->url, e->name, e->xml_etag, e->xml_lm,
	    e->xml_sha256, e->f->walk_gen, mono_ms(), random_unit());
}

/* Refused for now (missing or bad signature, audio not there yet, corrupt
 * or oversize, clock not set): retried with back-off, verifying from
 * scratch each time; each reason reported once per run. */
static void
reject_retry(struct entry *e, const char *reason)
{
	struct entry_retry *rt = note_retry(e);

	if (rt->reason == NULL || strcmp(rt->reason, reason) != 0) {
		report_rejected(e, reason);
		free(rt->reason);
		rt->reason = xstrdup(reason);
	}
	finished(e);
}

/* A transport failure on one entry: the feed itself answered. */
static void
unreachable(struct entry *e, const char *url, const char *what)
{
	if (feed_may_log(e->f))
		log_info("feed %s: %s: %s; retried with back-off", e->f->url, url, what);
	note_retry(e);
	finished(e);
}

/* --- accepting, updating, cancelling -------------------------------- */

static struct queue_actor
actor(const struct entry *e)
{
	return (struct queue_actor){ .feed = e->f->url, .signer = e->signer,
	    .status = e->alert->status != NULL ? e->alert->status : "",
	    .max_priority = e->f->max_priority };
}

static void
apply_cancel(struct entry *e)
{
	struct store *st = e->f->env->store;
	struct queue_actor who = actor(e);

	log_notice("bulletin %s from %s is a Cancel signed by key %s", e->alert->identifier,
	    e->f->url, e->signer);
	queue_remove_referenced(st, &e->f->env->hooks, e->alert, "cancels",
	    time(NULL) + CANCEL_MEMORY_S, &who);
	store_seen_add(st, e->key, time(NULL) + CANCEL_MEMORY_S);
	record_doc(e);
	queue_save(st);
	finished(e);
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
queue_bulletin(struct entry *e, const char *audio_path, bool speech)
{
	struct store *st = e->f->env->store;
	const struct cap_alert *a = e->alert;
	const struct policy_verdict *v = &e->verdict;
	const struct cap_info *in = &a->infos[v->info];
	struct bulletin *bl = xcalloc(1, sizeof(*bl));

	if (a->msg_type != NULL && strcmp(a->msg_type, "Update") == 0) {
		struct queue_actor who = actor(e);
		log_notice("bulletin %s from %s is an Update signed by key %s",
		    a->identifier, e->f->url, e->signer);
		queue_remove_referenced(st, &e->f->env->hooks, a, "updates",
		    time(NULL) + CANCEL_MEMORY_S, &who);
	}
	bl->key = xstrdup(e->key);
	bl->identifier = xstrdup(a->identifier);
	bl->sender = xstrdup(a->sender ? a->sender : "");
	bl->title = xstrdup(in->headline ? in->headline : in->event ? in->event : a->identifier);
	bl->language = xstrdup(cap_info_language(in));
	bl->speech = speech;
	if (v->is_test)
		bl->announce_path = test_announcement(e->f->env, bl->language);
	bl->priority = v->priority;
	bl->is_test = v->is_test;
	bl->sent = a->sent;
	bl->effective = v->effective;
	bl->expires = v->expires;
	bl->plays = v->plays;
	bl->interval_s = v->interval_s;
	bl->audio_path = xstrdup(audio_path);
	bl->feed = xstrdup(e->f->url);
	bl->signer = xstrdup(e->signer);
	bl->status = xstrdup(a->status != NULL ? a->status : "");
	store_seen_add(st, e->key, v->expires + SEEN_MARGIN_S);
	record_doc(e);
	char until[ISO_TIME_LEN];
	format_iso_time(&(struct timespec){ bl->expires, 0 }, until, sizeof(until));
	log_notice("bulletin %s accepted from %s: priority %s%s, %s%s, %d play(s) every %d s, until %s",
	    bl->identifier, e->f->url, priority_name(bl->priority),
	    bl->is_test ? " (test)" : "", bl->language, speech ? " (spoken text)" : "",
	    bl->plays, bl->interval_s, until);
	queue_add(st, &e->f->env->hooks, bl);
	finished(e);
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
audio_digests_match(const struct entry *e, const char *sha256, const char *sha1,
    const char *what, char *reason, size_t reasonlen)
{
	const struct cap_resource *res = e->res;
	const char *extra = e->alert->infos[e->verdict.info].audio_sha256;

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
	struct entry *e = arg;
	char reason[1024];

	e->xfer = 0;
	if (!r->ok) {
		/* A proxy's error page or a half-finished upload can be
		 * oversize once: refused for now, like any transport fault. */
		if (r->error == FETCH_TOO_BIG)
			snprintf(reason, sizeof(reason), "audio %s", r->err);
		else
			snprintf(reason, sizeof(reason), "audio not downloaded: %s", r->err);
		reject_retry(e, reason);
		return;
	}
	/* <size> is approximate (CAP 1.2 3.2.3): only the digest decides. */
	if (!audio_digests_match(e, r->sha256, r->sha1, "the download", reason, sizeof(reason))) {
		reject_retry(e, reason);
		return;
	}
	if (!audio_decodes(e->tmp_audio, reason, sizeof(reason))) {
		reject_final(e, reason);
		return;
	}
	char *final = audio_name(e->f->env, r->sha256, audio_ext(e->res->mime_type));
	if (rename(e->tmp_audio, final) != 0) {
		snprintf(reason, sizeof(reason), "%s: %s", final, strerror(errno));
		free(final);
		unreachable(e, e->tmp_audio, reason);
		return;
	}
	fsync_dir(e->f->env->audio_dir);
	free(e->tmp_audio);
	e->tmp_audio = NULL;
	queue_bulletin(e, final, false);
	free(final);
}

/* derefUri: the audio came inside the signed message. */
static void
keep_embedded_audio(struct entry *e)
{
	struct policy_digest d;
	char sha256[65], sha1[41], reason[1024], err[512];

	policy_digest_init(&d);
	policy_digest_update(&d, e->res->deref, e->res->deref_len);
	policy_digest_final(&d, sha256, sha1);
	if (!audio_digests_match(e, sha256, sha1, "the embedded audio", reason, sizeof(reason))) {
		reject_final(e, reason);
		return;
	}
	char *path = audio_name(e->f->env, sha256, audio_ext(e->res->mime_type));
	if (atomic_write_file(path, e->res->deref, e->res->deref_len, 0644, err, sizeof(err)) != 0) {
		free(path);
		unreachable(e, e->doc_url, err);
		return;
	}
	if (!audio_decodes(path, reason, sizeof(reason))) {
		if (!store_audio_in_use(e->f->env->store, path, NULL))
			unlink(path);
		free(path);
		reject_final(e, reason);
		return;
	}
	queue_bulletin(e, path, false);
	free(path);
}

/* No audio: the info's text, spoken in its language. */
static void
speak_text(struct entry *e)
{
	const struct cap_info *in = &e->alert->infos[e->verdict.info];
	char err[512], reason[700];

	if (!e->f->env->speak_text) {
		reject_final(e, "no audio resource (text is not spoken: bulletins.speak_text is false)");
		return;
	}
	char *text = speech_text_of(in);
	if (text == NULL) {
		reject_final(e, "no audio resource and no headline, description or instruction to speak");
		return;
	}
	/* Logged first: "arrival to first spoken sample" is measured from here
	 * (bench/speech_latency.py). */
	log_info("bulletin %s: no audio, speaking its text in %s (%zu bytes)",
	    e->alert->identifier, cap_info_language(in), strlen(text));
	int64_t t0 = mono_ms();
	char *path = speech_to_wav(e->f->env->speech, e->f->env->audio_dir, cap_info_language(in), text,
	    err, sizeof(err));
	if (path != NULL)
		log_info("bulletin %s: text spoken into %s in %lld ms", e->alert->identifier, path,
		    (long long)(mono_ms() - t0));
	free(text);
	if (path == NULL) {
		snprintf(reason, sizeof(reason), "text not spoken: %s", err);
		reject_final(e, reason);
		return;
	}
	queue_bulletin(e, path, true);
	free(path);
}

void
entry_start_audio(struct entry *e)
{
	struct feed_env *env = e->f->env;

	e->state = ENTRY_AUDIO;
	e->tmp_audio = xasprintf("%s/.dl-%ld-%u.part", env->audio_dir, (long)getpid(),
	    ++env->tmp_counter);
	struct fetch_request req = { .url = e->audio_url, .max_size = e->audio_max,
	    .expect_size = e->res->size, .audio = true, .out_path = e->tmp_audio,
	    .ca_file = e->f->ca_file, .origins = &e->f->origins };
	e->xfer = fetch_start(env->fetcher, &req, on_audio, e);
}

/* A cached file is reused only when every digest the message gives matches
 * it, as a fresh download would have to. */
static bool
cached_audio_matches(const struct entry *e, const char *path)
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
	return audio_digests_match(e, sha256, sha1, "the cached audio", reason, sizeof(reason));
}

/* Accepted: the audio is embedded, spoken from the text, already here,
 * or it waits for a slot (feed.c starts audio by priority). */
static void
want_audio(struct entry *e)
{
	char reason[1024];
	bool text_only;

	e->res = policy_audio_resource(&e->alert->infos[e->verdict.info], POLICY_AUDIO_MAX,
	    &text_only, reason, sizeof(reason));
	if (e->res == NULL) {
		if (text_only)
			speak_text(e);
		else
			reject_final(e, reason);
		return;
	}
	if (e->res->deref != NULL) {
		keep_embedded_audio(e);
		return;
	}
	if (policy_resolve_uri(e->doc_url, e->res->uri, &e->f->origins, &e->audio_url,
	    reason, sizeof(reason)) != 0) {
		reject_final(e, reason);
		return;
	}
	/* The same verified audio may already be here (an Update, a re-issue),
	 * named by its SHA-256: <digest> when it is one, else loaxa:audio-sha256. */
	const char *sha256 = strlen(e->res->digest) == 64 ? e->res->digest
	    : e->alert->infos[e->verdict.info].audio_sha256;
	if (sha256 != NULL) {
		char *cached = audio_name(e->f->env, sha256, audio_ext(e->res->mime_type));
		if (cached_audio_matches(e, cached)) {
			queue_bulletin(e, cached, false);
			free(cached);
			return;
		}
		free(cached);
	}
	e->audio_max = POLICY_AUDIO_MAX;	/* <size> is approximate */
	feed_entry_wants_audio(e->f, e);
}

/* Every <info> is read; the ones not aired are said in the log. */
static void
note_other_infos(const struct entry *e, const struct policy_settings *s)
{
	const struct cap_alert *a = e->alert;
	const char *chosen = cap_info_language(&a->infos[e->verdict.info]);

	for (size_t i = 0; i < a->ninfos; i++) {
		if (i == e->verdict.info)
			continue;
		bool ours = policy_info_for_us(&a->infos[i], s, NULL);
		log_info("bulletin %s: info %zu (%s) not aired: %s%s", a->identifier, i + 1,
		    cap_info_language(&a->infos[i]),
		    ours ? "the station airs the one in " : "not for this station's areas",
		    ours ? chosen : "");
	}
}

/* --- document, signature, policy ------------------------------------- */

static void
check_message(struct entry *e)
{
	char err[512];
	struct feed *f = e->f;
	struct feed_env *b = f->env;
	struct policy_settings s = {
		.areas = (const char *const *)b->areas, .nareas = b->nareas,
		.languages = (const char *const *)b->languages, .nlanguages = b->nlanguages,
		.has_location = b->has_location, .location = b->location,
		.allow_test = b->allow_test,
		.default_lifetime_s = b->default_lifetime_s,
		.max_priority = f->max_priority,
	};

	e->alert = cap_parse(e->xml, e->xml_len, b->max_message, err, sizeof(err));
	if (e->alert == NULL) {
		char reason[1024];
		snprintf(reason, sizeof(reason), "malformed CAP: %s", err);
		reject_final(e, reason);
		return;
	}
	if (policy_identity(e->alert->sender, e->alert->identifier,
	    e->alert->sent_text, e->key, sizeof(e->key)) != 0) {
		reject_final(e, "malformed CAP: unusable sender, identifier or sent");
		return;
	}
	char scoped[1100];
	queue_scoped_key(e->key, e->signer, scoped, sizeof(scoped));
	if (store_seen_has(f->env->store, e->key) || store_seen_has(f->env->store, scoped)) {
		record_doc(e);	/* same message under another URL */
		finished(e);
		return;
	}
	/* A verified sent is evidence of the time; then expiry is judged by the
	 * latest time known. What only a server's Date refuses is refused for
	 * now: an attacker's Date can delay an airing, never cancel it. */
	struct trustclock *tc = f->env->clock;
	trustclock_note_sent(tc, e->alert->sent);
	time_t strict = trustclock_now(tc), hint = trustclock_now_hint(tc);
	policy_check(e->alert, &s, strict, &e->verdict);
	if (e->verdict.outcome == POLICY_ACCEPT && hint > strict) {
		struct policy_verdict later;
		policy_check(e->alert, &s, hint, &later);
		if (later.outcome == POLICY_REJECT) {
			e->verdict = later;
			e->verdict.retry = true;
		}
	}
	trustclock_trusted(tc, NULL);
	if (e->verdict.shapes_unmatched && !b->told_no_location) {
		b->told_no_location = true;
		log_notice("bulletin %s has areas given as polygons or circles: without "
		    "station.location they are never this station's (said once)",
		    e->alert->identifier);
	}
	if (e->verdict.outcome == POLICY_ACCEPT)
		note_other_infos(e, &s);
	switch (e->verdict.outcome) {
	case POLICY_CANCEL:
		apply_cancel(e);
		return;
	case POLICY_NOT_FOR_US:
		log_info("bulletin %s from %s is not for this station's areas",
		    e->alert->identifier, e->doc_url);
		record_doc(e);
		finished(e);
		return;
	case POLICY_REJECT:
		if (e->verdict.retry)
			reject_retry(e, e->verdict.reason);
		else
			reject_final(e, e->verdict.reason);
		return;
	case POLICY_ACCEPT:
		want_audio(e);
		return;
	}
}

static void
on_signature(void *arg, const struct fetch_result *r)
{
	struct entry *e = arg;
	char err[512], reason[600];
	size_t which;

	e->xfer = 0;
	if (!r->ok || r->not_modified) {
		if (r->error == FETCH_NOT_FOUND) {
			snprintf(reason, sizeof(reason), "missing signature: %s", r->err);
			reject_retry(e, reason);
		} else {
			unreachable(e, e->doc_url, r->err);
		}
		return;
	}
	if (minisign_verify(e->f->keys, e->f->nkeys, e->xml, e->xml_len, r->body, r->len,
	    &which, err, sizeof(err)) != 0) {
		/* Garbage, a truncated file or a captive portal's page look
		 * the same as a forgery from here: refused for now, verified
		 * from scratch at the next try, never remembered as refused. */
		snprintf(reason, sizeof(reason), "bad signature: %s", err);
		reject_retry(e, reason);
		return;
	}
	minisign_key_id_text(e->f->keys[which].key_id, e->signer);
	check_message(e);
}

static void
on_document(void *arg, const struct fetch_result *r)
{
	struct entry *e = arg;
	struct store *st = e->f->env->store;

	e->xfer = 0;
	if (e->revalidating) {
		/* Backing off: only a new text (a republished fix) is tried now. */
		const struct entry_retry *rt = retry_find(&e->f->retries, e->url);
		if (!r->ok || r->not_modified ||
		    (rt != NULL && strcmp(rt->sha256, r->sha256) == 0)) {
			finished(e);
			return;
		}
	} else if (!r->ok && r->error == FETCH_TOO_BIG) {
		char reason[600];
		snprintf(reason, sizeof(reason), "CAP message %s (bulletins.max_message_size)", r->err);
		reject_retry(e, reason);	/* the setting may be raised */
		return;
	} else if (!r->ok) {
		unreachable(e, e->doc_url, r->err);
		return;
	} else {
		const struct store_doc *doc = store_doc_get(st, e->doc_url);
		if (r->not_modified || (doc != NULL && strcmp(doc->sha256, r->sha256) == 0)) {
			if (!r->not_modified)	/* a server without validators: note the new ones */
				store_doc_set(st, e->doc_url, r->etag, r->last_modified,
				    r->sha256, time(NULL));
			retry_forget(&e->f->retries, e->url);	/* settled before */
			finished(e);
			return;
		}
	}
	e->xml = xmalloc(r->len + 1);
	memcpy(e->xml, r->body, r->len + 1);
	e->xml_len = r->len;
	e->xml_etag = r->etag ? xstrdup(r->etag) : NULL;
	e->xml_lm = r->last_modified ? xstrdup(r->last_modified) : NULL;
	memcpy(e->xml_sha256, r->sha256, sizeof(e->xml_sha256));
	/* Relative audio URIs resolve against where the document really was. */
	free(e->doc_url);
	e->doc_url = xstrdup(r->final_url);
	/* ".minisig" goes on the path: alerts/x.xml?v=2 -> alerts/x.xml.minisig?v=2 */
	char *sig_url = policy_signature_url(r->final_url);
	if (sig_url == NULL) {
		unreachable(e, e->doc_url, "no signature URL for it");
		return;
	}
	struct fetch_request req = { .url = sig_url, .max_size = SIGNATURE_MAX,
	    .ca_file = e->f->ca_file, .origins = &e->f->origins };
	e->xfer = fetch_start(e->f->env->fetcher, &req, on_signature, e);
	free(sig_url);
}

void
entry_start(struct entry *e)
{
	struct feed *f = e->f;
	const struct entry_retry *rt = retry_find(&f->retries, e->url);
	const struct store_doc *doc = store_doc_get(f->env->store, e->url);
	struct fetch_request req = { .url = e->url, .max_size = (long long)f->env->max_message,
	    .ca_file = f->ca_file, .origins = &f->origins };

	e->state = ENTRY_DOC;
	e->doc_url = xstrdup(e->url);
	store_doc_touch(f->env->store, e->url, time(NULL));
	if (e->revalidating && rt != NULL) {
		/* A cheap 304 unless the officer republished it. */
		req.etag = rt->etag;
		req.last_modified = rt->last_modified;
	} else if (rt == NULL && doc != NULL) {
		req.etag = doc->etag;
		req.last_modified = doc->last_modified;
	}
	e->xfer = fetch_start(f->env->fetcher, &req, on_document, e);
}
