#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/log.h"
#include "core/util.h"

#define DAY_S 86400

/* Defaults (the example configuration repeats them; keep both in step). */
#define DEF_STATE	"/var/lib/loaxa"
#define DEF_CACHE	"/var/cache/loaxa"
#define DEF_PLAYED_LOG	"/var/log/loaxa/played.jsonl"
#define DEF_PLAYLISTS	"/etc/loaxa/playlists"
#define DEF_SOCKET	"/run/loaxa/loaxad.sock"
#define DEF_DEVICE	"default"
#define DEF_VOLUME	100
#define DEF_BUFFER_MS	200
#define MIN_BUFFER_MS	100
#define DEF_FADE_MS	2000
#define DEF_PREROLL_MS	1500
#define DEF_POLL_S	15
#define DEF_LIFETIME_S	3600
#define DEF_RETRY_MAX_S	60	/* an alert must not wait longer for a failing feed */
#define DEF_REPORT_S	60
#define DEF_KEEP_DAYS	30
#define DEF_CTL_GROUP	"loaxa"

static const char *const day_names[7] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun",
};

/* ---------------------------------------------------------------- *
 * Known settings, per place. An unknown name is looked up in the other
 * places so that a setting in the wrong group is called "misplaced".
 */

struct place {
	const char *where;	/* for "it belongs in ..." */
	const char *const *names;
};

static const char *const top_names[] = { "station", "paths", "audio", "feeds",
	"relays", "timetable", "exceptions", "bulletins", "report", "log", "control",
	NULL };
static const char *const station_names[] = { "name", "areas", NULL };
static const char *const paths_names[] = { "state", "cache", "played_log",
	"playlists", "socket", NULL };
static const char *const audio_names[] = { "device", "volume", "chime",
	"buffer_ms", "fade_ms", "preroll_ms", "pace", NULL };
static const char *const feed_names[] = { "url", "poll", "keys", "max_priority",
	"ca", "allow_origins", NULL };
static const char *const relay_names[] = { "name", "url", NULL };
static const char *const slot_names[] = { "name", "days", "start", "end",
	"volume", "loop", "program", NULL };
static const char *const exc_slot_names[] = { "name", "start", "end", "volume",
	"loop", "program", NULL };
static const char *const exception_names[] = { "date", "mode", "slots", NULL };
static const char *const bulletins_names[] = { "allow_test", "default_lifetime",
	"retry_max", NULL };
static const char *const report_names[] = { "url", "interval", "token_file", NULL };
static const char *const log_names[] = { "keep_days", NULL };
static const char *const control_names[] = { "group", NULL };

static const struct place places[] = {
	{ "at the top level", top_names },
	{ "in group 'station'", station_names },
	{ "in group 'paths'", paths_names },
	{ "in group 'audio'", audio_names },
	{ "in a 'feeds' entry", feed_names },
	{ "in a 'relays' entry", relay_names },
	{ "in a 'timetable' slot", slot_names },
	{ "in an 'exceptions' entry", exception_names },
	{ "in group 'bulletins'", bulletins_names },
	{ "in group 'report'", report_names },
	{ "in group 'log'", log_names },
	{ "in group 'control'", control_names },
};

/* Parsing state for one file; lives on the stack of config_parse_*. */
struct parser {
	const char *name;	/* file name for messages */
	const char *dir;	/* absolute folder for relative paths */
	const char *text;	/* the file's text, to correct line numbers */
	config_warn_fn warn;
	void *ctx;
	char *err;
	size_t errlen;
	struct config *cfg;
};

/* ---------------------------------------------------------------- *
 * Messages
 */

