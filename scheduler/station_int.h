/*
 * station_int: what the station's rooms share; nothing else includes it but
 * the station's own unit test (tests/unit/test_station.c). The rooms:
 *   station.c   the slot life cycle, the plan, replan, and fill: the one
 *               place that decides what airs now (its table what_airs[])
 *   onair.c     the in-flight table (items handed to the player) and the
 *               as-played queue (lines for items that never reached it)
 *   program.c   the program cursor: the next item of the slot on air
 *   breaks.c    bulletins outside the program: emergencies, priority
 *               bulletins, their timer and the queue's hooks
 *   operator.c  loaxactl's play, stop, skip, mute, volume and test tone
 * All of it runs on the event loop thread.
 */
#ifndef LOAXA_STATION_INT_H
#define LOAXA_STATION_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "audio/player.h"
#include "bulletins/bulletins.h"
#include "scheduler/program.h"
#include "scheduler/resume.h"
#include "scheduler/station.h"
#include "scheduler/timetable.h"

/* How far ahead of the player the program is fed: the item on air and the
 * next one, so consecutive items follow with no gap. */
#define FEED_AHEAD 2
#define INFLIGHT_MAX 8
#define UNAIRED_MAX 8
#define OPERATOR_QUEUE_MAX 64

/* An as-played line for something that never reached the player. */
struct unaired {
	const char *kind;
	const char *result;
	char source[PATH_MAX];
	char reason[256];
	char slot[128];
};

/* One item handed to the player, with what the as-played log needs. */
struct air_item {
	bool used;
	uint64_t id;
	const char *kind;		/* as-played kind, NULL: not logged */
	char source[PATH_MAX];
	char slot[128];			/* "" outside a slot */
	bool from_program;
	struct program_pos pos;		/* where it stands in the program */
	struct program_pos next;	/* where the program goes after it */
	bool started;
	struct timespec start;
	double length_s;		/* -1 unknown */
	const char *stop_result;	/* set when we stop it on purpose */
	const char *stop_reason;
	double live_s;			/* relays: of the stream itself */
	int outages;			/* relays: times it went down */
	/* Bulletins only. */
	char bulletin_key[256];
	char bulletin_id[256];
	char language[64];		/* "" when unknown */
	bool speech;			/* its text was synthesised */
	enum priority priority;
	bool is_bulletin;
	bool urgent;			/* part of an emergency break */
	bool no_priority;		/* rejected before its priority was known */
	/* Notices only (scheduler/notices.h). */
	unsigned notice_id;		/* 0: not a notice */
	char title[256];
};

/* The slot occurrence now on air and how far its program went. */
struct slot_run {
	bool active;
	struct slot_instance inst;	/* inst.slot points into st->cfg */
	char name[128];
	struct program_pos fill;	/* the next item to hand over */
	struct playlist *pl;		/* the playlist of step pl_step */
	size_t pl_step;
	bool program_done;
	bool stopped;			/* the operator stopped it */
	bool pass_started;		/* something of this pass reached the air */
	unsigned long long bulletin_seq;	/* last bulletin aired in this step */
	unsigned notice_after;		/* last notice aired in this step (ids grow) */
	uint64_t fade_timer, end_timer;
};

/* An item asked for by loaxactl play or test-tone, aired before the program
 * goes on. */
struct op_item {
	char path[PATH_MAX];
	const char *kind;	/* "file", "playlist", "test" */
	enum player_source source;
};

struct station {
	struct config *cfg;
	struct loop *loop;
	struct player *player;
	struct playedlog *log;
	struct bulletins *bulletins;
	struct notices *notices;	/* NULL: the state folder is unusable */
	struct station_prefs prefs;
	time_t started_at;
	struct slot_run run;
	uint64_t plan_timer;
	uint64_t retry_timer;
	char plan_next_name[128];
	time_t plan_next_start;
	char device_error[256];

