/*
 * loaxa-publish: the district officer's tool. One file per command
 * (cmd-*.c) exporting a struct pub_cmd; publish-main.c holds the table.
 * feed-dir.c owns the feed folder (index.atom, alerts/, audio/) and the
 * options every command shares; the audio is checked by decoding it (audio/decoder.h).
 */
#ifndef LOAXA_PUBLISH_H
#define LOAXA_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "audio/decoder.h"
#include "bulletins/atom.h"
#include "bulletins/cap.h"
#include "bulletins/minisign.h"

struct pub_cmd {
	const char *name;
	const char *usage;	/* arguments after the command name */
	const char *help;	/* what it does, for --help */
	int (*exec)(int argc, char **argv);	/* argv[0] is the command name */
};

extern const struct pub_cmd cmd_keygen_entry;
extern const struct pub_cmd cmd_publish_entry;
extern const struct pub_cmd cmd_update_entry;
extern const struct pub_cmd cmd_cancel_entry;
extern const struct pub_cmd cmd_list_entry;
extern const struct pub_cmd cmd_prune_entry;
extern const struct pub_cmd cmd_notify_entry;

/* Prints "loaxa-publish: CMD: message" on stderr (one line); returns 1. */
int pub_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the command's usage and help on stdout; returns 0. */
int pub_help(const struct pub_cmd *cmd);

/* Options shared by the commands; each command says which it accepts. */
enum pub_opt {
	OPT_FEED = 1 << 0, OPT_KEY = 1 << 1, OPT_AREA = 1 << 2, OPT_PRIORITY = 1 << 3,
	OPT_PLAYS = 1 << 4, OPT_INTERVAL = 1 << 5, OPT_EFFECTIVE = 1 << 6,
	OPT_EXPIRES = 1 << 7, OPT_TITLE = 1 << 8, OPT_SENDER = 1 << 9, OPT_KEEP = 1 << 10,
	OPT_LANGUAGE = 1 << 11, OPT_BASE_URL = 1 << 12, OPT_AREA_DESC = 1 << 13,
	OPT_GEOCODE_NAME = 1 << 14, OPT_TEXT = 1 << 15,
	OPT_NOTIFY = 1 << 16,
};
#define OPT_MESSAGE (OPT_AREA | OPT_PRIORITY | OPT_PLAYS | OPT_INTERVAL | OPT_EFFECTIVE | \
	OPT_EXPIRES | OPT_TITLE | OPT_SENDER | OPT_LANGUAGE | OPT_BASE_URL | OPT_AREA_DESC | \
	OPT_GEOCODE_NAME | OPT_TEXT)
/* What stations match "VALUE" (any name) or "NAME=VALUE" in station.areas against. */
#define PUB_DEFAULT_GEOCODE_NAME "loaxa:area"
#define PUB_DEFAULT_LANGUAGE "vi-VN"

struct pub_opts {
	const char *feed, *key, *area, *priority, *effective, *expires, *title, *sender, *keep;
	const char *language, *base_url, *area_desc, *geocode_name, *text;
	const char *notify;	/* push channel publisher URL, or NULL */
	int plays;		/* 0: not given */
	int interval_s;		/* -1: not given */
	bool help;
	char **args;		/* positional arguments */
	int nargs;
};

/* Parses argv for cmd; 0, 1 after printing an error, or 0 with help set. */
int pub_parse_options(const struct pub_cmd *cmd, unsigned allowed, int argc, char **argv,
    struct pub_opts *o);
/* "90m", "6h", "2d", "45s" or plain seconds; -1 if malformed. */
long long pub_parse_duration(const char *s);
/* A CAP/ISO time or a duration counted from base; -1 if neither. */
int pub_parse_when(const char *s, time_t base, time_t *out);

/* The feed folder. Entries and their CAP messages, loaded together. */
struct feed_item {
	char *id;		/* CAP identifier = file name stem */
	struct atom_entry entry;
	struct cap_alert *cap;	/* NULL when alerts/ID.xml is missing or broken */
};
struct feed {
	char *dir;
	struct feed_item *items;
	size_t nitems;
};

/* Reads DIR/index.atom (missing: empty feed) and each listed CAP message. */
struct feed *feed_open(const char *dir, char *err, size_t errlen);
void feed_close(struct feed *f);
struct feed_item *feed_find(struct feed *f, const char *id);
/* True when a Cancel listed in the feed references item. */
bool feed_is_cancelled(const struct feed *f, const struct feed_item *item);
/* The Cancel listed in the feed that withdraws item, or NULL. */
const struct cap_alert *feed_cancel_of(const struct feed *f, const struct feed_item *item);
/* "live", "expired", "cancelled" or "broken" (CAP missing or invalid). */
const char *pub_item_state(const struct feed *f, const struct feed_item *item, time_t now);
/* Creates alerts/ and audio/; 0 or 1 after printing an error. */
int feed_prepare_dirs(const struct feed *f, const char *cmd);
/* Writes DIR/rel atomically (temp, fsync, rename), mode 0644. */
int feed_write(const struct feed *f, const char *rel, const void *data, size_t len,
    char *err, size_t errlen);
/* Rewrites index.atom from the items, in their order. */
int feed_write_index(const struct feed *f, char *err, size_t errlen);
/* Appends an item taking ownership of id, title and cap. */
void feed_add(struct feed *f, char *id, char *title, struct cap_alert *cap);
void feed_replace(struct feed *f, size_t index, char *id, char *title, struct cap_alert *cap);
void feed_remove(struct feed *f, size_t index);
bool feed_id_is_safe(const char *id);

/* Signs the CAP text with the key and writes alerts/ID.xml then its .minisig.
 * 0 or -1 with err. */
int feed_write_signed_cap(const struct feed *f, const char *id, const char *xml, size_t len,
    const struct minisign_seckey *sk, char *err, size_t errlen);

/* POSTs `what` to the push channel's publisher endpoint url (nchan) so that
 * subscribed stations poll at once; 0, or 1 after printing why not. */
int pub_notify(const char *cmd, const char *url, const char *what);

/* Loads the officer's unencrypted secret key; 0 or 1 after printing why not. */
int pub_load_key(const char *cmd, const char *path, struct minisign_seckey *sk);
/* The default CAP sender: "loaxa-" and the key id as minisign shows it. */
char *pub_key_sender(const struct minisign_seckey *sk);

/* Builds a new bulletin's CAP fields from options and the audio; shared by
 * publish and update. */
struct bulletin_spec {
	const char *cmd;
	const struct pub_opts *opts;
	const struct cap_alert *base;	/* update: the referenced message, else NULL */
	const char *audio;		/* path of new audio, or NULL: base's, or none (--text) */
};
/* Validates, loads the key, copies audio, writes CAP, signature, index (in
 * that order); prints the identifier last. Exit status. */
int pub_issue(const struct bulletin_spec *spec, struct feed *f, const char *msg_type);

#endif
