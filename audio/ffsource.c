#include "audio/ffsource.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include "core/log.h"
#include "core/util.h"

/*
 * What FFmpeg may read. A local file is one of the audio containers; never a
 * playlist (hls, concat) that would name other files or URLs. A relay may
 * use HLS and the containers HLS segments come in (MPEG-TS, fragmented MP4,
 * raw AAC/MP3), over http(s) only.
 */
#define FILE_FORMATS "mp3,wav,w64,ogg,flac,mov,aac,matroska,aiff,caf,amr,au,voc"
#define FILE_PROTOCOLS "file"
#define HLS_FORMATS "hls,mpegts,mov,aac,mp3,ac3,eac3"
#define HLS_PROTOCOLS "http,https,tcp,tls,crypto"

struct ff_source {
	struct audio_source base;	/* first: the player sees only this */
	AVFormatContext *fmt;
	AVCodecContext *dec;
	SwrContext *swr;
	AVPacket *pkt;
	AVFrame *frame;
	int stream;
	char name[160];			/* for messages only, may be shortened */
	/* Converted frames not yet handed out. */
	int16_t *buf;
	size_t buf_frames, buf_cap, buf_pos;
	bool eof_sent;			/* the decoder was told the input ended */
	bool drained;			/* and gave everything back */
	char broken[512];		/* sticky: once damaged, stop there */
	/* Live streams: a read with no data for stall_ms fails. */
	int stall_ms;
	int64_t deadline;		/* mono ms, 0: none */
	const atomic_bool *quit;	/* set: every wait ends */
};

static void
av_reason(int rc, char *buf, size_t len)
{
	if (av_strerror(rc, buf, len) < 0)
		snprintf(buf, len, "FFmpeg error %d", rc);
}

/* FFmpeg calls this while it waits for data: non-zero aborts the wait. */
static int
interrupted(void *arg)
{
	struct ff_source *s = arg;

	return (s->quit && atomic_load(s->quit)) || (s->deadline && mono_ms() > s->deadline);
}

static void
ff_close(struct audio_source *src)
{
	struct ff_source *s = (struct ff_source *)src;

	if (!s)
		return;
	swr_free(&s->swr);
	avcodec_free_context(&s->dec);
	avformat_close_input(&s->fmt);
	av_packet_free(&s->pkt);
	av_frame_free(&s->frame);
	free(s->buf);
	free(s);
}

/* Appends the converted samples of frame (or the resampler's tail when NULL). */
static int
convert(struct ff_source *s, const AVFrame *frame)
{
	int in = frame ? frame->nb_samples : 0;
	int room = swr_get_out_samples(s->swr, in);
	uint8_t *out;
	int n;

	if (room < 0)
		return room;
	if (s->buf_pos > 0) {
		/* What was handed out goes: keep the rest at the start. */
		memmove(s->buf, s->buf + s->buf_pos * (size_t)s->base.fmt.channels,
		    (s->buf_frames - s->buf_pos) * (size_t)s->base.fmt.channels * sizeof(int16_t));
		s->buf_frames -= s->buf_pos;
		s->buf_pos = 0;
	}
	if (s->buf_frames + (size_t)room > s->buf_cap) {
		s->buf_cap = s->buf_frames + (size_t)room + 4096;
		s->buf = xreallocarray(s->buf, s->buf_cap * (size_t)s->base.fmt.channels,
		    sizeof(int16_t));
	}
	out = (uint8_t *)(s->buf + s->buf_frames * (size_t)s->base.fmt.channels);
	n = swr_convert(s->swr, &out, room, frame ? (const uint8_t **)frame->extended_data : NULL,
	    in);
	if (n < 0)
		return n;
	s->buf_frames += (size_t)n;
	return 0;
}

/* Takes the decoder's frames; AVERROR(EAGAIN) when it wants a packet. */
static int
receive(struct ff_source *s)
{
	int rc;

	while ((rc = avcodec_receive_frame(s->dec, s->frame)) == 0) {
		rc = convert(s, s->frame);
		av_frame_unref(s->frame);
		if (rc < 0)
			return rc;
	}
	return rc;
}

