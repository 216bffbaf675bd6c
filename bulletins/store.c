#include "bulletins/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/log.h"
#include "core/util.h"

#define STORE_VERSION 1
#define DOC_KEEP_S (7 * 24 * 3600)

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
store_bulletin_free(struct bulletin *b)
{
	if (b == NULL)
		return;
	free(b->key);
	free(b->identifier);
	free(b->sender);
	free(b->title);
	free(b->audio_path);
	free(b->announce_path);
	free(b->language);
	free(b->feed);
	free(b->signer);
	free(b->status);
	free(b);
}

/* atomic_write_file leaves PATH.tmp.PID behind when cut mid-write. */
static void
remove_stale_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!str_has_prefix(e->d_name, STORE_FILE ".tmp."))
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
}

/* --- JSON <-> structs ------------------------------------------------- */

static const char *
jstr(json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

static time_t
jtime(json_t *o, const char *name)
{
	return (time_t)json_integer_value(json_object_get(o, name));
}

static int
jint(json_t *o, const char *name)
{
	return (int)json_integer_value(json_object_get(o, name));
}

static struct bulletin *
bulletin_from_json(json_t *o)
{
	const char *key = jstr(o, "key"), *audio = jstr(o, "audio_path");
	int prio = priority_from_name(jstr(o, "priority") ? jstr(o, "priority") : "");

	if (key == NULL || audio == NULL || prio < 0)
		return NULL;
	struct bulletin *b = xcalloc(1, sizeof(*b));
	b->key = xstrdup(key);
	b->identifier = xstrdup(jstr(o, "identifier") ? jstr(o, "identifier") : "");
	b->sender = xstrdup(jstr(o, "sender") ? jstr(o, "sender") : "");
	b->title = xstrdup(jstr(o, "title") ? jstr(o, "title") : "");
	b->priority = (enum priority)prio;
	b->is_test = json_is_true(json_object_get(o, "is_test"));
	b->sent = jtime(o, "sent");
	b->effective = jtime(o, "effective");
	b->expires = jtime(o, "expires");
	b->plays = jint(o, "plays");
	b->plays_done = jint(o, "plays_done");
	b->interval_s = jint(o, "interval_s");
	b->last_aired = jtime(o, "last_aired");
	b->audio_path = xstrdup(audio);
	b->announce_path = jstr(o, "announce_path") ? xstrdup(jstr(o, "announce_path")) : NULL;
	b->language = xstrdup(jstr(o, "language") ? jstr(o, "language") : "");
	b->speech = json_is_true(json_object_get(o, "speech"));
	/* Absent in state from before binding: such a bulletin can be
	 * cancelled by no one, and leaves when it expires. */
	b->feed = xstrdup(jstr(o, "feed") ? jstr(o, "feed") : "");
	b->signer = xstrdup(jstr(o, "signer") ? jstr(o, "signer") : "");
	b->status = xstrdup(jstr(o, "status") ? jstr(o, "status") : "");
	b->seq = (unsigned long long)json_integer_value(json_object_get(o, "seq"));
	return b;
}

static json_t *
bulletin_to_json(const struct bulletin *b)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:i, s:i, s:i, s:I, s:s, s:I, s:s, s:b,"
	    " s:s, s:s, s:s}",
	    "key", b->key, "identifier", b->identifier, "sender", b->sender,
	    "title", b->title, "priority", priority_name(b->priority),
	    "is_test", b->is_test, "sent", (json_int_t)b->sent,
	    "effective", (json_int_t)b->effective, "expires", (json_int_t)b->expires,
	    "plays", b->plays, "plays_done", b->plays_done, "interval_s", b->interval_s,
	    "last_aired", (json_int_t)b->last_aired, "audio_path", b->audio_path,
	    "seq", (json_int_t)b->seq, "language", b->language ? b->language : "",
	    "speech", b->speech, "feed", b->feed ? b->feed : "",
	    "signer", b->signer ? b->signer : "", "status", b->status ? b->status : "");

	if (o != NULL && b->announce_path != NULL)
		json_object_set_new(o, "announce_path", json_string(b->announce_path));
	return o;
}

static void
load_queue(struct store *s, json_t *arr)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		struct bulletin *b = bulletin_from_json(v);
		if (b == NULL)
			continue;
		s->queue = xreallocarray(s->queue, s->nqueue + 1, sizeof(*s->queue));
		s->queue[s->nqueue++] = b;
		if (b->seq >= s->next_seq)
			s->next_seq = b->seq + 1;
	}
}

static void
load_seen(struct store *s, json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
		store_seen_add(s, k, (time_t)json_integer_value(v));
}

static void
load_docs(struct store *s, json_t *obj)
{
	const char *url;
	json_t *v;

	json_object_foreach(obj, url, v) {
		const char *h = jstr(v, "sha256");
		store_doc_set(s, url, jstr(v, "etag"), jstr(v, "last_modified"),
		    h ? h : "", jtime(v, "checked"));
	}
}

