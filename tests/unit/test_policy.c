/* Which bulletins a station accepts: every rule of bulletins/policy.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bulletins/policy.h"

#define NOW ((time_t)1795000000)	/* 2026-11-18 */

static char *areas[] = { "87", "30280" };
static struct cap_geocode geo_ours[] = { { "loaxa:area", "99" }, { "SAME", "30280" } };
static struct cap_geocode geo_spaced[] = { { "", " 87 " } };
static struct cap_geocode geo_other[] = { { "loaxa:area", "88" }, { "SAME", "30281" } };
static struct cap_ref one_ref[] = { { "prov@example.vn", "OLD-1", "2026-11-18T00:00:00+07:00" } };

/* One <info> with one <area>, rebuilt for each case. */
static struct cap_area the_area;
static struct cap_info the_info;

static struct cap_alert
base_alert(void)
{
	the_area = (struct cap_area){ .desc = "x", .geocodes = geo_ours, .ngeocodes = 2 };
	the_info = (struct cap_info){
		.urgency = "Future", .severity = "Minor", .certainty = "Likely",
		.headline = "Flood warning", .expires = NOW + 3600,
		.plays = 0, .interval_s = -1, .areas = &the_area, .nareas = 1,
	};
	return (struct cap_alert){
		.identifier = "ALERT-1", .sender = "prov@example.vn",
		.sent_text = "x", .sent = NOW - 60,
		.status = "Actual", .msg_type = "Alert", .scope = "Public",
		.infos = &the_info, .ninfos = 1,
	};
}

#define IN(a) (&(a)->infos[0])

struct rule_case {
	const char *name;
	void (*mutate)(struct cap_alert *a);
	bool allow_test;
	enum priority max_priority;
	enum policy_outcome outcome;
	const char *reason;		/* substring of the reason, when refused */
	enum priority priority;		/* when accepted */
	int plays, interval_s;
	bool is_test;
};

static void m_none(struct cap_alert *a) { (void)a; }
static void m_exercise(struct cap_alert *a) { a->status = "Exercise"; }
static void m_test(struct cap_alert *a) { a->status = "Test"; }
static void m_draft(struct cap_alert *a) { a->status = "Draft"; }
static void m_system(struct cap_alert *a) { a->status = "System"; }
static void m_restricted(struct cap_alert *a) { a->scope = "Restricted"; }
static void m_cancel(struct cap_alert *a) { a->msg_type = "Cancel"; a->refs = one_ref; a->nrefs = 1; }
static void m_cancel_norefs(struct cap_alert *a) { a->msg_type = "Cancel"; }
static void m_cancel_elsewhere(struct cap_alert *a) { m_cancel(a); the_area.geocodes = geo_other; the_area.ngeocodes = 2; }
static void m_update(struct cap_alert *a) { a->msg_type = "Update"; a->refs = one_ref; a->nrefs = 1; }
static void m_ack(struct cap_alert *a) { a->msg_type = "Ack"; }
static void m_other_area(struct cap_alert *a) { (void)a; the_area.geocodes = geo_other; the_area.ngeocodes = 2; }
static void m_no_area(struct cap_alert *a) { (void)a; the_area.geocodes = NULL; the_area.ngeocodes = 0; }
static void m_spaced_area(struct cap_alert *a) { (void)a; the_area.geocodes = geo_spaced; the_area.ngeocodes = 1; }
static void m_expired(struct cap_alert *a) { a->sent = NOW - 7200; IN(a)->expires = NOW - 1; }
static void m_no_expires_old(struct cap_alert *a) { a->sent = NOW - 3601; IN(a)->expires = 0; }
static void m_no_expires_fresh(struct cap_alert *a) { a->sent = NOW - 3500; IN(a)->expires = 0; }
static void m_future(struct cap_alert *a) { a->sent = NOW + 301; IN(a)->expires = NOW + 7200; }
static void m_skew_ok(struct cap_alert *a) { a->sent = NOW + 299; }
static void m_later(struct cap_alert *a) { IN(a)->effective = NOW + 600; IN(a)->expires = NOW + 1200; }
static void m_backwards(struct cap_alert *a) { IN(a)->effective = NOW + 600; IN(a)->expires = NOW + 300; }
static void m_emerg_param(struct cap_alert *a) { IN(a)->priority_param = "emergency"; }
static void m_prio_param(struct cap_alert *a) { IN(a)->priority_param = " priority "; }
static void m_bad_param(struct cap_alert *a) { IN(a)->priority_param = "urgent!"; }
static void m_imm_extreme(struct cap_alert *a) { IN(a)->urgency = "Immediate"; IN(a)->severity = "Extreme"; }
static void m_imm_severe(struct cap_alert *a) { IN(a)->urgency = "Immediate"; IN(a)->severity = "Severe"; }
static void m_imm_moderate(struct cap_alert *a) { IN(a)->urgency = "Immediate"; IN(a)->severity = "Moderate"; }
static void m_exp_moderate(struct cap_alert *a) { IN(a)->urgency = "Expected"; IN(a)->severity = "Moderate"; }
static void m_exp_severe(struct cap_alert *a) { IN(a)->urgency = "Expected"; IN(a)->severity = "Severe"; }
static void m_future_extreme(struct cap_alert *a) { IN(a)->urgency = "Future"; IN(a)->severity = "Extreme"; }
static void m_imm_minor(struct cap_alert *a) { IN(a)->urgency = "Immediate"; IN(a)->severity = "Minor"; }
static void m_plays(struct cap_alert *a) { IN(a)->plays = 5; IN(a)->interval_s = 120; }
static void m_emerg_plays(struct cap_alert *a) { m_emerg_param(a); IN(a)->plays = 2; IN(a)->interval_s = 0; }
static void m_silly_plays(struct cap_alert *a) { IN(a)->plays = 500; }

