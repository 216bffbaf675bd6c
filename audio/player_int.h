/*
 * player_int: the player's inside, shared by its two rooms only: player.c
 * (queue, events, sources, the card, streaming) and pacing.c (timing:
 * holding to the clock, the mark, preroll silence, the drain). Nothing
 * outside audio/player*.c and audio/pacing.c includes it.
 */
#ifndef LOAXA_PLAYER_INT_H
#define LOAXA_PLAYER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "audio/alsa_out.h"
#include "audio/decoder.h"
#include "audio/gain.h"
#include "audio/player.h"

#define CHUNK_FRAMES_MAX 4096		/* >= a 50 ms period at 48 kHz */
#define MAX_CHANNELS 2

struct queued {
	struct player_item item;
	uint64_t seq;			/* order of player_enqueue calls, from 1 */
};

struct player {
	pthread_t thread;
	const struct audio_out_ops *out_ops;

	/* Commands [L], under lock; the player thread reads them. */
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* on CLOCK_MONOTONIC */
	bool wake_pending;		/* a command came since the last wait */
	struct queued queue[PLAYER_QUEUE_MAX];
	size_t q_head, q_len;
	uint64_t next_seq;
	struct queued *dropped;		/* removed by player_stop, to report */
	size_t n_dropped, cap_dropped;
	atomic_bool has_dropped;	/* n_dropped > 0, readable without lock */
	char device[256];
	int buffer_ms;
	int preroll_ms;			/* open the card this long before a mark */
	double loudness_lufs;		/* target, 0: off */
	/* Also [L], read lock-free between chunks. */
	atomic_uint_fast64_t stop_seq;	/* items with seq <= stop_seq are stopped */
	atomic_uint stop_gen;		/* bumped by each player_stop */
	atomic_int stop_fade_ms;
	atomic_int volume;
	atomic_bool quit;

	/* Events [P], under ev_lock; the loop takes them. */
	pthread_mutex_t ev_lock;
	struct player_event *ev;
	size_t ev_head, ev_len, ev_cap;
	int efd;
	bool device_ok;			/* stats, under ev_lock */
	char device_error[256];
	atomic_uint_fast64_t underruns, frames_written;

	/* Player thread only. */
	struct audio_out *out;
	struct audio_format out_fmt;
	char out_device[256];		/* name it was opened with, for messages */
	uint64_t out_underruns;		/* of out, already added to underruns */
	int16_t *chunk;			/* CHUNK_FRAMES_MAX frames, preallocated */
	struct gain gain;
	struct loudness *loudness;	/* the measuring worker, its own thread */
	int32_t item_gain;		/* Q16 loudness gain of the item on air */
	double item_live_s;		/* a relay's figures, for its FINISHED */
	int item_outages;
	int retry_ms;			/* current device back-off, 0 when fine */
	bool unpaced;			/* benchmarks: no clock guard */
	int64_t pace_t0;		/* mono ms of the first write since reset, 0: reset */
	int64_t pace_frames;		/* frames written since pace_t0 */
	bool has_pending;		/* FINISHED of a fully written item, not yet sent */
	struct player_event pending;
	uint64_t pending_seq;
};

static inline double
player_frames_to_s(long frames, long rate)
{
	return (double)frames / (double)rate;
}

/* player.c, for pacing.c */
/* Sleeps up to ms, or less if a command arrives; never misses one. */
void player_wait_ms(struct player *p, int64_t ms);
/* Has player_stop (or player_destroy) taken q? */
bool player_is_stopped(struct player *p, const struct queued *q);
bool player_queue_empty(struct player *p);
void player_post_finished(struct player *p, uint64_t id, enum player_result result,
    bool started, double played_s, const char *reason);
/* Discards what the card holds; the clock guard starts afresh. */
void player_drop_output(struct player *p);
void player_close_device(struct player *p);
/* The card vanished mid-write: fails cur and the queue (device_error). */
void player_write_failed(struct player *p, const struct queued *cur, bool started,
    double played_s, int rc);

#endif
