#include "bulletins/policy.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/origin.h"
#include "core/util.h"

/* Copies s without leading/trailing whitespace into out; false if it does not fit. */
static bool
trim_copy(const char *s, char *out, size_t outlen)
{
	if (s == NULL)
		s = "";
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= outlen)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

static bool
trimmed_equal(const char *a, const char *b)
{
	char ta[256], tb[256];

	return trim_copy(a, ta, sizeof(ta)) && trim_copy(b, tb, sizeof(tb)) &&
	    strcmp(ta, tb) == 0;
}

static bool
trimmed_equal_nocase(const char *a, const char *b)
{
	char ta[256], tb[256];

	return trim_copy(a, ta, sizeof(ta)) && trim_copy(b, tb, sizeof(tb)) &&
	    strcasecmp(ta, tb) == 0;
}

int
policy_identity(const char *sender, const char *identifier, const char *sent,
    char *out, size_t outlen)
{
	char ts[128], tsnd[512], tid[512];
	struct timespec t;

	if (!trim_copy(sent, ts, sizeof(ts)) || parse_iso_time(ts, &t) != 0)
		return -1;
	if (!trim_copy(sender, tsnd, sizeof(tsnd)) ||
	    !trim_copy(identifier, tid, sizeof(tid)) || tid[0] == '\0')
		return -1;
	struct tm tm;
	time_t sec = t.tv_sec;
	gmtime_r(&sec, &tm);
	int n = snprintf(out, outlen, "%s,%s,%04d-%02d-%02dT%02d:%02d:%02dZ", tsnd,
	    tid, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static bool
is_one_of(const char *v, const char *a, const char *b)
{
	return trimmed_equal_nocase(v, a) || (b != NULL && trimmed_equal_nocase(v, b));
}

int
policy_priority(const struct cap_info *a)
{
	if (a->priority_param != NULL) {
		char p[32];
		if (!trim_copy(a->priority_param, p, sizeof(p)))
			return -1;
		return priority_from_name(p);
	}
	bool immediate = is_one_of(a->urgency, "Immediate", NULL);
	bool expected = is_one_of(a->urgency, "Expected", NULL);
	bool grave = is_one_of(a->severity, "Extreme", "Severe");
	bool moderate = is_one_of(a->severity, "Moderate", NULL);

	if (immediate && grave)
		return PRIO_EMERGENCY;
	if ((immediate && moderate) || (expected && (grave || moderate)))
		return PRIO_PRIORITY;
	return PRIO_NORMAL;
}

static void
reject(struct policy_verdict *v, enum policy_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reject(struct policy_verdict *v, enum policy_outcome o, const char *fmt, ...)
{
	va_list ap;

	v->outcome = o;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

static bool
check_status(const struct cap_alert *a, const struct policy_settings *s,
    struct policy_verdict *v)
{
	if (is_one_of(a->status, "Actual", NULL))
		return true;
	if (is_one_of(a->status, "Exercise", "Test")) {
		if (s->allow_test) {
			v->is_test = true;
			return true;
		}
		reject(v, POLICY_REJECT, "status %s not accepted here (bulletins.allow_test is off)",
		    a->status);
		return false;
	}
	reject(v, POLICY_REJECT, "status %s is never aired",
	    a->status != NULL ? a->status : "(none)");
	return false;
}

/* "VALUE" matches any geocode with that value; "NAME=VALUE" only the
 * geocode whose valueName is NAME. */
static bool
geocode_matches(const struct cap_geocode *g, const char *entry)
{
	const char *eq = strchr(entry, '=');

	if (eq == NULL)
		return trimmed_equal(g->value, entry);
	size_t n = (size_t)(eq - entry);
	return strlen(g->name) == n && strncmp(g->name, entry, n) == 0 &&
	    trimmed_equal(g->value, eq + 1);
}

static bool
area_for_us(const struct cap_area *ar, const struct policy_settings *s,
    bool *shapes_unmatched)
{
	for (size_t i = 0; i < ar->ngeocodes; i++)
		for (size_t j = 0; j < s->nareas; j++)
			if (geocode_matches(&ar->geocodes[i], s->areas[j]))
				return true;
	if (ar->npolygons + ar->ncircles > 0 && !s->has_location)
		*shapes_unmatched = true;
	if (!s->has_location)
		return false;
	for (size_t i = 0; i < ar->npolygons; i++)
		if (geo_polygon_contains(&ar->polygons[i], s->location))
			return true;
	for (size_t i = 0; i < ar->ncircles; i++)
		if (geo_circle_contains(&ar->circles[i], s->location))
			return true;
	return false;
}

bool
policy_info_for_us(const struct cap_info *info, const struct policy_settings *s,
    bool *shapes_unmatched)
{
	bool unused = false;

	if (shapes_unmatched == NULL)
		shapes_unmatched = &unused;
	for (size_t i = 0; i < info->nareas; i++)
		if (area_for_us(&info->areas[i], s, shapes_unmatched))
			return true;
	return false;
}

bool
policy_language_matches(const char *station, const char *lang)
{
	size_t n = strlen(station);

	while (isspace((unsigned char)*lang))
		lang++;
	/* BCP 47 prefix: "vi" is "vi-VN", never "vie". */
	return strncasecmp(station, lang, n) == 0 &&
	    (lang[n] == '\0' || lang[n] == '-' || isspace((unsigned char)lang[n]));
}

/* Of the infos whose area is ours, the first in the order of the station's
 * languages, else the first; -1 if none is ours. */
static long
choose_info(const struct cap_alert *a, const struct policy_settings *s, bool *shapes)
{
	static const char *const dflt[] = { "vi" };
	const char *const *langs = s->nlanguages > 0 ? s->languages : dflt;
	size_t nlangs = s->nlanguages > 0 ? s->nlanguages : 1;
	long first = -1;
	bool ours[64];
	size_t n = a->ninfos < 64 ? a->ninfos : 64;

	for (size_t i = 0; i < n; i++) {
		ours[i] = policy_info_for_us(&a->infos[i], s, shapes);
		if (ours[i] && first < 0)
			first = (long)i;
	}
	for (size_t l = 0; l < nlangs; l++)
		for (size_t i = 0; i < n; i++)
			if (ours[i] && policy_language_matches(langs[l],
			    cap_info_language(&a->infos[i])))
				return (long)i;
	return first;
}

static void
format_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool
check_times(const struct cap_alert *a, const struct cap_info *in,
    const struct policy_settings *s, time_t now, struct policy_verdict *v)
{
	char when[32];
	int lifetime = s->default_lifetime_s > 0 ? s->default_lifetime_s
	    : POLICY_DEFAULT_LIFETIME_S;

	if (a->sent > now + POLICY_SKEW_S) {
		format_utc(a->sent, when, sizeof(when));
		reject(v, POLICY_REJECT, "sent %s is in the future (check the station clock)", when);
		v->retry = true;
		return false;
	}
	v->effective = in->effective != 0 ? in->effective : a->sent;
	v->expires = in->expires != 0 ? in->expires : v->effective + lifetime;
	if (v->expires <= now) {
		format_utc(v->expires, when, sizeof(when));
		reject(v, POLICY_REJECT, "expired at %s", when);
		return false;
	}
	if (v->expires <= v->effective) {
		reject(v, POLICY_REJECT, "expires before it becomes effective");
		return false;
	}
	return true;
}

static bool
check_priority(const struct cap_info *a, const struct policy_settings *s,
    struct policy_verdict *v)
{
	int p = policy_priority(a);

	if (p < 0) {
		reject(v, POLICY_REJECT, "unknown loaxa:priority \"%s\"", a->priority_param);
		return false;
	}
	if (p > (int)s->max_priority) {
		reject(v, POLICY_REJECT, "priority %s above this feed's max_priority %s",
		    priority_name((enum priority)p), priority_name(s->max_priority));
		return false;
	}
	v->priority = (enum priority)p;
	bool emergency = p == PRIO_EMERGENCY;
	v->plays = a->plays > 0 ? a->plays : emergency ? POLICY_EMERGENCY_PLAYS : 1;
	if (v->plays > 20)
		v->plays = 20;	/* a typo must not occupy the air for hours */
	v->interval_s = a->interval_s >= 0 ? a->interval_s
	    : emergency ? POLICY_EMERGENCY_INTERVAL_S : 0;
	return true;
}

void
policy_check(const struct cap_alert *a, const struct policy_settings *s,
    time_t now, struct policy_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->outcome = POLICY_ACCEPT;
	if (!check_status(a, s, v))
		return;
	if (!is_one_of(a->scope, "Public", NULL)) {
		reject(v, POLICY_REJECT, "scope %s is not Public",
		    a->scope != NULL ? a->scope : "(none)");
		return;
	}
	if (is_one_of(a->msg_type, "Cancel", NULL)) {
		if (a->nrefs == 0)
			reject(v, POLICY_REJECT, "Cancel without references");
		else
			v->outcome = POLICY_CANCEL;
		return;
	}
	if (!is_one_of(a->msg_type, "Alert", "Update")) {
		reject(v, POLICY_REJECT, "msgType %s is not aired",
		    a->msg_type != NULL ? a->msg_type : "(none)");
		return;
	}
	if (a->ninfos == 0) {
		reject(v, POLICY_REJECT, "%s without <info>: nothing to air", a->msg_type);
		return;
	}
	long i = choose_info(a, s, &v->shapes_unmatched);
	if (i < 0) {
		reject(v, POLICY_NOT_FOR_US, "not for this station's areas");
		return;
	}
	v->info = (size_t)i;
	if (check_times(a, &a->infos[i], s, now, v) && check_priority(&a->infos[i], s, v))
		v->outcome = POLICY_ACCEPT;
}

static bool
has_scheme(const char *origin, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncmp(origin, scheme, n) == 0 && strncmp(origin + n, "://", 3) == 0;
}

static bool
listed(const char *origin, const struct policy_origins *o)
{
	for (size_t i = 0; o != NULL && i < o->nallowed; i++)
		if (strcasecmp(origin, o->allowed[i]) == 0)
			return true;
	return false;
}

/* May a URI at origin got be followed from a feed at origin feed? */
static bool
origin_permitted(const char *feed, const char *got,
    const struct policy_origins *o, char *why, size_t whylen)
{
	if (strcmp(feed, got) == 0)
		return true;
	/* The list never opens file: or other schemes, nor unencrypted
	 * transport under an https feed (config refuses such entries too). */
	bool web = has_scheme(got, "http") || has_scheme(got, "https");
	if (web && listed(got, o)) {
		if (!(has_scheme(feed, "https") && has_scheme(got, "http")))
			return true;
		snprintf(why, whylen, "http from an https feed");
		return false;
	}
	snprintf(why, whylen, "scheme or host differs from the feed's (a CDN's "
	    "origin can be listed in the feed's allow_origins)");
	return false;
}

int
policy_resolve_uri(const char *base, const char *href,
    const struct policy_origins *origins, char **out, char *reason,
    size_t reasonlen)
{
	const char *anchor = origins != NULL && origins->feed_url != NULL
	    ? origins->feed_url : base;
	CURLU *u = curl_url();
	char want[512], got[512], why[160];
	char *url = NULL;
	int r = -1;

	*out = NULL;
	if (u == NULL) {
		snprintf(reason, reasonlen, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    origin_of(anchor, want, sizeof(want)) != 0) {
		snprintf(reason, reasonlen, "bad base URL %s", base);
		goto done;
	}
	if (!has_scheme(want, "http") && !has_scheme(want, "https") &&
	    !has_scheme(want, "file")) {
		snprintf(reason, reasonlen, "refused URI scheme in %s", anchor);
		goto done;
	}
	/* Setting a URL on a handle holding one resolves it as relative. */
	/* The origin judged is the one of the very string fetched. */
	if (href == NULL || curl_url_set(u, CURLUPART_URL, href, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK ||
	    origin_of(url, got, sizeof(got)) != 0) {
		snprintf(reason, reasonlen, "malformed URI \"%s\"", href ? href : "");
		goto done;
	}
	if (!origin_permitted(want, got, origins, why, sizeof(why))) {
		snprintf(reason, reasonlen, "refused URI %s: %s", href, why);
		goto done;
	}
	*out = strdup(url);
	r = *out != NULL ? 0 : -1;
done:
	curl_free(url);
	curl_url_cleanup(u);
	return r;
}

char *
policy_signature_url(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL, *out = NULL, *res = NULL;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto done;
	size_t n = strlen(path) + sizeof(".minisig");
	char *sig = malloc(n);
	if (sig == NULL)
		goto done;
	snprintf(sig, n, "%s.minisig", path);
	CURLUcode rc = curl_url_set(u, CURLUPART_PATH, sig, 0);
	free(sig);
	if (rc != CURLUE_OK || curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK)
		goto done;
	res = strdup(out);
done:
	curl_free(path);
	curl_free(out);
	curl_url_cleanup(u);
	return res;
}

static bool
usable_digest(const char *d)
{
	size_t n = d != NULL ? strlen(d) : 0;

	if (n != 64 && n != 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)d[i]))
			return false;
	return true;
}

static bool
is_audio_type(const char *mime)
{
	char t[128];

	return trim_copy(mime, t, sizeof(t)) && strncasecmp(t, "audio/", 6) == 0 && t[6] != '\0';
}

const struct cap_resource *
policy_audio_resource(const struct cap_info *info, long long limit, bool *text_only,
    char *reason, size_t reasonlen)
{
	*text_only = false;
	for (size_t i = 0; i < info->nresources; i++) {
		const struct cap_resource *r = &info->resources[i];
		if (!is_audio_type(r->mime_type))
			continue;	/* a map, a picture: not for a loudspeaker */
		if (r->deref == NULL && (r->uri == NULL || r->uri[0] == '\0')) {
			snprintf(reason, reasonlen, "audio resource without uri or derefUri");
			return NULL;
		}
		if (r->deref == NULL && !usable_digest(r->digest)) {
			snprintf(reason, reasonlen,
			    "audio resource without a SHA-256 or SHA-1 digest");
			return NULL;
		}
		long long size = r->deref != NULL ? (long long)r->deref_len : r->size;
		if (size > limit) {
			snprintf(reason, reasonlen, "audio too large: %lld bytes, limit %lld",
			    size, limit);
			return NULL;
		}
		return r;
	}
	*text_only = true;
	snprintf(reason, reasonlen, "no audio resource");
	return NULL;
}

/* SHA-1 (FIPS 180-4), written here because libsodium has none; CAP 1.2
 * names SHA-1 for <digest>. Used only to compare, never to sign. */
static uint32_t
rol32(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void
sha1_block(uint32_t h[5], const uint8_t *p)
{
	uint32_t w[80];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdc;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6;
		}
		uint32_t t = rol32(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

static void
sha1_update(struct policy_digest *d, const uint8_t *p, size_t len)
{
	d->sha1_len += len;
	while (len > 0) {
		size_t n = 64 - d->sha1_fill;
		if (n > len)
			n = len;
		memcpy(d->sha1_buf + d->sha1_fill, p, n);
		d->sha1_fill += n;
		p += n;
		len -= n;
		if (d->sha1_fill == 64) {
			sha1_block(d->h1, d->sha1_buf);
			d->sha1_fill = 0;
		}
	}
}

void
policy_digest_init(struct policy_digest *d)
{
	static const uint32_t h0[5] = { 0x67452301, 0xefcdab89, 0x98badcfe,
	    0x10325476, 0xc3d2e1f0 };

	memset(d, 0, sizeof(*d));
	crypto_hash_sha256_init(&d->sha256);
	memcpy(d->h1, h0, sizeof(h0));
}

void
policy_digest_update(struct policy_digest *d, const void *data, size_t len)
{
	crypto_hash_sha256_update(&d->sha256, data, len);
	sha1_update(d, data, len);
}

static void
to_hex(const uint8_t *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

void
policy_digest_final(struct policy_digest *d, char sha256_hex[65], char sha1_hex[41])
{
	uint8_t out256[32], out1[20], pad[72] = { 0x80 };
	uint64_t bits = d->sha1_len * 8;
	size_t padlen = (d->sha1_fill < 56 ? 56 : 120) - d->sha1_fill;

	crypto_hash_sha256_final(&d->sha256, out256);
	to_hex(out256, 32, sha256_hex);
	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(d, pad, padlen + 8);
	for (int i = 0; i < 5; i++) {
		out1[4 * i] = (uint8_t)(d->h1[i] >> 24);
		out1[4 * i + 1] = (uint8_t)(d->h1[i] >> 16);
		out1[4 * i + 2] = (uint8_t)(d->h1[i] >> 8);
		out1[4 * i + 3] = (uint8_t)d->h1[i];
	}
	to_hex(out1, 20, sha1_hex);
}

const char *
policy_digest_algorithm(const char *expected)
{
	char e[80];

	if (trim_copy(expected, e, sizeof(e)) && strlen(e) == 40)
		return "SHA-1";
	return "SHA-256";
}

bool
policy_digest_matches(const char *expected, const char *sha256_hex, const char *sha1_hex)
{
	char e[80];

	if (!trim_copy(expected, e, sizeof(e)))
		return false;
	if (strlen(e) == 64)
		return strcasecmp(e, sha256_hex) == 0;
	if (strlen(e) == 40)
		return strcasecmp(e, sha1_hex) == 0;
	return false;
}

static int64_t
jittered(double base_ms, double r)
{
	if (r < 0)
		r = 0;
	if (r >= 1)
		r = 0.999999;
	return (int64_t)(base_ms * (0.85 + 0.3 * r));
}

int64_t
policy_poll_delay_ms(int poll_s, double r)
{
	return jittered((poll_s > 0 ? poll_s : 1) * 1000.0, r);
}

int64_t
policy_backoff_delay_ms(int poll_s, int failures, int max_s, double r)
{
	double s = poll_s > 0 ? poll_s : 1;
	double cap = max_s > s ? max_s : s;

	for (int i = 0; i < failures && s < cap; i++)
		s *= 2;
	if (s > cap)
		s = cap;
	return jittered(s * 1000.0, r);
}