static const struct rule_case cases[] = {
	{ "actual public alert for our area is accepted", m_none, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, false },
	{ "exercise refused when tests are not allowed", m_exercise, false, PRIO_EMERGENCY, POLICY_REJECT, "allow_test", 0, 0, 0, false },
	{ "exercise accepted as a test when allowed", m_exercise, true, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, true },
	{ "test status accepted as a test when allowed", m_test, true, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, true },
	{ "test status refused when not allowed", m_test, false, PRIO_EMERGENCY, POLICY_REJECT, "Test", 0, 0, 0, false },
	{ "draft never aired even with tests allowed", m_draft, true, PRIO_EMERGENCY, POLICY_REJECT, "Draft", 0, 0, 0, false },
	{ "system messages never aired", m_system, true, PRIO_EMERGENCY, POLICY_REJECT, "System", 0, 0, 0, false },
	{ "restricted scope refused", m_restricted, false, PRIO_EMERGENCY, POLICY_REJECT, "scope", 0, 0, 0, false },
	{ "cancel with references is a cancel", m_cancel, false, PRIO_EMERGENCY, POLICY_CANCEL, NULL, 0, 0, 0, false },
	{ "cancel for another area is still a cancel", m_cancel_elsewhere, false, PRIO_EMERGENCY, POLICY_CANCEL, NULL, 0, 0, 0, false },
	{ "cancel without references refused", m_cancel_norefs, false, PRIO_EMERGENCY, POLICY_REJECT, "references", 0, 0, 0, false },
	{ "update accepted like an alert", m_update, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, false },
	{ "ack is not aired", m_ack, false, PRIO_EMERGENCY, POLICY_REJECT, "msgType", 0, 0, 0, false },
	{ "other areas are not for us", m_other_area, false, PRIO_EMERGENCY, POLICY_NOT_FOR_US, "areas", 0, 0, 0, false },
	{ "no area at all is not for us", m_no_area, false, PRIO_EMERGENCY, POLICY_NOT_FOR_US, "areas", 0, 0, 0, false },
	{ "geocode with spaces still matches", m_spaced_area, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, false },
	{ "expired message refused", m_expired, false, PRIO_EMERGENCY, POLICY_REJECT, "expired", 0, 0, 0, false },
	{ "without expires the default lifetime ends it", m_no_expires_old, false, PRIO_EMERGENCY, POLICY_REJECT, "expired", 0, 0, 0, false },
	{ "without expires it lives the default lifetime", m_no_expires_fresh, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, false },
	{ "sent beyond the 5 min skew refused", m_future, false, PRIO_EMERGENCY, POLICY_REJECT, "future", 0, 0, 0, false },
	{ "sent within the skew accepted", m_skew_ok, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, false },
	{ "effective later is accepted now", m_later, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, false },
	{ "expires before effective refused", m_backwards, false, PRIO_EMERGENCY, POLICY_REJECT, "expires before", 0, 0, 0, false },
	{ "loaxa:priority emergency plays 3 times every 30 s", m_emerg_param, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_EMERGENCY, 3, 30, false },
	{ "district key cannot issue an emergency", m_emerg_param, false, PRIO_PRIORITY, POLICY_REJECT, "above this feed's max_priority", 0, 0, 0, false },
	{ "priority refused on a normal-only feed", m_prio_param, false, PRIO_NORMAL, POLICY_REJECT, "max_priority normal", 0, 0, 0, false },
	{ "loaxa:priority priority accepted", m_prio_param, false, PRIO_PRIORITY, POLICY_ACCEPT, NULL, PRIO_PRIORITY, 1, 0, false },
	{ "unknown loaxa:priority refused", m_bad_param, false, PRIO_EMERGENCY, POLICY_REJECT, "loaxa:priority", 0, 0, 0, false },
	{ "immediate extreme is an emergency", m_imm_extreme, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_EMERGENCY, 3, 30, false },
	{ "immediate severe is an emergency", m_imm_severe, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_EMERGENCY, 3, 30, false },
	{ "derived emergency refused, not downgraded", m_imm_severe, false, PRIO_PRIORITY, POLICY_REJECT, "emergency", 0, 0, 0, false },
	{ "immediate moderate is priority", m_imm_moderate, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_PRIORITY, 1, 0, false },
	{ "expected moderate is priority", m_exp_moderate, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_PRIORITY, 1, 0, false },
	{ "expected severe is priority", m_exp_severe, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_PRIORITY, 1, 0, false },
	{ "future extreme is normal", m_future_extreme, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, false },
	{ "immediate minor is normal", m_imm_minor, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 1, 0, false },
	{ "loaxa:plays and loaxa:interval honoured", m_plays, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 5, 120, false },
	{ "emergency with explicit plays and interval 0", m_emerg_plays, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_EMERGENCY, 2, 0, false },
	{ "absurd plays capped at 20", m_silly_plays, false, PRIO_EMERGENCY, POLICY_ACCEPT, NULL, PRIO_NORMAL, 20, 0, false },
};

