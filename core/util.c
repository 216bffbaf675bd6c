#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec
real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

double
timespec_diff_s(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (a->tv_nsec - b->tv_nsec) / 1e9;
}

struct timespec
timespec_add_ms(struct timespec t, int64_t ms)
{
	int64_t ns = t.tv_nsec + (ms % 1000) * 1000000;

	t.tv_sec += ms / 1000;
	if (ns >= 1000000000) {
		ns -= 1000000000;
		t.tv_sec++;
	} else if (ns < 0) {
		ns += 1000000000;
		t.tv_sec--;
	}
	t.tv_nsec = ns;
	return t;
}

void
format_iso_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	time_t sec = ts->tv_sec;

	localtime_r(&sec, &tm);
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ld%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (long)(ts->tv_nsec / 1000000), sign, off / 3600,
	    (off % 3600) / 60);
}

/* Exactly n ASCII digits. */
static bool
take_digits(const char **s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool
take_char(const char **s, char c)
{
	if (**s != c)
		return false;
	(*s)++;
	return true;
}

/* The same grammar and ranges as CAP's date-times (bulletins/cap.c
 * cap_parse_time), plus milliseconds: tests/fuzz/fuzz_iso_time.c holds the
 * two to agreeing. */
int
parse_iso_time(const char *s, struct timespec *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 1;
	long ms = 0;

	if (!take_digits(&s, 4, &y) || !take_char(&s, '-') || !take_digits(&s, 2, &mo) ||
	    !take_char(&s, '-') || !take_digits(&s, 2, &d) || !take_char(&s, 'T') ||
	    !take_digits(&s, 2, &h) || !take_char(&s, ':') || !take_digits(&s, 2, &mi) ||
	    !take_char(&s, ':') || !take_digits(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		long scale = 100;
		for (s++; isdigit((unsigned char)*s); s++) {
			ms += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		s++;
		if (!take_digits(&s, 2, &oh) || !take_char(&s, ':') || !take_digits(&s, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*s != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	out->tv_sec = t - sign * (oh * 3600L + om * 60L);
	out->tv_nsec = ms * 1000000;
	return 0;
}

int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

static int
fsync_dir_of(const char *path)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	return fsync_dir(dirname(copy));
}

int
atomic_write_file(const char *path, const void *data, size_t len, int mode,
    char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	const char *p = data;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) < 0) {
		snprintf(err, errlen, "%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: rename: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	fsync_dir_of(path);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

int
mkdir_p(const char *path, int mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

char *
read_file_all(const char *path, size_t max, size_t *lenp, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		if (len + 1 >= cap) {
			cap *= 2;
			char *nbuf = realloc(buf, cap);
			if (nbuf == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nbuf;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
			free(buf);
			fclose(f);
			return NULL;
		}
		if (n == 0)
			break;
	}
	if (buf == NULL || ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}
