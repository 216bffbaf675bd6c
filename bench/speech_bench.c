/*
 * speech_bench: how long loaxad's speech module (libespeak-ng in-process)
 * takes to synthesise a text, N times; prints one line per run in ms and the
 * seconds of speech made. Run by bench/speech_latency.py beside the
 * espeak-ng command line on the same text.
 *   speech_bench LANGUAGE RUNS < TEXT
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bulletins/speech.h"

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	static char text[65536];
	char err[256];
	if (argc != 3) {
		fprintf(stderr, "usage: speech_bench LANGUAGE RUNS < TEXT\n");
		return 2;
	}
	size_t len = fread(text, 1, sizeof(text) - 1, stdin);
	text[len] = '\0';
	struct speech *sp = speech_create();
	for (int i = 0; i < atoi(argv[2]); i++) {
		size_t n;
		int rate;
		double t0 = now_ms();
		short *s = speech_synth(sp, argv[1], text, &n, &rate, err, sizeof(err));
		double t1 = now_ms();
		if (s == NULL) {
			fprintf(stderr, "speech_bench: %s\n", err);
			return 1;
		}
		printf("%.1f ms %.2f s\n", t1 - t0, (double)n / rate);
		free(s);
	}
	speech_destroy(sp);
	return 0;
}
