#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "core/curl_loop.h"
#include "core/log.h"
#include "core/playedlog.h"
#include "core/util.h"
#include "core/version.h"
#include "core/loop.h"

#define BATCH_MAX_BYTES		(256 * 1024)
#define BACKOFF_MIN_MS		5000
#define BACKOFF_MAX_MS		(300 * 1000)
#define KICK_DELAY_MS		500	/* gathers the lines of one event */
#define TRANSFER_TIMEOUT_S	30L
#define SHUTDOWN_WAIT_MS	3000

/* How far the collector acknowledged one log file. Rotated files keep their
 * name for good; the active file is followed by inode across its rename. */
struct cursor_entry {
	char *name;		/* base name when last seen */
	unsigned long long ino;
	long long offset;
};

struct transfer {
	struct report *r;
	CURL *easy;
	char *body;
	struct curl_slist *headers;
	long status;
	char errbuf[CURL_ERROR_SIZE];
};

struct report {
	struct loop *loop;
	status_fn status;
	void *status_ctx;
	char *url, *station_name, *state_dir, *log_path, *cursor_path;
	char *auth;		/* "Authorization: Bearer …" from report.token_file, or NULL */
	int interval_s;
	struct curl_loop *cl;
	uint64_t tick_timer, send_timer;
	struct cursor_entry *cursor;
	size_t ncursor;
	/* The batch in flight: which file and where it ends. */
	struct transfer *batch, *heartbeat;
	char *batch_name;
	unsigned long long batch_ino;
	long long batch_end;
	int backoff_ms;		/* 0: not failing */
	bool warned;		/* the outage was logged */
};

static void schedule_send(struct report *r, int64_t ms);
static void transfer_done(void *arg, CURL *easy, CURLcode code);
static void transfer_free(struct report *r, struct transfer *t);

/* ---- cursor file ---- */

static void
cursor_clear(struct report *r)
{
	for (size_t i = 0; i < r->ncursor; i++)
		free(r->cursor[i].name);
	free(r->cursor);
	r->cursor = NULL;
	r->ncursor = 0;
}

static void
cursor_load(struct report *r)
{
	json_error_t jerr;
	json_t *root = json_load_file(r->cursor_path, 0, &jerr);
	const json_t *files = json_object_get(root, "files"), *f;
	size_t i;

	cursor_clear(r);
	if (root == NULL) {
		if (access(r->cursor_path, F_OK) == 0)
			log_warn("report: %s unreadable (%s); sending the whole "
			    "as-played log again", r->cursor_path, jerr.text);
		return;
	}
	r->cursor = xcalloc(json_array_size(files) + 1, sizeof(*r->cursor));
	json_array_foreach(files, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		if (name == NULL)
			continue;
		r->cursor[r->ncursor++] = (struct cursor_entry){
			xstrdup(name),
			(unsigned long long)json_integer_value(json_object_get(f, "ino")),
			(long long)json_integer_value(json_object_get(f, "offset")),
		};
	}
	json_decref(root);
}

static int
cursor_save(struct report *r)
{
	char err[512];
	json_t *files = json_array();

	for (size_t i = 0; i < r->ncursor; i++)
		json_array_append_new(files, json_pack("{s:s,s:I,s:I}",
		    "name", r->cursor[i].name, "ino", (json_int_t)r->cursor[i].ino,
		    "offset", (json_int_t)r->cursor[i].offset));
	json_t *root = json_pack("{s:o}", "files", files);
	char *text = json_dumps(root, JSON_INDENT(1));
	json_decref(root);
	int rc = atomic_write_file(r->cursor_path, text, strlen(text), 0644, err, sizeof(err));
	free(text);
	if (rc < 0)
		log_err("report: cannot save the send cursor: %s; lines may be "
		    "sent twice after a restart", err);
	return rc;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The entry for file (name, ino), or NULL. A file that was the active
 * one when acknowledged is found again under its rotated name. */
static struct cursor_entry *
cursor_find(struct report *r, const char *name, unsigned long long ino)
{
	const char *active = base_name(r->log_path);

	for (size_t i = 0; i < r->ncursor; i++) {
		struct cursor_entry *e = &r->cursor[i];
		if (e->ino != ino)
			continue;
		if (strcmp(e->name, name) == 0 ||
		    (strcmp(e->name, active) == 0 && strcmp(name, active) != 0))
			return e;
	}
	return NULL;
}

/* Records an acknowledgement and forgets files that no longer exist. */
static void
cursor_advance(struct report *r, const char *name, unsigned long long ino, long long end)
{
	char **files;
	size_t n = playedlog_list_files(r->log_path, &files);
	struct cursor_entry *kept = xcalloc(n + 1, sizeof(*kept));
	size_t nkept = 0;
	bool done = false;

	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(files[i], &st) < 0)
			continue;
		const char *fname = base_name(files[i]);
		struct cursor_entry *e = cursor_find(r, fname, st.st_ino);
		long long off = e ? e->offset : -1;
		/* The batch's file, under its name or rotated since. */
		if (st.st_ino == ino && (strcmp(fname, name) == 0 ||
		    strcmp(name, base_name(r->log_path)) == 0)) {
			off = end;
			done = true;
		}
		if (off >= 0)
			kept[nkept++] = (struct cursor_entry){ xstrdup(fname),
			    (unsigned long long)st.st_ino, off };
	}
	if (!done)	/* the file vanished meanwhile: keep the record anyway */
		kept[nkept++] = (struct cursor_entry){ xstrdup(name), ino, end };
	playedlog_free_files(files, n);
	cursor_clear(r);
	r->cursor = kept;
	r->ncursor = nkept;
	cursor_save(r);
}

