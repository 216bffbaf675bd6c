/* The control socket's frames: what loaxactl sends is what loaxad reads,
 * and anything else is refused before it reaches a command. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/protocol.h"

static size_t
encode(uint16_t code, const char *json, char **out)
{
	json_t *obj = json ? json_loads(json, 0, NULL) : NULL;
	size_t len = ctl_frame_encode(code, obj, CTL_MAX_REQUEST, out);
	json_decref(obj);
	return len;
}

static void
request_round_trips(void **state)
{
	char *buf, err[128];
	struct ctl_header hdr;
	size_t len = encode(CTL_REQ_PLAY, "{\"what\":\"/srv/tin tức \\\"sáng\\\".mp3\",\"now\":true}", &buf);

	(void)state;
	assert_true(len > CTL_HEADER_LEN);
	assert_int_equal(ctl_frame_check(buf, len, 1, CTL_MAX_REQUEST, &hdr), CTL_FRAME_OK);
	assert_int_equal(hdr.code, CTL_REQ_PLAY);
	assert_int_equal(hdr.length, len - CTL_HEADER_LEN);
	json_t *obj = ctl_payload_decode(buf + CTL_HEADER_LEN, hdr.length, err, sizeof(err));
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "what")),
	    "/srv/tin tức \"sáng\".mp3");
	assert_true(json_is_true(json_object_get(obj, "now")));
	json_decref(obj);
	free(buf);
}

static void
empty_request_has_empty_object(void **state)
{
	char *buf, err[128];
	struct ctl_header hdr;
	size_t len = encode(CTL_REQ_STATUS, NULL, &buf);

	(void)state;
	assert_int_equal(ctl_frame_check(buf, len, 1, CTL_MAX_REQUEST, &hdr), CTL_FRAME_OK);
	json_t *obj = ctl_payload_decode(buf + CTL_HEADER_LEN, hdr.length, err, sizeof(err));
	assert_non_null(obj);
	assert_int_equal(json_object_size(obj), 0);
	json_decref(obj);
	free(buf);
}

static void
partial_frames_wait_for_more(void **state)
{
	char *buf;
	struct ctl_header hdr;
	size_t len = encode(CTL_REQ_VOLUME, "{\"volume\":40}", &buf);

	(void)state;
	for (size_t i = 0; i < CTL_HEADER_LEN; i++)
		assert_int_equal(ctl_frame_check(buf, i, 1, CTL_MAX_REQUEST, &hdr), CTL_FRAME_SHORT);
	for (size_t i = CTL_HEADER_LEN; i < len; i++)
		assert_int_equal(ctl_frame_check(buf, i, 1, CTL_MAX_REQUEST, &hdr), CTL_FRAME_INCOMPLETE);
	assert_int_equal(ctl_frame_check(buf, len, 1, CTL_MAX_REQUEST, &hdr), CTL_FRAME_OK);
	free(buf);
}

static void
garbage_is_not_our_protocol(void **state)
{
	struct ctl_header hdr;
	const char *http = "GET / HTTP/1.0\r\n\r\n";

	(void)state;
	assert_int_equal(ctl_frame_check(http, strlen(http), 1, CTL_MAX_REQUEST, &hdr),
	    CTL_FRAME_BAD_MAGIC);
}

static void
version_is_checked_before_code_and_length(void **state)
{
	struct ctl_header hdr = { CTL_MAGIC, CTL_PROTOCOL_VERSION + 1, 999, 1u << 30 };
	struct ctl_header out;

	(void)state;
	assert_int_equal(ctl_frame_check(&hdr, sizeof(hdr), 1, CTL_MAX_REQUEST, &out),
	    CTL_FRAME_BAD_VERSION);
	assert_non_null(strstr(ctl_frame_status_text(CTL_FRAME_BAD_VERSION), "version"));
}

static void
unknown_and_misdirected_codes_are_refused(void **state)
{
	struct ctl_header hdr = { CTL_MAGIC, CTL_PROTOCOL_VERSION, 0, 2 };
	struct ctl_header out;

	(void)state;
	assert_int_equal(ctl_frame_check(&hdr, sizeof(hdr), 1, CTL_MAX_REQUEST, &out), CTL_FRAME_BAD_CODE);
	hdr.code = CTL_REQ_LAST_ + 1;
	assert_int_equal(ctl_frame_check(&hdr, sizeof(hdr), 1, CTL_MAX_REQUEST, &out), CTL_FRAME_BAD_CODE);
	/* A reply code sent as a request, and a request code as a reply. */
	hdr.code = CTL_REPLY_OK;
	assert_int_equal(ctl_frame_check(&hdr, sizeof(hdr), 1, CTL_MAX_REQUEST, &out), CTL_FRAME_BAD_CODE);
	assert_int_equal(ctl_frame_check(&hdr, sizeof(hdr), 0, CTL_MAX_REPLY, &out), CTL_FRAME_INCOMPLETE);
	hdr.code = CTL_REQ_STATUS;
	assert_int_equal(ctl_frame_check(&hdr, sizeof(hdr), 0, CTL_MAX_REPLY, &out), CTL_FRAME_BAD_CODE);
}

