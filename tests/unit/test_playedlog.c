/* The as-played log as technicians and the reports upward read it: exact
 * contract fields, text kept intact, whole lines only, and nothing lost when
 * the file rotates while several writers are busy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"
#include "core/playedlog.h"
#include "core/util.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	setenv("TZ", "Asia/Ho_Chi_Minh", 1);
	tzset();
	log_init("test", true, LOGL_WARN);
	snprintf(f->dir, sizeof(f->dir), "/tmp/playedlog.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/log/played.jsonl", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static char *
slurp(const char *path)
{
	char err[128];
	char *s = read_file_all(path, 1 << 24, NULL, err, sizeof(err));
	assert_non_null(s);
	return s;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static struct played_entry
evening_news(void)
{
	/* 2026-11-27 17:00:00.012 +07:00 */
	struct played_entry e = {
		.start = { 1795773600, 12000000 }, .end = { 1795773690, 500000000 },
		.slot = "evening", .kind = "file", .source = "/srv/loaxa/evening-news.mp3",
		.result = "completed", .played_s = 90.488,
	};
	return e;
}

static void
line_has_exactly_the_contract_fields(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct playedlog *log = playedlog_open(f->path, err, sizeof(err));
	struct played_entry e = evening_news();

	assert_non_null(log);
	assert_int_equal(playedlog_write(log, &e), 0);
	playedlog_close(log);
	char *text = slurp(f->path);
	assert_string_equal(text,
	    "{\"start\":\"2026-11-27T17:00:00.012+07:00\","
	    "\"end\":\"2026-11-27T17:01:30.500+07:00\",\"slot\":\"evening\","
	    "\"kind\":\"file\",\"source\":\"/srv/loaxa/evening-news.mp3\","
	    "\"result\":\"completed\",\"played_s\":90.488}\n");
	free(text);
}

static void
emergency_outside_slot_has_null_slot_bulletin_and_reason(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct playedlog *log = playedlog_open(f->path, err, sizeof(err));
	struct played_entry e = evening_news();

	e.slot = NULL;
	e.kind = "bulletin";
	e.bulletin = "VN-87-2026-0042";
	e.priority = "emergency";
	e.result = "interrupted";
	e.reason = "shutdown";
	assert_int_equal(playedlog_write(log, &e), 0);
	playedlog_close(log);
	char *text = slurp(f->path);
	json_t *obj = json_loads(text, 0, NULL);
	assert_non_null(obj);
	assert_true(json_is_null(json_object_get(obj, "slot")));
	assert_string_equal(json_string_value(json_object_get(obj, "bulletin")), "VN-87-2026-0042");
	assert_string_equal(json_string_value(json_object_get(obj, "priority")), "emergency");
	assert_string_equal(json_string_value(json_object_get(obj, "reason")), "shutdown");
	json_decref(obj);
	free(text);
}

static void
a_notice_carries_its_title(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct playedlog *log = playedlog_open(f->path, err, sizeof(err));
	struct played_entry e = evening_news();

	e.kind = "notice";
	e.title = "Tiêm chủng thứ Bảy";
	assert_int_equal(playedlog_write(log, &e), 0);
	playedlog_close(log);
	char *text = slurp(f->path);
	json_t *obj = json_loads(text, 0, NULL);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "kind")), "notice");
	assert_string_equal(json_string_value(json_object_get(obj, "title")), "Tiêm chủng thứ Bảy");
	assert_null(json_object_get(obj, "bulletin"));
	json_decref(obj);
	free(text);
}

static void
vietnamese_and_quotes_survive_in_one_line(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct playedlog *log = playedlog_open(f->path, err, sizeof(err));
	struct played_entry e = evening_news();
	const char *src = "/srv/Bản tin \"khẩn cấp\" Tân Thạnh\\\n.mp3";

	e.source = src;
	e.result = "failed";
	e.reason = "tệp hỏng: \"frame\" sai";
	assert_int_equal(playedlog_write(log, &e), 0);
	playedlog_close(log);
	char *text = slurp(f->path);
	assert_int_equal(count_lines(text), 1);
	/* UTF-8 stays readable in the file, not \u escapes. */
	assert_non_null(strstr(text, "Bản tin \\\"khẩn cấp\\\" Tân Thạnh"));
	json_t *obj = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(obj, "source")), src);
	assert_string_equal(json_string_value(json_object_get(obj, "reason")), e.reason);
	json_decref(obj);
	free(text);
}

