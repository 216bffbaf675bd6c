#include "core/playedlog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "core/loop.h"

/* One line can be long (a path, a reason) but never unbounded. */
#define LINE_MAX_BYTES	(64 * 1024)
/* The midnight timer re-checks at least hourly: DST and clock steps move
 * midnight after the timer was armed. */
#define ROTATE_CHECK_MAX_MS	(3600 * 1000)

struct playedlog {
	char *path;
	int fd;
	ino_t ino;
	dev_t dev;
	int day;		/* yyyymmdd of the lines in the active file */
	int keep_days;
	bool failing;		/* a write failed; logged once until one succeeds */
	struct loop *loop;
	uint64_t timer;
};

static int
day_of(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

static int
open_active(struct playedlog *log, char *err, size_t errlen)
{
	struct stat st;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", log->path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0755) < 0) {
			snprintf(err, errlen, "%s: cannot create folder: %s", dir,
			    strerror(errno));
			return -1;
		}
	}
	int fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", log->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (log->fd >= 0)
		close(log->fd);
	log->fd = fd;
	log->ino = st.st_ino;
	log->dev = st.st_dev;
	/* A file with lines belongs to the day it was last written. */
	log->day = day_of(st.st_size > 0 ? st.st_mtime : time(NULL));
	return 0;
}

/* Does the path still name the file we hold open? */
static bool
still_active(const struct playedlog *log)
{
	struct stat st;

	return stat(log->path, &st) == 0 && st.st_ino == log->ino &&
	    st.st_dev == log->dev;
}

static void
remove_old_files(struct playedlog *log)
{
	if (log->keep_days <= 0)
		return;
	time_t limit = time(NULL) - (time_t)log->keep_days * 86400;
	int oldest_kept = day_of(limit);
	char **files;
	size_t n = playedlog_list_files(log->path, &files);
	size_t plen = strlen(log->path);

	for (size_t i = 0; i < n; i++) {
		int y, m, d;
		if (strcmp(files[i], log->path) == 0 ||
		    sscanf(files[i] + plen, ".%4d-%2d-%2d", &y, &m, &d) != 3)
			continue;
		if (y * 10000 + m * 100 + d < oldest_kept && unlink(files[i]) == 0)
			log_info("as-played log: removed %s (older than %d days)",
			    files[i], log->keep_days);
	}
	playedlog_free_files(files, n);
}

/* Renames the active file to PATH.YYYY-MM-DD (or .N after it if taken: the
 * clock went back) without ever replacing an existing file. */
