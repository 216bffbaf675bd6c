#include "core/config.h"

#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/confread.h"
#include "core/config_web.h"
#include "core/config_timetable.h"
#include "core/log.h"
#include "core/origin.h"
#include "core/util.h"

/* Defaults (the example configuration repeats them; keep both in step);
 * the ones other programs need are in config.h. */
#define DEF_STATE	"/var/lib/loaxa"
#define DEF_CACHE	"/var/cache/loaxa"
#define DEF_PLAYED_LOG	"/var/log/loaxa/played.jsonl"
#define DEF_PLAYLISTS	"/etc/loaxa/playlists"
#define DEF_DEVICE	"default"
#define DEF_VOLUME	100
#define DEF_FADE_MS	2000
#define DEF_PREROLL_MS	1500
#define DEF_POLL_S	15
#define DEF_RETRY_MAX_S	60	/* an alert must not wait longer for a failing feed */
#define DEF_LANGUAGE	"vi"
#define DEF_MAX_MESSAGE	(4 * 1024 * 1024)	/* an IPAWS message with its audio: ~0.5 MB */
#define MIN_MAX_MESSAGE	4096
#define MAX_MAX_MESSAGE	(64 * 1024 * 1024)
#define DEF_REPORT_S	60
#define DEF_KEEP_DAYS	30

/* ---------------------------------------------------------------- *
 * Known settings, per place. An unknown name is looked up in the other
 * places so that a setting in the wrong group is called "misplaced".
 */

static const char *const top_names[] = { "station", "paths", "audio", "feeds",
	"relays", "timetable", "exceptions", "bulletins", "report", "log", "control",
	"web", NULL };
static const char *const station_names[] = { "name", "areas", "location", "languages", NULL };
static const char *const paths_names[] = { "state", "cache", "played_log",
	"playlists", "socket", NULL };
static const char *const audio_names[] = { "device", "volume", "chime",
	"buffer_ms", "fade_ms", "preroll_ms", "pace", "loudness", NULL };
static const char *const feed_names[] = { "url", "poll", "keys", "max_priority",
	"ca", "allow_origins", "push", NULL };
static const char *const relay_names[] = { "name", "url", "fallback", "gain_db", NULL };
static const char *const bulletins_names[] = { "allow_test", "default_lifetime",
	"retry_max", "speak_text", "max_message_size", NULL };
static const char *const report_names[] = { "url", "interval", "token_file", NULL };
static const char *const log_names[] = { "keep_days", NULL };
static const char *const control_names[] = { "group", NULL };

static const struct confread_place places[] = {
	{ "at the top level", top_names },
	{ "in group 'station'", station_names },
	{ "in group 'paths'", paths_names },
	{ "in group 'audio'", audio_names },
	{ "in a 'feeds' entry", feed_names },
	{ "in a 'relays' entry", relay_names },
	{ "in a 'timetable' slot", config_slot_names },
	{ "in an 'exceptions' entry", config_exception_names },
	{ "in group 'bulletins'", bulletins_names },
	{ "in group 'report'", report_names },
	{ "in group 'log'", log_names },
	{ "in group 'control'", control_names },
	{ "in group 'web'", config_web_names },
};

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
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
	free_strv(cfg->station.languages, cfg->station.nlanguages);
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
		free(cfg->feeds[i].push);
	}
	free(cfg->feeds);
	for (size_t i = 0; i < cfg->nrelays; i++) {
		free(cfg->relays[i].name);
		free(cfg->relays[i].url);
		config_step_clear(&cfg->relays[i].fallback);
	}
	free(cfg->relays);
	free_slots(cfg->slots, cfg->nslots);
	for (size_t i = 0; i < cfg->nexceptions; i++)
		free_slots(cfg->exceptions[i].slots, cfg->exceptions[i].nslots);
	free(cfg->exceptions);
	free(cfg->report.url);
	free(cfg->report.token_file);
	free(cfg->control.group);
	config_web_free(cfg);
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
	cfg->paths.socket = xstrdup(CONFIG_DEFAULT_SOCKET);
	cfg->audio.device = xstrdup(DEF_DEVICE);
	cfg->audio.volume = DEF_VOLUME;
	cfg->audio.chime = xstrdup("");
	cfg->audio.buffer_ms = CONFIG_DEFAULT_BUFFER_MS;
	cfg->audio.fade_ms = DEF_FADE_MS;
	cfg->audio.preroll_ms = DEF_PREROLL_MS;
	cfg->audio.loudness = CONFIG_DEFAULT_LOUDNESS;
	cfg->audio.pace = true;
	cfg->bulletins.allow_test = false;
	cfg->bulletins.default_lifetime_s = CONFIG_DEFAULT_LIFETIME_S;
	cfg->bulletins.retry_max_s = DEF_RETRY_MAX_S;
	cfg->bulletins.speak_text = true;
	cfg->bulletins.max_message_size = DEF_MAX_MESSAGE;
	cfg->report.url = xstrdup("");
	cfg->report.token_file = xstrdup("");
	cfg->report.interval_s = DEF_REPORT_S;
	cfg->log.keep_days = DEF_KEEP_DAYS;
	cfg->control.group = xstrdup(CONFIG_DEFAULT_GROUP);
	config_web_defaults(cfg);
	return cfg;
}

