#include "audio/relay.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mpg123.h>

#include "audio/ffsource.h"
#include "audio/icy.h"
#include "core/log.h"
#include "core/util.h"
#include "playlists/m3u.h"

#define RING_S 8			/* at most this much ahead: live, not stale */
#define STARVED_WAIT_MS 50		/* connected but empty: wait this, then silence */
#define PLAYLIST_MAX (64 * 1024)
#define STEADY_S 30			/* live this long: the back-off starts over */

struct relay {
	struct audio_source base;	/* first: the player sees only this */
	char name[64];
	char url[2048];
	int stall_s;
	char **fallback;
	size_t nfallback;
	const struct httpin_ops *http;

	pthread_t thread;		/* the reader, detached */
	atomic_bool quit;
	int refs;			/* the player and the reader; the last frees */
	pthread_mutex_t lock;		/* the ring, up, counters */
	pthread_cond_t cond;
	int16_t *ring;
	size_t cap, head, len;		/* frames */
	bool up;			/* connecting or delivering, not down */
	int outages;
	int64_t down_since;		/* mono ms, 0: up */

	/* Reader only: the transfer under way. */
	int depth;
	bool is_playlist, is_hls;
	char *body;			/* a playlist's text */
	size_t body_len;
	mpg123_handle *mh;
	struct icy_demux icy;
	char why[3072];			/* why the transfer ended */

	/* Player thread only. */
	struct audio_source *fb;	/* the fallback file airing */
	size_t fb_next;
	uint64_t live_frames;
};

/* ---- reader side ---- */