static int
rename_to_dated(const struct playedlog *log)
{
	char dst[PATH_MAX + 32];

	for (int n = 0; n < 1000; n++) {
		int len = snprintf(dst, sizeof(dst), "%s.%04d-%02d-%02d", log->path,
		    log->day / 10000, log->day / 100 % 100, log->day % 100);
		if (n > 0)
			snprintf(dst + len, sizeof(dst) - len, ".%d", n);
		if (renameat2(AT_FDCWD, log->path, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	log_warn("as-played log: cannot rotate %s: %s; lines stay in it",
	    log->path, strerror(errno));
	return -1;
}

void
playedlog_rotate_if_due(struct playedlog *log)
{
	char err[256];
	struct stat st;
	int today = day_of(time(NULL));

	if (log->fd < 0 && open_active(log, err, sizeof(err)) < 0)
		return;
	if (log->day == today && still_active(log))
		return;
	/* The exclusive lock keeps writers of other processes (who take a
	 * shared one) from writing while the file changes name. */
	flock(log->fd, LOCK_EX);
	if (still_active(log) && fstat(log->fd, &st) == 0) {
		if (st.st_size > 0 && log->day != today && rename_to_dated(log) == 0) {
			log_info("as-played log: rotated %s", log->path);
			remove_old_files(log);
		}
	}
	flock(log->fd, LOCK_UN);
	if (open_active(log, err, sizeof(err)) < 0)
		log_warn("as-played log: %s; lines are lost until it can be opened", err);
	else if (log->day != today && fstat(log->fd, &st) == 0 && st.st_size == 0)
		log->day = today;
}

struct playedlog *
playedlog_open(const char *path, char *err, size_t errlen)
{
	struct playedlog *log = xcalloc(1, sizeof(*log));

	log->path = xstrdup(path);
	log->fd = -1;
	log->keep_days = PLAYEDLOG_KEEP_DAYS_DEFAULT;
	if (open_active(log, err, errlen) < 0) {
		free(log->path);
		free(log);
		return NULL;
	}
	playedlog_rotate_if_due(log);
	return log;
}

void
playedlog_set_keep_days(struct playedlog *log, int keep_days)
{
	log->keep_days = keep_days;
	remove_old_files(log);
}

static int64_t
ms_to_next_check(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = 24;	/* mktime normalises to the next midnight */
	tm.tm_min = 0;
	tm.tm_sec = 1;
	tm.tm_isdst = -1;
	int64_t ms = (int64_t)(mktime(&tm) - now) * 1000;
	if (ms <= 0 || ms > ROTATE_CHECK_MAX_MS)
		ms = ROTATE_CHECK_MAX_MS;
	return ms;
}

static void
on_rotate_timer(void *arg)
{
	struct playedlog *log = arg;

	playedlog_rotate_if_due(log);
	log->timer = loop_add_timer(log->loop, ms_to_next_check(), on_rotate_timer, log);
}

void
playedlog_attach_loop(struct playedlog *log, struct loop *loop)
{
	if (log->loop != NULL)
		loop_cancel_timer(log->loop, log->timer);
	log->loop = loop;
	log->timer = loop_add_timer(loop, ms_to_next_check(), on_rotate_timer, log);
}

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF). */
static size_t
utf8_seq_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* A file name in a legacy encoding must not cost the line: bad bytes
 * become U+FFFD. */
static json_t *
utf8_string(const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t len = strlen(value), o = 0;
	char *fixed = xmalloc(len * 3 + 1);

	while (*s) {
		size_t n = utf8_seq_len(s);
		if (n == 0) {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			s++;
		} else {
			memcpy(fixed + o, s, n);
			o += n;
			s += n;
		}
	}
	json_t *str = json_stringn(fixed, o);
	free(fixed);
	return str;
}

static void
set_str(json_t *obj, const char *key, const char *value)
{
	json_object_set_new(obj, key, value ? utf8_string(value) : json_null());
}

char *
playedlog_format(const struct played_entry *e)
{
	char start[ISO_TIME_LEN], end[ISO_TIME_LEN];
	json_t *obj = json_object();

	format_iso_time(&e->start, start, sizeof(start));
	format_iso_time(&e->end, end, sizeof(end));
	set_str(obj, "start", start);
	set_str(obj, "end", end);
	set_str(obj, "slot", e->slot);
	set_str(obj, "kind", e->kind);
	set_str(obj, "source", e->source);
	set_str(obj, "result", e->result);
	json_object_set_new(obj, "played_s",
	    json_real(round(e->played_s * 1000.0) / 1000.0));
	if (e->bulletin != NULL) {
		set_str(obj, "bulletin", e->bulletin);
		set_str(obj, "priority", e->priority);
		if (e->language != NULL)
			set_str(obj, "language", e->language);
		if (e->speech)
			json_object_set_new(obj, "speech", json_true());
	}
	if (e->title != NULL)
		set_str(obj, "title", e->title);
	if (e->relay) {
		json_object_set_new(obj, "live_s", json_real(round(e->live_s * 1000.0) / 1000.0));
		json_object_set_new(obj, "outages", json_integer(e->outages));
	}
	if (e->reason != NULL)
		set_str(obj, "reason", e->reason);
	char *text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(obj);
	return text;
}

static int
append_line(struct playedlog *log, const char *buf, size_t len)
{
	char err[256];

	/* Each retry means a rotation happened between our open and our
	 * lock: rare (once a day), but a slow process (valgrind, a loaded
	 * Pi) racing a rotating one may lose a few rounds; a line is never
	 * given up for that before many of them. */
	for (int attempt = 0; attempt < 100; attempt++) {
		if (log->fd < 0 && open_active(log, err, sizeof(err)) < 0)
			return -1;
		flock(log->fd, LOCK_SH);
		if (!still_active(log)) {
			/* Another writer rotated: follow it to the new file. */
			flock(log->fd, LOCK_UN);
			if (open_active(log, err, sizeof(err)) < 0)
				return -1;
			continue;
		}
		ssize_t w;
		do
			w = write(log->fd, buf, len);
		while (w < 0 && errno == EINTR);
		int saved = errno;
		flock(log->fd, LOCK_UN);
		errno = saved;
		return w == (ssize_t)len ? 0 : -1;
	}
	errno = EAGAIN;
	return -1;
}

int
playedlog_write(struct playedlog *log, const struct played_entry *e)
{
	char *text = playedlog_format(e);

	if (text == NULL) {
		log_warn("as-played log: cannot encode the line for %s (invalid "
		    "UTF-8?); line dropped", e->source ? e->source : "(none)");
		return -1;
	}
	playedlog_rotate_if_due(log);
	size_t len = strlen(text);
	if (len + 1 > LINE_MAX_BYTES) {
		free(text);
		log_warn("as-played log: line too long for %s; dropped", e->source);
		return -1;
	}
	text[len] = '\n';	/* the NUL's place: one write(2) for the line */
	int r = append_line(log, text, len + 1);
	free(text);
	if (r < 0) {
		if (!log->failing)
			log_err("as-played log: cannot write %s: %s; lines are "
			    "lost until the disk is fixed", log->path, strerror(errno));
		log->failing = true;
		return -1;
	}
	log->failing = false;
	return 0;
}

void
playedlog_close(struct playedlog *log)
{
	if (log == NULL)
		return;
	if (log->loop != NULL)
		loop_cancel_timer(log->loop, log->timer);
	if (log->fd >= 0)
		close(log->fd);
	free(log->path);
	free(log);
}

/* ---- reading ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is name "BASE.YYYY-MM-DD" or "BASE.YYYY-MM-DD.N"? */
static bool
is_rotated_name(const char *name, const char *base)
{
	size_t blen = strlen(base);
	int y, m, d, n = 0;

	if (strncmp(name, base, blen) != 0 || name[blen] != '.')
		return false;
	const char *rest = name + blen + 1;
	if (sscanf(rest, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	rest += n;
	if (*rest == '\0')
		return true;
	if (*rest++ != '.' || *rest == '\0')
		return false;
	return strspn(rest, "0123456789") == strlen(rest);
}

size_t
playedlog_list_files(const char *path, char ***out)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t n = 0, cap = 0;
	char **files = NULL;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	DIR *d = opendir(dir);
	if (d != NULL) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (!is_rotated_name(de->d_name, base))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				files = xreallocarray(files, cap, sizeof(*files));
			}
			files[n++] = xasprintf("%.*s%s", (int)(base - path), path,
			    de->d_name);
		}
		closedir(d);
	}
	/* Date names sort by date; "D" before "D.1" as they were written. */
	if (n > 0)
		qsort(files, n, sizeof(*files), cmp_str);
	if (access(path, F_OK) == 0) {
		files = xreallocarray(files, n + 1, sizeof(*files));
		files[n++] = xstrdup(path);
	}
	*out = files;
	return n;
}