static const char *
setting_file(const struct parser *p, const config_setting_t *s)
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
setting_line(const struct parser *p, const config_setting_t *s)
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
vformat_at(const struct parser *p, const config_setting_t *s, int line, char *buf,
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
__attribute__((format(printf, 4, 5))) static int
fail_at(struct parser *p, const config_setting_t *s, int line, const char *fmt, ...)
{
	va_list ap;

	if (p->err && p->errlen > 0) {
		va_start(ap, fmt);
		vformat_at(p, s, line, p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#define fail(p, s, ...) fail_at((p), (s), 0, __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static void
warn(struct parser *p, const config_setting_t *s, const char *fmt, ...)
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

static const char *
type_desc(const config_setting_t *s)
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
static void
check_members(struct parser *p, const config_setting_t *group,
    const char *const *names, const char *where)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);
		char belongs[512] = "";
		size_t used = 0;

		if (!name || name_in(name, names))
			continue;
		for (size_t k = 0; k < ARRAY_LEN(places); k++) {
			if (places[k].names == names || !name_in(name, places[k].names))
				continue;
			int n = snprintf(belongs + used, sizeof(belongs) - used, "%s%s",
			    used ? " or " : "", places[k].where);
			if (n > 0 && (size_t)n < sizeof(belongs) - used)
				used += (size_t)n;
		}
		if (used)
			warn(p, m, "misplaced setting '%s' %s, ignored: it belongs %s",
			    name, where, belongs);
		else
			warn(p, m, "unknown setting '%s' %s, ignored", name, where);
	}
}

/* ---------------------------------------------------------------- *
 * Typed values
 */

static int
want_string(struct parser *p, const config_setting_t *s, const char *what,
    const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(p, s, "%s must be a string (in double quotes), not %s", what,
		    type_desc(s));
	*out = config_setting_get_string(s);
	return 0;
}

static int
want_int(struct parser *p, const config_setting_t *s, const char *what, int min,
    int max, int *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return fail(p, s, "%s must be an integer, not %s", what, type_desc(s));
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return fail(p, s, "%s is %lld: must be from %d to %d", what, v, min, max);
	*out = (int)v;
	return 0;
}

static int
want_bool(struct parser *p, const config_setting_t *s, const char *what, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(p, s, "%s must be true or false, not %s", what, type_desc(s));
	*out = config_setting_get_bool(s);
	return 0;
}

/* Optional members: absent leaves *out (the default) alone. */
static int
opt_string(struct parser *p, const config_setting_t *g, const char *name,
    const char *where, char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	const char *v = NULL;
	char what[160];

	if (!s)
		return 0;
	snprintf(what, sizeof(what), "'%s' in %s", name, where);
	if (want_string(p, s, what, &v) < 0)
		return -1;
	free(*out);
	*out = xstrdup(v);
	return 0;
}

static int
opt_int(struct parser *p, const config_setting_t *g, const char *name,
    const char *where, int min, int max, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char what[160];

	if (!s)
		return 0;
	snprintf(what, sizeof(what), "'%s' in %s", name, where);
	return want_int(p, s, what, min, max, out);
}

static int
opt_bool(struct parser *p, const config_setting_t *g, const char *name,
    const char *where, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char what[160];

	if (!s)
		return 0;
	snprintf(what, sizeof(what), "'%s' in %s", name, where);
	return want_bool(p, s, what, out);
}

/* A required string member; missing is refused at the group's line. */
static int
req_string(struct parser *p, const config_setting_t *g, const char *name,
    const char *where, const char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	char what[160];

	if (!s)
		return fail(p, g, "%s has no '%s'", where, name);
	snprintf(what, sizeof(what), "'%s' in %s", name, where);
	if (want_string(p, s, what, out) < 0)
		return -1;
	if (**out == '\0')
		return fail(p, s, "%s is empty", what);
	return 0;
}

/* A member that must be a group (or absent: NULL). */
static int
opt_group(struct parser *p, const config_setting_t *root, const char *name,
    const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(root, name);

	*out = NULL;
	if (!s)
		return 0;
	if (!config_setting_is_group(s))
		return fail(p, s, "'%s' must be a group { ... }, not %s", name,
		    type_desc(s));
	*out = s;
	return 0;
}

/* A member that must be a list ( {...}, ... ) of groups (or absent). */
static int
opt_list_of_groups(struct parser *p, const config_setting_t *g, const char *name,
    const config_setting_t **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	*out = NULL;
	if (!s)
		return 0;
	/* An empty [ ] is an empty list too. */
	if (config_setting_is_array(s) && config_setting_length(s) == 0)
		return 0;
	if (!config_setting_is_list(s))
		return fail(p, s, "'%s' must be a list ( { ... }, ... ), not %s", name,
		    type_desc(s));
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		if (!config_setting_is_group(e))
			return fail(p, e, "entry %d of '%s' must be a group { ... }, not %s",
			    i + 1, name, type_desc(e));
	}
	*out = s;
	return 0;
}

/* [ "a", "b" ] or ( "a", "b" ) or a single "a" into a new string vector. */
static int
opt_strings(struct parser *p, const config_setting_t *g, const char *name,
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
		return fail(p, s, "'%s' in %s must be an array of strings [ \"...\", ... ], "
		    "not %s", name, where, type_desc(s));
	len = config_setting_length(s);
	*out = xcalloc((size_t)len + 1, sizeof(**out));
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(p, e, "'%s' in %s must hold strings (in double quotes), "
			    "not %s", name, where, type_desc(e));
		(*out)[i] = xstrdup(config_setting_get_string(e));
		(*n)++;
	}
	return 0;
}

/* ---------------------------------------------------------------- *
 * Paths
 */

/* Absolute form of path against the config's folder; "" stays "". */
static char *
resolve_path(const struct parser *p, const char *path)
{
	if (path[0] == '/' || path[0] == '\0')
		return xstrdup(path);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return xasprintf("%s/%s", p->dir, path);
}

static void
resolve_in_place(const struct parser *p, char **path)
{
	char *abs = resolve_path(p, *path);

	free(*path);
	*path = abs;
}

/* Absolute folder of file, against the current directory if relative. */
static char *
folder_of(const char *file)
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

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---------------------------------------------------------------- *
 * Clock, days, steps, priorities
 */

static int
two_digits(const char *s)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int
config_parse_clock(const char *s)
{
	int h, m, sec = 0;
	size_t len = strlen(s);

	if ((len != 5 && len != 8) || s[2] != ':')
		return -1;
	h = two_digits(s);
	m = two_digits(s + 3);
	if (len == 8) {
		if (s[5] != ':')
			return -1;
		sec = two_digits(s + 6);
	}
	/* 24:00 is refused: a slot ending at midnight is written "00:00". */
	if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
		return -1;
	return h * 3600 + m * 60 + sec;
}

static int
day_index(const char *s, size_t len)
{
	for (int d = 0; d < 7; d++)
		if (len == 3 && strncasecmp(s, day_names[d], 3) == 0)
			return d;
	return -1;
}

/* "mon" or "sat-mon" (wrapping) into a bit set; -1 if bad. */
static int
parse_day_range(const char *s, size_t len)
{
	const char *dash;
	int from, to, set = 0;

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	dash = memchr(s, '-', len);
	if (!dash) {
		from = day_index(s, len);
		return from < 0 ? -1 : 1 << from;
	}
	from = day_index(s, (size_t)(dash - s));
	to = day_index(dash + 1, len - (size_t)(dash - s) - 1);
	if (from < 0 || to < 0)
		return -1;
	for (int d = from;; d = (d + 1) % 7) {
		set |= 1 << d;
		if (d == to)
			break;
	}
	return set;
}

int
config_parse_days(const char *s)
{
	int set = 0;

	if (strcasecmp(s, "daily") == 0)
		return DAYS_ALL;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		int part = parse_day_range(s, len);

		if (part < 0)
			return -1;
		set |= part;
		if (!comma)
			return set;
		s = comma + 1;
	}
}

