#include "scheduler/notices.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"

#define FILE_VERSION 1

struct notices {
	char *path;		/* .../notices.json */
	char *audio_dir;	/* .../notices */
	struct notice **list;
	size_t count;
	unsigned next_id;
};

static void
notice_free(struct notice *no)
{
	if (no == NULL)
		return;
	free(no->title);
	free(no->audio);
	free(no->text);
	free(no->created_by);
	free(no);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct notice *
notice_copy(const struct notice *src)
{
	struct notice *no = xmalloc(sizeof(*no));

	*no = *src;
	no->title = xstrdup(src->title);
	no->audio = dup_or_null(src->audio);
	no->text = dup_or_null(src->text);
	no->created_by = xstrdup(src->created_by ? src->created_by : "");
	return no;
}

void
notices_day_of(time_t t, char buf[11])
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, 11, "%Y-%m-%d", &tm);
}

bool
notices_valid_day(const char *s)
{
	int y, m, d;
	char tail;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	if (y < 2000 || m < 1 || m > 12 || d < 1)
		return false;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

/* Printable UTF-8 on one line (the title shows in logs and pages). */
static bool
clean_text(const char *s, bool allow_newlines)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == 0x7f || (*p < 0x20 && !(allow_newlines && (*p == '\n' ||
		    *p == '\r' || *p == '\t'))))
			return false;
	}
	return true;
}

static bool
valid_utf8(const char *s)
{
	json_t *j = json_string(s);	/* jansson checks UTF-8 */

	if (j == NULL)
		return false;
	json_decref(j);
	return true;
}

/* ---- the file ---- */

static json_t *
notice_json_stored(const struct notice *no)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:i,s:b,s:s,s:I,s:s,s:i}",
	    "id", (json_int_t)no->id, "title", no->title, "first", no->first,
	    "last", no->last, "times", no->times, "paused", no->paused,
	    "created_by", no->created_by ? no->created_by : "",
	    "created", (json_int_t)no->created, "aired_day", no->aired_day,
	    "aired", no->aired);
	if (no->audio)
		json_object_set_new(o, "audio", json_string(no->audio));
	if (no->text)
		json_object_set_new(o, "text", json_string(no->text));
	return o;
}

/* Writes list (may be a proposed one) to disk. */
static int
save_list(const struct notices *n, struct notice *const *list, size_t count,
    unsigned next_id, char *err, size_t errlen)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < count; i++)
		json_array_append_new(arr, notice_json_stored(list[i]));
	json_t *root = json_pack("{s:i,s:I,s:o}", "version", FILE_VERSION,
	    "next_id", (json_int_t)next_id, "notices", arr);
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	json_decref(root);
	if (text == NULL) {
		snprintf(err, errlen, "notices: cannot encode the list");
		return -1;
	}
	size_t len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len] = '\n';
	text[len + 1] = '\0';
	int r = atomic_write_file(n->path, text, len + 1, 0640, err, errlen);
	free(text);
	return r;
}

static void
copy_day(char dst[11], const char *src)
{
	snprintf(dst, 11, "%s", src ? src : "");
}

