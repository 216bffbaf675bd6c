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
#include <unistd.h>
#include <sodium.h>

#include "bulletins/minisign.h"
#include "bulletins/policy.h"
#include "core/config_syntax.h"
#include "core/log.h"
#include "core/util.h"

#define MAX_AUDIO (200 * 1024 * 1024)
#define DEFAULT_EXPIRES_S (24 * 3600)
#define DEFAULT_REPEAT_INTERVAL_S 300
#define MAX_AREAS 256
#define MAX_TEXT (16 * 1024)

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

/* Splits "A,B,C" into one <area> of info, each code a geocode named
 * --geocode-name; 0 or 1 after printing the error. */
static int
set_areas(const char *cmd, const struct pub_opts *o, struct cap_info *info)
{
	const char *list = o->area;
	const char *name = o->geocode_name ? o->geocode_name : PUB_DEFAULT_GEOCODE_NAME;
	if (name[0] == '\0' || strpbrk(name, "\r\n") != NULL)
		return pub_error(cmd, "--geocode-name must be one non-empty line");
	if (o->area_desc != NULL && (o->area_desc[0] == '\0' || strpbrk(o->area_desc, "\r\n")))
		return pub_error(cmd, "--area-desc must be one non-empty line");
	char *copy = xstrdup(list), *save = NULL;
	int rc = 0;
	if (list[0] == '\0' || list[strlen(list) - 1] == ',')
		rc = pub_error(cmd, "--area \"%s\": empty area code", list);
	struct cap_area *ar = cap_add_area(info);
	for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
		if (!area_code_ok(tok))
			rc = pub_error(cmd, "--area: \"%s\" is not an area code (letters, digits, - _ . :)", tok);
		else if (ar->ngeocodes == MAX_AREAS)
			rc = pub_error(cmd, "--area: more than %d areas", MAX_AREAS);
		else {
			ar->geocodes = xreallocarray(ar->geocodes, ar->ngeocodes + 1, sizeof(*ar->geocodes));
			ar->geocodes[ar->ngeocodes++] = (struct cap_geocode){ xstrdup(name), xstrdup(tok) };
		}
	}
	if (rc == 0 && strstr(list, ",,") != NULL)
		rc = pub_error(cmd, "--area \"%s\": empty area code", list);
	free(copy);
	if (rc == 0) {
		/* A human description for other consumers; the codes when none is given. */
		char *codes = cap_geocode_list(info);
		for (char *c = codes; *c; c++)
			if (*c == ',')
				*c = ' ';
		ar->desc = o->area_desc ? xstrdup(o->area_desc) : codes;
		if (o->area_desc)
			free(codes);
	}
	return rc;
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
	struct decoder_info audio_info;	/* true MIME type and extension, from the content */
	char *title;
	struct minisign_seckey sk;
};

/* The file in this feed a base message's audio URI names: the part after
 * its last "audio/" (relative "../audio/ID.EXT" or absolute under base_url). */
static char *
base_audio_path(const struct feed *f, const struct cap_info *base)
{
	const struct cap_resource *r = base->nresources ? &base->resources[0] : NULL;
	const char *at = r && r->uri ? strstr(r->uri, "audio/") : NULL;
	if (at == NULL)
		return NULL;
	for (const char *n; (n = strstr(at + 1, "audio/")) != NULL;)
		at = n;
	if (!feed_id_is_safe(at + 6))
		return NULL;
	return xasprintf("%s/audio/%s", f->dir, at + 6);
}

static int
load_audio(const struct bulletin_spec *s, struct feed *f, struct plan *p)
{
	char err[512];
	char *path = NULL;
	const char *name = s->audio;
	if (s->audio == NULL && (s->opts->text != NULL ||
	    (s->base != NULL && cap_first_info(s->base)->nresources == 0)))
		return 0;	/* text-only: stations speak it */
	if (s->audio == NULL && s->base == NULL)
		return pub_error(s->cmd, "give an AUDIO file or --text");
	if (s->audio == NULL) {
		/* Update without new audio: reuse the referenced message's. */
		path = base_audio_path(f, cap_first_info(s->base));
		if (path == NULL)
			return pub_error(s->cmd, "%s has no audio in this feed; give an AUDIO file",
			    s->base->identifier);
		name = path;
	}
	p->audio = (unsigned char *)read_file_all(name, MAX_AUDIO, &p->audio_len, err, sizeof(err));
	int rc = 0;
	if (p->audio == NULL)
		rc = pub_error(s->cmd, "cannot read audio: %s", err);
	else if (decoder_identify(name, &p->audio_info, err, sizeof(err)) < 0)
		rc = pub_error(s->cmd, "audio refused: %s", err);
	free(path);
	return rc;
}

