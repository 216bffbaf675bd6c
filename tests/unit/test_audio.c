/* What a listener hears from the gain stage and the synthesised sources:
 * volume 50 is half amplitude, 0 is silence, fades are smooth ramps,
 * the test tone is 1 kHz and the chime is two tones. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audio/chime.h"
#include "audio/gain.h"
#include "tests/unit/audio_check.h"

static void
fill(int16_t *buf, size_t n, int16_t v)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = v;
}

static void
volume_50_halves_the_amplitude(void **state)
{
	struct gain g;
	int16_t buf[8];

	(void)state;
	assert_int_equal(gain_factor(50, 100), GAIN_UNITY / 2);
	assert_int_equal(gain_factor(100, 50), GAIN_UNITY / 2);
	assert_int_equal(gain_factor(50, 50), GAIN_UNITY / 4);
	gain_init(&g, gain_factor(50, 100));
	fill(buf, 8, 20000);
	buf[1] = -20000;
	gain_apply(&g, buf, 4, 2);
	assert_int_equal(buf[0], 10000);
	assert_int_equal(buf[1], -10000);
}

static void
volume_0_is_silence_and_100_leaves_samples_untouched(void **state)
{
	struct gain g;
	int16_t buf[6] = { 1, -1, 32767, -32768, 1234, -4321 };
	int16_t orig[6];

	(void)state;
	memcpy(orig, buf, sizeof(buf));
	gain_init(&g, gain_factor(100, 100));
	gain_apply(&g, buf, 3, 2);
	assert_memory_equal(buf, orig, sizeof(buf));
	gain_init(&g, gain_factor(0, 100));
	gain_apply(&g, buf, 3, 2);
	for (int i = 0; i < 6; i++)
		assert_int_equal(buf[i], 0);
}

static void
full_scale_samples_never_wrap_around(void **state)
{
	struct gain g;
	int16_t buf[4] = { 32767, -32768, 32767, -32768 };

	(void)state;
	/* Volume is clamped to 100: asking for more must not overflow. */
	assert_int_equal(gain_factor(150, 120), GAIN_UNITY);
	gain_init(&g, gain_factor(99, 100));
	gain_apply(&g, buf, 2, 2);
	assert_true(buf[0] > 32000 && buf[0] <= 32767);
	assert_true(buf[1] < -32000 && buf[1] >= -32768);
	/* A factor above unity (not reachable through volume) clips, not wraps. */
	gain_init(&g, 2 * GAIN_UNITY);
	buf[0] = 30000;
	buf[1] = -30000;
	gain_apply(&g, buf, 1, 2);
	assert_int_equal(buf[0], 32767);
	assert_int_equal(buf[1], -32768);
}

static void
fade_out_is_a_smooth_ramp_to_silence(void **state)
{
	enum { N = 1000 };
	struct gain g;
	int16_t buf[N * 2];

	(void)state;
	gain_init(&g, GAIN_UNITY);
	gain_ramp_to(&g, 0, N);
	fill(buf, N * 2, 10000);
	/* Applied in uneven chunks, as the player does. */
	gain_apply(&g, buf, 333, 2);
	gain_apply(&g, buf + 333 * 2, N - 333, 2);
	assert_false(gain_ramping(&g));
	assert_int_equal(gain_current(&g), 0);
	assert_true(buf[0] >= 9990);
	assert_true(abs(buf[(N / 2) * 2] - 5000) <= 20);	/* halfway: half */
	assert_true(buf[(N - 1) * 2] <= 20);
	for (int i = 1; i < N; i++) {
		assert_true(buf[i * 2] <= buf[(i - 1) * 2]);		/* never goes back up */
		assert_true(buf[(i - 1) * 2] - buf[i * 2] <= 12);	/* no step: no click */
		assert_int_equal(buf[i * 2], buf[i * 2 + 1]);		/* channels move together */
	}
	/* After the ramp, silence stays silence. */
	fill(buf, 20, 10000);
	gain_apply(&g, buf, 10, 2);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[19], 0);
}

static void
fade_in_reaches_the_item_volume(void **state)
{
	struct gain g;
	int16_t buf[400];

	(void)state;
	gain_init(&g, 0);
	gain_ramp_to(&g, gain_factor(50, 100), 200);
	fill(buf, 400, 20000);
	gain_apply(&g, buf, 400, 1);
	assert_int_equal(buf[0], 0);
	assert_true(abs(buf[100] - 5000) <= 60);
	assert_int_equal(buf[399], 10000);
}

static int16_t *
read_all(struct audio_source *src, long *frames)
{
	size_t cap = 48000 * 4, got = 0;
	int16_t *buf = malloc(cap * 2 * sizeof(*buf));
	char err[256];
	long n;

	while ((n = audio_source_read(src, buf + got * src->fmt.channels, 1024, err, sizeof(err))) > 0) {
		got += (size_t)n;
		assert_true(got + 1024 <= cap);
	}
	assert_int_equal(n, 0);
	*frames = (long)got;
	return buf;
}

static void
test_tone_is_1khz_at_minus_6_dbfs_for_the_asked_time(void **state)
{
	struct audio_format fmt = { 44100, 2 };
	struct audio_source *src = chime_open_tone(&fmt, 1.5);
	long frames;
	int16_t *buf = read_all(src, &frames), peak = 0;

	(void)state;
	assert_int_equal(frames, 66150);
	assert_true(fabs(crossing_hz(buf, 2, 0, frames, 44100) - 1000) < 5);
	for (long i = 0; i < frames * 2; i++)
		peak = buf[i] > peak ? buf[i] : peak;
	assert_true(peak > 16000 && peak < 16500);
	assert_true(abs(buf[0]) < 100 && abs(buf[(frames - 1) * 2]) < 100);	/* no clicks */
	audio_source_close(src);
	free(buf);
}

static void
builtin_chime_is_two_tones_high_then_low_about_2s(void **state)
{
	struct audio_format fmt = { 22050, 1 };
	struct audio_source *src = chime_open_builtin(&fmt);
	long frames;
	int16_t *buf = read_all(src, &frames);
	double first, second;

	(void)state;
	assert_true(frames >= 22050 * 1.5 && frames <= 22050 * 3);
	first = crossing_hz(buf, 1, 2205, 12000, 22050);
	second = crossing_hz(buf, 1, 18000, 30000, 22050);
	assert_true(first > second + 50);
	assert_true(first > 400 && first < 1000 && second > 300 && second < 900);
	assert_true(abs(buf[frames - 1]) < 100);
	audio_source_close(src);
	free(buf);
}

static void
silence_is_silent_and_exactly_long(void **state)
{
	struct audio_format fmt = { 48000, 2 };
	struct audio_source *src = chime_open_silence(&fmt, 0.25);
	long frames;
	int16_t *buf = read_all(src, &frames);

	(void)state;
	assert_int_equal(frames, 12000);
	for (long i = 0; i < frames * 2; i++)
		assert_int_equal(buf[i], 0);
	audio_source_close(src);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(volume_50_halves_the_amplitude),
		cmocka_unit_test(volume_0_is_silence_and_100_leaves_samples_untouched),
		cmocka_unit_test(full_scale_samples_never_wrap_around),
		cmocka_unit_test(fade_out_is_a_smooth_ramp_to_silence),
		cmocka_unit_test(fade_in_reaches_the_item_volume),
		cmocka_unit_test(test_tone_is_1khz_at_minus_6_dbfs_for_the_asked_time),
		cmocka_unit_test(builtin_chime_is_two_tones_high_then_low_about_2s),
		cmocka_unit_test(silence_is_silent_and_exactly_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
