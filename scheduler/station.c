/*
 * The station's main room: the slot life cycle (begin, fade, end), the plan
 * (which slot is on, which comes next), replan after a clock step or a
 * reload, and station_fill, the one place that decides what airs now. The
 * other rooms are listed in scheduler/station_int.h.
 */
#include "scheduler/station.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/playedlog.h"
#include "core/util.h"
#include "scheduler/notices.h"
#include "playlists/m3u.h"
#include "scheduler/station_int.h"

/* Long timers are re-armed in steps so that a slewed clock cannot drift a
 * slot's start by more than a few ms. */
#define APPROACH_MS (10 * 60 * 1000)
#define SHUTDOWN_WAIT_MS 1500

static void station_plan(struct station *st);

struct timespec
station_now(const struct station *st)
{
	return loop_now(st->loop);
}

time_t
station_time(const struct station *st)
{
	return station_now(st).tv_sec;
}

int64_t
station_ms_until(const struct station *st, time_t when)
{
	struct timespec now = station_now(st);
	struct timespec t = { when, 0 };

	return (int64_t)(timespec_diff_s(&t, &now) * 1000.0);
}

static int
effective_volume(const struct station *st)
{
	return st->prefs.volume >= 0 ? st->prefs.volume : st->cfg->audio.volume;
}

/* ---- what airs now ---- */

static bool
muted(struct station *st)
{
	return st->prefs.muted;
}

static bool
no_program(struct station *st)
{
	return !st->run.active || st->run.stopped || st->run.program_done;
}

/* The slot's program, as far as FEED_AHEAD allows. */
static bool
fill_program(struct station *st)
{
	struct slot_run *run = &st->run;

	while (onair_pending(st) < FEED_AHEAD) {
		struct player_item pi;
		struct air_item meta;
		bool first = onair_pending(st) == 0;

		if (!program_next_item(st, &pi, &meta))
			break;
		/* The first item of a slot is timed to the mark; the player
		 * pre-rolls the card so the first sample lands on it. */
		if (first && station_ms_until(st, run->inst.start) > 0)
			pi.start_at = (struct timespec){ run->inst.start, 0 };
		if (!onair_submit(st, &pi, &meta)) {
			run->fill = meta.pos;
			break;
		}
	}
	return true;
}

/*
 * What may take the air, strongest first. Each source hands the player what
 * it has (as far as FEED_AHEAD allows) and returns true when it holds the
 * air: nothing below it airs then. A new source (a notice, quiet hours, a
 * relay break) is one function and one line here.
 */
static bool (*const what_airs[])(struct station *) = {
	breaks_fill_emergency,	/* even when muted (not when muted --all) */
	muted,			/* loaxactl mute: only emergencies air */
	operator_fill,		/* loaxactl play, test-tone */
	no_program,		/* no slot on air, or it was stopped or is over */
	breaks_fill_priority,	/* first in a slot; never holds the air */
	fill_program,		/* the slot's program */
};

