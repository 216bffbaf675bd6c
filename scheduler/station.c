#include "scheduler/station.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/player.h"
#include "bulletins/bulletins.h"
#include "core/log.h"
#include "core/playedlog.h"
#include "core/util.h"
#include "playlists/m3u.h"
#include "core/loop.h"
#include "scheduler/resume.h"
#include "scheduler/timetable.h"

/* How far ahead of the player the program is fed: the item on air and the
 * next one, so consecutive items follow with no gap. */
#define FEED_AHEAD 2
#define INFLIGHT_MAX 8
/* Long timers are re-armed in steps so that a slewed clock cannot drift a
 * slot's start by more than a few ms. */
#define APPROACH_MS (10 * 60 * 1000)
#define SHUTDOWN_WAIT_MS 1500
/* Repeats of an emergency closer than this keep the air between them. */
#define EMERGENCY_HOLD_S 60

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
	/* Bulletins only. */
	char bulletin_key[256];
	char bulletin_id[256];
	enum priority priority;
	bool is_bulletin;
	bool urgent;			/* part of an emergency break */
	bool no_priority;		/* rejected before its priority was known */
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
	uint64_t fade_timer, end_timer;
};

struct station {
	struct config *cfg;
	struct loop *loop;
	struct player *player;
	struct playedlog *log;
	struct bulletins *bulletins;
	bool emergency;			/* an emergency break holds the air */
	uint64_t bulletin_timer;	/* the next repeat that falls due */
	time_t bulletin_timer_due;
	struct station_prefs prefs;
	time_t started_at;

	struct slot_run run;
	struct air_item inflight[INFLIGHT_MAX];
	uint64_t next_id;
	uint64_t plan_timer;
	uint64_t retry_timer;
	char plan_next_name[128];
	time_t plan_next_start;
	char device_error[256];
	void (*played_fn)(void *ctx);
	void *played_ctx;
	struct unaired unaired[8];	/* waiting for the item on air to end */
	size_t nunaired;
	/* Items asked for by loaxactl play, aired before the program goes on. */
	struct op_item {
		char path[PATH_MAX];
		const char *kind;	/* "file", "playlist", "test" */
		enum player_source source;
	} ops[64];
	size_t nops;
};

static void station_plan(struct station *st);
static void fill(struct station *st);

static bool
pos_before(const struct program_pos *a, const struct program_pos *b)
{
	if (a->pass != b->pass)
		return a->pass < b->pass;
	if (a->step != b->step)
		return a->step < b->step;
	return a->entry < b->entry;
}

static int64_t
ms_until(time_t when)
{
	struct timespec now = real_now();
	struct timespec t = { when, 0 };

	return (int64_t)(timespec_diff_s(&t, &now) * 1000.0);
}

static int
effective_volume(const struct station *st)
{
	return st->prefs.volume >= 0 ? st->prefs.volume : st->cfg->audio.volume;
}

/* ---- the as-played log ---- */

static void
log_played(struct station *st, const struct air_item *it, const char *result,
    const char *reason, const struct timespec *end, double played_s)
{
	struct played_entry e = {
		.start = it->started ? it->start : *end,
		.end = *end,
		.slot = it->slot[0] ? it->slot : NULL,
		.kind = it->kind,
		.source = it->source,
		.result = result,
		.reason = reason,
		.played_s = played_s,
		.bulletin = it->is_bulletin ? it->bulletin_id : NULL,
		.priority = it->is_bulletin && !it->no_priority ?
		    priority_name(it->priority) : NULL,
	};

	if (it->kind == NULL)
		return;
	if (st->log == NULL || playedlog_write(st->log, &e) < 0)
		log_warn("as-played: %s %s %s%s%s", it->kind, it->source, result,
		    reason ? ": " : "", reason ? reason : "");
	else if (st->played_fn != NULL)
		st->played_fn(st->played_ctx);
	log_info("%s %s: %s%s%s%s", it->kind, it->source, result,
	    reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
}

/*
 * A program item that never reached the player (skipped, or failed at once).
 * The program is fed one item ahead, so while something is on air the line
 * waits for that item's end: the log then reads in airing order.
 */
static size_t pending_count(const struct station *st);

static void
write_unaired(struct station *st, const struct unaired *u, const struct timespec *when)
{
	struct air_item it = { .kind = u->kind };

	snprintf(it.source, sizeof(it.source), "%s", u->source);
	snprintf(it.slot, sizeof(it.slot), "%s", u->slot);
	log_played(st, &it, u->result, u->reason, when, 0.0);
}

static void
log_unaired(struct station *st, const char *kind, const char *source,
    const char *result, const char *reason)
{
	struct unaired u = { .kind = kind, .result = result };
	struct timespec now = real_now();

	snprintf(u.source, sizeof(u.source), "%s", source);
	snprintf(u.reason, sizeof(u.reason), "%s", reason);
	snprintf(u.slot, sizeof(u.slot), "%s", st->run.active ? st->run.name : "");
	if (pending_count(st) == 0 || st->nunaired == ARRAY_LEN(st->unaired))
		write_unaired(st, &u, &now);
	else
		st->unaired[st->nunaired++] = u;
}

static void
flush_unaired(struct station *st, const struct timespec *when)
{
	for (size_t i = 0; i < st->nunaired; i++)
		write_unaired(st, &st->unaired[i], when);
	st->nunaired = 0;
}

/* ---- handing items to the player ---- */

static size_t
pending_count(const struct station *st)
{
	size_t n = 0;

	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		n += st->inflight[i].used;
	return n;
}

static struct air_item *
find_item(struct station *st, uint64_t id)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && st->inflight[i].id == id)
			return &st->inflight[i];
	return NULL;
}

