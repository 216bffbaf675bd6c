#include "playlists/m3u.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"

/* Limits that keep a corrupt or hostile file from eating the Pi's memory. */
#define M3U_MAX_ENTRIES 10000
#define M3U_MAX_LINE 4096
#define M3U_MAX_FILE ((size_t)16 << 20)

/* Parser state: one playlist being built, and the line being read. */
struct parser {
	struct playlist *pl;
	size_t cap;
	const char *base_dir;
	size_t lineno;
	char *err;
	size_t errlen;
	/* M3U: the #EXTINF waiting for its entry line. */
	char *pending_title;
	double pending_duration;
	/* PLS: entry numbers, parallel to pl->entries. */
	long *pls_numbers;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "line %zu: %s", p->lineno, msg);
	return -1;
}

static char *
dup_n(const char *s, size_t len)
{
	char *d = xmalloc(len + 1);
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* Trims blanks around s[0..*len): returns the new start, shortens *len. */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && is_blank(s[0])) {
		s++;
		(*len)--;
	}
	while (*len > 0 && is_blank(s[*len - 1]))
		(*len)--;
	return s;
}

static bool
has_prefix_ci(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && strncasecmp(s, prefix, n) == 0;
}

/* "scheme://" per RFC 3986: a letter, then letters, digits, + - . */
static bool
is_url(const char *s, size_t len)
{
	if (len == 0 || !isalpha((unsigned char)s[0]))
		return false;
	size_t i = 1;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '+' ||
	    s[i] == '-' || s[i] == '.'))
		i++;
	return len - i >= 3 && memcmp(s + i, "://", 3) == 0;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* file:///a%20b.mp3 (or file://localhost/...) to "/a b.mp3". */
static char *
file_uri_to_path(struct parser *p, const char *s, size_t len)
{
	s += 7;
	len -= 7;
	if (has_prefix_ci(s, len, "localhost/")) {
		s += 9;
		len -= 9;
	}
	if (len == 0 || s[0] != '/') {
		fail(p, "file URI names a host other than localhost; only local files can be played");
		return NULL;
	}
	char *path = xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 &&
		    (lo = hex_value(s[i + 2])) >= 0) {
			path[n] = (char)(hi << 4 | lo);
			if (path[n] == '\0') {
				free(path);
				fail(p, "file URI contains %%00");
				return NULL;
			}
			n++;
			i += 2;
		} else {
			path[n++] = s[i];
		}
	}
	path[n] = '\0';
	return path;
}

/*
 * Joins base and rel and removes ".", ".." and repeated slashes, so logs
 * show the file that will be opened. ".." is resolved by name, as playlist
 * authors expect, not through symlinks.
 */
static char *
join_clean(const char *base, const char *rel, size_t rel_len)
{
	size_t blen = base ? strlen(base) : 0;
	char *joined = xmalloc(blen + 1 + rel_len + 1);
	memcpy(joined, base ? base : "", blen);
	joined[blen] = '/';
	memcpy(joined + blen + 1, rel, rel_len);
	joined[blen + 1 + rel_len] = '\0';

	bool absolute = joined[0] == '/';
	char *out = xmalloc(blen + 1 + rel_len + 2);
	size_t n = 0;
	char *save = NULL;
	for (char *part = strtok_r(joined, "/", &save); part != NULL;
	    part = strtok_r(NULL, "/", &save)) {
		if (strcmp(part, ".") == 0)
			continue;
		if (strcmp(part, "..") == 0 && absolute) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;	/* the slash; above the root stays at the root */
			continue;
		}
		if (absolute || n > 0)
			out[n++] = '/';
		size_t plen = strlen(part);
		memcpy(out + n, part, plen);
		n += plen;
	}
	if (n == 0)
		out[n++] = absolute ? '/' : '.';
	out[n] = '\0';
	free(joined);
	return out;
}

/* What the entry line names, as the player will open it; NULL with err. */
static char *
location_of(struct parser *p, const char *s, size_t len)
{
	if (has_prefix_ci(s, len, "file://"))
		return file_uri_to_path(p, s, len);
	if (is_url(s, len) || s[0] == '/' || p->base_dir == NULL)
		return dup_n(s, len);
	return join_clean(p->base_dir, s, len);
}

