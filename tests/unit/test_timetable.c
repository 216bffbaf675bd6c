/* The timetable resolved into instants, as the operator's slots promise:
 * weekdays, midnight crossing, date exceptions, DST, clock steps, --check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scheduler/timetable.h"

#define MON (1u << 0)
#define TUE (1u << 1)
#define WED (1u << 2)
#define THU (1u << 3)
#define FRI (1u << 4)
#define SAT (1u << 5)
#define SUN (1u << 6)
#define MON_FRI (MON | TUE | WED | THU | FRI)

#define HM(h, m) ((h) * 3600 + (m) * 60)

static struct step chime_news[] = {
	{ .kind = STEP_CHIME, .text = "chime" },
	{ .kind = STEP_BULLETINS, .text = "bulletins" },
	{ .kind = STEP_PLAYLIST, .arg = "morning", .text = "playlist:morning" },
};
static struct step news_only[] = {
	{ .kind = STEP_FILE, .arg = "/srv/loaxa/news.mp3", .text = "file:/srv/loaxa/news.mp3" },
};

static struct slot
slot(const char *name, unsigned days, int start_s, int end_s)
{
	return (struct slot){
		.name = (char *)name, .days = days, .start_s = start_s,
		.end_s = end_s, .volume = -1, .steps = news_only, .nsteps = 1,
	};
}

static struct config
config_of(struct slot *slots, size_t nslots, struct exception *exc, size_t nexc)
{
	return (struct config){
		.slots = slots, .nslots = nslots, .exceptions = exc, .nexceptions = nexc,
	};
}

static void
use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* An instant written in UTC, independent of the code under test. */
static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s };
	return timegm(&tm);
}

/* Ho Chi Minh City: UTC+7 all year. */
static time_t
vn(int y, int mo, int d, int h, int mi)
{
	return utc(y, mo, d, h, mi, 0) - 7 * 3600;
}

static int
setup_vn(void **state)
{
	(void)state;
	use_tz("Asia/Ho_Chi_Minh");
	return 0;
}

static void
weekday_slot_is_not_on_saturday(void **state)
{
	(void)state;
	struct slot s[] = { slot("evening", MON_FRI, HM(17, 0), HM(17, 45)) };
	struct config cfg = config_of(s, 1, NULL, 0);
	struct slot_instance si[4];

	/* 2027-03-26 is a Friday, the 27th a Saturday. */
	assert_int_equal(timetable_resolve_day(&cfg, 2027, 3, 26, si, 4), 1);
	assert_int_equal(si[0].start, vn(2027, 3, 26, 17, 0));
	assert_int_equal(si[0].end, vn(2027, 3, 26, 17, 45));
	assert_int_equal(timetable_resolve_day(&cfg, 2027, 3, 27, si, 4), 0);
	assert_int_equal(timetable_current(&cfg, vn(2027, 3, 27, 17, 10), si), 0);
	assert_int_equal(timetable_current(&cfg, vn(2027, 3, 26, 17, 10), si), 1);
	assert_string_equal(si[0].slot->name, "evening");
}

static void
slot_crossing_midnight_is_on_after_midnight(void **state)
{
	(void)state;
	/* Only on Fridays: at 00:30 on Saturday it is still Friday's slot. */
	struct slot s[] = { slot("night", FRI, HM(23, 0), HM(1, 0)) };
	struct config cfg = config_of(s, 1, NULL, 0);
	struct slot_instance cur;

	assert_int_equal(timetable_current(&cfg, vn(2027, 1, 2, 0, 30), &cur), 1);
	assert_int_equal(cur.start, vn(2027, 1, 1, 23, 0));
	assert_int_equal(cur.end, vn(2027, 1, 2, 1, 0));
	assert_int_equal(cur.year * 10000 + cur.month * 100 + cur.day, 20270101);
	/* It is over at 01:00 and does not start on Saturday night. */
	assert_int_equal(timetable_current(&cfg, vn(2027, 1, 2, 1, 0), &cur), 0);
	assert_int_equal(timetable_current(&cfg, vn(2027, 1, 2, 23, 30), &cur), 0);
}

