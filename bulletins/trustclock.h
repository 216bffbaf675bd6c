/*
 * trustclock: the latest time the station can establish, so that a bulletin's
 * expiry is not judged by a wall clock that may be days behind
 * (fake-hwclock after a long power-off, NTP blocked). Evidence, each of
 * which can only make the station stricter, each carried forward on the
 * monotonic clock from when it was seen:
 *   - the wall clock itself;
 *   - the time last seen while the kernel said the clock was synchronised
 *     (adjtimex), persisted in paths.state/TRUSTCLOCK_FILE (atomic write);
 *   - the newest `sent` of a message whose signature verified (only when it
 *     is not beyond what the other evidence allows: a typo cannot expire
 *     everything);
 *   - a feed server's Date header: not authenticated, so it may delay an
 *     airing (refused for now) but never refuse one for good.
 * Says once in the log when the clock is behind what it knows, and once
 * when it is not any more; `loaxactl status` shows it (bulletins_status).
 */
#ifndef LOAXA_TRUSTCLOCK_H
#define LOAXA_TRUSTCLOCK_H

#include <stdbool.h>
#include <time.h>

#define TRUSTCLOCK_FILE		"clock.json"
#define TRUSTCLOCK_SAVE_S	600	/* the synchronised time is saved this often */
#define TRUSTCLOCK_SLACK_S	300	/* behind by more than this: not trusted */

struct trustclock;

/* Reads the persisted synchronised time (a missing or unreadable file is no
 * evidence). Never fails. */
struct trustclock *trustclock_open(const char *state_dir);
void trustclock_close(struct trustclock *c);

/* Asks the kernel whether the clock is synchronised; if so, remembers now
 * and saves it (at most every TRUSTCLOCK_SAVE_S). Cheap: call it often. */
void trustclock_tick(struct trustclock *c);
/* A verified message's sent. */
void trustclock_note_sent(struct trustclock *c, time_t sent);
/* A server's Date header (0: none). */
void trustclock_note_date(struct trustclock *c, time_t date);

/* The latest time established by the clock and authenticated evidence:
 * judge for good against this. */
time_t trustclock_now(struct trustclock *c);
/* The same with the servers' Date too: refuse for now against this. */
time_t trustclock_now_hint(struct trustclock *c);

/* false when the wall clock is behind trustclock_now_hint by more than
 * TRUSTCLOCK_SLACK_S; evidence names what says so. Logs a change once. */
bool trustclock_trusted(struct trustclock *c, const char **evidence);

#endif
