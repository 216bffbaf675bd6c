#include "core/config_timetable.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config_overlap.h"
#include "core/log.h"
#include "playlists/m3u.h"

const char *const config_slot_names[] = { "name", "days", "start", "end",
	"volume", "loop", "program", NULL };
const char *const config_exception_names[] = { "date", "mode", "slots", NULL };
/* An exception's slot: its date gives the day. */
static const char *const exc_slot_names[] = { "name", "start", "end", "volume",
	"loop", "program", NULL };

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---------------------------------------------------------------- *
 * Slots
 */

static int
parse_clock_setting(struct confread *p, const config_setting_t *g, const char *name,
    const char *slot, int *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	const char *v = NULL;
	char what[160];

	if (!s)
		return confread_fail(p, g, "slot '%s' has no '%s' time", slot, name);
	snprintf(what, sizeof(what), "'%s' of slot '%s'", name, slot);
	if (confread_want_string(p, s, what, &v) < 0)
		return -1;
	*out = config_parse_clock(v);
	if (*out < 0)
		return confread_fail(p, s, "impossible time \"%s\" for %s: write HH:MM or HH:MM:SS "
		    "from 00:00 to 23:59:59", v, what);
	return 0;
}

/* Found as the station will look for it (m3u_find, which also keeps the
 * name inside the folder). */
static bool
playlist_exists(const struct confread *p, const char *name)
{
	char *path = m3u_find(p->cfg->paths.playlists, name);

	free(path);
	return path != NULL;
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
int
config_check_step(struct confread *p, const config_setting_t *s, struct step *st)
{
	switch (st->kind) {
	case STEP_FILE:
		confread_resolve_in_place(p, &st->arg);
		if (!exists(st->arg))
			confread_warn(p, s, "file '%s' does not exist (yet)", st->arg);
		break;
	case STEP_PLAYLIST:
		if (!playlist_exists(p, st->arg))
			confread_warn(p, s, "playlist '%s' not found: no %s/%s.m3u or .m3u8 (yet)",
			    st->arg, p->cfg->paths.playlists, st->arg);
		break;
	case STEP_RELAY:
		if (!relay_known(p->cfg, st->arg))
			return confread_fail(p, s, "step \"%s\" names no relay defined in 'relays'",
			    st->text);
		break;
	default:
		break;
	}
	return 0;
}

static int
parse_program(struct confread *p, const config_setting_t *g, struct slot *sl)
{
	const config_setting_t *prog = config_setting_get_member(g, "program");
	int n;

	if (!prog)
		return confread_fail(p, g, "slot '%s' has no 'program'", sl->name);
	if (config_setting_type(prog) == CONFIG_TYPE_STRING) {
		n = 1;
	} else if (config_setting_is_array(prog) || config_setting_is_list(prog)) {
		n = config_setting_length(prog);
	} else {
		return confread_fail(p, prog, "'program' of slot '%s' must be an array of steps "
		    "[ \"...\", ... ], not %s", sl->name, confread_type_desc(prog));
	}
	if (n == 0)
		return confread_fail(p, prog, "slot '%s' has an empty program", sl->name);
	sl->steps = xcalloc((size_t)n, sizeof(*sl->steps));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_type(prog) == CONFIG_TYPE_STRING ?
		    prog : config_setting_get_elem(prog, (unsigned)i);
		char what[160], msg[512];
		const char *text = NULL;

		snprintf(what, sizeof(what), "step %d of slot '%s'", i + 1, sl->name);
		if (confread_want_string(p, e, what, &text) < 0)
			return -1;
		if (config_parse_step(text, &sl->steps[i], msg, sizeof(msg)) < 0)
			return confread_fail(p, e, "slot '%s': %s", sl->name, msg);
		sl->nsteps++;
		if (config_check_step(p, e, &sl->steps[i]) < 0)
			return -1;
	}
	return 0;
}

/* One slot; in_exception: no days (the exception's date applies). */
static int
parse_slot(struct confread *p, const config_setting_t *g, bool in_exception,
    struct slot *sl)
{
	const config_setting_t *days = config_setting_get_member(g, "days");
	const char *name = NULL;
	char where[200];