static void
load_feeds(struct store *s, json_t *obj)
{
	const char *url;
	json_t *v;

	json_object_foreach(obj, url, v)
		store_feed_set(s, url, jstr(v, "etag"), jstr(v, "last_modified"));
}

static int
load(struct store *s, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(s->path, 0, &je);

	if (root == NULL) {
		if (access(s->path, F_OK) != 0 && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s:%d: %s", s->path, je.line, je.text);
		return -1;
	}
	if (!json_is_object(root) || jint(root, "version") != STORE_VERSION) {
		snprintf(err, errlen, "%s: not a version %d bulletin state", s->path,
		    STORE_VERSION);
		json_decref(root);
		return -1;
	}
	s->next_seq = (unsigned long long)json_integer_value(json_object_get(root, "next_seq"));
	load_queue(s, json_object_get(root, "queue"));
	load_seen(s, json_object_get(root, "seen"));
	load_docs(s, json_object_get(root, "docs"));
	load_feeds(s, json_object_get(root, "feeds"));
	json_decref(root);
	return 0;
}

static void
clear(struct store *s)
{
	for (size_t i = 0; i < s->nqueue; i++)
		store_bulletin_free(s->queue[i]);
	for (size_t i = 0; i < s->nseen; i++)
		free(s->seen[i].key);
	for (size_t i = 0; i < s->ndocs; i++) {
		free(s->docs[i].url);
		free(s->docs[i].etag);
		free(s->docs[i].last_modified);
	}
	for (size_t i = 0; i < s->nfeeds; i++) {
		free(s->feeds[i].url);
		free(s->feeds[i].etag);
		free(s->feeds[i].last_modified);
	}
	free(s->queue);
	free(s->seen);
	free(s->docs);
	free(s->feeds);
	s->queue = NULL;
	s->seen = NULL;
	s->docs = NULL;
	s->feeds = NULL;
	s->nqueue = s->nseen = s->ndocs = s->nfeeds = 0;
	s->next_seq = 1;
}

struct store *
store_open(const char *state_dir, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	if (mkdir_p(state_dir, 0755) != 0) {
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		return NULL;
	}
	remove_stale_temps(state_dir);
	struct store *s = xcalloc(1, sizeof(*s));
	s->path = xasprintf("%s/%s", state_dir, STORE_FILE);
	s->next_seq = 1;
	char lerr[512];
	if (load(s, lerr, sizeof(lerr)) != 0) {
		clear(s);
		char *aside = xasprintf("%s.corrupt", s->path);
		rename(s->path, aside);
		snprintf(err, errlen, "%s; moved to %s, starting with an empty queue",
		    lerr, aside);
		free(aside);
	}
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	clear(s);
	free(s->path);
	free(s);
}

static json_t *
to_json(const struct store *s)
{
	json_t *queue = json_array(), *seen = json_object(), *docs = json_object();
	json_t *feeds = json_object();

	for (size_t i = 0; i < s->nqueue; i++)
		json_array_append_new(queue, bulletin_to_json(s->queue[i]));
	for (size_t i = 0; i < s->nseen; i++)
		json_object_set_new(seen, s->seen[i].key, json_integer(s->seen[i].until));
	for (size_t i = 0; i < s->ndocs; i++) {
		const struct store_doc *d = &s->docs[i];
		json_t *o = json_pack("{s:s, s:I}", "sha256", d->sha256,
		    "checked", (json_int_t)d->checked);
		if (d->etag)
			json_object_set_new(o, "etag", json_string(d->etag));
		if (d->last_modified)
			json_object_set_new(o, "last_modified", json_string(d->last_modified));
		json_object_set_new(docs, d->url, o);
	}
	for (size_t i = 0; i < s->nfeeds; i++) {
		const struct store_feed *f = &s->feeds[i];
		json_t *o = json_object();
		if (f->etag)
			json_object_set_new(o, "etag", json_string(f->etag));
		if (f->last_modified)
			json_object_set_new(o, "last_modified", json_string(f->last_modified));
		json_object_set_new(feeds, f->url, o);
	}
	return json_pack("{s:i, s:I, s:o, s:o, s:o, s:o}", "version", STORE_VERSION,
	    "next_seq", (json_int_t)s->next_seq, "queue", queue, "seen", seen,
	    "docs", docs, "feeds", feeds);
}

int
store_save(struct store *s, char *err, size_t errlen)
{
	json_t *root = to_json(s);
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);

	json_decref(root);
	if (text == NULL) {
		snprintf(err, errlen, "%s: cannot serialise the state", s->path);
		return -1;
	}
	int r = atomic_write_file(s->path, text, strlen(text), 0644, err, errlen);
	free(text);
	return r;
}

/* --- queue --------------------------------------------------------- */

void
store_queue_add(struct store *s, struct bulletin *b)
{
	b->seq = s->next_seq++;
	s->queue = xreallocarray(s->queue, s->nqueue + 1, sizeof(*s->queue));
	s->queue[s->nqueue++] = b;
}

struct bulletin *
store_queue_find(struct store *s, const char *key)
{
	for (size_t i = 0; i < s->nqueue; i++)
		if (strcmp(s->queue[i]->key, key) == 0)
			return s->queue[i];
	return NULL;
}

