/*
 * issue: turns options (and, for an update, the message it replaces) into a
 * signed bulletin in the feed. Everything that can be refused is checked
 * before the first byte is written, so a refused command leaves the folder
 * as it was. Then: audio, CAP, signature, index.atom last, so a station
 * never sees an index entry whose files are not there yet.
 */
#include "tools/publish/publish.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "bulletins/minisign.h"
#include "core/log.h"
#include "core/util.h"

#define MAX_AUDIO (200 * 1024 * 1024)
#define DEFAULT_EXPIRES_S (24 * 3600)
#define DEFAULT_REPEAT_INTERVAL_S 300
#define MAX_AREAS 256

struct priority_level {
	const char *name, *urgency, *severity, *certainty;
	int default_plays;
};

/* CAP's triple for each level, chosen so that a station without the
 * loaxa:priority parameter derives the same level (Immediate + Extreme). */
static const struct priority_level levels[] = {
	{ "normal", "Future", "Minor", "Likely", 1 },
	{ "priority", "Expected", "Severe", "Likely", 1 },
	{ "emergency", "Immediate", "Extreme", "Observed", 3 },
};

static const struct priority_level *
find_level(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(levels); i++)
		if (strcmp(levels[i].name, name) == 0)
			return &levels[i];
	return NULL;
}

static bool
area_code_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.' && *s != ':')
			return false;
	return true;
}

/* Splits "A,B,C" into a->geocodes; 0 or 1 after printing the error. */
static int
set_areas(const char *cmd, const char *list, struct cap_alert *a)
{
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;
	if (list[0] == '\0' || list[strlen(list) - 1] == ',')
		rc = pub_error(cmd, "--area \"%s\": empty area code", list);
	for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		if (!area_code_ok(tok))
			rc = pub_error(cmd, "--area: \"%s\" is not an area code (letters, digits, - _ . :)", tok);
		else if (a->ngeocodes == MAX_AREAS)
			rc = pub_error(cmd, "--area: more than %d areas", MAX_AREAS);
		else {
			a->geocodes = xreallocarray(a->geocodes, a->ngeocodes + 1, sizeof(char *));
			a->geocodes[a->ngeocodes++] = xstrdup(tok);
		}
	}
	if (rc == 0 && strstr(list, ",,") != NULL)
		rc = pub_error(cmd, "--area \"%s\": empty area code", list);
	free(copy);
	return rc;
}

static void
copy_areas(const struct cap_alert *from, struct cap_alert *to)
{
	to->geocodes = xcalloc(from->ngeocodes + 1, sizeof(char *));
	for (size_t i = 0; i < from->ngeocodes; i++)
		to->geocodes[i] = xstrdup(from->geocodes[i]);
	to->ngeocodes = from->ngeocodes;
}

static char *
hex(const unsigned char *b, size_t n)
{
	char *s = xmalloc(2 * n + 1);
	sodium_bin2hex(s, 2 * n + 1, b, n);
	return s;
}

static char *
new_identifier(time_t now)
{
	unsigned char rnd[4];
	char stamp[32];
	struct tm tm;
	randombytes_buf(rnd, sizeof(rnd));
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	char *r = hex(rnd, sizeof(rnd));
	char *id = xasprintf("loaxa-%s-%s", stamp, r);
	free(r);
	return id;
}

char *
pub_key_sender(const struct minisign_seckey *sk)
{
	char *h = xmalloc(17);
	/* minisign's own way of showing a key id: the little-endian number. */
	for (int i = 0; i < 8; i++)
		snprintf(h + 2 * i, 3, "%02X", sk->key_id[7 - i]);
	char *s = xasprintf("loaxa-%s", h);
	free(h);
	return s;
}

int
pub_load_key(const char *cmd, const char *path, struct minisign_seckey *sk)
{
	char err[512];
	if (path == NULL)
		return pub_error(cmd, "--key PREFIX.key is required");
	if (minisign_seckey_load(path, NULL, sk, err, sizeof(err)) < 0)
		return pub_error(cmd, "unreadable key: %s", err);
	return 0;
}

/* What the command will write, gathered before writing anything. */
struct plan {
	struct cap_alert *cap;
	char *id;
	unsigned char *audio;
	size_t audio_len;
	char *title;
	struct minisign_seckey sk;
};