/* ---- the batch of lines ---- */

/* The stored line with ,"station":NAME before its closing brace: the
 * line's own text (numbers, order) reaches the collector unchanged. */
static void
append_line(char **body, size_t *len, const char *line, size_t n, const char *station_json)
{
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\r'))
		n--;
	json_t *obj = json_loadb(line, n, 0, NULL);
	bool ok = json_is_object(obj) && n >= 2 && line[n - 1] == '}';
	bool empty = json_object_size(obj) == 0;
	json_decref(obj);
	if (!ok)
		return;	/* not an as-played record: nothing a collector could use */
	size_t add = n + strlen(station_json) + 16;
	*body = xrealloc(*body, *len + add);
	*len += (size_t)snprintf(*body + *len, add, "%.*s%s\"station\":%s}\n",
	    (int)(n - 1), line, empty ? "" : ",", station_json);
}

/* Reads whole lines of file from offset; returns the body (NULL if none)
 * and where the lines read end. */
static char *
read_batch(struct report *r, const char *file, long long offset, long long *end, size_t *blen)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	char *buf = xmalloc(BATCH_MAX_BYTES), *body = NULL;
	size_t len = 0;

	*blen = 0;
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	ssize_t got = pread(fd, buf, BATCH_MAX_BYTES, offset);
	close(fd);
	char *last = got > 0 ? memrchr(buf, '\n', (size_t)got) : NULL;
	if (last == NULL) {
		free(buf);
		return NULL;	/* nothing, or a line still being written */
	}
	json_t *name = json_string(r->station_name);
	char *station_json = json_dumps(name, JSON_ENCODE_ANY);
	json_decref(name);
	for (char *p = buf; p <= last;) {
		char *nl = memchr(p, '\n', (size_t)(last - p) + 1);
		if (nl > p)
			append_line(&body, &len, p, (size_t)(nl - p), station_json);
		p = nl + 1;
	}
	free(station_json);
	*end = offset + (last - buf) + 1;
	*blen = len;
	free(buf);
	if (body == NULL)	/* only junk lines: acknowledge them as skipped */
		body = xstrdup("");
	return body;
}

/* ---- transfers ---- */

static size_t
discard_body(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * n;
}

static struct transfer *
transfer_start(struct report *r, const char *url, char *body, size_t len)
{
	struct transfer *t = xcalloc(1, sizeof(*t));
	char ua[64];

	snprintf(ua, sizeof(ua), "loaxad/%s", LOAXA_VERSION);
	t->r = r;
	t->body = body;
	t->easy = curl_easy_init();
	t->headers = curl_slist_append(NULL, "Content-Type: application/x-ndjson");
	if (r->auth != NULL)
		t->headers = curl_slist_append(t->headers, r->auth);
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT, TRANSFER_TIMEOUT_S);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, discard_body);
	if (curl_loop_add(r->cl, t->easy, transfer_done, t) != 0) {
		log_warn("report: cannot start a transfer to %s; tried again later", url);
		transfer_free(r, t);
		return NULL;
	}
	return t;
}

static void
transfer_free(struct report *r, struct transfer *t)
{
	if (t == NULL)
		return;
	curl_loop_remove(r->cl, t->easy);
	curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	free(t->body);
	free(t);
}