/* --base-url, else the feed folder's base_url file (one line), else NULL:
 * audio URIs are then relative to the CAP message. 0 or 1 after printing. */
static int
base_url_of(const struct bulletin_spec *s, const struct feed *f, char **out)
{
	char err[512];
	size_t len;
	char *fpath = xasprintf("%s/base_url", f->dir);
	char *text = s->opts->base_url ? xstrdup(s->opts->base_url) : NULL;
	const char *from = "--base-url";

	*out = NULL;
	if (text == NULL && access(fpath, F_OK) == 0) {
		text = read_file_all(fpath, 4096, &len, err, sizeof(err));
		from = fpath;
		if (text == NULL) {
			free(fpath);
			return pub_error(s->cmd, "cannot read %s", err);
		}
		text[strcspn(text, "\r\n")] = '\0';
	}
	int rc = 0;
	if (text != NULL && ((!str_has_prefix(text, "http://") && !str_has_prefix(text, "https://")) ||
	    strpbrk(text, " \t\"<>") != NULL || strlen(text) < 10))
		rc = pub_error(s->cmd, "%s \"%s\": want the feed folder's public URL, "
		    "like https://bulletins.example.gov.vn/loaxa/", from, text);
	else if (text != NULL)
		*out = text[strlen(text) - 1] == '/' ? xstrdup(text) : xasprintf("%s/", text);
	free(text);
	free(fpath);
	return rc;
}

/* <digest> is CAP's SHA-1, what other consumers check; loaxa:audio-sha256
 * keeps SHA-256 beside it, which stations check too. */
static void
add_resource(struct plan *p, struct cap_info *in, const char *base_url)
{
	struct policy_digest d;
	char sha256[65], sha1[41];

	policy_digest_init(&d);
	policy_digest_update(&d, p->audio, p->audio_len);
	policy_digest_final(&d, sha256, sha1);
	in->resources = xcalloc(1, sizeof(struct cap_resource));
	in->nresources = 1;
	in->resources[0] = (struct cap_resource){
		.desc = xstrdup("bulletin audio"),
		.mime_type = xstrdup(p->audio_info.mime),
		.size = (long long)p->audio_len,
		/* Relative to alerts/ID.xml, where the CAP message lives, unless
		 * the folder's public URL is known. */
		.uri = base_url ? xasprintf("%saudio/%s.%s", base_url, p->id, p->audio_info.ext)
		    : xasprintf("../audio/%s.%s", p->id, p->audio_info.ext),
		.digest = xstrdup(sha1),
	};
	in->audio_sha256 = xstrdup(sha256);
}

static int
set_times(const struct bulletin_spec *s, time_t now, struct cap_alert *msg, struct cap_info *a)
{
	const struct pub_opts *o = s->opts;
	const struct cap_info *base = s->base ? cap_first_info(s->base) : NULL;
	msg->sent = now;
	if (o->effective != NULL) {
		if (pub_parse_when(o->effective, now, &a->effective) < 0)
			return pub_error(s->cmd, "--effective %s: want a time like 2026-11-27T17:00:00+07:00 or a delay like 30m",
			    o->effective);
	} else if (base != NULL && base->effective > now) {
		a->effective = base->effective;
	}
	time_t start = a->effective ? a->effective : now;
	if (o->expires != NULL) {
		if (pub_parse_when(o->expires, start, &a->expires) < 0)
			return pub_error(s->cmd, "--expires %s: want a duration (90m, 6h, 2d) or a time like 2026-11-28T17:00:00+07:00",
			    o->expires);
	} else if (base != NULL && base->expires != 0) {
		a->expires = base->expires;
	} else {
		a->expires = start + DEFAULT_EXPIRES_S;
	}
	if (a->expires <= now || a->expires <= start)
		return pub_error(s->cmd, "--expires is not after %s", a->effective ? "--effective" : "now");
	return 0;
}