static int
load_audio(const struct bulletin_spec *s, struct feed *f, struct plan *p)
{
	char err[512];
	char *path = NULL;
	const char *name = s->audio;
	if (s->audio == NULL) {
		/* Update without new audio: reuse the referenced message's. */
		const struct cap_resource *r = s->base->nresources ? &s->base->resources[0] : NULL;
		if (r == NULL || r->uri == NULL || !str_has_prefix(r->uri, "../audio/"))
			return pub_error(s->cmd, "%s has no audio in this feed; give an AUDIO.mp3",
			    s->base->identifier);
		path = xasprintf("%s/%s", f->dir, r->uri + 3);
		name = path;
	}
	p->audio = (unsigned char *)read_file_all(name, MAX_AUDIO, &p->audio_len, err, sizeof(err));
	int rc = 0;
	if (p->audio == NULL)
		rc = pub_error(s->cmd, "cannot read audio: %s", err);
	else if (audio_check_mp3(name, p->audio, p->audio_len, err, sizeof(err)) < 0)
		rc = pub_error(s->cmd, "%s", err);
	free(path);
	return rc;
}

static void
add_resource(struct plan *p)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, p->audio, p->audio_len);
	p->cap->resources = xcalloc(1, sizeof(struct cap_resource));
	p->cap->nresources = 1;
	p->cap->resources[0] = (struct cap_resource){
		.desc = xstrdup("bulletin audio"),
		.mime_type = xstrdup("audio/mpeg"),
		.size = (long long)p->audio_len,
		/* Relative to alerts/ID.xml, where the CAP message lives. */
		.uri = xasprintf("../audio/%s.mp3", p->id),
		.digest = hex(digest, sizeof(digest)),
	};
}

static int
set_times(const struct bulletin_spec *s, time_t now, struct cap_alert *a)
{
	const struct pub_opts *o = s->opts;
	a->sent = now;
	if (o->effective != NULL) {
		if (pub_parse_when(o->effective, now, &a->effective) < 0)
			return pub_error(s->cmd, "--effective %s: want a time like 2026-11-27T17:00:00+07:00 or a delay like 30m",
			    o->effective);
	} else if (s->base != NULL && s->base->effective > now) {
		a->effective = s->base->effective;
	}
	time_t start = a->effective ? a->effective : now;
	if (o->expires != NULL) {
		if (pub_parse_when(o->expires, start, &a->expires) < 0)
			return pub_error(s->cmd, "--expires %s: want a duration (90m, 6h, 2d) or a time like 2026-11-28T17:00:00+07:00",
			    o->expires);
	} else if (s->base != NULL && s->base->expires != 0) {
		a->expires = s->base->expires;
	} else {
		a->expires = start + DEFAULT_EXPIRES_S;
	}
	if (a->expires <= now || a->expires <= start)
		return pub_error(s->cmd, "--expires is not after %s", a->effective ? "--effective" : "now");
	return 0;
}

static int
set_priority(const struct bulletin_spec *s, struct cap_alert *a)
{
	const struct pub_opts *o = s->opts;
	const char *name = o->priority ? o->priority : s->base ? s->base->priority_param : NULL;
	if (name == NULL)
		return pub_error(s->cmd, "--priority normal|priority|emergency is required");
	const struct priority_level *lv = find_level(name);
	if (lv == NULL)
		return pub_error(s->cmd, "--priority %s: want normal, priority or emergency", name);
	a->priority_param = xstrdup(lv->name);
	a->urgency = xstrdup(lv->urgency);
	a->severity = xstrdup(lv->severity);
	a->certainty = xstrdup(lv->certainty);
	a->plays = o->plays ? o->plays : (s->base && s->base->plays && !o->priority) ?
	    s->base->plays : lv->default_plays;
	a->interval_s = o->interval_s >= 0 ? o->interval_s :
	    s->base && s->base->interval_s >= 0 ? s->base->interval_s :
	    a->plays > 1 ? DEFAULT_REPEAT_INTERVAL_S : -1;
	return 0;
}

static char *
default_title(const struct cap_alert *a)
{
	size_t len = 64;
	for (size_t i = 0; i < a->ngeocodes; i++)
		len += strlen(a->geocodes[i]) + 2;
	char *t = xmalloc(len), *p = t;
	p += sprintf(p, "%s bulletin for ", a->priority_param);
	for (size_t i = 0; i < a->ngeocodes; i++)
		p += sprintf(p, "%s%s", i ? ", " : "", a->geocodes[i]);
	return t;
}

