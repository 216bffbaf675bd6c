/* The bulletin queue and seen-cache on disk (bulletins/store.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bulletins/store.h"
#include "core/log.h"
#include "core/util.h"

static char dir[] = "/tmp/loaxa-test-store-XXXXXX";

static int
make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/loaxa-test-store-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
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

static struct bulletin *
make_bulletin(const char *id, enum priority p, int plays)
{
	struct bulletin *b = xcalloc(1, sizeof(*b));

	b->key = xasprintf("prov@example.vn,%s,2026-11-27T10:00:00Z", id);
	b->identifier = xstrdup(id);
	b->sender = xstrdup("prov@example.vn");
	b->title = xstrdup("Bão số 9 — storm warning");
	b->priority = p;
	b->sent = 1795000000;
	b->effective = 1795000000;
	b->expires = 1795003600;
	b->plays = plays;
	b->interval_s = 30;
	b->audio_path = xasprintf("/var/cache/loaxa/bulletins/%s.mp3", id);
	return b;
}

static struct store *
open_store(void)
{
	char err[512];
	struct store *s = store_open(dir, err, sizeof(err));

	assert_non_null(s);
	assert_string_equal(err, "");
	return s;
}

static void
queue_survives_a_restart_with_plays_counted(void **state)
{
	(void)state;
	char err[512];
	struct store *s = open_store();

	store_queue_add(s, make_bulletin("A", PRIO_EMERGENCY, 3));
	store_queue_add(s, make_bulletin("B", PRIO_NORMAL, 1));
	struct bulletin *a = store_queue_find(s, "prov@example.vn,A,2026-11-27T10:00:00Z");
	assert_non_null(a);
	a->plays_done = 2;
	a->last_aired = 1795000100;
	assert_int_equal(store_save(s, err, sizeof(err)), 0);
	store_close(s);

	s = open_store();
	assert_int_equal(s->nqueue, 2);
	a = s->queue[0];
	assert_string_equal(a->identifier, "A");
	assert_string_equal(a->title, "Bão số 9 — storm warning");
	assert_int_equal(a->priority, PRIO_EMERGENCY);
	assert_int_equal(a->plays, 3);
	assert_int_equal(a->plays_done, 2);
	assert_int_equal(a->last_aired, 1795000100);
	assert_int_equal(a->interval_s, 30);
	assert_int_equal(a->expires, 1795003600);
	assert_string_equal(a->audio_path, "/var/cache/loaxa/bulletins/A.mp3");
	assert_true(s->queue[1]->seq > a->seq);
	/* New arrivals after a restart still come after the old ones. */
	store_queue_add(s, make_bulletin("C", PRIO_NORMAL, 1));
	assert_true(s->queue[2]->seq > s->queue[1]->seq);
	store_close(s);
}

static void
seen_identities_survive_a_restart(void **state)
{
	(void)state;
	char err[512];
	struct store *s = open_store();

	store_seen_add(s, "prov,A,2026-11-27T10:00:00Z", 2000);
	store_seen_add(s, "prov,B,2026-11-27T10:00:00Z", 1000);
	store_seen_add(s, "prov,A,2026-11-27T10:00:00Z", 500);	/* keeps the later */
	store_doc_set(s, "https://x/alerts/A.xml", "\"e1\"", NULL, "ab12", 100);
	store_feed_set(s, "https://x/index.atom", "\"f1\"", "Tue, 01 Dec 2026 10:00:00 GMT");
	assert_int_equal(store_save(s, err, sizeof(err)), 0);
	store_close(s);

	s = open_store();
	assert_true(store_seen_has(s, "prov,A,2026-11-27T10:00:00Z"));
	assert_true(store_seen_has(s, "prov,B,2026-11-27T10:00:00Z"));
	assert_false(store_seen_has(s, "prov,C,2026-11-27T10:00:00Z"));
	const struct store_doc *d = store_doc_get(s, "https://x/alerts/A.xml");
	assert_non_null(d);
	assert_string_equal(d->etag, "\"e1\"");
	assert_null(d->last_modified);
	assert_string_equal(d->sha256, "ab12");
	const struct store_feed *f = store_feed_get(s, "https://x/index.atom");
	assert_non_null(f);
	assert_string_equal(f->last_modified, "Tue, 01 Dec 2026 10:00:00 GMT");

	store_prune(s, 1500);
	assert_true(store_seen_has(s, "prov,A,2026-11-27T10:00:00Z"));
	assert_false(store_seen_has(s, "prov,B,2026-11-27T10:00:00Z"));
	store_prune(s, 100 + 8 * 24 * 3600);	/* doc unchecked for over a week */
	assert_null(store_doc_get(s, "https://x/alerts/A.xml"));
	store_close(s);
}