static void
invalid_utf8_source_is_logged_with_replacement_characters(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct playedlog *log = playedlog_open(f->path, err, sizeof(err));
	struct played_entry e = evening_news();

	e.source = "/srv/b\xe1n tin.mp3";	/* Latin-1 file name */
	assert_int_equal(playedlog_write(log, &e), 0);
	playedlog_close(log);
	char *text = slurp(f->path);
	json_t *obj = json_loads(text, 0, NULL);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "source")),
	    "/srv/b\xef\xbf\xbdn tin.mp3");
	json_decref(obj);
	free(text);
}

static void
set_mtime_days_ago(const char *path, int days)
{
	struct timespec t[2] = { { time(NULL) - days * 86400, 0 }, { time(NULL) - days * 86400, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static void
date_name(const char *path, int days_ago, char *out, size_t len)
{
	time_t t = time(NULL) - days_ago * 86400;
	struct tm tm;
	localtime_r(&t, &tm);
	snprintf(out, len, "%s.%04d-%02d-%02d", path, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static void
yesterdays_file_is_rotated_to_its_date(void **state)
{
	struct fixture *f = *state;
	char err[256], rotated[200];
	struct playedlog *log = playedlog_open(f->path, err, sizeof(err));
	struct played_entry e = evening_news();

	playedlog_write(log, &e);
	playedlog_close(log);
	set_mtime_days_ago(f->path, 1);
	log = playedlog_open(f->path, err, sizeof(err));
	e.result = "cut";
	playedlog_write(log, &e);
	playedlog_close(log);
	date_name(f->path, 1, rotated, sizeof(rotated));
	char *old = slurp(rotated), *cur = slurp(f->path);
	assert_non_null(strstr(old, "\"completed\""));
	assert_int_equal(count_lines(old), 1);
	assert_non_null(strstr(cur, "\"cut\""));
	assert_int_equal(count_lines(cur), 1);
	free(old);
	free(cur);
}

static void
files_older_than_keep_days_are_removed(void **state)
{
	struct fixture *f = *state;
	char err[256], old[200], recent[200];
	struct playedlog *log = playedlog_open(f->path, err, sizeof(err));

	date_name(f->path, 40, old, sizeof(old));
	date_name(f->path, 2, recent, sizeof(recent));
	fclose(fopen(old, "w"));
	fclose(fopen(recent, "w"));
	playedlog_set_keep_days(log, 30);
	playedlog_close(log);
	assert_int_equal(access(old, F_OK), -1);
	assert_int_equal(access(recent, F_OK), 0);
}

#define WRITERS 4
#define LINES_EACH 400

static void
writer(const char *path, int id)
{
	char err[256], src[64];
	struct playedlog *log = playedlog_open(path, err, sizeof(err));
	struct played_entry e = evening_news();

	if (log == NULL)
		_exit(2);
	e.source = src;
	for (int i = 0; i < LINES_EACH; i++) {
		snprintf(src, sizeof(src), "w%d-%d", id, i);
		e.start.tv_sec += 1;
		if (playedlog_write(log, &e) < 0)
			_exit(3);
		if (i % 20 == 0)
			usleep(2000);	/* keeps the writers busy while rotations happen */
	}
	playedlog_close(log);
	_exit(0);
}

struct seen {
	unsigned char *count;	/* per writer-line */
	size_t lines;
};

static void
mark_seen(const char *line, const json_t *obj, void *ctx)
{
	struct seen *s = ctx;
	int id, i;

	(void)line;
	assert_int_equal(sscanf(json_string_value(json_object_get(obj, "source")), "w%d-%d", &id, &i), 2);
	s->count[id * LINES_EACH + i]++;
	s->lines++;
}

static void
rotation_while_several_writers_write_loses_and_tears_nothing(void **state)
{
	struct fixture *f = *state;
	char err[256];
	pid_t pids[WRITERS];
	struct playedlog *first = playedlog_open(f->path, err, sizeof(err));

	assert_non_null(first);
	playedlog_close(first);
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			writer(f->path, w);
	}
	/* Make the active file look like yesterday's again and again while
	 * the writers run: each open then rotates it under their feet. */
	int rotations = 0, running = WRITERS, status;
	while (running > 0) {
		struct stat st;
		if (stat(f->path, &st) == 0 && st.st_size > 0) {
			set_mtime_days_ago(f->path, 1);
			struct playedlog *rot = playedlog_open(f->path, err, sizeof(err));
			assert_non_null(rot);
			playedlog_close(rot);
			rotations++;
		}
		usleep(1000);
		for (int w = 0; w < WRITERS; w++) {
			if (pids[w] > 0 && waitpid(pids[w], &status, WNOHANG) == pids[w]) {
				assert_true(WIFEXITED(status));
				assert_int_equal(WEXITSTATUS(status), 0);
				pids[w] = 0;
				running--;
			}
		}
	}
	assert_true(rotations >= 3);
	char **files;
	size_t nfiles = playedlog_list_files(f->path, &files);
	playedlog_free_files(files, nfiles);
	assert_true(nfiles >= 3);	/* rotated files beside the active one */

	struct seen s = { calloc(WRITERS * LINES_EACH, 1), 0 };
	size_t bad = 99;
	assert_int_equal(playedlog_read(f->path, 0, 0, mark_seen, &s, &bad, err, sizeof(err)), 0);
	assert_int_equal(bad, 0);	/* no torn line anywhere */
	assert_int_equal(s.lines, WRITERS * LINES_EACH);
	for (size_t i = 0; i < WRITERS * LINES_EACH; i++)
		assert_int_equal(s.count[i], 1);
	free(s.count);
}

struct collected {
	char starts[16][40];
	size_t n;
};

static void
collect(const char *line, const json_t *obj, void *ctx)
{
	struct collected *c = ctx;

	(void)line;
	snprintf(c->starts[c->n++], 40, "%s", json_string_value(json_object_get(obj, "start")));
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

#define LINE(start) "{\"start\":\"" start "\",\"end\":\"" start "\",\"slot\":null," \
	"\"kind\":\"file\",\"source\":\"x\",\"result\":\"completed\",\"played_s\":1.0}\n"

static void
reader_merges_rotated_files_in_time_order_within_bounds(void **state)
{
	struct fixture *f = *state;
	char err[256], a[200], b[200];
	struct collected c = { 0 };
	size_t bad = 0;
	struct playedlog *log = playedlog_open(f->path, err, sizeof(err));

	playedlog_close(log);
	snprintf(a, sizeof(a), "%s.2026-11-25", f->path);
	snprintf(b, sizeof(b), "%s.2026-11-26", f->path);
	/* An item that crossed midnight sits in the next day's file. */
	write_file(a, LINE("2026-11-25T17:00:00.000+07:00") "not json\n"
	    LINE("2026-11-25T05:30:00.000+07:00"));
	write_file(b, LINE("2026-11-25T23:59:00.000+07:00") LINE("2026-11-26T06:00:00.000+07:00"));
	write_file(f->path, LINE("2026-11-27T05:30:00.000+07:00")
	    "{\"start\":\"2026-11-27T06:00:00.000+07:00\",\"res");	/* being written */

	assert_int_equal(playedlog_read(f->path, 0, 0, collect, &c, &bad, err, sizeof(err)), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(bad, 1);
	assert_string_equal(c.starts[0], "2026-11-25T05:30:00.000+07:00");
	assert_string_equal(c.starts[1], "2026-11-25T17:00:00.000+07:00");
	assert_string_equal(c.starts[2], "2026-11-25T23:59:00.000+07:00");
	assert_string_equal(c.starts[3], "2026-11-26T06:00:00.000+07:00");
	assert_string_equal(c.starts[4], "2026-11-27T05:30:00.000+07:00");

	struct timespec since, until;
	parse_iso_time("2026-11-25T12:00:00+07:00", &since);
	parse_iso_time("2026-11-26T06:00:00+07:00", &until);
	memset(&c, 0, sizeof(c));
	assert_int_equal(playedlog_read(f->path, since.tv_sec, until.tv_sec, collect, &c, NULL, err, sizeof(err)), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.starts[0], "2026-11-25T17:00:00.000+07:00");
	assert_string_equal(c.starts[1], "2026-11-25T23:59:00.000+07:00");
}

static void
reading_a_missing_log_says_so(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	struct collected c = { 0 };

	assert_int_equal(playedlog_read(f->path, 0, 0, collect, &c, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "played.jsonl"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(line_has_exactly_the_contract_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(a_notice_carries_its_title, setup, teardown),
		cmocka_unit_test_setup_teardown(emergency_outside_slot_has_null_slot_bulletin_and_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(vietnamese_and_quotes_survive_in_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_utf8_source_is_logged_with_replacement_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(yesterdays_file_is_rotated_to_its_date, setup, teardown),
		cmocka_unit_test_setup_teardown(files_older_than_keep_days_are_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(rotation_while_several_writers_write_loses_and_tears_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(reader_merges_rotated_files_in_time_order_within_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(reading_a_missing_log_says_so, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
