/* The station deciding what airs, tested directly and fast: the loop runs on a
 * fake clock (loop_move_clock: minutes pass in no time) and the player writes
 * to a fake card that takes audio at once, so an item airs in a millisecond.
 * The card can be held (its write blocks) to keep an item on air while the
 * clock moves. What a test asserts is what the as-played log says, as an
 * operator reads it. MP3s are generated with sox + lame. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "audio/alsa_out.h"
#include "bulletins/store.h"
#include "core/config.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "scheduler/resume.h"
#include "scheduler/station.h"
#include "scheduler/station_int.h"

/* Real time a test waits at most for the player (valgrind is slow). */
#define SETTLE_MS 20000

/* ---- the fake card: takes every frame at once, or holds ---- */

struct audio_out {
	struct audio_format fmt;
};

static struct fake_card {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool hold;			/* writes block while set */
	size_t hold_after;		/* ...or once the tape is this long (0: never) */
	bool blocked;			/* a write is waiting now */
	int16_t *tape;			/* channel 0 of everything written */
	size_t tape_len, tape_cap;
	long rate;
} card = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static struct audio_out *
fake_open(const char *device, const struct audio_format *fmt, int buffer_ms, char *err,
    size_t errlen)
{
	struct audio_out *o = calloc(1, sizeof(*o));

	(void)device;
	(void)buffer_ms;
	(void)err;
	(void)errlen;
	o->fmt = *fmt;
	pthread_mutex_lock(&card.lock);
	card.rate = fmt->rate;
	pthread_mutex_unlock(&card.lock);
	return o;
}

static int
fake_write(struct audio_out *o, const int16_t *buf, size_t frames)
{
	pthread_mutex_lock(&card.lock);
	while (card.hold || (card.hold_after && card.tape_len >= card.hold_after)) {
		card.blocked = true;
		pthread_cond_broadcast(&card.cond);
		pthread_cond_wait(&card.cond, &card.lock);
	}
	card.blocked = false;
	if (card.tape_len + frames > card.tape_cap) {
		card.tape_cap = (card.tape_len + frames) * 2;
		card.tape = realloc(card.tape, card.tape_cap * sizeof(int16_t));
	}
	for (size_t i = 0; i < frames; i++)
		card.tape[card.tape_len + i] = buf[i * (size_t)o->fmt.channels];
	card.tape_len += frames;
	pthread_mutex_unlock(&card.lock);
	return 0;
}

static long fake_delay(struct audio_out *o) { (void)o; return 0; }
static void fake_start(struct audio_out *o) { (void)o; }
static void fake_drop(struct audio_out *o) { (void)o; }
static void fake_close(struct audio_out *o) { free(o); }
static size_t fake_period(const struct audio_out *o) { return (size_t)o->fmt.rate / 20; }
static size_t fake_buffer(const struct audio_out *o) { return (size_t)o->fmt.rate / 5; }
static uint64_t fake_underruns(const struct audio_out *o) { (void)o; return 0; }

static const struct audio_out_ops fake_ops = {
	.open = fake_open, .write = fake_write, .delay = fake_delay, .start = fake_start,
	.drop = fake_drop, .close = fake_close, .period_frames = fake_period,
	.buffer_frames = fake_buffer, .underruns = fake_underruns,
};

static void
card_reset(void)
{
	pthread_mutex_lock(&card.lock);
	free(card.tape);
	card.tape = NULL;
	card.tape_len = card.tape_cap = 0;
	card.hold = card.blocked = false;
	card.hold_after = 0;
	pthread_mutex_unlock(&card.lock);
}

static void
card_hold(bool hold)
{
	pthread_mutex_lock(&card.lock);
	card.hold = hold;
	card.hold_after = 0;
	pthread_cond_broadcast(&card.cond);
	pthread_mutex_unlock(&card.lock);
}

/* ---- the world: a folder, a config, a loop on a fake clock, a station ---- */

struct world {
	char dir[64];
	char air[16][256];		/* what station_on_air_change saw, in order */
	size_t nair;
	char conf[128], log[128];
	struct loop *loop;
	struct station *st;
	time_t day;			/* local midnight of the fake day */
};