static struct notice *
notice_from_json(const json_t *o, char *err, size_t errlen)
{
	json_int_t id = 0, created = 0;
	const char *title = NULL, *first = NULL, *last = NULL, *by = "";
	const char *audio = NULL, *text = NULL, *aired_day = "";
	int times = 0, paused = 0, aired = 0;
	json_error_t je;

	if (json_unpack_ex((json_t *)o, &je, 0,
	    "{s:I,s:s,s:s,s:s,s:i,s?b,s?s,s?I,s?s,s?i,s?s,s?s}",
	    "id", &id, "title", &title, "first", &first, "last", &last,
	    "times", &times, "paused", &paused, "created_by", &by,
	    "created", &created, "aired_day", &aired_day, "aired", &aired,
	    "audio", &audio, "text", &text) != 0) {
		snprintf(err, errlen, "%s", je.text);
		return NULL;
	}
	if (id <= 0 || !notices_valid_day(first) || !notices_valid_day(last) ||
	    times < 1 || times > NOTICES_TIMES_MAX || (audio == NULL && text == NULL)) {
		snprintf(err, errlen, "notice %lld has impossible fields", (long long)id);
		return NULL;
	}
	struct notice *no = xcalloc(1, sizeof(*no));
	no->id = (unsigned)id;
	no->title = xstrdup(title);
	no->audio = dup_or_null(audio);
	no->text = dup_or_null(text);
	copy_day(no->first, first);
	copy_day(no->last, last);
	no->times = times;
	no->paused = paused;
	no->created_by = xstrdup(by);
	no->created = (time_t)created;
	copy_day(no->aired_day, notices_valid_day(aired_day) ? aired_day : "");
	no->aired = no->aired_day[0] ? aired : 0;
	return no;
}

static int
load(struct notices *n, char *err, size_t errlen)
{
	char lerr[256];
	size_t len;
	char *text = read_file_all(n->path, 16u * 1024 * 1024, &len, lerr, sizeof(lerr));

	if (text == NULL)
		return errno == ENOENT ? 0 : -1;
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	free(text);
	json_t *arr = root ? json_object_get(root, "notices") : NULL;
	if (!json_is_array(arr)) {
		snprintf(err, errlen, "%s: not a notices file (%s)", n->path,
		    root ? "no list" : je.text);
		json_decref(root);
		return -1;
	}
	json_int_t next = json_integer_value(json_object_get(root, "next_id"));
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		struct notice *no = notice_from_json(o, lerr, sizeof(lerr));
		if (no == NULL) {
			snprintf(err, errlen, "%s: entry %zu: %s", n->path, i + 1, lerr);
			continue;	/* keep the others */
		}
		n->list = xreallocarray(n->list, n->count + 1, sizeof(*n->list));
		n->list[n->count++] = no;
		if (no->id >= n->next_id)
			n->next_id = no->id + 1;
	}
	if (next > 0 && (unsigned)next > n->next_id)
		n->next_id = (unsigned)next;
	json_decref(root);
	return 0;
}

struct notices *
notices_open(const char *state_dir, char *err, size_t errlen)
{
	err[0] = '\0';
	struct notices *n = xcalloc(1, sizeof(*n));
	n->path = xasprintf("%s/%s", state_dir, NOTICES_FILE);
	n->audio_dir = xasprintf("%s/%s", state_dir, NOTICES_AUDIO_DIR);
	n->next_id = 1;
	if (mkdir_p(n->audio_dir, 0750) < 0) {
		snprintf(err, errlen, "notices: cannot create %s: %s", n->audio_dir,
		    strerror(errno));
		notices_close(n);
		return NULL;
	}
	if (load(n, err, errlen) < 0) {
		char *aside = xasprintf("%s.corrupt", n->path);
		if (rename(n->path, aside) == 0)
			snprintf(err, errlen, "notices: %s is unreadable; moved aside to "
			    "%s, starting with no notices", n->path, aside);
		free(aside);
		for (size_t i = 0; i < n->count; i++)
			notice_free(n->list[i]);
		free(n->list);
		n->list = NULL;
		n->count = 0;
	}
	return n;
}

void
notices_close(struct notices *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->count; i++)
		notice_free(n->list[i]);
	free(n->list);
	free(n->path);
	free(n->audio_dir);
	free(n);
}

/* ---- recordings ---- */

static const char *
audio_ext(const char *path)
{
	static const char *const known[] = { "mp3", "m4a", "wav", "ogg", "oga",
	    "opus", "webm", "aac", "flac", "mp4" };
	const char *dot = strrchr(path, '.');

	if (dot && strchr(dot, '/') == NULL)
		for (size_t i = 0; i < ARRAY_LEN(known); i++)
			if (strcasecmp(dot + 1, known[i]) == 0)
				return known[i];
	return "audio";
}

