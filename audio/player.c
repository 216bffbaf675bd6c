#include "audio/player.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "audio/alsa_out.h"
#include "audio/chime.h"
#include "audio/decoder.h"
#include "audio/gain.h"
#include "audio/limiter.h"
#include "audio/loudness.h"
#include "audio/relay.h"
#include "core/config.h"
#include "core/log.h"
#include "core/util.h"

#include "audio/pacing.h"
#include "audio/player_int.h"

#define VOLUME_RAMP_MS 30		/* long enough not to click */
#define RETRY_MS_FIRST 250
#define RETRY_MS_MAX 5000

/* Format of synthesised items when no card is open (plug converts if needed). */
static const struct audio_format synth_default_format = { 48000, 2 };

/* ---- events ---- */

static void
post_event(struct player *p, const struct player_event *ev)
{
	uint64_t one = 1;

	pthread_mutex_lock(&p->ev_lock);
	if (p->ev_len == p->ev_cap) {
		size_t cap = p->ev_cap ? p->ev_cap * 2 : 16;
		struct player_event *n = xreallocarray(NULL, cap, sizeof(*n));

		for (size_t i = 0; i < p->ev_len; i++)
			n[i] = p->ev[(p->ev_head + i) % p->ev_cap];
		free(p->ev);
		p->ev = n;
		p->ev_cap = cap;
		p->ev_head = 0;
	}
	p->ev[(p->ev_head + p->ev_len++) % p->ev_cap] = *ev;
	if (write(p->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("audio: cannot signal the event loop: %s", strerror(errno));
	pthread_mutex_unlock(&p->ev_lock);
}

static void
post_started(struct player *p, uint64_t id, struct timespec when, double length_s)
{
	struct player_event ev = { .type = PEV_STARTED, .id = id, .when = when,
	    .length_s = length_s };

	post_event(p, &ev);
}

void
player_post_finished(struct player *p, uint64_t id, enum player_result result, bool started,
    double played_s, const char *reason)
{
	struct player_event ev = {
		.type = PEV_FINISHED, .id = id, .when = real_now(), .result = result,
		.started = started, .played_s = played_s > 0 ? played_s : 0,
		.live_s = p->item_live_s, .outages = p->item_outages,
	};

	snprintf(ev.reason, sizeof(ev.reason), "%s", reason ? reason : "");
	post_event(p, &ev);
}

/* ---- commands, seen from the player thread ---- */

/* Sleeps up to ms, or less if a command arrives; never misses one. */
void
player_wait_ms(struct player *p, int64_t ms)
{
	struct timespec until;

	if (ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until = timespec_add_ms(until, ms);
	pthread_mutex_lock(&p->lock);
	while (!p->wake_pending && !atomic_load(&p->quit))
		if (pthread_cond_timedwait(&p->wake, &p->lock, &until) == ETIMEDOUT)
			break;
	p->wake_pending = false;
	pthread_mutex_unlock(&p->lock);
}

bool
player_is_stopped(struct player *p, const struct queued *q)
{
	return q->seq <= atomic_load(&p->stop_seq) || atomic_load(&p->quit);
}

bool
player_queue_empty(struct player *p)
{
	bool empty;

	pthread_mutex_lock(&p->lock);
	empty = p->q_len == 0;
	pthread_mutex_unlock(&p->lock);
	return empty;
}

/* Reports the items player_stop removed from the queue, in queue order. */
static void
report_dropped(struct player *p)
{
	struct queued *list;
	size_t n;

	pthread_mutex_lock(&p->lock);
	list = p->dropped;
	n = p->n_dropped;
	p->dropped = NULL;
	p->n_dropped = p->cap_dropped = 0;
	atomic_store(&p->has_dropped, false);
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < n; i++)
		player_post_finished(p, list[i].item.id, PLAY_STOPPED, false, 0, "stopped before it began");
	free(list);
}

/* ---- the card ---- */

/* When a frame written now would be heard. */
static struct timespec
heard_at(struct player *p)
{
	long d = p->out ? p->out_ops->delay(p->out) : 0;

	return timespec_add_ms(real_now(), p->out ? d * 1000 / p->out_fmt.rate : 0);
}

void
player_close_device(struct player *p)
{
	if (!p->out)
		return;
	p->out_ops->close(p->out);
	p->out = NULL;
	p->pace_t0 = 0;
}

/* Discards what the card holds; the clock guard starts afresh. */
void
player_drop_output(struct player *p)
{
	p->out_ops->drop(p->out);
	p->pace_t0 = 0;
}

static void
count_underruns(struct player *p)
{
	uint64_t u = p->out_ops->underruns(p->out);

	atomic_fetch_add(&p->underruns, u - p->out_underruns);
	p->out_underruns = u;
}

static void
device_works(struct player *p)
{
	pthread_mutex_lock(&p->ev_lock);
	if (!p->device_ok)
		log_notice("audio: device %s works again", p->out_device);
	p->device_ok = true;
	p->device_error[0] = '\0';
	pthread_mutex_unlock(&p->ev_lock);
	p->retry_ms = 0;
}

/*
 * The card failed (missing, busy, vanished): the item fails with a back-off
 * for the scheduler, and so does everything queued, so the card is not
 * hammered once per queued item. One warning per change of state.
 */
static void
device_failed(struct player *p, const struct queued *cur, bool started, double played_s,
    const char *why)
{
	struct player_event ev = { .type = PEV_FINISHED, .result = PLAY_FAILED,
		.device_error = true };
	struct queued flushed[PLAYER_QUEUE_MAX];
	size_t n;

	player_close_device(p);
	p->retry_ms = p->retry_ms ? p->retry_ms * 2 : RETRY_MS_FIRST;
	if (p->retry_ms > RETRY_MS_MAX)
		p->retry_ms = RETRY_MS_MAX;
	pthread_mutex_lock(&p->ev_lock);
	if (p->device_ok)
		log_warn("audio: %s; items fail until it is back", why);
	p->device_ok = false;
	snprintf(p->device_error, sizeof(p->device_error), "%s", why);
	pthread_mutex_unlock(&p->ev_lock);

	ev.retry_ms = p->retry_ms;
	ev.when = real_now();
	snprintf(ev.reason, sizeof(ev.reason), "%s", why);
	/* Take the queue before reporting: what is queued after the report stays. */
	pthread_mutex_lock(&p->lock);
	n = p->q_len;
	for (size_t i = 0; i < n; i++)
		flushed[i] = p->queue[(p->q_head + i) % PLAYER_QUEUE_MAX];
	p->q_len = 0;
	pthread_mutex_unlock(&p->lock);
	ev.started = started;
	ev.played_s = played_s;
	ev.id = cur->item.id;
	post_event(p, &ev);
	ev.started = false;
	ev.played_s = 0;
	for (size_t i = 0; i < n; i++) {
		ev.id = flushed[i].item.id;
		post_event(p, &ev);
	}
}

/* The card vanished mid-write (unplugged USB card: -ENODEV, -EBADFD, -EIO). */
void
player_write_failed(struct player *p, const struct queued *cur, bool started, double played_s, int rc)
{
	char why[sizeof(p->out_device) + 64];

	snprintf(why, sizeof(why), "ALSA device %s failed: %s", p->out_device, strerror(-rc));
	device_failed(p, cur, started, played_s, why);
}

/* Sends the FINISHED of the item written last, timed from what is still buffered. */
static void
flush_pending(struct player *p)
{
	struct timespec now = real_now();

	if (!p->has_pending)
		return;
	/*
	 * While the card still holds frames, their end is measured now. Once it
	 * ran dry, the end projected at the last write is the truth: this thread
	 * may notice the empty card much later (a loaded machine, valgrind).
	 */
	if (p->out && p->out_ops->delay(p->out) > 0)
		p->pending.when = heard_at(p);
	else if (timespec_diff_s(&p->pending.when, &now) > 0)
		p->pending.when = now;
	post_event(p, &p->pending);
	p->has_pending = false;
}

/* Opens the card at fmt, or keeps it if it already has fmt. */
static bool
ensure_device(struct player *p, const struct queued *cur, const struct audio_format *fmt)
{
	char err[256], device[256];
	int buffer_ms;

	if (p->out && p->out_fmt.rate == fmt->rate && p->out_fmt.channels == fmt->channels)
		return true;
	if (p->out) {
		/* The source could not take the card's format: a short gap, then reopen. */
		pacing_soft_drain(p, true);
		player_close_device(p);
	}
	pthread_mutex_lock(&p->lock);
	snprintf(device, sizeof(device), "%s", p->device);
	buffer_ms = p->buffer_ms;
	pthread_mutex_unlock(&p->lock);
	p->out = p->out_ops->open(device, fmt, buffer_ms, err, sizeof(err));
	if (!p->out) {
		device_failed(p, cur, false, 0, err);
		return false;
	}
	p->out_fmt = *fmt;
	p->out_underruns = 0;
	snprintf(p->out_device, sizeof(p->out_device), "%s", device);
	return true;
}

static struct audio_source *
open_source(struct player *p, const struct player_item *it, char *err, size_t errlen)
{
	const struct audio_format *fmt = p->out ? &p->out_fmt : &synth_default_format;

	switch (it->source) {
	case SRC_FILE:
		return decoder_open_file(it->path, p->out ? &p->out_fmt : NULL, err, errlen);
	case SRC_CHIME:
		if (it->path[0])
			return decoder_open_file(it->path, p->out ? &p->out_fmt : NULL, err, errlen);
		return chime_open_builtin(fmt);
	case SRC_SILENCE:
		return chime_open_silence(fmt, it->silence_s);
	case SRC_TONE:
		return chime_open_tone(fmt, it->silence_s);
	case SRC_RELAY: {
		struct relay_params rp = { .name = it->relay.name, .url = it->path,
		    .stall_s = it->relay.stall_s, .fallback = it->relay.fallback };

		return relay_open(&rp, fmt);
	}
	}
	snprintf(err, errlen, "unknown source kind %d", (int)it->source);
	return NULL;
}

/* Volumes (station, item) times the item's loudness gain, Q16. */
static int32_t
item_factor(const struct player *p, int master, const struct queued *cur)
{
	return (int32_t)(((int64_t)gain_factor(master, cur->item.volume) * p->item_gain) >> 16);
}

/*
 * The gain that brings a file to the target loudness. A figure still being
 * worked out is waited for only while nothing plays (a gapless join must not
 * wait); without one the file airs at its own level.
 */
static int32_t
loudness_gain(struct player *p, const struct player_item *it)
{
	struct loudness_figure fig;
	double target;
	bool file = it->source == SRC_FILE || (it->source == SRC_CHIME && it->path[0]);

	int buffer_ms;

	pthread_mutex_lock(&p->lock);
	target = p->loudness_lufs;
	buffer_ms = p->buffer_ms;
	pthread_mutex_unlock(&p->lock);
	if (!file || target == 0 || !p->loudness)
		return GAIN_UNITY;
	int wait_ms = p->out ? 0 : 1000;

	/* A timed item waits only as long as its mark allows: the card must still
	 * open a buffer and a margin before it. */
	if (pacing_is_timed(it)) {
		struct timespec now = real_now();
		int64_t left = (int64_t)(timespec_diff_s(&it->start_at, &now) * 1000) -
		    buffer_ms - 400;

		wait_ms = p->out || left <= 0 ? 0 : left < 1000 ? (int)left : 1000;
	}
	if (!loudness_lookup(p->loudness, it->path, wait_ms, &fig)) {
		log_info("audio: loudness of %s not known yet; it airs at its own level", it->path);
		return GAIN_UNITY;
	}
	return (int32_t)lround(GAIN_UNITY * pow(10.0, loudness_gain_db(&fig, target) / 20.0));
}

/* Between chunks: a stop starts (or shortens) the fade; a new volume ramps. */
static bool
follow_commands(struct player *p, const struct queued *cur, bool started, bool *stopping,
    unsigned *stop_gen, int *master)
{
	long rate = p->out_fmt.rate;

	if (atomic_load(&p->has_dropped) && !player_is_stopped(p, cur))
		report_dropped(p);	/* promptly, not only when this item ends */
	if (player_is_stopped(p, cur) && (!*stopping || *stop_gen != atomic_load(&p->stop_gen))) {
		int64_t frames = (int64_t)atomic_load(&p->stop_fade_ms) * rate / 1000;

		*stop_gen = atomic_load(&p->stop_gen);
		if (atomic_load(&p->quit) || !started || frames <= 0)
			return false;
		if (*stopping && gain_ramping(&p->gain) && frames > p->gain.frames_left)
			frames = p->gain.frames_left;
		gain_ramp_to(&p->gain, 0, (uint32_t)frames);
		*stopping = true;
	}
	if (*stopping)
		return gain_ramping(&p->gain) || gain_current(&p->gain) != 0;
	if (atomic_load(&p->volume) != *master) {
		*master = atomic_load(&p->volume);
		gain_ramp_to(&p->gain, item_factor(p, *master, cur),
		    (uint32_t)(VOLUME_RAMP_MS * rate / 1000));
	}
	return true;
}

/* Decodes, scales and writes the item; reports STARTED and how it ended. */
static void
stream(struct player *p, const struct queued *cur, struct audio_source *src)
{
	long rate = p->out_fmt.rate, frames = 0;
	size_t period = p->out_ops->period_frames(p->out);
	int master = atomic_load(&p->volume), ch = p->out_fmt.channels;
	unsigned stop_gen = atomic_load(&p->stop_gen);
	bool started = false, stopping = false, relay = cur->item.source == SRC_RELAY;
	struct limiter lim;
	char err[256] = "";
	long n = 0;

	if (period > CHUNK_FRAMES_MAX)
		period = CHUNK_FRAMES_MAX;
	gain_init(&p->gain, item_factor(p, master, cur));
	/* A relay cannot be measured ahead: its gain_db, then a peak limiter. */
	if (relay)
		limiter_init(&lim, cur->item.relay.gain_db, rate);
	for (;;) {
		int rc;

		if (!follow_commands(p, cur, started, &stopping, &stop_gen, &master))
			break;
		n = audio_source_read(src, p->chunk, period, err, sizeof(err));
		if (n <= 0)
			break;
		if (relay)
			limiter_apply(&lim, p->chunk, (size_t)n, ch);
		gain_apply(&p->gain, p->chunk, (size_t)n, ch);
		if (!started) {
			post_started(p, cur->item.id, heard_at(p), src->length_s);
			started = true;
		}
		pacing_hold_to_clock(p, cur, n);
		rc = p->out_ops->write(p->out, p->chunk, (size_t)n);
		count_underruns(p);
		if (rc < 0) {
			player_write_failed(p, cur, true, player_frames_to_s(frames, rate), rc);
			return;
		}
		if (frames == 0)
			device_works(p);
		frames += n;
		atomic_fetch_add(&p->frames_written, (uint64_t)n);
	}
	if (relay)
		relay_stats(src, &p->item_live_s, &p->item_outages);
	if (stopping || player_is_stopped(p, cur)) {
		long d;

		if (stopping && !atomic_load(&p->quit))
			pacing_soft_drain(p, true);	/* the fade's end is in the buffer: let it be heard */
		d = p->out_ops->delay(p->out);

		player_drop_output(p);
		player_post_finished(p, cur->item.id, PLAY_STOPPED, started,
		    player_frames_to_s(frames - d, rate), started ? "stopped" : "stopped before it began");
		return;
	}
	if (!started) {
		/* Nothing of it reached the card: report at once. */
		player_post_finished(p, cur->item.id, n < 0 ? PLAY_FAILED : PLAY_COMPLETED, false, 0,
		    n < 0 ? err : "");
		return;
	}
	/* Its last frames are still in the buffer: FINISHED goes when they play. */
	memset(&p->pending, 0, sizeof(p->pending));
	p->pending.type = PEV_FINISHED;
	p->pending.id = cur->item.id;
	p->pending.result = n < 0 ? PLAY_FAILED : PLAY_COMPLETED;
	p->pending.started = true;
	p->pending.played_s = player_frames_to_s(frames, rate);
	p->pending.live_s = p->item_live_s;
	p->pending.outages = p->item_outages;
	p->pending.when = heard_at(p);	/* projected: its last sample, if nothing stalls */
	snprintf(p->pending.reason, sizeof(p->pending.reason), "%s", n < 0 ? err : "");
	p->pending_seq = cur->seq;
	p->has_pending = true;
}

static void
play(struct player *p, const struct queued *cur)
{
	struct audio_source *src;
	char err[256];

	flush_pending(p);
	if (player_is_stopped(p, cur)) {
		player_post_finished(p, cur->item.id, PLAY_STOPPED, false, 0, "stopped before it began");
		return;
	}
	if (pacing_is_timed(&cur->item) && !pacing_wait_for_mark(p, cur))
		return;
	p->item_gain = cur->item.source == SRC_RELAY ? GAIN_UNITY : loudness_gain(p, &cur->item);
	src = open_source(p, &cur->item, err, sizeof(err));
	if (!src) {
		player_post_finished(p, cur->item.id, PLAY_FAILED, false, 0, err);
		return;
	}
	if (ensure_device(p, cur, &src->fmt) &&
	    (!pacing_is_timed(&cur->item) || pacing_preroll_silence(p, cur)))
		stream(p, cur, src);
	audio_source_close(src);
	p->item_live_s = 0;
	p->item_outages = 0;
}

/* Takes the next item; when there is none, finishes the last and lets the card go. */
static bool
next_item(struct player *p, struct queued *out)
{
	for (;;) {
		report_dropped(p);
		if (atomic_load(&p->quit))
			return false;
		pthread_mutex_lock(&p->lock);
		if (p->q_len > 0) {
			*out = p->queue[p->q_head];
			p->q_head = (p->q_head + 1) % PLAYER_QUEUE_MAX;
			p->q_len--;
			pthread_mutex_unlock(&p->lock);
			return true;
		}
		pthread_mutex_unlock(&p->lock);
		if (p->out) {
			pacing_soft_drain(p, false);
			if (!player_queue_empty(p) || atomic_load(&p->quit))
				continue;	/* a new item follows what is buffered */
			flush_pending(p);
			player_close_device(p);	/* idle: the card is free for others */
			continue;
		}
		flush_pending(p);
		pthread_mutex_lock(&p->lock);
		while (p->q_len == 0 && p->n_dropped == 0 && !atomic_load(&p->quit))
			pthread_cond_wait(&p->wake, &p->lock);
		p->wake_pending = false;
		pthread_mutex_unlock(&p->lock);
	}
}

static void *
player_main(void *arg)
{
	struct player *p = arg;
	struct queued cur;

	while (next_item(p, &cur))
		play(p, &cur);
	player_close_device(p);
	return NULL;
}

/* ---- the loop's side ---- */

static void
wake_player(struct player *p)
{
	p->wake_pending = true;
	pthread_cond_signal(&p->wake);
}

static int
clamp_buffer_ms(int ms)
{
	/* The same defaults as audio.buffer_ms (core/config.h). */
	return ms <= 0 ? CONFIG_DEFAULT_BUFFER_MS : ms < CONFIG_MIN_BUFFER_MS ?
	    CONFIG_MIN_BUFFER_MS : ms;
}

struct player *
player_create(const struct player_config *pc, char *err, size_t errlen)
{
	struct player *p = xcalloc(1, sizeof(*p));
	pthread_condattr_t ca;
	int rc;

	p->out_ops = pc->output ? pc->output : &alsa_out_ops;
	snprintf(p->device, sizeof(p->device), "%s", pc->device && pc->device[0] ? pc->device : "default");
	p->buffer_ms = clamp_buffer_ms(pc->buffer_ms);
	atomic_init(&p->volume, pc->volume < 0 ? 0 : pc->volume > 100 ? 100 : pc->volume);
	p->unpaced = pc->unpaced;
	p->preroll_ms = pc->preroll_ms;
	p->loudness_lufs = pc->loudness_lufs;
	p->item_gain = GAIN_UNITY;
	atomic_init(&p->stop_seq, 0);
	atomic_init(&p->stop_gen, 0);
	atomic_init(&p->stop_fade_ms, 0);
	atomic_init(&p->quit, false);
	atomic_init(&p->has_dropped, false);
	atomic_init(&p->underruns, 0);
	atomic_init(&p->frames_written, 0);
	p->next_seq = 1;
	p->device_ok = true;
	p->chunk = xmalloc(CHUNK_FRAMES_MAX * MAX_CHANNELS * sizeof(int16_t));
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0) {
		snprintf(err, errlen, "audio: eventfd: %s", strerror(errno));
		free(p->chunk);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->ev_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	/* Also when off: a reload may turn it on. Unit tests without a cache
	 * and benchmarks (unpaced) measure nothing. */
	if (pc->loudness_lufs != 0 || pc->loudness_cache)
		p->loudness = loudness_create(pc->loudness_cache);
	rc = pthread_create(&p->thread, NULL, player_main, p);
	if (rc != 0) {
		snprintf(err, errlen, "audio: cannot start the player thread: %s", strerror(rc));
		loudness_destroy(p->loudness);
		close(p->efd);
		free(p->chunk);
		free(p);
		return NULL;
	}
	return p;
}

void
player_destroy(struct player *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->quit, true);
	wake_player(p);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	loudness_destroy(p->loudness);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->ev_lock);
	close(p->efd);
	free(p->dropped);
	free(p->ev);
	free(p->chunk);
	free(p);
}

