#include "tools/loaxactl/loaxactl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

time_t
iso_to_time(const json_t *iso)
{
	struct timespec ts;
	const char *s = json_string_value(iso);

	if (s == NULL || parse_iso_time(s, &ts) < 0)
		return 0;
	return ts.tv_sec;
}

/* t as local time, with (full) or without the date. */
static const char *
fmt_local(const json_t *iso, bool full, char *buf, size_t len)
{
	time_t t = iso_to_time(iso);
	struct tm tm;

	if (t == 0)
		return "-";
	localtime_r(&t, &tm);
	if (full)
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	else
		strftime(buf, len, "%H:%M:%S", &tm);
	return buf;
}

const char *
fmt_time(const json_t *iso, char *buf, size_t len)
{
	return fmt_local(iso, true, buf, len);
}

const char *
fmt_clock(const json_t *iso, char *buf, size_t len)
{
	return fmt_local(iso, false, buf, len);
}

const char *
fmt_duration(double s, char *buf, size_t len)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
	return buf;
}

static int
local_time(int y, int mo, int d, int h, int mi, int s, time_t *out)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s, .tm_isdst = -1 };

	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 24 ||
	    mi < 0 || mi > 59 || s < 0 || s > 60)
		return -1;
	*out = mktime(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

/* "HH:MM" or "HH:MM:SS" filling the whole of s; 0 on success. */
static int
parse_clock_part(const char *s, int *h, int *mi, int *sec)
{
	int n = 0;

	*sec = 0;
	if (sscanf(s, "%2d:%2d%n", h, mi, &n) != 2)
		return -1;
	if (s[n] == ':') {
		int m = 0;
		if (sscanf(s + n, ":%2d%n", sec, &m) != 1)
			return -1;
		n += m;
	}
	return s[n] == '\0' ? 0 : -1;
}

int
parse_user_time(const char *s, time_t *out)
{
	int y, mo, d, h, mi, sec, n = 0;
	char unit;
	long ago;
	struct timespec ts;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	if (strcmp(s, "today") == 0 || strcmp(s, "yesterday") == 0)
		return local_time(tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday - (s[0] == 'y'), 0, 0, 0, out);
	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (sscanf(s, "%ld%c%n", &ago, &unit, &n) == 2 && s[n] == '\0' && ago >= 0 &&
	    (unit == 'd' || unit == 'h' || unit == 'm')) {
		*out = now - ago * (unit == 'd' ? 86400 : unit == 'h' ? 3600 : 60);
		return 0;
	}
	if (parse_iso_time(s, &ts) == 0) {
		*out = ts.tv_sec;
		return 0;
	}
	n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10) {
		if (s[n] == '\0')
			return local_time(y, mo, d, 0, 0, 0, out);
		if ((s[n] == ' ' || s[n] == 'T') &&
		    parse_clock_part(s + n + 1, &h, &mi, &sec) == 0)
			return local_time(y, mo, d, h, mi, sec, out);
		return -1;
	}
	if (parse_clock_part(s, &h, &mi, &sec) == 0)
		return local_time(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    h, mi, sec, out);
	return -1;
}
