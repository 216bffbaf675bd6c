/* The message catalogue: Vietnamese by default, English on request, a
 * program's texts over the shared ones, English falling back to
 * Vietnamese, a missing key visible as itself, a broken file named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/util.h"
#include <jansson.h>

#include "web/i18n.h"

static char dir[64];

static void
put(const char *rel, const char *text)
{
	char err[256];
	char *path = xasprintf("%s/%s", dir, rel);
	char *folder = xstrdup(path);
	*strrchr(folder, '/') = '\0';
	assert_int_equal(mkdir_p(folder, 0755), 0);
	assert_int_equal(atomic_write_file(path, text, strlen(text), 0644, err, sizeof(err)), 0);
	free(folder);
	free(path);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/loaxa-i18n-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	put("web/i18n/vi.json", "{\"login\": \"Đăng nhập\", \"logout\": \"Đăng xuất\", \"title\": \"Loa xã\"}");
	put("web/i18n/en.json", "{\"login\": \"Sign in\", \"title\": \"Loudspeaker\"}");
	put("app/i18n/vi.json", "{\"title\": \"Huyện\", \"stations\": \"Trạm\"}");
	put("app/i18n/en.json", "{\"title\": \"District\"}");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static struct web_i18n *
load(const char *lang, char *err)
{
	char *app = xasprintf("%s/app", dir), *web = xasprintf("%s/web", dir);
	const char *roots[] = { app, web, NULL };
	struct web_i18n *c = web_i18n_load(roots, lang, err, 256);
	free(app);
	free(web);
	return c;
}

static void
vietnamese_with_the_programs_texts_over_the_shared_ones(void **state)
{
	(void)state;
	char err[256];
	struct web_i18n *c = load("vi", err);
	assert_non_null(c);
	assert_string_equal(web_i18n_lang(c), "vi");
	assert_string_equal(web_i18n_get(c, "login"), "Đăng nhập");
	assert_string_equal(web_i18n_get(c, "title"), "Huyện");
	assert_string_equal(web_i18n_get(c, "stations"), "Trạm");
	assert_string_equal(web_i18n_get(c, "no_such_key"), "no_such_key");
	web_i18n_free(c);
}

static void
english_falls_back_to_vietnamese(void **state)
{
	(void)state;
	char err[256];
	struct web_i18n *c = load("en", err);
	assert_non_null(c);
	assert_string_equal(web_i18n_get(c, "login"), "Sign in");
	assert_string_equal(web_i18n_get(c, "title"), "District");
	assert_string_equal(web_i18n_get(c, "logout"), "Đăng xuất");
	assert_string_equal(web_i18n_get(c, "stations"), "Trạm");
	web_i18n_free(c);
}

static void
unknown_language_and_broken_files_are_named(void **state)
{
	(void)state;
	char err[256];
	assert_null(load("fr", err));
	assert_non_null(strstr(err, "fr"));
	put("app/i18n/en.json", "{\"title\": 3}");
	assert_null(load("en", err));
	assert_non_null(strstr(err, "app/i18n/en.json"));
	assert_non_null(strstr(err, "title"));
	put("app/i18n/en.json", "{\"title\": ");
	assert_null(load("en", err));
	assert_non_null(strstr(err, "app/i18n/en.json:1"));
}

/* The catalogues shipped with loaxa: valid, and English has every key
 * Vietnamese has (nothing half-translated). */
static void
shipped_catalogues_are_complete(void **state)
{
	(void)state;
	const char *roots[] = { "web", "collector", NULL };
	for (size_t i = 0; roots[i] != NULL; i++) {
		char *vi = xasprintf("%s/i18n/vi.json", roots[i]);
		char *en = xasprintf("%s/i18n/en.json", roots[i]);
		if (access(vi, F_OK) == 0) {
			json_error_t e;
			json_t *v = json_load_file(vi, 0, &e), *n = json_load_file(en, 0, &e);
			assert_non_null(v);
			assert_non_null(n);
			const char *key;
			json_t *val;
			json_object_foreach(v, key, val) {
				if (json_object_get(n, key) == NULL)
					fail_msg("%s lacks '%s'", en, key);
			}
			json_decref(v);
			json_decref(n);
		}
		free(vi);
		free(en);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vietnamese_with_the_programs_texts_over_the_shared_ones),
		cmocka_unit_test(english_falls_back_to_vietnamese),
		cmocka_unit_test(unknown_language_and_broken_files_are_named),
		cmocka_unit_test(shipped_catalogues_are_complete),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
