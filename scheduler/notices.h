/*
 * notices: the commune operator's own announcements ("thông báo"), kept by
 * loaxad. Owns the list (title, a recording or a text to speak, first and
 * last day, how many times a day, paused), its file on disk
 * (paths.state/notices.json, written atomically so a power cut leaves the
 * old or the new list) and the recordings copied beside it
 * (paths.state/notices/, names chosen here), and the count of airings per
 * day. Which notices are due on a day is answered here; when they air (the
 * bulletins steps, after the province's bulletins) is the station's call.
 * Days are local dates written YYYY-MM-DD, which compare as strings.
 */
#ifndef LOAXA_NOTICES_H
#define LOAXA_NOTICES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#define NOTICES_FILE		"notices.json"
#define NOTICES_AUDIO_DIR	"notices"
#define NOTICES_MAX		200	/* a commune's list, not a database */
#define NOTICES_TITLE_MAX	200	/* bytes */
#define NOTICES_TEXT_MAX	2000	/* bytes of text to speak (a request is at most 4 KiB) */
#define NOTICES_TIMES_MAX	24	/* airings a day */
#define NOTICES_AUDIO_MAX	(64L * 1024 * 1024)	/* a recording's bytes */

struct notice {
	unsigned id;			/* stable, never reused */
	char *title;
	char *audio;			/* copied recording or the text's speech
					 * (absolute); NULL: a text not spoken */
	char *text;			/* text to speak, or NULL */
	char first[11], last[11];	/* YYYY-MM-DD, first <= last */
	int times;			/* airings a day, 1..NOTICES_TIMES_MAX */
	bool paused;
	char *created_by;		/* user who added it ("" unknown) */
	time_t created;
	char aired_day[11];		/* day of the count below, "" never */
	int aired;			/* airings completed on aired_day */
};

/* What an add or an edit gives; NULL / 0 / -1 fields are left as they are
 * by an edit (add: first/last default to today, times to 1). audio_from is
 * a file the daemon can read; it is copied, never referenced. */
struct notice_spec {
	const char *title;
	const char *audio_from;
	const char *text;
	const char *first, *last;
	int times;			/* 0: unchanged / default */
	const char *spoken_from;	/* with text: its synthesised speech (copied) */
};

struct notices;

/* Loads paths.state/notices.json (a missing file is an empty list; an
 * unreadable one is moved aside to notices.json.corrupt with a warning in
 * err, err[0] != 0). NULL with err only when state_dir is unusable. */
struct notices *notices_open(const char *state_dir, char *err, size_t errlen);
void notices_close(struct notices *n);

/* Each returns 0, or -1 with a message for the operator in err; nothing
 * changes on disk or in memory on failure. today: the local date. */
int notices_add(struct notices *n, const struct notice_spec *spec,
    const char *user, const char *today, unsigned *id, char *err, size_t errlen);
int notices_edit(struct notices *n, unsigned id, const struct notice_spec *spec,
    char *err, size_t errlen);
int notices_set_paused(struct notices *n, unsigned id, bool paused,
    char *err, size_t errlen);
int notices_delete(struct notices *n, unsigned id, char *err, size_t errlen);

/* All notices in the order they were added, and one by id (NULL if none).
 * Pointers stay valid until the next change. */
size_t notices_count(const struct notices *n);
const struct notice *notices_at(const struct notices *n, size_t i);
const struct notice *notices_get(const struct notices *n, unsigned id);

/* On day: not paused and first <= day <= last. */
bool notices_active_on(const struct notice *no, const char *day);
/* Airings still due on day (0 if not active). */
int notices_left_on(const struct notice *no, const char *day);
/* Counts one completed airing on day and saves; 0 or -1 with err (the
 * count stays in memory). */
int notices_aired(struct notices *n, unsigned id, const char *day,
    char *err, size_t errlen);

/* The notice as the control protocol shows it (left: for day, NULL none). */
json_t *notices_to_json(const struct notice *no, const char *day);

/* t's local date as YYYY-MM-DD into buf (11 bytes). */
void notices_day_of(time_t t, char buf[11]);
/* Whether s is a real date written YYYY-MM-DD. */
bool notices_valid_day(const char *s);

#endif