static int
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int
setup(void **state)
{
	static struct world w;

	setenv("TZ", "UTC", 1);
	tzset();
	log_init("test_station", true, LOGL_WARN);
	snprintf(w.dir, sizeof(w.dir), "/tmp/loaxa-station-XXXXXX");
	if (!mkdtemp(w.dir))
		return -1;
	/* Each a different tone, so the tape tells them apart too. */
	static const struct { const char *name; double s; int hz; } mp3s[] = {
		{ "a", 0.2, 440 }, { "b", 0.2, 550 }, { "c", 1.0, 660 },
		{ "op", 0.2, 770 }, { "prio", 0.2, 880 }, { "emerg", 0.2, 990 },
	};
	char cmd[2048];
	size_t n = (size_t)snprintf(cmd, sizeof(cmd), "cd %s", w.dir);
	for (size_t i = 0; i < sizeof(mp3s) / sizeof(mp3s[0]); i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n,
		    " && sox -n -r 22050 -c 1 -b 16 %s.wav synth %.1f sine %d vol 0.5"
		    " && lame --quiet -b 64 -m m %s.wav %s.mp3", mp3s[i].name, mp3s[i].s,
		    mp3s[i].hz, mp3s[i].name, mp3s[i].name);
	if (run("%s", cmd) != 0) {
		fprintf(stderr, "test_station: sox and lame are needed to make test audio\n");
		return -1;
	}
	*state = &w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	run("rm -rf %s", w->dir);
	free(card.tape);
	card.tape = NULL;
	return 0;
}

/* A fresh state for each test: the same audio, nothing else. */
static int
fresh(void **state)
{
	struct world *w = *state;

	run("cd %s && rm -rf state cache played.jsonl* loaxa.conf", w->dir);
	card_reset();
	return 0;
}

static void
write_config(struct world *w, const char *audio, const char *timetable)
{
	snprintf(w->conf, sizeof(w->conf), "%s/loaxa.conf", w->dir);
	snprintf(w->log, sizeof(w->log), "%s/played.jsonl", w->dir);
	FILE *f = fopen(w->conf, "w");
	assert_non_null(f);
	fprintf(f, "station = { name = \"test\"; };\n"
	    "paths = { state = \"state\"; cache = \"cache\"; played_log = \"played.jsonl\";\n"
	    "  playlists = \".\"; socket = \"sock\"; };\n"
	    /* loudness = 0: levels as made here (test_loudness measures loudness) */
	    "audio = { device = \"fake\"; pace = false; buffer_ms = 100; preroll_ms = 400; "
	    "loudness = 0; %s };\n"
	    "timetable = ( %s );\n", audio, timetable);
	fclose(f);
}