static int
plan_message(const struct bulletin_spec *s, struct feed *f, const char *msg_type, struct plan *p)
{
	const struct pub_opts *o = s->opts;
	time_t now = time(NULL);
	struct cap_alert *a = p->cap = xcalloc(1, sizeof(*a));
	a->interval_s = -1;

	if (o->area != NULL) {
		if (set_areas(s->cmd, o->area, a) != 0)
			return 1;
	} else if (s->base != NULL) {
		copy_areas(s->base, a);
	} else {
		return pub_error(s->cmd, "--area CODE[,CODE...] is required");
	}
	if (set_priority(s, a) != 0 || set_times(s, now, a) != 0)
		return 1;
	if (o->title != NULL && (o->title[0] == '\0' || strpbrk(o->title, "\n\r")))
		return pub_error(s->cmd, "--title must be one non-empty line");
	if (o->sender != NULL && (o->sender[0] == '\0' || strpbrk(o->sender, " \t\r\n,")))
		return pub_error(s->cmd, "--sender \"%s\": CAP forbids spaces and commas", o->sender);
	if (pub_load_key(s->cmd, o->key, &p->sk) != 0 || load_audio(s, f, p) != 0)
		return 1;

	do {
		free(p->id);
		p->id = new_identifier(now);
	} while (feed_find(f, p->id) != NULL);
	a->identifier = xstrdup(p->id);
	a->sender = o->sender ? xstrdup(o->sender) : s->base ? xstrdup(s->base->sender) :
	    pub_key_sender(&p->sk);
	char sent[40];
	cap_format_time(now, sent, sizeof(sent));
	a->sent_text = xstrdup(sent);
	a->status = xstrdup("Actual");
	a->msg_type = xstrdup(msg_type);
	a->scope = xstrdup("Public");
	if (s->base != NULL) {
		a->refs = xcalloc(1, sizeof(*a->refs));
		a->nrefs = 1;
		a->refs[0] = (struct cap_ref){ xstrdup(s->base->sender),
		    xstrdup(s->base->identifier), xstrdup(s->base->sent_text) };
	}
	p->title = xstrdup(o->title ? o->title : s->base && s->base->headline ?
	    s->base->headline : "");
	if (p->title[0] == '\0') {
		free(p->title);
		p->title = default_title(a);
	}
	a->headline = xstrdup(p->title);
	add_resource(p);
	return 0;
}

static void
plan_free(struct plan *p)
{
	cap_free(p->cap);
	free(p->id);
	free(p->audio);
	free(p->title);
	sodium_memzero(&p->sk, sizeof(p->sk));
}

static int
write_plan(const struct bulletin_spec *s, struct feed *f, struct plan *p)
{
	char err[512];
	size_t len;
	if (feed_prepare_dirs(f, s->cmd) != 0)
		return 1;
	char *audio_rel = xasprintf("audio/%s.mp3", p->id);
	int rc = feed_write(f, audio_rel, p->audio, p->audio_len, err, sizeof(err));
	free(audio_rel);
	if (rc < 0)
		return pub_error(s->cmd, "%s", err);
	char *xml = cap_build(p->cap, &len);
	rc = feed_write_signed_cap(f, p->id, xml, len, &p->sk, err, sizeof(err));
	free(xml);
	if (rc < 0)
		return pub_error(s->cmd, "%s", err);

	struct feed_item *old = s->base ? feed_find(f, s->base->identifier) : NULL;
	if (old != NULL)	/* the update takes the replaced entry's place */
		feed_replace(f, (size_t)(old - f->items), xstrdup(p->id), xstrdup(p->title), p->cap);
	else
		feed_add(f, xstrdup(p->id), xstrdup(p->title), p->cap);
	p->cap = NULL;
	if (feed_write_index(f, err, sizeof(err)) < 0)
		return pub_error(s->cmd, "%s", err);
	return 0;
}

int
pub_issue(const struct bulletin_spec *spec, struct feed *f, const char *msg_type)
{
	struct plan p = { 0 };
	int rc = plan_message(spec, f, msg_type, &p);
	if (rc == 0)
		rc = write_plan(spec, f, &p);
	if (rc == 0) {
		const struct feed_item *it = feed_find(f, p.id);
		char until[40];
		cap_format_time(it->cap->expires, until, sizeof(until));
		printf("%s: %s (%s, %zu area%s, until %s)\n",
		    strcmp(msg_type, "Update") == 0 ? "updated" : "published", it->entry.cap_href,
		    it->cap->priority_param, it->cap->ngeocodes, it->cap->ngeocodes == 1 ? "" : "s", until);
		printf("%s\n", p.id);
	}
	plan_free(&p);
	return rc;
}