int
player_event_fd(const struct player *p)
{
	return p->efd;
}

bool
player_next_event(struct player *p, struct player_event *ev)
{
	uint64_t v;
	bool got = false;

	pthread_mutex_lock(&p->ev_lock);
	if (p->ev_len > 0) {
		*ev = p->ev[p->ev_head];
		p->ev_head = (p->ev_head + 1) % p->ev_cap;
		p->ev_len--;
		got = true;
	}
	if (p->ev_len == 0 && read(p->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("audio: cannot clear the event fd: %s", strerror(errno));
	pthread_mutex_unlock(&p->ev_lock);
	return got;
}

bool
player_enqueue(struct player *p, const struct player_item *item)
{
	bool ok = false;

	pthread_mutex_lock(&p->lock);
	if (p->q_len < PLAYER_QUEUE_MAX) {
		struct queued *q = &p->queue[(p->q_head + p->q_len++) % PLAYER_QUEUE_MAX];

		q->item = *item;
		q->item.path[sizeof(q->item.path) - 1] = '\0';
		/* Measured while what is before it plays. */
		if (p->loudness && p->loudness_lufs != 0 &&
		    (item->source == SRC_FILE || item->source == SRC_CHIME))
			loudness_request(p->loudness, q->item.path);
		q->seq = p->next_seq++;
		ok = true;
		wake_player(p);
	}
	pthread_mutex_unlock(&p->lock);
	return ok;
}

/* Moves the queue to the dropped list the player thread reports. Under lock. */
static void
drop_queue_locked(struct player *p)
{
	if (p->n_dropped + p->q_len > p->cap_dropped) {
		p->cap_dropped = p->n_dropped + PLAYER_QUEUE_MAX;
		p->dropped = xreallocarray(p->dropped, p->cap_dropped, sizeof(*p->dropped));
	}
	for (; p->q_len > 0; p->q_len--, p->q_head = (p->q_head + 1) % PLAYER_QUEUE_MAX)
		p->dropped[p->n_dropped++] = p->queue[p->q_head];
	atomic_store(&p->has_dropped, p->n_dropped > 0);
}

void
player_drop_queued(struct player *p)
{
	pthread_mutex_lock(&p->lock);
	drop_queue_locked(p);
	wake_player(p);
	pthread_mutex_unlock(&p->lock);
}

void
player_stop(struct player *p, int fade_ms)
{
	pthread_mutex_lock(&p->lock);
	drop_queue_locked(p);
	atomic_store(&p->stop_fade_ms, fade_ms < 0 ? 0 : fade_ms);
	atomic_store(&p->stop_seq, p->next_seq - 1);
	atomic_fetch_add(&p->stop_gen, 1);
	wake_player(p);
	pthread_mutex_unlock(&p->lock);
}

void
player_set_volume(struct player *p, int volume)
{
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->volume, volume < 0 ? 0 : volume > 100 ? 100 : volume);
	wake_player(p);
	pthread_mutex_unlock(&p->lock);
}

void
player_set_preroll(struct player *p, int preroll_ms)
{
	pthread_mutex_lock(&p->lock);
	p->preroll_ms = preroll_ms;
	pthread_mutex_unlock(&p->lock);
}

void
player_set_loudness(struct player *p, double lufs)
{
	pthread_mutex_lock(&p->lock);
	p->loudness_lufs = lufs;
	pthread_mutex_unlock(&p->lock);
}

void
player_set_device(struct player *p, const char *device, int buffer_ms)
{
	pthread_mutex_lock(&p->lock);
	snprintf(p->device, sizeof(p->device), "%s", device && device[0] ? device : "default");
	p->buffer_ms = clamp_buffer_ms(buffer_ms);
	pthread_mutex_unlock(&p->lock);
}

void
player_get_stats(struct player *p, struct player_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->underruns = atomic_load(&p->underruns);
	out->frames_written = atomic_load(&p->frames_written);
	pthread_mutex_lock(&p->ev_lock);
	out->device_ok = p->device_ok;
	snprintf(out->device_error, sizeof(out->device_error), "%s", p->device_error);
	pthread_mutex_unlock(&p->ev_lock);
}