static void
exception_replace_airs_only_its_slots(void **state)
{
	(void)state;
	struct slot weekly[] = { slot("morning", DAYS_ALL, HM(5, 30), HM(6, 30)) };
	struct slot special[] = { slot("quoc-khanh", 0, HM(7, 0), HM(8, 0)) };
	struct exception exc[] = { { .year = 2027, .month = 9, .day = 2,
	    .mode = EXC_REPLACE, .slots = special, .nslots = 1 } };
	struct config cfg = config_of(weekly, 1, exc, 1);
	struct slot_instance si[4];

	assert_int_equal(timetable_resolve_day(&cfg, 2027, 9, 2, si, 4), 1);
	assert_string_equal(si[0].slot->name, "quoc-khanh");
	assert_int_equal(si[0].start, vn(2027, 9, 2, 7, 0));
	assert_int_equal(timetable_current(&cfg, vn(2027, 9, 2, 6, 0), si), 0);
	/* The days around it keep the weekly slot, and not the special one. */
	assert_int_equal(timetable_resolve_day(&cfg, 2027, 9, 3, si, 4), 1);
	assert_string_equal(si[0].slot->name, "morning");
	assert_int_equal(timetable_resolve_day(&cfg, 2027, 9, 1, si, 4), 1);
	assert_string_equal(si[0].slot->name, "morning");
}

static void
exception_add_keeps_weekly_slots_in_order(void **state)
{
	(void)state;
	struct slot weekly[] = {
		slot("morning", DAYS_ALL, HM(5, 30), HM(6, 30)),
		slot("evening", DAYS_ALL, HM(17, 0), HM(17, 45)),
	};
	struct slot extra[] = { slot("election", 0, HM(12, 0), HM(12, 30)) };
	struct exception exc[] = { { .year = 2027, .month = 5, .day = 23,
	    .mode = EXC_ADD, .slots = extra, .nslots = 1 } };
	struct config cfg = config_of(weekly, 2, exc, 1);
	struct slot_instance si[4];

	assert_int_equal(timetable_resolve_day(&cfg, 2027, 5, 23, si, 4), 3);
	assert_string_equal(si[0].slot->name, "morning");
	assert_string_equal(si[1].slot->name, "election");
	assert_string_equal(si[2].slot->name, "evening");
	assert_int_equal(timetable_current(&cfg, vn(2027, 5, 23, 12, 10), si), 1);
	assert_string_equal(si[0].slot->name, "election");
	/* A short buffer still gets the earliest ones, and the full count. */
	assert_int_equal(timetable_resolve_day(&cfg, 2027, 5, 23, si, 1), 3);
	assert_string_equal(si[0].slot->name, "morning");
	assert_int_equal(timetable_resolve_day(&cfg, 2027, 5, 24, si, 4), 2);
}

static void
berlin_spring_forward_starts_at_the_transition(void **state)
{
	(void)state;
	use_tz("Europe/Berlin");
	/* 2027-03-28: 02:00 CET jumps to 03:00 CEST at 01:00 UTC. */
	struct slot s[] = {
		slot("early", SUN, HM(1, 0), HM(4, 0)),
		slot("in-gap", SUN, HM(2, 30), HM(3, 30)),
	};
	struct config cfg = config_of(s, 2, NULL, 0);
	struct slot_instance si[4];

	assert_int_equal(timetable_resolve_day(&cfg, 2027, 3, 28, si, 4), 2);
	assert_string_equal(si[0].slot->name, "early");
	assert_int_equal(si[0].start, utc(2027, 3, 28, 0, 0, 0));	/* 01:00 CET */
	assert_int_equal(si[0].end, utc(2027, 3, 28, 2, 0, 0));	/* 04:00 CEST */
	assert_int_equal(si[0].end - si[0].start, 2 * 3600);
	assert_string_equal(si[1].slot->name, "in-gap");
	assert_int_equal(si[1].start, utc(2027, 3, 28, 1, 0, 0));	/* 03:00 CEST */
	assert_int_equal(si[1].end, utc(2027, 3, 28, 1, 30, 0));	/* 03:30 CEST */
}