static bool
submit(struct station *st, struct player_item *pi, const struct air_item *meta)
{
	struct air_item *slot = NULL;

	for (size_t i = 0; i < INFLIGHT_MAX && slot == NULL; i++)
		if (!st->inflight[i].used)
			slot = &st->inflight[i];
	if (slot == NULL)
		return false;
	pi->id = ++st->next_id;
	if (!player_enqueue(st->player, pi))
		return false;
	*slot = *meta;
	slot->used = true;
	slot->id = pi->id;
	return true;
}

/* Stops what plays; every item still with the player ends as result/reason. */
static void
stop_all(struct station *st, int fade_ms, const char *result, const char *reason)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++) {
		if (!st->inflight[i].used)
			continue;
		st->inflight[i].stop_result = result;
		st->inflight[i].stop_reason = reason;
	}
	player_stop(st->player, fade_ms);
}

/* ---- bulletins ---- */

static bool
bulletin_in_flight(const struct station *st, const char *key)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && st->inflight[i].is_bulletin &&
		    strcmp(st->inflight[i].bulletin_key, key) == 0)
			return true;
	return false;
}

static void
describe_bulletin(const struct station *st, const struct bulletin *b,
    struct player_item *pi, struct air_item *meta)
{
	*pi = (struct player_item){ .source = SRC_FILE, .volume = 100 };
	snprintf(pi->path, sizeof(pi->path), "%s", b->audio_path);
	/* Exercise and Test messages (aired only where the config allows)
	 * are logged as kind "test". */
	*meta = (struct air_item){ .kind = b->is_test ? "test" : "bulletin",
	    .is_bulletin = true, .priority = b->priority };
	snprintf(meta->source, sizeof(meta->source), "%s", b->audio_path);
	snprintf(meta->bulletin_key, sizeof(meta->bulletin_key), "%s", b->key);
	snprintf(meta->bulletin_id, sizeof(meta->bulletin_id), "%s", b->identifier);
	if (st->run.active)
		snprintf(meta->slot, sizeof(meta->slot), "%s", st->run.name);
}

static void
describe_chime(const struct station *st, struct player_item *pi, struct air_item *meta)
{
	*pi = (struct player_item){ .source = SRC_CHIME, .volume = 100 };
	snprintf(pi->path, sizeof(pi->path), "%s", st->cfg->audio.chime);
	*meta = (struct air_item){ .kind = "chime" };
	snprintf(meta->source, sizeof(meta->source), "%s",
	    pi->path[0] ? pi->path : "built-in chime");
	if (st->run.active)
		snprintf(meta->slot, sizeof(meta->slot), "%s", st->run.name);
}

/* A test message is announced as one: a second of the 1 kHz test tone
 * goes before it, so no listener takes an exercise for a real warning. */
static void
announce_if_test(struct station *st, const struct bulletin *b, struct timespec *start_at)
{
	struct player_item pi = { .source = SRC_TONE, .silence_s = 1.0, .volume = 100 };

	/* The announcement takes the bulletin's mark, if it had one. */
	pi.start_at = *start_at;
	if (b->is_test)
		*start_at = (struct timespec){ 0, 0 };
	struct air_item meta = { .kind = NULL, .urgent = b->priority == PRIO_EMERGENCY };

	if (b->is_test)
		submit(st, &pi, &meta);
}

static void
bulletin_timer_fired(void *arg)
{
	struct station *st = arg;

	st->bulletin_timer = 0;
	fill(st);
}

/* One timer for every repeat that falls due: it keeps the earliest. */
static void
arm_bulletin_timer(struct station *st, time_t due)
{
	if (st->bulletin_timer && st->bulletin_timer_due <= due)
		return;
	if (st->bulletin_timer)
		loop_cancel_timer(st->loop, st->bulletin_timer);
	st->bulletin_timer_due = due;
	int64_t ms = ms_until(due);
	st->bulletin_timer = loop_add_timer(st->loop, ms > 0 ? ms : 0,
	    bulletin_timer_fired, st);
}

static bool
any_urgent_in_flight(const struct station *st)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && st->inflight[i].urgent)
			return true;
	return false;
}

static bool
non_urgent_in_flight(const struct station *st)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && !st->inflight[i].urgent)
			return true;
	return false;
}

/*
 * An emergency holds the air: what plays is interrupted (a fade of 200 ms),
 * then the chime and the bulletin, `plays` times, `interval` apart; the
 * schedule waits meanwhile and goes on afterwards. True while it holds.
 */
