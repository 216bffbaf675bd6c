/* Every common audio format, as a listener would get it: files made by
 * ffmpeg in the test (each a 1 s tone at its own pitch) are opened by their
 * content, decoded to the card's format and identified by their pitch. The
 * file's name never decides: a WAV named .mp3 plays, a text file named .wav
 * fails as not audio, a playlist disguised as audio is refused. */
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

#include "audio/decoder.h"
#include "core/log.h"
#include "tests/unit/audio_check.h"

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

struct format_case {
	const char *file;		/* made in dir */
	const char *ffmpeg_args;	/* codec and container options */
	int rate, channels, hz;
	const char *mime;
};

static const struct format_case cases[] = {
	{ "pcm.wav", "-c:a pcm_s16le", 44100, 2, 300, "audio/wav" },
	{ "ulaw.wav", "-c:a pcm_mulaw", 8000, 1, 400, "audio/wav" },
	{ "alaw.wav", "-c:a pcm_alaw", 8000, 1, 500, "audio/wav" },
	{ "adpcm.wav", "-c:a adpcm_ima_wav", 22050, 1, 600, "audio/wav" },
	{ "vorbis.ogg", "-c:a libvorbis", 44100, 2, 700, "audio/ogg" },
	{ "voice.opus", "-c:a libopus -b:a 48k", 48000, 1, 800, "audio/ogg" },
	{ "memo.m4a", "-c:a aac -b:a 96k", 44100, 1, 900, "audio/mp4" },
	{ "lossless.flac", "-c:a flac", 96000, 2, 1000, "audio/flac" },
	{ "layer2.mp2", "-c:a mp2 -f mp2", 48000, 2, 1100, "audio/mpeg" },
	{ "mp3.mp3", "-c:a libmp3lame -b:a 64k", 22050, 1, 1200, "audio/mpeg" },
	/* The name lies: the content decides. */
	{ "wav-named.mp3", "-c:a pcm_s16le -f wav", 16000, 1, 1300, "audio/wav" },
	{ "adts-named.wav", "-c:a aac -f adts", 32000, 2, 1400, "audio/aac" },
};

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/loaxa-formats-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct format_case *c = &cases[i];

		char expr[64];

		/* A -6 dBFS sine on every channel. */
		snprintf(expr, sizeof(expr), "0.5*sin(2*PI*%d*t)", c->hz);
		if (run("cd %s && ffmpeg -v error -nostdin -y -f lavfi -i "
		    "'aevalsrc=%s%s%s:s=%d:d=1' %s %s",
		    dir, expr, c->channels == 2 ? "|" : "", c->channels == 2 ? expr : "", c->rate,
		    c->ffmpeg_args, c->file) != 0) {
			fprintf(stderr, "test_formats: ffmpeg could not make %s\n", c->file);
			return -1;
		}
	}
	run("echo 'this is a text file, not audio' > %s/text.wav", dir);
	run("cd %s && printf '#EXTM3U\\n#EXT-X-TARGETDURATION:1\\n#EXTINF:1,\\nfile:///etc/passwd\\n"
	    "#EXT-X-ENDLIST\\n' > playlist.m4a", dir);
	run("cd %s && head -c 12000 vorbis.ogg > cut.ogg", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	run("rm -rf %s", dir);
	return 0;
}