/* Decodes until some frames are buffered or the input ends; 0, 1 at the end, <0. */
static int
fill(struct ff_source *s)
{
	char why[128];
	int rc;

	while (s->buf_frames == s->buf_pos) {
		if (s->drained)
			return 1;
		rc = receive(s);
		if (rc == AVERROR_EOF) {
			s->drained = true;
			if ((rc = convert(s, NULL)) < 0)
				goto fail;
			continue;
		}
		if (rc != AVERROR(EAGAIN))
			goto fail;
		if (s->buf_frames > s->buf_pos)
			break;
		if (s->eof_sent)
			continue;
		s->deadline = s->stall_ms ? mono_ms() + s->stall_ms : 0;
		rc = av_read_frame(s->fmt, s->pkt);
		s->deadline = 0;
		if (rc == AVERROR_EOF || (rc < 0 && !s->stall_ms && avio_feof(s->fmt->pb))) {
			avcodec_send_packet(s->dec, NULL);
			s->eof_sent = true;
			continue;
		}
		if (rc == AVERROR_EXIT) {
			snprintf(s->broken, sizeof(s->broken), "%s: no data for %d s", s->name,
			    s->stall_ms / 1000);
			return -1;
		}
		if (rc < 0)
			goto fail;
		if (s->pkt->stream_index == s->stream) {
			rc = avcodec_send_packet(s->dec, s->pkt);
			/* One damaged packet in a stream is skipped, as players do. */
			if (rc < 0 && rc != AVERROR(EAGAIN) && !(s->stall_ms && rc == AVERROR_INVALIDDATA)) {
				av_packet_unref(s->pkt);
				goto fail;
			}
		}
		av_packet_unref(s->pkt);
	}
	return 0;
fail:
	av_reason(rc, why, sizeof(why));
	snprintf(s->broken, sizeof(s->broken), "%s: damaged %s audio: %s", s->name,
	    s->dec->codec->name, why);
	return -1;
}

static long
ff_read(struct audio_source *src, int16_t *buf, size_t frames, char *err, size_t errlen)
{
	struct ff_source *s = (struct ff_source *)src;
	size_t got = 0, ch = (size_t)src->fmt.channels;

	while (got < frames) {
		size_t n;
		int rc;

		if (s->broken[0])
			break;
		rc = fill(s);
		if (rc != 0)
			break;
		n = s->buf_frames - s->buf_pos;
		if (n > frames - got)
			n = frames - got;
		memcpy(buf + got * ch, s->buf + s->buf_pos * ch, n * ch * sizeof(int16_t));
		s->buf_pos += n;
		got += n;
	}
	/* Air what was decoded; the next call reports the damage. */
	if (got == 0 && s->broken[0]) {
		snprintf(err, errlen, "%s", s->broken);
		return -1;
	}
	return (long)got;
}

static const struct audio_source_ops ff_ops = { .read = ff_read, .close = ff_close };

static void
not_audio(const char *name, int rc, const char *what, char *err, size_t errlen)
{
	char why[128];

	if (rc)
		av_reason(rc, why, sizeof(why));
	snprintf(err, errlen, "%s: not audio that decodes (%s)", name, rc ? why : what);
}