static bool
fill_emergency(struct station *st)
{
	time_t now = time(NULL);

	if (st->bulletins == NULL || st->prefs.muted_all)
		return false;
	time_t due = bulletins_next_due(st->bulletins, PRIO_EMERGENCY, now);
	/* A short wait between repeats holds the air; a long one gives it
	 * back to the schedule until the repeat falls due. */
	if (due > now + EMERGENCY_HOLD_S && !any_urgent_in_flight(st)) {
		arm_bulletin_timer(st, due);
		due = 0;
	}
	if (due == 0) {
		if (st->emergency)
			log_notice("emergency break over; the schedule goes on");
		st->emergency = false;
		return false;
	}
	if (!st->emergency) {
		st->emergency = true;
		log_notice("emergency bulletin: taking the air");
		if (non_urgent_in_flight(st))
			stop_all(st, 200, "interrupted", "emergency bulletin");
	}
	if (non_urgent_in_flight(st) || pending_count(st) > 0)
		return true;	/* the fade, or the break's items, first */
	if (due > now) {
		arm_bulletin_timer(st, due);
		return true;	/* silence until the next repeat */
	}
	const struct bulletin *b = bulletins_next(st->bulletins, PRIO_EMERGENCY, now);
	if (b == NULL)
		return true;
	struct player_item pi;
	struct air_item meta;
	describe_chime(st, &pi, &meta);
	meta.urgent = true;
	submit(st, &pi, &meta);
	announce_if_test(st, b, &(struct timespec){ 0, 0 });
	describe_bulletin(st, b, &pi, &meta);
	meta.urgent = true;
	submit(st, &pi, &meta);
	return true;
}

/* Priority bulletins air first in a slot, before its program goes on. */
static void
fill_priority(struct station *st)
{
	time_t now = time(NULL);

	if (st->bulletins == NULL)
		return;
	while (pending_count(st) < FEED_AHEAD) {
		const struct bulletin *b = bulletins_next(st->bulletins, PRIO_PRIORITY, now);
		if (b == NULL || bulletin_in_flight(st, b->key))
			break;
		struct player_item pi;
		struct air_item meta;
		describe_bulletin(st, b, &pi, &meta);
		if (pending_count(st) == 0 && ms_until(st->run.inst.start) > 0)
			pi.start_at = (struct timespec){ st->run.inst.start, 0 };
		announce_if_test(st, b, &pi.start_at);
		if (!submit(st, &pi, &meta))
			break;
	}
	time_t due = bulletins_next_due(st->bulletins, PRIO_PRIORITY, now);
	if (due > now)
		arm_bulletin_timer(st, due);
}

static void
bulletin_finished(struct station *st, const struct air_item *it,
    const struct player_event *ev)
{
	if (st->bulletins == NULL)
		return;
	/* A failed file counts as a play so a broken bulletin cannot hold
	 * the air for ever; a missing card does not: it airs when back. */
	if (ev->result == PLAY_COMPLETED ||
	    (ev->result == PLAY_FAILED && !ev->device_error))
		bulletins_aired(st->bulletins, it->bulletin_key, ev->when.tv_sec);
}

static void
on_bulletin_accepted(void *ctx, const struct bulletin *b)
{
	struct station *st = ctx;

	log_notice("bulletin %s (%s) queued: %d play(s)", b->identifier,
	    priority_name(b->priority), b->plays);
	if (b->priority == PRIO_PRIORITY && st->run.active)
		player_drop_queued(st->player);	/* right after the item on air */
	fill(st);
}

static void
on_bulletin_cancelled(void *ctx, const char *identifier, const char *key)
{
	struct station *st = ctx;

	(void)key;
	log_notice("bulletin %s cancelled%s", identifier,
	    bulletin_in_flight(st, key) ? "; the airing under way finishes" : "");
}

static void
on_bulletin_rejected(void *ctx, const char *identifier, const char *reason)
{
	struct station *st = ctx;
	struct air_item it = { .kind = "bulletin", .is_bulletin = true,
	    .priority = PRIO_NORMAL, .no_priority = true };
	struct timespec now = real_now();

	snprintf(it.source, sizeof(it.source), "%s", identifier);
	snprintf(it.bulletin_id, sizeof(it.bulletin_id), "%s", identifier);
	snprintf(it.slot, sizeof(it.slot), "%s", st->run.active ? st->run.name : "");
	log_played(st, &it, "skipped", reason, &now, 0.0);
}

/* ---- the program of the slot on air ---- */

static bool
load_step_playlist(struct station *st, const struct step *step)
{
	struct slot_run *run = &st->run;
	char err[512];

	playlist_free(run->pl);
	run->pl = NULL;
	char *path = m3u_find(st->cfg->paths.playlists, step->arg);
	if (path != NULL)
		run->pl = m3u_load(path, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "no playlist %s.m3u or %s.m3u8 in %s",
		    step->arg, step->arg, st->cfg->paths.playlists);
	free(path);
	if (run->pl == NULL) {
		log_warn("slot %s: %s; its next step plays", run->name, err);
		log_unaired(st, "playlist", step->arg, "failed", err);
		return false;
	}
	run->pl_step = run->fill.step;
	return true;
}

/*
 * Moves run->fill to the next thing to air and describes it in pi/meta.
 * Skips (and logs) what cannot air. False when the program has nothing more
 * to give now.
 */
