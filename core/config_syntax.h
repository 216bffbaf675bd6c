/*
 * config_syntax: the pure syntax of loaxa.conf's values, with no file and no
 * libconfig: clock times ("05:30"), weekday sets ("mon-fri"), program steps
 * ("playlist:morning"), dates ("2027-02-17"), priorities (origins are
 * core/origin's, shared with bulletins/policy). Also the one rule
 * for weekdays (Monday = 0 ... Sunday = 6, bit d of a DAYS_* set) that the
 * config's checks and the timetable share.
 */
#ifndef LOAXA_CONFIG_SYNTAX_H
#define LOAXA_CONFIG_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>

#define DAY_S 86400

enum step_kind {
	STEP_CHIME,	/* "chime" */
	STEP_FILE,	/* "file:PATH" */
	STEP_PLAYLIST,	/* "playlist:NAME" */
	STEP_BULLETINS,	/* "bulletins" */
	STEP_RELAY,	/* "relay:NAME" */
	STEP_SILENCE,	/* "silence:SECONDS" */
};

struct step {
	enum step_kind kind;
	char *arg;		/* path, playlist name or relay name; NULL otherwise */
	double seconds;		/* STEP_SILENCE */
	char *text;		/* the step as written, for plans and logs */
};

/* Days of the week as a bit set: bit 0 Monday ... bit 6 Sunday. */
#define DAYS_ALL 0x7f

enum priority { PRIO_NORMAL = 0, PRIO_PRIORITY = 1, PRIO_EMERGENCY = 2 };

/* "HH:MM" or "HH:MM:SS" to seconds after midnight; -1 if impossible. */
int config_parse_clock(const char *s);
/* Seconds after midnight as "HH:MM", or "HH:MM:SS" when they are not whole minutes. */
void config_format_clock(int s, char *buf, size_t len);
/* "mon-fri", "mon,wed,sat", "daily", "sat-mon" ... to a DAYS_* set; -1 if bad. */
int config_parse_days(const char *s);
/* "mon" ... "sun" for day 0 ... 6. */
const char *config_day_name(int d);
/* Day of the week of a calendar date: Monday = 0 ... Sunday = 6. */
int config_weekday(int year, int month, int day);
/* "YYYY-MM-DD", an existing date from 1970 on; 0, or -1 if not. */
int config_parse_date(const char *s, int *year, int *month, int *day);
/* Parses one program step such as "file:/x.mp3"; 0 or -1 with err. */
int config_parse_step(const char *s, struct step *out, char *err, size_t errlen);
/* A language tag as CAP writes them ("vi", "vi-VN", "fr-CA"): letters, digits
 * and hyphens, a letter first, at most 35 characters. */
bool config_language_tag_ok(const char *s);
/* Frees what config_parse_step allocated in step (not step itself). */
void config_step_clear(struct step *step);
const char *priority_name(enum priority p);
int priority_from_name(const char *s);	/* -1 if unknown */

#endif
