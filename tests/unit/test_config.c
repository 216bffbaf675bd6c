/*
 * What an operator sees when loaxad reads loaxa.conf: the example loads,
 * mistakes are refused at the right FILE:LINE, doubtful settings are warned
 * about, and relative paths follow the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"

#define MAX_WARNINGS 32

struct warnings {
	char msg[MAX_WARNINGS][1024];
	int n;
};

static void
collect(void *ctx, const char *message)
{
	struct warnings *w = ctx;

	if (w->n < MAX_WARNINGS)
		snprintf(w->msg[w->n++], sizeof(w->msg[0]), "%s", message);
}

/* The warning containing all of the given words, or NULL. */
static const char *
find_warning(const struct warnings *w, const char *prefix, const char *word)
{
	for (int i = 0; i < w->n; i++)
		if (strncmp(w->msg[i], prefix, strlen(prefix)) == 0 &&
		    strstr(w->msg[i], word))
			return w->msg[i];
	return NULL;
}

static void
print_warnings(const struct warnings *w)
{
	for (int i = 0; i < w->n; i++)
		print_message("warning: %s\n", w->msg[i]);
}

/* Parses text as "t.conf" and asserts it is refused at line with word. */
static void
assert_refused(const char *text, int line, const char *word)
{
	char err[1024], prefix[32];
	struct config *cfg = config_parse_string(text, "t.conf", NULL, NULL, err,
	    sizeof(err));

	if (cfg)
		print_message("accepted but should not be:\n%s\n", text);
	assert_null(cfg);
	snprintf(prefix, sizeof(prefix), "t.conf:%d: ", line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, word))
		print_message("expected \"%s...%s\", got \"%s\"\n", prefix, word, err);
	assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
	assert_non_null(strstr(err, word));
}

/* Parses text, asserts it is accepted, returns it with its warnings. */
static struct config *
accept_text(const char *text, struct warnings *w)
{
	char err[1024] = "";
	struct config *cfg;

	memset(w, 0, sizeof(*w));
	cfg = config_parse_string(text, "t.conf", collect, w, err, sizeof(err));
	if (!cfg)
		print_message("refused: %s\n", err);
	assert_non_null(cfg);
	return cfg;
}

/* Asserts a warning at line naming word, and that the config is still valid. */
static void
assert_warned(const char *text, int line, const char *word)
{
	struct warnings w;
	struct config *cfg = accept_text(text, &w);
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "t.conf:%d: ", line);
	if (!find_warning(&w, prefix, word)) {
		print_message("no warning \"%s...%s\"\n", prefix, word);
		print_warnings(&w);
	}
	assert_non_null(find_warning(&w, prefix, word));
	config_free(cfg);
}

static const char *
example_path(void)
{
	static const char *const candidates[] = { "etc/loaxa.conf.example",
		"../etc/loaxa.conf.example", "../../etc/loaxa.conf.example" };

	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
		if (access(candidates[i], R_OK) == 0)
			return candidates[i];
	fail_msg("etc/loaxa.conf.example not found from the current directory");
	return NULL;
}

/* ------------------------------------------------------------------ */

static void
example_config_loads_with_documented_defaults(void **state)
{
	struct warnings w = { 0 };
	char err[1024] = "";
	struct config *cfg;

	(void)state;
	cfg = config_load(example_path(), collect, &w, err, sizeof(err));
	if (!cfg)
		print_message("%s\n", err);
	assert_non_null(cfg);
	assert_string_equal(err, "");
	/* Only files that are not on this machine may be warned about. */
	for (int i = 0; i < w.n; i++) {
		if (strstr(w.msg[i], "unknown") || strstr(w.msg[i], "misplaced"))
			fail_msg("example warns: %s", w.msg[i]);
	}

	assert_string_equal(cfg->station.name, "Xã Tân Thạnh");
	assert_int_equal(cfg->station.nareas, 2);
	assert_string_equal(cfg->station.areas[0], "87");
	assert_string_equal(cfg->station.areas[1], "30280");

	assert_string_equal(cfg->paths.state, "/var/lib/loaxa");
	assert_string_equal(cfg->paths.cache, "/var/cache/loaxa");
	assert_string_equal(cfg->paths.played_log, "/var/log/loaxa/played.jsonl");
	assert_string_equal(cfg->paths.playlists, "/etc/loaxa/playlists");
	assert_string_equal(cfg->paths.socket, "/run/loaxa/loaxad.sock");

	assert_string_equal(cfg->audio.device, "default");
	assert_int_equal(cfg->audio.volume, 100);
	assert_string_equal(cfg->audio.chime, "");
	assert_int_equal(cfg->audio.buffer_ms, 200);
	assert_int_equal(cfg->audio.fade_ms, 2000);
	assert_int_equal(cfg->audio.preroll_ms, 1500);

	assert_int_equal(cfg->nfeeds, 1);
	assert_string_equal(cfg->feeds[0].url,
	    "https://bulletins.example.gov.vn/loaxa/index.atom");
	assert_int_equal(cfg->feeds[0].poll_s, 15);
	assert_int_equal(cfg->feeds[0].max_priority, PRIO_EMERGENCY);
	assert_int_equal(cfg->feeds[0].nkeys, 1);
	assert_string_equal(cfg->feeds[0].keys[0], "/etc/loaxa/keys/province.pub");
	assert_int_equal(cfg->feeds[0].nallow_origins, 0);	/* its own origin only */

	assert_int_equal(cfg->nrelays, 1);
	assert_string_equal(cfg->relays[0].name, "vov1");

	assert_int_equal(cfg->nslots, 3);
	const struct slot *morning = &cfg->slots[0], *evening = &cfg->slots[1];
	assert_string_equal(morning->name, "morning");
	assert_int_equal(morning->days, DAYS_ALL);
	assert_int_equal(morning->start_s, 5 * 3600 + 30 * 60);
	assert_int_equal(morning->end_s, 6 * 3600 + 30 * 60);
	assert_int_equal(morning->volume, -1);
	assert_false(morning->loop);
	assert_int_equal(morning->nsteps, 4);
	assert_int_equal(morning->steps[0].kind, STEP_CHIME);
	assert_int_equal(morning->steps[1].kind, STEP_BULLETINS);
	assert_int_equal(morning->steps[2].kind, STEP_RELAY);
	assert_string_equal(morning->steps[2].arg, "vov1");
	assert_int_equal(morning->steps[3].kind, STEP_PLAYLIST);
	assert_string_equal(morning->steps[3].arg, "morning");
	assert_string_equal(evening->name, "evening");
	assert_int_equal(evening->days, 0x1f);
	assert_int_equal(evening->start_s, 17 * 3600);
	assert_int_equal(evening->volume, 90);
	assert_int_equal(evening->steps[1].kind, STEP_FILE);
	assert_string_equal(evening->steps[1].arg, "/srv/loaxa/evening-news.mp3");
	assert_true(cfg->slots[2].loop);

	assert_int_equal(cfg->nexceptions, 2);
	assert_int_equal(cfg->exceptions[0].mode, EXC_REPLACE);
	assert_int_equal(cfg->exceptions[1].mode, EXC_ADD);
	assert_int_equal(cfg->exceptions[1].nslots, 1);
	assert_int_equal(cfg->exceptions[1].slots[0].days, 0);

	assert_false(cfg->bulletins.allow_test);
	assert_int_equal(cfg->bulletins.default_lifetime_s, 3600);
	assert_string_equal(cfg->report.url, "");
	assert_int_equal(cfg->report.interval_s, 60);
	assert_int_equal(cfg->log.keep_days, 30);
	assert_string_equal(cfg->control.group, "loaxa");
	assert_string_equal(cfg->web.listen, "0.0.0.0:8080");
	assert_string_equal(cfg->web.users, "/etc/loaxa/web-users");
	assert_string_equal(cfg->web.tls_cert, "");
	assert_string_equal(cfg->web.language, "vi");
	assert_true(cfg->web.session_hours == 12);
	assert_string_equal(cfg->web.uploads, "/var/lib/loaxa-web/uploads");
	config_free(cfg);
}