static void
push(struct relay *r, const int16_t *pcm, size_t frames)
{
	size_t ch = (size_t)r->base.fmt.channels;

	pthread_mutex_lock(&r->lock);
	if (r->down_since) {
		log_notice("relay %s: live again after %.1f s", r->name,
		    (double)(mono_ms() - r->down_since) / 1000.0);
		r->down_since = 0;
		r->head = r->len = 0;	/* live from here, nothing of before */
	}
	r->up = true;
	for (size_t i = 0; i < frames; i++) {
		if (r->len == r->cap) {	/* full: the oldest goes, to stay live */
			r->head = (r->head + 1) % r->cap;
			r->len--;
		}
		memcpy(r->ring + ((r->head + r->len) % r->cap) * ch, pcm + i * ch,
		    ch * sizeof(int16_t));
		r->len++;
	}
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

static bool
decode_mp3(struct relay *r, const uint8_t *buf, size_t len)
{
	unsigned char out[16384];
	size_t done;
	int rc;

	if (mpg123_feed(r->mh, buf, len) != MPG123_OK) {
		snprintf(r->why, sizeof(r->why), "%s: %s", r->url, mpg123_strerror(r->mh));
		return false;
	}
	for (;;) {
		rc = mpg123_read(r->mh, out, sizeof(out), &done);
		if (done > 0)
			push(r, (const int16_t *)out, done / (sizeof(int16_t) * (size_t)r->base.fmt.channels));
		if (rc == MPG123_NEED_MORE)
			return true;
		if (rc != MPG123_OK && rc != MPG123_NEW_FORMAT) {
			snprintf(r->why, sizeof(r->why), "%s: not MPEG audio: %s", r->url,
			    mpg123_strerror(r->mh));
			return false;
		}
	}
}

static bool
looks_like_playlist(const char *type, const uint8_t *buf, size_t len)
{
	static const char *const types[] = { "mpegurl", "x-scpls", "pls+xml", NULL };

	for (size_t i = 0; types[i]; i++)
		if (strcasestr(type, types[i]))
			return true;
	return (len >= 7 && memcmp(buf, "#EXTM3U", 7) == 0) ||
	    (len >= 10 && strncasecmp((const char *)buf, "[playlist]", 10) == 0) ||
	    (len >= 7 && strncasecmp((const char *)buf, "http://", 7) == 0) ||
	    (len >= 8 && strncasecmp((const char *)buf, "https://", 8) == 0);
}

static bool
sink_begin(void *ctx, const char *type, long metaint)
{
	struct relay *r = ctx;

	/* A playlist says so in its type; a stream's bytes are checked too. */
	r->is_playlist = looks_like_playlist(type, (const uint8_t *)"", 0);
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
	icy_init(&r->icy, metaint);
	return true;
}

static bool
sink_data(void *ctx, uint8_t *buf, size_t len)
{
	struct relay *r = ctx;

	if (atomic_load(&r->quit))
		return false;
	if (!r->mh && !r->is_playlist) {
		/* The first bytes decide: a playlist, or the stream itself. */
		if (looks_like_playlist("", buf, len))
			r->is_playlist = true;
	}
	if (r->is_playlist) {
		if (r->body_len + len > PLAYLIST_MAX) {
			snprintf(r->why, sizeof(r->why), "%s: playlist larger than %d bytes", r->url,
			    PLAYLIST_MAX);
			return false;
		}
		r->body = xreallocarray(r->body, r->body_len + len + 1, 1);
		memcpy(r->body + r->body_len, buf, len);
		r->body_len += len;
		r->body[r->body_len] = '\0';
		return true;
	}
	len = icy_strip(&r->icy, buf, len);
	if (r->icy.title_changed) {
		r->icy.title_changed = false;
		log_info("relay %s: now playing \"%s\"", r->name, r->icy.title);
	}
	if (!r->mh) {
		int err;

		r->mh = mpg123_new(NULL, &err);
		if (!r->mh) {
			snprintf(r->why, sizeof(r->why), "mpg123: %s", mpg123_plain_strerror(err));
			return false;
		}
		mpg123_param(r->mh, MPG123_ADD_FLAGS, MPG123_QUIET, 0);
		/* Only the card's format: mpg123 resamples the stream to it. */
		mpg123_format_none(r->mh);
		mpg123_format(r->mh, r->base.fmt.rate,
		    r->base.fmt.channels == 1 ? MPG123_MONO : MPG123_STEREO, MPG123_ENC_SIGNED_16);
		mpg123_open_feed(r->mh);
	}
	return len == 0 || decode_mp3(r, buf, len);
}

static bool
is_hls_url(const char *url)
{
	size_t n = strcspn(url, "?#");

	return n >= 5 && strncasecmp(url + n - 5, ".m3u8", 5) == 0;
}

static int stream_url(struct relay *r, const char *url);
static void unref(struct relay *r);

static int
stream_hls(struct relay *r, const char *url)
{
	int16_t buf[2048 * 2];
	int64_t quiet_reopen = 0;
	long n;

	for (;;) {
		struct audio_source *src = ffsource_open_hls(url, &r->base.fmt, r->stall_s,
		    &r->quit, r->why, sizeof(r->why));
		bool delivered = false;

		if (!src)
			return -1;
		while (!atomic_load(&r->quit) && (n = audio_source_read(src, buf, 2048, r->why,
		    sizeof(r->why))) > 0) {
			push(r, buf, (size_t)n);
			delivered = true;
		}
		audio_source_close(src);
		if (atomic_load(&r->quit))
			return 0;
		if (n < 0)
			return -1;
		/*
		 * FFmpeg's HLS demuxer ends a live window when one reload of the
		 * playlist fails (caught half written): open it again at once,
		 * without calling it an outage, at most once in STEADY_S.
		 */
		if (delivered && (quiet_reopen == 0 || mono_ms() - quiet_reopen > STEADY_S * 1000)) {
			quiet_reopen = mono_ms();
			log_debug("relay %s: %s ended; opened again", r->name, url);
			continue;
		}
		snprintf(r->why, sizeof(r->why), "%s: the stream ended", url);
		return -1;
	}
}

/* The first stream a fetched playlist names (HLS playlists are HLS). */
static int
follow_playlist(struct relay *r, const char *url)
{
	struct playlist *pl;
	char err[256], next[2048] = "";

	if (strstr(r->body, "#EXT-X-"))
		return stream_hls(r, url);
	if (r->depth >= RELAY_MAX_DEPTH) {
		snprintf(r->why, sizeof(r->why), "%s: playlists nested deeper than %d", url,
		    RELAY_MAX_DEPTH);
		return -1;
	}
	pl = m3u_parse(r->body, r->body_len, "/", err, sizeof(err));
	for (size_t i = 0; pl && i < pl->nentries && !next[0]; i++)
		if (str_has_prefix(pl->entries[i].location, "http://") ||
		    str_has_prefix(pl->entries[i].location, "https://"))
			snprintf(next, sizeof(next), "%s", pl->entries[i].location);
	playlist_free(pl);
	if (!next[0]) {
		snprintf(r->why, sizeof(r->why), "%s: a playlist that names no http(s) stream", url);
		return -1;
	}
	r->depth++;
	return stream_url(r, next);
}

/* One connection: 0 if it ended because of quit, -1 with r->why otherwise. */
static int
stream_url(struct relay *r, const char *url)
{
	struct httpin_sink sink = { .ctx = r, .begin = sink_begin, .data = sink_data };
	int rc;

	if (is_hls_url(url))
		return stream_hls(r, url);
	r->is_playlist = false;
	rc = r->http->run(url, r->stall_s, &r->quit, &sink, r->why, sizeof(r->why));
	if (r->mh) {
		mpg123_delete(r->mh);
		r->mh = NULL;
	}
	if (atomic_load(&r->quit))
		return 0;
	if (rc == 0 && r->is_playlist)
		return follow_playlist(r, url);
	if (rc == 0 && !r->why[0])
		snprintf(r->why, sizeof(r->why), "%s: the stream ended", url);
	return -1;
}

static void
sleep_s(struct relay *r, int s)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += s;
	pthread_mutex_lock(&r->lock);
	while (!atomic_load(&r->quit))
		if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&r->lock);
}

