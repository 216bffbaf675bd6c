/* The push channel's event-stream framing: what wakes a feed and what does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bulletins/push.h"

static int
feed_str(struct push_sse *p, const char *s)
{
	return push_sse_feed(p, s, strlen(s));
}

static void
an_nchan_message_is_one_event_and_its_id_is_kept(void **state)
{
	struct push_sse p;

	(void)state;
	push_sse_init(&p);
	assert_int_equal(feed_str(&p, ": hi\n\n"), 0);	/* nchan's greeting */
	assert_int_equal(feed_str(&p, "id: 1795994158:0\ndata: hello\n\n"), 1);
	assert_string_equal(p.last_id, "1795994158:0");
}

static void
events_split_anywhere_across_reads_and_any_line_ending(void **state)
{
	const char *stream = "data: a\r\n\r\ndata: b\r\rdata:c\n\n";
	struct push_sse p;

	(void)state;
	for (size_t cut = 0; cut <= strlen(stream); cut++) {
		push_sse_init(&p);
		int n = push_sse_feed(&p, stream, cut);
		n += push_sse_feed(&p, stream + cut, strlen(stream) - cut);
		assert_int_equal(n, 3);
	}
}

static void
comments_ids_and_blank_lines_alone_wake_nothing(void **state)
{
	struct push_sse p;

	(void)state;
	push_sse_init(&p);
	assert_int_equal(feed_str(&p, ":ping\n\n\n\nid: 7\n\nevent: x\n\nretry: 5000\n\n"), 0);
	assert_string_equal(p.last_id, "7");
	assert_int_equal(p.retry_ms, 5000);
	/* "data" needs to be the whole field name; "datum" is unknown */
	assert_int_equal(feed_str(&p, "datum: 1\n\ndata\n\n"), 1);
}

static void
an_event_is_dispatched_only_by_its_blank_line(void **state)
{
	struct push_sse p;

	(void)state;
	push_sse_init(&p);
	assert_int_equal(feed_str(&p, "data: 1\ndata: 2\n"), 0);
	assert_int_equal(feed_str(&p, "\n"), 1);
	assert_int_equal(feed_str(&p, "data: half"), 0);
}

static void
over_long_lines_are_cut_and_bad_fields_ignored(void **state)
{
	static char big[3 * PUSH_LINE_MAX];
	struct push_sse p;

	(void)state;
	push_sse_init(&p);
	memset(big, 'x', sizeof(big));
	memcpy(big, "data: ", 6);
	assert_int_equal(push_sse_feed(&p, big, sizeof(big)), 0);
	assert_int_equal(feed_str(&p, "\n\n"), 1);	/* still a data line */
	/* an id too long to echo back leaves the last one */
	feed_str(&p, "id: ok\n");
	memcpy(big, "id: ", 4);
	push_sse_feed(&p, big, PUSH_ID_MAX + 10);
	feed_str(&p, "\n");
	assert_string_equal(p.last_id, "ok");
	/* retry must be digits only */
	feed_str(&p, "retry: 12a\nretry: -5\n");
	assert_int_equal(p.retry_ms, 0);
	/* an id with NUL is ignored */
	assert_int_equal(push_sse_feed(&p, "id: a\0b\n", 8), 0);
	assert_string_equal(p.last_id, "ok");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_nchan_message_is_one_event_and_its_id_is_kept),
		cmocka_unit_test(events_split_anywhere_across_reads_and_any_line_ending),
		cmocka_unit_test(comments_ids_and_blank_lines_alone_wake_nothing),
		cmocka_unit_test(an_event_is_dispatched_only_by_its_blank_line),
		cmocka_unit_test(over_long_lines_are_cut_and_bad_fields_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