static void
web_settings_are_checked_at_their_line(void **state)
{
	struct warnings w;

	(void)state;
	struct config *cfg = accept_text("web = { listen = \"127.0.0.1:9000\";\n"
	    "  language = \"en\"; session_hours = 0.5; users = \"/x/u\"; };\n", &w);
	assert_string_equal(cfg->web.listen, "127.0.0.1:9000");
	assert_string_equal(cfg->web.language, "en");
	assert_true(cfg->web.session_hours == 0.5);
	config_free(cfg);
	assert_refused("web = {\n language = \"fr\"; };\n", 2, "language");
	assert_refused("web = {\n session_hours = 0; };\n", 2, "session_hours");
	assert_refused("web = {\n tls_cert = \"/c.pem\"; };\n", 1, "tls_key");
	assert_warned("web = {\n port = 80; };\n", 2, "port");
}

static void
empty_config_gives_defaults_and_no_slots(void **state)
{
	struct warnings w;
	struct config *cfg = accept_text("", &w);

	(void)state;
	assert_int_equal(w.n, 0);
	assert_string_equal(cfg->paths.socket, "/run/loaxa/loaxad.sock");
	assert_string_equal(cfg->audio.device, "default");
	assert_int_equal(cfg->nslots, 0);
	assert_int_equal(cfg->nfeeds, 0);
	/* Text-only bulletins are spoken; Vietnamese first; no place known. */
	assert_true(cfg->bulletins.speak_text);
	assert_int_equal(cfg->bulletins.max_message_size, 4 * 1024 * 1024);
	assert_int_equal(cfg->station.nlanguages, 1);
	assert_string_equal(cfg->station.languages[0], "vi");
	assert_false(cfg->station.has_location);
	config_free(cfg);
}

static void
station_place_languages_and_speech_are_stored(void **state)
{
	struct warnings w;
	struct config *cfg = accept_text(
	    "station = { areas = [ \"87\", \"SAME=006037\" ]; location = [ 10.45, 105.0 ];\n"
	    "            languages = [ \"vi\", \"en-US\" ]; };\n"
	    "bulletins = { speak_text = false; max_message_size = 65536; };\n", &w);

	(void)state;
	assert_int_equal(w.n, 0);
	assert_string_equal(cfg->station.areas[1], "SAME=006037");
	assert_true(cfg->station.has_location);
	assert_true(cfg->station.lat == 10.45 && cfg->station.lon == 105.0);
	assert_int_equal(cfg->station.nlanguages, 2);
	assert_string_equal(cfg->station.languages[1], "en-US");
	assert_false(cfg->bulletins.speak_text);
	assert_int_equal(cfg->bulletins.max_message_size, 65536);
	config_free(cfg);
	assert_refused("station = {\n location = [ 10.45 ];\n};\n", 2, "LATITUDE, LONGITUDE");
	assert_refused("station = {\n location = [ 100.0, 5.0 ];\n};\n", 2, "latitude");
	assert_refused("station = {\n location = [ \"10\", \"5\" ];\n};\n", 2, "numbers");
	assert_refused("station = {\n languages = [ ];\n};\n", 2, "empty");
	assert_refused("station = {\n languages = [ \"vi VN\" ];\n};\n", 2, "language tag");
	assert_refused("bulletins = {\n max_message_size = 100;\n};\n", 2, "max_message_size");
}