static bool
next_program_item(struct station *st, struct player_item *pi, struct air_item *meta)
{
	struct slot_run *run = &st->run;
	const struct slot *slot = run->inst.slot;

	for (;;) {
		if (run->fill.step >= slot->nsteps) {
			if (!slot->loop) {
				run->program_done = true;
				return false;
			}
			if (!run->pass_started && pending_count(st) > 0)
				return false;	/* wait: did anything of it air? */
			/* A pass that aired nothing because the card is away
			 * is tried again (the retry timer paces it); one that
			 * aired nothing because of its files is not. */
			if (!run->pass_started && st->device_error[0] == '\0') {
				log_warn("slot %s: nothing in its program could play; "
				    "silent until %s ends", run->name, run->name);
				run->program_done = true;
				return false;
			}
			run->fill = (struct program_pos){ 0, 0, run->fill.pass + 1 };
			run->pass_started = false;
		}
		const struct step *step = &slot->steps[run->fill.step];
		*pi = (struct player_item){ .volume = slot->volume >= 0 ? slot->volume : 100 };
		*meta = (struct air_item){ .from_program = true, .pos = run->fill };
		snprintf(meta->slot, sizeof(meta->slot), "%s", run->name);
		switch (step->kind) {
		case STEP_CHIME:
			pi->source = SRC_CHIME;
			snprintf(pi->path, sizeof(pi->path), "%s", st->cfg->audio.chime);
			meta->kind = "chime";
			snprintf(meta->source, sizeof(meta->source), "%s",
			    pi->path[0] ? pi->path : "built-in chime");
			break;
		case STEP_FILE:
			pi->source = SRC_FILE;
			snprintf(pi->path, sizeof(pi->path), "%s", step->arg);
			meta->kind = "file";
			snprintf(meta->source, sizeof(meta->source), "%s", step->arg);
			break;
		case STEP_SILENCE:
			pi->source = SRC_SILENCE;
			pi->silence_s = step->seconds;
			meta->kind = NULL;
			snprintf(meta->source, sizeof(meta->source), "%s", step->text);
			break;
		case STEP_PLAYLIST:
			if (run->pl == NULL || run->pl_step != run->fill.step) {
				if (!load_step_playlist(st, step)) {
					run->fill.step++;
					run->fill.entry = 0;
					continue;
				}
			}
			if (run->fill.entry >= run->pl->nentries) {
				run->fill.step++;
				run->fill.entry = 0;
				continue;
			}
			const struct playlist_entry *e = &run->pl->entries[run->fill.entry];
			if (str_has_prefix(e->location, "http://") ||
			    str_has_prefix(e->location, "https://")) {
				log_unaired(st, "playlist", e->location, "skipped",
				    "streams in playlists are not supported; use a relay step");
				run->fill.entry++;
				continue;
			}
			if (access(e->location, R_OK) < 0) {
				char reason[PATH_MAX + 64];
				snprintf(reason, sizeof(reason), "missing: %s", strerror(errno));
				log_unaired(st, "playlist", e->location, "skipped", reason);
				run->fill.entry++;
				continue;
			}
			pi->source = SRC_FILE;
			snprintf(pi->path, sizeof(pi->path), "%s", e->location);
			meta->kind = "playlist";
			snprintf(meta->source, sizeof(meta->source), "%s", e->location);
			run->fill.entry++;
			meta->next = run->fill;
			return true;
		case STEP_BULLETINS: {
			/* Each bulletin due airs once per bulletins step, oldest
			 * first; its plays are counted when it completes. */
			const struct bulletin *b = st->bulletins == NULL ? NULL :
			    bulletins_next_after(st->bulletins, PRIO_NORMAL, time(NULL),
			    run->bulletin_seq);
			if (b != NULL && bulletin_in_flight(st, b->key)) {
				run->bulletin_seq = b->seq;
				continue;
			}
			if (b == NULL) {
				run->fill.step++;
				run->fill.entry = 0;
				run->bulletin_seq = 0;
				continue;
			}
			run->bulletin_seq = b->seq;
			struct program_pos pos = meta->pos;
			announce_if_test(st, b, &(struct timespec){ 0, 0 });
			describe_bulletin(st, b, pi, meta);
			pi->volume = slot->volume >= 0 ? slot->volume : 100;
			meta->from_program = true;
			meta->pos = pos;
			meta->next = run->fill;
			return true;
		}
		case STEP_RELAY:
			log_unaired(st, "relay", step->arg, "skipped",
			    "relays are not supported yet");
			run->fill.step++;
			run->fill.entry = 0;
			continue;
		}
		run->fill.step++;
		run->fill.entry = 0;
		meta->next = run->fill;
		return true;
	}
}

/* Operator items (loaxactl play, test-tone) go before the program. */
static bool
fill_operator_items(struct station *st)
{
	while (st->nops > 0 && pending_count(st) < FEED_AHEAD) {
		struct op_item *op = &st->ops[0];
		struct player_item pi = { .source = op->source, .volume = 100 };
		struct air_item meta = { .kind = op->kind };

		snprintf(pi.path, sizeof(pi.path), "%s", op->path);
		snprintf(meta.source, sizeof(meta.source), "%s", op->path);
		if (op->source == SRC_TONE)
			pi.silence_s = 5.0;
		if (st->run.active)
			snprintf(meta.slot, sizeof(meta.slot), "%s", st->run.name);
		if (!submit(st, &pi, &meta))
			break;
		memmove(&st->ops[0], &st->ops[1], --st->nops * sizeof(st->ops[0]));
	}
	return st->nops > 0;
}

