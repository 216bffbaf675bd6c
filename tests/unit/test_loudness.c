/* Loudness as a listener gets it: files made by ffmpeg at known levels are
 * measured (EBU R128, libebur128), brought to the target, never past
 * -1 dBTP, and each content is measured once: the figure is kept under a
 * hash of the content, so a copy under another name is not measured again. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audio/loudness.h"
#include "core/log.h"

static char dir[64];

static int
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A 3 s tone at amplitude (0..1) of full scale. */
static void
tone(const char *name, int hz, double amplitude, const char *codec)
{
	assert_int_equal(run("cd %s && ffmpeg -v error -nostdin -y -f lavfi -i "
	    "'aevalsrc=%g*sin(2*PI*%d*t)|%g*sin(2*PI*%d*t):s=44100:d=3' %s %s", dir, amplitude, hz,
	    amplitude, hz, codec, name), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/loaxa-loud-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	tone("loud.wav", 1000, 0.5, "-c:a pcm_s16le");			/* -6 dBFS */
	tone("quiet.ogg", 1000, 0.5 / 15.849, "-c:a libvorbis");	/* 24 dB lower */
	tone("hot.flac", 1000, 0.95, "-c:a flac");			/* -0.4 dBFS */
	/* Quiet speech-like content with one loud click: the peak decides. */
	assert_int_equal(run("cd %s && ffmpeg -v error -nostdin -y -f lavfi -i "
	    "'aevalsrc=0.02*sin(2*PI*300*t)+if(between(t\\,1\\,1.0005)\\,0.9\\,0):s=44100:d=3' "
	    "-c:a pcm_s16le click.wav", dir), 0);
	assert_int_equal(run("cd %s && cp quiet.ogg copy-of-quiet.ogg", dir), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	run("rm -rf %s", dir);
	return 0;
}

static struct loudness_figure
measure(const char *name)
{
	struct loudness_figure f;
	char path[256], err[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (loudness_measure(path, &f, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return f;
}

static void
two_recordings_24_db_apart_come_out_within_half_a_lu(void **state)
{
	struct loudness_figure loud = measure("loud.wav"), quiet = measure("quiet.ogg");
	double a, b;

	(void)state;
	/* A stereo 1 kHz sine at -6 dBFS is about -6 LUFS; peaks at -6 dBTP. */
	if (fabs(loud.lufs - -6.0) > 1.0 || fabs(loud.peak_dbtp - -6.0) > 0.3)
		fail_msg("loud: %.2f LUFS, %.2f dBTP", loud.lufs, loud.peak_dbtp);
	if (fabs(loud.lufs - quiet.lufs - 24.0) > 0.5)
		fail_msg("measured %.2f and %.2f LUFS, wanted 24 LU apart", loud.lufs, quiet.lufs);
	a = loud.lufs + loudness_gain_db(&loud, -16.0);
	b = quiet.lufs + loudness_gain_db(&quiet, -16.0);
	assert_true(fabs(a - -16.0) < 0.01);
	assert_true(fabs(b - -16.0) < 0.01);
	assert_true(quiet.peak_dbtp + loudness_gain_db(&quiet, -16.0) < -1.0);
}

static void
the_true_peak_never_goes_past_minus_1_dbtp(void **state)
{
	struct loudness_figure hot = measure("hot.flac"), click = measure("click.wav");
	double g;

	(void)state;
	/* Hot: turned down to the target, well under the ceiling. */
	g = loudness_gain_db(&hot, -16.0);
	assert_true(g < -10);
	assert_true(hot.peak_dbtp + g <= -1.0 + 1e-9);
	/* Quiet with a click at -1 dBFS: raising it to -16 LUFS would clip. */
	if (click.lufs > -30 || click.peak_dbtp < -2)
		fail_msg("click: %.2f LUFS, %.2f dBTP", click.lufs, click.peak_dbtp);
	g = loudness_gain_db(&click, -16.0);
	assert_true(fabs(click.peak_dbtp + g - -1.0) < 1e-9);
	assert_true(click.lufs + g < -16.0);
	/* Silence is not raised. */
	struct loudness_figure silence = { -70.0, -120.0 };
	assert_true(loudness_gain_db(&silence, -16.0) == 0.0);
}

static void
each_content_is_measured_once_and_kept_by_its_hash(void **state)
{
	char cache[128], path[256], copy[256];
	struct loudness_figure f, g;
	struct loudness *l;
	FILE *fp;
	int files;

	(void)state;
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	snprintf(path, sizeof(path), "%s/quiet.ogg", dir);
	snprintf(copy, sizeof(copy), "%s/copy-of-quiet.ogg", dir);
	l = loudness_create(cache);
	assert_false(loudness_lookup(l, path, 0, &f));	/* never asked */
	loudness_request(l, path);
	assert_true(loudness_lookup(l, path, 10000, &f));
	assert_true(fabs(f.lufs - measure("quiet.ogg").lufs) < 0.01);
	loudness_destroy(l);

	/* One figure on disk, named by the content's hash. */
	snprintf(path, sizeof(path), "ls %s | wc -l", cache);
	fp = popen(path, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%d", &files), 1);
	pclose(fp);
	assert_int_equal(files, 1);
	snprintf(path, sizeof(path), "%s/quiet.ogg", dir);

	/* Prove the next run reads it rather than measuring: doctor the figure;
	 * the copy under another name (same content) gets the doctored one. */
	assert_int_equal(run("cd %s/cache && for f in *; do echo 'r128 -33.00 -20.00' > $f; done",
	    dir), 0);
	l = loudness_create(cache);
	loudness_request(l, copy);
	assert_true(loudness_lookup(l, copy, 10000, &g));
	assert_true(g.lufs == -33.0 && g.peak_dbtp == -20.0);
	loudness_destroy(l);

	/* What cannot be measured is not known: it airs at its own level. */
	l = loudness_create(NULL);
	assert_int_equal(run("echo 'not audio' > %s/text.wav", dir), 0);
	snprintf(path, sizeof(path), "%s/text.wav", dir);
	loudness_request(l, path);
	assert_false(loudness_lookup(l, path, 10000, &f));
	loudness_destroy(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_recordings_24_db_apart_come_out_within_half_a_lu),
		cmocka_unit_test(the_true_peak_never_goes_past_minus_1_dbtp),
		cmocka_unit_test(each_content_is_measured_once_and_kept_by_its_hash),
	};

	if (system("command -v ffmpeg >/dev/null 2>&1") != 0) {
		printf("test_loudness: SKIP: ffmpeg is not installed (make deps)\n");
		return 0;
	}
	log_init("test_loudness", true, LOGL_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
