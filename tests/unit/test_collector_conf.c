/* loaxa-collector's configuration as a district technician writes it: every
 * default, the issue's names, and mistakes named with their file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector/conf.h"
#include "core/log.h"
#include "core/util.h"

static char path[64];

static int
load(const char *text, struct collector_conf *c, char *err)
{
	char e[256];
	snprintf(path, sizeof(path), "/tmp/loaxa-collector-conf-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(atomic_write_file(path, text, strlen(text), 0644, e, sizeof(e)), 0);
	int rc = collector_conf_load(c, path, err, 512);
	unlink(path);
	return rc;
}

static void
an_empty_file_takes_every_default(void **state)
{
	(void)state;
	struct collector_conf c;
	char err[512];
	assert_int_equal(load("", &c, err), 0);
	assert_string_equal(c.listen, "0.0.0.0:8090");
	assert_string_equal(c.database, "postgresql:///loaxa");
	assert_string_equal(c.users, "/etc/loaxa/collector-users");
	assert_int_equal(c.offline_after_s, 180);
	assert_string_equal(c.tls_cert, "");
	assert_string_equal(c.tls_key, "");
	assert_string_equal(c.language, "vi");
	assert_int_equal(c.session_hours, 12);
	assert_int_equal(c.threads, 8);
	assert_int_equal(c.keep_heartbeats_h, 48);
	collector_conf_free(&c);
}

static void
the_issues_settings_are_read(void **state)
{
	(void)state;
	struct collector_conf c;
	char err[512];
	assert_int_equal(load("listen = \"127.0.0.1:9000\";\n"
	    "database = \"postgresql://loaxa@db.huyen.local/loaxa\";\n"
	    "users = \"/srv/users\";\noffline_after = 300;\n"
	    "tls_cert = \"/c.pem\"; tls_key = \"/k.pem\";\nlanguage = \"en\";\n", &c, err), 0);
	assert_string_equal(c.listen, "127.0.0.1:9000");
	assert_string_equal(c.database, "postgresql://loaxa@db.huyen.local/loaxa");
	assert_string_equal(c.users, "/srv/users");
	assert_int_equal(c.offline_after_s, 300);
	assert_string_equal(c.tls_cert, "/c.pem");
	assert_string_equal(c.language, "en");
	collector_conf_free(&c);
}

static void
mistakes_name_the_file_and_line(void **state)
{
	(void)state;
	struct collector_conf c;
	char err[512], want[128];

	assert_int_equal(load("listen = \"127.0.0.1:9000\";\nofline_after = 60;\n", &c, err), -1);
	snprintf(want, sizeof(want), "%s:2: unknown setting 'ofline_after'", path);
	assert_non_null(strstr(err, want));
	collector_conf_free(&c);

	assert_int_equal(load("\n\noffline_after = \"180\";\n", &c, err), -1);
	snprintf(want, sizeof(want), "%s:3: 'offline_after' must be a whole number", path);
	assert_non_null(strstr(err, want));
	collector_conf_free(&c);

	assert_int_equal(load("listen = 8090;\n", &c, err), -1);
	snprintf(want, sizeof(want), "%s:1: 'listen' must be a string", path);
	assert_non_null(strstr(err, want));
	collector_conf_free(&c);

	assert_int_equal(load("language = \"fr\";\n", &c, err), -1);
	assert_non_null(strstr(err, ":1: language must be"));
	collector_conf_free(&c);

	assert_int_equal(load("tls_cert = \"/c.pem\";\n", &c, err), -1);
	assert_non_null(strstr(err, "tls_cert and tls_key go together"));
	collector_conf_free(&c);

	assert_int_equal(load("listen = ;\n", &c, err), -1);	/* a syntax error */
	assert_non_null(strstr(err, path));
	collector_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_empty_file_takes_every_default),
		cmocka_unit_test(the_issues_settings_are_read),
		cmocka_unit_test(mistakes_name_the_file_and_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
