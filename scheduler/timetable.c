#include "scheduler/timetable.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

struct civil_date {
	int year, month, day;
};

/* Date arithmetic in UTC at noon, where no time zone rule can shift it. */
static struct civil_date
date_add(struct civil_date d, int days)
{
	struct tm tm = {
		.tm_year = d.year - 1900, .tm_mon = d.month - 1,
		.tm_mday = d.day + days, .tm_hour = 12,
	};
	time_t t = timegm(&tm);
	gmtime_r(&t, &tm);
	return (struct civil_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

static struct civil_date
local_date_of(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return (struct civil_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

/* Local wall-clock reading of t as if it were UTC: comparable with a
 * wanted wall time, so gaps can be searched. */
static time_t
wall_seconds(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	return timegm(&tm);
}

static bool
reads_as(time_t t, const struct tm *want)
{
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL)
		return false;
	return tm.tm_year == want->tm_year && tm.tm_mon == want->tm_mon &&
	    tm.tm_mday == want->tm_mday && tm.tm_hour == want->tm_hour &&
	    tm.tm_min == want->tm_min && tm.tm_sec == want->tm_sec;
}

/*
 * The wall time fell in a skipped hour: the first instant whose wall clock
 * reads at or after it, i.e. the transition. mktime with either DST flag
 * gives instants on both sides of the gap; bisect between them.
 */
static time_t
gap_end(const struct tm *want, time_t a, time_t b)
{
	time_t wall = timegm(&(struct tm){ .tm_year = want->tm_year,
	    .tm_mon = want->tm_mon, .tm_mday = want->tm_mday,
	    .tm_hour = want->tm_hour, .tm_min = want->tm_min, .tm_sec = want->tm_sec });
	time_t lo = a < b ? a : b, hi = a < b ? b : a;
	if (wall_seconds(lo) >= wall)
		lo -= 3 * 3600;
	if (wall_seconds(hi) < wall)
		hi += 3 * 3600;
	if (wall_seconds(lo) >= wall || wall_seconds(hi) < wall)
		return a;	/* no gap found around it: trust mktime */
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (wall_seconds(mid) >= wall)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

/*
 * The instant at which the local clock reads sod seconds after the midnight
 * starting date d (sod may exceed a day). A repeated wall time resolves to
 * its first occurrence, a skipped one to the end of the gap.
 */
static time_t
local_instant(struct civil_date d, int sod)
{
	d = date_add(d, sod / DAY_S);
	sod %= DAY_S;
	struct tm want = {
		.tm_year = d.year - 1900, .tm_mon = d.month - 1, .tm_mday = d.day,
		.tm_hour = sod / 3600, .tm_min = sod / 60 % 60, .tm_sec = sod % 60,
	};
	time_t tried[2], best = 0;
	bool found = false;
	for (int isdst = 0; isdst <= 1; isdst++) {
		struct tm tm = want;
		tm.tm_isdst = isdst;
		tried[isdst] = mktime(&tm);
		if (reads_as(tried[isdst], &want) && (!found || tried[isdst] < best)) {
			best = tried[isdst];
			found = true;
		}
	}
	return found ? best : gap_end(&want, tried[0], tried[1]);
}

static bool
same_date(const struct exception *e, struct civil_date d)
{
	return e->year == d.year && e->month == d.month && e->day == d.day;
}

static bool
date_is_replaced(const struct config *cfg, struct civil_date d)
{
	for (size_t i = 0; i < cfg->nexceptions; i++)
		if (same_date(&cfg->exceptions[i], d) &&
		    cfg->exceptions[i].mode == EXC_REPLACE)
			return true;
	return false;
}

static struct slot_instance
instance_of(const struct slot *s, struct civil_date d)
{
	int end_s = s->end_s <= s->start_s ? s->end_s + DAY_S : s->end_s;
	return (struct slot_instance){
		.slot = s, .start = local_instant(d, s->start_s),
		.end = local_instant(d, end_s),
		.year = d.year, .month = d.month, .day = d.day,
	};
}

/* Inserts into out, kept sorted by start, holding the earliest max;
 * counts every instance in *n so callers can size a second call. */
static void
push(struct slot_instance *out, size_t max, size_t *n, struct slot_instance si)
{
	/* Equal starts stay in configuration order. */
	size_t i = *n < max ? *n : max;
	while (i > 0 && out[i - 1].start > si.start) {
		if (i < max)
			out[i] = out[i - 1];
		i--;
	}
	if (i < max)
		out[i] = si;
	(*n)++;
}

static size_t
resolve(const struct config *cfg, struct civil_date d, struct slot_instance *out,
    size_t max)
{
	int weekday = config_weekday(d.year, d.month, d.day);
	size_t n = 0;
	if (!date_is_replaced(cfg, d)) {
		for (size_t i = 0; i < cfg->nslots; i++)
			if (cfg->slots[i].days & (1u << weekday))
				push(out, max, &n, instance_of(&cfg->slots[i], d));
	}
	for (size_t i = 0; i < cfg->nexceptions; i++) {
		const struct exception *e = &cfg->exceptions[i];
		if (!same_date(e, d))
			continue;
		for (size_t j = 0; j < e->nslots; j++)
			push(out, max, &n, instance_of(&e->slots[j], d));
	}
	return n;
}

size_t
timetable_resolve_day(const struct config *cfg, int year, int month, int day,
    struct slot_instance *out, size_t max)
{
	return resolve(cfg, (struct civil_date){ year, month, day }, out, max);
}

/* The day's instances in a malloc'd array; *n gets the count. */
static struct slot_instance *
resolve_all(const struct config *cfg, struct civil_date d, size_t *n)
{
	size_t count = resolve(cfg, d, NULL, 0);
	struct slot_instance *all = xcalloc(count ? count : 1, sizeof(*all));
	*n = resolve(cfg, d, all, count);
	return all;
}

/* A slot entirely inside a DST gap has no airtime. */
static bool
airs(const struct slot_instance *si)
{
	return si->end > si->start;
}

int
timetable_current(const struct config *cfg, time_t now, struct slot_instance *cur)
{
	struct civil_date today = local_date_of(now);
	int found = 0;
	/* Yesterday's slots may cross midnight into today. When slots overlap,
	 * the one that started last is on air: a slot's start takes the air. */
	for (int delta = -1; delta <= 0; delta++) {
		size_t n;
		struct slot_instance *all = resolve_all(cfg, date_add(today, delta), &n);
		for (size_t i = 0; i < n; i++) {
			if (!airs(&all[i]) || all[i].start > now || now >= all[i].end)
				continue;
			if (!found || all[i].start >= cur->start) {
				*cur = all[i];
				found = 1;
			}
		}
		free(all);
	}
	return found;
}

int
timetable_next(const struct config *cfg, time_t now, struct slot_instance *next)
{
	struct civil_date today = local_date_of(now);
	int found = 0;
	/* From yesterday: a clock turned back at midnight can put part of
	 * yesterday after now. */
	for (int delta = -1; delta <= 8; delta++) {
		size_t n;
		struct slot_instance *all = resolve_all(cfg, date_add(today, delta), &n);
		for (size_t i = 0; i < n; i++) {
			if (!airs(&all[i]) || all[i].start <= now)
				continue;
			if (!found || all[i].start < next->start) {
				*next = all[i];
				found = 1;
			}
		}
		free(all);
		if (found && delta >= 1)
			break;	/* later days cannot start earlier */
	}
	return found;
}

static const char *
exception_mark(const struct config *cfg, const struct slot *s)
{
	for (size_t i = 0; i < cfg->nexceptions; i++) {
		const struct exception *e = &cfg->exceptions[i];
		if (e->nslots > 0 && s >= e->slots && s < e->slots + e->nslots)
			return e->mode == EXC_REPLACE ? "  (exception: replace)" :
			    "  (exception: add)";
	}
	return "";
}

static void
print_clock(FILE *out, time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	fprintf(out, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
print_instance(const struct config *cfg, const struct slot_instance *si, FILE *out)
{
	fprintf(out, "%04d-%02d-%02d  %s  ", si->year, si->month, si->day,
	    si->slot->name ? si->slot->name : "(unnamed)");
	print_clock(out, si->start);
	fputc('-', out);
	print_clock(out, si->end);
	for (size_t i = 0; i < si->slot->nsteps; i++)
		fprintf(out, "%s%s", i ? ", " : "  ",
		    si->slot->steps[i].text ? si->slot->steps[i].text : "?");
	fputs(exception_mark(cfg, si->slot), out);
	if (!airs(si))
		fputs("  (not aired: inside the skipped DST hour)", out);
	fputc('\n', out);
}

void
timetable_print_plan(const struct config *cfg, time_t from, int days, FILE *out)
{
	struct civil_date first = local_date_of(from);
	for (int k = 0; k < days; k++) {
		struct civil_date d = date_add(first, k);
		size_t n;
		struct slot_instance *all = resolve_all(cfg, d, &n);
		for (size_t i = 0; i < n; i++)
			print_instance(cfg, &all[i], out);
		if (n == 0)
			fprintf(out, "%04d-%02d-%02d  (no slots)%s\n", d.year, d.month,
			    d.day, date_is_replaced(cfg, d) ? "  (exception: replace)" : "");
		free(all);
	}
}
