/*
 * fakeclock: an LD_PRELOAD shim for system tests that step loaxad's wall
 * clock without touching the machine's. The wall clock (CLOCK_REALTIME,
 * time(), gettimeofday()) is moved by the number of seconds written in the
 * file named by $LOAXA_FAKECLOCK; the monotonic clock is left alone, as a
 * real clock step (NTP at boot, date -s) leaves it.
 *
 * $LOAXA_FAKECLOCK_SYNCED, when set, is what adjtimex() says about the clock:
 * "1" synchronised (TIME_OK), "0" not (TIME_ERROR, STA_UNSYNC), as NTP would.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

static double
offset_s(void)
{
	static struct timespec seen_mtime;
	static double offset;
	const char *path = getenv("LOAXA_FAKECLOCK");
	struct stat sb;

	if (path == NULL || stat(path, &sb) < 0)
		return 0;
	if (sb.st_mtim.tv_sec != seen_mtime.tv_sec || sb.st_mtim.tv_nsec != seen_mtime.tv_nsec) {
		FILE *f = fopen(path, "r");
		double v = 0;
		if (f != NULL) {
			if (fscanf(f, "%lf", &v) == 1)
				offset = v;
			fclose(f);
		}
		seen_mtime = sb.st_mtim;
	}
	return offset;
}

static void
shift(struct timespec *ts)
{
	double off = offset_s();
	long long ns = (long long)(off * 1e9);

	ts->tv_sec += ns / 1000000000LL;
	ts->tv_nsec += ns % 1000000000LL;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_nsec -= 1000000000L;
		ts->tv_sec++;
	} else if (ts->tv_nsec < 0) {
		ts->tv_nsec += 1000000000L;
		ts->tv_sec--;
	}
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);

	if (real == NULL)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	int r = real(id, ts);
	if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		shift(ts);
	return r;
}

time_t
time(time_t *out)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (out != NULL)
		*out = ts.tv_sec;
	return ts.tv_sec;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

int
adjtimex(struct timex *tx)
{
	static int (*real)(struct timex *);
	const char *synced = getenv("LOAXA_FAKECLOCK_SYNCED");

	if (real == NULL)
		real = (int (*)(struct timex *))dlsym(RTLD_NEXT, "adjtimex");
	if (synced == NULL || tx->modes != 0)
		return real(tx);
	int r = real(tx);
	if (synced[0] == '1') {
		tx->status &= ~STA_UNSYNC;
		return TIME_OK;
	}
	tx->status |= STA_UNSYNC;
	return r < 0 ? r : TIME_ERROR;
}