void
playedlog_free_files(char **files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

struct read_line {
	struct timespec start;
	size_t seq;
	char *text;
	json_t *obj;
};

struct line_set {
	struct read_line *v;
	size_t n, cap;
};

static int
cmp_line(const void *a, const void *b)
{
	const struct read_line *x = a, *y = b;

	if (x->start.tv_sec != y->start.tv_sec)
		return x->start.tv_sec < y->start.tv_sec ? -1 : 1;
	if (x->start.tv_nsec != y->start.tv_nsec)
		return x->start.tv_nsec < y->start.tv_nsec ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
take_line(struct line_set *set, char *text, time_t since, time_t until, size_t *bad)
{
	struct timespec start;
	json_t *obj = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const char *s = json_string_value(json_object_get(obj, "start"));

	if (!json_is_object(obj) || s == NULL || parse_iso_time(s, &start) < 0) {
		json_decref(obj);
		(*bad)++;
		return;
	}
	if ((since && start.tv_sec < since) || (until && start.tv_sec >= until)) {
		json_decref(obj);
		return;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 256;
		set->v = xreallocarray(set->v, set->cap, sizeof(*set->v));
	}
	set->v[set->n] = (struct read_line){ start, set->n, xstrdup(text), obj };
	set->n++;
}

static int
read_one_file(const char *file, struct line_set *set, time_t since,
    time_t until, size_t *bad)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (f == NULL)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break;	/* a line being written right now: not whole yet */
		line[len - 1] = '\0';
		if (len > 1)
			take_line(set, line, since, until, bad);
	}
	free(line);
	fclose(f);
	return 0;
}

/* A rotated file dated more than a day before `since` cannot hold lines
 * that start after it. */
static bool
file_too_old(const char *file, const char *path, time_t since)
{
	int y, m, d;

	if (since == 0 || strcmp(file, path) == 0 ||
	    sscanf(file + strlen(path), ".%4d-%2d-%2d", &y, &m, &d) != 3)
		return false;
	return y * 10000 + m * 100 + d < day_of(since - 86400);
}

int
playedlog_read(const char *path, time_t since, time_t until,
    playedlog_line_fn fn, void *ctx, size_t *bad, char *err, size_t errlen)
{
	char **files;
	size_t nfiles = playedlog_list_files(path, &files);
	struct line_set set = { 0 };
	size_t nbad = 0, nread = 0;

	for (size_t i = 0; i < nfiles; i++) {
		if (file_too_old(files[i], path, since))
			continue;
		if (read_one_file(files[i], &set, since, until, &nbad) == 0)
			nread++;
		else
			snprintf(err, errlen, "%s: %s", files[i], strerror(errno));
	}
	playedlog_free_files(files, nfiles);
	if (nread == 0 && nfiles > 0)
		return -1;
	if (nfiles == 0) {
		snprintf(err, errlen, "%s: no as-played log yet", path);
		return -1;
	}
	if (set.n > 0)
		qsort(set.v, set.n, sizeof(*set.v), cmp_line);
	for (size_t i = 0; i < set.n; i++) {
		fn(set.v[i].text, set.v[i].obj, ctx);
		free(set.v[i].text);
		json_decref(set.v[i].obj);
	}
	free(set.v);
	if (bad != NULL)
		*bad = nbad;
	return 0;
}