static void
every_acceptance_rule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rule_case *c = &cases[i];
		struct cap_alert a = base_alert();
		struct policy_settings s = { .areas = (const char *const *)areas, .nareas = 2,
		    .allow_test = c->allow_test, .default_lifetime_s = 3600,
		    .max_priority = c->max_priority };
		struct policy_verdict v;

		c->mutate(&a);
		policy_check(&a, &s, NOW, &v);
		print_message("case: %s -> %d %s\n", c->name, v.outcome, v.reason);
		assert_int_equal(v.outcome, c->outcome);
		if (c->reason != NULL)
			assert_non_null(strstr(v.reason, c->reason));
		if (c->outcome == POLICY_ACCEPT) {
			assert_int_equal(v.priority, c->priority);
			assert_int_equal(v.plays, c->plays);
			assert_int_equal(v.interval_s, c->interval_s);
			assert_int_equal(v.is_test, c->is_test);
			assert_true(v.expires > NOW);
		}
	}
}

static void
effective_defaults_to_sent_and_lifetime_applies(void **state)
{
	(void)state;
	struct cap_alert a = base_alert();
	struct policy_settings s = { .areas = (const char *const *)areas, .nareas = 2,
	    .default_lifetime_s = 600, .max_priority = PRIO_EMERGENCY };
	struct policy_verdict v;

	IN(&a)->expires = 0;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_ACCEPT);
	assert_int_equal(v.effective, NOW - 60);
	assert_int_equal(v.expires, NOW - 60 + 600);
	m_later(&a);
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.effective, NOW + 600);
}

static void
future_message_is_retried_not_forgotten(void **state)
{
	(void)state;
	struct cap_alert a = base_alert();
	struct policy_settings s = { .areas = (const char *const *)areas, .nareas = 2,
	    .max_priority = PRIO_EMERGENCY };
	struct policy_verdict v;

	m_future(&a);
	policy_check(&a, &s, NOW, &v);
	assert_true(v.retry);
	m_expired(&a);
	policy_check(&a, &s, NOW, &v);
	assert_false(v.retry);
}