/* The first file with lines the collector has not acknowledged. */
static void
start_batch(struct report *r)
{
	char **files;
	size_t n = playedlog_list_files(r->log_path, &files);

	for (size_t i = 0; i < n && r->batch == NULL; i++) {
		struct stat st;
		if (stat(files[i], &st) < 0)
			continue;
		const char *name = base_name(files[i]);
		struct cursor_entry *e = cursor_find(r, name, st.st_ino);
		long long off = e ? e->offset : 0;
		if (off > st.st_size)
			off = 0;	/* the file was replaced by a shorter one */
		if (off == st.st_size)
			continue;
		long long end;
		size_t len;
		char *body = read_batch(r, files[i], off, &end, &len);
		if (body == NULL)
			continue;
		if (len == 0) {	/* nothing sendable: skip past it */
			free(body);
			cursor_advance(r, name, st.st_ino, end);
			i--;
			continue;
		}
		free(r->batch_name);
		r->batch_name = xstrdup(name);
		r->batch_ino = st.st_ino;
		r->batch_end = end;
		r->batch = transfer_start(r, r->url, body, len);
	}
	playedlog_free_files(files, n);
}

static void
on_send_timer(void *arg)
{
	struct report *r = arg;

	r->send_timer = 0;
	if (r->batch == NULL && r->url[0] != '\0')
		start_batch(r);
}

static void
schedule_send(struct report *r, int64_t ms)
{
	if (r->send_timer != 0)
		loop_cancel_timer(r->loop, r->send_timer);
	r->send_timer = loop_add_timer(r->loop, ms, on_send_timer, r);
}

static void
batch_done(struct report *r, CURLcode code)
{
	struct transfer *t = r->batch;

	r->batch = NULL;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
	if (code == CURLE_OK && t->status >= 200 && t->status < 300) {
		cursor_advance(r, r->batch_name, r->batch_ino, r->batch_end);
		if (r->warned)
			log_notice("report: %s acknowledges again; sending the "
			    "lines held back", r->url);
		r->backoff_ms = 0;
		r->warned = false;
		transfer_free(r, t);
		schedule_send(r, 0);	/* more may be waiting */
		return;
	}
	r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (r->backoff_ms > BACKOFF_MAX_MS)
		r->backoff_ms = BACKOFF_MAX_MS;
	/* Jitter: stations of a province recovering together spread out. */
	int delay = r->backoff_ms - r->backoff_ms / 5 + rand() % (r->backoff_ms / 5 * 2 + 1);
	char why[CURL_ERROR_SIZE + 32];
	if (code != CURLE_OK)
		snprintf(why, sizeof(why), "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(code));
	else
		snprintf(why, sizeof(why), "HTTP %ld", t->status);
	if (!r->warned)
		log_warn("report: sending as-played lines to %s failed (%s); "
		    "kept and retried in %d s", r->url, why, delay / 1000);
	r->warned = true;
	transfer_free(r, t);
	schedule_send(r, delay);
}

static void
transfer_done(void *arg, CURL *easy, CURLcode code)
{
	struct transfer *t = arg;
	struct report *r = t->r;

	(void)easy;
	if (t == r->batch) {
		batch_done(r, code);
	} else if (t == r->heartbeat) {
		r->heartbeat = NULL;
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->status);
		if (code != CURLE_OK || t->status < 200 || t->status >= 300)
			log_debug("report: heartbeat to %s failed", r->url);
		transfer_free(r, t);
	}
}

/* ---- heartbeat ---- */

/* The station's facts as `loaxactl status` shows them, and what only the
 * district needs. */
static json_t *
heartbeat_json(struct report *r)
{
	struct station_status ss = { 0 };
	struct statvfs vfs;

	r->status(r->status_ctx, &ss);
	json_t *hb = status_json(&ss, time(NULL));
	json_object_set_new(hb, "type", json_string("heartbeat"));
	json_object_set_new(hb, "station", json_string(r->station_name));
	json_object_set_new(hb, "online", json_true());
	if (statvfs(r->state_dir, &vfs) == 0)
		json_object_set_new(hb, "disk", json_pack("{s:s,s:I,s:I}",
		    "path", r->state_dir,
		    "free_bytes", (json_int_t)((unsigned long long)vfs.f_bavail * vfs.f_frsize),
		    "total_bytes", (json_int_t)((unsigned long long)vfs.f_blocks * vfs.f_frsize)));
	else
		json_object_set_new(hb, "disk", json_null());
	return hb;
}

static void
on_tick(void *arg)
{
	struct report *r = arg;

	r->tick_timer = loop_add_timer(r->loop, (int64_t)r->interval_s * 1000, on_tick, r);
	if (r->url[0] == '\0')
		return;
	if (r->heartbeat == NULL) {
		json_t *hb = heartbeat_json(r);
		char *text = json_dumps(hb, JSON_COMPACT);
		json_decref(hb);
		size_t len = strlen(text);
		text = xrealloc(text, len + 2);
		memcpy(text + len, "\n", 2);
		r->heartbeat = transfer_start(r, r->url, text, len + 1);
	}
	/* Lines written while nobody kicked (or left from before) go too. */
	if (r->batch == NULL && r->backoff_ms == 0 && r->send_timer == 0)
		schedule_send(r, 0);
}