static struct playlist_entry *
add_entry(struct parser *p, char *location)
{
	if (p->pl->nentries == M3U_MAX_ENTRIES) {
		free(location);
		fail(p, "more than %d entries; split the playlist", M3U_MAX_ENTRIES);
		return NULL;
	}
	if (p->pl->nentries == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->pl->entries = xreallocarray(p->pl->entries, p->cap,
		    sizeof(*p->pl->entries));
		if (p->pls_numbers != NULL)
			p->pls_numbers = xreallocarray(p->pls_numbers, p->cap,
			    sizeof(*p->pls_numbers));
	}
	struct playlist_entry *e = &p->pl->entries[p->pl->nentries++];
	*e = (struct playlist_entry){ .location = location, .duration_s = -1 };
	return e;
}

static double
parse_duration(const char *s, size_t len)
{
	char buf[64];
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	double d = strtod(buf, &end);
	if (end == buf || !isfinite(d) || d < 0)
		return -1;
	return d;
}

static char *
title_or_null(const char *s, size_t len)
{
	s = trim(s, &len);
	return len ? dup_n(s, len) : NULL;
}

/* "#EXTINF:123 attr="a,b",Title": the number, then the title after the
 * first comma outside quotes (IPTV lists add quoted attributes). */
static void
parse_extinf(struct parser *p, const char *s, size_t len)
{
	size_t i = 0;
	bool quoted = false;
	while (i < len && (quoted || s[i] != ',')) {
		if (s[i] == '"')
			quoted = !quoted;
		i++;
	}
	size_t numlen = 0;
	while (numlen < i && !is_blank(s[numlen]))
		numlen++;
	free(p->pending_title);
	p->pending_duration = parse_duration(s, numlen);
	p->pending_title = i < len ? title_or_null(s + i + 1, len - i - 1) : NULL;
}

static int
m3u_line(struct parser *p, const char *s, size_t len)
{
	if (s[0] == '#') {
		if (has_prefix_ci(s, len, "#EXTINF:"))
			parse_extinf(p, s + 8, len - 8);
		return 0;
	}
	char *location = location_of(p, s, len);
	if (location == NULL)
		return -1;
	struct playlist_entry *e = add_entry(p, location);
	if (e == NULL)
		return -1;
	e->title = p->pending_title;
	e->duration_s = p->pending_duration;
	p->pending_title = NULL;
	p->pending_duration = -1;
	return 0;
}

/* The PLS entry numbered n, created on first mention. */
static struct playlist_entry *
pls_entry(struct parser *p, long n)
{
	/* Searching from the end: files list File1, Title1, Length1, File2... */
	for (size_t i = p->pl->nentries; i-- > 0;)
		if (p->pls_numbers[i] == n)
			return &p->pl->entries[i];
	struct playlist_entry *e = add_entry(p, NULL);
	if (e != NULL)
		p->pls_numbers[p->pl->nentries - 1] = n;
	return e;
}

/* "File3=..." -> key "File", number 3; false when not numbered. */
static bool
pls_key(const char *key, size_t klen, const char *name, long *n)
{
	size_t nlen = strlen(name);
	if (klen <= nlen || strncasecmp(key, name, nlen) != 0)
		return false;
	long v = 0;
	for (size_t i = nlen; i < klen; i++) {
		if (!isdigit((unsigned char)key[i]) || v > 1000000)
			return false;
		v = v * 10 + (key[i] - '0');
	}
	*n = v;
	return true;
}

static int
pls_line(struct parser *p, const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	if (s[0] == '[' || s[0] == ';' || s[0] == '#' || eq == NULL)
		return 0;
	size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
	const char *key = trim(s, &klen), *val = trim(eq + 1, &vlen);
	long n;
	struct playlist_entry *e;
	if (pls_key(key, klen, "File", &n)) {
		if (vlen == 0)
			return 0;
		char *location = location_of(p, val, vlen);
		if (location == NULL || (e = pls_entry(p, n)) == NULL) {
			free(location);
			return -1;
		}
		free(e->location);
		e->location = location;
	} else if (pls_key(key, klen, "Title", &n)) {
		if ((e = pls_entry(p, n)) == NULL)
			return -1;
		free(e->title);
		e->title = title_or_null(val, vlen);
	} else if (pls_key(key, klen, "Length", &n)) {
		if ((e = pls_entry(p, n)) == NULL)
			return -1;
		e->duration_s = parse_duration(val, vlen);
	}
	return 0;
}

