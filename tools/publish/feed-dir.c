/*
 * feed-dir: the feed folder as loaxa-publish sees it, and the option
 * parsing all commands share. Every file goes through atomic_write_file so
 * the web server serves either the old or the new version, never half.
 */
#include "tools/publish/publish.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bulletins/minisign.h"
#include "core/log.h"
#include "core/util.h"

#define MAX_INDEX (4 * 1024 * 1024)
#define MAX_CAP CAP_DEFAULT_MAX_BYTES

int
pub_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "loaxa-publish: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int
pub_help(const struct pub_cmd *cmd)
{
	printf("usage: loaxa-publish %s %s\n\n%s", cmd->name, cmd->usage, cmd->help);
	return 0;
}

/* ---- options ---- */

static const struct option long_options[] = {
	{ "feed", required_argument, NULL, 'f' },
	{ "key", required_argument, NULL, 'k' },
	{ "area", required_argument, NULL, 'a' },
	{ "priority", required_argument, NULL, 'p' },
	{ "plays", required_argument, NULL, 'n' },
	{ "interval", required_argument, NULL, 'i' },
	{ "effective", required_argument, NULL, 'e' },
	{ "expires", required_argument, NULL, 'x' },
	{ "title", required_argument, NULL, 't' },
	{ "sender", required_argument, NULL, 's' },
	{ "keep", required_argument, NULL, 'K' },
	{ "language", required_argument, NULL, 'L' },
	{ "base-url", required_argument, NULL, 'B' },
	{ "area-desc", required_argument, NULL, 'D' },
	{ "geocode-name", required_argument, NULL, 'G' },
	{ "text", required_argument, NULL, 'T' },
	{ "notify", required_argument, NULL, 'N' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static unsigned
option_bit(int c)
{
	switch (c) {
	case 'f': return OPT_FEED;
	case 'k': return OPT_KEY;
	case 'a': return OPT_AREA;
	case 'p': return OPT_PRIORITY;
	case 'n': return OPT_PLAYS;
	case 'i': return OPT_INTERVAL;
	case 'e': return OPT_EFFECTIVE;
	case 'x': return OPT_EXPIRES;
	case 't': return OPT_TITLE;
	case 's': return OPT_SENDER;
	case 'K': return OPT_KEEP;
	case 'L': return OPT_LANGUAGE;
	case 'B': return OPT_BASE_URL;
	case 'D': return OPT_AREA_DESC;
	case 'G': return OPT_GEOCODE_NAME;
	case 'T': return OPT_TEXT;
	case 'N': return OPT_NOTIFY;
	default: return 0;
	}
}

static int
parse_count(const char *cmd, const char *name, const char *s, long min, long max, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return pub_error(cmd, "--%s %s: want a whole number from %ld to %ld", name, s, min, max);
	*out = (int)v;
	return 0;
}

static int
store_option(const struct pub_cmd *cmd, int c, const char *arg, struct pub_opts *o)
{
	long long d;
	switch (c) {
	case 'f': o->feed = arg; break;
	case 'k': o->key = arg; break;
	case 'a': o->area = arg; break;
	case 'p': o->priority = arg; break;
	case 'n': return parse_count(cmd->name, "plays", arg, 1, 100, &o->plays);
	case 'i':
		d = pub_parse_duration(arg);
		if (d < 0 || d > 7 * 86400)
			return pub_error(cmd->name, "--interval %s: want seconds (or 90s, 10m, 1h), at most 7d", arg);
		o->interval_s = (int)d;
		break;
	case 'e': o->effective = arg; break;
	case 'x': o->expires = arg; break;
	case 't': o->title = arg; break;
	case 's': o->sender = arg; break;
	case 'K': o->keep = arg; break;
	case 'L': o->language = arg; break;
	case 'B': o->base_url = arg; break;
	case 'D': o->area_desc = arg; break;
	case 'G': o->geocode_name = arg; break;
	case 'T': o->text = arg; break;
	case 'N': o->notify = arg; break;
	}
	return 0;
}

int
pub_parse_options(const struct pub_cmd *cmd, unsigned allowed, int argc, char **argv,
    struct pub_opts *o)
{
	int c;
	*o = (struct pub_opts){ .interval_s = -1 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		if (c == '?' || c == ':') {
			const char *bad = argv[optind - 1];
			if (optopt != 0 && option_bit(optopt) != 0)
				return pub_error(cmd->name, "%s needs a value", bad);
			return pub_error(cmd->name, "unknown option %s (see loaxa-publish %s --help)",
			    bad, cmd->name);
		}
		if ((option_bit(c) & allowed) == 0)
			return pub_error(cmd->name, "option %s does not apply here (see loaxa-publish %s --help)",
			    argv[optind - 1], cmd->name);
		if (store_option(cmd, c, optarg, o) != 0)
			return 1;
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

long long
pub_parse_duration(const char *s)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	long long unit = 1;
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 's': unit = 1; end++; break;
	case 'm': unit = 60; end++; break;
	case 'h': unit = 3600; end++; break;
	case 'd': unit = 86400; end++; break;
	default: return -1;
	}
	if (*end != '\0' || v > 366LL * 86400 / unit)
		return -1;
	return v * unit;
}

int
pub_parse_when(const char *s, time_t base, time_t *out)
{
	long long d = pub_parse_duration(s);
	if (d >= 0) {
		*out = base + (time_t)d;
		return 0;
	}
	return cap_parse_time(s, out);
}

/* ---- the feed folder ---- */

bool
feed_id_is_safe(const char *id)
{
	if (id[0] == '\0' || id[0] == '.' || strlen(id) > 128)
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

/* "alerts/ID.xml" -> "ID", or NULL for links loaxa-publish did not write. */
static char *
id_from_href(const char *href)
{
	size_t len = href ? strlen(href) : 0;
	if (!str_has_prefix(href ? href : "", "alerts/") || len < 12 ||
	    strcmp(href + len - 4, ".xml") != 0)
		return NULL;
	char *id = xstrdup(href + 7);
	id[strlen(id) - 4] = '\0';
	if (!feed_id_is_safe(id)) {
		free(id);
		return NULL;
	}
	return id;
}

static char *
path_in_feed(const struct feed *f, const char *rel)
{
	return xasprintf("%s/%s", f->dir, rel);
}

static struct cap_alert *
load_cap(const struct feed *f, const char *id)
{
	char err[256];
	size_t len;
	char *rel = xasprintf("alerts/%s.xml", id);
	char *path = path_in_feed(f, rel);
	char *xml = read_file_all(path, MAX_CAP, &len, err, sizeof(err));
	struct cap_alert *a = xml ? cap_parse(xml, len, MAX_CAP, err, sizeof(err)) : NULL;
	free(xml);
	free(path);
	free(rel);
	return a;
}

static void
take_entry(struct feed *f, struct atom_entry *e)
{
	char *id = id_from_href(e->cap_href);
	if (id == NULL) {
		/* Not ours to interpret; kept as it is. */
		id = xstrdup("");
	}
	f->items = xreallocarray(f->items, f->nitems + 1, sizeof(*f->items));
	struct feed_item *it = &f->items[f->nitems++];
	it->id = id;
	it->entry = *e;
	it->cap = id[0] ? load_cap(f, id) : NULL;
	*e = (struct atom_entry){ 0 };
}

struct feed *
feed_open(const char *dir, char *err, size_t errlen)
{
	struct stat st;
	size_t len;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "feed %s is not a folder", dir);
		return NULL;
	}
	struct feed *f = xcalloc(1, sizeof(*f));
	f->dir = xstrdup(dir);
	char *index = path_in_feed(f, "index.atom");
	if (access(index, F_OK) != 0) {
		free(index);
		return f;
	}
	char *xml = read_file_all(index, MAX_INDEX, &len, err, errlen);
	struct atom_feed *af = xml ? atom_parse(xml, len, err, errlen) : NULL;
	free(xml);
	free(index);
	if (af == NULL) {
		feed_close(f);
		return NULL;
	}
	for (size_t i = 0; i < af->nentries; i++)
		take_entry(f, &af->entries[i]);
	atom_free(af);
	return f;
}

static void
free_item(struct feed_item *it)
{
	free(it->id);
	free(it->entry.id);
	free(it->entry.title);
	free(it->entry.updated);
	free(it->entry.cap_href);
	cap_free(it->cap);
}

void
feed_close(struct feed *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nitems; i++)
		free_item(&f->items[i]);
	free(f->items);
	free(f->dir);
	free(f);
}