static void
all_optional_groups_are_stored(void **state)
{
	struct warnings w;
	struct config *cfg = accept_text(
	    "bulletins = { allow_test = true; default_lifetime = 600; };\n"
	    "report = { url = \"https://logs.example/in\"; interval = 60; };\n"
	    "log = { keep_days = 7; };\n"
	    "control = { group = \"radio\"; };\n"
	    "audio = { buffer_ms = 100; fade_ms = 0; preroll_ms = 500; device = \"hw:0\"; };\n"
	    "feeds = ( { url = \"https://x/index.atom\"; poll = 30; keys = [ \"/k.pub\" ];\n"
	    "            max_priority = \"priority\"; } );\n", &w);

	(void)state;
	assert_true(cfg->bulletins.allow_test);
	assert_int_equal(cfg->bulletins.default_lifetime_s, 600);
	assert_string_equal(cfg->report.url, "https://logs.example/in");
	assert_int_equal(cfg->report.interval_s, 60);
	assert_int_equal(cfg->log.keep_days, 7);
	assert_string_equal(cfg->control.group, "radio");
	assert_int_equal(cfg->audio.buffer_ms, 100);
	assert_int_equal(cfg->audio.fade_ms, 0);
	assert_int_equal(cfg->audio.preroll_ms, 500);
	assert_string_equal(cfg->audio.device, "hw:0");
	assert_int_equal(cfg->feeds[0].poll_s, 30);
	assert_int_equal(cfg->feeds[0].max_priority, PRIO_PRIORITY);
	assert_int_equal(cfg->feeds[0].line, 6);
	config_free(cfg);
}

/* ------------------------------------------------------------------ */
/* Refusals: each at its FILE:LINE. */

#define SLOT_HEAD "timetable = (\n"	/* line 1 */

static void
syntax_error_is_refused_at_its_line(void **state)
{
	(void)state;
	assert_refused("station = { name = \"x\"; };\naudio = { volume = ; };\n", 2,
	    "syntax error");
	assert_refused("audio = { volume = 1; };\n\n\naudio = { device = \"x\"; };\n", 4,
	    "duplicate");
}

static void
wrong_type_is_refused(void **state)
{
	(void)state;
	assert_refused("station = { name = \"x\"; };\naudio = {\n  volume = \"loud\";\n};\n",
	    3, "volume");
	assert_refused("audio = {\n  volume = \"loud\";\n};\n", 2, "integer");
	assert_refused("paths = {\n state = 5;\n};\n", 2, "string");
	assert_refused("audio = 5;\n", 1, "group");
	assert_refused("\ntimetable = { name = \"x\"; };\n", 2, "list");
	assert_refused("\nstation = { areas = [ 87 ]; };\n", 2, "strings");
	assert_refused(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    loop = 1; program = [ \"chime\" ]; }\n);\n", 3, "true or false");
}

static void
impossible_times_are_refused(void **state)
{
	static const char *const bad[] = { "25:00", "7:5", "12:60", "24:00", "12:00:60",
		"12-00", "", "ab:cd", "12:00:0" };
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SLOT_HEAD
		    "  { name = \"a\";\n"
		    "    start = \"%s\";\n"
		    "    end = \"06:00\"; program = [ \"chime\" ]; }\n);\n", bad[i]);
		assert_refused(text, 3, "impossible time");
		snprintf(text, sizeof(text), SLOT_HEAD
		    "  { name = \"a\"; start = \"05:00\";\n"
		    "\n"
		    "    end = \"%s\"; program = [ \"chime\" ]; }\n);\n", bad[i]);
		assert_refused(text, 4, "impossible time");
	}
}

static void
unknown_weekday_is_refused(void **state)
{
	static const char *const bad[] = { "mon-fry", "monday", "", "mon,,tue", "lun",
		"mon-", "weekdays" };
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SLOT_HEAD
		    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
		    "    days = \"%s\";\n"
		    "    program = [ \"chime\" ]; }\n);\n", bad[i]);
		assert_refused(text, 3, "weekday");
	}
}

static void
unknown_program_steps_are_refused_at_their_line(void **state)
{
	static const char *const bad[] = { "jingle", "file:", "silence:abc", "silence:-1",
		"silence:0", "playlist:", "relay:", "Chime", "bulletin" };
	char text[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), SLOT_HEAD
		    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\"; program = [\n"
		    "      \"chime\",\n"
		    "      \"%s\"\n"
		    "    ]; }\n);\n", bad[i]);
		assert_refused(text, 4, bad[i]);
	}
	assert_refused(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    program = [ \"jingle\" ]; }\n);\n", 3, "unknown program step");
}

static void
volume_outside_0_100_is_refused(void **state)
{
	(void)state;
	assert_refused("audio = {\n  volume = 101;\n};\n", 2, "0 to 100");
	assert_refused("audio = {\n  volume = -1;\n};\n", 2, "0 to 100");
	assert_refused(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    volume = 150; program = [ \"chime\" ]; }\n);\n", 3, "0 to 100");
}

static void
slot_without_name_start_end_or_program_is_refused(void **state)
{
	(void)state;
	assert_refused(SLOT_HEAD
	    "  { start = \"05:00\"; end = \"06:00\"; program = [ \"chime\" ]; }\n);\n",
	    2, "name");
	assert_refused(SLOT_HEAD
	    "  { name = \"ok\"; start = \"01:00\"; end = \"02:00\"; program = [ \"chime\" ]; },\n"
	    "  {\n"
	    "    name = \"a\"; end = \"06:00\"; program = [ \"chime\" ]; }\n);\n",
	    3, "'start'");
	assert_refused(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; program = [ \"chime\" ]; }\n);\n",
	    2, "'end'");
	assert_refused(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\"; }\n);\n",
	    2, "program");
	assert_refused(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    program = [ ]; }\n);\n",
	    3, "empty program");
}

