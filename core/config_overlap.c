#include "core/config_overlap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"

/* A slot's stretch of air within one day. */
struct stretch {
	int from_s, to_s;
	const struct slot *slot;
	bool from_yesterday;	/* the tail of a slot that crossed midnight */
};

static void
add_stretch(struct stretch **v, size_t *n, size_t *cap, int from, int to,
    const struct slot *sl, bool tail)
{
	if (from >= to)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = (struct stretch){ from, to, sl, tail };
}

/* The stretches of slots on weekday d, including yesterday's crossings. */
static void
day_stretches(const struct slot *slots, size_t n, int d, struct stretch **v,
    size_t *nv, size_t *cap)
{
	int yesterday = (d + 6) % 7;

	for (size_t i = 0; i < n; i++) {
		const struct slot *sl = &slots[i];
		bool crosses = sl->end_s <= sl->start_s;

		if (sl->days & (1u << d))
			add_stretch(v, nv, cap, sl->start_s, crosses ? DAY_S : sl->end_s,
			    sl, false);
		if (crosses && (sl->days & (1u << yesterday)))
			add_stretch(v, nv, cap, 0, sl->end_s, sl, true);
	}
}

static void
describe_slot(const struct stretch *st, const char *day, char *buf, size_t len)
{
	char a[16], b[16];

	config_format_clock(st->slot->start_s, a, sizeof(a));
	config_format_clock(st->slot->end_s, b, sizeof(b));
	if (st->from_yesterday)
		snprintf(buf, len, "slot '%s' (line %d, %s-%s, crossing midnight into %s)",
		    st->slot->name, st->slot->line, a, b, day);
	else
		snprintf(buf, len, "slot '%s' (line %d, %s-%s)", st->slot->name,
		    st->slot->line, a, b);
}

/* Describes the first pair of stretches that share air; day names the day. */
static int
check_stretches(const struct stretch *v, size_t n, const char *day, char *msg,
    size_t len, int *line)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = i + 1; k < n; k++) {
			const struct stretch *a = &v[i], *b = &v[k];
			char da[256], db[256];

			if (a->slot == b->slot || a->to_s <= b->from_s || b->to_s <= a->from_s)
				continue;
			/* Report at the slot defined last: the one most likely just added. */
			if (a->slot->line > b->slot->line) {
				const struct stretch *t = a;
				a = b;
				b = t;
			}
			describe_slot(a, day, da, sizeof(da));
			describe_slot(b, day, db, sizeof(db));
			snprintf(msg, len, "%s overlaps %s on %s", db, da, day);
			*line = b->slot->line;
			return -1;
		}
	}
	return 0;
}

int
config_overlap_week(const struct slot *slots, size_t nslots, char *msg, size_t len,
    int *line)
{
	struct stretch *v = NULL;
	size_t n, cap = 0;
	int rc = 0;

	for (int d = 0; d < 7 && rc == 0; d++) {
		n = 0;
		day_stretches(slots, nslots, d, &v, &n, &cap);
		rc = check_stretches(v, n, config_day_name(d), msg, len, line);
	}
	free(v);
	return rc;
}

int
config_overlap_exception(const struct slot *week, size_t nweek,
    const struct exception *e, char *msg, size_t len, int *line)
{
	struct stretch *v = NULL;
	size_t n = 0, cap = 0;
	char day[16];
	int rc;

	snprintf(day, sizeof(day), "%04d-%02d-%02d", e->year, e->month, e->day);
	if (e->mode == EXC_ADD)
		day_stretches(week, nweek, config_weekday(e->year, e->month, e->day), &v,
		    &n, &cap);
	for (size_t i = 0; i < e->nslots; i++) {
		const struct slot *sl = &e->slots[i];
		add_stretch(&v, &n, &cap, sl->start_s,
		    sl->end_s <= sl->start_s ? DAY_S : sl->end_s, sl, false);
	}
	rc = check_stretches(v, n, day, msg, len, line);
	free(v);
	return rc;
}