struct feed_item *
feed_find(struct feed *f, const char *id)
{
	for (size_t i = 0; i < f->nitems; i++)
		if (strcmp(f->items[i].id, id) == 0)
			return &f->items[i];
	return NULL;
}

const struct cap_alert *
feed_cancel_of(const struct feed *f, const struct feed_item *item)
{
	if (item->cap == NULL)
		return NULL;
	for (size_t i = 0; i < f->nitems; i++) {
		const struct cap_alert *c = f->items[i].cap;
		if (c == NULL || strcmp(c->msg_type, "Cancel") != 0)
			continue;
		for (size_t r = 0; r < c->nrefs; r++)
			if (strcmp(c->refs[r].identifier, item->cap->identifier) == 0 &&
			    strcmp(c->refs[r].sender, item->cap->sender) == 0)
				return c;
	}
	return NULL;
}

bool
feed_is_cancelled(const struct feed *f, const struct feed_item *item)
{
	return feed_cancel_of(f, item) != NULL;
}

int
feed_prepare_dirs(const struct feed *f, const char *cmd)
{
	static const char *const subdirs[] = { "alerts", "audio" };
	for (size_t i = 0; i < ARRAY_LEN(subdirs); i++) {
		char *p = path_in_feed(f, subdirs[i]);
		int rc = mkdir_p(p, 0755);
		if (rc < 0)
			pub_error(cmd, "cannot create %s: %s", p, strerror(errno));
		free(p);
		if (rc < 0)
			return 1;
	}
	return 0;
}

