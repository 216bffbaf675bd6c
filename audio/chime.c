#include "audio/chime.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

enum synth_kind { SYNTH_CHIME, SYNTH_TONE, SYNTH_SILENCE };

struct synth_source {
	struct audio_source base;	/* first: the player sees only this */
	enum synth_kind kind;
	uint64_t pos;			/* frames produced so far */
	uint64_t total;			/* frames in all */
};

/* Two bell-like strikes, high then low (a "ding-dong"), each decaying. */
static const struct chime_note {
	double at_s, hz;
} chime_notes[] = { { 0.0, 659.26 }, { 0.65, 523.25 } };

#define EDGE_S 0.01		/* raised edges keep tone starts and ends click-free */
#define TONE_AMPLITUDE 0.5	/* -6 dBFS */
#define CHIME_AMPLITUDE 0.4

static double
bell(double t, double hz)
{
	double env, v;

	if (t < 0)
		return 0;
	env = (t < 0.005 ? t / 0.005 : 1.0) * exp(-t / 0.45);
	/* A little second and third harmonic makes it a bell, not a beep. */
	v = sin(2 * M_PI * hz * t) + 0.3 * sin(4 * M_PI * hz * t) + 0.1 * sin(6 * M_PI * hz * t);
	return env * v / 1.4;
}

static double
chime_sample(const struct synth_source *s, double t)
{
	double v = 0, left = (double)(s->total - s->pos) / (double)s->base.fmt.rate;

	for (size_t i = 0; i < sizeof(chime_notes) / sizeof(chime_notes[0]); i++)
		v += bell(t - chime_notes[i].at_s, chime_notes[i].hz);
	if (left < 0.05)
		v *= left / 0.05;	/* fade the tail so the cut is silent */
	return CHIME_AMPLITUDE * v;
}

static double
tone_sample(const struct synth_source *s, double t)
{
	double left = (double)(s->total - s->pos) / (double)s->base.fmt.rate;
	double edge = fmin(1.0, fmin(t, left) / EDGE_S);

	return TONE_AMPLITUDE * edge * sin(2 * M_PI * TONE_HZ * t);
}

static long
synth_read(struct audio_source *src, int16_t *buf, size_t frames, char *err, size_t errlen)
{
	struct synth_source *s = (struct synth_source *)src;
	int ch = src->fmt.channels;
	size_t n = (size_t)(s->total - s->pos) < frames ? (size_t)(s->total - s->pos) : frames;

	(void)err;
	(void)errlen;
	if (s->kind == SYNTH_SILENCE) {
		memset(buf, 0, n * (size_t)ch * sizeof(*buf));
		s->pos += n;
		return (long)n;
	}
	for (size_t i = 0; i < n; i++, s->pos++) {
		double t = (double)s->pos / (double)src->fmt.rate;
		double v = s->kind == SYNTH_CHIME ? chime_sample(s, t) : tone_sample(s, t);
		int16_t x = (int16_t)lrint(v * 32767.0);

		for (int c = 0; c < ch; c++)
			buf[i * (size_t)ch + (size_t)c] = x;
	}
	return (long)n;
}

static void
synth_close(struct audio_source *src)
{
	free(src);
}

static const struct audio_source_ops synth_ops = { .read = synth_read, .close = synth_close };

static struct audio_source *
synth_open(enum synth_kind kind, const struct audio_format *fmt, double seconds)
{
	struct synth_source *s = xcalloc(1, sizeof(*s));

	s->base.ops = &synth_ops;
	s->base.fmt = *fmt;
	s->kind = kind;
	s->total = seconds > 0 ? (uint64_t)llround(seconds * (double)fmt->rate) : 0;
	s->base.length_s = (double)s->total / (double)fmt->rate;
	return &s->base;
}

struct audio_source *
chime_open_builtin(const struct audio_format *fmt)
{
	return synth_open(SYNTH_CHIME, fmt, CHIME_SECONDS);
}

struct audio_source *
chime_open_tone(const struct audio_format *fmt, double seconds)
{
	return synth_open(SYNTH_TONE, fmt, seconds);
}

struct audio_source *
chime_open_silence(const struct audio_format *fmt, double seconds)
{
	return synth_open(SYNTH_SILENCE, fmt, seconds);
}
