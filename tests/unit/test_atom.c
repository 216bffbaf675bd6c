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
		{ "urn:loaxa:bulletin:a", "Flood & storm", "2026-11-27T17:00:00+07:00", "alerts/a.xml" },
		{ "urn:loaxa:bulletin:b", "Second", "2026-11-27T18:00:00+07:00", "alerts/b.xml" },
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
only_alternate_cap_links_count(void **state)
{
	(void)state;
	char err[256];
	const char *xml =
	    "<feed xmlns='http://www.w3.org/2005/Atom'>"
	    "<entry><id>1</id><link rel='self' type='application/cap+xml' href='no.xml'/>"
	    "<link href='x.html' type='text/html'/>"
	    "<link type='application/cap+xml' href='alerts/1.xml'/></entry>"
	    "<entry><id>2</id><link rel='alternate' href='alerts/2.html'/></entry>"
	    "<other:entry xmlns:other='urn:x'><id>3</id></other:entry>"
	    "</feed>";
	struct atom_feed *f = atom_parse(xml, strlen(xml), err, sizeof(err));
	assert_non_null(f);
	assert_int_equal(f->nentries, 2);
	assert_string_equal(f->entries[0].cap_href, "alerts/1.xml");
	assert_null(f->entries[1].cap_href);
	atom_free(f);
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
		cmocka_unit_test(only_alternate_cap_links_count),
		cmocka_unit_test(empty_feed_is_a_feed),
		cmocka_unit_test(malformed_feeds_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