static int
compare_numbers(const void *a, const void *b, void *numbers)
{
	const long *num = numbers;
	long x = num[*(const size_t *)a], y = num[*(const size_t *)b];
	if (x != y)
		return x < y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* PLS numbers entries; order by number and drop Titles without a File. */
static void
pls_finish(struct parser *p)
{
	size_t n = p->pl->nentries;
	size_t *order = xcalloc(n ? n : 1, sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), compare_numbers, p->pls_numbers);
	struct playlist_entry *sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct playlist_entry *e = &p->pl->entries[order[i]];
		if (e->location != NULL)
			sorted[kept++] = *e;
		else
			free(e->title);
	}
	free(order);
	free(p->pl->entries);
	p->pl->entries = sorted;
	p->pl->nentries = kept;
	p->cap = n ? n : 1;
}

/* The line at pos: its length without the end (LF, CRLF or lone CR) in
 * *line_len; returns where the next line starts. */
static size_t
next_line(const char *text, size_t len, size_t pos, size_t *line_len)
{
	size_t end = pos;
	while (end < len && text[end] != '\n' && text[end] != '\r')
		end++;
	*line_len = end - pos;
	if (end < len && text[end] == '\r' && end + 1 < len && text[end + 1] == '\n')
		return end + 2;
	return end < len ? end + 1 : end;
}

static bool
starts_pls(const char *text, size_t len)
{
	size_t pos = 0, llen;
	while (pos < len) {
		size_t start = pos;
		pos = next_line(text, len, pos, &llen);
		const char *s = trim(text + start, &llen);
		if (llen > 0)
			return llen == 10 && strncasecmp(s, "[playlist]", 10) == 0;
	}
	return false;
}

static int
parse_lines(struct parser *p, const char *text, size_t len)
{
	bool pls = starts_pls(text, len);
	if (pls)
		p->pls_numbers = xcalloc(1, sizeof(*p->pls_numbers));
	size_t pos = 0, llen;
	while (pos < len) {
		size_t start = pos;
		p->lineno++;
		pos = next_line(text, len, pos, &llen);
		/* Other bytes are kept as they are (Latin-1 playlists exist),
		 * but a NUL could not survive as a C string: binary file. */
		if (memchr(text + start, '\0', llen) != NULL)
			return fail(p, "NUL byte; this is not a text playlist");
		if (llen > M3U_MAX_LINE)
			return fail(p, "longer than %d bytes; not a playlist?", M3U_MAX_LINE);
		const char *s = trim(text + start, &llen);
		if (llen == 0)
			continue;
		if ((pls ? pls_line(p, s, llen) : m3u_line(p, s, llen)) < 0)
			return -1;
	}
	if (pls)
		pls_finish(p);
	return 0;
}

struct playlist *
m3u_parse(const char *text, size_t len, const char *base_dir, char *err,
    size_t errlen)
{
	struct parser p = {
		.pl = xcalloc(1, sizeof(*p.pl)), .base_dir = base_dir,
		.err = err, .errlen = errlen, .pending_duration = -1,
	};
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	int rc = parse_lines(&p, text, len);
	free(p.pending_title);
	free(p.pls_numbers);
	if (rc < 0) {
		playlist_free(p.pl);
		return NULL;
	}
	return p.pl;
}

/* The playlist's folder as an absolute path, so entries are absolute. */
static char *
absolute_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") :
	    slash == path ? xstrdup("/") : dup_n(path, (size_t)(slash - path));
	if (dir[0] == '/')
		return dir;
	char *cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return dir;	/* relative entries stay relative to it */
	char *abs = join_clean(cwd, dir, strlen(dir));
	free(cwd);
	free(dir);
	return abs;
}

struct playlist *
m3u_load(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text = read_file_all(path, M3U_MAX_FILE, &len, err, errlen);
	if (text == NULL)
		return NULL;
	char *dir = absolute_dir_of(path);
	char msg[256];
	struct playlist *pl = m3u_parse(text, len, dir, msg, sizeof(msg));
	if (pl == NULL)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(dir);
	free(text);
	return pl;
}

static bool
is_regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *
m3u_find(const char *dir, const char *name)
{
	/* A playlist name must not reach outside the playlists folder. */
	if (name == NULL || name[0] == '\0' || name[0] == '.' ||
	    strchr(name, '/') != NULL)
		return NULL;
	static const char *const suffixes[] = { ".m3u", ".m3u8" };
	for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
		char *path = xasprintf("%s/%s%s", dir, name, suffixes[i]);
		if (is_regular_file(path))
			return path;
		free(path);
	}
	return NULL;
}

void
playlist_free(struct playlist *pl)
{
	if (pl == NULL)
		return;
	for (size_t i = 0; i < pl->nentries; i++) {
		free(pl->entries[i].location);
		free(pl->entries[i].title);
	}
	free(pl->entries);
	free(pl);
}