/* station.location = [ LAT, LON ] and station.languages. */
static int
parse_station_place(struct confread *p, const config_setting_t *g)
{
	struct config *cfg = p->cfg;
	const config_setting_t *loc = config_setting_get_member(g, "location");

	if (loc != NULL) {
		double v[2];
		if (!config_setting_is_array(loc) || config_setting_length(loc) != 2)
			return confread_fail(p, loc, "'location' in group 'station' must be [ LATITUDE, "
			    "LONGITUDE ] in degrees, not %s", confread_type_desc(loc));
		for (int i = 0; i < 2; i++) {
			const config_setting_t *e = config_setting_get_elem(loc, i);
			int t = config_setting_type(e);
			if (t != CONFIG_TYPE_FLOAT && t != CONFIG_TYPE_INT)
				return confread_fail(p, e, "'location' in group 'station' must hold numbers "
				    "(degrees), not %s", confread_type_desc(e));
			v[i] = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(e)
			    : (double)config_setting_get_int(e);
		}
		if (v[0] < -90 || v[0] > 90 || v[1] < -180 || v[1] > 180)
			return confread_fail(p, loc, "'location' in group 'station': [ %g, %g ] is not a "
			    "latitude (-90..90) and longitude (-180..180)", v[0], v[1]);
		cfg->station.has_location = true;
		cfg->station.lat = v[0];
		cfg->station.lon = v[1];
	}
	if (confread_opt_strings(p, g, "languages", "group 'station'", &cfg->station.languages,
	    &cfg->station.nlanguages) < 0)
		return -1;
	const config_setting_t *l = config_setting_get_member(g, "languages");
	if (l != NULL && cfg->station.nlanguages == 0)
		return confread_fail(p, l, "'languages' in group 'station' is empty (leave it out for "
		    "the default [ \"%s\" ])", DEF_LANGUAGE);
	for (size_t i = 0; i < cfg->station.nlanguages; i++)
		if (!config_language_tag_ok(cfg->station.languages[i]))
			return confread_fail(p, l, "'languages' in group 'station': \"%s\" is not a "
			    "language tag like \"vi\" or \"en-US\"", cfg->station.languages[i]);
	if (cfg->station.nlanguages == 0) {
		cfg->station.languages = xcalloc(2, sizeof(char *));
		cfg->station.languages[0] = xstrdup(DEF_LANGUAGE);
		cfg->station.nlanguages = 1;
	}
	return 0;
}

static int
parse_station(struct confread *p, const config_setting_t *root)
{
	const config_setting_t *g;
	const char *where = "group 'station'";

	if (confread_opt_group(p, root, "station", &g) < 0)
		return -1;
	if (!g) {
		p->cfg->station.languages = xcalloc(2, sizeof(char *));
		p->cfg->station.languages[0] = xstrdup(DEF_LANGUAGE);
		p->cfg->station.nlanguages = 1;
		return 0;
	}
	confread_check_members(p, g, station_names, "in group 'station'");
	if (confread_opt_string(p, g, "name", where, &p->cfg->station.name) < 0)
		return -1;
	if (confread_opt_strings(p, g, "areas", where, &p->cfg->station.areas,
	    &p->cfg->station.nareas) < 0)
		return -1;
	return parse_station_place(p, g);
}

static int
parse_paths(struct confread *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *g;
	const char *where = "group 'paths'";
	struct { const char *name; char **dst; } paths[] = {
		{ "state", &cfg->paths.state }, { "cache", &cfg->paths.cache },
		{ "played_log", &cfg->paths.played_log },
		{ "playlists", &cfg->paths.playlists }, { "socket", &cfg->paths.socket },
	};

	if (confread_opt_group(p, root, "paths", &g) < 0)
		return -1;
	if (!g)
		return 0;
	confread_check_members(p, g, paths_names, "in group 'paths'");
	for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
		const config_setting_t *s = config_setting_get_member(g, paths[i].name);
		if (confread_opt_string(p, g, paths[i].name, where, paths[i].dst) < 0)
			return -1;
		if (s && **paths[i].dst == '\0')
			return confread_fail(p, s, "'%s' in %s is empty", paths[i].name, where);
		confread_resolve_in_place(p, paths[i].dst);
	}
	return 0;
}

