/* The operator's notices and their file on disk (scheduler/notices.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/util.h"
#include "scheduler/notices.h"

static char dir[] = "/tmp/loaxa-test-notices-XXXXXX";
static char rec[600];	/* a "recording" outside the state folder */

static int
make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/loaxa-test-notices-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(rec, sizeof(rec), "%s/phone recording.M4A", dir);
	FILE *f = fopen(rec, "w");
	if (f == NULL)
		return -1;
	fputs("not really audio, the module does not decode", f);
	fclose(f);
	return 0;
}

static int
remove_dir(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static char *
state_dir(void)
{
	return xasprintf("%s/state", dir);
}

static struct notices *
open_notices(void)
{
	char err[512];
	char *sd = state_dir();
	struct notices *n = notices_open(sd, err, sizeof(err));
	free(sd);
	assert_non_null(n);
	assert_string_equal(err, "");
	return n;
}

static char *
file_text(const char *path)
{
	char err[256];
	size_t len;
	return read_file_all(path, 1 << 20, &len, err, sizeof(err));
}

static void
a_title_and_a_recording_make_a_notice_for_today_once(void **state)
{
	(void)state;
	char err[512];
	unsigned id = 0;
	struct notices *n = open_notices();
	struct notice_spec spec = { .title = "Tiêm chủng thứ Bảy", .audio_from = rec };

	assert_int_equal(notices_add(n, &spec, "lan", "2026-11-28", &id, err,
	    sizeof(err)), 0);
	assert_int_equal(id, 1);
	const struct notice *no = notices_get(n, id);
	assert_non_null(no);
	assert_string_equal(no->title, "Tiêm chủng thứ Bảy");
	assert_string_equal(no->first, "2026-11-28");
	assert_string_equal(no->last, "2026-11-28");
	assert_int_equal(no->times, 1);
	assert_false(no->paused);
	assert_string_equal(no->created_by, "lan");
	/* The recording is a copy under a name the daemon chose, in the state. */
	char *sd = state_dir();
	assert_true(str_has_prefix(no->audio, sd));
	assert_null(strstr(no->audio, "phone recording"));
	assert_non_null(strstr(no->audio, ".m4a"));
	char *copy = file_text(no->audio);
	assert_string_equal(copy, "not really audio, the module does not decode");
	free(copy);
	assert_int_equal(access(rec, F_OK), 0);
	free(sd);
	notices_close(n);
}

static void
notices_survive_a_restart_with_their_airings_counted(void **state)
{
	(void)state;
	char err[512];
	unsigned id;
	struct notices *n = open_notices();
	struct notice_spec spec = { .title = "Cắt điện ngày mai",
	    .text = "Ngày mai cắt điện từ 7 giờ đến 11 giờ.",
	    .first = "2026-11-28", .last = "2026-11-30", .times = 3 };

	assert_int_equal(notices_add(n, &spec, "lan", "2026-11-28", &id, err,
	    sizeof(err)), 0);
	assert_int_equal(notices_aired(n, id, "2026-11-29", err, sizeof(err)), 0);
	assert_int_equal(notices_set_paused(n, 1, true, err, sizeof(err)), 0);
	notices_close(n);

	n = open_notices();
	assert_int_equal(notices_count(n), 2);
	const struct notice *no = notices_get(n, id);
	assert_non_null(no);
	assert_string_equal(no->title, "Cắt điện ngày mai");
	assert_null(no->audio);
	assert_string_equal(no->text, "Ngày mai cắt điện từ 7 giờ đến 11 giờ.");
	assert_string_equal(no->first, "2026-11-28");
	assert_string_equal(no->last, "2026-11-30");
	assert_int_equal(no->times, 3);
	assert_int_equal(notices_left_on(no, "2026-11-29"), 2);
	assert_true(notices_get(n, 1)->paused);
	notices_close(n);
}

static void
a_notice_is_due_its_times_a_day_between_its_dates_unless_paused(void **state)
{
	(void)state;
	char err[512];
	unsigned id;
	struct notices *n = open_notices();
	struct notice_spec spec = { .title = "Họp dân", .audio_from = rec,
	    .first = "2026-12-01", .last = "2026-12-02", .times = 2 };

	assert_int_equal(notices_add(n, &spec, "", "2026-11-28", &id, err,
	    sizeof(err)), 0);
	const struct notice *no = notices_get(n, id);
	assert_int_equal(notices_left_on(no, "2026-11-30"), 0);
	assert_int_equal(notices_left_on(no, "2026-12-01"), 2);
	assert_int_equal(notices_aired(n, id, "2026-12-01", err, sizeof(err)), 0);
	no = notices_get(n, id);
	assert_int_equal(notices_left_on(no, "2026-12-01"), 1);
	assert_int_equal(notices_aired(n, id, "2026-12-01", err, sizeof(err)), 0);
	no = notices_get(n, id);
	assert_int_equal(notices_left_on(no, "2026-12-01"), 0);
	/* A new day starts a new count. */
	assert_int_equal(notices_left_on(no, "2026-12-02"), 2);
	assert_int_equal(notices_left_on(no, "2026-12-03"), 0);
	assert_int_equal(notices_set_paused(n, id, true, err, sizeof(err)), 0);
	assert_int_equal(notices_left_on(notices_get(n, id), "2026-12-02"), 0);
	assert_int_equal(notices_set_paused(n, id, false, err, sizeof(err)), 0);
	assert_int_equal(notices_left_on(notices_get(n, id), "2026-12-02"), 2);
	json_t *j = notices_to_json(notices_get(n, id), "2026-12-01");
	assert_int_equal(json_integer_value(json_object_get(j, "aired_today")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "left_today")), 0);
	json_decref(j);
	notices_close(n);
}