/* ---- life cycle ---- */

/* The token the district's collector gave this station (loaxa-collector
 * addstation), sent as a Bearer token with every report. */
static void
read_token(struct report *r, const char *path)
{
	char err[512];
	size_t len;

	if (r->auth != NULL)
		sodium_memzero(r->auth, strlen(r->auth));
	free(r->auth);
	r->auth = NULL;
	if (path == NULL || path[0] == '\0')
		return;
	char *tok = read_file_all(path, 4096, &len, err, sizeof(err));
	if (tok == NULL) {
		log_err("report: token file %s; reports go without a token and the collector "
		    "will refuse them", err);
		return;
	}
	char *p = tok + strspn(tok, " \t\r\n");
	p[strcspn(p, " \t\r\n")] = '\0';
	if (p[0] == '\0')
		log_err("report: token file %s is empty; reports go without a token", path);
	else
		r->auth = xasprintf("Authorization: Bearer %s", p);
	sodium_memzero(tok, len);
	free(tok);
}

static void
take_config(struct report *r, const struct config *cfg)
{
	free(r->url);
	free(r->station_name);
	free(r->state_dir);
	free(r->log_path);
	free(r->cursor_path);
	r->url = xstrdup(cfg->report.url ? cfg->report.url : "");
	r->station_name = xstrdup(cfg->station.name ? cfg->station.name : "");
	r->state_dir = xstrdup(cfg->paths.state);
	r->log_path = xstrdup(cfg->paths.played_log);
	r->cursor_path = xasprintf("%s/%s", cfg->paths.state, REPORT_CURSOR_FILE);
	r->interval_s = cfg->report.interval_s > 0 ? cfg->report.interval_s : 60;
	read_token(r, cfg->report.token_file);
}

struct report *
report_create(struct loop *loop, status_fn status, void *status_ctx,
    const struct config *cfg, char *err, size_t errlen)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->loop = loop;
	r->status = status;
	r->status_ctx = status_ctx;
	take_config(r, cfg);
	if (r->url[0] != '\0' && mkdir_p(r->state_dir, 0755) < 0) {
		snprintf(err, errlen, "report: state folder %s: %s", r->state_dir,
		    strerror(errno));
		report_destroy(r);
		return NULL;
	}
	r->cl = curl_loop_create(loop, err, errlen);
	if (r->cl == NULL) {
		report_destroy(r);
		return NULL;
	}
	cursor_load(r);
	srand((unsigned)(time(NULL) ^ getpid()));
	/* The first heartbeat at once: the district sees the station is up. */
	r->tick_timer = loop_add_timer(loop, 0, on_tick, r);
	if (r->url[0] != '\0')
		log_info("report: as-played lines and heartbeats every %d s to %s",
		    r->interval_s, r->url);
	return r;
}

void
report_reconfigure(struct report *r, const struct config *cfg)
{
	bool same = strcmp(r->url, cfg->report.url ? cfg->report.url : "") == 0 &&
	    strcmp(r->log_path, cfg->paths.played_log) == 0 &&
	    strcmp(r->state_dir, cfg->paths.state) == 0;

	take_config(r, cfg);
	if (!same) {
		cursor_load(r);
		r->backoff_ms = 0;
		r->warned = false;
	}
	loop_cancel_timer(r->loop, r->tick_timer);
	r->tick_timer = loop_add_timer(r->loop, 0, on_tick, r);
}

void
report_kick(struct report *r)
{
	if (r == NULL || r->url[0] == '\0' || r->batch != NULL || r->backoff_ms != 0)
		return;
	if (r->send_timer == 0)
		schedule_send(r, KICK_DELAY_MS);
}

static bool
batch_in_flight(void *arg)
{
	struct report *r = arg;

	return r->batch != NULL;
}

void
report_destroy(struct report *r)
{
	if (r == NULL)
		return;
	if (r->cl != NULL) {
		/* At shutdown the loop has stopped: waiting here is allowed, so
		 * the batch's acknowledgement is recorded and not sent again. */
		curl_loop_drain(r->cl, SHUTDOWN_WAIT_MS, batch_in_flight, r);
		transfer_free(r, r->batch);
		transfer_free(r, r->heartbeat);
		curl_loop_destroy(r->cl);
	}
	uint64_t timers[] = { r->tick_timer, r->send_timer };
	for (size_t i = 0; i < ARRAY_LEN(timers); i++)
		if (timers[i] != 0)
			loop_cancel_timer(r->loop, timers[i]);
	cursor_clear(r);
	free(r->batch_name);
	free(r->url);
	free(r->station_name);
	free(r->state_dir);
	free(r->log_path);
	free(r->cursor_path);
	free(r->auth);
	free(r);
}
