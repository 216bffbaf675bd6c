#include "core/confread.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"

/* ---------------------------------------------------------------- *
 * Messages
 */

static const char *
setting_file(const struct confread *p, const config_setting_t *s)
{
	const char *f = s ? config_setting_source_file(s) : NULL;

	return f ? f : p->name;
}

/* Does line number line (from 1) of text contain needle? */
static bool
line_contains(const char *text, int line, const char *needle)
{
	const char *end;

	for (; line > 1 && text; line--) {
		text = strchr(text, '\n');
		if (text)
			text++;
	}
	if (!text)
		return false;
	end = strchr(text, '\n');
	if (!end)
		end = text + strlen(text);
	return memmem(text, (size_t)(end - text), needle, strlen(needle)) != NULL;
}

/*
 * libconfig 1.5 stamps a value with the scanner's line after it has read the
 * next token, so the last string of a multi-line array gets the line of the
 * closing ']'. Look back a few lines for the one holding the string.
 */
static int
setting_line(const struct confread *p, const config_setting_t *s)
{
	int line = config_setting_source_line(s);
	char *quoted;

	if (config_setting_type(s) != CONFIG_TYPE_STRING || !p->text ||
	    config_setting_source_file(s))	/* an included file: text unknown */
		return line;
	quoted = xasprintf("\"%s\"", config_setting_get_string(s));
	for (int l = line; l > 0 && l > line - 5; l--) {
		if (line_contains(p->text, l, quoted)) {
			line = l;
			break;
		}
	}
	free(quoted);
	return line;
}

static void
vformat_at(const struct confread *p, const config_setting_t *s, int line, char *buf,
    size_t len, const char *fmt, va_list ap)
{
	int n;

	if (s)
		line = setting_line(p, s);
	if (line > 0)
		n = snprintf(buf, len, "%s:%d: ", setting_file(p, s), line);
	else
		n = snprintf(buf, len, "%s: ", setting_file(p, s));
	if (n >= 0 && (size_t)n < len)
		vsnprintf(buf + n, len - (size_t)n, fmt, ap);
}

/* Refuses the file: fills err with "FILE:LINE: message"; returns -1. */
int
confread_fail_at(struct confread *p, const config_setting_t *s, int line,
    const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->errlen > 0) {
		va_start(ap, fmt);
		vformat_at(p, s, line, p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}


void
confread_warn(struct confread *p, const config_setting_t *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!p->warn)
		return;
	va_start(ap, fmt);
	vformat_at(p, s, 0, msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->warn(p->ctx, msg);
}

const char *
confread_type_desc(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a decimal number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "true/false";
	case CONFIG_TYPE_GROUP: return "a group { }";
	case CONFIG_TYPE_ARRAY: return "an array [ ]";
	case CONFIG_TYPE_LIST: return "a list ( )";
	default: return "nothing";
	}
}

/* ---------------------------------------------------------------- *
 * Unknown settings
 */

static bool
name_in(const char *name, const char *const *names)
{
	for (; *names; names++)
		if (strcmp(name, *names) == 0)
			return true;
	return false;
}

/* Warns about every member of group not in names; where says which group
 * ("in group 'audio'"). */
void
confread_check_members(struct confread *p, const config_setting_t *group,
    const char *const *names, const char *where)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);
		char belongs[512] = "";
		size_t used = 0;

		if (!name || name_in(name, names))
			continue;
		for (size_t k = 0; k < p->nplaces; k++) {
			if (p->places[k].names == names || !name_in(name, p->places[k].names))
				continue;
			int n = snprintf(belongs + used, sizeof(belongs) - used, "%s%s",
			    used ? " or " : "", p->places[k].where);
			if (n > 0 && (size_t)n < sizeof(belongs) - used)
				used += (size_t)n;
		}
		if (used)
			confread_warn(p, m, "misplaced setting '%s' %s, ignored: it belongs %s",
			    name, where, belongs);
		else
			confread_warn(p, m, "unknown setting '%s' %s, ignored", name, where);
	}
}

/* ---------------------------------------------------------------- *
 * Typed values
 */

int
confread_want_string(struct confread *p, const config_setting_t *s,
    const char *what, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return confread_fail(p, s, "%s must be a string (in double quotes), not %s", what,
		    confread_type_desc(s));
	*out = config_setting_get_string(s);
	return 0;
}

int
confread_want_int(struct confread *p, const config_setting_t *s,
    const char *what, int min, int max, int *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return confread_fail(p, s, "%s must be an integer, not %s", what,
		    confread_type_desc(s));
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return confread_fail(p, s, "%s is %lld: must be from %d to %d", what, v, min, max);
	*out = (int)v;
	return 0;
}

int
confread_want_bool(struct confread *p, const config_setting_t *s,
    const char *what, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return confread_fail(p, s, "%s must be true or false, not %s", what,
		    confread_type_desc(s));
	*out = config_setting_get_bool(s);
	return 0;
}