static void
bad_notices_are_refused_and_nothing_changes(void **state)
{
	(void)state;
	char err[512];
	unsigned id = 0;
	char *sd = state_dir();
	char *path = xasprintf("%s/%s", sd, NOTICES_FILE);
	struct notices *n = open_notices();
	size_t before = notices_count(n);
	char *saved = file_text(path);
	const struct notice_spec bad[] = {
		{ .audio_from = rec },					/* no title */
		{ .title = "", .audio_from = rec },
		{ .title = "Hai", .audio_from = rec, .text = "cả hai" },
		{ .title = "Không có gì" },
		{ .title = "Ngày sai", .audio_from = rec, .first = "2026-02-30" },
		{ .title = "Ngược", .audio_from = rec, .first = "2026-12-05",
		    .last = "2026-12-01" },
		{ .title = "Quá nhiều", .audio_from = rec, .times = 25 },
		{ .title = "Âm", .audio_from = rec, .times = -1 },
		{ .title = "Dòng\nhai", .audio_from = rec },
		{ .title = "Mất tệp", .audio_from = "/nonexistent/x.mp3" },
		{ .title = "Thư mục", .audio_from = "/tmp" },
		{ .title = "\xff\xfe", .audio_from = rec },
	};

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		assert_int_equal(notices_add(n, &bad[i], "lan", "2026-11-28", &id,
		    err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(notices_count(n), before);
	char *now = file_text(path);
	assert_string_equal(now, saved);
	free(now);
	/* Edits of a missing id, and bad edits, change nothing either. */
	struct notice_spec edit = { .last = "2020-01-01" };
	assert_int_equal(notices_edit(n, 1, &edit, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "before"));
	assert_int_equal(notices_edit(n, 999, &edit, err, sizeof(err)), -1);
	assert_int_equal(notices_delete(n, 999, err, sizeof(err)), -1);
	assert_int_equal(notices_set_paused(n, 999, true, err, sizeof(err)), -1);
	now = file_text(path);
	assert_string_equal(now, saved);
	free(now);
	/* No stray copies of refused recordings are left behind. */
	char *cmd = xasprintf("test $(ls '%s/%s' | grep -c .) -eq %zu", sd,
	    NOTICES_AUDIO_DIR, (size_t)2);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(saved);
	free(path);
	free(sd);
	notices_close(n);
}

static void
editing_a_recording_replaces_the_file_and_deleting_removes_it(void **state)
{
	(void)state;
	char err[512];
	unsigned id;
	struct notices *n = open_notices();
	struct notice_spec spec = { .title = "Sửa", .audio_from = rec };

	assert_int_equal(notices_add(n, &spec, "lan", "2026-11-28", &id, err,
	    sizeof(err)), 0);
	char *old = xstrdup(notices_get(n, id)->audio);
	struct notice_spec edit = { .title = "Đã sửa", .audio_from = rec, .times = 4 };
	assert_int_equal(notices_edit(n, id, &edit, err, sizeof(err)), 0);
	const struct notice *no = notices_get(n, id);
	assert_string_equal(no->title, "Đã sửa");
	assert_int_equal(no->times, 4);
	assert_string_not_equal(no->audio, old);
	assert_int_equal(access(old, F_OK), -1);
	assert_int_equal(access(no->audio, F_OK), 0);
	/* Turned into a text: the recording goes. */
	char *second = xstrdup(no->audio);
	struct notice_spec to_text = { .text = "Đọc văn bản" };
	assert_int_equal(notices_edit(n, id, &to_text, err, sizeof(err)), 0);
	assert_null(notices_get(n, id)->audio);
	assert_int_equal(access(second, F_OK), -1);
	assert_int_equal(notices_delete(n, id, err, sizeof(err)), 0);
	assert_null(notices_get(n, id));
	notices_close(n);

	/* An id is never reused, even after a restart. */
	n = open_notices();
	unsigned id2;
	struct notice_spec again = { .title = "Mới", .audio_from = rec };
	assert_int_equal(notices_add(n, &again, "lan", "2026-11-28", &id2, err,
	    sizeof(err)), 0);
	assert_true(id2 > id);
	assert_int_equal(notices_delete(n, id2, err, sizeof(err)), 0);
	notices_close(n);
	free(old);
	free(second);
}

static void
an_unreadable_file_is_moved_aside_and_the_list_starts_empty(void **state)
{
	(void)state;
	char err[512];
	char *sd = xasprintf("%s/broken", dir);
	char *path = xasprintf("%s/%s", sd, NOTICES_FILE);
	assert_int_equal(mkdir_p(sd, 0750), 0);
	assert_int_equal(atomic_write_file(path, "{ not json", 10, 0640, err,
	    sizeof(err)), 0);
	struct notices *n = notices_open(sd, err, sizeof(err));
	assert_non_null(n);
	assert_non_null(strstr(err, "moved aside"));
	assert_int_equal(notices_count(n), 0);
	char *aside = xasprintf("%s.corrupt", path);
	assert_int_equal(access(aside, F_OK), 0);
	notices_close(n);
	free(aside);
	free(path);
	free(sd);
}

static void
days_are_real_dates(void **state)
{
	(void)state;
	assert_true(notices_valid_day("2028-02-29"));
	assert_false(notices_valid_day("2026-02-29"));
	assert_false(notices_valid_day("2026-13-01"));
	assert_false(notices_valid_day("2026-1-01"));
	assert_false(notices_valid_day("2026-01-01x"));
	assert_false(notices_valid_day("+026-01-01"));
	assert_false(notices_valid_day(NULL));
	char buf[11];
	notices_day_of(time(NULL), buf);
	assert_true(notices_valid_day(buf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_title_and_a_recording_make_a_notice_for_today_once),
		cmocka_unit_test(notices_survive_a_restart_with_their_airings_counted),
		cmocka_unit_test(a_notice_is_due_its_times_a_day_between_its_dates_unless_paused),
		cmocka_unit_test(bad_notices_are_refused_and_nothing_changes),
		cmocka_unit_test(editing_a_recording_replaces_the_file_and_deleting_removes_it),
		cmocka_unit_test(an_unreadable_file_is_moved_aside_and_the_list_starts_empty),
		cmocka_unit_test(days_are_real_dates),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
