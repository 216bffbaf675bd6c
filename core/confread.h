/*
 * confread: checked reading of a libconfig tree. Owns how a value of the
 * wrong type, a missing or unknown member, or a relative path is met: a
 * refusal fills the caller's buffer with one "FILE:LINE: message" (the line
 * corrected for libconfig's habit of stamping a string with a later line),
 * a doubtful member goes to the warning callback in the same form. Knows no
 * setting of loaxa.conf: config.c names them and says where each belongs.
 */
#ifndef LOAXA_CONFREAD_H
#define LOAXA_CONFREAD_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"

/* Where a group of settings lives, for "it belongs in ...". */
struct confread_place {
	const char *where;		/* "in group 'audio'" */
	const char *const *names;	/* its settings, NULL-terminated */
};

/* The state of reading one file; lives on the caller's stack. */
struct confread {
	const char *name;	/* file name for messages */
	const char *dir;	/* absolute folder for relative paths */
	const char *text;	/* the file's text, to correct line numbers */
	config_warn_fn warn;
	void *ctx;
	char *err;
	size_t errlen;
	const struct confread_place *places;	/* every place, to call a member misplaced */
	size_t nplaces;
	struct config *cfg;	/* what config.c reads into; not used here */
};

/* Refuses the file: fills err with "FILE:LINE: message" at setting s (or at
 * line if s is NULL; no line if both are 0); returns -1. */
__attribute__((format(printf, 4, 5))) int confread_fail_at(struct confread *p,
    const config_setting_t *s, int line, const char *fmt, ...);
#define confread_fail(p, s, ...) confread_fail_at((p), (s), 0, __VA_ARGS__)
/* A usable but doubtful setting: "FILE:LINE: message" to the warning callback. */
__attribute__((format(printf, 3, 4))) void confread_warn(struct confread *p,
    const config_setting_t *s, const char *fmt, ...);
/* "an integer", "a group { }" ... for messages. */
const char *confread_type_desc(const config_setting_t *s);
/* Warns about every member of group not in names; where says which group
 * ("in group 'audio'"). A name known in another place is called misplaced. */
void confread_check_members(struct confread *p, const config_setting_t *group,
    const char *const *names, const char *where);

/* Values that must have a type; what names them in the refusal. 0 or -1. */
int confread_want_string(struct confread *p, const config_setting_t *s,
    const char *what, const char **out);
int confread_want_int(struct confread *p, const config_setting_t *s,
    const char *what, int min, int max, int *out);
int confread_want_bool(struct confread *p, const config_setting_t *s,
    const char *what, bool *out);

/* Optional members of g: absent leaves *out (the default) alone. 0 or -1. */
int confread_opt_string(struct confread *p, const config_setting_t *g,
    const char *name, const char *where, char **out);
int confread_opt_int(struct confread *p, const config_setting_t *g,
    const char *name, const char *where, int min, int max, int *out);
int confread_opt_bool(struct confread *p, const config_setting_t *g,
    const char *name, const char *where, bool *out);
int confread_opt_double(struct confread *p, const config_setting_t *g,
    const char *name, const char *where, double min, double max, double *out);
/* [ "a", "b" ] or ( "a", "b" ) or a single "a" into a new string vector. */
int confread_opt_strings(struct confread *p, const config_setting_t *g,
    const char *name, const char *where, char ***out, size_t *n);
/* A member that must be a group, or absent (*out NULL). */
int confread_opt_group(struct confread *p, const config_setting_t *root,
    const char *name, const config_setting_t **out);
/* A member that must be a list ( {...}, ... ) of groups, or absent. */
int confread_opt_list_of_groups(struct confread *p, const config_setting_t *g,
    const char *name, const config_setting_t **out);
/* A required, non-empty string; missing is refused at the group's line. */
int confread_req_string(struct confread *p, const config_setting_t *g,
    const char *name, const char *where, const char **out);

/* Absolute form of path against the file's folder; "" stays "". */
char *confread_resolve_path(const struct confread *p, const char *path);
void confread_resolve_in_place(const struct confread *p, char **path);
/* Absolute folder of file, against the current directory if relative. */
char *confread_folder_of(const char *file);

#endif
