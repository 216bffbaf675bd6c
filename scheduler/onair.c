/*
 * onair: the station's in-flight table (every item handed to the player,
 * with what its as-played line needs) and the as-played queue (lines for
 * items that never reached the player, held so the log reads in airing
 * order). See scheduler/station_int.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/playedlog.h"
#include "core/util.h"
#include "scheduler/station_int.h"

/* ---- the as-played log ---- */

void
onair_log_played(struct station *st, const struct air_item *it, const char *result,
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
		.language = it->is_bulletin && it->language[0] ? it->language : NULL,
		.speech = it->is_bulletin && it->speech,
		.title = it->title[0] ? it->title : NULL,
		.relay = it->kind != NULL && strcmp(it->kind, "relay") == 0,
		.live_s = it->live_s,
		.outages = it->outages,
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

static void
write_unaired(struct station *st, const struct unaired *u, const struct timespec *when)
{
	struct air_item it = { .kind = u->kind };

	snprintf(it.source, sizeof(it.source), "%s", u->source);
	snprintf(it.slot, sizeof(it.slot), "%s", u->slot);
	onair_log_played(st, &it, u->result, u->reason, when, 0.0);
}

/*
 * A program item that never reached the player (skipped, or failed at once).
 * The program is fed one item ahead, so while something is on air the line
 * waits for that item's end: the log then reads in airing order.
 */
void
onair_log_unaired(struct station *st, const char *kind, const char *source,
    const char *result, const char *reason)
{
	struct unaired u = { .kind = kind, .result = result };
	struct timespec now = station_now(st);

	snprintf(u.source, sizeof(u.source), "%s", source);
	snprintf(u.reason, sizeof(u.reason), "%s", reason);
	snprintf(u.slot, sizeof(u.slot), "%s", st->run.active ? st->run.name : "");
	if (onair_pending(st) == 0 || st->nunaired == ARRAY_LEN(st->unaired))
		write_unaired(st, &u, &now);
	else
		st->unaired[st->nunaired++] = u;
}

void
onair_flush_unaired(struct station *st, const struct timespec *when)
{
	for (size_t i = 0; i < st->nunaired; i++)
		write_unaired(st, &st->unaired[i], when);
	st->nunaired = 0;
}

/* ---- handing items to the player ---- */

size_t
onair_pending(const struct station *st)
{
	size_t n = 0;

	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		n += st->inflight[i].used;
	return n;
}

struct air_item *
onair_find(struct station *st, uint64_t id)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && st->inflight[i].id == id)
			return &st->inflight[i];
	return NULL;
}

bool
onair_submit(struct station *st, struct player_item *pi, const struct air_item *meta)
{
	struct air_item *slot = NULL;

	for (size_t i = 0; i < INFLIGHT_MAX && slot == NULL; i++)
		if (!st->inflight[i].used)
			slot = &st->inflight[i];
	if (slot == NULL)
		return false;
	pi->id = ++st->next_id;
	/* The player keeps marks on CLOCK_REALTIME (see on_station_clock). */
	int64_t shift = loop_clock_shift_ms(st->loop);
	if (shift != 0 && (pi->start_at.tv_sec != 0 || pi->start_at.tv_nsec != 0))
		pi->start_at = timespec_add_ms(pi->start_at, -shift);
	if (!player_enqueue(st->player, pi))
		return false;
	*slot = *meta;
	slot->used = true;
	slot->id = pi->id;
	return true;
}

void
onair_stop_all(struct station *st, int fade_ms, const char *result, const char *reason)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++) {
		if (!st->inflight[i].used)
			continue;
		st->inflight[i].stop_result = result;
		st->inflight[i].stop_reason = reason;
	}
	player_stop(st->player, fade_ms);
}

/* ---- what the table holds ---- */

bool
onair_has_bulletin(const struct station *st, const char *key)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && st->inflight[i].is_bulletin &&
		    strcmp(st->inflight[i].bulletin_key, key) == 0)
			return true;
	return false;
}

bool
onair_has_notice(const struct station *st, unsigned id)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && st->inflight[i].notice_id == id)
			return true;
	return false;
}

bool
onair_any_urgent(const struct station *st)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && st->inflight[i].urgent)
			return true;
	return false;
}

bool
onair_any_non_urgent(const struct station *st)
{
	for (size_t i = 0; i < INFLIGHT_MAX; i++)
		if (st->inflight[i].used && !st->inflight[i].urgent)
			return true;
	return false;
}

const struct air_item *
onair_current(const struct station *st)
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

/* Dropping what waits would only rewind the program: nothing else is lost. */
bool
onair_only_program_waiting(const struct station *st)
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

void
onair_describe_chime(const struct station *st, struct player_item *pi, struct air_item *meta)
{
	*pi = (struct player_item){ .source = SRC_CHIME, .volume = 100 };
	snprintf(pi->path, sizeof(pi->path), "%s", st->cfg->audio.chime);
	*meta = (struct air_item){ .kind = "chime" };
	snprintf(meta->source, sizeof(meta->source), "%s",
	    pi->path[0] ? pi->path : "built-in chime");
	if (st->run.active)
		snprintf(meta->slot, sizeof(meta->slot), "%s", st->run.name);
}