static int
parse_audio(struct confread *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *g, *chime;
	const char *where = "group 'audio'";

	if (confread_opt_group(p, root, "audio", &g) < 0)
		return -1;
	if (!g)
		return 0;
	confread_check_members(p, g, audio_names, "in group 'audio'");
	if (confread_opt_string(p, g, "device", where, &cfg->audio.device) < 0 ||
	    confread_opt_int(p, g, "volume", where, 0, 100, &cfg->audio.volume) < 0 ||
	    confread_opt_string(p, g, "chime", where, &cfg->audio.chime) < 0 ||
	    confread_opt_int(p, g, "buffer_ms", where, CONFIG_MIN_BUFFER_MS, 10000,
		&cfg->audio.buffer_ms) < 0 ||
	    confread_opt_int(p, g, "fade_ms", where, 0, 600000, &cfg->audio.fade_ms) < 0 ||
	    confread_opt_int(p, g, "preroll_ms", where, 0, 600000, &cfg->audio.preroll_ms) < 0 ||
	    confread_opt_bool(p, g, "pace", where, &cfg->audio.pace) < 0 ||
	    confread_opt_double(p, g, "loudness", where, -40.0, 0.0, &cfg->audio.loudness) < 0)
		return -1;
	confread_resolve_in_place(p, &cfg->audio.chime);
	chime = config_setting_get_member(g, "chime");
	if (chime && cfg->audio.chime[0] && !exists(cfg->audio.chime))
		confread_warn(p, chime, "chime '%s' does not exist (yet): slots will fail at their "
		    "chime step until it does", cfg->audio.chime);
	return 0;
}


/* A relay's fallback: any program step that ends by itself (not a relay). */
static int
parse_relay_fallback(struct confread *p, const config_setting_t *g, struct relay_conf *r)
{
	const config_setting_t *s = config_setting_get_member(g, "fallback");
	char msg[512];

	if (!s) {
		r->fallback.kind = STEP_SILENCE;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return confread_fail(p, s, "'fallback' of relay '%s' must be a string such as "
		    "\"playlist:music\"", r->name);
	if (config_parse_step(config_setting_get_string(s), &r->fallback, msg, sizeof(msg)) < 0)
		return confread_fail(p, s, "fallback of relay '%s': %s", r->name, msg);
	if (r->fallback.kind != STEP_PLAYLIST && r->fallback.kind != STEP_FILE &&
	    r->fallback.kind != STEP_SILENCE)
		return confread_fail(p, s, "fallback of relay '%s' must be playlist:NAME, "
		    "file:PATH or silence:SECONDS, not \"%s\"", r->name, r->fallback.text);
	return config_check_step(p, s, &r->fallback);
}

static int
parse_relays(struct confread *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *list;

	if (confread_opt_list_of_groups(p, root, "relays", &list) < 0)
		return -1;
	if (!list)
		return 0;
	cfg->relays = xcalloc((size_t)config_setting_length(list), sizeof(*cfg->relays));
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, i);
		struct relay_conf *r = &cfg->relays[cfg->nrelays];
		const char *name = NULL, *url = NULL;

		confread_check_members(p, g, relay_names, "in a 'relays' entry");
		if (confread_req_string(p, g, "name", "relay", &name) < 0 ||
		    confread_req_string(p, g, "url", "relay", &url) < 0)
			return -1;
		for (size_t k = 0; k < cfg->nrelays; k++)
			if (strcmp(cfg->relays[k].name, name) == 0)
				return confread_fail(p, g, "relay '%s' is defined twice (first at line %d)",
				    name, cfg->relays[k].line);
		r->name = xstrdup(name);
		r->url = xstrdup(url);
		r->line = config_setting_source_line(g);
		cfg->nrelays++;
		if (!str_has_prefix(url, "http://") && !str_has_prefix(url, "https://"))
			return confread_fail(p, g, "relay '%s': url must be http:// or https://, not "
			    "\"%s\"", name, url);
		if (parse_relay_fallback(p, g, r) < 0 ||
		    confread_opt_double(p, g, "gain_db", "a 'relays' entry", -30.0, 30.0,
		    &r->gain_db) < 0)
			return -1;
	}
	return 0;
}

