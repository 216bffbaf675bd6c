/*
 * operator: what loaxactl asks of the station: play (a file or a playlist,
 * after what plays or now), stop, skip, mute, volume and the test tone.
 * Owns the operator's queue, which airs before the program goes on; the
 * volume and mute choices are kept on disk (scheduler/resume).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "playlists/m3u.h"
#include "scheduler/station_int.h"

/* Operator items (loaxactl play, test-tone) go before the program. */
bool
operator_fill(struct station *st)
{
	while (st->nops > 0 && onair_pending(st) < FEED_AHEAD) {
		struct op_item *op = &st->ops[0];
		struct player_item pi = { .source = op->source, .volume = 100 };
		struct air_item meta = { .kind = op->kind };

		snprintf(pi.path, sizeof(pi.path), "%s", op->path);
		snprintf(meta.source, sizeof(meta.source), "%s", op->path);
		if (op->source == SRC_TONE)
			pi.silence_s = 5.0;
		if (st->run.active)
			snprintf(meta.slot, sizeof(meta.slot), "%s", st->run.name);
		if (!onair_submit(st, &pi, &meta))
			break;
		memmove(&st->ops[0], &st->ops[1], --st->nops * sizeof(st->ops[0]));
	}
	return st->nops > 0;
}

static bool
anything_playing(const struct station *st)
{
	return onair_pending(st) > 0;
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
		onair_stop_all(st, 200, "interrupted", "operator");
		return 0;
	}
	/* Right after the item on air: the program's next item, already with
	 * the player for a gapless join, goes back to wait its turn. */
	if (onair_only_program_waiting(st))
		player_drop_queued(st->player);
	station_fill(st);
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
	onair_stop_all(st, 200, "interrupted", "operator");
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
	onair_stop_all(st, 100, "interrupted", "skipped by operator");
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
			onair_stop_all(st, 200, "interrupted", "muted");
	} else {
		log_notice("operator: unmute");
		station_fill(st);
	}
	station_air_changed(st);
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
	station_fill(st);
	return 0;
}