static void
fill(struct station *st)
{
	struct slot_run *run = &st->run;

	if (st->retry_timer != 0)
		return;
	if (fill_emergency(st))
		return;
	if (st->prefs.muted)
		return;
	if (fill_operator_items(st))
		return;
	if (!run->active || run->stopped || run->program_done)
		return;
	fill_priority(st);
	while (pending_count(st) < FEED_AHEAD) {
		struct player_item pi;
		struct air_item meta;
		bool first = pending_count(st) == 0;

		if (!next_program_item(st, &pi, &meta))
			break;
		/* The first item of a slot is timed to the mark; the player
		 * pre-rolls the card so the first sample lands on it. */
		if (first && ms_until(run->inst.start) > 0)
			pi.start_at = (struct timespec){ run->inst.start, 0 };
		if (!submit(st, &pi, &meta)) {
			run->fill = meta.pos;
			break;
		}
	}
}

static void
save_resume(struct station *st, const struct program_pos *pos)
{
	struct resume_point rp = { .slot_start = st->run.inst.start, .pos = *pos };

	snprintf(rp.slot, sizeof(rp.slot), "%s", st->run.name);
	resume_save(st->cfg->paths.state, &rp);
}

/* ---- slots ---- */

static void
end_slot_timer(void *arg)
{
	struct station *st = arg;

	st->run.end_timer = 0;
	log_info("slot %s ended", st->run.name);
	st->run.active = false;
	playlist_free(st->run.pl);
	st->run.pl = NULL;
	station_plan(st);
}

static void
fade_slot_timer(void *arg)
{
	struct station *st = arg;

	st->run.fade_timer = 0;
	st->run.program_done = true;
	/* An emergency break is not the slot's: it is never cut. */
	if (pending_count(st) > 0 && !st->emergency)
		stop_all(st, st->cfg->audio.fade_ms, "cut", "slot ended");
}

static void
cancel_run_timers(struct station *st)
{
	if (st->run.fade_timer)
		loop_cancel_timer(st->loop, st->run.fade_timer);
	if (st->run.end_timer)
		loop_cancel_timer(st->loop, st->run.end_timer);
	st->run.fade_timer = st->run.end_timer = 0;
}

static void
begin_slot(struct station *st, const struct slot_instance *inst, bool joined)
{
	struct slot_run *run = &st->run;
	struct resume_point rp;

	cancel_run_timers(st);
	playlist_free(run->pl);
	*run = (struct slot_run){ .active = true, .inst = *inst };
	snprintf(run->name, sizeof(run->name), "%s", inst->slot->name);
	if (resume_load(st->cfg->paths.state, &rp) == 0 &&
	    strcmp(rp.slot, run->name) == 0 && rp.slot_start == inst->start) {
		run->fill = rp.pos;
		log_notice("slot %s: resuming at step %zu (item %zu) after a restart",
		    run->name, rp.pos.step + 1, rp.pos.entry + 1);
	} else {
		log_info("slot %s %s", run->name, joined ? "joined while on" : "starts");
		save_resume(st, &run->fill);
	}
	int64_t to_end = ms_until(inst->end);
	int64_t to_fade = to_end - st->cfg->audio.fade_ms;
	run->fade_timer = loop_add_timer(st->loop, to_fade > 0 ? to_fade : 0,
	    fade_slot_timer, st);
	run->end_timer = loop_add_timer(st->loop, to_end > 0 ? to_end : 0,
	    end_slot_timer, st);
	fill(st);
}

static void
plan_timer_fired(void *arg)
{
	struct station *st = arg;

	st->plan_timer = 0;
	station_plan(st);
}

/*
 * Decides from the wall clock what must be on air and arms the timer for
 * the next slot. Called at start, after a slot, a clock step and a reload.
 */
static void
station_plan(struct station *st)
{
	time_t now = time(NULL);
	struct slot_instance cur, next;

	if (st->plan_timer) {
		loop_cancel_timer(st->loop, st->plan_timer);
		st->plan_timer = 0;
	}
	if (!st->run.active && timetable_current(st->cfg, now, &cur) &&
	    cur.end - now > 1)
		begin_slot(st, &cur, true);

	time_t after = now;
	for (;;) {
		if (!timetable_next(st->cfg, after, &next)) {
			st->plan_next_name[0] = '\0';
			return;
		}
		/* The slot being pre-rolled is already on air: look past it. */
		if (st->run.active && st->run.inst.start == next.start &&
		    strcmp(st->run.name, next.slot->name) == 0) {
			after = next.start;
			continue;
		}
		break;
	}
	snprintf(st->plan_next_name, sizeof(st->plan_next_name), "%s", next.slot->name);
	st->plan_next_start = next.start;
	int64_t wait = ms_until(next.start) - st->cfg->audio.preroll_ms;
	if (wait <= 0 && !st->run.active) {
		begin_slot(st, &next, false);
		station_plan(st);
		return;
	}
	if (wait <= 0)
		return;		/* the slot on air ends first; its end re-plans */
	if (wait > APPROACH_MS)
		wait = APPROACH_MS;
	st->plan_timer = loop_add_timer(st->loop, wait, plan_timer_fired, st);
}

/* ---- events from the player ---- */

static void
retry_timer_fired(void *arg)
{
	struct station *st = arg;

	st->retry_timer = 0;
	fill(st);
}