static void
identity_is_trimmed_and_sent_normalised_to_utc(void **state)
{
	(void)state;
	char k1[256], k2[256];

	assert_int_equal(policy_identity(" prov@example.vn ", "\tA-1\n",
	    "2026-11-27T17:00:00+07:00", k1, sizeof(k1)), 0);
	assert_string_equal(k1, "prov@example.vn,A-1,2026-11-27T10:00:00Z");
	assert_int_equal(policy_identity("prov@example.vn", "A-1",
	    " 2026-11-27T10:00:00-00:00 ", k2, sizeof(k2)), 0);
	assert_string_equal(k1, k2);
	assert_int_equal(policy_identity("p", "A-1", "yesterday", k1, sizeof(k1)), -1);
	assert_int_equal(policy_identity("p", "  ", "2026-11-27T10:00:00Z", k1, sizeof(k1)), -1);
}

struct uri_case {
	const char *base, *href, *want;	/* want NULL: refused */
};

static const struct uri_case uri_cases[] = {
	{ "https://bul.example.vn/loaxa/index.atom", "alerts/A.xml", "https://bul.example.vn/loaxa/alerts/A.xml" },
	{ "https://bul.example.vn/loaxa/alerts/A.xml", "../audio/A.mp3", "https://bul.example.vn/loaxa/audio/A.mp3" },
	{ "https://bul.example.vn/loaxa/alerts/A.xml", "https://bul.example.vn/x/A.mp3", "https://bul.example.vn/x/A.mp3" },
	{ "https://bul.example.vn/loaxa/alerts/A.xml", "https://evil.example.com/A.mp3", NULL },
	{ "https://bul.example.vn/loaxa/alerts/A.xml", "http://bul.example.vn/A.mp3", NULL },
	{ "https://bul.example.vn/loaxa/alerts/A.xml", "https://bul.example.vn:8443/A.mp3", NULL },
	{ "http://bul.example.vn/loaxa/index.atom", "file:///etc/passwd", NULL },
	{ "http://bul.example.vn/loaxa/index.atom", "ftp://bul.example.vn/A.xml", NULL },
	{ "http://bul.example.vn/loaxa/index.atom", "//other.example.vn/A.xml", NULL },
	{ "http://127.0.0.1:8080/f/index.atom", "alerts/A.xml", "http://127.0.0.1:8080/f/alerts/A.xml" },
	{ "http://127.0.0.1:8080/f/index.atom", "http://127.0.0.1:8081/A.xml", NULL },
	{ "file:///srv/feed/index.atom", "alerts/A.xml", "file:///srv/feed/alerts/A.xml" },
	{ "file:///srv/feed/index.atom", "http://bul.example.vn/A.xml", NULL },
	{ "ftp://bul.example.vn/index.atom", "alerts/A.xml", NULL },
	{ "https://Bul.Example.VN/loaxa/index.atom", "https://bul.example.vn/A.xml", "https://bul.example.vn/A.xml" },
};

/* alerts/x.xml?v=2 must not fetch the CAP again as its own signature. */
static void
signature_url_appends_to_the_path_not_the_query(void **state)
{
	static const char *const sig_cases[][2] = {
		{ "https://p.example/loaxa/alerts/a.xml", "https://p.example/loaxa/alerts/a.xml.minisig" },
		{ "https://p.example/alerts/a.xml?v=2", "https://p.example/alerts/a.xml.minisig?v=2" },
		{ "http://p.example:8080/a.xml?v=2&x=y#top", "http://p.example:8080/a.xml.minisig?v=2&x=y" },
		{ "file:///srv/feed/alerts/a.xml", "file:///srv/feed/alerts/a.xml.minisig" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(sig_cases) / sizeof(sig_cases[0]); i++) {
		char *got = policy_signature_url(sig_cases[i][0]);
		assert_non_null(got);
		assert_string_equal(got, sig_cases[i][1]);
		free(got);
	}
	assert_null(policy_signature_url("not a url"));
}

static void
uris_keep_the_feeds_scheme_and_host(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]); i++) {
		const struct uri_case *c = &uri_cases[i];
		char *out = NULL, reason[256] = "";
		int r = policy_resolve_uri(c->base, c->href, NULL, &out, reason, sizeof(reason));
		print_message("uri: %s + %s -> %s %s\n", c->base, c->href, out ? out : "-", reason);
		if (c->want == NULL) {
			assert_int_equal(r, -1);
			assert_null(out);
			assert_true(reason[0] != '\0');
		} else {
			assert_int_equal(r, 0);
			assert_string_equal(out, c->want);
		}
		free(out);
	}
}