static void *
reader_main(void *arg)
{
	struct relay *r = arg;
	int backoff = 1;

	while (!atomic_load(&r->quit)) {
		int64_t t0 = mono_ms();

		r->depth = 0;
		r->why[0] = '\0';
		if (stream_url(r, r->url) == 0 || atomic_load(&r->quit))
			break;
		if (mono_ms() - t0 > STEADY_S * 1000)
			backoff = 1;
		pthread_mutex_lock(&r->lock);
		/* What is buffered is not thrown away: it airs, then the fallback. */
		if (!r->down_since) {
			r->down_since = mono_ms();
			r->outages++;
			log_warn("relay %s: down: %s; %s, trying again within %d s", r->name, r->why,
			    r->nfallback ? "the fallback airs" : "silence", RELAY_MAX_BACKOFF_S);
		} else {
			log_debug("relay %s: still down: %s", r->name, r->why);
		}
		r->up = false;
		pthread_mutex_unlock(&r->lock);
		sleep_s(r, backoff);
		backoff = backoff * 2 > RELAY_MAX_BACKOFF_S ? RELAY_MAX_BACKOFF_S : backoff * 2;
	}
	if (r->mh)
		mpg123_delete(r->mh);
	r->mh = NULL;
	unref(r);
	return NULL;
}

/* ---- player side ---- */

static long
silence(struct relay *r, int16_t *buf, size_t frames)
{
	size_t n = (size_t)r->base.fmt.rate / 50;	/* 20 ms at a time */

	if (n > frames)
		n = frames;
	memset(buf, 0, n * (size_t)r->base.fmt.channels * sizeof(int16_t));
	return (long)n;
}

/* The fallback while the stream is down: its files in turn, else silence. */
static long
fallback(struct relay *r, int16_t *buf, size_t frames)
{
	char err[512];

	for (size_t tries = 0; tries <= r->nfallback; tries++) {
		long n;

		if (!r->fb && r->nfallback) {
			const char *path = r->fallback[r->fb_next++ % r->nfallback];

			r->fb = decoder_open_file(path, &r->base.fmt, err, sizeof(err));
			if (r->fb && (r->fb->fmt.rate != r->base.fmt.rate ||
			    r->fb->fmt.channels != r->base.fmt.channels)) {
				snprintf(err, sizeof(err), "%s: cannot convert to the card's format",
				    path);
				audio_source_close(r->fb);
				r->fb = NULL;
			}
			if (!r->fb) {
				log_warn("relay %s: fallback: %s; the next one airs", r->name, err);
				continue;
			}
		}
		if (!r->fb)
			break;
		n = audio_source_read(r->fb, buf, frames, err, sizeof(err));
		if (n > 0)
			return n;
		audio_source_close(r->fb);
		r->fb = NULL;
	}
	return silence(r, buf, frames);
}

static size_t
take(struct relay *r, int16_t *buf, size_t frames)
{
	size_t ch = (size_t)r->base.fmt.channels, n = r->len < frames ? r->len : frames;

	for (size_t i = 0; i < n; i++) {
		memcpy(buf + i * ch, r->ring + r->head * ch, ch * sizeof(int16_t));
		r->head = (r->head + 1) % r->cap;
	}
	r->len -= n;
	return n;
}