	/* onair.c */
	struct air_item inflight[INFLIGHT_MAX];
	uint64_t next_id;
	struct unaired unaired[UNAIRED_MAX];	/* waiting for the item on air to end */
	size_t nunaired;
	void (*played_fn)(void *ctx);
	void *played_ctx;
	void (*air_fn)(void *ctx);
	void *air_ctx;

	/* breaks.c */
	bool emergency;			/* an emergency break holds the air */
	uint64_t bulletin_timer;	/* the next repeat that falls due */
	time_t bulletin_timer_due;

	/* operator.c */
	struct op_item ops[OPERATOR_QUEUE_MAX];
	size_t nops;
};

/* ---- station.c ---- */

/* Hands the player what must air now, as far as FEED_AHEAD allows. Every
 * room calls it after it changed what could air. */
void station_fill(struct station *st);
/* The wall clock, as the station sees it (the loop's). */
struct timespec station_now(const struct station *st);
time_t station_time(const struct station *st);
/* ms from now until when (negative: past). */
int64_t station_ms_until(const struct station *st, time_t when);

/* Tells station_on_air_change's listener that what airs may have changed. */
void station_air_changed(struct station *st);

/* ---- onair.c ---- */

size_t onair_pending(const struct station *st);
struct air_item *onair_find(struct station *st, uint64_t id);
/* Gives pi to the player (choosing its id) and keeps meta for its events.
 * False when the table or the player's queue is full. */
bool onair_submit(struct station *st, struct player_item *pi, const struct air_item *meta);
/* Stops what plays; every item still with the player ends as result/reason. */
void onair_stop_all(struct station *st, int fade_ms, const char *result, const char *reason);
/* The item the listeners hear (the earliest started), or NULL. */
const struct air_item *onair_current(const struct station *st);
bool onair_any_urgent(const struct station *st);
bool onair_any_non_urgent(const struct station *st);
bool onair_has_bulletin(const struct station *st, const char *key);
bool onair_has_notice(const struct station *st, unsigned id);
/* Something waits in the player's queue, and all of it is the program's. */
bool onair_only_program_waiting(const struct station *st);
/* The chime (audio.chime or the built-in one) as an item. */
void onair_describe_chime(const struct station *st, struct player_item *pi,
    struct air_item *meta);
/* Writes its as-played line (items with kind NULL are not logged). */
void onair_log_played(struct station *st, const struct air_item *it,
    const char *result, const char *reason, const struct timespec *end,
    double played_s);
/* A line for an item that never reached the player: held while something
 * is on air so the log reads in airing order. */
void onair_log_unaired(struct station *st, const char *kind, const char *source,
    const char *result, const char *reason);
void onair_flush_unaired(struct station *st, const struct timespec *when);

/* ---- program.c ---- */

/* Moves st->run.fill to the next thing to air and describes it in pi/meta.
 * Skips (and logs) what cannot air. False when the program has nothing more
 * to give now. */
bool program_next_item(struct station *st, struct player_item *pi, struct air_item *meta);

/* ---- breaks.c ---- */

/* An emergency break: true while it holds the air. */
bool breaks_fill_emergency(struct station *st);
/* Priority bulletins, before the program goes on; never holds the air. */
bool breaks_fill_priority(struct station *st);
void breaks_describe_bulletin(const struct station *st, const struct bulletin *b,
    struct player_item *pi, struct air_item *meta);
/* A test message goes on air after a second of test tone. */
void breaks_announce_if_test(struct station *st, const struct bulletin *b,
    struct timespec *start_at);
/* A bulletin's airing ended: counts the play. */
void breaks_finished(struct station *st, const struct air_item *it,
    const struct player_event *ev);
struct bulletin_hooks breaks_hooks(struct station *st);
void breaks_cancel_timer(struct station *st);

/* ---- operator.c ---- */

/* Items asked for by the operator: true while some wait. */
bool operator_fill(struct station *st);

#endif
