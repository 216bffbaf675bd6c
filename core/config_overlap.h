/*
 * config_overlap: the check that no two slots share air. Works on the slots
 * the reader (config.c) has built; knows weekdays, midnight crossings and
 * dated exceptions, nothing of files. On a clash it writes the message the
 * reader reports ("slot 'b' (line 9, 06:00-07:00) overlaps slot 'a' ... on
 * mon") and the line of the slot defined last, the one most likely just added.
 */
#ifndef LOAXA_CONFIG_OVERLAP_H
#define LOAXA_CONFIG_OVERLAP_H

#include <stddef.h>

#include "core/config.h"

/* Weekly slots, day by day, a slot crossing midnight counted on both days.
 * 0 if none overlap; -1 with msg and *line otherwise. */
int config_overlap_week(const struct slot *slots, size_t nslots, char *msg,
    size_t len, int *line);
/* An exception's slots among themselves and, in "add" mode, against the
 * weekly slots of its date's weekday. 0, or -1 with msg and *line. */
int config_overlap_exception(const struct slot *week, size_t nweek,
    const struct exception *e, char *msg, size_t len, int *line);

#endif