/* Opens the demuxer with options; the first audio stream's decoder and a resampler. */
static int
ff_start(struct ff_source *s, const char *url, AVDictionary **opts,
    const struct audio_format *want, char *err, size_t errlen)
{
	const AVCodec *codec = NULL;
	AVChannelLayout out_layout;
	int rc, ch;

	s->fmt = avformat_alloc_context();
	s->fmt->interrupt_callback.callback = interrupted;
	s->fmt->interrupt_callback.opaque = s;
	s->deadline = s->stall_ms ? mono_ms() + 2 * s->stall_ms : 0;
	rc = avformat_open_input(&s->fmt, url, NULL, opts);
	if (rc < 0) {
		if (rc == AVERROR(ENOENT) || rc == AVERROR(EACCES))
			snprintf(err, errlen, "cannot open %s: %s", s->name, strerror(AVUNERROR(rc)));
		else if (rc == AVERROR_EXIT)
			snprintf(err, errlen, "%s: no answer within %d s", s->name,
			    2 * s->stall_ms / 1000);
		else
			not_audio(s->name, rc, NULL, err, errlen);
		return -1;
	}
	rc = avformat_find_stream_info(s->fmt, NULL);
	s->deadline = 0;
	if (rc < 0) {
		not_audio(s->name, rc, NULL, err, errlen);
		return -1;
	}
	s->stream = av_find_best_stream(s->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
	if (s->stream < 0 || !codec) {
		not_audio(s->name, 0, s->stream == AVERROR_DECODER_NOT_FOUND ?
		    "no decoder for its audio" : "no audio stream in it", err, errlen);
		return -1;
	}
	s->dec = avcodec_alloc_context3(codec);
	avcodec_parameters_to_context(s->dec, s->fmt->streams[s->stream]->codecpar);
	if ((rc = avcodec_open2(s->dec, codec, NULL)) < 0 || s->dec->sample_rate <= 0 ||
	    s->dec->ch_layout.nb_channels <= 0) {
		not_audio(s->name, rc, "no sample rate or channels", err, errlen);
		return -1;
	}
	/* Unknown layouts (some WAVs) get the default for their channel count. */
	if (s->dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
		ch = s->dec->ch_layout.nb_channels;
		av_channel_layout_uninit(&s->dec->ch_layout);
		av_channel_layout_default(&s->dec->ch_layout, ch);
	}
	/* With no format imposed, everything but 44.1 kHz comes out as 48 kHz stereo,
	 * the chime's format: speech (22.05 kHz mono) and phone recordings (8 or 16 kHz)
	 * would otherwise reopen the card at rates many cards do not take natively, and
	 * a card reopened at another format between the chime and the bulletin leaves
	 * a gap (and a capture in two formats). */
	s->base.fmt.rate = want ? want->rate : s->dec->sample_rate == 44100 ? 44100 : 48000;
	s->base.fmt.channels = want ? want->channels : 2;
	av_channel_layout_default(&out_layout, s->base.fmt.channels);
	rc = swr_alloc_set_opts2(&s->swr, &out_layout, AV_SAMPLE_FMT_S16, (int)s->base.fmt.rate,
	    &s->dec->ch_layout, s->dec->sample_fmt, s->dec->sample_rate, 0, NULL);
	/* Mono goes to both speakers at full level, as libmpg123 does, not the
	 * -3 dB of a centre channel mixed down. */
	if (rc >= 0 && s->dec->ch_layout.nb_channels == 1 && s->base.fmt.channels == 2) {
		static const double both[2] = { 1.0, 1.0 };

		rc = swr_set_matrix(s->swr, both, 1);
	}
	if (rc < 0 || (rc = swr_init(s->swr)) < 0) {
		not_audio(s->name, rc, NULL, err, errlen);
		return -1;
	}
	s->base.length_s = s->fmt->duration > 0 ? (double)s->fmt->duration / AV_TIME_BASE : -1;
	s->pkt = av_packet_alloc();
	s->frame = av_frame_alloc();
	return 0;
}

static struct ff_source *
ff_new(const char *name)
{
	struct ff_source *s = xcalloc(1, sizeof(*s));

	/* FFmpeg would print its own warnings to stderr; errors reach the log
	 * as reasons instead. */
	av_log_set_level(AV_LOG_QUIET);
	s->base.ops = &ff_ops;
	s->base.length_s = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	return s;
}

struct audio_source *
ffsource_open_file(const char *path, const struct audio_format *want, char *err, size_t errlen)
{
	struct ff_source *s = ff_new(path);
	AVDictionary *opts = NULL;
	int rc;

	av_dict_set(&opts, "format_whitelist", FILE_FORMATS, 0);
	av_dict_set(&opts, "protocol_whitelist", FILE_PROTOCOLS, 0);
	rc = ff_start(s, path, &opts, want, err, errlen);
	av_dict_free(&opts);
	if (rc < 0) {
		ff_close(&s->base);
		return NULL;
	}
	return &s->base;
}

struct audio_source *
ffsource_open_hls(const char *url, const struct audio_format *want, int stall_s,
    const atomic_bool *quit, char *err, size_t errlen)
{
	struct ff_source *s = ff_new(url);
	AVDictionary *opts = NULL;
	int rc;

	s->quit = quit;
	s->stall_ms = (stall_s > 0 ? stall_s : 5) * 1000;
	av_dict_set(&opts, "format_whitelist", HLS_FORMATS, 0);
	av_dict_set(&opts, "protocol_whitelist", HLS_PROTOCOLS, 0);
	/* Segments are opened by the HLS demuxer with these settings too. */
	av_dict_set(&opts, "reconnect", "0", 0);
	av_dict_set_int(&opts, "rw_timeout", (int64_t)s->stall_ms * 1000, 0);
	/* Live: start near the newest segment, not a stale window's start. */
	av_dict_set(&opts, "live_start_index", "-2", 0);
	rc = ff_start(s, url, &opts, want, err, errlen);
	av_dict_free(&opts);
	if (rc < 0) {
		ff_close(&s->base);
		return NULL;
	}
	s->base.length_s = -1;
	return &s->base;
}

int
ffsource_container(const char *path, char *container, size_t clen, char *err, size_t errlen)
{
	AVFormatContext *fmt = NULL;
	AVDictionary *opts = NULL;
	int rc;

	av_log_set_level(AV_LOG_QUIET);
	av_dict_set(&opts, "format_whitelist", FILE_FORMATS, 0);
	av_dict_set(&opts, "protocol_whitelist", FILE_PROTOCOLS, 0);
	rc = avformat_open_input(&fmt, path, NULL, &opts);
	av_dict_free(&opts);
	if (rc < 0) {
		if (rc == AVERROR(ENOENT) || rc == AVERROR(EACCES))
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(AVUNERROR(rc)));
		else
			not_audio(path, rc, NULL, err, errlen);
		return -1;
	}
	snprintf(container, clen, "%s", fmt->iformat->name);
	avformat_close_input(&fmt);
	return 0;
}