static long
relay_read(struct audio_source *src, int16_t *buf, size_t frames, char *err, size_t errlen)
{
	struct relay *r = (struct relay *)src;
	struct timespec until;
	size_t n;
	bool up;

	(void)err, (void)errlen;
	pthread_mutex_lock(&r->lock);
	if (r->len == 0 && r->up) {
		/* Connected, or connecting, but nothing yet: a short wait. */
		clock_gettime(CLOCK_REALTIME, &until);
		until = timespec_add_ms(until, STARVED_WAIT_MS);
		while (r->len == 0 && r->up && !atomic_load(&r->quit))
			if (pthread_cond_timedwait(&r->cond, &r->lock, &until) == ETIMEDOUT)
				break;
	}
	n = take(r, buf, frames);
	up = r->up;
	pthread_mutex_unlock(&r->lock);
	if (n > 0) {
		if (r->fb) {	/* back live: the fallback stops where it is */
			audio_source_close(r->fb);
			r->fb = NULL;
		}
		r->live_frames += n;
		return (long)n;
	}
	return up ? silence(r, buf, frames) : fallback(r, buf, frames);
}

/*
 * The player closes a relay at once (an emergency must not wait for a
 * transfer to notice): the reader, which may sit in a network wait for up
 * to a second, frees it when it ends.
 */
static void
unref(struct relay *r)
{
	bool last;

	pthread_mutex_lock(&r->lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (!last)
		return;
	for (size_t i = 0; i < r->nfallback; i++)
		free(r->fallback[i]);
	free(r->fallback);
	free(r->ring);
	free(r->body);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

static void
relay_close(struct audio_source *src)
{
	struct relay *r = (struct relay *)src;

	pthread_mutex_lock(&r->lock);
	atomic_store(&r->quit, true);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	audio_source_close(r->fb);
	r->fb = NULL;
	unref(r);
}

static const struct audio_source_ops relay_ops = { .read = relay_read, .close = relay_close };

static bool
is_playlist_path(const char *p)
{
	size_t n = strlen(p);

	return (n > 4 && (strcasecmp(p + n - 4, ".m3u") == 0 || strcasecmp(p + n - 4, ".pls") == 0)) ||
	    (n > 5 && strcasecmp(p + n - 5, ".m3u8") == 0);
}

/* The fallback's files: the file itself, or a playlist's local files. */
static void
load_fallback(struct relay *r, const char *spec)
{
	struct playlist *pl;
	char err[512];

	r->fallback = xcalloc(1, sizeof(char *));
	if (!spec || !spec[0])
		return;
	if (!is_playlist_path(spec)) {
		r->fallback[r->nfallback++] = xstrdup(spec);
		return;
	}
	pl = m3u_load(spec, err, sizeof(err));
	if (!pl) {
		log_warn("relay %s: fallback %s; silence airs while the stream is down", r->name, err);
		return;
	}
	r->fallback = xreallocarray(r->fallback, pl->nentries + 1, sizeof(char *));
	for (size_t i = 0; i < pl->nentries; i++)
		if (!str_has_prefix(pl->entries[i].location, "http://") &&
		    !str_has_prefix(pl->entries[i].location, "https://"))
			r->fallback[r->nfallback++] = xstrdup(pl->entries[i].location);
	playlist_free(pl);
}

struct audio_source *
relay_open(const struct relay_params *rp, const struct audio_format *fmt)
{
	struct relay *r = xcalloc(1, sizeof(*r));
	int rc;

	r->base.ops = &relay_ops;
	r->base.fmt = *fmt;
	r->base.length_s = -1;
	snprintf(r->name, sizeof(r->name), "%s", rp->name ? rp->name : rp->url);
	snprintf(r->url, sizeof(r->url), "%s", rp->url);
	r->stall_s = rp->stall_s > 0 ? rp->stall_s : 5;
	r->http = rp->http ? rp->http : &httpin_curl;
	load_fallback(r, rp->fallback);
	r->cap = (size_t)fmt->rate * RING_S;
	r->ring = xreallocarray(NULL, r->cap * (size_t)fmt->channels, sizeof(int16_t));
	r->up = true;		/* connecting: silence, not the fallback, for a moment */
	atomic_init(&r->quit, false);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->refs = 2;
	rc = pthread_create(&r->thread, NULL, reader_main, r);
	if (rc != 0)
		fatal("relay %s: cannot start its reader thread: %s", r->name, strerror(rc));
	pthread_detach(r->thread);
	return &r->base;
}

void
relay_stats(struct audio_source *src, double *live_s, int *outages)
{
	struct relay *r = (struct relay *)src;

	*live_s = (double)r->live_frames / (double)r->base.fmt.rate;
	pthread_mutex_lock(&r->lock);
	*outages = r->outages;
	pthread_mutex_unlock(&r->lock);
}
