/*
 * resume: where the station was in a slot's program, kept on disk (atomic
 * writes) so that after a power cut, crash or upgrade inside the same slot
 * the station goes on with the first step that had not completed. Also the
 * operator's lasting choices (volume, mute) that survive a restart.
 */
#ifndef LOAXA_RESUME_H
#define LOAXA_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "scheduler/program.h"

struct resume_point {
	char slot[128];
	time_t slot_start;	/* identifies the slot occurrence */
	struct program_pos pos;
};

/* 0 and *out filled, or -1 when there is no usable state. */
int resume_load(const char *state_dir, struct resume_point *out);
int resume_save(const char *state_dir, const struct resume_point *rp);

struct station_prefs {
	int volume;		/* -1: not set, use the config's */
	bool muted;
	bool muted_all;
};
void prefs_load(const char *state_dir, struct station_prefs *out);
int prefs_save(const char *state_dir, const struct station_prefs *p);

#endif