static void
temp_file_left_by_a_crash_is_ignored_and_removed(void **state)
{
	(void)state;
	char err[512];
	struct store *s = open_store();

	store_queue_add(s, make_bulletin("A", PRIO_NORMAL, 1));
	assert_int_equal(store_save(s, err, sizeof(err)), 0);
	store_close(s);
	/* A power cut during the next save leaves a half-written temp file. */
	char *tmp = xasprintf("%s/%s.tmp.4242", dir, STORE_FILE);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fputs("{\"version\":1,\"queue\":[{\"key\":\"tru", f);
	fclose(f);

	s = open_store();
	assert_int_equal(s->nqueue, 1);
	assert_string_equal(s->queue[0]->identifier, "A");
	assert_int_equal(access(tmp, F_OK), -1);
	store_close(s);
	free(tmp);
}

static void
corrupt_state_is_moved_aside_not_fatal(void **state)
{
	(void)state;
	char err[512];
	char *path = xasprintf("%s/%s", dir, STORE_FILE);
	FILE *f = fopen(path, "w");

	fputs("not json", f);
	fclose(f);
	struct store *s = store_open(dir, err, sizeof(err));
	assert_non_null(s);
	assert_non_null(strstr(err, "moved to"));
	assert_int_equal(s->nqueue, 0);
	char *aside = xasprintf("%s.corrupt", path);
	assert_int_equal(access(aside, F_OK), 0);
	store_close(s);
	free(aside);
	free(path);
}

static void
missing_state_is_an_empty_queue(void **state)
{
	(void)state;
	char *sub = xasprintf("%s/new/state", dir);
	char err[512];
	struct store *s = store_open(sub, err, sizeof(err));

	assert_non_null(s);
	assert_string_equal(err, "");
	assert_int_equal(s->nqueue, 0);
	assert_int_equal(store_save(s, err, sizeof(err)), 0);
	store_close(s);
	free(sub);
}

static void
take_removes_and_audio_sharing_is_seen(void **state)
{
	(void)state;
	char err[512];
	struct store *s = open_store();
	struct bulletin *a = make_bulletin("A", PRIO_NORMAL, 1);
	struct bulletin *b = make_bulletin("B", PRIO_NORMAL, 1);

	free(b->audio_path);
	b->audio_path = xstrdup(a->audio_path);
	store_queue_add(s, a);
	store_queue_add(s, b);
	assert_true(store_audio_in_use(s, a->audio_path, a));
	struct bulletin *t = store_queue_take(s, a->key);
	assert_ptr_equal(t, a);
	assert_null(store_queue_take(s, a->key));
	assert_false(store_audio_in_use(s, t->audio_path, b));
	store_bulletin_free(t);
	assert_int_equal(store_save(s, err, sizeof(err)), 0);
	store_close(s);
	s = open_store();
	assert_int_equal(s->nqueue, 1);
	assert_string_equal(s->queue[0]->identifier, "B");
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(queue_survives_a_restart_with_plays_counted, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(seen_identities_survive_a_restart, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(temp_file_left_by_a_crash_is_ignored_and_removed, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(corrupt_state_is_moved_aside_not_fatal, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(missing_state_is_an_empty_queue, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(take_removes_and_audio_sharing_is_seen, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
