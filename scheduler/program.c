/*
 * program: the cursor over the program of the slot on air. Walks its steps
 * (chime, file, silence, playlist entries, the bulletins step, relays), skips
 * and logs what cannot air, and loops a looping program pass after pass.
 * Where it stands is st->run.fill (struct program_pos, scheduler/program.h),
 * which scheduler/resume keeps on disk.
 */
#include "scheduler/program.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "playlists/m3u.h"
#include "scheduler/notices.h"
#include "scheduler/station_int.h"

bool
program_pos_before(const struct program_pos *a, const struct program_pos *b)
{
	if (a->pass != b->pass)
		return a->pass < b->pass;
	if (a->step != b->step)
		return a->step < b->step;
	return a->entry < b->entry;
}

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
		onair_log_unaired(st, "playlist", step->arg, "failed", err);
		return false;
	}
	run->pl_step = run->fill.step;
	return true;
}

/* What the program adds to an item described elsewhere (the chime, a
 * bulletin): its slot's volume and its place in the program. */
static void
as_program_item(const struct slot_run *run, const struct program_pos *pos,
    struct player_item *pi, struct air_item *meta)
{
	pi->volume = run->inst.slot->volume >= 0 ? run->inst.slot->volume : 100;
	meta->from_program = true;
	meta->pos = *pos;
	snprintf(meta->slot, sizeof(meta->slot), "%s", run->name);
}

/*
 * The operator's notices due today with airings left, after the province's
 * bulletins in a bulletins step: each at most once per step, in the order
 * they were added. Counted when an airing completes (station.c).
 */
static bool
next_notice(struct station *st, struct player_item *pi, struct air_item *meta)
{
	struct slot_run *run = &st->run;
	char today[11], source[64];

	if (st->notices == NULL)
		return false;
	notices_day_of(station_time(st), today);
	for (size_t i = 0; i < notices_count(st->notices); i++) {
		const struct notice *no = notices_at(st->notices, i);
		if (no->id <= run->notice_after || notices_left_on(no, today) <= 0 ||
		    onair_has_notice(st, no->id))
			continue;
		run->notice_after = no->id;
		if (no->audio == NULL) {
			snprintf(source, sizeof(source), "notice %u", no->id);
			onair_log_unaired(st, "notice", source, "skipped",
			    "its text was never spoken (no speech synthesis when it was saved)");
			continue;
		}
		*pi = (struct player_item){ .source = SRC_FILE, .volume = 100 };
		snprintf(pi->path, sizeof(pi->path), "%s", no->audio);
		*meta = (struct air_item){ .kind = "notice", .notice_id = no->id };
		snprintf(meta->source, sizeof(meta->source), "%s", no->audio);
		snprintf(meta->title, sizeof(meta->title), "%s", no->title);
		return true;
	}
	return false;
}

/*
 * A relay step: the live stream until the slot ends (it never ends by
 * itself); its fallback airs while the stream is down (audio/relay.h).
 */
static void
describe_relay(struct station *st, const char *name, struct player_item *pi,
    struct air_item *meta)
{
	const struct relay_conf *r = NULL;
	char *pl;

	for (size_t i = 0; i < st->cfg->nrelays && !r; i++)
		if (strcmp(st->cfg->relays[i].name, name) == 0)
			r = &st->cfg->relays[i];
	pi->source = SRC_RELAY;
	meta->kind = "relay";
	if (!r)
		return;	/* config_load refuses a step naming no relay */
	snprintf(pi->path, sizeof(pi->path), "%s", r->url);
	snprintf(meta->source, sizeof(meta->source), "%s", r->url);
	snprintf(pi->relay.name, sizeof(pi->relay.name), "%s", r->name);
	pi->relay.gain_db = r->gain_db;
	switch (r->fallback.kind) {
	case STEP_FILE:
		snprintf(pi->relay.fallback, sizeof(pi->relay.fallback), "%s", r->fallback.arg);
		break;
	case STEP_PLAYLIST:
		pl = m3u_find(st->cfg->paths.playlists, r->fallback.arg);
		if (pl)
			snprintf(pi->relay.fallback, sizeof(pi->relay.fallback), "%s", pl);
		else
			log_warn("relay %s: no playlist %s in %s; silence airs while it is down",
			    r->name, r->fallback.arg, st->cfg->paths.playlists);
		free(pl);
		break;
	default:
		break;	/* silence */
	}
}

bool
program_next_item(struct station *st, struct player_item *pi, struct air_item *meta)
{
	struct slot_run *run = &st->run;
	const struct slot *slot = run->inst.slot;

	for (;;) {
		if (run->fill.step >= slot->nsteps) {
			if (!slot->loop) {
				run->program_done = true;
				return false;
			}
			if (!run->pass_started && onair_pending(st) > 0)
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
		*pi = (struct player_item){ 0 };
		*meta = (struct air_item){ 0 };
		as_program_item(run, &run->fill, pi, meta);
		switch (step->kind) {
		case STEP_CHIME:
			onair_describe_chime(st, pi, meta);
			as_program_item(run, &run->fill, pi, meta);
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
				onair_log_unaired(st, "playlist", e->location, "skipped",
				    "streams in playlists are not supported; use a relay step");
				run->fill.entry++;
				continue;
			}
			if (access(e->location, R_OK) < 0) {
				char reason[PATH_MAX + 64];
				snprintf(reason, sizeof(reason), "missing: %s", strerror(errno));
				onair_log_unaired(st, "playlist", e->location, "skipped", reason);
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
			    bulletins_next_after(st->bulletins, PRIO_NORMAL, station_time(st),
			    run->bulletin_seq);
			if (b != NULL && onair_has_bulletin(st, b->key)) {
				run->bulletin_seq = b->seq;
				continue;
			}
			if (b == NULL && next_notice(st, pi, meta)) {
				as_program_item(run, &run->fill, pi, meta);
				meta->next = run->fill;
				return true;
			}
			if (b == NULL) {
				run->fill.step++;
				run->fill.entry = 0;
				run->bulletin_seq = 0;
				run->notice_after = 0;
				continue;
			}
			run->bulletin_seq = b->seq;
			breaks_announce_if_test(st, b, &(struct timespec){ 0, 0 });
			breaks_describe_bulletin(st, b, pi, meta);
			as_program_item(run, &run->fill, pi, meta);
			meta->next = run->fill;
			return true;
		}
		case STEP_RELAY:
			describe_relay(st, step->arg, pi, meta);
			break;
		}
		run->fill.step++;
		run->fill.entry = 0;
		meta->next = run->fill;
		return true;
	}
}

