#include "bulletins/trustclock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include <jansson.h>

#include "core/log.h"
#include "core/util.h"

/* One kind of evidence, as "wall time = base + monotonic seconds": it stays
 * true as time passes without reading the wall clock again. */
struct evidence {
	bool set;
	double base;
};

struct trustclock {
	char *path;
	struct evidence synced, sent, date;
	time_t saved;			/* the synchronised time last written */
	int64_t saved_mono;
	bool untrusted;			/* as last logged */
};

static double
mono_s(void)
{
	return mono_ms() / 1000.0;
}

static void
note(struct evidence *e, time_t t)
{
	double base = (double)t - mono_s();

	if (!e->set || base > e->base) {
		e->base = base;
		e->set = true;
	}
}

static time_t
value(const struct evidence *e)
{
	return e->set ? (time_t)(e->base + mono_s()) : 0;
}

struct trustclock *
trustclock_open(const char *state_dir)
{
	struct trustclock *c = xcalloc(1, sizeof(*c));
	json_error_t jerr;

	c->path = xasprintf("%s/%s", state_dir, TRUSTCLOCK_FILE);
	json_t *root = json_load_file(c->path, 0, &jerr);
	json_t *v = json_object_get(root, "synchronised_at");
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		/* At least that much time has passed: carried from now on. */
		note(&c->synced, (time_t)json_integer_value(v));
		c->saved = (time_t)json_integer_value(v);
	}
	json_decref(root);
	c->saved_mono = mono_ms();
	return c;
}

void
trustclock_close(struct trustclock *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c);
}

static bool
kernel_synchronised(void)
{
	struct timex tx = { .modes = 0 };

	return adjtimex(&tx) != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

static void
save(struct trustclock *c, time_t now)
{
	char err[512];
	char *text = xasprintf("{\"synchronised_at\": %lld}\n", (long long)now);

	if (atomic_write_file(c->path, text, strlen(text), 0644, err, sizeof(err)) != 0)
		log_warn("clock: the last synchronised time is not saved: %s; after a "
		    "restart with a wrong clock, expiry is judged by the clock alone", err);
	else
		c->saved = now;
	c->saved_mono = mono_ms();
	free(text);
}

void
trustclock_tick(struct trustclock *c)
{
	if (!kernel_synchronised())
		return;
	time_t now = time(NULL);
	note(&c->synced, now);
	if (c->saved == 0 || mono_ms() - c->saved_mono >= TRUSTCLOCK_SAVE_S * 1000LL)
		save(c, now);
}

void
trustclock_note_sent(struct trustclock *c, time_t sent)
{
	/* A signed typo in the far future must not expire everything. */
	if (sent > trustclock_now_hint(c) + TRUSTCLOCK_SLACK_S)
		return;
	note(&c->sent, sent);
}

void
trustclock_note_date(struct trustclock *c, time_t date)
{
	if (date > 0)
		note(&c->date, date);
}

time_t
trustclock_now(struct trustclock *c)
{
	time_t t = time(NULL);

	if (value(&c->synced) > t)
		t = value(&c->synced);
	if (value(&c->sent) > t)
		t = value(&c->sent);
	return t;
}

time_t
trustclock_now_hint(struct trustclock *c)
{
	time_t t = trustclock_now(c);

	return value(&c->date) > t ? value(&c->date) : t;
}

bool
trustclock_trusted(struct trustclock *c, const char **evidence)
{
	time_t now = time(NULL), hint = trustclock_now_hint(c);
	const char *why = NULL;

	if (hint > now + TRUSTCLOCK_SLACK_S) {
		if (value(&c->synced) == hint)
			why = "the time last seen while synchronised";
		else if (value(&c->sent) == hint)
			why = "a verified bulletin's sent time";
		else
			why = "a feed server's Date";
	}
	if (evidence != NULL)
		*evidence = why;
	bool untrusted = why != NULL;
	if (untrusted != c->untrusted) {
		char a[ISO_TIME_LEN], b[ISO_TIME_LEN];
		format_iso_time(&(struct timespec){ now, 0 }, a, sizeof(a));
		format_iso_time(&(struct timespec){ hint, 0 }, b, sizeof(b));
		if (untrusted)
			log_warn("clock cannot be trusted: it reads %s but %s says it is at "
			    "least %s; bulletins expire by the latest time known; check NTP "
			    "and the real-time clock", a, why, b);
		else
			log_notice("clock trusted again: it reads %s", a);
		c->untrusted = untrusted;
	}
	return !untrusted;
}