/* Optional: a province with its own CA names it instead of trusting the
 * system store. Verification itself is never optional. */
static int
parse_feed_ca(struct confread *p, const config_setting_t *g, struct feed_conf *f)
{
	const config_setting_t *ca = config_setting_get_member(g, "ca");

	if (!ca)
		return 0;
	if (confread_opt_string(p, g, "ca", "feed", &f->ca) < 0)
		return -1;
	if (f->ca[0] == '\0')
		return confread_fail(p, ca, "'ca' in feed is empty: leave it out to trust the "
		    "system's certificate store");
	confread_resolve_in_place(p, &f->ca);
	if (strncasecmp(f->url, "https://", 8) != 0)
		confread_warn(p, ca, "feed '%s' is not https: its 'ca' is not used", f->url);
	if (!exists(f->ca))
		confread_warn(p, ca, "ca '%s' does not exist (yet): every HTTPS fetch of feed '%s' "
		    "will fail until it does", f->ca, f->url);
	return 0;
}

/* Optional: the feed's push channel (server-sent events). It only wakes
 * the station to poll, so it may be anywhere; it must be http(s). */
static int
parse_feed_push(struct confread *p, const config_setting_t *g, struct feed_conf *f)
{
	const config_setting_t *push = config_setting_get_member(g, "push");

	if (!push)
		return 0;
	if (confread_opt_string(p, g, "push", "feed", &f->push) < 0)
		return -1;
	if (strncasecmp(f->push, "http://", 7) != 0 && strncasecmp(f->push, "https://", 8) != 0)
		return confread_fail(p, push, "push \"%s\" in feed '%s' is not an http:// or "
		    "https:// URL (an nchan EventSource location)", f->push, f->url);
	return 0;
}

/* Optional: origins besides the feed's own that its alert, audio and
 * redirect URIs may name (a CDN). Stored normalised. */
static int
parse_feed_allow_origins(struct confread *p, const config_setting_t *g,
    struct feed_conf *f)
{
	const config_setting_t *list = config_setting_get_member(g, "allow_origins");
	bool https_feed = strncasecmp(f->url, "https://", 8) == 0;

	if (confread_opt_strings(p, g, "allow_origins", "feed", &f->allow_origins,
	    &f->nallow_origins) < 0)
		return -1;
	for (size_t i = 0; i < f->nallow_origins; i++) {
		const config_setting_t *e = config_setting_is_aggregate(list) ?
		    config_setting_get_elem(list, (unsigned)i) : list;
		const char *why = NULL;
		char *o = origin_parse_entry(f->allow_origins[i], &why);
		if (o == NULL)
			return confread_fail(p, e, "allow_origins entry \"%s\" in feed '%s' %s",
			    f->allow_origins[i], f->url, why);
		if (https_feed && strncmp(o, "http://", 7) == 0) {
			free(o);
			return confread_fail(p, e, "allow_origins entry \"%s\" is http but feed "
			    "'%s' is https: bulletins would travel unencrypted; use https",
			    f->allow_origins[i], f->url);
		}
		free(f->allow_origins[i]);
		f->allow_origins[i] = o;
	}
	return 0;
}

static int
parse_feed(struct confread *p, const config_setting_t *g, struct feed_conf *f)
{
	const char *url = NULL;
	const config_setting_t *prio = config_setting_get_member(g, "max_priority");
	const config_setting_t *keys = config_setting_get_member(g, "keys");

	confread_check_members(p, g, feed_names, "in a 'feeds' entry");
	f->line = config_setting_source_line(g);
	f->poll_s = DEF_POLL_S;
	f->max_priority = PRIO_EMERGENCY;
	if (confread_req_string(p, g, "url", "feed", &url) < 0)
		return -1;
	f->url = xstrdup(url);
	if (confread_opt_int(p, g, "poll", "feed", 1, DAY_S, &f->poll_s) < 0 ||
	    confread_opt_strings(p, g, "keys", "feed", &f->keys, &f->nkeys) < 0)
		return -1;
	if (prio) {
		const char *name = NULL;
		if (confread_want_string(p, prio, "'max_priority' in feed", &name) < 0)
			return -1;
		int v = priority_from_name(name);
		if (v < 0)
			return confread_fail(p, prio, "unknown priority '%s' for max_priority: use "
			    "normal, priority or emergency", name);
		f->max_priority = (enum priority)v;
	}
	if (f->nkeys == 0)
		confread_warn(p, g, "feed '%s' lists no keys: none of its bulletins can be "
		    "verified, so none will air", f->url);
	for (size_t i = 0; i < f->nkeys; i++) {
		confread_resolve_in_place(p, &f->keys[i]);
		if (!exists(f->keys[i]))
			confread_warn(p, config_setting_is_aggregate(keys) ?
			    config_setting_get_elem(keys, (unsigned)i) : keys,
			    "key '%s' does not exist (yet)", f->keys[i]);
	}
	if (parse_feed_allow_origins(p, g, f) < 0 || parse_feed_push(p, g, f) < 0)
		return -1;
	return parse_feed_ca(p, g, f);
}