static void
relay_step_must_name_a_configured_relay(void **state)
{
	struct warnings w;
	struct config *cfg;

	(void)state;
	assert_refused("relays = ( { name = \"vov1\"; url = \"http://r/vov1\"; } );\n"
	    SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    program = [ \"relay:vov2\" ]; }\n);\n", 4, "relay");
	assert_refused("relays = (\n { name = \"vov1\"; url = \"http://r/vov1\"; },\n"
	    " { name = \"vov1\"; url = \"http://r/other\"; }\n);\n", 3, "twice");
	assert_refused("relays = (\n { name = \"vov1\"; }\n);\n", 2, "url");
	cfg = accept_text("relays = ( { name = \"vov1\"; url = \"http://r/vov1\"; } );\n"
	    SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    program = [ \"relay:vov1\" ]; }\n);\n", &w);
	assert_string_equal(cfg->relays[0].url, "http://r/vov1");
	assert_int_equal(cfg->slots[0].steps[0].kind, STEP_RELAY);
	config_free(cfg);
}

static void
bad_priority_name_is_refused(void **state)
{
	(void)state;
	assert_refused("feeds = ( { url = \"https://x/i.atom\"; keys = [ \"/k\" ];\n"
	    "  max_priority = \"urgent\"; } );\n", 2, "priority");
	assert_refused("feeds = ( { keys = [ \"/k\" ]; } );\n", 1, "url");
	assert_refused("feeds = ( { url = \"https://x/i.atom\";\n  poll = 0; } );\n", 2,
	    "poll");
}

static void
other_out_of_range_numbers_are_refused(void **state)
{
	(void)state;
	assert_refused("audio = {\n buffer_ms = 50;\n};\n", 2, "buffer_ms");
	assert_refused("log = {\n keep_days = 0;\n};\n", 2, "keep_days");
	assert_refused("bulletins = {\n allow_test = \"no\";\n};\n", 2, "allow_test");
}

static void
overlapping_slots_are_refused_naming_both(void **state)
{
	char err[1024];

	(void)state;
	assert_refused(SLOT_HEAD
	    "  { name = \"morning\"; days = \"mon-fri\"; start = \"05:30\"; end = \"06:30\";\n"
	    "    program = [ \"chime\" ]; },\n"
	    "  { name = \"news\"; days = \"fri\"; start = \"06:00\"; end = \"07:00\";\n"
	    "    program = [ \"chime\" ]; }\n);\n", 4, "overlaps");
	assert_null(config_parse_string(SLOT_HEAD
	    "  { name = \"morning\"; days = \"mon-fri\"; start = \"05:30\"; end = \"06:30\";\n"
	    "    program = [ \"chime\" ]; },\n"
	    "  { name = \"news\"; days = \"fri\"; start = \"06:00\"; end = \"07:00\";\n"
	    "    program = [ \"chime\" ]; }\n);\n", "t.conf", NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "'morning'"));
	assert_non_null(strstr(err, "'news'"));
	assert_non_null(strstr(err, "fri"));
}

static void
midnight_crossing_slot_overlapping_next_morning_is_refused(void **state)
{
	char err[1024];
	const char *text = SLOT_HEAD
	    "  { name = \"early\"; days = \"mon\"; start = \"00:00\"; end = \"01:00\";\n"
	    "    program = [ \"chime\" ]; },\n"
	    "  { name = \"night\"; days = \"sun\"; start = \"23:00\"; end = \"00:30\";\n"
	    "    program = [ \"chime\" ]; }\n);\n";

	(void)state;
	assert_refused(text, 4, "overlaps");
	assert_null(config_parse_string(text, "t.conf", NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "'early'"));
	assert_non_null(strstr(err, "'night'"));
	assert_non_null(strstr(err, "midnight"));
}

static void
adjacent_and_other_day_slots_do_not_overlap(void **state)
{
	struct warnings w;
	struct config *cfg = accept_text(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:30\"; end = \"06:30\"; program = [ \"chime\" ]; },\n"
	    "  { name = \"b\"; start = \"06:30\"; end = \"07:00\"; program = [ \"chime\" ]; },\n"
	    "  { name = \"night\"; days = \"sat\"; start = \"22:00\"; end = \"05:30\";\n"
	    "    program = [ \"chime\" ]; },\n"
	    "  { name = \"mon-only\"; days = \"mon\"; start = \"00:00\"; end = \"05:00\";\n"
	    "    program = [ \"chime\" ]; }\n);\n", &w);

	(void)state;
	assert_int_equal(cfg->nslots, 4);
	assert_int_equal(cfg->slots[2].start_s, 22 * 3600);
	assert_int_equal(cfg->slots[2].end_s, 5 * 3600 + 30 * 60);
	assert_int_equal(cfg->slots[2].line, 4);
	config_free(cfg);
	/* But the sat night slot's tail does hit a sunday 05:00 slot. */
	assert_refused(SLOT_HEAD
	    "  { name = \"night\"; days = \"sat\"; start = \"22:00\"; end = \"05:30\";\n"
	    "    program = [ \"chime\" ]; },\n"
	    "  { name = \"dawn\"; days = \"sun\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    program = [ \"chime\" ]; }\n);\n", 4, "sun");
}

/* ------------------------------------------------------------------ */
/* Exceptions */

#define TET_TIMETABLE SLOT_HEAD \
	"  { name = \"morning\"; start = \"05:30\"; end = \"06:30\"; program = [ \"chime\" ]; }\n" \
	");\n"	/* lines 1-3 */

static void
exceptions_replace_or_add_slots_on_a_date(void **state)
{
	struct warnings w;
	struct config *cfg = accept_text(TET_TIMETABLE
	    "exceptions = (\n"
	    "  { date = \"2027-02-06\"; mode = \"replace\";\n"
	    "    slots = ( { name = \"tet\"; start = \"06:00\"; end = \"09:00\";\n"
	    "                volume = 80; loop = true; program = [ \"chime\" ]; } ); },\n"
	    "  { date = \"2024-02-29\"; mode = \"add\";\n"
	    "    slots = ( { name = \"extra\"; start = \"07:00\"; end = \"07:30\";\n"
	    "                program = [ \"bulletins\" ]; } ); }\n"
	    ");\n", &w);

	(void)state;
	assert_int_equal(cfg->nexceptions, 2);
	const struct exception *tet = &cfg->exceptions[0];
	assert_int_equal(tet->year, 2027);
	assert_int_equal(tet->month, 2);
	assert_int_equal(tet->day, 6);
	assert_int_equal(tet->mode, EXC_REPLACE);
	assert_int_equal(tet->line, 5);
	assert_int_equal(tet->nslots, 1);
	assert_string_equal(tet->slots[0].name, "tet");
	assert_int_equal(tet->slots[0].volume, 80);
	assert_true(tet->slots[0].loop);
	assert_int_equal(tet->slots[0].days, 0);
	assert_int_equal(cfg->exceptions[1].mode, EXC_ADD);
	assert_int_equal(cfg->exceptions[1].day, 29);
	config_free(cfg);
}

static void
bad_exceptions_are_refused(void **state)
{
	(void)state;
	assert_refused("exceptions = (\n  { date = \"2027-02-30\"; mode = \"replace\"; }\n);\n",
	    2, "date");
	assert_refused("exceptions = (\n  { date = \"2027-2-17\"; mode = \"replace\"; }\n);\n",
	    2, "date");
	assert_refused("exceptions = (\n  { date = \"2027-02-17\";\n    mode = \"instead\"; }\n);\n",
	    3, "mode");
	assert_refused("exceptions = (\n  { date = \"2027-02-17\"; }\n);\n", 2, "mode");
	assert_refused("exceptions = (\n  { date = \"2027-02-17\"; mode = \"add\"; },\n"
	    "  { date = \"2027-02-17\"; mode = \"replace\"; }\n);\n", 3, "second exception");
	/* An added slot must not overlap the weekday's own slots. */
	assert_refused(TET_TIMETABLE
	    "exceptions = (\n"
	    "  { date = \"2027-02-17\"; mode = \"add\";\n"
	    "    slots = ( { name = \"x\"; start = \"06:00\"; end = \"07:00\";\n"
	    "                program = [ \"chime\" ]; } ); }\n"
	    ");\n", 6, "overlaps");
	/* Nor each other. */
	assert_refused("exceptions = (\n"
	    "  { date = \"2027-02-17\"; mode = \"replace\";\n"
	    "    slots = ( { name = \"x\"; start = \"06:00\"; end = \"07:00\";\n"
	    "                program = [ \"chime\" ]; },\n"
	    "              { name = \"y\"; start = \"06:59\"; end = \"08:00\";\n"
	    "                program = [ \"chime\" ]; } ); }\n"
	    ");\n", 5, "'x'");
	/* Slot checks apply inside exceptions too. */
	assert_refused("exceptions = (\n"
	    "  { date = \"2027-02-17\"; mode = \"replace\";\n"
	    "    slots = ( { name = \"x\"; start = \"06:00\"; end = \"07:00\";\n"
	    "                program = [ \"jingle\" ]; } ); }\n"
	    ");\n", 4, "jingle");
}

static void
replace_exception_may_overlap_weekday_slots(void **state)
{
	struct warnings w;
	struct config *cfg = accept_text(TET_TIMETABLE
	    "exceptions = (\n"
	    "  { date = \"2027-02-17\"; mode = \"replace\";\n"
	    "    slots = ( { name = \"x\"; start = \"06:00\"; end = \"07:00\";\n"
	    "                days = \"mon\"; program = [ \"chime\" ]; } ); }\n"
	    ");\n", &w);

	(void)state;
	config_free(cfg);
	/* days means nothing in an exception: the operator is told. */
	assert_warned(TET_TIMETABLE
	    "exceptions = (\n"
	    "  { date = \"2027-02-17\"; mode = \"replace\";\n"
	    "    slots = ( { name = \"x\"; start = \"06:00\"; end = \"07:00\";\n"
	    "                days = \"mon\"; program = [ \"chime\" ]; } ); }\n"
	    ");\n", 7, "'days'");
}

/* ------------------------------------------------------------------ */
/* Warnings: the config stays valid. */

static void
unknown_settings_are_warned_with_their_line(void **state)
{
	(void)state;
	assert_warned("audio = {\n  device = \"default\";\n  volum = 80;\n};\n", 3,
	    "unknown setting 'volum' in group 'audio'");
	assert_warned("\n\nvolum = 3;\n", 3, "unknown setting 'volum' at the top level");
	assert_warned(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    progam = [ \"chime\" ];\n"
	    "    program = [ \"chime\" ]; }\n);\n", 3, "unknown setting 'progam' in slot 'a'");
	assert_warned("feeds = ( { url = \"https://x/i.atom\"; keys = [ \"/k\" ];\n"
	    "  pol = 5; } );\n", 2, "'pol'");
	assert_warned("station = {\n  name = \"x\";\n  area = [ \"87\" ];\n};\n", 3, "'area'");
}

static void
setting_in_the_wrong_group_is_called_misplaced(void **state)
{
	(void)state;
	assert_warned("station = { name = \"x\"; };\ndevice = \"hw:0\";\n", 2,
	    "misplaced setting 'device'");
	assert_warned("station = { name = \"x\"; };\ndevice = \"hw:0\";\n", 2,
	    "group 'audio'");
	assert_warned("paths = {\n  volume = 50;\n};\n", 2, "misplaced setting 'volume'");
	assert_warned("audio = {\n  socket = \"/x\";\n};\n", 2, "group 'paths'");
}

static void
missing_files_are_warned_but_accepted(void **state)
{
	(void)state;
	assert_warned(SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\"; program = [\n"
	    "    \"file:/nonexistent/loaxa/news.mp3\" ]; }\n);\n", 3,
	    "/nonexistent/loaxa/news.mp3");
	assert_warned("audio = {\n chime = \"/nonexistent/chime.mp3\";\n};\n", 2, "chime");
	assert_warned("paths = { playlists = \"/nonexistent/pl\"; };\n" SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\"; program = [\n"
	    "    \"playlist:morning\" ]; }\n);\n", 4, "playlist 'morning'");
}

/* A province with its own CA: the bundle is a file like the keys, warned
 * about at its line when missing; absent means the system store. */
static void
feed_ca_is_optional_and_warned_when_missing(void **state)
{
	static const char text[] =
	    "feeds = (\n"
	    "  { url = \"https://p.example/index.atom\"; keys = [ \"/nonexistent/p.pub\" ];\n"
	    "    ca = \"/nonexistent/loaxa/province-ca.pem\"; },\n"
	    "  { url = \"https://q.example/index.atom\"; keys = [ \"/nonexistent/q.pub\" ]; }\n"
	    ");\n";
	struct warnings w;
	struct config *cfg;

	(void)state;
	assert_warned(text, 3, "ca '/nonexistent/loaxa/province-ca.pem' does not exist");
	cfg = accept_text(text, &w);
	assert_int_equal(cfg->nfeeds, 2);
	assert_string_equal(cfg->feeds[0].ca, "/nonexistent/loaxa/province-ca.pem");
	assert_null(cfg->feeds[1].ca);
	assert_null(find_warning(&w, "t.conf:4: ", "ca "));
	config_free(cfg);
	assert_refused("feeds = ( { url = \"https://p/i.atom\";\n ca = \"\"; } );\n", 2,
	    "'ca' in feed is empty");
	assert_refused("feeds = ( { url = \"https://p/i.atom\";\n ca = 1; } );\n", 2, "ca");
}

/* A feed whose audio sits on a CDN lists the CDN's origin; entries are
 * stored as bulletins/policy.c compares them, anything more is refused at
 * the entry's line. */
static void
feed_allow_origins_are_normalised(void **state)
{
	static const char text[] =
	    "feeds = (\n"
	    "  { url = \"https://p.example/index.atom\"; keys = [ \"/nonexistent/p.pub\" ];\n"
	    "    allow_origins = [ \"https://CDN.Example.gov.VN\",\n"
	    "                      \"HTTPS://audio.example.gov.vn:8443/\",\n"
	    "                      \"https://[2001:0DB8:0::1]\" ]; },\n"
	    "  { url = \"http://q.example/index.atom\"; keys = [ \"/nonexistent/q.pub\" ];\n"
	    "    allow_origins = \"http://cdn.q.example:8080\"; },\n"
	    "  { url = \"http://r.example/index.atom\"; keys = [ \"/nonexistent/r.pub\" ];\n"
	    "    allow_origins = [ \"https://cdn.r.example/\", \"http://cdn2.r.example\" ]; },\n"
	    "  { url = \"https://s.example/index.atom\"; keys = [ \"/nonexistent/s.pub\" ]; }\n"
	    ");\n";
	struct warnings w;
	struct config *cfg;

	(void)state;
	cfg = accept_text(text, &w);
	assert_int_equal(cfg->nfeeds, 4);
	assert_int_equal(cfg->feeds[0].nallow_origins, 3);
	assert_string_equal(cfg->feeds[0].allow_origins[0], "https://cdn.example.gov.vn:443");
	assert_string_equal(cfg->feeds[0].allow_origins[1], "https://audio.example.gov.vn:8443");
	assert_string_equal(cfg->feeds[0].allow_origins[2], "https://[2001:db8::1]:443");
	assert_int_equal(cfg->feeds[1].nallow_origins, 1);
	assert_string_equal(cfg->feeds[1].allow_origins[0], "http://cdn.q.example:8080");
	assert_int_equal(cfg->feeds[2].nallow_origins, 2);
	assert_string_equal(cfg->feeds[2].allow_origins[0], "https://cdn.r.example:443");
	assert_string_equal(cfg->feeds[2].allow_origins[1], "http://cdn2.r.example:80");
	assert_int_equal(cfg->feeds[3].nallow_origins, 0);
	assert_null(find_warning(&w, "t.conf:", "allow_origins"));
	config_free(cfg);
}

#define FEED_HEAD "feeds = ( { url = \"https://p.example/index.atom\";\n"

static void
bad_allow_origins_are_refused_at_their_entry(void **state)
{
	(void)state;
	assert_refused(FEED_HEAD "allow_origins = [ \"https://cdn.example\",\n"
	    "  \"https://cdn.example/audio\" ]; } );\n", 3,
	    "allow_origins entry \"https://cdn.example/audio\"");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://cdn.example/?x=1\" ]; } );\n",
	    3, "without a path, query");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://cdn.example#top\" ]; } );\n",
	    3, "\"https://cdn.example#top\"");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://user:pw@cdn.example\" ]; } );\n",
	    3, "user name or password");
	assert_refused(FEED_HEAD "allow_origins = [\n \"ftp://cdn.example\" ]; } );\n",
	    3, "\"ftp://cdn.example\" in feed 'https://p.example/index.atom' must start with "
	    "http:// or https://");
	assert_refused(FEED_HEAD "allow_origins = [\n \"file:///srv\" ]; } );\n", 3, "file:///srv");
	assert_refused(FEED_HEAD "allow_origins = [\n \"cdn.example\" ]; } );\n", 3, "cdn.example");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://\" ]; } );\n", 3, "\"https://\"");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://cdn.example:0\" ]; } );\n",
	    3, "valid port");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://cdn.example:65536\" ]; } );\n",
	    3, "valid port");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://cdn.example:\" ]; } );\n",
	    3, "valid port");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://[::1\" ]; } );\n", 3, "[::1");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://[1:2:3]\" ]; } );\n", 3,
	    "not a valid IPv6 address");
	assert_refused(FEED_HEAD "allow_origins = [\n \"https://cdn.example//\" ]; } );\n",
	    3, "cdn.example//");
	/* An http CDN under an https feed would carry the audio unencrypted. */
	assert_refused(FEED_HEAD "allow_origins = [ \"https://a.example\",\n"
	    "  \"http://cdn.example\" ]; } );\n", 3,
	    "allow_origins entry \"http://cdn.example\" is http but feed "
	    "'https://p.example/index.atom' is https");
	assert_refused(FEED_HEAD "allow_origins = 5; } );\n", 2, "array of strings");
	assert_refused(FEED_HEAD "allow_origins = [ 5 ]; } );\n", 2, "strings");
}