static void
oversized_request_is_refused_from_its_header(void **state)
{
	struct ctl_header hdr = { CTL_MAGIC, CTL_PROTOCOL_VERSION, CTL_REQ_PLAY,
	    CTL_MAX_REQUEST + 1 };
	struct ctl_header out;

	(void)state;
	assert_int_equal(ctl_frame_check(&hdr, sizeof(hdr), 1, CTL_MAX_REQUEST, &out), CTL_FRAME_TOO_LONG);
}

static void
encoder_refuses_payload_over_the_limit(void **state)
{
	char *big = malloc(CTL_MAX_REQUEST + 10), *buf = NULL;

	(void)state;
	memset(big, 'a', CTL_MAX_REQUEST + 9);
	big[CTL_MAX_REQUEST + 9] = '\0';
	json_t *obj = json_pack("{s:s}", "what", big);
	assert_int_equal(ctl_frame_encode(CTL_REQ_PLAY, obj, CTL_MAX_REQUEST, &buf), 0);
	assert_null(buf);
	json_decref(obj);
	free(big);
}

static void
payloads_that_are_not_objects_are_refused(void **state)
{
	char err[128];
	static const char *const bad[] = {
		"", "[1,2]", "\"x\"", "42", "{\"a\":", "{\"a\":1,\"a\":2}", "\xff\xfe",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_null(ctl_payload_decode(bad[i], strlen(bad[i]), err, sizeof(err)));
		assert_true(err[0] != '\0');
	}
	assert_null(ctl_payload_decode("{}\0{}", 5, err, sizeof(err)));
	assert_non_null(strstr(err, "NUL"));
}

static void
codes_keep_their_numbers(void **state)
{
	(void)state;
	/* Appending only: these numbers are on the wire of released versions. */
	assert_int_equal(CTL_REQ_STATUS, 1);
	assert_int_equal(CTL_REQ_TEST_TONE, 10);
	assert_int_equal(CTL_REQ_NOTICE, 11);
	assert_int_equal(CTL_REQ_LOG_READ, 12);
	assert_int_equal(CTL_REQ_CONFIG, 13);
	assert_int_equal(CTL_REPLY_OK, 100);
	assert_int_equal(CTL_REPLY_ERROR, 101);
	assert_int_equal(CTL_HEADER_LEN, 12);
	assert_string_equal(ctl_code_name(CTL_REQ_TEST_TONE), "test-tone");
	assert_null(ctl_code_name(77));
}

/* The one command table gives both programs every code, name and usage. */
static void
command_table_lists_each_command_once(void **state)
{
	static const char *const wire[] = { NULL, "status", "plan", "queue", "play",
		"stop", "skip", "volume", "mute", "reload", "test-tone", "notice",
		"log-read", "config" };
	size_t requests = 0;

	(void)state;
	assert_int_equal(CTL_REQ_LAST_, 13);
	for (size_t i = 0; i < ctl_ncommands; i++) {
		const struct ctl_command_desc *d = &ctl_commands[i];
		assert_ptr_equal(ctl_command_find(d->name), d);
		assert_non_null(d->usage);
		if (d->code == 0)
			continue;
		requests++;
		assert_string_equal(ctl_code_name(d->code), d->name);
		assert_string_equal(wire[d->code], d->name);
	}
	assert_int_equal(requests, CTL_REQ_LAST_);
	assert_int_equal(ctl_command_find("unmute")->code, 0);
	assert_int_equal(ctl_command_find("log")->code, 0);
	assert_string_equal(ctl_command_find("volume")->usage, "N");
	assert_null(ctl_command_find("volum"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_round_trips),
		cmocka_unit_test(empty_request_has_empty_object),
		cmocka_unit_test(partial_frames_wait_for_more),
		cmocka_unit_test(garbage_is_not_our_protocol),
		cmocka_unit_test(version_is_checked_before_code_and_length),
		cmocka_unit_test(unknown_and_misdirected_codes_are_refused),
		cmocka_unit_test(oversized_request_is_refused_from_its_header),
		cmocka_unit_test(encoder_refuses_payload_over_the_limit),
		cmocka_unit_test(payloads_that_are_not_objects_are_refused),
		cmocka_unit_test(codes_keep_their_numbers),
		cmocka_unit_test(command_table_lists_each_command_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
