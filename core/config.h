/*
 * config: reads loaxa.conf (libconfig syntax) into a struct config and
 * validates it. Owns every setting's name, place, type, default and check;
 * nothing else in loaxad reads the file. Its helpers: confread (checked
 * libconfig reading and the messages), config_syntax (clocks, days, steps,
 * dates) and config_overlap (no two slots on air at once). An invalid file
 * gives no config and one "FILE:LINE: message" error; doubtful but usable
 * settings are reported through the warning callback, also as
 * "FILE:LINE: message".
 */
#ifndef LOAXA_CONFIG_H
#define LOAXA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config_syntax.h"

/* Defaults that other programs need too (loaxactl finds the socket, ctl the
 * group, the player its buffer); etc/loaxa.conf.example and loaxa.conf(5)
 * repeat them. The others live in config.c. */
#define CONFIG_DEFAULT_PATH	"/etc/loaxa/loaxa.conf"
#define CONFIG_DEFAULT_SOCKET	"/run/loaxa/loaxad.sock"
#define CONFIG_DEFAULT_GROUP	"loaxa"
#define CONFIG_DEFAULT_BUFFER_MS	200
#define CONFIG_MIN_BUFFER_MS	100
#define CONFIG_DEFAULT_LIFETIME_S	3600	/* a bulletin without <expires> */

struct slot {
	char *name;
	unsigned days;		/* DAYS_* bit set; 0 in exceptions */
	int start_s;		/* seconds after local midnight */
	int end_s;		/* end_s <= start_s: crosses midnight */
	int volume;		/* 0..100, or -1: the station's volume */
	bool loop;		/* repeat the program until the slot ends */
	struct step *steps;
	size_t nsteps;
	int line;		/* where it was defined, for messages */
};

enum exception_mode { EXC_REPLACE, EXC_ADD };

/* A date whose slots differ from its weekday's (Tết, election day). */
struct exception {
	int year, month, day;
	enum exception_mode mode;
	struct slot *slots;
	size_t nslots;
	int line;
};

struct feed_conf {
	char *url;
	int poll_s;
	char **keys;		/* paths of minisign .pub files */
	size_t nkeys;
	enum priority max_priority;
	char *ca;		/* PEM CA bundle trusted for HTTPS instead of the system store; NULL: system */
	char **allow_origins;	/* other origins its URIs may name (a CDN), normalised
				 * "scheme://host:port" (lowercase, port filled in) */
	size_t nallow_origins;
	char *push;		/* SSE channel that wakes the station to poll, or NULL */
	int line;
};

#define CONFIG_DEFAULT_LOUDNESS (-16.0)	/* LUFS, EBU R128 */

struct relay_conf {
	char *name;
	char *url;
	struct step fallback;	/* STEP_SILENCE (default), STEP_FILE or STEP_PLAYLIST */
	double gain_db;		/* -30..+30, then peaks limited */
	int line;
};

struct config {
	char *path;
	char *dir;		/* absolute folder relative paths were resolved against */
	struct {
		char *name;
		char **areas;		/* "VALUE" or "NAME=VALUE" (a geocode's valueName) */
		size_t nareas;
		char **languages;	/* in order of preference; default { "vi" } */
		size_t nlanguages;
		bool has_location;	/* location given: CAP polygons/circles can match */
		double lat, lon;	/* WGS 84 degrees */
	} station;
	struct {
		char *state;
		char *cache;
		char *played_log;
		char *playlists;
		char *socket;
	} paths;
	struct {
		char *device;
		int volume;		/* 0..100, linear amplitude */
		char *chime;		/* path; "" = the built-in chime */
		int buffer_ms;		/* ALSA buffer, >= 100 */
		int fade_ms;		/* fade at a slot's end */
		int preroll_ms;		/* device opened this long before a mark */
		double loudness;	/* target LUFS (EBU R128); 0: files at their own level */
		bool pace;		/* hold writes to the clock (see player.h) */
	} audio;
	struct feed_conf *feeds;
	size_t nfeeds;
	struct relay_conf *relays;
	size_t nrelays;
	struct slot *slots;
	size_t nslots;
	struct exception *exceptions;
	size_t nexceptions;
	struct {
		bool allow_test;	/* air CAP status "Test" messages */
		bool speak_text;	/* a CAP info without audio is spoken (libespeak-ng) */
		int max_message_size;	/* bytes of a CAP message, embedded audio included */
		int default_lifetime_s;	/* a bulletin without <expires> lives this long */
		int retry_max_s;	/* a failing feed waits at most max(poll, this), <= 60 */
	} bulletins;
	struct {
		char *url;		/* "" = no reports upward */
		char *token_file;	/* the station's collector token; "" = none */
		int interval_s;
	} report;
	struct {
		int keep_days;		/* as-played log retention */
	} log;
	struct {
		char *group;		/* Unix group allowed on the control socket */
	} control;
	struct {			/* loaxa-web, the operator's console */
		char *listen;		/* "ADDR:PORT" */
		char *users;		/* accounts file */
		char *tls_cert, *tls_key;	/* "" = plain HTTP */
		char *language;		/* "vi" or "en" */
		double session_hours;	/* a session's life */
		char *uploads;		/* recordings on their way to loaxad */
	} web;
};

typedef void (*config_warn_fn)(void *ctx, const char *message);

/*
 * Loads and validates path. Relative paths in it (paths.*, file: steps, keys,
 * chime) are made absolute against the file's folder. Slots overlapping on a
 * weekday are refused; an exception's slots are checked among themselves and,
 * in "add" mode, against the slots of its weekday. On success returns the config; warnings went to
 * warn (may be NULL). On failure returns NULL with "FILE:LINE: message" (or
 * "FILE: message" when no line applies) in err.
 */
struct config *config_load(const char *path, config_warn_fn warn, void *ctx,
    char *err, size_t errlen);
/* The same, from text in memory; name is used in messages (tests, fuzzing)
 * and its folder (against the current directory) resolves relative paths. */
struct config *config_parse_string(const char *text, const char *name,
    config_warn_fn warn, void *ctx, char *err, size_t errlen);
void config_free(struct config *cfg);

#endif