static int64_t
now_ms(const struct world *w)
{
	struct timespec t = loop_now(w->loop);

	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* "HH:MM:SS" of the fake day, in ms since the epoch. */
static int64_t
at_ms(const struct world *w, const char *hms)
{
	int s = config_parse_clock(hms);

	assert_true(s >= 0);
	return ((int64_t)w->day + s) * 1000;
}

/* A loop whose wall clock reads hms on the fake day (today, in UTC). */
static void
new_loop(struct world *w, const char *hms)
{
	w->loop = loop_create();
	w->day = time(NULL) / 86400 * 86400;
	loop_move_clock(w->loop, 0, at_ms(w, hms) - now_ms(w));
}

/* As systemd gets it: a line when what is on air changed. */
static void
air_changed(void *ctx)
{
	struct world *w = ctx;
	char line[256];

	station_describe_air(w->st, line, sizeof(line));
	if (w->nair > 0 && strcmp(w->air[w->nair - 1], line) == 0)
		return;
	if (w->nair < sizeof(w->air) / sizeof(w->air[0]))
		snprintf(w->air[w->nair++], sizeof(w->air[0]), "%s", line);
}

static void
assert_air_said(const struct world *w, const char *want)
{
	for (size_t i = 0; i < w->nair; i++)
		if (strcmp(w->air[i], want) == 0)
			return;
	for (size_t i = 0; i < w->nair; i++)
		fprintf(stderr, "  status %zu: %s\n", i, w->air[i]);
	fail_msg("the status line never said \"%s\"", want);
}

static void
start_station(struct world *w)
{
	char err[512];
	struct config *cfg = config_load(w->conf, NULL, NULL, err, sizeof(err));

	if (cfg == NULL)
		fail_msg("%s", err);
	w->st = station_create_on(cfg, w->loop, &fake_ops, err, sizeof(err));
	if (w->st == NULL)
		fail_msg("%s", err);
	w->nair = 0;
	station_on_air_change(w->st, air_changed, w);
	air_changed(w);
}

static void
stop_station(struct world *w, bool crash)
{
	if (!crash)
		station_shutdown(w->st);
	station_destroy(w->st);
	loop_destroy(w->loop);
	w->st = NULL;
	w->loop = NULL;
}

/* ---- reading the as-played log ---- */

static size_t
count_lines(const struct world *w)
{
	FILE *f = fopen(w->log, "r");
	size_t n = 0;
	int c;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Line i (from 0) as "kind source-base result[ reason][ priority][ @slot]". */
static char *
line(const struct world *w, size_t i, char *buf, size_t len)
{
	FILE *f = fopen(w->log, "r");
	char text[8192];
	size_t n = 0;

	assert_non_null(f);
	buf[0] = '\0';
	while (fgets(text, sizeof(text), f) != NULL) {
		if (n++ != i)
			continue;
		json_t *o = json_loads(text, 0, NULL);
		assert_non_null(o);
		const char *src = json_string_value(json_object_get(o, "source"));
		const char *base = src && strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		const char *reason = json_string_value(json_object_get(o, "reason"));
		const char *prio = json_string_value(json_object_get(o, "priority"));
		const char *slot = json_string_value(json_object_get(o, "slot"));
		snprintf(buf, len, "%s %s %s%s%s%s%s%s%s",
		    json_string_value(json_object_get(o, "kind")), base ? base : "-",
		    json_string_value(json_object_get(o, "result")),
		    reason ? " " : "", reason ? reason : "", prio ? " " : "", prio ? prio : "",
		    slot ? " @" : "", slot ? slot : "");
		json_decref(o);
		break;
	}
	fclose(f);
	return buf;
}

static void
assert_log(const struct world *w, const char *const *want, size_t nwant)
{
	char got[1024];
	size_t n = count_lines(w);

	for (size_t i = 0; i < nwant || i < n; i++) {
		if (i >= n)
			fail_msg("as-played line %zu missing: want \"%s\"", i + 1, want[i]);
		line(w, i, got, sizeof(got));
		if (i >= nwant)
			fail_msg("as-played line %zu not expected: \"%s\"", i + 1, got);
		if (strcmp(got, want[i]) != 0)
			fail_msg("as-played line %zu: want \"%s\", got \"%s\"", i + 1, want[i], got);
	}
}
#define ASSERT_LOG(w, ...) do { \
	static const char *const want_[] = { __VA_ARGS__ }; \
	assert_log((w), want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)

/* ---- driving the loop ---- */

static bool
card_blocked(void)
{
	pthread_mutex_lock(&card.lock);
	bool b = card.blocked;
	pthread_mutex_unlock(&card.lock);
	return b;
}

static bool
nothing_on_air(struct world *w)
{
	struct station_status ss;

	station_get_status(w->st, &ss);
	return ss.item_kind == NULL;
}

/* Runs the loop until the as-played log has n lines (or fails). */
static void
until_lines(struct world *w, size_t n)
{
	int64_t deadline = mono_ms() + SETTLE_MS;

	while (count_lines(w) < n) {
		if (mono_ms() > deadline)
			fail_msg("the as-played log has %zu lines, not %zu", count_lines(w), n);
		loop_run_once(w->loop, 5);
	}
}

/* Runs the loop until the fake card holds a write. */
static void
until_blocked(struct world *w)
{
	int64_t deadline = mono_ms() + SETTLE_MS;

	while (!card_blocked() || nothing_on_air(w)) {	/* and its STARTED seen */
		if (mono_ms() > deadline)
			fail_msg("nothing reached the card");
		loop_run_once(w->loop, 5);
	}
}

/* Runs the loop until the player has nothing of the station's left (or
 * the card holds it): what was going to air has aired. */
static void
settle(struct world *w)
{
	int64_t deadline = mono_ms() + SETTLE_MS;

	while (onair_pending(w->st) > 0 && !card_blocked()) {
		if (mono_ms() > deadline)
			fail_msg("the player did not finish %zu item(s)", onair_pending(w->st));
		loop_run_once(w->loop, 5);
	}
	loop_run_once(w->loop, 0);
}

/* The fake clock moves on to hms (time passes: timers fall due in order). */
static void
advance_to(struct world *w, const char *hms)
{
	int64_t ms = at_ms(w, hms) - now_ms(w);

	assert_true(ms >= 0);
	loop_move_clock(w->loop, ms, 0);
	loop_run_once(w->loop, 0);
}

/* ---- bulletins in the queue, as a restart finds them ---- */

static void
queue_bulletin(struct world *w, const char *id, enum priority prio, int plays,
    int interval_s, const char *mp3)
{
	char err[512], state_dir[128];
	time_t now = (time_t)(now_ms(w) / 1000);

	snprintf(state_dir, sizeof(state_dir), "%s/state", w->dir);
	struct store *s = store_open(state_dir, err, sizeof(err));
	assert_non_null(s);
	struct bulletin *b = xcalloc(1, sizeof(*b));
	b->key = xasprintf("test,%s", id);
	b->identifier = xstrdup(id);
	b->sender = xstrdup("test");
	b->title = xstrdup(id);
	b->priority = prio;
	b->sent = b->effective = now - 60;
	b->expires = now + 86400;
	b->plays = plays;
	b->interval_s = interval_s;
	/* Its audio leaves with it (after its last play): a copy of its own. */
	assert_int_equal(run("cp %s/%s.mp3 %s/%s.mp3", w->dir, mp3, w->dir, id), 0);
	b->audio_path = xasprintf("%s/%s.mp3", w->dir, id);
	store_queue_add(s, b);
	assert_int_equal(store_save(s, err, sizeof(err)), 0);
	store_close(s);
}

/* ---- the tests ---- */

/* Everything waits at once: an emergency, the operator's file, a priority
 * bulletin and the slot's program. Mute silences all but the emergency. */
static void
emergency_then_mute_then_operator_then_priority_then_program(void **state)
{
	struct world *w = *state;
	char err[256], state_dir[128];

	write_config(w, "", "{ name = \"day\"; days = \"mon-sun\"; start = \"10:00\"; "
	    "end = \"10:30\"; program = [ \"file:a.mp3\" ]; }");
	new_loop(w, "10:00:30");
	queue_bulletin(w, "E1", PRIO_EMERGENCY, 1, 0, "emerg");
	queue_bulletin(w, "P1", PRIO_PRIORITY, 1, 0, "prio");
	snprintf(state_dir, sizeof(state_dir), "%s/state", w->dir);
	prefs_save(state_dir, &(struct station_prefs){ .volume = -1, .muted = true });
	card_hold(true);
	start_station(w);
	until_blocked(w);		/* the emergency's chime, even muted */

	/* Muted: the operator is told so, and nothing of theirs waits. */
	assert_int_equal(station_play(w->st, "op.mp3", false, err, sizeof(err)), -1);
	assert_string_equal(err, "the station is muted; unmute it first");
	assert_int_equal(station_mute(w->st, false, false, err, sizeof(err)), 0);
	char path[128];
	snprintf(path, sizeof(path), "%s/op.mp3", w->dir);
	assert_int_equal(station_play(w->st, path, false, err, sizeof(err)), 0);
	settle(w);
	assert_int_equal(count_lines(w), 0);

	card_hold(false);
	until_lines(w, 5);
	settle(w);
	ASSERT_LOG(w,
	    "chime built-in chime completed @day",
	    "bulletin E1.mp3 completed emergency @day",
	    "file op.mp3 completed @day",
	    "bulletin P1.mp3 completed priority @day",
	    "file a.mp3 completed @day");
	stop_station(w, false);
}

/* Repeats closer than a minute keep the air: the program waits between
 * them and goes on after the last. */
static void
an_emergency_holds_the_air_between_repeats_then_gives_it_back(void **state)
{
	struct world *w = *state;

	write_config(w, "", "{ name = \"day\"; days = \"mon-sun\"; start = \"10:00\"; "
	    "end = \"10:30\"; program = [ \"file:a.mp3\", \"file:b.mp3\" ]; }");
	new_loop(w, "10:00:30");
	queue_bulletin(w, "E2", PRIO_EMERGENCY, 2, 20, "emerg");
	start_station(w);
	until_lines(w, 2);
	settle(w);
	assert_true(nothing_on_air(w));

	advance_to(w, "10:00:45");	/* 15 s after: silence, not the program */
	settle(w);
	assert_int_equal(count_lines(w), 2);
	assert_true(nothing_on_air(w));
	assert_air_said(w, "on air: day — bulletin E2 (emergency), 0:00 left");
	assert_air_said(w, "on air: day — silent");

	advance_to(w, "10:00:52");	/* the repeat falls due, then the program */
	until_lines(w, 6);
	settle(w);
	ASSERT_LOG(w,
	    "chime built-in chime completed @day",
	    "bulletin E2.mp3 completed emergency @day",
	    "chime built-in chime completed @day",
	    "bulletin E2.mp3 completed emergency @day",
	    "file a.mp3 completed @day",
	    "file b.mp3 completed @day");
	stop_station(w, false);
}

/* Peak of the tape over [from, to). */
static int
tape_peak(size_t from, size_t to)
{
	int peak = 0;

	for (size_t i = from; i < to && i < card.tape_len; i++)
		peak = abs(card.tape[i]) > peak ? abs(card.tape[i]) : peak;
	return peak;
}

/* audio.fade_ms before the slot's end what plays fades out; the log says cut. */
static void
a_slot_end_cuts_what_plays_with_a_fade(void **state)
{
	struct world *w = *state;

	write_config(w, "fade_ms = 300;", "{ name = \"short\"; days = \"mon-sun\"; "
	    "start = \"10:00\"; end = \"10:01\"; program = [ \"file:c.mp3\" ]; }");
	new_loop(w, "10:00:30");
	card_hold(true);
	start_station(w);
	until_blocked(w);
	size_t before = card.tape_len;
	assert_air_said(w, "on air: short — file:c.mp3, 0:01 left");

	advance_to(w, "10:00:59");	/* not yet: 300 ms before the end */
	settle(w);
	advance_to(w, "10:01:00");
	card_hold(false);
	until_lines(w, 1);
	settle(w);
	ASSERT_LOG(w, "file c.mp3 cut slot ended @short");

	/* After the hold: 300 ms of c.mp3 ramping down to silence. */
	size_t fade = (size_t)card.rate * 300 / 1000, tail = (size_t)card.rate / 50;
	assert_true(card.tape_len >= before + fade - tail);
	int head = tape_peak(before, before + tail);
	int end = tape_peak(card.tape_len - tail, card.tape_len);
	assert_true(head > 10000);	/* the sine at half scale */
	assert_true(end < head / 5);
	stop_station(w, false);
}

/* A power cut inside a slot: after the restart the slot goes on at the item
 * that had not completed; what completed does not air again. */
static void
after_a_restart_the_slot_resumes_at_the_item_that_had_not_completed(void **state)
{
	struct world *w = *state;

	write_config(w, "", "{ name = \"day\"; days = \"mon-sun\"; start = \"10:00\"; "
	    "end = \"10:30\"; program = [ \"file:a.mp3\", \"file:b.mp3\", \"file:c.mp3\" ]; }");
	new_loop(w, "10:00:30");
	/* The card stops taking audio inside c.mp3 (a and b are 0.2 s, with the
	 * encoder's padding at most 0.3 s each; c is 1 s). */
	pthread_mutex_lock(&card.lock);
	card.hold_after = 22050 * 8 / 10;
	pthread_mutex_unlock(&card.lock);
	start_station(w);
	until_blocked(w);
	until_lines(w, 2);
	ASSERT_LOG(w, "file a.mp3 completed @day", "file b.mp3 completed @day");

	/* The power goes: nothing more is logged or saved. */
	card_hold(false);
	stop_station(w, true);
	new_loop(w, "10:01:00");
	start_station(w);
	until_lines(w, 3);
	settle(w);
	ASSERT_LOG(w, "file a.mp3 completed @day", "file b.mp3 completed @day",
	    "file c.mp3 completed @day");
	stop_station(w, false);
}

/* NTP sets the clock forward over a whole slot: it is not aired late; the
 * next one airs at its time. */
static void
a_clock_step_over_a_slot_never_airs_it(void **state)
{
	struct world *w = *state;

	write_config(w, "", "{ name = \"early\"; days = \"mon-sun\"; start = \"10:05\"; "
	    "end = \"10:10\"; program = [ \"file:a.mp3\" ]; },\n"
	    "{ name = \"late\"; days = \"mon-sun\"; start = \"10:20\"; "
	    "end = \"10:30\"; program = [ \"file:b.mp3\" ]; }");
	new_loop(w, "10:00:00");
	start_station(w);
	settle(w);
	loop_move_clock(w->loop, 0, at_ms(w, "10:12:00") - now_ms(w));
	settle(w);
	struct station_status ss;
	station_get_status(w->st, &ss);
	assert_null(ss.slot);
	assert_string_equal(ss.next_slot, "late");
	assert_int_equal(count_lines(w), 0);
	assert_air_said(w, "idle until 10:05 (early)");
	assert_air_said(w, "idle until 10:20 (late)");

	advance_to(w, "10:20:01");
	until_lines(w, 1);
	settle(w);
	ASSERT_LOG(w, "file b.mp3 completed @late");
	assert_air_said(w, "on air: late — silent");
	stop_station(w, false);
}

/* A small step inside a slot: the same slot goes on, what plays is not cut;
 * a step out of it stops what plays. */
static void
a_clock_step_inside_a_slot_lets_it_go_on(void **state)
{
	struct world *w = *state;

	write_config(w, "", "{ name = \"day\"; days = \"mon-sun\"; start = \"10:00\"; "
	    "end = \"10:30\"; program = [ \"file:c.mp3\", \"file:a.mp3\" ]; }");
	new_loop(w, "10:00:30");
	card_hold(true);
	start_station(w);
	until_blocked(w);
	loop_move_clock(w->loop, 0, -20 * 1000);	/* back 20 s, still in "day" */
	settle(w);
	card_hold(false);
	until_lines(w, 2);
	settle(w);
	ASSERT_LOG(w, "file c.mp3 completed @day", "file a.mp3 completed @day");

	/* Back to before the slot while the operator's file plays: the slot
	 * is no longer on air and what plays stops. */
	char err[256], path[128];
	snprintf(path, sizeof(path), "%s/c.mp3", w->dir);
	card_hold(true);
	assert_int_equal(station_play(w->st, path, false, err, sizeof(err)), 0);
	until_blocked(w);
	loop_move_clock(w->loop, 0, at_ms(w, "09:50:00") - now_ms(w));
	settle(w);
	card_hold(false);
	until_lines(w, 3);
	settle(w);
	ASSERT_LOG(w, "file c.mp3 completed @day", "file a.mp3 completed @day",
	    "file c.mp3 interrupted clock changed @day");
	struct station_status ss;
	station_get_status(w->st, &ss);
	assert_null(ss.slot);
	stop_station(w, false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(emergency_then_mute_then_operator_then_priority_then_program, fresh),
		cmocka_unit_test_setup(an_emergency_holds_the_air_between_repeats_then_gives_it_back, fresh),
		cmocka_unit_test_setup(a_slot_end_cuts_what_plays_with_a_fade, fresh),
		cmocka_unit_test_setup(after_a_restart_the_slot_resumes_at_the_item_that_had_not_completed, fresh),
		cmocka_unit_test_setup(a_clock_step_over_a_slot_never_airs_it, fresh),
		cmocka_unit_test_setup(a_clock_step_inside_a_slot_lets_it_go_on, fresh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