static void
item_finished(struct station *st, struct air_item *it, const struct player_event *ev)
{
	const char *result, *reason = NULL;

	switch (ev->result) {
	case PLAY_COMPLETED:
		result = "completed";
		break;
	case PLAY_FAILED:
		result = "failed";
		reason = ev->reason[0] ? ev->reason : "unknown error";
		break;
	case PLAY_STOPPED:
	default:
		result = it->stop_result ? it->stop_result : "interrupted";
		reason = it->stop_reason;
		break;
	}
	bool aired = ev->result != PLAY_STOPPED || ev->started;
	if (aired) {
		log_played(st, it, result, reason, &ev->when, ev->played_s);
		flush_unaired(st, &ev->when);
	}
	if (it->is_bulletin)
		bulletin_finished(st, it, ev);

	if (!it->from_program || !st->run.active || strcmp(it->slot, st->run.name) != 0)
		return;
	if (!aired) {
		/* Dropped before it aired: the program goes back to it. */
		if (pos_before(&it->pos, &st->run.fill)) {
			st->run.fill = it->pos;
			st->run.program_done = false;
		}
		return;
	}
	/* A shutdown leaves the resume point on this item: it had not
	 * completed, so it airs again after the restart. */
	if (it->stop_reason == NULL || strcmp(it->stop_reason, "shutdown") != 0)
		save_resume(st, &it->next);
}

static void
handle_event(struct station *st, const struct player_event *ev)
{
	struct air_item *it = find_item(st, ev->id);

	if (it == NULL)
		return;
	if (ev->type == PEV_STARTED) {
		it->started = true;
		it->start = ev->when;
		it->length_s = ev->length_s;
		if (it->from_program && st->run.active && strcmp(it->slot, st->run.name) == 0)
			st->run.pass_started = true;
		fill(st);
		return;
	}
	if (ev->device_error) {
		if (st->device_error[0] == '\0')
			log_warn("%s; retrying", ev->reason);
		snprintf(st->device_error, sizeof(st->device_error), "%s", ev->reason);
	} else if (ev->started && st->device_error[0]) {
		log_notice("sound card is back");
		st->device_error[0] = '\0';
	}
	item_finished(st, it, ev);
	it->used = false;
	if (pending_count(st) == 0 && st->nunaired > 0) {
		struct timespec now = real_now();
		flush_unaired(st, &now);
	}
	if (ev->device_error && ev->retry_ms > 0 && st->retry_timer == 0) {
		st->retry_timer = loop_add_timer(st->loop, ev->retry_ms,
		    retry_timer_fired, st);
		return;
	}
	fill(st);
}

static void
player_readable(int fd, short revents, void *arg)
{
	struct station *st = arg;
	struct player_event ev;

	(void)fd;
	(void)revents;
	while (player_next_event(st->player, &ev))
		handle_event(st, &ev);
}

/* ---- clock steps and reloads ---- */

/* The plan changed under us: keep the slot on air if it is still the same
 * occurrence, otherwise stop it and join whatever is on now. */
static void
replan(struct station *st, const char *why)
{
	time_t now = time(NULL);
	struct slot_instance cur;
	bool on = timetable_current(st->cfg, now, &cur);

	if (st->run.active) {
		if (on && cur.start == st->run.inst.start &&
		    strcmp(cur.slot->name, st->run.name) == 0) {
			st->run.inst = cur;
			cancel_run_timers(st);
			int64_t to_end = ms_until(cur.end);
			int64_t to_fade = to_end - st->cfg->audio.fade_ms;
			st->run.fade_timer = loop_add_timer(st->loop, to_fade > 0 ? to_fade : 0,
			    fade_slot_timer, st);
			st->run.end_timer = loop_add_timer(st->loop, to_end, end_slot_timer, st);
		} else {
			log_notice("%s: slot %s is no longer on air", why, st->run.name);
			cancel_run_timers(st);
			stop_all(st, 200, "interrupted", why);
			st->run.active = false;
			playlist_free(st->run.pl);
			st->run.pl = NULL;
		}
	}
	station_plan(st);
}

static void
clock_stepped(void *arg)
{
	struct station *st = arg;

	log_notice("the wall clock was set; re-planning the timetable");
	replan(st, "clock changed");
}

void
station_apply_config(struct station *st, struct config *cfg)
{
	struct config *old = st->cfg;

	/* The run's slot pointer goes into the old config: re-resolve first. */
	st->cfg = cfg;
	if (st->run.active) {
		struct slot_instance cur;
		if (timetable_current(cfg, time(NULL), &cur) &&
		    strcmp(cur.slot->name, st->run.name) == 0 &&
		    cur.start == st->run.inst.start)
			st->run.inst.slot = cur.slot;
		else
			st->run.inst.slot = NULL;
	}
	if (st->run.active && st->run.inst.slot == NULL) {
		cancel_run_timers(st);
		stop_all(st, st->cfg->audio.fade_ms, "interrupted", "timetable changed");
		st->run.active = false;
		playlist_free(st->run.pl);
		st->run.pl = NULL;
	}
	player_set_device(st->player, cfg->audio.device, cfg->audio.buffer_ms);
	player_set_preroll(st->player, cfg->audio.preroll_ms);
	if (st->log != NULL)
		playedlog_set_keep_days(st->log, cfg->log.keep_days);
	if (st->bulletins != NULL)
		bulletins_reconfigure(st->bulletins, cfg);
	player_set_volume(st->player, effective_volume(st));
	config_free(old);
	replan(st, "timetable changed");
	log_notice("configuration %s reloaded", cfg->path);
}

/* ---- life cycle ---- */