/* A feed with a CDN: "https://cdn.example.vn:443" as config stores it. */
static const char *const cdn_allowed[] = { "https://cdn.example.vn:443",
	"https://audio.example.vn:8443" };
static const struct policy_origins cdn_feed = { "https://bul.example.vn/loaxa/index.atom",
	cdn_allowed, 2 };
static const char *const http_cdn_allowed[] = { "http://cdn.example.vn:80" };
/* Config refuses an http origin on an https feed; policy holds anyway. */
static const struct policy_origins downgrade_feed = { "https://bul.example.vn/loaxa/index.atom",
	http_cdn_allowed, 1 };
static const struct policy_origins http_feed = { "http://bul.example.vn/loaxa/index.atom",
	cdn_allowed, 2 };
static const char *const file_allowed[] = { "file://:" };
static const struct policy_origins file_entry_feed = { "http://bul.example.vn/index.atom",
	file_allowed, 1 };

struct allowed_case {
	const struct policy_origins *o;
	const char *base, *href, *want;	/* want NULL: refused */
	const char *reason;		/* substring of the reason, when refused */
};

static const struct allowed_case allowed_cases[] = {
	/* the feed's own origin still works, relative or absolute */
	{ &cdn_feed, "https://bul.example.vn/loaxa/index.atom", "alerts/A.xml", "https://bul.example.vn/loaxa/alerts/A.xml", NULL },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "https://cdn.example.vn/a/A.mp3", "https://cdn.example.vn/a/A.mp3", NULL },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "https://cdn.example.vn:443/a/A.mp3", "https://cdn.example.vn:443/a/A.mp3", NULL },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "https://CDN.Example.VN/a/A.mp3", "https://CDN.Example.VN/a/A.mp3", NULL },
	{ &cdn_feed, "https://BUL.example.vn/loaxa/alerts/A.xml", "https://bul.EXAMPLE.vn/A.mp3", "https://bul.EXAMPLE.vn/A.mp3", NULL },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "https://audio.example.vn:8443/A.mp3", "https://audio.example.vn:8443/A.mp3", NULL },
	/* a CAP document on the CDN may name audio back on the feed's host */
	{ &cdn_feed, "https://cdn.example.vn/a/A.xml", "https://bul.example.vn/audio/A.mp3", "https://bul.example.vn/audio/A.mp3", NULL },
	{ &cdn_feed, "https://cdn.example.vn/a/A.xml", "../audio/A.mp3", "https://cdn.example.vn/audio/A.mp3", NULL },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "https://evil.example.com/A.mp3", NULL, "allow_origins" },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "https://cdn.example.vn.evil.com/A.mp3", NULL, "differs" },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "https://cdn.example.vn:8443/A.mp3", NULL, "differs" },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "https://audio.example.vn/A.mp3", NULL, "differs" },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "http://cdn.example.vn/A.mp3", NULL, "differs" },
	{ &cdn_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "file:///etc/passwd", NULL, "refused URI" },
	{ &downgrade_feed, "https://bul.example.vn/loaxa/alerts/A.xml", "http://cdn.example.vn/A.mp3", NULL, "http from an https feed" },
	{ &http_feed, "http://bul.example.vn/loaxa/alerts/A.xml", "https://cdn.example.vn/A.mp3", "https://cdn.example.vn/A.mp3", NULL },
	{ &file_entry_feed, "http://bul.example.vn/index.atom", "file:///etc/passwd", NULL, "refused URI" },
};