/* Optional members: absent leaves *out (the default) alone. */
int
confread_opt_string(struct confread *p, const config_setting_t *g, const char *name,
    const char *where, char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	const char *v = NULL;
	char what[160];

	if (!s)
		return 0;
	snprintf(what, sizeof(what), "'%s' in %s", name, where);
	if (confread_want_string(p, s, what, &v) < 0)
		return -1;
	free(*out);
	*out = xstrdup(v);
	return 0;
}

int
confread_opt_int(struct confread *p, const config_setting_t *g, const char *name,
    const char *where, int min, int max, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char what[160];

	if (!s)
		return 0;
	snprintf(what, sizeof(what), "'%s' in %s", name, where);
	return confread_want_int(p, s, what, min, max, out);
}

/* A number: 1.5, or an integer like 3 (libconfig types them apart). */
int
confread_opt_double(struct confread *p, const config_setting_t *g, const char *name,
    const char *where, double min, double max, double *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	double v;

	if (!s)
		return 0;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	default:
		return confread_fail(p, s, "'%s' in %s must be a number, not %s", name, where,
		    confread_type_desc(s));
	}
	if (v < min || v > max)
		return confread_fail(p, s, "'%s' in %s is %g: must be from %g to %g", name, where,
		    v, min, max);
	*out = v;
	return 0;
}

int
confread_opt_bool(struct confread *p, const config_setting_t *g, const char *name,
    const char *where, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char what[160];

	if (!s)
		return 0;
	snprintf(what, sizeof(what), "'%s' in %s", name, where);
	return confread_want_bool(p, s, what, out);
}

/* A required string member; missing is refused at the group's line. */
int
confread_req_string(struct confread *p, const config_setting_t *g, const char *name,
    const char *where, const char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char what[160];

	if (!s)
		return confread_fail(p, g, "%s has no '%s'", where, name);
	snprintf(what, sizeof(what), "'%s' in %s", name, where);
	if (confread_want_string(p, s, what, out) < 0)
		return -1;
	if (**out == '\0')
		return confread_fail(p, s, "%s is empty", what);
	return 0;
}

/* A member that must be a group (or absent: NULL). */
int
confread_opt_group(struct confread *p, const config_setting_t *root,
    const char *name, const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(root, name);

	*out = NULL;
	if (!s)
		return 0;
	if (!config_setting_is_group(s))
		return confread_fail(p, s, "'%s' must be a group { ... }, not %s", name,
		    confread_type_desc(s));
	*out = s;
	return 0;
}

/* A member that must be a list ( {...}, ... ) of groups (or absent). */
int
confread_opt_list_of_groups(struct confread *p, const config_setting_t *g,
    const char *name, const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	*out = NULL;
	if (!s)
		return 0;
	/* An empty [ ] is an empty list too. */
	if (config_setting_is_array(s) && config_setting_length(s) == 0)
		return 0;
	if (!config_setting_is_list(s))
		return confread_fail(p, s, "'%s' must be a list ( { ... }, ... ), not %s", name,
		    confread_type_desc(s));
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		if (!config_setting_is_group(e))
			return confread_fail(p, e, "entry %d of '%s' must be a group { ... }, not %s",
			    i + 1, name, confread_type_desc(e));
	}
	*out = s;
	return 0;
}

/* [ "a", "b" ] or ( "a", "b" ) or a single "a" into a new string vector. */
int
confread_opt_strings(struct confread *p, const config_setting_t *g, const char *name,
    const char *where, char ***out, size_t *n)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	int len;

	if (!s)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		*out = xcalloc(1, sizeof(**out));
		(*out)[0] = xstrdup(config_setting_get_string(s));
		*n = 1;
		return 0;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return confread_fail(p, s, "'%s' in %s must be an array of strings [ \"...\", ... ], "
		    "not %s", name, where, confread_type_desc(s));
	len = config_setting_length(s);
	*out = xcalloc((size_t)len + 1, sizeof(**out));
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return confread_fail(p, e, "'%s' in %s must hold strings (in double quotes), "
			    "not %s", name, where, confread_type_desc(e));
		(*out)[i] = xstrdup(config_setting_get_string(e));
		(*n)++;
	}
	return 0;
}

/* ---------------------------------------------------------------- *
 * Paths
 */

/* Absolute form of path against the config's folder; "" stays "". */
char *
confread_resolve_path(const struct confread *p, const char *path)
{
	if (path[0] == '/' || path[0] == '\0')
		return xstrdup(path);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return xasprintf("%s/%s", p->dir, path);
}

void
confread_resolve_in_place(const struct confread *p, char **path)
{
	char *abs = confread_resolve_path(p, *path);

	free(*path);
	*path = abs;
}

/* Absolute folder of file, against the current directory if relative. */
char *
confread_folder_of(const char *file)
{
	const char *slash = strrchr(file, '/');
	char *dir, *real, cwd[PATH_MAX];

	if (!slash)
		dir = xstrdup(".");
	else if (slash == file)
		dir = xstrdup("/");
	else
		dir = strndup(file, (size_t)(slash - file));
	if (!dir)
		fatal("out of memory");
	real = realpath(dir, NULL);
	if (real) {
		free(dir);
		return real;
	}
	/* The folder does not exist (a name only used in messages). */
	if (dir[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return dir;
	real = xasprintf("%s/%s", cwd, dir);
	free(dir);
	return real;
}
