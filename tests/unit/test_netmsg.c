/* The channel to the network process: what loaxad accepts from it, and what not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/netmsg.h"

static char err[256];

static void
result(struct netmsg_out *o, uint64_t id)
{
	netmsg_begin(o, NETMSG_RESULT, id);
	netmsg_add_u64(o, NT_ERROR, 0);
	netmsg_add_u64(o, NT_STATUS, 200);
	netmsg_add_str(o, NT_ETAG, "\"abc\"");
	netmsg_add_bytes(o, NT_BODY, "hello\0world", 11);
	netmsg_finish(o);
}

static void
a_result_round_trips_and_binary_bodies_keep_their_nuls(void **state)
{
	struct netmsg_out o;
	struct netmsg m;

	(void)state;
	result(&o, 42);
	assert_int_equal(netmsg_decode(o.data, o.len, &m, err, sizeof(err)), (long)o.len);
	assert_int_equal(m.type, NETMSG_RESULT);
	assert_int_equal(m.id, 42);
	assert_int_equal(m.f[NT_STATUS].num, 200);
	assert_int_equal(m.f[NT_BODY].len, 11);
	assert_memory_equal(m.f[NT_BODY].data, "hello\0world", 11);
	char *etag = netmsg_strdup(&m, NT_ETAG);
	assert_string_equal(etag, "\"abc\"");
	free(etag);
	assert_null(netmsg_strdup(&m, NT_FINAL_URL));
	netmsg_out_free(&o);
}

static void
a_truncated_frame_waits_for_more_at_every_length(void **state)
{
	struct netmsg_out o;
	struct netmsg m;

	(void)state;
	result(&o, 1);
	for (size_t n = 0; n < o.len; n++)
		assert_int_equal(netmsg_decode(o.data, n, &m, err, sizeof(err)), 0);
	netmsg_out_free(&o);
}

/* Builds a RESULT, lets spoil() change it, and expects a protocol error. */
static void
expect_refused(void (*spoil)(struct netmsg_out *o), const char *why)
{
	struct netmsg_out o;
	struct netmsg m;

	netmsg_begin(&o, NETMSG_RESULT, 7);
	netmsg_add_u64(&o, NT_ERROR, 0);
	spoil(&o);
	netmsg_finish(&o);
	long r = netmsg_decode(o.data, o.len, &m, err, sizeof(err));
	if (r != -1)
		fail_msg("accepted (%ld): %s", r, why);
	netmsg_out_free(&o);
}

static void sp_version(struct netmsg_out *o) { o->data[4] = NETMSG_VERSION + 1; }
static void sp_type(struct netmsg_out *o) { o->data[5] = 99; }
static void sp_id0(struct netmsg_out *o) { memset(o->data + 8, 0, 8); }
static void sp_repeat(struct netmsg_out *o) { netmsg_add_u64(o, NT_ERROR, 1); }
static void sp_foreign_tag(struct netmsg_out *o) { netmsg_add_str(o, NT_OUT_PATH, "/etc/passwd"); }
static void sp_unknown_tag(struct netmsg_out *o) { netmsg_add_str(o, (enum netmsg_tag)500, "x"); }
static void sp_nul(struct netmsg_out *o) { netmsg_add_bytes(o, NT_FINAL_URL, "http://a\0b", 10); }
static void sp_short_int(struct netmsg_out *o) { netmsg_add_bytes(o, NT_STATUS, "\1\2", 2); }
static void sp_long_str(struct netmsg_out *o)
{
	char *s = malloc(NETMSG_STR_MAX + 2);
	memset(s, 'a', NETMSG_STR_MAX + 1);
	s[NETMSG_STR_MAX + 1] = '\0';
	netmsg_add_str(o, NT_ETAG, s);
	free(s);
}
static void sp_field_past_end(struct netmsg_out *o)
{
	netmsg_add_str(o, NT_ETAG, "abc");
	o->data[o->len - 4] = 0x7f;	/* its length now reaches past the frame */
}
static void sp_trailing(struct netmsg_out *o)
{
	netmsg_add_str(o, NT_ETAG, "abc");
	o->nfields--;	/* counted one field less than sent */
}

static void
forged_or_malformed_frames_are_protocol_errors(void **state)
{
	(void)state;
	expect_refused(sp_version, "another version");
	expect_refused(sp_type, "an unknown type");
	expect_refused(sp_id0, "transfer id 0");
	expect_refused(sp_repeat, "a repeated tag");
	expect_refused(sp_foreign_tag, "a FETCH tag in a RESULT");
	expect_refused(sp_unknown_tag, "an unknown tag");
	expect_refused(sp_nul, "a NUL in a string");
	expect_refused(sp_short_int, "a 2-byte integer");
	expect_refused(sp_long_str, "an over-long string");
	expect_refused(sp_field_past_end, "a field past the frame");
	expect_refused(sp_trailing, "bytes after the last field");
}

static void
an_oversized_frame_is_refused_before_it_arrives(void **state)
{
	uint8_t hdr[16] = { 0 };
	struct netmsg m;
	uint32_t big = NETMSG_MAX;

	(void)state;
	hdr[0] = (uint8_t)(big >> 24);
	hdr[1] = (uint8_t)(big >> 16);
	hdr[2] = (uint8_t)(big >> 8);
	hdr[3] = (uint8_t)big;
	assert_int_equal(netmsg_decode(hdr, 4, &m, err, sizeof(err)), -1);
	memset(hdr, 0, 4);
	hdr[3] = 3;	/* shorter than a header */
	assert_int_equal(netmsg_decode(hdr, sizeof(hdr), &m, err, sizeof(err)), -1);
}

static void
random_garbage_never_decodes_into_a_message_past_its_bounds(void **state)
{
	static uint8_t buf[4096];
	struct netmsg m;

	(void)state;
	srand(12345);
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand() % (int)sizeof(buf));
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
		if (len >= 4 && round % 2 == 0) {	/* a plausible length and version */
			uint32_t fl = (uint32_t)(len - 4);
			buf[0] = (uint8_t)(fl >> 24);
			buf[1] = (uint8_t)(fl >> 16);
			buf[2] = (uint8_t)(fl >> 8);
			buf[3] = (uint8_t)fl;
			if (len > 4)
				buf[4] = NETMSG_VERSION;
		}
		long r = netmsg_decode(buf, len, &m, err, sizeof(err));
		assert_true(r >= -1 && r <= (long)len);
		if (r > 0)
			for (int t = 0; t < NT_TAG_END; t++)
				if (m.f[t].present)
					assert_true(m.f[t].data >= buf &&
					    m.f[t].data + m.f[t].len <= buf + r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_result_round_trips_and_binary_bodies_keep_their_nuls),
		cmocka_unit_test(a_truncated_frame_waits_for_more_at_every_length),
		cmocka_unit_test(forged_or_malformed_frames_are_protocol_errors),
		cmocka_unit_test(an_oversized_frame_is_refused_before_it_arrives),
		cmocka_unit_test(random_garbage_never_decodes_into_a_message_past_its_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