int
feed_write(const struct feed *f, const char *rel, const void *data, size_t len,
    char *err, size_t errlen)
{
	char *p = path_in_feed(f, rel);
	int rc = atomic_write_file(p, data, len, 0644, err, errlen);
	free(p);
	return rc;
}

int
feed_write_index(const struct feed *f, char *err, size_t errlen)
{
	struct atom_entry *entries = xcalloc(f->nitems + 1, sizeof(*entries));
	size_t len;
	for (size_t i = 0; i < f->nitems; i++)
		entries[i] = f->items[i].entry;
	char *xml = atom_build("loaxa bulletins", "urn:loaxa:feed", entries, f->nitems, &len);
	int rc = feed_write(f, "index.atom", xml, len, err, errlen);
	free(xml);
	free(entries);
	return rc;
}

static void
fill_item(struct feed_item *it, char *id, char *title, struct cap_alert *cap)
{
	it->id = id;
	it->cap = cap;
	it->entry = (struct atom_entry){
		.id = xasprintf("urn:loaxa:bulletin:%s", id),
		.title = title,
		.updated = xstrdup(cap->sent_text),
		.cap_href = xasprintf("alerts/%s.xml", id),
	};
}

void
feed_add(struct feed *f, char *id, char *title, struct cap_alert *cap)
{
	f->items = xreallocarray(f->items, f->nitems + 1, sizeof(*f->items));
	fill_item(&f->items[f->nitems++], id, title, cap);
}

void
feed_replace(struct feed *f, size_t index, char *id, char *title, struct cap_alert *cap)
{
	free_item(&f->items[index]);
	fill_item(&f->items[index], id, title, cap);
}

void
feed_remove(struct feed *f, size_t index)
{
	free_item(&f->items[index]);
	memmove(&f->items[index], &f->items[index + 1],
	    (f->nitems - index - 1) * sizeof(*f->items));
	f->nitems--;
}

int
feed_write_signed_cap(const struct feed *f, const char *id, const char *xml, size_t len,
    const struct minisign_seckey *sk, char *err, size_t errlen)
{
	char *comment = xasprintf("timestamp:%lld\tfile:%s.xml\thashed", (long long)time(NULL), id);
	char *sig = minisign_sign(sk, xml, len, comment, err, errlen);
	char *rel = xasprintf("alerts/%s.xml", id);
	char *sig_rel = xasprintf("alerts/%s.xml.minisig", id);
	int rc = -1;
	/* The signature follows the message: a station that sees the new
	 * message before its signature retries, it never trusts a stale one. */
	if (sig != NULL && feed_write(f, rel, xml, len, err, errlen) == 0 &&
	    feed_write(f, sig_rel, sig, strlen(sig), err, errlen) == 0)
		rc = 0;
	free(comment);
	free(sig);
	free(rel);
	free(sig_rel);
	return rc;
}
