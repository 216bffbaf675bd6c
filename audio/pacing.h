/*
 * pacing: the player's timing, one room of the player thread. Owns when
 * frames go to the card: writes held to the wall clock on a card that keeps
 * no time, the wait for a timed item's mark, the silence written so its
 * first sample lands on the mark, and the drain that lets the card play out
 * while commands are still seen. Works on the player's inside (player_int.h).
 */
#ifndef LOAXA_PACING_H
#define LOAXA_PACING_H

#include <stdbool.h>

struct player;
struct player_item;
struct queued;

/* Does the item have a mark (start_at), rather than "right after"? */
bool pacing_is_timed(const struct player_item *it);
/* Before writing n frames: waits so a card that reports no delay never gets
 * more than a buffer ahead of the clock. */
void pacing_hold_to_clock(struct player *p, const struct queued *cur, long n);
/* Lets what the card holds play out; with until_empty false a newly queued
 * item ends the wait (it then follows with no gap). */
void pacing_soft_drain(struct player *p, bool until_empty);
/* Sleeps until the card must open for cur's mark; false (reported) if cur
 * was stopped meanwhile. */
bool pacing_wait_for_mark(struct player *p, const struct queued *cur);
/* Writes the silence that puts the next frame on cur's mark; false
 * (reported) if cur was stopped or the card failed. */
bool pacing_preroll_silence(struct player *p, const struct queued *cur);

#endif