/* ------------------------------------------------------------------ */
/* Files on disk */

struct tmpdir {
	char path[64];
};

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
remove_tree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
relative_paths_follow_the_config_file_not_the_cwd(void **state)
{
	char dir[] = "/tmp/loaxa-config-XXXXXX", conf[PATH_MAX], cwd[PATH_MAX], sub[PATH_MAX];
	struct warnings w = { 0 };
	char err[1024] = "", want[PATH_MAX + 64];
	struct config *cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/playlists", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file(dir, "playlists/morning.m3u8", "a.mp3\n");
	write_file(dir, "news.mp3", "");
	write_file(dir, "chime.mp3", "");
	write_file(dir, "province.pub", "");
	write_file(dir, "loaxa.conf",
	    "paths = { state = \"state\"; cache = \"./cache\"; playlists = \"playlists\";\n"
	    "          socket = \"/run/x.sock\"; };\n"
	    "audio = { chime = \"chime.mp3\"; };\n"
	    "feeds = ( { url = \"https://x/i.atom\"; keys = [ \"province.pub\" ]; } );\n"
	    SLOT_HEAD
	    "  { name = \"a\"; start = \"05:00\"; end = \"06:00\";\n"
	    "    program = [ \"file:news.mp3\", \"playlist:morning\", \"file:/abs/x.mp3\" ]; }\n"
	    ");\n");
	snprintf(conf, sizeof(conf), "%s/loaxa.conf", dir);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/"), 0);
	cfg = config_load(conf, collect, &w, err, sizeof(err));
	assert_int_equal(chdir(cwd), 0);
	if (!cfg)
		print_message("%s\n", err);
	assert_non_null(cfg);

	snprintf(want, sizeof(want), "%s/state", dir);
	assert_string_equal(cfg->paths.state, want);
	snprintf(want, sizeof(want), "%s/cache", dir);
	assert_string_equal(cfg->paths.cache, want);
	assert_string_equal(cfg->paths.socket, "/run/x.sock");
	snprintf(want, sizeof(want), "%s/chime.mp3", dir);
	assert_string_equal(cfg->audio.chime, want);
	snprintf(want, sizeof(want), "%s/province.pub", dir);
	assert_string_equal(cfg->feeds[0].keys[0], want);
	snprintf(want, sizeof(want), "%s/news.mp3", dir);
	assert_string_equal(cfg->slots[0].steps[0].arg, want);
	assert_string_equal(cfg->slots[0].steps[0].text, "file:news.mp3");
	assert_string_equal(cfg->slots[0].steps[2].arg, "/abs/x.mp3");
	/* Only /abs/x.mp3 is missing: the relative ones were found. */
	if (w.n != 1)
		print_warnings(&w);
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.msg[0], "/abs/x.mp3"));
	snprintf(want, sizeof(want), "%s:7: ", conf);
	assert_true(strncmp(w.msg[0], want, strlen(want)) == 0);
	config_free(cfg);

	/* A refusal names the file as given and the line. */
	write_file(dir, "bad.conf", "\naudio = { volume = \"loud\"; };\n");
	snprintf(conf, sizeof(conf), "%s/bad.conf", dir);
	assert_null(config_load(conf, NULL, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: ", conf);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	remove_tree(dir);
}

static void
missing_file_is_refused_with_the_reason(void **state)
{
	char err[1024];

	(void)state;
	assert_null(config_load("/nonexistent/loaxa.conf", NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/loaxa.conf: "));
	assert_non_null(strstr(err, "No such file"));
}

/* ------------------------------------------------------------------ */
/* The small parsers */

static void
days_accept_names_ranges_lists_and_daily(void **state)
{
	(void)state;
	assert_int_equal(config_parse_days("daily"), DAYS_ALL);
	assert_int_equal(config_parse_days("DAILY"), DAYS_ALL);
	assert_int_equal(config_parse_days("mon-sun"), DAYS_ALL);
	assert_int_equal(config_parse_days("mon-fri"), 0x1f);
	assert_int_equal(config_parse_days("Mon-Fri"), 0x1f);
	assert_int_equal(config_parse_days("mon"), 0x01);
	assert_int_equal(config_parse_days("sun"), 0x40);
	assert_int_equal(config_parse_days("sat-mon"), 0x40 | 0x20 | 0x01);
	assert_int_equal(config_parse_days("sun-sun"), 0x40);
	assert_int_equal(config_parse_days("mon,wed,sat"), 0x01 | 0x04 | 0x20);
	assert_int_equal(config_parse_days("mon, wed"), 0x05);
	assert_int_equal(config_parse_days("mon-tue,sat"), 0x23);
	assert_int_equal(config_parse_days("fri-mon"), 0x70 | 0x01);
	assert_int_equal(config_parse_days(""), -1);
	assert_int_equal(config_parse_days("mon-fry"), -1);
	assert_int_equal(config_parse_days("monday"), -1);
	assert_int_equal(config_parse_days("mon,"), -1);
	assert_int_equal(config_parse_days("-mon"), -1);
	assert_int_equal(config_parse_days("mon-tue-wed"), -1);
}

static void
clock_accepts_hh_mm_and_hh_mm_ss_only(void **state)
{
	(void)state;
	assert_int_equal(config_parse_clock("00:00"), 0);
	assert_int_equal(config_parse_clock("05:30"), 19800);
	assert_int_equal(config_parse_clock("17:00:00"), 61200);
	assert_int_equal(config_parse_clock("23:59:59"), 86399);
	assert_int_equal(config_parse_clock("24:00"), -1);
	assert_int_equal(config_parse_clock("25:00"), -1);
	assert_int_equal(config_parse_clock("7:5"), -1);
	assert_int_equal(config_parse_clock("07:5"), -1);
	assert_int_equal(config_parse_clock("12:60"), -1);
	assert_int_equal(config_parse_clock("12:00:60"), -1);
	assert_int_equal(config_parse_clock("12:00:"), -1);
	assert_int_equal(config_parse_clock("12:00 "), -1);
	assert_int_equal(config_parse_clock(" 12:00"), -1);
	assert_int_equal(config_parse_clock("-1:00"), -1);
	assert_int_equal(config_parse_clock(""), -1);
}

static void
steps_parse_to_kinds_and_arguments(void **state)
{
	struct step st;
	char err[256];

	(void)state;
	assert_int_equal(config_parse_step("chime", &st, err, sizeof(err)), 0);
	assert_int_equal(st.kind, STEP_CHIME);
	assert_null(st.arg);
	assert_string_equal(st.text, "chime");
	config_step_clear(&st);
	assert_int_equal(config_parse_step("bulletins", &st, err, sizeof(err)), 0);
	assert_int_equal(st.kind, STEP_BULLETINS);
	config_step_clear(&st);
	assert_int_equal(config_parse_step("file:/srv/a b.mp3", &st, err, sizeof(err)), 0);
	assert_int_equal(st.kind, STEP_FILE);
	assert_string_equal(st.arg, "/srv/a b.mp3");
	config_step_clear(&st);
	assert_int_equal(config_parse_step("playlist:morning", &st, err, sizeof(err)), 0);
	assert_int_equal(st.kind, STEP_PLAYLIST);
	assert_string_equal(st.arg, "morning");
	config_step_clear(&st);
	assert_int_equal(config_parse_step("relay:vov1", &st, err, sizeof(err)), 0);
	assert_int_equal(st.kind, STEP_RELAY);
	assert_string_equal(st.arg, "vov1");
	config_step_clear(&st);
	assert_int_equal(config_parse_step("silence:2.5", &st, err, sizeof(err)), 0);
	assert_int_equal(st.kind, STEP_SILENCE);
	assert_true(st.seconds > 2.49 && st.seconds < 2.51);
	config_step_clear(&st);

	assert_int_equal(config_parse_step("jingle", &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "jingle"));
	assert_int_equal(config_parse_step("file:", &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "path"));
	assert_int_equal(config_parse_step("silence:abc", &st, err, sizeof(err)), -1);
	assert_int_equal(config_parse_step("silence:-1", &st, err, sizeof(err)), -1);
	assert_int_equal(config_parse_step("silence:", &st, err, sizeof(err)), -1);
	assert_int_equal(config_parse_step("silence:inf", &st, err, sizeof(err)), -1);
	assert_int_equal(config_parse_step("silence:5s", &st, err, sizeof(err)), -1);
}

static void
priorities_round_trip_by_name(void **state)
{
	(void)state;
	assert_string_equal(priority_name(PRIO_NORMAL), "normal");
	assert_string_equal(priority_name(PRIO_PRIORITY), "priority");
	assert_string_equal(priority_name(PRIO_EMERGENCY), "emergency");
	assert_int_equal(priority_from_name("normal"), PRIO_NORMAL);
	assert_int_equal(priority_from_name("priority"), PRIO_PRIORITY);
	assert_int_equal(priority_from_name("emergency"), PRIO_EMERGENCY);
	assert_int_equal(priority_from_name("urgent"), -1);
	assert_int_equal(priority_from_name(""), -1);
}

/* The one weekday rule the config's checks and the timetable share. */
static void
weekday_of_a_date_counts_from_monday(void **state)
{
	(void)state;
	assert_int_equal(config_weekday(2026, 11, 30), 0);	/* a Monday */
	assert_int_equal(config_weekday(1970, 1, 1), 3);	/* a Thursday */
	assert_int_equal(config_weekday(2000, 2, 29), 1);	/* leap day, Tuesday */
	assert_int_equal(config_weekday(2027, 2, 6), 5);	/* Tết 2027, Saturday */
	assert_int_equal(config_weekday(2100, 3, 1), 0);	/* 2100 is no leap year */
	assert_string_equal(config_day_name(config_weekday(2027, 2, 7)), "sun");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_config_loads_with_documented_defaults),
		cmocka_unit_test(empty_config_gives_defaults_and_no_slots),
		cmocka_unit_test(all_optional_groups_are_stored),
		cmocka_unit_test(station_place_languages_and_speech_are_stored),
		cmocka_unit_test(syntax_error_is_refused_at_its_line),
		cmocka_unit_test(wrong_type_is_refused),
		cmocka_unit_test(impossible_times_are_refused),
		cmocka_unit_test(unknown_weekday_is_refused),
		cmocka_unit_test(unknown_program_steps_are_refused_at_their_line),
		cmocka_unit_test(volume_outside_0_100_is_refused),
		cmocka_unit_test(slot_without_name_start_end_or_program_is_refused),
		cmocka_unit_test(relay_step_must_name_a_configured_relay),
		cmocka_unit_test(bad_priority_name_is_refused),
		cmocka_unit_test(other_out_of_range_numbers_are_refused),
		cmocka_unit_test(overlapping_slots_are_refused_naming_both),
		cmocka_unit_test(midnight_crossing_slot_overlapping_next_morning_is_refused),
		cmocka_unit_test(adjacent_and_other_day_slots_do_not_overlap),
		cmocka_unit_test(exceptions_replace_or_add_slots_on_a_date),
		cmocka_unit_test(bad_exceptions_are_refused),
		cmocka_unit_test(replace_exception_may_overlap_weekday_slots),
		cmocka_unit_test(unknown_settings_are_warned_with_their_line),
		cmocka_unit_test(setting_in_the_wrong_group_is_called_misplaced),
		cmocka_unit_test(missing_files_are_warned_but_accepted),
		cmocka_unit_test(feed_ca_is_optional_and_warned_when_missing),
		cmocka_unit_test(feed_allow_origins_are_normalised),
		cmocka_unit_test(bad_allow_origins_are_refused_at_their_entry),
		cmocka_unit_test(relative_paths_follow_the_config_file_not_the_cwd),
		cmocka_unit_test(missing_file_is_refused_with_the_reason),
		cmocka_unit_test(days_accept_names_ranges_lists_and_daily),
		cmocka_unit_test(clock_accepts_hh_mm_and_hh_mm_ss_only),
		cmocka_unit_test(steps_parse_to_kinds_and_arguments),
		cmocka_unit_test(priorities_round_trip_by_name),
		cmocka_unit_test(weekday_of_a_date_counts_from_monday),
		cmocka_unit_test(web_settings_are_checked_at_their_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