static void
berlin_fall_back_airs_repeated_hour_once(void **state)
{
	(void)state;
	use_tz("Europe/Berlin");
	/* 2027-10-31: 03:00 CEST goes back to 02:00 CET at 01:00 UTC. */
	struct slot s[] = { slot("repeat", SUN, HM(2, 15), HM(2, 45)) };
	struct config cfg = config_of(s, 1, NULL, 0);
	struct slot_instance si;

	assert_int_equal(timetable_resolve_day(&cfg, 2027, 10, 31, &si, 1), 1);
	assert_int_equal(si.start, utc(2027, 10, 31, 0, 15, 0));	/* first 02:15 */
	assert_int_equal(si.end, utc(2027, 10, 31, 0, 45, 0));
	assert_int_equal(timetable_current(&cfg, utc(2027, 10, 31, 0, 20, 0), &si), 1);
	/* The second 02:20 (CET) is not the slot again. */
	assert_int_equal(timetable_current(&cfg, utc(2027, 10, 31, 1, 20, 0), &si), 0);
	assert_int_equal(timetable_next(&cfg, utc(2027, 10, 31, 0, 50, 0), &si), 1);
	assert_int_equal(si.day, 7);
	assert_int_equal(si.month, 11);
}

static void
new_york_gap_and_overlap(void **state)
{
	(void)state;
	use_tz("America/New_York");
	struct slot s[] = { slot("night", SUN, HM(1, 30), HM(2, 30)) };
	struct config cfg = config_of(s, 1, NULL, 0);
	struct slot_instance si;

	/* 2027-03-14: 02:00 EST jumps to 03:00 EDT at 07:00 UTC; the end in
	 * the gap moves to the transition, so the slot is 30 real minutes. */
	assert_int_equal(timetable_resolve_day(&cfg, 2027, 3, 14, &si, 1), 1);
	assert_int_equal(si.start, utc(2027, 3, 14, 6, 30, 0));
	assert_int_equal(si.end, utc(2027, 3, 14, 7, 0, 0));
	/* 2027-11-07: 01:30 happens twice (EDT, then EST); the first counts,
	 * and the slot lasts 2 real hours up to 02:30 EST. */
	assert_int_equal(timetable_resolve_day(&cfg, 2027, 11, 7, &si, 1), 1);
	assert_int_equal(si.start, utc(2027, 11, 7, 5, 30, 0));
	assert_int_equal(si.end, utc(2027, 11, 7, 7, 30, 0));
}

static void
next_slot_wraps_over_the_weekend(void **state)
{
	(void)state;
	struct slot s[] = { slot("monday", MON, HM(6, 0), HM(7, 0)) };
	struct config cfg = config_of(s, 1, NULL, 0);
	struct slot_instance next;

	/* Saturday noon -> Monday 06:00. */
	assert_int_equal(timetable_next(&cfg, vn(2027, 1, 9, 12, 0), &next), 1);
	assert_int_equal(next.start, vn(2027, 1, 11, 6, 0));
	/* On Monday at 06:00 sharp the next one is a week later. */
	assert_int_equal(timetable_next(&cfg, vn(2027, 1, 11, 6, 0), &next), 1);
	assert_int_equal(next.start, vn(2027, 1, 18, 6, 0));

	struct config empty = config_of(NULL, 0, NULL, 0);
	assert_int_equal(timetable_next(&empty, vn(2027, 1, 9, 12, 0), &next), 0);
}