/* Copies src into the notices folder under a name chosen here; the new
 * path in *out. A power cut leaves no half file under the final name. */
static int
copy_recording(const struct notices *n, unsigned id, const char *src,
    char **out, char *err, size_t errlen)
{
	unsigned char rnd[6];
	char hex[13];
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;

	if (in < 0 || fstat(in, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "cannot read the recording %s: %s", src,
		    in < 0 ? strerror(errno) : "not a regular file");
		if (in >= 0)
			close(in);
		return -1;
	}
	if (sb.st_size == 0 || sb.st_size > NOTICES_AUDIO_MAX) {
		snprintf(err, errlen, "the recording %s is %s (at most %ld MB)", src,
		    sb.st_size == 0 ? "empty" : "too large", NOTICES_AUDIO_MAX >> 20);
		close(in);
		return -1;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	char *dst = xasprintf("%s/%u-%s.%s", n->audio_dir, id, hex, audio_ext(src));
	char *tmp = xasprintf("%s.tmp", dst);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	int r = fd < 0 ? -1 : 0;
	char buf[65536];
	while (r == 0) {
		ssize_t got = read(in, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got < 0 ? -1 : 0;
			break;
		}
		for (ssize_t off = 0; off < got && r == 0;) {
			ssize_t w = write(fd, buf + off, (size_t)(got - off));
			if (w < 0 && errno != EINTR)
				r = -1;
			else if (w > 0)
				off += w;
		}
	}
	if (r == 0 && fsync(fd) < 0)
		r = -1;
	int saved = errno;
	if (fd >= 0 && close(fd) < 0 && r == 0) {
		r = -1;
		saved = errno;
	}
	close(in);
	if (r == 0 && rename(tmp, dst) < 0) {
		r = -1;
		saved = errno;
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot store the recording in %s: %s",
		    n->audio_dir, strerror(saved));
		unlink(tmp);
		free(dst);
	} else {
		*out = dst;
	}
	free(tmp);
	return r;
}

/* ---- changes ---- */

static int
index_of(const struct notices *n, unsigned id)
{
	for (size_t i = 0; i < n->count; i++)
		if (n->list[i]->id == id)
			return (int)i;
	return -1;
}

/* Checks and applies spec's text fields onto no (a copy); 0 or -1. */
static int
apply_spec(struct notice *no, const struct notice_spec *spec, char *err, size_t errlen)
{
	if (spec->title) {
		size_t len = strlen(spec->title);
		if (len == 0 || len > NOTICES_TITLE_MAX || !valid_utf8(spec->title) ||
		    !clean_text(spec->title, false)) {
			snprintf(err, errlen, "a notice needs a title of 1 to %d bytes "
			    "on one line", NOTICES_TITLE_MAX);
			return -1;
		}
		free(no->title);
		no->title = xstrdup(spec->title);
	}
	if (spec->text) {
		size_t len = strlen(spec->text);
		if (len == 0 || len > NOTICES_TEXT_MAX || !valid_utf8(spec->text) ||
		    !clean_text(spec->text, true)) {
			snprintf(err, errlen, "the text to speak must be 1 to %d bytes "
			    "of UTF-8", NOTICES_TEXT_MAX);
			return -1;
		}
		free(no->text);
		no->text = xstrdup(spec->text);
	}
	if (spec->first) {
		if (!notices_valid_day(spec->first)) {
			snprintf(err, errlen, "first day '%s' is not a date YYYY-MM-DD",
			    spec->first);
			return -1;
		}
		copy_day(no->first, spec->first);
	}
	if (spec->last) {
		if (!notices_valid_day(spec->last)) {
			snprintf(err, errlen, "last day '%s' is not a date YYYY-MM-DD",
			    spec->last);
			return -1;
		}
		copy_day(no->last, spec->last);
	}
	if (strcmp(no->first, no->last) > 0) {
		snprintf(err, errlen, "the last day (%s) is before the first (%s)",
		    no->last, no->first);
		return -1;
	}
	if (spec->times != 0) {
		if (spec->times < 1 || spec->times > NOTICES_TIMES_MAX) {
			snprintf(err, errlen, "times a day must be 1 to %d",
			    NOTICES_TIMES_MAX);
			return -1;
		}
		no->times = spec->times;
	}
	return 0;
}

