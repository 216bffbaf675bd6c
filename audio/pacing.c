#include "audio/pacing.h"

#include <string.h>

#include "audio/player_int.h"
#include "core/util.h"

/* A timed item due this soon after the last one keeps the card open, fed silence. */
#define KEEP_OPEN_MS 3000
/* The card is opened this long (plus its buffer) before a timed item's mark. */
#define PREROLL_MARGIN_MS 300

/*
 * ALSA's null and file plugins take every frame at once and report no delay:
 * on such a device (the demo without a sound card, CI) a station would air
 * an hour in a second. Writes to a card that reports no delay are held so it
 * never gets more than a buffer ahead of the clock.
 */
void
pacing_hold_to_clock(struct player *p, const struct queued *cur, long n)
{
	long rate = p->out_fmt.rate;
	long buffer = (long)p->out_ops->buffer_frames(p->out);

	if (p->unpaced)
		return;
	/* A card that reports what it holds keeps time by blocking in write. */
	if (p->out_ops->delay(p->out) > 0) {
		p->pace_t0 = 0;
		return;
	}
	if (p->pace_t0 == 0) {
		p->pace_t0 = mono_ms();
		p->pace_frames = 0;
	}
	for (;;) {
		int64_t allowed = (mono_ms() - p->pace_t0) * rate / 1000 + buffer - p->pace_frames;
		/* A fade is paced like the rest; a cut at once is not held. */
		if (n <= allowed || atomic_load(&p->quit) ||
		    (player_is_stopped(p, cur) && atomic_load(&p->stop_fade_ms) == 0))
			break;
		player_wait_ms(p, (n - allowed) * 1000 / rate + 1);
	}
	p->pace_frames += n;
}

/*
 * Lets the buffered audio play out without blocking in snd_pcm_drain, so
 * commands are still seen. With until_empty false, a newly queued item ends
 * the wait: it then follows what is buffered with no gap.
 */
void
pacing_soft_drain(struct player *p, bool until_empty)
{
	int64_t deadline;
	long d;

	if (!p->out || (d = p->out_ops->delay(p->out)) <= 0)
		return;
	p->out_ops->start(p->out);	/* an item shorter than the buffer never started */
	deadline = mono_ms() + d * 1000 / p->out_fmt.rate + 500;
	while ((d = p->out_ops->delay(p->out)) > 0 && mono_ms() < deadline) {
		if (atomic_load(&p->quit))
			return;
		if (p->has_pending && atomic_load(&p->stop_seq) >= p->pending_seq) {
			/* Stopped while its tail plays: cut the tail too. */
			player_drop_output(p);
			p->pending.result = PLAY_STOPPED;
			p->pending.played_s -= player_frames_to_s(d, p->out_fmt.rate);
			if (p->pending.played_s < 0)
				p->pending.played_s = 0;
			return;
		}
		if (!until_empty && !player_queue_empty(p))
			return;
		player_wait_ms(p, d * 1000 / p->out_fmt.rate < 20 ? d * 1000 / p->out_fmt.rate + 1 : 20);
	}
}

bool
pacing_is_timed(const struct player_item *it)
{
	return it->start_at.tv_sec != 0 || it->start_at.tv_nsec != 0;
}

static int64_t
ms_until(const struct timespec *t)
{
	struct timespec now = real_now();

	return (int64_t)(timespec_diff_s(t, &now) * 1000);
}

/*
 * Before a timed item: if the mark is far, let the card go and sleep until
 * shortly before it. Returns false if the item was stopped meanwhile.
 */
bool
pacing_wait_for_mark(struct player *p, const struct queued *cur)
{
	int64_t lead, preroll;

	if (p->out && ms_until(&cur->item.start_at) > KEEP_OPEN_MS) {
		pacing_soft_drain(p, true);
		player_close_device(p);
	}
	/* The card is opened this long before the mark: at least a buffer and
	 * a margin, more where the config says so (a PulseAudio sink that was
	 * just started blocks the first writes for most of a second). */
	pthread_mutex_lock(&p->lock);
	preroll = p->buffer_ms + PREROLL_MARGIN_MS;
	if (p->preroll_ms > preroll)
		preroll = p->preroll_ms;
	pthread_mutex_unlock(&p->lock);
	while (!p->out && (lead = ms_until(&cur->item.start_at) - preroll) > 0) {
		if (player_is_stopped(p, cur))
			break;
		player_wait_ms(p, lead < 1000 ? lead : 1000);
	}
	if (player_is_stopped(p, cur)) {
		player_post_finished(p, cur->item.id, PLAY_STOPPED, false, 0, "stopped before it began");
		return false;
	}
	return true;
}

/*
 * Writes silence so that the next frame written reaches the card at the
 * item's mark: frames to the mark minus what the card still holds
 * (snd_pcm_delay). Returns false if stopped or the card failed (reported).
 */
bool
pacing_preroll_silence(struct player *p, const struct queued *cur)
{
	long rate = p->out_fmt.rate;
	long period = (long)p->out_ops->period_frames(p->out);
	long buffer = (long)p->out_ops->buffer_frames(p->out);
	int64_t t0 = mono_ms(), written = 0;

	if (period > CHUNK_FRAMES_MAX)
		period = CHUNK_FRAMES_MAX;
	memset(p->chunk, 0, (size_t)period * (size_t)p->out_fmt.channels * sizeof(int16_t));
	for (;;) {
		struct timespec now;
		long d, need, allowed, n;
		int rc;

		if (player_is_stopped(p, cur)) {
			player_drop_output(p);
			player_post_finished(p, cur->item.id, PLAY_STOPPED, false, 0, "stopped before it began");
			return false;
		}
		d = p->out_ops->delay(p->out);
		now = real_now();
		need = (long)(timespec_diff_s(&cur->item.start_at, &now) * (double)rate) - d;
		if (need <= 0)
			break;
		/*
		 * A card that does not keep time (ALSA's null device takes
		 * everything at once) must not get more than a buffer ahead
		 * of the clock, or this loop would spin.
		 */
		allowed = (long)((mono_ms() - t0) * rate / 1000 + buffer - written);
		n = need < period ? need : period;
		if (n > allowed) {
			player_wait_ms(p, period * 1000 / rate);
			continue;
		}
		rc = p->out_ops->write(p->out, p->chunk, (size_t)n);
		if (rc < 0) {
			player_write_failed(p, cur, false, 0, rc);
			return false;
		}
		written += n;
		if (n == need)
			break;
	}
	p->out_ops->start(p->out);
	p->pace_t0 = 0;
	return true;
}
