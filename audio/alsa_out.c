#include "audio/alsa_out.h"

#include <alsa/asoundlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"

/* Short periods so commands are seen between writes within 100 ms. */
#define PERIOD_MS_MAX 50

struct audio_out {
	snd_pcm_t *pcm;
	snd_pcm_uframes_t buffer, period;
	unsigned channels;
	uint64_t underruns;
};

static int
set_hw_params(struct audio_out *o, const struct audio_format *fmt, int buffer_ms,
    char *err, size_t errlen)
{
	snd_pcm_hw_params_t *hw;
	unsigned rate = (unsigned)fmt->rate;
	unsigned buffer_us = (unsigned)buffer_ms * 1000;
	unsigned period_us = buffer_us / 4 < PERIOD_MS_MAX * 1000 ? buffer_us / 4 : PERIOD_MS_MAX * 1000;
	int rc;

	snd_pcm_hw_params_alloca(&hw);
	if ((rc = snd_pcm_hw_params_any(o->pcm, hw)) < 0)
		goto fail;
	snd_pcm_hw_params_set_rate_resample(o->pcm, hw, 1);
	if ((rc = snd_pcm_hw_params_set_access(o->pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (rc = snd_pcm_hw_params_set_format(o->pcm, hw, SND_PCM_FORMAT_S16)) < 0 ||
	    (rc = snd_pcm_hw_params_set_channels(o->pcm, hw, (unsigned)fmt->channels)) < 0 ||
	    (rc = snd_pcm_hw_params_set_rate_near(o->pcm, hw, &rate, NULL)) < 0)
		goto fail;
	if (rate != (unsigned)fmt->rate) {
		snprintf(err, errlen, "does not play %ld Hz (offers %u Hz)", fmt->rate, rate);
		return -1;
	}
	if ((rc = snd_pcm_hw_params_set_buffer_time_near(o->pcm, hw, &buffer_us, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params_set_period_time_near(o->pcm, hw, &period_us, NULL)) < 0 ||
	    (rc = snd_pcm_hw_params(o->pcm, hw)) < 0)
		goto fail;
	snd_pcm_hw_params_get_buffer_size(hw, &o->buffer);
	snd_pcm_hw_params_get_period_size(hw, &o->period, NULL);
	o->channels = (unsigned)fmt->channels;
	return 0;
fail:
	snprintf(err, errlen, "cannot set %ld Hz %d ch S16: %s", fmt->rate, fmt->channels,
	    snd_strerror(rc));
	return -1;
}

static int
set_sw_params(struct audio_out *o, char *err, size_t errlen)
{
	snd_pcm_sw_params_t *sw;
	int rc;

	snd_pcm_sw_params_alloca(&sw);
	/* Start when the buffer is full; timed starts call start() themselves. */
	if ((rc = snd_pcm_sw_params_current(o->pcm, sw)) < 0 ||
	    (rc = snd_pcm_sw_params_set_start_threshold(o->pcm, sw, o->buffer)) < 0 ||
	    (rc = snd_pcm_sw_params_set_avail_min(o->pcm, sw, o->period)) < 0 ||
	    (rc = snd_pcm_sw_params(o->pcm, sw)) < 0) {
		snprintf(err, errlen, "cannot set software parameters: %s", snd_strerror(rc));
		return -1;
	}
	return 0;
}

static void
alsa_close(struct audio_out *o)
{
	if (!o)
		return;
	if (o->pcm)
		snd_pcm_close(o->pcm);
	free(o);
}

static struct audio_out *
alsa_open(const char *device, const struct audio_format *fmt, int buffer_ms, char *err,
    size_t errlen)
{
	struct audio_out *o = xcalloc(1, sizeof(*o));
	char name[256], why[200];
	int rc;

	/* A bare hw: device has no conversion: go through plug so any item plays. */
	snprintf(name, sizeof(name), "%s%s", str_has_prefix(device, "hw:") ? "plug" : "", device);
	/*
	 * Non-blocking open: a busy hw device would otherwise block in the
	 * kernel until its owner lets go, and the player would hang.
	 */
	rc = snd_pcm_open(&o->pcm, name, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
	if (rc < 0) {
		o->pcm = NULL;
		snprintf(err, errlen, "cannot open ALSA device %s: %s", device, snd_strerror(rc));
		goto fail;
	}
	snd_pcm_nonblock(o->pcm, 0);
	if (set_hw_params(o, fmt, buffer_ms, why, sizeof(why)) < 0 ||
	    set_sw_params(o, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "ALSA device %s: %s", device, why);
		goto fail;
	}
	return o;
fail:
	alsa_close(o);
	return NULL;
}

static int
alsa_write(struct audio_out *o, const int16_t *buf, size_t frames)
{
	while (frames > 0) {
		snd_pcm_sframes_t n = snd_pcm_writei(o->pcm, buf, frames);

		if (n >= 0) {
			buf += (size_t)n * o->channels;
			frames -= (size_t)n;
			continue;
		}
		if (n == -EAGAIN) {
			snd_pcm_wait(o->pcm, 100);
			continue;
		}
		if (n == -EPIPE)
			o->underruns++;
		/* Recovers underruns (-EPIPE), suspends and signals; anything else is the device. */
		if (snd_pcm_recover(o->pcm, (int)n, 1) < 0)
			return (int)n;
	}
	return 0;
}

static long
alsa_delay(struct audio_out *o)
{
	snd_pcm_sframes_t d = 0;
	snd_pcm_state_t st = snd_pcm_state(o->pcm);

	if (st != SND_PCM_STATE_RUNNING && st != SND_PCM_STATE_PREPARED)
		return 0;
	if (snd_pcm_delay(o->pcm, &d) < 0 || d < 0)
		return 0;
	return (long)d;
}

static void
alsa_start(struct audio_out *o)
{
	if (snd_pcm_state(o->pcm) == SND_PCM_STATE_PREPARED)
		snd_pcm_start(o->pcm);
}

static void
alsa_drop(struct audio_out *o)
{
	snd_pcm_drop(o->pcm);
	snd_pcm_prepare(o->pcm);
}

static size_t
alsa_period_frames(const struct audio_out *o)
{
	return o->period;
}

static size_t
alsa_buffer_frames(const struct audio_out *o)
{
	return o->buffer;
}

static uint64_t
alsa_underruns(const struct audio_out *o)
{
	return o->underruns;
}

const struct audio_out_ops alsa_out_ops = {
	.open = alsa_open,
	.write = alsa_write,
	.delay = alsa_delay,
	.start = alsa_start,
	.drop = alsa_drop,
	.close = alsa_close,
	.period_frames = alsa_period_frames,
	.buffer_frames = alsa_buffer_frames,
	.underruns = alsa_underruns,
};