/* Replaces the list's entry at idx (or appends when idx == count) by no,
 * saving first; the old entry is freed only once the file says so. */
static int
commit(struct notices *n, size_t idx, struct notice *no, unsigned next_id,
    char *err, size_t errlen)
{
	size_t count = idx == n->count ? n->count + 1 : n->count;
	struct notice **list = xreallocarray(NULL, count, sizeof(*list));

	if (n->count > 0)
		memcpy(list, n->list, n->count * sizeof(*list));
	list[idx] = no;
	if (save_list(n, list, count, next_id, err, errlen) < 0) {
		free(list);
		return -1;
	}
	if (idx < n->count)
		notice_free(n->list[idx]);
	free(n->list);
	n->list = list;
	n->count = count;
	n->next_id = next_id;
	return 0;
}

int
notices_add(struct notices *n, const struct notice_spec *spec, const char *user,
    const char *today, unsigned *id, char *err, size_t errlen)
{
	if (n->count >= NOTICES_MAX) {
		snprintf(err, errlen, "there are already %d notices; delete old ones first",
		    NOTICES_MAX);
		return -1;
	}
	if ((spec->audio_from == NULL) == (spec->text == NULL)) {
		snprintf(err, errlen, "a notice needs either a recording or a text to speak");
		return -1;
	}
	struct notice proto = { .id = n->next_id, .title = xstrdup(""), .times = 1,
	    .created_by = xstrdup(user ? user : ""), .created = time(NULL) };
	copy_day(proto.first, today);
	copy_day(proto.last, today);
	struct notice *no = notice_copy(&proto);
	free(proto.title);
	free(proto.created_by);
	if (spec->title == NULL) {
		snprintf(err, errlen, "a notice needs a title");
		notice_free(no);
		return -1;
	}
	const char *from = spec->audio_from ? spec->audio_from :
	    spec->text ? spec->spoken_from : NULL;
	if (apply_spec(no, spec, err, errlen) < 0 ||
	    (from && copy_recording(n, no->id, from, &no->audio, err, errlen) < 0)) {
		notice_free(no);
		return -1;
	}
	if (commit(n, n->count, no, n->next_id + 1, err, errlen) < 0) {
		if (no->audio)
			unlink(no->audio);
		notice_free(no);
		return -1;
	}
	*id = no->id;
	return 0;
}

int
notices_edit(struct notices *n, unsigned id, const struct notice_spec *spec,
    char *err, size_t errlen)
{
	int i = index_of(n, id);

	if (i < 0) {
		snprintf(err, errlen, "no notice %u", id);
		return -1;
	}
	if (spec->audio_from && spec->text) {
		snprintf(err, errlen, "a notice has either a recording or a text, not both");
		return -1;
	}
	struct notice *no = notice_copy(n->list[i]);
	char *old_audio = NULL;
	if (apply_spec(no, spec, err, errlen) < 0)
		goto fail;
	if (spec->audio_from) {
		old_audio = no->audio;
		no->audio = NULL;
		if (copy_recording(n, id, spec->audio_from, &no->audio, err, errlen) < 0) {
			no->audio = old_audio;
			old_audio = NULL;
			goto fail;
		}
		free(no->text);
		no->text = NULL;
	} else if (spec->text) {
		/* A new text: its speech replaces whatever audio there was. */
		old_audio = no->audio;
		no->audio = NULL;
		if (spec->spoken_from && copy_recording(n, id, spec->spoken_from,
		    &no->audio, err, errlen) < 0) {
			no->audio = old_audio;
			old_audio = NULL;
			goto fail;
		}
	}
	if (commit(n, (size_t)i, no, n->next_id, err, errlen) < 0) {
		if ((spec->audio_from || spec->text) && no->audio)
			unlink(no->audio);
		free(old_audio);
		old_audio = NULL;
		goto fail;
	}
	if (old_audio)
		unlink(old_audio);
	free(old_audio);
	return 0;
fail:
	free(old_audio);
	notice_free(no);
	return -1;
}