static int
parse_feeds(struct confread *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *list;

	if (confread_opt_list_of_groups(p, root, "feeds", &list) < 0)
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
parse_small_groups(struct confread *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *b, *r, *l, *c;

	if (confread_opt_group(p, root, "bulletins", &b) < 0 ||
	    confread_opt_group(p, root, "report", &r) < 0 ||
	    confread_opt_group(p, root, "log", &l) < 0 ||
	    confread_opt_group(p, root, "control", &c) < 0)
		return -1;
	if (b) {
		confread_check_members(p, b, bulletins_names, "in group 'bulletins'");
		if (confread_opt_bool(p, b, "allow_test", "group 'bulletins'",
			&cfg->bulletins.allow_test) < 0 ||
		    confread_opt_int(p, b, "default_lifetime", "group 'bulletins'", 1, INT_MAX,
			&cfg->bulletins.default_lifetime_s) < 0 ||
		    confread_opt_int(p, b, "retry_max", "group 'bulletins'", 1, DEF_RETRY_MAX_S,
			&cfg->bulletins.retry_max_s) < 0 ||
		    confread_opt_bool(p, b, "speak_text", "group 'bulletins'",
			&cfg->bulletins.speak_text) < 0 ||
		    confread_opt_int(p, b, "max_message_size", "group 'bulletins'", MIN_MAX_MESSAGE,
			MAX_MAX_MESSAGE, &cfg->bulletins.max_message_size) < 0)
			return -1;
	}
	if (r) {
		confread_check_members(p, r, report_names, "in group 'report'");
		if (confread_opt_string(p, r, "url", "group 'report'", &cfg->report.url) < 0 ||
		    confread_opt_string(p, r, "token_file", "group 'report'",
			&cfg->report.token_file) < 0 ||
		    confread_opt_int(p, r, "interval", "group 'report'", 1, INT_MAX,
			&cfg->report.interval_s) < 0)
			return -1;
	}
	if (l) {
		confread_check_members(p, l, log_names, "in group 'log'");
		if (confread_opt_int(p, l, "keep_days", "group 'log'", 1, 100000,
			&cfg->log.keep_days) < 0)
			return -1;
	}
	if (c) {
		confread_check_members(p, c, control_names, "in group 'control'");
		if (confread_opt_string(p, c, "group", "group 'control'", &cfg->control.group) < 0)
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
read_settings(struct confread *p, const config_setting_t *root)
{
	confread_check_members(p, root, top_names, "at the top level");
	if (parse_station(p, root) < 0 || parse_paths(p, root) < 0 ||
	    parse_audio(p, root) < 0 || parse_relays(p, root) < 0 ||
	    parse_feeds(p, root) < 0 || parse_small_groups(p, root) < 0 ||
	    config_web_parse(p, root) < 0 ||
	    config_timetable_parse(p, root) < 0 || config_exceptions_parse(p, root) < 0)
		return -1;
	return 0;
}

static struct config *
parse(struct confread *p, config_t *lc, bool ok)
{
	struct config *cfg = NULL;

	if (!ok) {
		const char *file = config_error_file(lc);
		confread_fail_at(p, NULL, config_error_line(lc), "%s", config_error_text(lc));
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
parser_init(struct confread *p, const char *name, config_warn_fn warn_fn, void *ctx,
    char *err, size_t errlen, char *dir)
{
	*p = (struct confread){ .name = name, .dir = dir, .warn = warn_fn, .ctx = ctx,
		.err = err, .errlen = errlen, .places = places, .nplaces = ARRAY_LEN(places) };
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
	struct confread p;
	config_t lc;
	char *dir = confread_folder_of(name);
	struct config *cfg;

	parser_init(&p, name, warn_fn, ctx, err, errlen, dir);
	p.text = text;
	config_init(&lc);
	config_set_include_dir(&lc, dir);
	cfg = parse(&p, &lc, config_read_string(&lc, text) == CONFIG_TRUE);
	free(dir);
	return cfg;
}
