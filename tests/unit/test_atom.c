/* atom: index.atom as loaxa-publish writes it and stations read it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bulletins/atom.h"

static void
built_feed_parses_back_with_cap_links(void **state)
{
	(void)state;
	char err[256];
	struct atom_entry in[] = {
		{ "urn:loaxa:bulletin:a", "Flood & storm", "2026-11-27T17:00:00+07:00", "alerts/a.xml", NULL },
		{ "urn:loaxa:bulletin:b", "Second", "2026-11-27T18:00:00+07:00", "alerts/b.xml", NULL },
	};
	size_t len;
	char *xml = atom_build("loaxa bulletins", "urn:loaxa:feed", in, 2, &len);
	struct atom_feed *f = atom_parse(xml, len, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(f->nentries, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(f->entries[i].id, in[i].id);
		assert_string_equal(f->entries[i].title, in[i].title);
		assert_string_equal(f->entries[i].updated, in[i].updated);
		assert_string_equal(f->entries[i].cap_href, in[i].cap_href);
	}
	assert_non_null(strstr(xml, "<updated>2026-11-27T18:00:00+07:00</updated>"));
	atom_free(f);
	free(xml);
}

static void
alternate_links_of_any_xml_type_or_none_count(void **state)
{
	(void)state;
	char err[256];
	const char *xml =
	    "<feed xmlns='http://www.w3.org/2005/Atom'>"
	    "<entry><id>1</id><link rel='self' type='application/cap+xml' href='no.xml'/>"
	    "<link href='x.html' type='text/html'/>"
	    "<link href='alerts/1-other.xml' type='application/xml'/>"
	    "<link type='application/cap+xml' href='alerts/1.xml'/></entry>"
	    "<entry><id>2</id><link rel='alternate' href='alerts/2.html' type='text/html'/></entry>"
	    "<other:entry xmlns:other='urn:x'><id>3</id></other:entry>"
	    /* NWS writes links without a type; others application/xml or text/xml */
	    "<entry><id>4</id><link href='https://alerts.example.gov/4'/></entry>"
	    "<entry><id>5</id><link rel='alternate' type='text/xml; charset=utf-8' href='5.xml'/></entry>"
	    "<entry><id>6</id></entry>"
	    "</feed>";
	struct atom_feed *f = atom_parse(xml, strlen(xml), err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(f->nentries, 5);
	assert_string_equal(f->entries[0].cap_href, "alerts/1.xml");	/* cap+xml preferred */
	assert_null(f->entries[1].cap_href);
	/* the real cause, not 'malformed URI ""' */
	assert_non_null(strstr(f->entries[1].no_link_why, "type=\"text/html\", not XML"));
	assert_string_equal(f->entries[2].cap_href, "https://alerts.example.gov/4");
	assert_string_equal(f->entries[3].cap_href, "5.xml");
	assert_non_null(strstr(f->entries[4].no_link_why, "no <link>"));
	atom_free(f);
}

static void
rss_items_link_their_cap_messages(void **state)
{
	(void)state;
	char err[256];
	const char *xml =
	    "<?xml version='1.0'?><rss version='2.0' xmlns:atom='http://www.w3.org/2005/Atom'>"
	    "<channel><title>Alerts</title><atom:link href='https://x/rss.xml' rel='self'/>"
	    "<item><title>Flood</title><link>https://x/alerts/1.xml</link>"
	    "<guid>urn:oid:1</guid><pubDate>Sun, 29 Nov 2026 10:00:00 GMT</pubDate></item>"
	    "<item><title>No link</title><atom:link href='https://x/2.xml'/></item>"
	    "<item><link>alerts/3.xml</link></item>"
	    "</channel></rss>";
	struct atom_feed *f = atom_parse(xml, strlen(xml), err, sizeof(err));
	if (f == NULL)
		fail_msg("refused: %s", err);
	assert_int_equal(f->nentries, 3);
	assert_string_equal(f->entries[0].cap_href, "https://x/alerts/1.xml");
	assert_string_equal(f->entries[0].id, "urn:oid:1");
	assert_string_equal(f->entries[0].title, "Flood");
	assert_null(f->entries[1].cap_href);
	assert_non_null(strstr(f->entries[1].no_link_why, "RSS <item> without <link>"));
	assert_string_equal(f->entries[2].id, "alerts/3.xml");
	atom_free(f);

	const char *v091 = "<rss version='0.91'><channel><item><link>a</link></item></channel></rss>";
	assert_null(atom_parse(v091, strlen(v091), err, sizeof(err)));
	assert_non_null(strstr(err, "RSS 2.0"));
	const char *html = "<html><body/></html>";
	assert_null(atom_parse(html, strlen(html), err, sizeof(err)));
	assert_non_null(strstr(err, "root element is <html>"));
}

static void
empty_feed_is_a_feed(void **state)
{
	(void)state;
	char err[256];
	size_t len;
	char *xml = atom_build("t", "urn:x", NULL, 0, &len);
	struct atom_feed *f = atom_parse(xml, len, err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(f->nentries, 0);
	atom_free(f);
	free(xml);
}

static void
malformed_feeds_are_refused(void **state)
{
	(void)state;
	char err[256];
	static const char *const bad[] = {
		"",
		"<feed xmlns='http://www.w3.org/2005/Atom'><entry>",
		"<feed><entry/></feed>",
		"<rss><channel/></rss>",
		"<!DOCTYPE feed [<!ENTITY a 'aaaa'>]><feed xmlns='http://www.w3.org/2005/Atom'/>",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(atom_parse(bad[i], strlen(bad[i]), err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(built_feed_parses_back_with_cap_links),
		cmocka_unit_test(alternate_links_of_any_xml_type_or_none_count),
		cmocka_unit_test(rss_items_link_their_cap_messages),
		cmocka_unit_test(empty_feed_is_a_feed),
		cmocka_unit_test(malformed_feeds_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