static int
set_priority(const struct bulletin_spec *s, struct cap_info *a)
{
	const struct pub_opts *o = s->opts;
	const struct cap_info *base = s->base ? cap_first_info(s->base) : NULL;
	const char *name = o->priority ? o->priority : base ? base->priority_param : NULL;
	if (name == NULL)
		return pub_error(s->cmd, "--priority normal|priority|emergency is required");
	const struct priority_level *lv = find_level(name);
	if (lv == NULL)
		return pub_error(s->cmd, "--priority %s: want normal, priority or emergency", name);
	a->priority_param = xstrdup(lv->name);
	a->urgency = xstrdup(lv->urgency);
	a->severity = xstrdup(lv->severity);
	a->certainty = xstrdup(lv->certainty);
	a->plays = o->plays ? o->plays : (base && base->plays && !o->priority) ?
	    base->plays : lv->default_plays;
	a->interval_s = o->interval_s >= 0 ? o->interval_s :
	    base && base->interval_s >= 0 ? base->interval_s :
	    a->plays > 1 ? DEFAULT_REPEAT_INTERVAL_S : -1;
	return 0;
}

static char *
default_title(const struct cap_info *a)
{
	char *codes = cap_geocode_list(a);
	char *t = xasprintf("%s bulletin for %s", a->priority_param, codes);
	free(codes);
	for (char *c = strchr(t, ','); c != NULL; c = strchr(c + 1, ','))
		*c = ' ';	/* never mind the commas: one word per area */
	return t;
}

static int
plan_message(const struct bulletin_spec *s, struct feed *f, const char *msg_type, struct plan *p)
{
	const struct pub_opts *o = s->opts;
	const struct cap_info *base = s->base ? cap_first_info(s->base) : NULL;
	time_t now = time(NULL);
	struct cap_alert *a = p->cap = xcalloc(1, sizeof(*a));
	struct cap_info *in = cap_add_info(a);

	if (o->area != NULL) {
		if (set_areas(s->cmd, o, in) != 0)
			return 1;
	} else if (base != NULL) {
		cap_copy_areas(in, base);
	} else {
		return pub_error(s->cmd, "--area CODE[,CODE...] is required");
	}
	if (set_priority(s, in) != 0 || set_times(s, now, a, in) != 0)
		return 1;
	if (o->title != NULL && (o->title[0] == '\0' || strpbrk(o->title, "\n\r")))
		return pub_error(s->cmd, "--title must be one non-empty line");
	if (o->sender != NULL && (o->sender[0] == '\0' || strpbrk(o->sender, " \t\r\n,")))
		return pub_error(s->cmd, "--sender \"%s\": CAP forbids spaces and commas", o->sender);
	const char *lang = o->language ? o->language : base && base->language ? base->language
	    : PUB_DEFAULT_LANGUAGE;
	if (!config_language_tag_ok(lang))
		return pub_error(s->cmd, "--language %s: want a language tag like vi-VN or en-US", lang);
	if (o->text != NULL && (o->text[0] == '\0' || strlen(o->text) > MAX_TEXT))
		return pub_error(s->cmd, "--text must have 1 to %d bytes", MAX_TEXT);
	char *base_url = NULL;
	if (base_url_of(s, f, &base_url) != 0)
		return 1;
	if (pub_load_key(s->cmd, o->key, &p->sk) != 0 || load_audio(s, f, p) != 0) {
		free(base_url);
		return 1;
	}

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
	in->language = xstrdup(lang);
	p->title = xstrdup(o->title ? o->title : base && base->headline ? base->headline : "");
	if (p->title[0] == '\0') {
		free(p->title);
		p->title = default_title(in);
	}
	in->headline = xstrdup(p->title);
	if (o->text != NULL)
		in->description = xstrdup(o->text);
	else if (base != NULL && base->description != NULL)
		in->description = xstrdup(base->description);
	if (p->audio != NULL)
		add_resource(p, in, base_url);
	else if (in->description == NULL)
		in->description = xstrdup(p->title);	/* what stations speak */
	free(base_url);
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
	int rc = 0;
	if (p->audio != NULL) {
		char *audio_rel = xasprintf("audio/%s.%s", p->id, p->audio_info.ext);
		rc = feed_write(f, audio_rel, p->audio, p->audio_len, err, sizeof(err));
		free(audio_rel);
	}
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
		const struct cap_info *in = cap_first_info(it->cap);
		size_t n = 0;
		for (size_t i = 0; i < in->nareas; i++)
			n += in->areas[i].ngeocodes;
		cap_format_time(in->expires, until, sizeof(until));
		printf("%s: %s (%s, %zu area%s, %s%s, until %s)\n",
		    strcmp(msg_type, "Update") == 0 ? "updated" : "published", it->entry.cap_href,
		    in->priority_param, n, n == 1 ? "" : "s", in->language,
		    in->nresources ? "" : ", text spoken by stations", until);
		printf("%s\n", p.id);
	}
	plan_free(&p);
	return rc;
}