	sl->line = config_setting_source_line(g);
	sl->volume = -1;
	sl->days = in_exception ? 0 : DAYS_ALL;
	if (confread_req_string(p, g, "name", "slot", &name) < 0)
		return -1;
	sl->name = xstrdup(name);
	if (in_exception) {
		snprintf(where, sizeof(where), "in exception slot '%s' (the exception's "
		    "date applies)", name);
		confread_check_members(p, g, exc_slot_names, where);
	} else {
		snprintf(where, sizeof(where), "in slot '%s'", name);
		confread_check_members(p, g, config_slot_names, where);
	}
	snprintf(where, sizeof(where), "slot '%s'", name);
	if (days && !in_exception) {
		const char *v = NULL;
		if (confread_want_string(p, days, "'days'", &v) < 0)
			return -1;
		int set = config_parse_days(v);
		if (set <= 0)
			return confread_fail(p, days, "unknown weekday in days \"%s\" of slot '%s': use "
			    "mon..sun, ranges like mon-fri, lists like mon,wed,sat, or daily",
			    v, name);
		sl->days = (unsigned)set;
	}
	if (parse_clock_setting(p, g, "start", name, &sl->start_s) < 0 ||
	    parse_clock_setting(p, g, "end", name, &sl->end_s) < 0 ||
	    confread_opt_int(p, g, "volume", where, 0, 100, &sl->volume) < 0 ||
	    confread_opt_bool(p, g, "loop", where, &sl->loop) < 0)
		return -1;
	return parse_program(p, g, sl);
}

static int
parse_slot_list(struct confread *p, const config_setting_t *list, bool in_exception,
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
 * Timetable and exceptions
 */

static int
check_week_overlaps(struct confread *p)
{
	char msg[1024];
	int line = 0;

	if (config_overlap_week(p->cfg->slots, p->cfg->nslots, msg, sizeof(msg),
		&line) < 0)
		return confread_fail_at(p, NULL, line, "%s", msg);
	return 0;
}

static int
check_exception_overlaps(struct confread *p, const struct exception *e)
{
	char msg[1024];
	int line = 0;

	if (config_overlap_exception(p->cfg->slots, p->cfg->nslots, e, msg,
		sizeof(msg), &line) < 0)
		return confread_fail_at(p, NULL, line, "%s", msg);
	return 0;
}

int
config_timetable_parse(struct confread *p, const config_setting_t *root)
{
	const config_setting_t *list;

	if (confread_opt_list_of_groups(p, root, "timetable", &list) < 0)
		return -1;
	if (list && parse_slot_list(p, list, false, &p->cfg->slots, &p->cfg->nslots) < 0)
		return -1;
	return check_week_overlaps(p);
}

static int
parse_exception(struct confread *p, const config_setting_t *g, struct exception *e)
{
	const config_setting_t *slots;
	const char *date = NULL, *mode = NULL;

	e->line = config_setting_source_line(g);
	confread_check_members(p, g, config_exception_names, "in an 'exceptions' entry");
	if (confread_req_string(p, g, "date", "exception", &date) < 0)
		return -1;
	if (config_parse_date(date, &e->year, &e->month, &e->day) < 0)
		return confread_fail(p, config_setting_get_member(g, "date"), "bad exception date "
		    "\"%s\": write an existing date as YYYY-MM-DD", date);
	for (const struct exception *o = p->cfg->exceptions; o < e; o++)
		if (o->year == e->year && o->month == e->month && o->day == e->day)
			return confread_fail(p, g, "a second exception for %s (the first is at line %d)",
			    date, o->line);
	if (confread_req_string(p, g, "mode", "exception", &mode) < 0)
		return -1;
	if (strcmp(mode, "replace") == 0)
		e->mode = EXC_REPLACE;
	else if (strcmp(mode, "add") == 0)
		e->mode = EXC_ADD;
	else
		return confread_fail(p, config_setting_get_member(g, "mode"), "bad exception mode "
		    "\"%s\" for %s: use \"replace\" or \"add\"", mode, date);
	if (confread_opt_list_of_groups(p, g, "slots", &slots) < 0)
		return -1;
	if (!slots && e->mode == EXC_ADD)
		confread_warn(p, g, "exception for %s adds no slots", date);
	if (slots && parse_slot_list(p, slots, true, &e->slots, &e->nslots) < 0)
		return -1;
	return check_exception_overlaps(p, e);
}

int
config_exceptions_parse(struct confread *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *list;

	if (confread_opt_list_of_groups(p, root, "exceptions", &list) < 0)
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

