/*
 * breaks: bulletins that break into the schedule. An emergency holds the
 * air (a 200 ms fade, the chime, the bulletin, repeats); priority bulletins
 * go first in a slot, before its program goes on. Owns the one timer for
 * the next repeat that falls due and the bulletin queue's hooks (accepted,
 * cancelled, rejected). Normal bulletins air in the program's bulletins step
 * (scheduler/program.c), described here too.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/util.h"
#include "scheduler/station_int.h"

/* Repeats of an emergency closer than this keep the air between them. */
#define EMERGENCY_HOLD_S 60

void
breaks_describe_bulletin(const struct station *st, const struct bulletin *b,
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
	snprintf(meta->language, sizeof(meta->language), "%s", b->language ? b->language : "");
	meta->speech = b->speech;
	if (st->run.active)
		snprintf(meta->slot, sizeof(meta->slot), "%s", st->run.name);
}

/* A test message is announced as one, so no listener takes an exercise
 * for a real warning: in speech ("Đây là bản tin thử nghiệm…", in the
 * bulletin's language when loaxad has the words), or a second of the 1 kHz
 * test tone when the announcement could not be synthesised. */
void
breaks_announce_if_test(struct station *st, const struct bulletin *b, struct timespec *start_at)
{
	struct player_item pi = { .source = SRC_TONE, .silence_s = 1.0, .volume = 100 };

	if (b->announce_path != NULL) {
		pi.source = SRC_FILE;
		snprintf(pi.path, sizeof(pi.path), "%s", b->announce_path);
	}

	/* The announcement takes the bulletin's mark, if it had one. */
	pi.start_at = *start_at;
	if (b->is_test)
		*start_at = (struct timespec){ 0, 0 };
	struct air_item meta = { .kind = NULL, .urgent = b->priority == PRIO_EMERGENCY };

	if (b->is_test)
		onair_submit(st, &pi, &meta);
}

static void
bulletin_timer_fired(void *arg)
{
	struct station *st = arg;

	st->bulletin_timer = 0;
	station_fill(st);
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
	int64_t ms = station_ms_until(st, due);
	st->bulletin_timer = loop_add_timer(st->loop, ms > 0 ? ms : 0,
	    bulletin_timer_fired, st);
}

/*
 * An emergency holds the air: what plays is interrupted (a fade of 200 ms),
 * then the chime and the bulletin, `plays` times, `interval` apart; the
 * schedule waits meanwhile and goes on afterwards. True while it holds.
 */
bool
breaks_fill_emergency(struct station *st)
{
	time_t now = station_time(st);

	if (st->bulletins == NULL || st->prefs.muted_all)
		return false;
	time_t due = bulletins_next_due(st->bulletins, PRIO_EMERGENCY, now);
	/* A short wait between repeats holds the air; a long one gives it
	 * back to the schedule until the repeat falls due. */
	if (due > now + EMERGENCY_HOLD_S && !onair_any_urgent(st)) {
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
		if (onair_any_non_urgent(st))
			onair_stop_all(st, 200, "interrupted", "emergency bulletin");
	}
	if (onair_any_non_urgent(st) || onair_pending(st) > 0)
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
	onair_describe_chime(st, &pi, &meta);
	meta.urgent = true;
	onair_submit(st, &pi, &meta);
	breaks_announce_if_test(st, b, &(struct timespec){ 0, 0 });
	breaks_describe_bulletin(st, b, &pi, &meta);
	meta.urgent = true;
	onair_submit(st, &pi, &meta);
	return true;
}

/* Priority bulletins air first in a slot, before its program goes on. */
bool
breaks_fill_priority(struct station *st)
{
	time_t now = station_time(st);

	if (st->bulletins == NULL)
		return false;
	while (onair_pending(st) < FEED_AHEAD) {
		const struct bulletin *b = bulletins_next(st->bulletins, PRIO_PRIORITY, now);
		if (b == NULL || onair_has_bulletin(st, b->key))
			break;
		struct player_item pi;
		struct air_item meta;
		breaks_describe_bulletin(st, b, &pi, &meta);
		if (onair_pending(st) == 0 && station_ms_until(st, st->run.inst.start) > 0)
			pi.start_at = (struct timespec){ st->run.inst.start, 0 };
		breaks_announce_if_test(st, b, &pi.start_at);
		if (!onair_submit(st, &pi, &meta))
			break;
	}
	time_t due = bulletins_next_due(st->bulletins, PRIO_PRIORITY, now);
	if (due > now)
		arm_bulletin_timer(st, due);
	return false;
}

void
breaks_finished(struct station *st, const struct air_item *it,
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
	station_fill(st);
}

static void
on_bulletin_cancelled(void *ctx, const char *identifier, const char *key)
{
	struct station *st = ctx;

	log_notice("bulletin %s cancelled%s", identifier,
	    onair_has_bulletin(st, key) ? "; the airing under way finishes" : "");
}

static void
on_bulletin_rejected(void *ctx, const char *identifier, const char *reason)
{
	struct station *st = ctx;
	struct air_item it = { .kind = "bulletin", .is_bulletin = true,
	    .priority = PRIO_NORMAL, .no_priority = true };
	struct timespec now = station_now(st);

	snprintf(it.source, sizeof(it.source), "%s", identifier);
	snprintf(it.bulletin_id, sizeof(it.bulletin_id), "%s", identifier);
	snprintf(it.slot, sizeof(it.slot), "%s", st->run.active ? st->run.name : "");
	onair_log_played(st, &it, "skipped", reason, &now, 0.0);
}


struct bulletin_hooks
breaks_hooks(struct station *st)
{
	return (struct bulletin_hooks){
		.ctx = st,
		.accepted = on_bulletin_accepted,
		.cancelled = on_bulletin_cancelled,
		.rejected = on_bulletin_rejected,
	};
}

void
breaks_cancel_timer(struct station *st)
{
	if (st->bulletin_timer)
		loop_cancel_timer(st->loop, st->bulletin_timer);
	st->bulletin_timer = 0;
}