void
station_fill(struct station *st)
{
	/* The card is away: the retry timer fills again. */
	if (st->retry_timer != 0)
		return;
	for (size_t i = 0; i < ARRAY_LEN(what_airs); i++)
		if (what_airs[i](st))
			return;
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
cancel_run_timers(struct station *st)
{
	if (st->run.fade_timer)
		loop_cancel_timer(st->loop, st->run.fade_timer);
	if (st->run.end_timer)
		loop_cancel_timer(st->loop, st->run.end_timer);
	st->run.fade_timer = st->run.end_timer = 0;
}

/* The slot is off the air. With a reason, what still plays is stopped
 * (logged interrupted with it, after a fade of fade_ms). */
static void
end_run(struct station *st, int fade_ms, const char *reason)
{
	cancel_run_timers(st);
	if (reason != NULL)
		onair_stop_all(st, fade_ms, "interrupted", reason);
	st->run.active = false;
	playlist_free(st->run.pl);
	st->run.pl = NULL;
}

static void
end_slot_timer(void *arg)
{
	struct station *st = arg;

	st->run.end_timer = 0;
	log_info("slot %s ended", st->run.name);
	end_run(st, 0, NULL);
	station_plan(st);
	station_air_changed(st);
}

static void
fade_slot_timer(void *arg)
{
	struct station *st = arg;

	st->run.fade_timer = 0;
	st->run.program_done = true;
	/* An emergency break is not the slot's: it is never cut. */
	if (onair_pending(st) > 0 && !st->emergency)
		onair_stop_all(st, st->cfg->audio.fade_ms, "cut", "slot ended");
}

/* The fade starts audio.fade_ms before the slot's end, so its last sound
 * dies away on the end. */
static void
arm_run_timers(struct station *st)
{
	int64_t to_end = station_ms_until(st, st->run.inst.end);
	int64_t to_fade = to_end - st->cfg->audio.fade_ms;

	cancel_run_timers(st);
	st->run.fade_timer = loop_add_timer(st->loop, to_fade > 0 ? to_fade : 0,
	    fade_slot_timer, st);
	st->run.end_timer = loop_add_timer(st->loop, to_end > 0 ? to_end : 0,
	    end_slot_timer, st);
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
	arm_run_timers(st);
	station_fill(st);
	station_air_changed(st);
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
	time_t now = station_time(st);
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
	int64_t wait = station_ms_until(st, next.start) - st->cfg->audio.preroll_ms;
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
	station_fill(st);
}

/* A notice's airing counts when it completed, or failed for its file (so a
 * broken recording cannot hold the step for ever); not for a missing card. */
static void
notice_finished(struct station *st, const struct air_item *it,
    const struct player_event *ev)
{
	char day[11], err[512];

	if (st->notices == NULL || !(ev->result == PLAY_COMPLETED ||
	    (ev->result == PLAY_FAILED && !ev->device_error)))
		return;
	notices_day_of(it->started ? it->start.tv_sec : ev->when.tv_sec, day);
	if (notices_aired(st->notices, it->notice_id, day, err, sizeof(err)) < 0)
		log_warn("notice %u: %s; its airing is counted until a restart",
		    it->notice_id, err);
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
	it->live_s = ev->live_s;
	it->outages = ev->outages;
	if (aired) {
		onair_log_played(st, it, result, reason, &ev->when, ev->played_s);
		onair_flush_unaired(st, &ev->when);
	}
	if (it->is_bulletin)
		breaks_finished(st, it, ev);
	if (it->notice_id != 0)
		notice_finished(st, it, ev);

	if (!it->from_program || !st->run.active || strcmp(it->slot, st->run.name) != 0)
		return;
	if (it->kind != NULL && strcmp(it->kind, "relay") == 0 && ev->result == PLAY_STOPPED &&
	    it->stop_result != NULL && strcmp(it->stop_result, "interrupted") == 0 &&
	    (it->stop_reason == NULL || strcmp(it->stop_reason, "shutdown") != 0)) {
		/* A relay interrupted (an emergency) goes on live afterwards. */
		st->run.fill = it->pos;
		st->run.program_done = false;
		return;
	}
	if (!aired) {
		/* Dropped before it aired: the program goes back to it. */
		if (program_pos_before(&it->pos, &st->run.fill)) {
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

/* The player stamps its events with CLOCK_REALTIME; the station lives on
 * the loop's clock (the same, but in a unit test with a fake clock). */
static struct player_event
on_station_clock(const struct station *st, const struct player_event *pev)
{
	struct player_event ev = *pev;
	int64_t shift = loop_clock_shift_ms(st->loop);

	if (shift != 0)
		ev.when = timespec_add_ms(ev.when, shift);
	return ev;
}

static void
handle_event(struct station *st, const struct player_event *pev)
{
	struct player_event evs = on_station_clock(st, pev);
	const struct player_event *ev = &evs;
	struct air_item *it = onair_find(st, ev->id);

	if (it == NULL)
		return;
	if (ev->type == PEV_STARTED) {
		it->started = true;
		it->start = ev->when;
		it->length_s = ev->length_s;
		if (it->from_program && st->run.active && strcmp(it->slot, st->run.name) == 0)
			st->run.pass_started = true;
		station_fill(st);
		station_air_changed(st);
		return;
	}
	if (ev->device_error) {
		if (st->device_error[0] == '\0')
			log_warn("%s; retrying", ev->reason);
		snprintf(st->device_error, sizeof(st->device_error), "%.255s", ev->reason);
	} else if (ev->started && st->device_error[0]) {
		log_notice("sound card is back");
		st->device_error[0] = '\0';
	}
	item_finished(st, it, ev);
	it->used = false;
	if (onair_pending(st) == 0 && st->nunaired > 0) {
		struct timespec now = station_now(st);
		onair_flush_unaired(st, &now);
	}
	if (ev->device_error && ev->retry_ms > 0 && st->retry_timer == 0)
		st->retry_timer = loop_add_timer(st->loop, ev->retry_ms,
		    retry_timer_fired, st);
	else
		station_fill(st);
	station_air_changed(st);
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
	time_t now = station_time(st);
	struct slot_instance cur;
	bool on = timetable_current(st->cfg, now, &cur);

	if (st->run.active) {
		if (on && cur.start == st->run.inst.start &&
		    strcmp(cur.slot->name, st->run.name) == 0) {
			st->run.inst = cur;
			arm_run_timers(st);
		} else {
			log_notice("%s: slot %s is no longer on air", why, st->run.name);
			end_run(st, 200, why);
		}
	}
	station_plan(st);
	station_air_changed(st);
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
		if (timetable_current(cfg, station_time(st), &cur) &&
		    strcmp(cur.slot->name, st->run.name) == 0 &&
		    cur.start == st->run.inst.start)
			st->run.inst.slot = cur.slot;
		else
			st->run.inst.slot = NULL;
	}
	if (st->run.active && st->run.inst.slot == NULL)
		end_run(st, st->cfg->audio.fade_ms, "timetable changed");
	player_set_device(st->player, cfg->audio.device, cfg->audio.buffer_ms);
	player_set_preroll(st->player, cfg->audio.preroll_ms);
	player_set_loudness(st->player, cfg->audio.loudness);
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
	return station_create_on(cfg, loop, NULL, err, errlen);
}

struct station *
station_create_on(struct config *cfg, struct loop *loop,
    const struct audio_out_ops *output, char *err, size_t errlen)
{
	struct station *st = xcalloc(1, sizeof(*st));
	char lerr[512];

	st->cfg = cfg;
	st->loop = loop;
	st->started_at = station_time(st);
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
	/* Loudness figures, one small file per content hash. */
	char *loudness_dir = xasprintf("%s/loudness", cfg->paths.cache);
	struct player_config pc = {
		.device = cfg->audio.device,
		.buffer_ms = cfg->audio.buffer_ms,
		.volume = effective_volume(st),
		.unpaced = !cfg->audio.pace,
		.preroll_ms = cfg->audio.preroll_ms,
		.output = output,
		.loudness_lufs = cfg->audio.loudness,
		.loudness_cache = loudness_dir,
	};
	st->player = player_create(&pc, err, errlen);
	free(loudness_dir);
	if (st->player == NULL) {
		playedlog_close(st->log);
		free(st);
		return NULL;
	}
	loop_add_fd(loop, player_event_fd(st->player), POLLIN, player_readable, st);
	struct bulletin_hooks hooks = breaks_hooks(st);
	st->bulletins = bulletins_create(cfg, loop, &hooks, lerr, sizeof(lerr));
	if (st->bulletins == NULL)
		log_err("bulletins: %s; no bulletin will be fetched or aired", lerr);
	st->notices = notices_open(cfg->paths.state, lerr, sizeof(lerr));
	if (st->notices == NULL)
		log_err("%s; the operator's notices are unavailable", lerr);
	else if (lerr[0])
		log_warn("%s", lerr);
	loop_on_clock_step(loop, clock_stepped, st);
	if (st->prefs.muted)
		log_notice("station is muted (loaxactl unmute to air again)");
	station_plan(st);
	/* Bulletins queued before a restart (an emergency with plays left)
	 * take the air now, not at the next slot or acceptance. */
	station_fill(st);
	return st;
}

void
station_shutdown(struct station *st)
{
	int64_t deadline = mono_ms() + SHUTDOWN_WAIT_MS;
	struct player_event ev;

	cancel_run_timers(st);
	breaks_cancel_timer(st);
	if (onair_pending(st) == 0)
		return;
	onair_stop_all(st, 0, "interrupted", "shutdown");
	/* Wait for the player's last events so every item is logged. */
	while (onair_pending(st) > 0 && mono_ms() < deadline) {
		struct pollfd pfd = { player_event_fd(st->player), POLLIN, 0 };
		poll(&pfd, 1, (int)(deadline - mono_ms()));
		while (player_next_event(st->player, &ev)) {
			ev = on_station_clock(st, &ev);
			struct air_item *it = onair_find(st, ev.id);
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
	notices_close(st->notices);
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

/* ---- what others read ---- */

void
station_get_status(struct station *st, struct station_status *out)
{
	const struct air_item *it = onair_current(st);
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
		.emergency = st->emergency,
	};
	if (it != NULL) {
		struct timespec now = station_now(st);
		out->item_kind = it->kind;
		out->item_source = it->source;
		out->item_title = it->title[0] ? it->title : NULL;
		out->item_elapsed_s = timespec_diff_s(&now, &it->start);
		out->item_length_s = it->length_s > 0 ? it->length_s : -1;
	}
}

struct bulletins *
station_bulletins(struct station *st)
{
	return st->bulletins;
}

struct notices *
station_notices(struct station *st)
{
	return st->notices;
}

void
station_on_played(struct station *st, void (*fn)(void *ctx), void *ctx)
{
	st->played_fn = fn;
	st->played_ctx = ctx;
}

void
station_on_air_change(struct station *st, void (*fn)(void *ctx), void *ctx)
{
	st->air_fn = fn;
	st->air_ctx = ctx;
}

void
station_air_changed(struct station *st)
{
	if (st->air_fn != NULL)
		st->air_fn(st->air_ctx);
}

/* What the item is, as the operator wrote it: the program's step
 * ("playlist:morning"), or the bulletin, or the kind and file. */
static void
describe_item(const struct station *st, const struct air_item *it, char *buf, size_t len)
{
	const struct slot *slot = st->run.inst.slot;
	const char *base = strrchr(it->source, '/') ? strrchr(it->source, '/') + 1 : it->source;

	if (it->from_program && st->run.active && slot != NULL &&
	    strcmp(it->slot, st->run.name) == 0 && it->pos.step < slot->nsteps &&
	    slot->steps[it->pos.step].text != NULL && !it->is_bulletin)
		snprintf(buf, len, "%s", slot->steps[it->pos.step].text);
	else if (it->is_bulletin)
		snprintf(buf, len, "%s %s (%s)", it->kind, it->bulletin_id,
		    priority_name(it->priority));
	else
		snprintf(buf, len, "%s %s", it->kind, base);
}

void
station_describe_air(struct station *st, char *buf, size_t len)
{
	const struct air_item *it = onair_current(st);
	char what[PATH_MAX + 64], left[32] = "";

	if (it == NULL) {
		if (st->prefs.muted)
			snprintf(buf, len, "muted%s", st->prefs.muted_all ? " (even emergencies)" : "");
		else if (st->run.active)
			snprintf(buf, len, "on air: %s — %s", st->run.name,
			    onair_pending(st) > 0 ? "starting" : "silent");
		else if (st->plan_next_name[0] != '\0') {
			struct tm tm;
			localtime_r(&st->plan_next_start, &tm);
			snprintf(buf, len, "idle until %02d:%02d (%s)", tm.tm_hour, tm.tm_min,
			    st->plan_next_name);
		} else
			snprintf(buf, len, "idle: no slot in the timetable");
		return;
	}
	describe_item(st, it, what, sizeof(what));
	if (it->length_s > 0) {
		struct timespec now = station_now(st);
		double rest = it->length_s - timespec_diff_s(&now, &it->start);
		long s = rest > 0 ? (long)(rest + 0.5) : 0;
		snprintf(left, sizeof(left), ", %ld:%02ld left", s / 60, s % 60);
	}
	if (it->slot[0] != '\0')
		snprintf(buf, len, "on air: %s — %s%s", it->slot, what, left);
	else
		snprintf(buf, len, "on air: %s%s", what, left);
}