__attribute__((format(printf, 3, 4))) static int
step_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > DAY_S)
		return -1;
	*out = v;
	return 0;
}

int
config_parse_step(const char *s, struct step *out, char *err, size_t errlen)
{
	static const struct {
		const char *prefix;
		enum step_kind kind;
		const char *what;
	} with_arg[] = {
		{ "file:", STEP_FILE, "a path" },
		{ "playlist:", STEP_PLAYLIST, "a playlist name" },
		{ "relay:", STEP_RELAY, "a relay name" },
	};

	memset(out, 0, sizeof(*out));
	if (strcmp(s, "chime") == 0 || strcmp(s, "bulletins") == 0) {
		out->kind = s[0] == 'c' ? STEP_CHIME : STEP_BULLETINS;
		out->text = xstrdup(s);
		return 0;
	}
	if (str_has_prefix(s, "silence:")) {
		if (parse_seconds(s + 8, &out->seconds) < 0)
			return step_error(err, errlen, "step \"%s\": silence needs a number "
			    "of seconds above 0 and at most %d, as in \"silence:5\"", s, DAY_S);
		out->kind = STEP_SILENCE;
		out->text = xstrdup(s);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(with_arg); i++) {
		if (!str_has_prefix(s, with_arg[i].prefix))
			continue;
		const char *arg = s + strlen(with_arg[i].prefix);
		if (*arg == '\0')
			return step_error(err, errlen, "step \"%s\" needs %s after '%s'", s,
			    with_arg[i].what, with_arg[i].prefix);
		out->kind = with_arg[i].kind;
		out->arg = xstrdup(arg);
		out->text = xstrdup(s);
		return 0;
	}
	return step_error(err, errlen, "unknown program step \"%s\": use chime, bulletins, "
	    "file:PATH, playlist:NAME, relay:NAME or silence:SECONDS", s);
}

void
config_step_clear(struct step *step)
{
	free(step->arg);
	free(step->text);
	step->arg = step->text = NULL;
}

static const char *const priority_names[] = {
	[PRIO_NORMAL] = "normal", [PRIO_PRIORITY] = "priority",
	[PRIO_EMERGENCY] = "emergency",
};

const char *
priority_name(enum priority p)
{
	if ((unsigned)p >= ARRAY_LEN(priority_names))
		return "unknown";
	return priority_names[p];
}

int
priority_from_name(const char *s)
{
	for (size_t i = 0; i < ARRAY_LEN(priority_names); i++)
		if (strcasecmp(s, priority_names[i]) == 0)
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------------- *
 * Freeing
 */

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_slots(struct slot *slots, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < slots[i].nsteps; k++)
			config_step_clear(&slots[i].steps[k]);
		free(slots[i].steps);
		free(slots[i].name);
	}
	free(slots);
}

void
config_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->dir);
	free(cfg->station.name);
	free_strv(cfg->station.areas, cfg->station.nareas);
	free(cfg->paths.state);
	free(cfg->paths.cache);
	free(cfg->paths.played_log);
	free(cfg->paths.playlists);
	free(cfg->paths.socket);
	free(cfg->audio.device);
	free(cfg->audio.chime);
	for (size_t i = 0; i < cfg->nfeeds; i++) {
		free(cfg->feeds[i].url);
		free_strv(cfg->feeds[i].keys, cfg->feeds[i].nkeys);
		free(cfg->feeds[i].ca);
		free_strv(cfg->feeds[i].allow_origins, cfg->feeds[i].nallow_origins);
	}
	free(cfg->feeds);
	for (size_t i = 0; i < cfg->nrelays; i++) {
		free(cfg->relays[i].name);
		free(cfg->relays[i].url);
	}
	free(cfg->relays);
	free_slots(cfg->slots, cfg->nslots);
	for (size_t i = 0; i < cfg->nexceptions; i++)
		free_slots(cfg->exceptions[i].slots, cfg->exceptions[i].nslots);
	free(cfg->exceptions);
	free(cfg->report.url);
	free(cfg->report.token_file);
	free(cfg->control.group);
	free(cfg);
}

/* ---------------------------------------------------------------- *
 * Groups
 */

static struct config *
config_defaults(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->station.name = xstrdup("");
	cfg->paths.state = xstrdup(DEF_STATE);
	cfg->paths.cache = xstrdup(DEF_CACHE);
	cfg->paths.played_log = xstrdup(DEF_PLAYED_LOG);
	cfg->paths.playlists = xstrdup(DEF_PLAYLISTS);
	cfg->paths.socket = xstrdup(DEF_SOCKET);
	cfg->audio.device = xstrdup(DEF_DEVICE);
	cfg->audio.volume = DEF_VOLUME;
	cfg->audio.chime = xstrdup("");
	cfg->audio.buffer_ms = DEF_BUFFER_MS;
	cfg->audio.fade_ms = DEF_FADE_MS;
	cfg->audio.preroll_ms = DEF_PREROLL_MS;
	cfg->audio.pace = true;
	cfg->bulletins.allow_test = false;
	cfg->bulletins.default_lifetime_s = DEF_LIFETIME_S;
	cfg->bulletins.retry_max_s = DEF_RETRY_MAX_S;
	cfg->report.url = xstrdup("");
	cfg->report.token_file = xstrdup("");
	cfg->report.interval_s = DEF_REPORT_S;
	cfg->log.keep_days = DEF_KEEP_DAYS;
	cfg->control.group = xstrdup(DEF_CTL_GROUP);
	return cfg;
}

