/*
 * cap: a station reads what loaxa-publish writes, and refuses what it
 * should not trust.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "bulletins/cap.h"
#include "core/log.h"
#include "core/util.h"

/* Where the schema is: the repository's copy, found from the folder the
 * tests run in (make runs them at the top of the tree). */
#define CAP_XSD "tests/data/cap-1.2.xsd"

/* Validates xml against the OASIS schema with libxml2 (which loaxa links
 * already), so no tool can be missing: 0 if valid. */
static int
cap_schema_check(const char *xml, size_t len)
{
	const char *path = getenv("LOAXA_CAP_XSD") ? getenv("LOAXA_CAP_XSD") : CAP_XSD;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		fail_msg("cannot read the CAP schema %s: run the tests from the top of "
		    "the repository or set LOAXA_CAP_XSD", path);
	fclose(fp);
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	assert_non_null(schema);
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "built.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	int rc = xmlSchemaValidateDoc(vc, doc);
	xmlFreeDoc(doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return rc;
}

static const char FULL[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n"
	"  <identifier>flood-42</identifier>\n"
	"  <sender>district-7@example.gov.vn</sender>\n"
	"  <sent>2026-11-27T17:00:00+07:00</sent>\n"
	"  <status>Actual</status>\n"
	"  <msgType>Update</msgType>\n"
	"  <scope>Public</scope>\n"
	"  <references>district-7@example.gov.vn,flood-41,2026-11-27T16:00:00+07:00 other,x,2026-11-27T15:00:00-00:00</references>\n"
	"  <info>\n"
	"    <category>Met</category><event>Flood</event>\n"
	"    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>\n"
	"    <effective>2026-11-27T17:05:00+07:00</effective>\n"
	"    <expires>2026-11-28T05:00:00+07:00</expires>\n"
	"    <headline>L&#361; l&#7909;t &amp; s&#7841;t l&#7903;</headline>\n"
	"    <description>Move to high ground</description>\n"
	"    <parameter><valueName>other</valueName><value>x</value></parameter>\n"
	"    <parameter><valueName>loaxa:priority</valueName><value>emergency</value></parameter>\n"
	"    <parameter><valueName>loaxa:plays</valueName><value>3</value></parameter>\n"
	"    <parameter><valueName>loaxa:interval</valueName><value>600</value></parameter>\n"
	"    <resource><resourceDesc>audio</resourceDesc><mimeType>audio/mpeg</mimeType>\n"
	"      <size>12345</size><uri>../audio/flood-42.mp3</uri>\n"
	"      <digest>ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789</digest></resource>\n"
	"    <area><areaDesc>Commune 1</areaDesc>\n"
	"      <geocode><valueName>loaxa:area</valueName><value>VN-01-001</value></geocode>\n"
	"      <geocode><valueName>loaxa:area</valueName><value>VN-01-002</value></geocode></area>\n"
	"    <area><areaDesc>Commune 3</areaDesc>\n"
	"      <geocode><valueName>loaxa:area</valueName><value>VN-01-003</value></geocode></area>\n"
	"  </info>\n"
	"  <info><category>Met</category><event>ignored</event><urgency>Past</urgency>"
	"<severity>Minor</severity><certainty>Unlikely</certainty></info>\n"
	"</alert>\n";

static struct cap_alert *
parse(const char *xml, char *err, size_t errlen)
{
	return cap_parse(xml, strlen(xml), CAP_DEFAULT_MAX_BYTES, err, errlen);
}

static void
full_message_gives_every_field(void **state)
{
	(void)state;
	char err[256];
	struct cap_alert *a = parse(FULL, err, sizeof(err));
	assert_non_null(a);
	assert_string_equal(a->identifier, "flood-42");
	assert_string_equal(a->sender, "district-7@example.gov.vn");
	assert_int_equal(a->sent, 1795773600);	/* 2026-11-27T10:00:00Z */
	assert_string_equal(a->status, "Actual");
	assert_string_equal(a->msg_type, "Update");
	assert_string_equal(a->scope, "Public");
	assert_int_equal(a->nrefs, 2);
	assert_string_equal(a->refs[0].identifier, "flood-41");
	assert_string_equal(a->refs[0].sent, "2026-11-27T16:00:00+07:00");
	assert_string_equal(a->refs[1].sender, "other");
	assert_string_equal(a->infos[0].urgency, "Immediate");
	assert_string_equal(a->infos[0].severity, "Extreme");
	assert_string_equal(a->infos[0].headline, "L\u0169 l\u1ee5t & s\u1ea1t l\u1edf");
	assert_int_equal(a->infos[0].effective, 1795773900);
	assert_int_equal(a->infos[0].expires, 1795816800);
	assert_string_equal(a->infos[0].priority_param, "emergency");
	assert_int_equal(a->infos[0].plays, 3);
	assert_int_equal(a->infos[0].interval_s, 600);
	assert_int_equal(a->infos[0].nareas, 2);
	assert_int_equal(a->infos[0].areas[0].ngeocodes, 2);
	assert_string_equal(a->infos[0].areas[0].desc, "Commune 1");
	assert_string_equal(a->infos[0].areas[0].geocodes[1].name, "loaxa:area");
	assert_string_equal(a->infos[0].areas[1].geocodes[0].value, "VN-01-003");
	assert_int_equal(a->infos[0].nresources, 1);
	assert_int_equal(a->infos[0].resources[0].size, 12345);
	assert_string_equal(a->infos[0].resources[0].uri, "../audio/flood-42.mp3");
	/* Every <info> is read: the second one too, with CAP's default language. */
	assert_int_equal(a->ninfos, 2);
	assert_string_equal(a->infos[1].urgency, "Past");
	assert_string_equal(cap_info_language(&a->infos[1]), "en-US");
	assert_string_equal(a->version, "1.2");
	assert_string_equal(a->infos[0].resources[0].digest,
	    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
	cap_free(a);
}

static void
absent_parameters_have_their_defaults(void **state)
{
	(void)state;
	char err[256];
	const char *xml = "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>i</identifier>"
	    "<sender>s</sender><sent>2026-01-01T00:00:00-00:00</sent><status>Test</status>"
	    "<msgType>Cancel</msgType><scope>Public</scope></alert>";
	struct cap_alert *a = parse(xml, err, sizeof(err));
	assert_non_null(a);
	assert_int_equal(a->ninfos, 0);
	const struct cap_info *in = cap_first_info(a);
	assert_null(in->priority_param);
	assert_int_equal(in->plays, 0);
	assert_int_equal(in->interval_s, -1);
	assert_int_equal(in->effective, 0);
	assert_int_equal(in->nareas, 0);
	cap_free(a);
}

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	assert_non_null(p);
	return xasprintf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

struct bad_case { const char *from, *to, *why; };

static void
malformed_messages_are_refused_with_a_reason(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ "<identifier>flood-42</identifier>", "", "identifier" },
		{ "<sent>2026-11-27T17:00:00+07:00</sent>", "<sent>yesterday</sent>", "sent" },
		{ "<sent>2026-11-27T17:00:00+07:00</sent>", "<sent>2026-11-27T17:00:00+7:00</sent>", "sent" },
		{ "<expires>2026-11-28T05:00:00+07:00</expires>", "<expires>2026-13-28T05:00:00+07:00</expires>", "expires" },
		{ "urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.0", "namespace" },
		{ "<alert xmlns", "<alarm xmlns", "XML" },
		{ "<digest>ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789</digest>",
		  "<digest>ABCDEF0123456789abcdef0123456789abcdef</digest><derefUri>***</derefUri>", "base64" },
		{ "<areaDesc>Commune 3</areaDesc>", "<areaDesc>C</areaDesc><polygon>1,2 3,4</polygon>", "polygon has 2 points" },
		{ "<areaDesc>Commune 3</areaDesc>", "<areaDesc>C</areaDesc><polygon>1,2 3,4 5,500 1,2</polygon>", "polygon point 3" },
		{ "<areaDesc>Commune 3</areaDesc>", "<areaDesc>C</areaDesc><circle>10.5,105.5</circle>", "circle" },
		{ "<areaDesc>Commune 3</areaDesc>", "<areaDesc>C</areaDesc><circle>10.5,105.5 -3</circle>", "radius" },
		{ "<value>emergency</value>", "<value>urgent</value>", "loaxa:priority" },
		{ "<value>3</value>", "<value>3x</value>", "loaxa:plays" },
		{ "<value>3</value>", "<value>0</value>", "loaxa:plays" },
		{ "<value>600</value>", "<value>-5</value>", "loaxa:interval" },
		{ "<size>12345</size>", "<size>-1</size>", "size" },
		{ "<digest>ABCDEF", "<digest>XYZ", "digest" },
		{ "<digest>ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789</digest>",
		  "<digest>ABCDEF01234</digest>", "neither SHA-1" },
		{ "flood-41,2026", "flood-41 2026", "reference" },
		{ "</scope>", "</scope><scope>Private</scope>", "twice" },
		{ "</alert>", "", "XML" },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
		  "<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY x \"y\">]>", "DTD" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		char *xml = replace(FULL, cases[i].from, cases[i].to);
		struct cap_alert *a = parse(xml, err, sizeof(err));
		if (a != NULL || strstr(err, cases[i].why) == NULL)
			fail_msg("case %zu: want refusal naming \"%s\", got %s \"%s\"", i, cases[i].why,
			    a ? "accepted" : "refused with", err);
		free(xml);
	}
}

static void
external_entities_are_never_fetched_or_expanded(void **state)
{
	(void)state;
	char err[256];
	const char *xxe = "<?xml version='1.0'?><!DOCTYPE a [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
	    "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>&e;</identifier></alert>";
	assert_null(parse(xxe, err, sizeof(err)));
	assert_null(cap_parse("", 0, CAP_DEFAULT_MAX_BYTES, err, sizeof(err)));
	char *huge = xcalloc(1, 300 * 1024 + 1);
	memset(huge, ' ', 300 * 1024);
	assert_null(cap_parse(huge, strlen(huge), 256 * 1024, err, sizeof(err)));
	/* Both sizes, so the technician knows what to raise it to. */
	assert_non_null(strstr(err, "too large: 307200 bytes, limit 262144"));
	free(huge);
}

static void
built_message_parses_back_the_same(void **state)
{
	(void)state;
	char err[256];
	struct cap_geocode geocodes[] = { { "loaxa:area", "VN-01" }, { "SAME", "VN-02" } };
	struct geo_point ring[] = { { 10, 105 }, { 10, 106 }, { 11, 106 }, { 10, 105 } };
	struct geo_polygon poly = { ring, 4 };
	struct geo_circle circ = { { 10.5, 105.5 }, 12.5 };
	struct cap_area area = { .desc = "Xã Tân Thạnh", .geocodes = geocodes, .ngeocodes = 2,
		.polygons = &poly, .npolygons = 1, .circles = &circ, .ncircles = 1 };
	struct cap_resource res = { .desc = "audio", .mime_type = "audio/mpeg", .size = 999,
		.uri = "../audio/x.mp3",
		.digest = "0123456789abcdef0123456789abcdef01234567" };
	struct cap_ref ref = { "s1", "old-1", "2026-11-27T16:00:00+07:00" };
	struct cap_info info = {
		.language = "vi-VN", .urgency = "Expected", .severity = "Severe", .certainty = "Likely",
		.headline = "Storm <5> & wind", .description = "Gió mạnh", .instruction = "Ở trong nhà",
		.effective = 1795773900, .expires = 1795816800,
		.priority_param = "priority", .plays = 2, .interval_s = 0,
		.audio_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		.areas = &area, .nareas = 1, .resources = &res, .nresources = 1,
	};
	struct cap_alert in = {
		.identifier = "x", .sender = "loaxa-ABC", .sent = 1795773600,
		.status = "Actual", .msg_type = "Update", .scope = "Public",
		.refs = &ref, .nrefs = 1, .infos = &info, .ninfos = 1,
	};
	size_t len;
	char *xml = cap_build(&in, &len);
	assert_int_equal(strlen(xml), len);
	struct cap_alert *out = cap_parse(xml, len, CAP_DEFAULT_MAX_BYTES, err, sizeof(err));
	assert_non_null(out);
	assert_string_equal(out->identifier, "x");
	assert_int_equal(out->sent, in.sent);
	assert_string_equal(out->msg_type, "Update");
	assert_int_equal(out->nrefs, 1);
	assert_string_equal(out->refs[0].identifier, "old-1");
	assert_int_equal(out->ninfos, 1);
	const struct cap_info *o = &out->infos[0];
	assert_string_equal(o->language, "vi-VN");
	assert_string_equal(o->headline, "Storm <5> & wind");
	assert_string_equal(o->instruction, "Ở trong nhà");
	assert_int_equal(o->effective, info.effective);
	assert_int_equal(o->expires, info.expires);
	assert_string_equal(o->priority_param, "priority");
	assert_int_equal(o->plays, 2);
	assert_int_equal(o->interval_s, 0);
	assert_string_equal(o->audio_sha256, info.audio_sha256);
	assert_int_equal(o->areas[0].ngeocodes, 2);
	assert_string_equal(o->areas[0].desc, "Xã Tân Thạnh");
	assert_string_equal(o->areas[0].geocodes[1].name, "SAME");
	assert_string_equal(o->areas[0].geocodes[1].value, "VN-02");
	assert_int_equal(o->areas[0].npolygons, 1);
	assert_int_equal(o->areas[0].polygons[0].npts, 4);
	assert_true(o->areas[0].circles[0].radius_km == 12.5);
	assert_int_equal(o->resources[0].size, 999);
	assert_string_equal(o->resources[0].digest, res.digest);
	cap_free(out);

	/* The OASIS CAP 1.2 schema (kept in the repository) accepts it, and
	 * would refuse it with a status CAP does not know. */
	assert_int_equal(cap_schema_check(xml, len), 0);
	char *status = strstr(xml, "<status>Actual</status>");
	assert_non_null(status);
	memcpy(status + 8, "Bogus!", 6);
	assert_int_not_equal(cap_schema_check(xml, len), 0);
	free(xml);
}

static void
cap_1_1_and_embedded_audio_are_read(void **state)
{
	(void)state;
	char err[256];
	/* "hello loaxa" in base64, folded as MIME folds it. */
	const char *xml = "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.1'><identifier>i</identifier>"
	    "<sender>s</sender><sent>2026-01-01T00:00:00-00:00</sent><status>Actual</status>"
	    "<msgType>Alert</msgType><scope>Public</scope>"
	    "<info><language>es-US</language><category>Geo</category><event>e</event>"
	    "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
	    "<resource><resourceDesc>EAS</resourceDesc><mimeType>audio/x-ipaws-audio-mp3</mimeType>"
	    "<size>3</size><uri></uri><derefUri>aGVsbG8g\n bG9heGE=</derefUri></resource>"
	    "<area><areaDesc>a</areaDesc><circle>32.9525,-115.5527 0</circle></area></info></alert>";
	struct cap_alert *a = parse(xml, err, sizeof(err));
	if (a == NULL)
		fail_msg("refused: %s", err);
	assert_string_equal(a->version, "1.1");
	const struct cap_resource *r = &a->infos[0].resources[0];
	assert_null(r->uri);	/* empty <uri> beside derefUri is absent */
	assert_int_equal(r->deref_len, 11);
	assert_memory_equal(r->deref, "hello loaxa", 11);
	assert_int_equal(a->infos[0].areas[0].ncircles, 1);
	assert_true(a->infos[0].areas[0].circles[0].centre.lon == -115.5527);
	cap_free(a);
}

/* What authorities publish (tests/data/cap-real/SOURCES.md) reads as it is. */
static struct cap_alert *
parse_real(const char *name)
{
	char err[512], *path = xasprintf("tests/data/cap-real/%s", name);
	size_t len;
	char *xml = read_file_all(path, CAP_DEFAULT_MAX_BYTES, &len, err, sizeof(err));
	if (xml == NULL)
		fail_msg("%s", err);
	struct cap_alert *a = cap_parse(xml, len, CAP_DEFAULT_MAX_BYTES, err, sizeof(err));
	if (a == NULL)
		fail_msg("%s refused: %s", name, err);
	free(xml);
	free(path);
	return a;
}

static void
real_messages_of_other_authorities_are_read(void **state)
{
	(void)state;
	struct cap_alert *a = parse_real("eccc-wind-warning-en-fr.xml");
	assert_int_equal(a->ninfos, 2);
	assert_string_equal(a->infos[1].language, "fr-CA");
	assert_string_equal(a->infos[1].headline, "avertissement de vent en vigueur");
	assert_string_equal(a->infos[1].instruction, "");
	assert_string_equal(a->infos[0].areas[0].geocodes[1].name, "profile:CAP-CP:Location:0.3");
	assert_int_equal(a->infos[0].areas[0].polygons[0].npts, 24);
	cap_free(a);

	a = parse_real("ipaws-rmt-embedded-audio.xml");
	const struct cap_resource *r = &a->infos[0].resources[0];
	assert_string_equal(r->mime_type, "audio/x-ipaws-audio-mp3");
	assert_int_equal(r->deref_len, 72932);	/* <size> says 98865: approximate */
	assert_int_equal(r->deref[0], 0xff);	/* an MPEG frame */
	assert_null(r->uri);
	assert_int_equal(strlen(r->digest), 40);
	cap_free(a);

	a = parse_real("oasis-1.1-a3-earthquake-circle.xml");
	assert_string_equal(a->version, "1.1");
	assert_string_equal(cap_info_language(&a->infos[0]), "en-US");
	assert_true(a->infos[0].areas[0].circles[0].radius_km == 0);
	cap_free(a);

	a = parse_real("nws-1.1-blizzard-warning-polygon.xml");
	assert_int_equal(a->infos[0].areas[0].npolygons, 0);	/* <polygon></polygon> */
	assert_string_equal(a->infos[0].areas[0].geocodes[0].name, "FIPS6");
	cap_free(a);

	a = parse_real("oasis-1.2-a4-amber-alert-en-es.xml");
	assert_int_equal(a->ninfos, 2);
	assert_string_equal(a->infos[1].language, "es-US");
	cap_free(a);

	a = parse_real("oasis-1.2-a2-thunderstorm-polygon.xml");
	assert_int_equal(a->infos[0].areas[0].polygons[0].npts, 5);
	assert_int_equal(a->infos[0].areas[0].ngeocodes, 3);
	cap_free(a);
}

static void
times_follow_the_cap_format(void **state)
{
	(void)state;
	time_t t;
	char buf[40];
	assert_int_equal(cap_parse_time("2026-11-27T17:00:00+07:00", &t), 0);
	assert_int_equal(t, 1795773600);
	assert_int_equal(cap_parse_time("2026-11-27T10:00:00Z", &t), 0);
	assert_int_equal(t, 1795773600);
	assert_int_equal(cap_parse_time("2026-11-27T10:00:00.5-00:00", &t), 0);
	assert_int_equal(cap_parse_time("2026-11-27 10:00:00+00:00", &t), -1);
	assert_int_equal(cap_parse_time("2026-11-27T10:00:00+0700", &t), -1);
	assert_int_equal(cap_parse_time("2026-11-27T10:00:00", &t), -1);
	cap_format_time(1795773600, buf, sizeof(buf));
	assert_int_equal(cap_parse_time(buf, &t), 0);
	assert_int_equal(t, 1795773600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_message_gives_every_field),
		cmocka_unit_test(absent_parameters_have_their_defaults),
		cmocka_unit_test(malformed_messages_are_refused_with_a_reason),
		cmocka_unit_test(external_entities_are_never_fetched_or_expanded),
		cmocka_unit_test(built_message_parses_back_the_same),
		cmocka_unit_test(cap_1_1_and_embedded_audio_are_read),
		cmocka_unit_test(real_messages_of_other_authorities_are_read),
		cmocka_unit_test(times_follow_the_cap_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