static void
allow_origins_open_only_the_listed_origins(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(allowed_cases) / sizeof(allowed_cases[0]); i++) {
		const struct allowed_case *c = &allowed_cases[i];
		char *out = NULL, reason[256] = "";
		int r = policy_resolve_uri(c->base, c->href, c->o, &out, reason, sizeof(reason));
		print_message("allowed: %s + %s -> %s %s\n", c->base, c->href, out ? out : "-", reason);
		if (c->want == NULL) {
			assert_int_equal(r, -1);
			assert_null(out);
			assert_non_null(strstr(reason, c->reason));
			assert_non_null(strstr(reason, "refused URI"));
		} else {
			assert_int_equal(r, 0);
			assert_string_equal(out, c->want);
		}
		free(out);
	}
}

#define SHA256_X "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void
audio_resource_rules(void **state)
{
	(void)state;
	unsigned char pcm[4] = { 1, 2, 3, 4 };
	struct cap_resource img = { .mime_type = "image/png", .uri = "a.png", .digest = SHA256_X };
	struct cap_resource mp3 = { .mime_type = "audio/mpeg", .uri = "a.mp3", .digest = SHA256_X, .size = 1234 };
	struct cap_resource mp3_sha1 = { .mime_type = "audio/mpeg", .uri = "a.mp3",
	    .digest = "a9993e364706816aba3e25717850c26c9cd0d89d" };
	struct cap_resource ipaws = { .mime_type = " audio/x-ipaws-audio-mp3 ", .deref = pcm, .deref_len = 4,
	    .size = 98865 };
	struct cap_resource wav = { .mime_type = "Audio/X-WAV", .uri = "a.wav", .digest = SHA256_X };
	struct cap_resource huge = { .mime_type = "audio/mpeg", .uri = "a.mp3", .digest = SHA256_X,
	    .size = POLICY_AUDIO_MAX + 1 };
	struct cap_resource nodigest = { .mime_type = "audio/mpeg", .uri = "a.mp3" };
	struct cap_resource baddigest = { .mime_type = "audio/mpeg", .uri = "a.mp3", .digest = "md5:abc" };
	struct cap_resource nouri = { .mime_type = "audio/mpeg", .digest = SHA256_X };
	struct cap_resource both[] = { img, mp3 };
	struct cap_alert a = base_alert();
	char reason[256];
	bool text;

	/* a picture is not for a loudspeaker: the info is text-only */
	IN(&a)->resources = &img; IN(&a)->nresources = 1;
	assert_null(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)));
	assert_true(text);
	IN(&a)->resources = NULL; IN(&a)->nresources = 0;
	assert_null(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)));
	assert_true(text);
	assert_non_null(strstr(reason, "no audio"));
	IN(&a)->resources = both; IN(&a)->nresources = 2;
	assert_ptr_equal(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)), &both[1]);
	IN(&a)->resources = &mp3_sha1; IN(&a)->nresources = 1;
	assert_non_null(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)));
	/* any audio/ type; embedded audio needs no digest, and its size says nothing */
	IN(&a)->resources = &ipaws;
	assert_ptr_equal(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)), &ipaws);
	assert_null(policy_audio_resource(IN(&a), 3, &text, reason, sizeof(reason)));
	assert_non_null(strstr(reason, "too large: 4 bytes, limit 3"));
	IN(&a)->resources = &wav;
	assert_non_null(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)));
	IN(&a)->resources = &huge;
	assert_null(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)));
	assert_false(text);
	assert_non_null(strstr(reason, "too large"));
	IN(&a)->resources = &nodigest;
	assert_null(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)));
	assert_non_null(strstr(reason, "digest"));
	IN(&a)->resources = &baddigest;
	assert_null(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)));
	IN(&a)->resources = &nouri;
	assert_null(policy_audio_resource(IN(&a), POLICY_AUDIO_MAX, &text, reason, sizeof(reason)));
	assert_false(text);
}

/* Tân Thạnh's square, 10.4..10.5 N, 105.6..105.7 E, and a station inside it. */
static struct geo_point square[] = { { 10.4, 105.6 }, { 10.4, 105.7 }, { 10.5, 105.7 },
	{ 10.5, 105.6 }, { 10.4, 105.6 } };
static const struct geo_point inside = { 10.45, 105.63 }, outside = { 10.55, 105.63 };

