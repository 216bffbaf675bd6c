/*
 * timetable: turns the operator's weekly slots and date exceptions into
 * concrete instants for a local date, in the system time zone, right across
 * DST changes: a slot in a skipped hour starts at the first valid instant,
 * a repeated hour airs once (the first time). Pure functions of the config
 * and the time given: no clock reading, no state.
 */
#ifndef LOAXA_TIMETABLE_H
#define LOAXA_TIMETABLE_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "core/config.h"

struct slot_instance {
	const struct slot *slot;
	time_t start;		/* absolute instants */
	time_t end;
	int year, month, day;	/* the local date the slot belongs to */
};

/*
 * The slots of local date y-m-d (exceptions applied), sorted by start.
 * Writes at most max to out; returns how many there are.
 */
size_t timetable_resolve_day(const struct config *cfg, int year, int month,
    int day, struct slot_instance *out, size_t max);

/*
 * The slot on air at now (start <= now < end), including one that began the
 * day before and crosses midnight. Returns 1 and fills *cur, or 0.
 */
int timetable_current(const struct config *cfg, time_t now, struct slot_instance *cur);
/* The first slot starting strictly after now (looks at the local dates from
 * yesterday to 8 days ahead). 1 or 0. */
int timetable_next(const struct config *cfg, time_t now, struct slot_instance *next);

/* Writes the plan of `days` days from the local date of `from`, one line per
 * slot: "YYYY-MM-DD  NAME  HH:MM:SS-HH:MM:SS  step, step, ...", with
 * "  (exception: replace|add)" after a date exception's slots; a day without
 * slots prints "YYYY-MM-DD  (no slots)". */
void timetable_print_plan(const struct config *cfg, time_t from, int days,
    FILE *out);

#endif
