/*
 * station: the brain of loaxad. Owns "what must be on air now": it follows
 * the resolved timetable, runs each slot's program step by step, airs
 * bulletins by priority, cuts at a slot's end, keeps the resume state on
 * disk, and is the only caller of the player. Everything here runs on the
 * event loop thread.
 */
#ifndef LOAXA_STATION_H
#define LOAXA_STATION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/config.h"
#include "core/status.h"

struct loop;
struct station;

struct station *station_create(struct config *cfg, struct loop *loop,
    char *err, size_t errlen);
/* The same on another sound card backend (tests' fake card); NULL is ALSA. */
struct audio_out_ops;
struct station *station_create_on(struct config *cfg, struct loop *loop,
    const struct audio_out_ops *output, char *err, size_t errlen);
/* Takes ownership of cfg, a config that config_load accepted, and applies
 * it (it cannot fail): the slot on air goes on if the new timetable still
 * has it, otherwise it stops and the plan is made again. Frees the old one. */
void station_apply_config(struct station *st, struct config *cfg);
/* Stops what plays (logged interrupted, reason shutdown) and frees. */
void station_shutdown(struct station *st);
void station_destroy(struct station *st);

/* What loaxactl status shows (struct in core/status.h). */
void station_get_status(struct station *st, struct station_status *out);

/* Operator commands (loaxactl). Return 0, or -1 with a message in err. */
int station_play(struct station *st, const char *what, bool now, char *err, size_t errlen);
int station_stop(struct station *st, char *err, size_t errlen);
int station_skip(struct station *st, char *err, size_t errlen);
int station_set_volume(struct station *st, int volume, char *err, size_t errlen);
int station_mute(struct station *st, bool mute, bool all, char *err, size_t errlen);
int station_test_tone(struct station *st, char *err, size_t errlen);
const struct config *station_config(const struct station *st);
/* The bulletin queue (NULL when it could not start), for loaxactl queue. */
struct bulletins *station_bulletins(struct station *st);
/* The operator's notices (NULL when the state folder is unusable). */
struct notices *station_notices(struct station *st);
/* fn runs after each as-played line is written (reports upward). */
void station_on_played(struct station *st, void (*fn)(void *ctx), void *ctx);
/* fn runs when what is on air may have changed: an item started or ended,
 * a slot began or ended, mute changed (not on a timer). For systemd's status
 * line, and for whatever follows the air (an amplifier's power). */
void station_on_air_change(struct station *st, void (*fn)(void *ctx), void *ctx);
/* One line saying what is on air, for `systemctl status`:
 * "on air: morning — playlist:morning, 2:13 left", "idle until 17:00 (evening)",
 * "muted". */
void station_describe_air(struct station *st, char *buf, size_t len);

#endif
