#include "audio/loudness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ebur128.h>
#include <sodium.h>

#include "audio/decoder.h"
#include "core/log.h"
#include "core/util.h"

#define SILENCE_LUFS (-70.0)
#define MAX_ENTRIES 64		/* a day's playlists; older ones are forgotten */
#define MEASURE_FRAMES 4096

int
loudness_measure(const char *path, struct loudness_figure *out, char *err, size_t errlen)
{
	struct audio_source *src = decoder_open_file(path, NULL, err, errlen);
	ebur128_state *st;
	int16_t *buf;
	double lufs, peak = 0;
	long n;

	if (!src)
		return -1;
	st = ebur128_init((unsigned)src->fmt.channels, (unsigned long)src->fmt.rate,
	    EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
	if (!st) {
		snprintf(err, errlen, "%s: libebur128 cannot measure %ld Hz %d ch", path,
		    src->fmt.rate, src->fmt.channels);
		audio_source_close(src);
		return -1;
	}
	buf = xmalloc(MEASURE_FRAMES * 2 * sizeof(int16_t));
	while ((n = audio_source_read(src, buf, MEASURE_FRAMES, err, errlen)) > 0)
		ebur128_add_frames_short(st, buf, (size_t)n);
	free(buf);
	audio_source_close(src);
	if (n < 0) {
		ebur128_destroy(&st);
		return -1;
	}
	if (ebur128_loudness_global(st, &lufs) != EBUR128_SUCCESS || !isfinite(lufs) ||
	    lufs < SILENCE_LUFS)
		lufs = SILENCE_LUFS;
	for (unsigned c = 0; c < st->channels; c++) {
		double p;

		if (ebur128_true_peak(st, c, &p) == EBUR128_SUCCESS && p > peak)
			peak = p;
	}
	ebur128_destroy(&st);
	out->lufs = lufs;
	out->peak_dbtp = peak > 0 ? 20 * log10(peak) : -120.0;
	return 0;
}

double
loudness_gain_db(const struct loudness_figure *f, double target_lufs)
{
	double g;

	if (f->lufs <= SILENCE_LUFS)
		return 0;	/* nothing to bring up */
	g = target_lufs - f->lufs;
	if (g > LOUDNESS_MAX_GAIN_DB)
		g = LOUDNESS_MAX_GAIN_DB;
	if (f->peak_dbtp + g > LOUDNESS_PEAK_CEILING_DBTP)
		g = LOUDNESS_PEAK_CEILING_DBTP - f->peak_dbtp;
	return g;
}

/* ---- the worker and its cache ---- */

enum entry_state { ENTRY_PENDING, ENTRY_WORKING, ENTRY_DONE, ENTRY_FAILED };

struct entry {
	char path[PATH_MAX];
	off_t size;			/* the file as it was asked for: a new */
	struct timespec mtime;		/* file under the same name is measured anew */
	enum entry_state state;
	struct loudness_figure fig;
	uint64_t asked;			/* order of requests, to forget the oldest */
};

struct loudness {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* work to do, or work done */
	bool quit;
	char *dir;			/* NULL: nothing kept on disk */
	struct entry entries[MAX_ENTRIES];
	size_t n;
	uint64_t next_ask;
};

static bool
same_file(const struct entry *e, const struct stat *st)
{
	return e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
	    e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* BLAKE2b of the content, in hex: the key of the figure on disk. */
static int
hash_file(const char *path, char hex[65], char *err, size_t errlen)
{
	crypto_generichash_state h;
	unsigned char buf[65536], digest[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	crypto_generichash_init(&h, NULL, 0, sizeof(digest));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crypto_generichash_update(&h, buf, (unsigned long long)n);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	crypto_generichash_final(&h, digest, sizeof(digest));
	sodium_bin2hex(hex, 65, digest, sizeof(digest));
	return 0;
}

static bool
cache_read(const char *file, struct loudness_figure *fig)
{
	FILE *f = fopen(file, "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "r128 %lf %lf", &fig->lufs, &fig->peak_dbtp) == 2 &&
	    isfinite(fig->lufs) && isfinite(fig->peak_dbtp);
	fclose(f);
	return ok;
}

/* The figure of path: from the cache by its content's hash, else measured and kept. */
static int
work_out(const char *dir, const char *path, struct loudness_figure *fig, char *err,
    size_t errlen)
{
	char hex[65], *file = NULL, text[64];
	int64_t t0 = mono_ms();
	int rc;

	if (dir) {
		if (hash_file(path, hex, err, errlen) < 0)
			return -1;
		file = xasprintf("%s/%s", dir, hex);
		if (cache_read(file, fig)) {
			free(file);
			return 0;
		}
	}
	rc = loudness_measure(path, fig, err, errlen);
	if (rc == 0) {
		log_info("loudness: %s measured: %.1f LUFS, true peak %.1f dBTP (%lld ms)", path,
		    fig->lufs, fig->peak_dbtp, (long long)(mono_ms() - t0));
		snprintf(text, sizeof(text), "r128 %.2f %.2f\n", fig->lufs, fig->peak_dbtp);
		if (file && atomic_write_file(file, text, strlen(text), 0644, err, errlen) < 0)
			log_warn("loudness: cannot keep the figure of %s: %s; it is measured "
			    "again next time", path, err);
	}
	free(file);
	return rc;
}

static void *
worker_main(void *arg)
{
	struct loudness *l = arg;
	char path[PATH_MAX], err[512];

	pthread_mutex_lock(&l->lock);
	while (!l->quit) {
		struct entry *e = NULL;
		struct loudness_figure fig;
		int rc;

		for (size_t i = 0; i < l->n && !e; i++)
			if (l->entries[i].state == ENTRY_PENDING)
				e = &l->entries[i];
		if (!e) {
			pthread_cond_wait(&l->changed, &l->lock);
			continue;
		}
		e->state = ENTRY_WORKING;
		snprintf(path, sizeof(path), "%s", e->path);
		pthread_mutex_unlock(&l->lock);
		rc = work_out(l->dir, path, &fig, err, sizeof(err));
		if (rc < 0)
			log_info("loudness: %s not measured (%s); it airs at its own level", path,
			    err);
		pthread_mutex_lock(&l->lock);
		/* The entry may have been replaced meanwhile: find it again. */
		for (size_t i = 0; i < l->n; i++)
			if (l->entries[i].state == ENTRY_WORKING &&
			    strcmp(l->entries[i].path, path) == 0) {
				l->entries[i].state = rc == 0 ? ENTRY_DONE : ENTRY_FAILED;
				l->entries[i].fig = fig;
			}
		pthread_cond_broadcast(&l->changed);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

struct loudness *
loudness_create(const char *cache_dir)
{
	struct loudness *l = xcalloc(1, sizeof(*l));
	int rc;

	if (sodium_init() < 0)
		log_warn("loudness: libsodium did not start; figures are not kept");
	else if (cache_dir && cache_dir[0]) {
		if (mkdir_p(cache_dir, 0755) < 0)
			log_warn("loudness: cannot create %s: %s; figures are not kept", cache_dir,
			    strerror(errno));
		else
			l->dir = xstrdup(cache_dir);
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->changed, NULL);
	rc = pthread_create(&l->thread, NULL, worker_main, l);
	if (rc != 0)
		fatal("loudness: cannot start the measuring thread: %s", strerror(rc));
	return l;
}

void
loudness_destroy(struct loudness *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->quit = true;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->changed);
	free(l->dir);
	free(l);
}

/* The entry of path as it is now on disk, or NULL. Under lock. */
static struct entry *
find_locked(struct loudness *l, const char *path, const struct stat *st)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->entries[i].path, path) == 0 && same_file(&l->entries[i], st))
			return &l->entries[i];
	return NULL;
}

void
loudness_request(struct loudness *l, const char *path)
{
	struct stat st;
	struct entry *e;

	if (!l || !path || !path[0] || stat(path, &st) != 0 || strlen(path) >= PATH_MAX)
		return;
	pthread_mutex_lock(&l->lock);
	e = find_locked(l, path, &st);
	if (!e) {
		/* A free place, else the one asked for longest ago (not in work). */
		if (l->n < MAX_ENTRIES)
			e = &l->entries[l->n++];
		else
			for (size_t i = 0; i < l->n; i++)
				if (l->entries[i].state != ENTRY_WORKING &&
				    (!e || l->entries[i].asked < e->asked))
					e = &l->entries[i];
		if (e) {
			memset(e, 0, sizeof(*e));
			snprintf(e->path, sizeof(e->path), "%s", path);
			e->size = st.st_size;
			e->mtime = st.st_mtim;
			e->state = ENTRY_PENDING;
			pthread_cond_broadcast(&l->changed);
		}
	}
	if (e)
		e->asked = ++l->next_ask;
	pthread_mutex_unlock(&l->lock);
}

bool
loudness_lookup(struct loudness *l, const char *path, int wait_ms, struct loudness_figure *out)
{
	struct timespec until;
	struct stat st;
	struct entry *e;
	bool found = false;

	if (!l || !path || stat(path, &st) != 0)
		return false;
	clock_gettime(CLOCK_REALTIME, &until);
	until = timespec_add_ms(until, wait_ms);
	pthread_mutex_lock(&l->lock);
	for (;;) {
		e = find_locked(l, path, &st);
		if (!e || e->state == ENTRY_FAILED)
			break;
		if (e->state == ENTRY_DONE) {
			*out = e->fig;
			found = true;
			break;
		}
		if (wait_ms <= 0 || pthread_cond_timedwait(&l->changed, &l->lock, &until) != 0)
			break;
	}
	pthread_mutex_unlock(&l->lock);
	return found;
}