int
notices_set_paused(struct notices *n, unsigned id, bool paused, char *err, size_t errlen)
{
	int i = index_of(n, id);

	if (i < 0) {
		snprintf(err, errlen, "no notice %u", id);
		return -1;
	}
	struct notice *no = notice_copy(n->list[i]);
	no->paused = paused;
	if (commit(n, (size_t)i, no, n->next_id, err, errlen) < 0) {
		notice_free(no);
		return -1;
	}
	return 0;
}

int
notices_delete(struct notices *n, unsigned id, char *err, size_t errlen)
{
	int i = index_of(n, id);

	if (i < 0) {
		snprintf(err, errlen, "no notice %u", id);
		return -1;
	}
	struct notice **list = xreallocarray(NULL, n->count, sizeof(*list));
	size_t count = 0;
	for (size_t k = 0; k < n->count; k++)
		if ((int)k != i)
			list[count++] = n->list[k];
	if (save_list(n, list, count, n->next_id, err, errlen) < 0) {
		free(list);
		return -1;
	}
	struct notice *gone = n->list[i];
	free(n->list);
	n->list = list;
	n->count = count;
	if (gone->audio)
		unlink(gone->audio);
	notice_free(gone);
	return 0;
}

/* ---- reading ---- */

size_t
notices_count(const struct notices *n)
{
	return n->count;
}

const struct notice *
notices_at(const struct notices *n, size_t i)
{
	return i < n->count ? n->list[i] : NULL;
}

const struct notice *
notices_get(const struct notices *n, unsigned id)
{
	int i = index_of(n, id);

	return i < 0 ? NULL : n->list[i];
}

bool
notices_active_on(const struct notice *no, const char *day)
{
	return !no->paused && strcmp(no->first, day) <= 0 && strcmp(day, no->last) <= 0;
}

int
notices_left_on(const struct notice *no, const char *day)
{
	if (!notices_active_on(no, day))
		return 0;
	int done = strcmp(no->aired_day, day) == 0 ? no->aired : 0;
	return done >= no->times ? 0 : no->times - done;
}

int
notices_aired(struct notices *n, unsigned id, const char *day, char *err, size_t errlen)
{
	int i = index_of(n, id);

	if (i < 0)
		return 0;	/* deleted while it aired: nothing to count */
	struct notice *no = n->list[i];
	if (strcmp(no->aired_day, day) != 0) {
		copy_day(no->aired_day, day);
		no->aired = 0;
	}
	no->aired++;
	return save_list(n, n->list, n->count, n->next_id, err, errlen);
}

json_t *
notices_to_json(const struct notice *no, const char *day)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:i,s:b,s:s,s:o,s:o}",
	    "id", (json_int_t)no->id, "title", no->title, "first", no->first,
	    "last", no->last, "times", no->times, "paused", no->paused,
	    "created_by", no->created_by ? no->created_by : "",
	    "audio", no->audio ? json_string(no->audio) : json_null(),
	    "text", no->text ? json_string(no->text) : json_null());
	if (day) {
		json_object_set_new(o, "aired_today", json_integer(
		    strcmp(no->aired_day, day) == 0 ? no->aired : 0));
		json_object_set_new(o, "left_today", json_integer(notices_left_on(no, day)));
	}
	return o;
}
