#include "core/config_syntax.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/util.h"

static const char *const day_names[7] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};

/* ---------------------------------------------------------------- *
 * Clock, days, dates
 */

static int
two_digits(const char *s)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int
config_parse_clock(const char *s)
{
	int h, m, sec = 0;
	size_t len = strlen(s);

	if ((len != 5 && len != 8) || s[2] != ':')
		return -1;
	h = two_digits(s);
	m = two_digits(s + 3);
	if (len == 8) {
		if (s[5] != ':')
			return -1;
		sec = two_digits(s + 6);
	}
	/* 24:00 is refused: a slot ending at midnight is written "00:00". */
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

void
config_format_clock(int s, char *buf, size_t len)
{
	if (s % 60)
		snprintf(buf, len, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%02d:%02d", s / 3600, s / 60 % 60);
}


static int
day_index(const char *s, size_t len)
{
	for (int d = 0; d < 7; d++)
		if (len == 3 && strncasecmp(s, day_names[d], 3) == 0)
			return d;
	return -1;
}

/* "mon" or "sat-mon" (wrapping) into a bit set; -1 if bad. */
static int
parse_day_range(const char *s, size_t len)
{
	const char *dash;
	int from, to, set = 0;

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	dash = memchr(s, '-', len);
	if (!dash) {
		from = day_index(s, len);
		return from < 0 ? -1 : 1 << from;
	}
	from = day_index(s, (size_t)(dash - s));
	to = day_index(dash + 1, len - (size_t)(dash - s) - 1);
	if (from < 0 || to < 0)
		return -1;
	for (int d = from;; d = (d + 1) % 7) {
		set |= 1 << d;
		if (d == to)
			break;
	}
	return set;
}

int
config_parse_days(const char *s)
{
	int set = 0;

	if (strcasecmp(s, "daily") == 0)
		return DAYS_ALL;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int part = parse_day_range(s, len);

		if (part < 0)
			return -1;
		set |= part;
		if (!comma)
			return set;
		s = comma + 1;
	}
}

const char *
config_day_name(int d)
{
	return d >= 0 && d < 7 ? day_names[d] : "?";
}

/* Sakamoto's method; Monday = 0 like a DAYS_* bit. */
int
config_weekday(int y, int m, int d)
{
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y -= 1;
	int sunday0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
	return (sunday0 + 6) % 7;
}

static bool
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
config_parse_date(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	*y = atoi(s);
	*m = two_digits(s + 5);
	*d = two_digits(s + 8);
	if (*y < 1970 || *m < 1 || *m > 12 || *d < 1)
		return -1;
	return *d <= mdays[*m - 1] + (*m == 2 && leap_year(*y)) ? 0 : -1;
}

/* ---------------------------------------------------------------- *
 * Steps and priorities
 */


__attribute__((format(printf, 3, 4))) static int
step_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > DAY_S)
		return -1;
	*out = v;
	return 0;
}

int
config_parse_step(const char *s, struct step *out, char *err, size_t errlen)
{
	static const struct {
		const char *prefix;
		enum step_kind kind;
		const char *what;
	} with_arg[] = {
		{ "file:", STEP_FILE, "a path" },
		{ "playlist:", STEP_PLAYLIST, "a playlist name" },
		{ "relay:", STEP_RELAY, "a relay name" },
	};

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "chime") == 0 || strcmp(s, "bulletins") == 0) {
		out->kind = s[0] == 'c' ? STEP_CHIME : STEP_BULLETINS;
		out->text = xstrdup(s);
		return 0;
	}
	if (str_has_prefix(s, "silence:")) {
		if (parse_seconds(s + 8, &out->seconds) < 0)
			return step_error(err, errlen, "step \"%s\": silence needs a number "
			    "of seconds above 0 and at most %d, as in \"silence:5\"", s, DAY_S);
		out->kind = STEP_SILENCE;
		out->text = xstrdup(s);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(with_arg); i++) {
		if (!str_has_prefix(s, with_arg[i].prefix))
			continue;
		const char *arg = s + strlen(with_arg[i].prefix);
		if (*arg == '\0')
			return step_error(err, errlen, "step \"%s\" needs %s after '%s'", s,
			    with_arg[i].what, with_arg[i].prefix);
		out->kind = with_arg[i].kind;
		out->arg = xstrdup(arg);
		out->text = xstrdup(s);
		return 0;
	}
	return step_error(err, errlen, "unknown program step \"%s\": use chime, bulletins, "
	    "file:PATH, playlist:NAME, relay:NAME or silence:SECONDS", s);
}

void
config_step_clear(struct step *step)
{
	free(step->arg);
	free(step->text);
	step->arg = step->text = NULL;
}

static const char *const priority_names[] = {
	[PRIO_NORMAL] = "normal", [PRIO_PRIORITY] = "priority",
	[PRIO_EMERGENCY] = "emergency",
};

const char *
priority_name(enum priority p)
{
	if ((unsigned)p >= ARRAY_LEN(priority_names))
		return "unknown";
	return priority_names[p];
}

int
priority_from_name(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(priority_names); i++)
		if (strcasecmp(s, priority_names[i]) == 0)
			return (int)i;
	return -1;
}

bool
config_language_tag_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 35 || !isalpha((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	return true;
}