struct station *
station_create(struct config *cfg, struct loop *loop, char *err, size_t errlen)
{
	struct station *st = xcalloc(1, sizeof(*st));
	char lerr[512];

	st->cfg = cfg;
	st->loop = loop;
	st->started_at = time(NULL);
	if (mkdir_p(cfg->paths.state, 0755) < 0)
		log_warn("cannot create state folder %s: %s; resume after a restart "
		    "will not work", cfg->paths.state, strerror(errno));
	prefs_load(cfg->paths.state, &st->prefs);
	st->log = playedlog_open(cfg->paths.played_log, lerr, sizeof(lerr));
	if (st->log == NULL) {
		log_warn("as-played log: %s; items are logged here instead", lerr);
	} else {
		playedlog_set_keep_days(st->log, cfg->log.keep_days);
		playedlog_attach_loop(st->log, loop);
	}
	struct player_config pc = {
		.device = cfg->audio.device,
		.buffer_ms = cfg->audio.buffer_ms,
		.volume = effective_volume(st),
		.unpaced = !cfg->audio.pace,
		.preroll_ms = cfg->audio.preroll_ms,
	};
	st->player = player_create(&pc, err, errlen);
	if (st->player == NULL) {
		playedlog_close(st->log);
		free(st);
		return NULL;
	}
	loop_add_fd(loop, player_event_fd(st->player), POLLIN, player_readable, st);
	struct bulletin_hooks hooks = {
		.ctx = st,
		.accepted = on_bulletin_accepted,
		.cancelled = on_bulletin_cancelled,
		.rejected = on_bulletin_rejected,
	};
	st->bulletins = bulletins_create(cfg, loop, &hooks, lerr, sizeof(lerr));
	if (st->bulletins == NULL)
		log_err("bulletins: %s; no bulletin will be fetched or aired", lerr);
	loop_on_clock_step(loop, clock_stepped, st);
	if (st->prefs.muted)
		log_notice("station is muted (loaxactl unmute to air again)");
	station_plan(st);
	/* Bulletins queued before a restart (an emergency with plays left)
	 * take the air now, not at the next slot or acceptance. */
	fill(st);
	return st;
}

void
station_shutdown(struct station *st)
{
	int64_t deadline = mono_ms() + SHUTDOWN_WAIT_MS;
	struct player_event ev;

	cancel_run_timers(st);
	if (st->bulletin_timer)
		loop_cancel_timer(st->loop, st->bulletin_timer);
	st->bulletin_timer = 0;
	if (pending_count(st) == 0)
		return;
	stop_all(st, 0, "interrupted", "shutdown");
	/* Wait for the player's last events so every item is logged. */
	while (pending_count(st) > 0 && mono_ms() < deadline) {
		struct pollfd pfd = { player_event_fd(st->player), POLLIN, 0 };
		poll(&pfd, 1, (int)(deadline - mono_ms()));
		while (player_next_event(st->player, &ev)) {
			struct air_item *it = find_item(st, ev.id);
			if (it != NULL && ev.type == PEV_FINISHED) {
				item_finished(st, it, &ev);
				it->used = false;
			} else if (it != NULL) {
				it->started = true;
				it->start = ev.when;
			}
		}
	}
}

void
station_destroy(struct station *st)
{
	if (st == NULL)
		return;
	loop_remove_fd(st->loop, player_event_fd(st->player));
	bulletins_destroy(st->bulletins);
	player_destroy(st->player);
	playedlog_close(st->log);
	playlist_free(st->run.pl);
	config_free(st->cfg);
	free(st);
}

const struct config *
station_config(const struct station *st)
{
	return st->cfg;
}

/* ---- operator commands ---- */

static const struct air_item *
on_air_item(const struct station *st)
{
	const struct air_item *best = NULL;

	for (size_t i = 0; i < INFLIGHT_MAX; i++) {
		const struct air_item *it = &st->inflight[i];
		if (it->used && it->started && it->kind != NULL &&
		    (best == NULL || timespec_diff_s(&it->start, &best->start) < 0))
			best = it;
	}
	return best;
}

static bool
anything_playing(const struct station *st)
{
	return pending_count(st) > 0;
}

/* Something waits in the player's queue, and all of it is the program's
 * (dropping it only rewinds the program; nothing else would be lost). */
static bool
only_program_items_waiting(const struct station *st)
{
	bool any = false;

	for (size_t i = 0; i < INFLIGHT_MAX; i++) {
		const struct air_item *it = &st->inflight[i];
		if (!it->used || it->started)
			continue;
		if (!it->from_program)
			return false;
		any = true;
	}
	return any;
}

static int
queue_op(struct station *st, const char *path, const char *kind,
    enum player_source source, char *err, size_t errlen)
{
	if (st->nops == ARRAY_LEN(st->ops)) {
		snprintf(err, errlen, "the operator queue is full (%zu items)", st->nops);
		return -1;
	}
	struct op_item *op = &st->ops[st->nops++];
	snprintf(op->path, sizeof(op->path), "%s", path);
	op->kind = kind;
	op->source = source;
	return 0;
}