static void
areas_match_by_geocode_name_polygon_and_circle(void **state)
{
	(void)state;
	struct cap_alert a = base_alert();
	struct policy_verdict v;
	char *named[] = { "SAME=30280" }, *wrong_name[] = { "FIPS=30280" }, *bare[] = { "30280" };
	struct policy_settings s = { .areas = (const char *const *)named, .nareas = 1,
	    .max_priority = PRIO_EMERGENCY };

	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_ACCEPT);
	s.areas = (const char *const *)wrong_name;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_NOT_FOR_US);
	s.areas = (const char *const *)bare;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_ACCEPT);

	/* shapes only: no geocode of ours */
	struct geo_polygon poly = { square, 5 };
	struct geo_circle circle = { { 10.45, 105.65 }, 5.0 };
	the_area.geocodes = geo_other;
	the_area.polygons = &poly;
	the_area.npolygons = 1;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_NOT_FOR_US);
	assert_true(v.shapes_unmatched);	/* said once in the log */
	s.has_location = true;
	s.location = inside;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_ACCEPT);
	assert_false(v.shapes_unmatched);
	s.location = outside;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_NOT_FOR_US);
	the_area.npolygons = 0;
	the_area.circles = &circle;
	the_area.ncircles = 1;
	s.location = inside;	/* 2.2 km from the centre */
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_ACCEPT);
	s.location = outside;	/* 11 km */
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_NOT_FOR_US);
	assert_true(geo_distance_km(circle.centre, outside) > 10.0);
	assert_true(geo_distance_km(circle.centre, outside) < 12.0);
	/* a point on the border is inside */
	assert_true(geo_polygon_contains(&poly, (struct geo_point){ 10.4, 105.65 }));
	assert_true(geo_polygon_contains(&poly, (struct geo_point){ 10.5, 105.7 }));
}

static void
the_info_aired_is_the_first_of_the_stations_languages(void **state)
{
	(void)state;
	struct cap_area elsewhere = { .desc = "y", .geocodes = geo_other, .ngeocodes = 2 };
	struct cap_area here = { .desc = "x", .geocodes = geo_ours, .ngeocodes = 2 };
	struct cap_info infos[3] = {
		{ .language = "en-US", .urgency = "Immediate", .severity = "Extreme",
		  .interval_s = -1, .areas = &here, .nareas = 1 },
		{ .language = "vi-VN", .urgency = "Future", .severity = "Minor",
		  .interval_s = -1, .areas = &here, .nareas = 1 },
		{ .language = "fr-CA", .interval_s = -1, .areas = &elsewhere, .nareas = 1 },
	};
	struct cap_alert a = base_alert();
	struct policy_verdict v;
	char *vi_en[] = { "vi", "en" }, *fr_en[] = { "fr", "en" }, *de[] = { "de" };
	struct policy_settings s = { .areas = (const char *const *)areas, .nareas = 2,
	    .max_priority = PRIO_EMERGENCY };

	a.infos = infos;
	a.ninfos = 3;
	policy_check(&a, &s, NOW, &v);	/* no languages: "vi" */
	assert_int_equal(v.outcome, POLICY_ACCEPT);
	assert_int_equal(v.info, 1);
	assert_int_equal(v.priority, PRIO_NORMAL);	/* the Vietnamese info's own */
	s.languages = (const char *const *)vi_en;
	s.nlanguages = 2;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.info, 1);
	s.languages = (const char *const *)fr_en;	/* French is for another area */
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.info, 0);
	assert_int_equal(v.priority, PRIO_EMERGENCY);
	s.languages = (const char *const *)de;
	s.nlanguages = 1;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.info, 0);	/* none in our languages: the first of ours */
	infos[0].areas = &elsewhere;
	infos[1].areas = &elsewhere;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_NOT_FOR_US);
	assert_true(policy_language_matches("vi", "vi-VN"));
	assert_true(policy_language_matches("VI", "vi"));
	assert_true(policy_language_matches("en-US", "en-us"));
	assert_false(policy_language_matches("vi", "vie"));
	assert_false(policy_language_matches("en-GB", "en-US"));
	a.ninfos = 0;
	policy_check(&a, &s, NOW, &v);
	assert_int_equal(v.outcome, POLICY_REJECT);
	assert_non_null(strstr(v.reason, "without <info>"));
}

