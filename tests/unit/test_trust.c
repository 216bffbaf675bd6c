/* Bulletin trust, the pure parts: entries refused for now (retry), the XML
 * pre-scan that keeps libxml2 fast on hostile input, and the latest time
 * the station can establish (trustclock). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bulletins/atom.h"
#include "bulletins/retry.h"
#include "bulletins/trustclock.h"
#include "core/util.h"

static void
retries_back_off_doubling_and_start_over_on_a_new_text(void **state)
{
	struct retry_set s = { 0 };
	(void)state;

	struct entry_retry *rt = retry_note(&s, "http://p/a.xml", "a", NULL, NULL, "aa", 1, 0, 0.5);
	assert_int_equal(rt->failures, 1);
	assert_int_equal(rt->due_ms, 60000);
	rt = retry_note(&s, "http://p/a.xml", "a", NULL, NULL, "aa", 1, 0, 0.5);
	assert_int_equal(rt->due_ms, 120000);
	rt = retry_note(&s, "http://p/a.xml", "a", NULL, NULL, "bb", 1, 0, 0.5);
	assert_int_equal(rt->failures, 1);	/* republished: from the start */
	for (int i = 0; i < 20; i++)
		rt = retry_note(&s, "http://p/a.xml", "a", NULL, NULL, "bb", 1, 0, 0.5);
	assert_int_equal(rt->due_ms, 3600000);
	assert_int_equal(s.n, 1);
	retry_prune(&s, 2);		/* no longer listed */
	assert_int_equal(s.n, 0);
	retry_clear(&s);
}

/* A hostile index listing new URLs on every poll: memory stays bounded,
 * the entry refused longest ago goes first. */
static void
retries_are_bounded_oldest_forgotten_first(void **state)
{
	struct retry_set s = { 0 };
	char url[64];
	(void)state;

	for (int i = 0; i < RETRY_MAX * 4; i++) {
		snprintf(url, sizeof(url), "http://p/junk/%d.xml", i);
		retry_note(&s, url, NULL, NULL, NULL, "", 1, i, 0.5);
	}
	assert_int_equal(s.n, RETRY_MAX);
	assert_null(retry_find(&s, "http://p/junk/0.xml"));
	snprintf(url, sizeof(url), "http://p/junk/%d.xml", RETRY_MAX * 4 - 1);
	assert_non_null(retry_find(&s, url));
	retry_clear(&s);
}

static char *
with_attributes(int n)
{
	size_t cap = 64 + (size_t)n * 16;
	char *x = malloc(cap);
	size_t len = (size_t)snprintf(x, cap, "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry ");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(x + len, cap - len, "a%d=\"x\" ", i);
	snprintf(x + len, cap - len, "/></feed>");
	return x;
}

/* libxml2 checks duplicate attributes in quadratic time: 90,000 on one
 * element held the loop a minute. Refused by a linear scan, at once. */
static void
an_element_with_thousands_of_attributes_is_refused_at_once(void **state)
{
	char err[256];
	(void)state;

	char *ok = with_attributes(8);
	struct atom_feed *f = atom_parse(ok, strlen(ok), err, sizeof(err));
	assert_non_null(f);
	atom_free(f);
	free(ok);

	char *bad = with_attributes(20000);
	int64_t t0 = mono_ms();
	f = atom_parse(bad, strlen(bad), err, sizeof(err));
	int64_t took = mono_ms() - t0;
	assert_null(f);
	assert_non_null(strstr(err, "too many attributes"));
	/* Linear: milliseconds; generous for valgrind. The bound that matters
	 * (the loop's ~100 ms) is measured in bench/, not asserted here. */
	assert_true(took < 2000);
	free(bad);

	/* Quotes hide what looks like markup; comments and CDATA are skipped. */
	const char *tricky = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><!-- a=b c=d -->"
	    "<entry><title t=\"x=y&gt;z=w\">a</title></entry></feed>";
	f = atom_parse(tricky, strlen(tricky), err, sizeof(err));
	assert_non_null(f);
	atom_free(f);
}

static void
deep_nesting_is_refused(void **state)
{
	char err[256], *x = malloc(200 * 8 + 100);
	size_t len = 0;
	(void)state;

	len += (size_t)sprintf(x + len, "<feed xmlns=\"http://www.w3.org/2005/Atom\">");
	for (int i = 0; i < 200; i++)
		len += (size_t)sprintf(x + len, "<a>");
	for (int i = 0; i < 200; i++)
		len += (size_t)sprintf(x + len, "</a>");
	sprintf(x + len, "</feed>");
	assert_null(atom_parse(x, strlen(x), err, sizeof(err)));
	assert_non_null(strstr(err, "nested too deep"));
	free(x);
}

/* Evidence only ever makes the station stricter, and a saved
 * synchronised time outlives a restart. */
static void
the_latest_time_known_only_moves_forward(void **state)
{
	char dir[] = "/tmp/loaxa-trustclock-XXXXXX";
	(void)state;

	assert_non_null(mkdtemp(dir));
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", dir, TRUSTCLOCK_FILE) > 0);
	time_t now = time(NULL);
	FILE *fp = fopen(path, "w");
	fprintf(fp, "{\"synchronised_at\": %lld}\n", (long long)(now + 5 * 86400));
	fclose(fp);

	struct trustclock *c = trustclock_open(dir);
	assert_true(trustclock_now(c) >= now + 5 * 86400);
	const char *why = NULL;
	assert_false(trustclock_trusted(c, &why));
	assert_non_null(strstr(why, "synchronised"));
	trustclock_note_date(c, now - 86400);		/* older: changes nothing */
	assert_true(trustclock_now_hint(c) >= now + 5 * 86400);
	trustclock_note_date(c, now + 6 * 86400);	/* a Date only hints */
	assert_true(trustclock_now(c) < now + 6 * 86400 - 60);
	assert_true(trustclock_now_hint(c) >= now + 6 * 86400);
	trustclock_note_sent(c, now + 100 * 86400);	/* a signed typo: ignored */
	assert_true(trustclock_now(c) < now + 7 * 86400);
	trustclock_close(c);

	unlink(path);
	c = trustclock_open(dir);			/* nothing saved: the clock alone */
	assert_true(trustclock_now(c) - now < 60);
	assert_true(trustclock_trusted(c, &why));
	trustclock_close(c);
	rmdir(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(retries_back_off_doubling_and_start_over_on_a_new_text),
		cmocka_unit_test(retries_are_bounded_oldest_forgotten_first),
		cmocka_unit_test(an_element_with_thousands_of_attributes_is_refused_at_once),
		cmocka_unit_test(deep_nesting_is_refused),
		cmocka_unit_test(the_latest_time_known_only_moves_forward),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
