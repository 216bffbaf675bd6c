/*
 * config_timetable: the `timetable` and `exceptions` of loaxa.conf, read for
 * config.c: slots (days, start, end, volume, loop), their programs (steps,
 * with the files, playlists and relays they name) and dated exceptions,
 * refused when two slots would share air (config_overlap). Owns those
 * settings' names and checks.
 */
#ifndef LOAXA_CONFIG_TIMETABLE_H
#define LOAXA_CONFIG_TIMETABLE_H

#include "core/confread.h"

/* A slot's and an exception's settings, for the misplaced-setting check. */
extern const char *const config_slot_names[];
extern const char *const config_exception_names[];

/* Read after relays and paths (steps name them); 0, or -1 with the refusal
 * in p. The slots go to p->cfg->slots, the exceptions to p->cfg->exceptions. */
int config_timetable_parse(struct confread *p, const config_setting_t *root);
int config_exceptions_parse(struct confread *p, const config_setting_t *root);
/* Checks what a step refers to (relays must exist, files should), resolving
 * a file: path; 0, or -1 refused. Also for a relay's fallback (config.c). */
int config_check_step(struct confread *p, const config_setting_t *s, struct step *st);

#endif