struct bulletin *
store_queue_take(struct store *s, const char *key)
{
	for (size_t i = 0; i < s->nqueue; i++) {
		if (strcmp(s->queue[i]->key, key) != 0)
			continue;
		struct bulletin *b = s->queue[i];
		memmove(&s->queue[i], &s->queue[i + 1],
		    (s->nqueue - i - 1) * sizeof(*s->queue));
		s->nqueue--;
		return b;
	}
	return NULL;
}

bool
store_audio_in_use(const struct store *s, const char *audio_path,
    const struct bulletin *except)
{
	for (size_t i = 0; i < s->nqueue; i++)
		if (s->queue[i] != except &&
		    (strcmp(s->queue[i]->audio_path, audio_path) == 0 ||
		    (s->queue[i]->announce_path != NULL &&
		    strcmp(s->queue[i]->announce_path, audio_path) == 0)))
			return true;
	return false;
}

/* --- seen, docs, feeds ---------------------------------------------- */

bool
store_seen_has(const struct store *s, const char *key)
{
	for (size_t i = 0; i < s->nseen; i++)
		if (strcmp(s->seen[i].key, key) == 0)
			return true;
	return false;
}

void
store_seen_add(struct store *s, const char *key, time_t until)
{
	for (size_t i = 0; i < s->nseen; i++) {
		if (strcmp(s->seen[i].key, key) == 0) {
			if (until > s->seen[i].until)
				s->seen[i].until = until;
			return;
		}
	}
	s->seen = xreallocarray(s->seen, s->nseen + 1, sizeof(*s->seen));
	s->seen[s->nseen].key = xstrdup(key);
	s->seen[s->nseen].until = until;
	s->nseen++;
}

void
store_prune(struct store *s, time_t now)
{
	size_t j = 0;

	for (size_t i = 0; i < s->nseen; i++) {
		if (s->seen[i].until < now)
			free(s->seen[i].key);
		else
			s->seen[j++] = s->seen[i];
	}
	s->nseen = j;
	j = 0;
	for (size_t i = 0; i < s->ndocs; i++) {
		struct store_doc *d = &s->docs[i];
		if (d->checked + DOC_KEEP_S < now) {
			free(d->url);
			free(d->etag);
			free(d->last_modified);
		} else {
			s->docs[j++] = *d;
		}
	}
	s->ndocs = j;
}

static struct store_doc *
find_doc(const struct store *s, const char *url)
{
	for (size_t i = 0; i < s->ndocs; i++)
		if (strcmp(s->docs[i].url, url) == 0)
			return &s->docs[i];
	return NULL;
}

const struct store_doc *
store_doc_get(const struct store *s, const char *url)
{
	return find_doc(s, url);
}

void
store_doc_set(struct store *s, const char *url, const char *etag,
    const char *last_modified, const char *sha256, time_t now)
{
	struct store_doc *d = find_doc(s, url);

	if (d == NULL && s->ndocs >= STORE_DOCS_MAX) {
		/* Forgetting one costs a fetch, never an airing: the
		 * identity stays in the seen cache. */
		size_t old = 0;
		for (size_t i = 1; i < s->ndocs; i++)
			if (s->docs[i].checked < s->docs[old].checked)
				old = i;
		free(s->docs[old].url);
		free(s->docs[old].etag);
		free(s->docs[old].last_modified);
		s->docs[old] = s->docs[--s->ndocs];
	}
	if (d == NULL) {
		s->docs = xreallocarray(s->docs, s->ndocs + 1, sizeof(*s->docs));
		d = &s->docs[s->ndocs++];
		memset(d, 0, sizeof(*d));
		d->url = xstrdup(url);
	}
	free(d->etag);
	free(d->last_modified);
	d->etag = dup_or_null(etag);
	d->last_modified = dup_or_null(last_modified);
	snprintf(d->sha256, sizeof(d->sha256), "%s", sha256 ? sha256 : "");
	d->checked = now;
}

void
store_doc_touch(struct store *s, const char *url, time_t now)
{
	struct store_doc *d = find_doc(s, url);

	if (d != NULL)
		d->checked = now;
}

const struct store_feed *
store_feed_get(const struct store *s, const char *url)
{
	for (size_t i = 0; i < s->nfeeds; i++)
		if (strcmp(s->feeds[i].url, url) == 0)
			return &s->feeds[i];
	return NULL;
}

void
store_feed_set(struct store *s, const char *url, const char *etag,
    const char *last_modified)
{
	struct store_feed *f = (struct store_feed *)store_feed_get(s, url);

	if (f == NULL) {
		s->feeds = xreallocarray(s->feeds, s->nfeeds + 1, sizeof(*s->feeds));
		f = &s->feeds[s->nfeeds++];
		memset(f, 0, sizeof(*f));
		f->url = xstrdup(url);
	}
	free(f->etag);
	free(f->last_modified);
	f->etag = dup_or_null(etag);
	f->last_modified = dup_or_null(last_modified);
}