int
station_play(struct station *st, const char *what, bool now, char *err, size_t errlen)
{
	if (st->prefs.muted) {
		snprintf(err, errlen, "the station is muted; unmute it first");
		return -1;
	}
	size_t before = st->nops;
	if (str_has_prefix(what, "playlist:")) {
		const char *name = what + strlen("playlist:");
		char *path = m3u_find(st->cfg->paths.playlists, name);
		char perr[512];
		struct playlist *pl = path ? m3u_load(path, perr, sizeof(perr)) : NULL;
		if (path == NULL)
			snprintf(perr, sizeof(perr), "no playlist %s.m3u or %s.m3u8 in %s",
			    name, name, st->cfg->paths.playlists);
		free(path);
		if (pl == NULL) {
			snprintf(err, errlen, "%s", perr);
			return -1;
		}
		for (size_t i = 0; i < pl->nentries; i++) {
			if (queue_op(st, pl->entries[i].location, "playlist", SRC_FILE,
			    err, errlen) < 0) {
				st->nops = before;
				playlist_free(pl);
				return -1;
			}
		}
		playlist_free(pl);
	} else {
		if (access(what, R_OK) < 0) {
			snprintf(err, errlen, "%s: %s", what, strerror(errno));
			return -1;
		}
		if (queue_op(st, what, "file", SRC_FILE, err, errlen) < 0)
			return -1;
	}
	log_notice("operator: play %s%s", what, now ? " now" : "");
	if (now && anything_playing(st)) {
		/* What was asked for must be first: move it to the front. */
		struct op_item asked[ARRAY_LEN(st->ops)];
		size_t n = st->nops - before;
		memcpy(asked, &st->ops[before], n * sizeof(asked[0]));
		memmove(&st->ops[n], &st->ops[0], before * sizeof(asked[0]));
		memcpy(&st->ops[0], asked, n * sizeof(asked[0]));
		stop_all(st, 200, "interrupted", "operator");
		return 0;
	}
	/* Right after the item on air: the program's next item, already with
	 * the player for a gapless join, goes back to wait its turn. */
	if (only_program_items_waiting(st))
		player_drop_queued(st->player);
	fill(st);
	return 0;
}

int
station_stop(struct station *st, char *err, size_t errlen)
{
	if (!anything_playing(st)) {
		snprintf(err, errlen, "nothing is on air");
		return -1;
	}
	st->nops = 0;
	if (st->run.active)
		st->run.stopped = true;
	stop_all(st, 200, "interrupted", "operator");
	log_notice("operator: stop%s", st->run.active ? "; silent until the slot ends" : "");
	return 0;
}

int
station_skip(struct station *st, char *err, size_t errlen)
{
	if (!anything_playing(st)) {
		snprintf(err, errlen, "nothing is on air");
		return -1;
	}
	stop_all(st, 100, "interrupted", "skipped by operator");
	log_notice("operator: skip");
	return 0;
}

int
station_set_volume(struct station *st, int volume, char *err, size_t errlen)
{
	if (volume < 0 || volume > 100) {
		snprintf(err, errlen, "volume must be 0 to 100, not %d", volume);
		return -1;
	}
	st->prefs.volume = volume;
	player_set_volume(st->player, volume);
	prefs_save(st->cfg->paths.state, &st->prefs);
	log_notice("operator: volume %d", volume);
	return 0;
}

int
station_mute(struct station *st, bool mute, bool all, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	st->prefs.muted = mute;
	st->prefs.muted_all = mute && all;
	prefs_save(st->cfg->paths.state, &st->prefs);
	if (mute) {
		log_notice("operator: mute%s: nothing airs%s", all ? " --all" : "",
		    all ? ", not even emergencies" : " except emergencies");
		st->nops = 0;
		if (anything_playing(st))
			stop_all(st, 200, "interrupted", "muted");
	} else {
		log_notice("operator: unmute");
		fill(st);
	}
	return 0;
}

int
station_test_tone(struct station *st, char *err, size_t errlen)
{
	if (st->prefs.muted) {
		snprintf(err, errlen, "the station is muted; unmute it first");
		return -1;
	}
	if (queue_op(st, "1 kHz test tone", "test", SRC_TONE, err, errlen) < 0)
		return -1;
	log_notice("operator: test tone");
	fill(st);
	return 0;
}

void
station_get_status(struct station *st, struct station_status *out)
{
	const struct air_item *it = on_air_item(st);
	struct player_stats ps;

	player_get_stats(st->player, &ps);
	*out = (struct station_status){
		.slot = st->run.active ? st->run.name : NULL,
		.slot_start = st->run.inst.start,
		.slot_end = st->run.inst.end,
		.item_length_s = -1,
		.next_slot = st->plan_next_name[0] ? st->plan_next_name : NULL,
		.next_slot_start = st->plan_next_start,
		.volume = effective_volume(st),
		.muted = st->prefs.muted,
		.muted_all = st->prefs.muted_all,
		.device_ok = st->device_error[0] == '\0',
		.device = st->cfg->audio.device,
		.device_error = st->device_error[0] ? st->device_error : NULL,
		.underruns = ps.underruns,
		.started_at = st->started_at,
	};
	if (it != NULL) {
		struct timespec now = real_now();
		out->item_kind = it->kind;
		out->item_source = it->source;
		out->item_elapsed_s = timespec_diff_s(&now, &it->start);
		out->item_length_s = it->length_s > 0 ? it->length_s : -1;
	}
}

struct bulletins *
station_bulletins(struct station *st)
{
	return st->bulletins;
}

void
station_on_played(struct station *st, void (*fn)(void *ctx), void *ctx)
{
	st->played_fn = fn;
	st->played_ctx = ctx;
}
