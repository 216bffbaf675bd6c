/* Measures the loudness of FILE as the daemon does (audio/loudness.h) and
 * prints "LUFS dBTP cpu_s". Usage: loudness_bench FILE */
#include <stdio.h>
#include <time.h>

#include "audio/loudness.h"

int
main(int argc, char **argv)
{
	struct loudness_figure f;
	struct timespec a, b;
	char err[512];

	if (argc != 2) {
		fprintf(stderr, "usage: loudness_bench FILE\n");
		return 2;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	if (loudness_measure(argv[1], &f, err, sizeof(err)) != 0) {
		fprintf(stderr, "loudness_bench: %s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	printf("%.2f %.2f %.3f\n", f.lufs, f.peak_dbtp,
	    (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}