static int
parse_station(struct parser *p, const config_setting_t *root)
{
	const config_setting_t *g;
	const char *where = "group 'station'";

	if (opt_group(p, root, "station", &g) < 0)
		return -1;
	if (!g)
		return 0;
	check_members(p, g, station_names, "in group 'station'");
	if (opt_string(p, g, "name", where, &p->cfg->station.name) < 0)
		return -1;
	return opt_strings(p, g, "areas", where, &p->cfg->station.areas,
	    &p->cfg->station.nareas);
}

static int
parse_paths(struct parser *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *g;
	const char *where = "group 'paths'";
	struct { const char *name; char **dst; } paths[] = {
		{ "state", &cfg->paths.state }, { "cache", &cfg->paths.cache },
		{ "played_log", &cfg->paths.played_log },
		{ "playlists", &cfg->paths.playlists }, { "socket", &cfg->paths.socket },
	};

	if (opt_group(p, root, "paths", &g) < 0)
		return -1;
	if (!g)
		return 0;
	check_members(p, g, paths_names, "in group 'paths'");
	for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
		const config_setting_t *s = config_setting_get_member(g, paths[i].name);
		if (opt_string(p, g, paths[i].name, where, paths[i].dst) < 0)
			return -1;
		if (s && **paths[i].dst == '\0')
			return fail(p, s, "'%s' in %s is empty", paths[i].name, where);
		resolve_in_place(p, paths[i].dst);
	}
	return 0;
}

static int
parse_audio(struct parser *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *g, *chime;
	const char *where = "group 'audio'";

	if (opt_group(p, root, "audio", &g) < 0)
		return -1;
	if (!g)
		return 0;
	check_members(p, g, audio_names, "in group 'audio'");
	if (opt_string(p, g, "device", where, &cfg->audio.device) < 0 ||
	    opt_int(p, g, "volume", where, 0, 100, &cfg->audio.volume) < 0 ||
	    opt_string(p, g, "chime", where, &cfg->audio.chime) < 0 ||
	    opt_int(p, g, "buffer_ms", where, MIN_BUFFER_MS, 10000,
		&cfg->audio.buffer_ms) < 0 ||
	    opt_int(p, g, "fade_ms", where, 0, 600000, &cfg->audio.fade_ms) < 0 ||
	    opt_int(p, g, "preroll_ms", where, 0, 600000, &cfg->audio.preroll_ms) < 0 ||
	    opt_bool(p, g, "pace", where, &cfg->audio.pace) < 0)
		return -1;
	resolve_in_place(p, &cfg->audio.chime);
	chime = config_setting_get_member(g, "chime");
	if (chime && cfg->audio.chime[0] && !exists(cfg->audio.chime))
		warn(p, chime, "chime '%s' does not exist (yet): slots will fail at their "
		    "chime step until it does", cfg->audio.chime);
	return 0;
}

static int
parse_relays(struct parser *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *list;

	if (opt_list_of_groups(p, root, "relays", &list) < 0)
		return -1;
	if (!list)
		return 0;
	cfg->relays = xcalloc((size_t)config_setting_length(list), sizeof(*cfg->relays));
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		struct relay_conf *r = &cfg->relays[cfg->nrelays];
		const char *name = NULL, *url = NULL;

		check_members(p, g, relay_names, "in a 'relays' entry");
		if (req_string(p, g, "name", "relay", &name) < 0 ||
		    req_string(p, g, "url", "relay", &url) < 0)
			return -1;
		for (size_t k = 0; k < cfg->nrelays; k++)
			if (strcmp(cfg->relays[k].name, name) == 0)
				return fail(p, g, "relay '%s' is defined twice (first at line %d)",
				    name, cfg->relays[k].line);
		r->name = xstrdup(name);
		r->url = xstrdup(url);
		r->line = config_setting_source_line(g);
		cfg->nrelays++;
	}
	return 0;
}

/* Optional: a province with its own CA names it instead of trusting the
 * system store. Verification itself is never optional. */
static int
parse_feed_ca(struct parser *p, const config_setting_t *g, struct feed_conf *f)
{
	const config_setting_t *ca = config_setting_get_member(g, "ca");

	if (!ca)
		return 0;
	if (opt_string(p, g, "ca", "feed", &f->ca) < 0)
		return -1;
	if (f->ca[0] == '\0')
		return fail(p, ca, "'ca' in feed is empty: leave it out to trust the "
		    "system's certificate store");
	resolve_in_place(p, &f->ca);
	if (strncasecmp(f->url, "https://", 8) != 0)
		warn(p, ca, "feed '%s' is not https: its 'ca' is not used", f->url);
	if (!exists(f->ca))
		warn(p, ca, "ca '%s' does not exist (yet): every HTTPS fetch of feed '%s' "
		    "will fail until it does", f->ca, f->url);
	return 0;
}

/* An allow_origins entry "scheme://host[:port][/]" (http or https) in the
 * form bulletins/policy.c compares origins in: "scheme://host:port",
 * lowercase, the scheme's port filled in. NULL with why otherwise. */
