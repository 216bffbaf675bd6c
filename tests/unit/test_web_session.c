/* Sessions and CSRF tokens as a console's visitor meets them: a fresh
 * random id and token at sign-in, a session that ends at its expiry or at
 * sign-out, a token that must match exactly, and an address that keeps
 * guessing passwords made to wait longer each time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "web/session.h"

static void
sign_in_gives_distinct_random_ids_and_tokens(void **state)
{
	(void)state;
	struct web_sessions *ss = web_sessions_create(3600, NULL, NULL);
	struct web_session a, b, found;

	assert_int_equal(web_sessions_open(ss, "lan", "operator", &a), 0);
	assert_int_equal(web_sessions_open(ss, "lan", "operator", &b), 0);
	assert_int_equal(strlen(a.id), WEB_TOKEN_LEN);
	assert_int_equal(strlen(a.csrf), WEB_TOKEN_LEN);
	assert_string_not_equal(a.id, b.id);
	assert_string_not_equal(a.csrf, b.csrf);
	assert_string_not_equal(a.id, a.csrf);
	assert_int_equal(web_sessions_find(ss, a.id, &found), 0);
	assert_string_equal(found.user, "lan");
	assert_string_equal(found.role, "operator");
	assert_string_equal(found.csrf, a.csrf);
	web_sessions_destroy(ss);
}

static void
unknown_or_malformed_ids_find_nothing(void **state)
{
	(void)state;
	struct web_sessions *ss = web_sessions_create(3600, NULL, NULL);
	struct web_session a, found;
	char other[WEB_TOKEN_LEN + 1];

	web_sessions_open(ss, "lan", "operator", &a);
	web_random_token(other);
	assert_int_equal(web_sessions_find(ss, other, &found), 1);
	assert_int_equal(web_sessions_find(ss, "", &found), 1);
	assert_int_equal(web_sessions_find(ss, NULL, &found), 1);
	assert_int_equal(web_sessions_find(ss, "'; drop table sessions; --", &found), 1);
	web_sessions_destroy(ss);
}

static void
sign_out_ends_the_session(void **state)
{
	(void)state;
	struct web_sessions *ss = web_sessions_create(3600, NULL, NULL);
	struct web_session a, found;

	web_sessions_open(ss, "lan", "operator", &a);
	assert_int_equal(web_sessions_close(ss, a.id), 0);
	assert_int_equal(web_sessions_find(ss, a.id, &found), 1);
	web_sessions_destroy(ss);
}

static void
a_session_expires(void **state)
{
	(void)state;
	struct web_sessions *ss = web_sessions_create(1, NULL, NULL);
	struct web_session a, found;

	web_sessions_open(ss, "lan", "operator", &a);
	assert_int_equal(web_sessions_find(ss, a.id, &found), 0);
	sleep(2);
	assert_int_equal(web_sessions_find(ss, a.id, &found), 1);
	web_sessions_destroy(ss);
}

static void
csrf_token_must_match_exactly(void **state)
{
	(void)state;
	struct web_sessions *ss = web_sessions_create(3600, NULL, NULL);
	struct web_session a, b;
	char tok[WEB_TOKEN_LEN + 1];

	web_sessions_open(ss, "lan", "operator", &a);
	web_sessions_open(ss, "mai", "operator", &b);
	assert_true(web_csrf_valid(&a, a.csrf));
	assert_false(web_csrf_valid(&a, b.csrf));	/* another session's token */
	assert_false(web_csrf_valid(&a, NULL));
	assert_false(web_csrf_valid(&a, ""));
	memcpy(tok, a.csrf, sizeof(tok));
	tok[WEB_TOKEN_LEN - 1] = tok[WEB_TOKEN_LEN - 1] == '0' ? '1' : '0';
	assert_false(web_csrf_valid(&a, tok));
	tok[WEB_TOKEN_LEN - 1] = '\0';			/* a prefix is not the token */
	assert_false(web_csrf_valid(&a, tok));
	assert_false(web_csrf_valid(NULL, a.csrf));
	web_sessions_destroy(ss);
}

static void
repeated_wrong_passwords_from_one_address_wait_longer(void **state)
{
	(void)state;
	struct web_sessions *ss = web_sessions_create(3600, NULL, NULL);

	assert_int_equal(web_login_delay(0), 0);
	assert_int_equal(web_login_delay(2), 0);
	assert_int_equal(web_login_delay(3), 2);
	assert_int_equal(web_login_delay(4), 4);
	assert_int_equal(web_login_delay(50), 300);

	web_login_failed(ss, "192.0.2.7");
	web_login_failed(ss, "192.0.2.7");
	assert_int_equal(web_login_wait(ss, "192.0.2.7"), 0);
	web_login_failed(ss, "192.0.2.7");
	web_login_failed(ss, "192.0.2.7");
	int wait = web_login_wait(ss, "192.0.2.7");
	assert_true(wait >= 3 && wait <= 4);
	/* Another address is not slowed down by this one. */
	assert_int_equal(web_login_wait(ss, "192.0.2.8"), 0);
	/* A right password clears the count. */
	web_login_succeeded(ss, "192.0.2.7");
	assert_int_equal(web_login_wait(ss, "192.0.2.7"), 0);
	web_sessions_destroy(ss);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sign_in_gives_distinct_random_ids_and_tokens),
		cmocka_unit_test(unknown_or_malformed_ids_find_nothing),
		cmocka_unit_test(sign_out_ends_the_session),
		cmocka_unit_test(a_session_expires),
		cmocka_unit_test(csrf_token_must_match_exactly),
		cmocka_unit_test(repeated_wrong_passwords_from_one_address_wait_longer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