static void
each_format_decodes_to_the_cards_format_at_its_pitch(void **state)
{
	const struct audio_format want = { 48000, 2 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct format_case *c = &cases[i];
		char path[256], err[256] = "";
		int16_t *buf = calloc(48000 * 3, 2 * sizeof(int16_t));
		struct audio_source *src;
		long n, total = 0, peak = 0;
		double hz;

		snprintf(path, sizeof(path), "%s/%s", dir, c->file);
		src = decoder_open_file(path, &want, err, sizeof(err));
		if (!src)
			fail_msg("%s: %s", c->file, err);
		assert_int_equal(src->fmt.rate, 48000);
		assert_int_equal(src->fmt.channels, 2);
		while ((n = audio_source_read(src, buf + total * 2, 4096, err, sizeof(err))) > 0 &&
		    total < 48000 * 2)
			total += n;
		if (n < 0)
			fail_msg("%s: %s", c->file, err);
		audio_source_close(src);
		/* 1 s of sound (codec delay and padding allowed: raw AAC keeps its 1024-sample priming). */
		if (total < 47000 || total > 51500)
			fail_msg("%s: %ld frames, wanted about 48000", c->file, total);
		hz = crossing_hz(buf, 2, 4800, 43200, 48000);
		if (fabs(hz - c->hz) > 3)
			fail_msg("%s: heard %.1f Hz, wanted %d", c->file, hz, c->hz);
		for (long k = 4800; k < 43200; k++)
			peak = labs(buf[k * 2 + 1]) > peak ? labs(buf[k * 2 + 1]) : peak;
		/* Both channels carry it, at about the level it was made (-6 dBFS). */
		if (peak < 13000 || peak > 20000)
			fail_msg("%s: right channel peaks at %ld", c->file, peak);
		free(buf);
	}
}

static void
the_true_mime_type_comes_from_the_content(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[256], err[256] = "";
		struct decoder_info info;

		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		if (decoder_identify(path, &info, err, sizeof(err)) != 0)
			fail_msg("%s: %s", cases[i].file, err);
		if (strcmp(info.mime, cases[i].mime) != 0)
			fail_msg("%s: %s, wanted %s", cases[i].file, info.mime, cases[i].mime);
		assert_true(fabs(info.seconds - 1.0) < 0.06);
		/* As it airs on a free card: MPEG audio (libmpg123) in its own channels,
		 * the rest (FFmpeg) in stereo at 44.1 or 48 kHz, the chime's format. */
		if (strcmp(info.mime, "audio/mpeg") == 0) {
			assert_int_equal(info.fmt.channels, cases[i].channels);
		} else {
			assert_int_equal(info.fmt.channels, 2);
			assert_int_equal(info.fmt.rate, cases[i].rate == 44100 ? 44100 : 48000);
		}
	}
}

static void
what_does_not_decode_is_refused_with_a_reason(void **state)
{
	char path[256], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/text.wav", dir);
	assert_int_equal(decoder_probe(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not audio that decodes"));
	assert_non_null(strstr(err, "text.wav"));
	assert_null(decoder_open_file(path, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "not audio that decodes"));

	/* A playlist is not audio: FFmpeg must not follow what it names. */
	snprintf(path, sizeof(path), "%s/playlist.m4a", dir);
	assert_int_equal(decoder_probe(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "playlist.m4a"));

	snprintf(path, sizeof(path), "%s/missing.ogg", dir);
	assert_int_equal(decoder_probe(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
	assert_non_null(strstr(err, "No such file"));
}

static void
a_truncated_file_airs_what_it_holds(void **state)
{
	char path[256], err[256] = "";
	int16_t buf[4096 * 2];
	struct audio_source *src;
	long n, total = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/cut.ogg", dir);
	src = decoder_open_file(path, NULL, err, sizeof(err));
	if (!src)
		fail_msg("%s", err);
	while ((n = audio_source_read(src, buf, 4096, err, sizeof(err))) > 0)
		total += n;
	audio_source_close(src);
	/* Some of it, never more than it holds; a damage is a reason, not a crash. */
	assert_true(total < 44100);
	assert_true(n == 0 || strstr(err, "cut.ogg") != NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_format_decodes_to_the_cards_format_at_its_pitch),
		cmocka_unit_test(the_true_mime_type_comes_from_the_content),
		cmocka_unit_test(what_does_not_decode_is_refused_with_a_reason),
		cmocka_unit_test(a_truncated_file_airs_what_it_holds),
	};

	if (system("command -v ffmpeg >/dev/null 2>&1") != 0) {
		printf("test_formats: SKIP: ffmpeg is not installed (make deps)\n");
		return 0;
	}
	log_init("test_formats", true, LOGL_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