static void
digest_of(const char *data, size_t len, size_t chunk, char s256[65], char s1[41])
{
	struct policy_digest d;

	policy_digest_init(&d);
	for (size_t off = 0; off < len; off += chunk)
		policy_digest_update(&d, data + off, len - off < chunk ? len - off : chunk);
	policy_digest_final(&d, s256, s1);
}

static void
digests_sha256_and_sha1_match_known_vectors(void **state)
{
	(void)state;
	char s256[65], s1[41];

	digest_of("abc", 3, 1, s256, s1);
	assert_string_equal(s256, SHA256_X);
	assert_string_equal(s1, "a9993e364706816aba3e25717850c26c9cd0d89d");
	digest_of("", 0, 1, s256, s1);
	assert_string_equal(s1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	digest_of(two, strlen(two), 7, s256, s1);
	assert_string_equal(s1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	char *million = malloc(1000000);
	memset(million, 'a', 1000000);
	digest_of(million, 1000000, 4099, s256, s1);
	free(million);
	assert_string_equal(s1, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	assert_string_equal(s256, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	digest_of("abc", 3, 3, s256, s1);
	assert_true(policy_digest_matches("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", s256, s1));
	assert_true(policy_digest_matches("a9993e364706816aba3e25717850c26c9cd0d89d", s256, s1));
	assert_false(policy_digest_matches("a9993e364706816aba3e25717850c26c9cd0d89e", s256, s1));
	assert_false(policy_digest_matches("abc", s256, s1));
	assert_false(policy_digest_matches(NULL, s256, s1));
	assert_string_equal(policy_digest_algorithm("a9993e364706816aba3e25717850c26c9cd0d89d"), "SHA-1");
	assert_string_equal(policy_digest_algorithm(SHA256_X), "SHA-256");
}

static void
polls_are_jittered_and_a_failing_feed_waits_at_most_a_minute(void **state)
{
	(void)state;
	assert_int_equal(policy_poll_delay_ms(15, 0.0), 12750);
	assert_true(policy_poll_delay_ms(15, 0.9999) <= 17250);
	assert_true(policy_poll_delay_ms(15, 0.9999) > 17000);
	assert_int_equal(policy_poll_delay_ms(15, 0.5), 15000);
	assert_int_equal(policy_backoff_delay_ms(15, 1, 60, 0.5), 30000);
	assert_int_equal(policy_backoff_delay_ms(15, 2, 60, 0.5), 60000);
	assert_int_equal(policy_backoff_delay_ms(15, 10, 60, 0.5), 60000);
	assert_int_equal(policy_backoff_delay_ms(15, 1000, 60, 0.5), 60000);
	assert_true(policy_backoff_delay_ms(15, 1000, 60, 0.9999) <= 69000);
	assert_true(policy_backoff_delay_ms(15, 1000, 60, 0.0) >= 51000);
	/* A poll longer than the cap is never shortened, never lengthened. */
	assert_int_equal(policy_backoff_delay_ms(300, 1, 60, 0.5), 300000);
	assert_int_equal(policy_backoff_delay_ms(300, 50, 60, 0.5), 300000);
	/* A shorter cap (bulletins.retry_max) doubles from poll up to it. */
	assert_int_equal(policy_backoff_delay_ms(1, 1, 4, 0.5), 2000);
	assert_int_equal(policy_backoff_delay_ms(1, 2, 4, 0.5), 4000);
	assert_int_equal(policy_backoff_delay_ms(1, 3, 4, 0.5), 4000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_acceptance_rule),
		cmocka_unit_test(effective_defaults_to_sent_and_lifetime_applies),
		cmocka_unit_test(future_message_is_retried_not_forgotten),
		cmocka_unit_test(identity_is_trimmed_and_sent_normalised_to_utc),
		cmocka_unit_test(uris_keep_the_feeds_scheme_and_host),
		cmocka_unit_test(signature_url_appends_to_the_path_not_the_query),
		cmocka_unit_test(allow_origins_open_only_the_listed_origins),
		cmocka_unit_test(audio_resource_rules),
		cmocka_unit_test(areas_match_by_geocode_name_polygon_and_circle),
		cmocka_unit_test(the_info_aired_is_the_first_of_the_stations_languages),
		cmocka_unit_test(digests_sha256_and_sha1_match_known_vectors),
		cmocka_unit_test(polls_are_jittered_and_a_failing_feed_waits_at_most_a_minute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