static char *
plan_text(const struct config *cfg, time_t from, int days)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	timetable_print_plan(cfg, from, days, f);
	fclose(f);
	return buf;
}

static void
check_prints_plan_with_exceptions(void **state)
{
	(void)state;
	struct slot weekly[] = {
		slot("morning", DAYS_ALL & ~SUN, HM(5, 30), HM(6, 30)),
		slot("evening", MON_FRI, HM(17, 0), HM(17, 45)),
	};
	weekly[0].steps = chime_news;
	weekly[0].nsteps = 3;
	struct slot special[] = { slot("quoc-khanh", 0, HM(7, 0), HM(8, 0)) };
	struct slot extra[] = { slot("night", 0, HM(23, 0), HM(0, 30)) };
	struct exception exc[] = {
		{ .year = 2027, .month = 9, .day = 2, .mode = EXC_REPLACE,
		  .slots = special, .nslots = 1 },
		{ .year = 2027, .month = 9, .day = 3, .mode = EXC_ADD,
		  .slots = extra, .nslots = 1 },
		{ .year = 2027, .month = 9, .day = 6, .mode = EXC_REPLACE },
	};
	struct config cfg = config_of(weekly, 2, exc, 3);

	/* From Wednesday 2027-09-01 at 20:00, 6 days. */
	char *text = plan_text(&cfg, vn(2027, 9, 1, 20, 0), 6);
	assert_string_equal(text,
	    "2027-09-01  morning  05:30:00-06:30:00  chime, bulletins, playlist:morning\n"
	    "2027-09-01  evening  17:00:00-17:45:00  file:/srv/loaxa/news.mp3\n"
	    "2027-09-02  quoc-khanh  07:00:00-08:00:00  file:/srv/loaxa/news.mp3  (exception: replace)\n"
	    "2027-09-03  morning  05:30:00-06:30:00  chime, bulletins, playlist:morning\n"
	    "2027-09-03  evening  17:00:00-17:45:00  file:/srv/loaxa/news.mp3\n"
	    "2027-09-03  night  23:00:00-00:30:00  file:/srv/loaxa/news.mp3  (exception: add)\n"
	    "2027-09-04  morning  05:30:00-06:30:00  chime, bulletins, playlist:morning\n"
	    "2027-09-05  (no slots)\n"
	    "2027-09-06  (no slots)  (exception: replace)\n");
	free(text);
}

static void
plan_marks_slot_lost_in_dst_gap(void **state)
{
	(void)state;
	use_tz("Europe/Berlin");
	struct slot s[] = { slot("gap", SUN, HM(2, 0), HM(2, 30)) };
	struct config cfg = config_of(s, 1, NULL, 0);
	char *text = plan_text(&cfg, utc(2027, 3, 28, 12, 0, 0), 1);
	assert_string_equal(text, "2027-03-28  gap  03:00:00-03:00:00  "
	    "file:/srv/loaxa/news.mp3  (not aired: inside the skipped DST hour)\n");
	free(text);
	struct slot_instance si;
	assert_int_equal(timetable_current(&cfg, utc(2027, 3, 28, 1, 0, 0), &si), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(weekday_slot_is_not_on_saturday, setup_vn),
		cmocka_unit_test_setup(slot_crossing_midnight_is_on_after_midnight, setup_vn),
		cmocka_unit_test_setup(exception_replace_airs_only_its_slots, setup_vn),
		cmocka_unit_test_setup(exception_add_keeps_weekly_slots_in_order, setup_vn),
		cmocka_unit_test(berlin_spring_forward_starts_at_the_transition),
		cmocka_unit_test(berlin_fall_back_airs_repeated_hour_once),
		cmocka_unit_test(new_york_gap_and_overlap),
		cmocka_unit_test_setup(next_slot_wraps_over_the_weekend, setup_vn),
		cmocka_unit_test_setup(check_prints_plan_with_exceptions, setup_vn),
		cmocka_unit_test(plan_marks_slot_lost_in_dst_gap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