static char *
normalise_origin(const char *s, const char **why)
{
	bool https = strncasecmp(s, "https://", 8) == 0;
	size_t hlen;
	long port = https ? 443 : 80;

	if (!https && strncasecmp(s, "http://", 7) != 0) {
		*why = "must start with http:// or https://";
		return NULL;
	}
	const char *host = s + (https ? 8 : 7);
	if (strchr(host, '@') != NULL) {
		*why = "must not carry a user name or password";
		return NULL;
	}
	if (host[0] == '[') {	/* an IPv6 address, or nothing */
		hlen = strspn(host + 1, "0123456789abcdefABCDEF:.") + 1;
		hlen = hlen > 1 && host[hlen] == ']' ? hlen + 1 : 0;
	} else {
		hlen = strspn(host, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");
	}
	const char *rest = host + hlen;
	if (*rest == ':') {
		size_t digits = strspn(rest + 1, "0123456789");
		port = digits > 0 && digits <= 5 ? strtol(rest + 1, NULL, 10) : 0;
		if (port < 1 || port > 65535) {
			*why = "has no valid port (1 to 65535)";
			return NULL;
		}
		rest += 1 + digits;
	}
	if (*rest == '/')
		rest++;
	if (hlen == 0 || *rest != '\0') {
		*why = "must be only scheme://host or scheme://host:port, without a "
		    "path, query or user name";
		return NULL;
	}
	char ip6[INET6_ADDRSTRLEN];
	if (host[0] == '[') {	/* written as libcurl writes it: [2001:db8::1] */
		struct in6_addr a6;
		if (hlen - 2 >= sizeof(ip6)) {
			*why = "is not a valid IPv6 address";
			return NULL;
		}
		memcpy(ip6, host + 1, hlen - 2);
		ip6[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, ip6, &a6) != 1) {
			*why = "is not a valid IPv6 address";
			return NULL;
		}
		inet_ntop(AF_INET6, &a6, ip6, sizeof(ip6));
		host = ip6;
		hlen = strlen(ip6);
	}
	char *out = xasprintf("%s://%s%.*s%s:%ld", https ? "https" : "http",
	    host == ip6 ? "[" : "", (int)hlen, host, host == ip6 ? "]" : "", port);
	for (char *c = out; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	return out;
}

/* Optional: origins besides the feed's own that its alert, audio and
 * redirect URIs may name (a CDN). Stored normalised. */
static int
parse_feed_allow_origins(struct parser *p, const config_setting_t *g,
    struct feed_conf *f)
{
	const config_setting_t *list = config_setting_get_member(g, "allow_origins");
	bool https_feed = strncasecmp(f->url, "https://", 8) == 0;

	if (opt_strings(p, g, "allow_origins", "feed", &f->allow_origins,
	    &f->nallow_origins) < 0)
		return -1;
	for (size_t i = 0; i < f->nallow_origins; i++) {
		const config_setting_t *e = config_setting_is_aggregate(list) ?
		    config_setting_get_elem(list, (unsigned)i) : list;
		const char *why = NULL;
		char *o = normalise_origin(f->allow_origins[i], &why);
		if (o == NULL)
			return fail(p, e, "allow_origins entry \"%s\" in feed '%s' %s",
			    f->allow_origins[i], f->url, why);
		if (https_feed && strncmp(o, "http://", 7) == 0) {
			free(o);
			return fail(p, e, "allow_origins entry \"%s\" is http but feed "
			    "'%s' is https: bulletins would travel unencrypted; use https",
			    f->allow_origins[i], f->url);
		}
		free(f->allow_origins[i]);
		f->allow_origins[i] = o;
	}
	return 0;
}

static int
parse_feed(struct parser *p, const config_setting_t *g, struct feed_conf *f)
{
	const char *url = NULL;
	const config_setting_t *prio = config_setting_get_member(g, "max_priority");
	const config_setting_t *keys = config_setting_get_member(g, "keys");

	check_members(p, g, feed_names, "in a 'feeds' entry");
	f->line = config_setting_source_line(g);
	f->poll_s = DEF_POLL_S;
	f->max_priority = PRIO_EMERGENCY;
	if (req_string(p, g, "url", "feed", &url) < 0)
		return -1;
	f->url = xstrdup(url);
	if (opt_int(p, g, "poll", "feed", 1, DAY_S, &f->poll_s) < 0 ||
	    opt_strings(p, g, "keys", "feed", &f->keys, &f->nkeys) < 0)
		return -1;
	if (prio) {
		const char *name = NULL;
		if (want_string(p, prio, "'max_priority' in feed", &name) < 0)
			return -1;
		int v = priority_from_name(name);
		if (v < 0)
			return fail(p, prio, "unknown priority '%s' for max_priority: use "
			    "normal, priority or emergency", name);
		f->max_priority = (enum priority)v;
	}
	if (f->nkeys == 0)
		warn(p, g, "feed '%s' lists no keys: none of its bulletins can be "
		    "verified, so none will air", f->url);
	for (size_t i = 0; i < f->nkeys; i++) {
		resolve_in_place(p, &f->keys[i]);
		if (!exists(f->keys[i]))
			warn(p, config_setting_is_aggregate(keys) ?
			    config_setting_get_elem(keys, (unsigned)i) : keys,
			    "key '%s' does not exist (yet)", f->keys[i]);
	}
	if (parse_feed_allow_origins(p, g, f) < 0)
		return -1;
	return parse_feed_ca(p, g, f);
}

static int
parse_feeds(struct parser *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *list;

	if (opt_list_of_groups(p, root, "feeds", &list) < 0)
		return -1;
	if (!list)
		return 0;
	cfg->feeds = xcalloc((size_t)config_setting_length(list), sizeof(*cfg->feeds));
	for (int i = 0; i < config_setting_length(list); i++) {
		/* Counted first so that config_free frees a half-read feed. */
		cfg->nfeeds++;
		if (parse_feed(p, config_setting_get_elem(list, i), &cfg->feeds[i]) < 0)
			return -1;
	}
	return 0;
}

static int
parse_small_groups(struct parser *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *b, *r, *l, *c;

	if (opt_group(p, root, "bulletins", &b) < 0 || opt_group(p, root, "report", &r) < 0 ||
	    opt_group(p, root, "log", &l) < 0 || opt_group(p, root, "control", &c) < 0)
		return -1;
	if (b) {
		check_members(p, b, bulletins_names, "in group 'bulletins'");
		if (opt_bool(p, b, "allow_test", "group 'bulletins'",
			&cfg->bulletins.allow_test) < 0 ||
		    opt_int(p, b, "default_lifetime", "group 'bulletins'", 1, INT_MAX,
			&cfg->bulletins.default_lifetime_s) < 0 ||
		    opt_int(p, b, "retry_max", "group 'bulletins'", 1, DEF_RETRY_MAX_S,
			&cfg->bulletins.retry_max_s) < 0)
			return -1;
	}
	if (r) {
		check_members(p, r, report_names, "in group 'report'");
		if (opt_string(p, r, "url", "group 'report'", &cfg->report.url) < 0 ||
		    opt_string(p, r, "token_file", "group 'report'", &cfg->report.token_file) < 0 ||
		    opt_int(p, r, "interval", "group 'report'", 1, INT_MAX,
			&cfg->report.interval_s) < 0)
			return -1;
	}
	if (l) {
		check_members(p, l, log_names, "in group 'log'");
		if (opt_int(p, l, "keep_days", "group 'log'", 1, 100000,
			&cfg->log.keep_days) < 0)
			return -1;
	}
	if (c) {
		check_members(p, c, control_names, "in group 'control'");
		if (opt_string(p, c, "group", "group 'control'", &cfg->control.group) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- *
 * Slots
 */

static int
parse_clock_setting(struct parser *p, const config_setting_t *g, const char *name,
    const char *slot, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	const char *v = NULL;
	char what[160];

	if (!s)
		return fail(p, g, "slot '%s' has no '%s' time", slot, name);
	snprintf(what, sizeof(what), "'%s' of slot '%s'", name, slot);
	if (want_string(p, s, what, &v) < 0)
		return -1;
	*out = config_parse_clock(v);
	if (*out < 0)
		return fail(p, s, "impossible time \"%s\" for %s: write HH:MM or HH:MM:SS "
		    "from 00:00 to 23:59:59", v, what);
	return 0;
}

static bool
playlist_exists(const struct parser *p, const char *name)
{
	char *m3u = xasprintf("%s/%s.m3u", p->cfg->paths.playlists, name);
	char *m3u8 = xasprintf("%s/%s.m3u8", p->cfg->paths.playlists, name);
	bool found = exists(m3u) || exists(m3u8);

	free(m3u);
	free(m3u8);
	return found;
}

static bool
relay_known(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nrelays; i++)
		if (strcmp(cfg->relays[i].name, name) == 0)
			return true;
	return false;
}

/* Checks what a step refers to: relays must exist, files should. */
static int
check_step(struct parser *p, const config_setting_t *s, struct step *st)
{
	switch (st->kind) {
	case STEP_FILE:
		resolve_in_place(p, &st->arg);
		if (!exists(st->arg))
			warn(p, s, "file '%s' does not exist (yet)", st->arg);
		break;
	case STEP_PLAYLIST:
		if (!playlist_exists(p, st->arg))
			warn(p, s, "playlist '%s' not found: no %s/%s.m3u or .m3u8 (yet)",
			    st->arg, p->cfg->paths.playlists, st->arg);
		break;
	case STEP_RELAY:
		if (!relay_known(p->cfg, st->arg))
			return fail(p, s, "step \"%s\" names no relay defined in 'relays'",
			    st->text);
		break;
	default:
		break;
	}
	return 0;
}

static int
parse_program(struct parser *p, const config_setting_t *g, struct slot *sl)
{
	const config_setting_t *prog = config_setting_get_member(g, "program");
	int n;

	if (!prog)
		return fail(p, g, "slot '%s' has no 'program'", sl->name);
	if (config_setting_type(prog) == CONFIG_TYPE_STRING) {
		n = 1;
	} else if (config_setting_is_array(prog) || config_setting_is_list(prog)) {
		n = config_setting_length(prog);
	} else {
		return fail(p, prog, "'program' of slot '%s' must be an array of steps "
		    "[ \"...\", ... ], not %s", sl->name, type_desc(prog));
	}
	if (n == 0)
		return fail(p, prog, "slot '%s' has an empty program", sl->name);
	sl->steps = xcalloc((size_t)n, sizeof(*sl->steps));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_type(prog) == CONFIG_TYPE_STRING ?
		    prog : config_setting_get_elem(prog, (unsigned)i);
		char what[160], msg[512];
		const char *text = NULL;

		snprintf(what, sizeof(what), "step %d of slot '%s'", i + 1, sl->name);
		if (want_string(p, e, what, &text) < 0)
			return -1;
		if (config_parse_step(text, &sl->steps[i], msg, sizeof(msg)) < 0)
			return fail(p, e, "slot '%s': %s", sl->name, msg);
		sl->nsteps++;
		if (check_step(p, e, &sl->steps[i]) < 0)
			return -1;
	}
	return 0;
}

/* One slot; in_exception: no days (the exception's date applies). */
static int
parse_slot(struct parser *p, const config_setting_t *g, bool in_exception,
    struct slot *sl)
{
	const config_setting_t *days = config_setting_get_member(g, "days");
	const char *name = NULL;
	char where[200];

	sl->line = config_setting_source_line(g);
	sl->volume = -1;
	sl->days = in_exception ? 0 : DAYS_ALL;
	if (req_string(p, g, "name", "slot", &name) < 0)
		return -1;
	sl->name = xstrdup(name);
	if (in_exception) {
		snprintf(where, sizeof(where), "in exception slot '%s' (the exception's "
		    "date applies)", name);
		check_members(p, g, exc_slot_names, where);
	} else {
		snprintf(where, sizeof(where), "in slot '%s'", name);
		check_members(p, g, slot_names, where);
	}
	snprintf(where, sizeof(where), "slot '%s'", name);
	if (days && !in_exception) {
		const char *v = NULL;
		if (want_string(p, days, "'days'", &v) < 0)
			return -1;
		int set = config_parse_days(v);
		if (set <= 0)
			return fail(p, days, "unknown weekday in days \"%s\" of slot '%s': use "
			    "mon..sun, ranges like mon-fri, lists like mon,wed,sat, or daily",
			    v, name);
		sl->days = (unsigned)set;
	}
	if (parse_clock_setting(p, g, "start", name, &sl->start_s) < 0 ||
	    parse_clock_setting(p, g, "end", name, &sl->end_s) < 0 ||
	    opt_int(p, g, "volume", where, 0, 100, &sl->volume) < 0 ||
	    opt_bool(p, g, "loop", where, &sl->loop) < 0)
		return -1;
	return parse_program(p, g, sl);
}

static int
parse_slot_list(struct parser *p, const config_setting_t *list, bool in_exception,
    struct slot **slots, size_t *nslots)
{
	*slots = xcalloc((size_t)config_setting_length(list) + 1, sizeof(**slots));
	for (int i = 0; i < config_setting_length(list); i++) {
		/* Counted first so that config_free frees a half-read slot. */
		(*nslots)++;
		if (parse_slot(p, config_setting_get_elem(list, i), in_exception,
			&(*slots)[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- *
 * Overlaps
 */

/* A slot's stretch of air within one day. */
struct stretch {
	int from_s, to_s;
	const struct slot *slot;
	bool from_yesterday;	/* the tail of a slot that crossed midnight */
};

static void
add_stretch(struct stretch **v, size_t *n, size_t *cap, int from, int to,
    const struct slot *sl, bool tail)
{
	if (from >= to)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = (struct stretch){ from, to, sl, tail };
}

/* The stretches of slots on weekday d, including yesterday's crossings. */
static void
day_stretches(const struct slot *slots, size_t n, int d, struct stretch **v,
    size_t *nv, size_t *cap)
{
	int yesterday = (d + 6) % 7;

	for (size_t i = 0; i < n; i++) {
		const struct slot *sl = &slots[i];
		bool crosses = sl->end_s <= sl->start_s;

		if (sl->days & (1u << d))
			add_stretch(v, nv, cap, sl->start_s, crosses ? DAY_S : sl->end_s,
			    sl, false);
		if (crosses && (sl->days & (1u << yesterday)))
			add_stretch(v, nv, cap, 0, sl->end_s, sl, true);
	}
}

static void
format_clock(int s, char *buf, size_t len)
{
	if (s % 60)
		snprintf(buf, len, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%02d:%02d", s / 3600, s / 60 % 60);
}

static void
describe_slot(const struct stretch *st, const char *day, char *buf, size_t len)
{
	char a[16], b[16];

	format_clock(st->slot->start_s, a, sizeof(a));
	format_clock(st->slot->end_s, b, sizeof(b));
	if (st->from_yesterday)
		snprintf(buf, len, "slot '%s' (line %d, %s-%s, crossing midnight into %s)",
		    st->slot->name, st->slot->line, a, b, day);
	else
		snprintf(buf, len, "slot '%s' (line %d, %s-%s)", st->slot->name,
		    st->slot->line, a, b);
}

/* Refuses the first pair of stretches that share air; day names the day. */
static int
check_stretches(struct parser *p, const struct stretch *v, size_t n, const char *day)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = i + 1; k < n; k++) {
			const struct stretch *a = &v[i], *b = &v[k];
			char da[256], db[256];

			if (a->slot == b->slot || a->to_s <= b->from_s || b->to_s <= a->from_s)
				continue;
			/* Report at the slot defined last: the one most likely just added. */
			if (a->slot->line > b->slot->line) {
				const struct stretch *t = a;
				a = b;
				b = t;
			}
			describe_slot(a, day, da, sizeof(da));
			describe_slot(b, day, db, sizeof(db));
			return fail_at(p, NULL, b->slot->line, "%s overlaps %s on %s", db, da,
			    day);
		}
	}
	return 0;
}

static int
check_timetable_overlaps(struct parser *p)
{
	struct stretch *v = NULL;
	size_t n, cap = 0;
	int rc = 0;

	for (int d = 0; d < 7 && rc == 0; d++) {
		n = 0;
		day_stretches(p->cfg->slots, p->cfg->nslots, d, &v, &n, &cap);
		rc = check_stretches(p, v, n, day_names[d]);
	}
	free(v);
	return rc;
}

/* Monday = 0 ... Sunday = 6 (Sakamoto's method). */
static int
weekday_of(int y, int m, int d)
{
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y -= 1;
	int sunday0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
	return (sunday0 + 6) % 7;
}

static int
check_exception_overlaps(struct parser *p, const struct exception *e)
{
	struct stretch *v = NULL;
	size_t n = 0, cap = 0;
	char day[16];
	int rc;

	snprintf(day, sizeof(day), "%04d-%02d-%02d", e->year, e->month, e->day);
	if (e->mode == EXC_ADD)
		day_stretches(p->cfg->slots, p->cfg->nslots,
		    weekday_of(e->year, e->month, e->day), &v, &n, &cap);
	for (size_t i = 0; i < e->nslots; i++) {
		const struct slot *sl = &e->slots[i];
		add_stretch(&v, &n, &cap, sl->start_s,
		    sl->end_s <= sl->start_s ? DAY_S : sl->end_s, sl, false);
	}
	rc = check_stretches(p, v, n, day);
	free(v);
	return rc;
}

/* ---------------------------------------------------------------- *
 * Timetable and exceptions
 */

static int
parse_timetable(struct parser *p, const config_setting_t *root)
{
	const config_setting_t *list;

	if (opt_list_of_groups(p, root, "timetable", &list) < 0)
		return -1;
	if (list && parse_slot_list(p, list, false, &p->cfg->slots, &p->cfg->nslots) < 0)
		return -1;
	return check_timetable_overlaps(p);
}

static bool
leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* "YYYY-MM-DD", a real calendar date; 0 or -1. */
static int
parse_date(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	*y = atoi(s);
	*m = two_digits(s + 5);
	*d = two_digits(s + 8);
	if (*y < 1970 || *m < 1 || *m > 12 || *d < 1)
		return -1;
	return *d <= mdays[*m - 1] + (*m == 2 && leap_year(*y)) ? 0 : -1;
}

static int
parse_exception(struct parser *p, const config_setting_t *g, struct exception *e)
{
	const config_setting_t *slots;
	const char *date = NULL, *mode = NULL;

	e->line = config_setting_source_line(g);
	check_members(p, g, exception_names, "in an 'exceptions' entry");
	if (req_string(p, g, "date", "exception", &date) < 0)
		return -1;
	if (parse_date(date, &e->year, &e->month, &e->day) < 0)
		return fail(p, config_setting_get_member(g, "date"), "bad exception date "
		    "\"%s\": write an existing date as YYYY-MM-DD", date);
	for (const struct exception *o = p->cfg->exceptions; o < e; o++)
		if (o->year == e->year && o->month == e->month && o->day == e->day)
			return fail(p, g, "a second exception for %s (the first is at line %d)",
			    date, o->line);
	if (req_string(p, g, "mode", "exception", &mode) < 0)
		return -1;
	if (strcmp(mode, "replace") == 0)
		e->mode = EXC_REPLACE;
	else if (strcmp(mode, "add") == 0)
		e->mode = EXC_ADD;
	else
		return fail(p, config_setting_get_member(g, "mode"), "bad exception mode "
		    "\"%s\" for %s: use \"replace\" or \"add\"", mode, date);
	if (opt_list_of_groups(p, g, "slots", &slots) < 0)
		return -1;
	if (!slots && e->mode == EXC_ADD)
		warn(p, g, "exception for %s adds no slots", date);
	if (slots && parse_slot_list(p, slots, true, &e->slots, &e->nslots) < 0)
		return -1;
	return check_exception_overlaps(p, e);
}

static int
parse_exceptions(struct parser *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *list;

	if (opt_list_of_groups(p, root, "exceptions", &list) < 0)
		return -1;
	if (!list)
		return 0;
	cfg->exceptions = xcalloc((size_t)config_setting_length(list),
	    sizeof(*cfg->exceptions));
	for (int i = 0; i < config_setting_length(list); i++) {
		cfg->nexceptions++;
		if (parse_exception(p, config_setting_get_elem(list, i),
			&cfg->exceptions[i]) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- *
 * Entry points
 */

/* Reads the settings of a parsed file; the order lets later parts use
 * earlier ones (playlists folder, relay names). */
static int
read_settings(struct parser *p, const config_setting_t *root)
{
	check_members(p, root, top_names, "at the top level");
	if (parse_station(p, root) < 0 || parse_paths(p, root) < 0 ||
	    parse_audio(p, root) < 0 || parse_relays(p, root) < 0 ||
	    parse_feeds(p, root) < 0 || parse_small_groups(p, root) < 0 ||
	    parse_timetable(p, root) < 0 || parse_exceptions(p, root) < 0)
		return -1;
	return 0;
}

static struct config *
parse(struct parser *p, config_t *lc, bool ok)
{
	struct config *cfg = NULL;

	if (!ok) {
		const char *file = config_error_file(lc);
		fail_at(p, NULL, config_error_line(lc), "%s", config_error_text(lc));
		/* An error inside an included file names that file. */
		if (file && strcmp(file, p->name) != 0 && p->err && p->errlen)
			snprintf(p->err, p->errlen, "%s:%d: %s", file, config_error_line(lc),
			    config_error_text(lc));
		goto out;
	}
	cfg = config_defaults();
	cfg->path = xstrdup(p->name);
	cfg->dir = xstrdup(p->dir);
	p->cfg = cfg;
	if (read_settings(p, config_root_setting(lc)) < 0) {
		config_free(cfg);
		cfg = NULL;
	}
out:
	config_destroy(lc);
	return cfg;
}

static void
parser_init(struct parser *p, const char *name, config_warn_fn warn_fn, void *ctx,
    char *err, size_t errlen, char *dir)
{
	*p = (struct parser){ .name = name, .dir = dir, .warn = warn_fn, .ctx = ctx,
		.err = err, .errlen = errlen };
	if (err && errlen)
		err[0] = '\0';
}

/* Files larger than this are not configurations. */
#define MAX_CONFIG_BYTES (4 << 20)

struct config *
config_load(const char *path, config_warn_fn warn_fn, void *ctx, char *err,
    size_t errlen)
{
	char msg[512];
	char *text = read_file_all(path, MAX_CONFIG_BYTES, NULL, msg, sizeof(msg));
	struct config *cfg;

	/* read_file_all's message starts with the path already. */
	if (!text) {
		if (err && errlen)
			snprintf(err, errlen, "%s (the configuration)", msg);
		return NULL;
	}
	cfg = config_parse_string(text, path, warn_fn, ctx, err, errlen);
	free(text);
	return cfg;
}

struct config *
config_parse_string(const char *text, const char *name, config_warn_fn warn_fn,
    void *ctx, char *err, size_t errlen)
{
	struct parser p;
	config_t lc;
	char *dir = folder_of(name);
	struct config *cfg;

	parser_init(&p, name, warn_fn, ctx, err, errlen, dir);
	p.text = text;
	config_init(&lc);
	config_set_include_dir(&lc, dir);
	cfg = parse(&p, &lc, config_read_string(&lc, text) == CONFIG_TRUE);
	free(dir);
	return cfg;
}
