/*
 * program: where a slot's program stands (step, playlist entry, pass), the
 * cursor that scheduler/program.c moves forward and scheduler/resume keeps on
 * disk across restarts.
 */
#ifndef LOAXA_PROGRAM_H
#define LOAXA_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>

struct program_pos {
	size_t step;		/* index in the slot's program */
	size_t entry;		/* index in a playlist step */
	unsigned pass;		/* how many times a looping program restarted */
};

/* a comes before b in the program's airing order. */
bool program_pos_before(const struct program_pos *a, const struct program_pos *b);

#endif
