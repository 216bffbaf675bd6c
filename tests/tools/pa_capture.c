/*
 * pa_capture: records a PulseAudio source (the test null sink's monitor) to a
 * raw S16_LE file and, for every chunk, the wall-clock time at which the
 * chunk's first sample went through the sink, so that system tests can tell
 * when any captured sample was on air.
 *
 *   pa_capture -d loaxa_null.monitor -r 44100 -c 2 -o out.raw -t out.times
 *
 * The server comes from PULSE_SERVER (or -s). Prints "ready" on stdout once
 * the stream records; stops cleanly on SIGTERM/SIGINT (or after -l SECONDS).
 * Each line of the times file: "FRAME REALTIME_S LATENCY_US", where FRAME is
 * the index of the chunk's first frame in the raw file and LATENCY_US the
 * signed stream latency it was derived from.
 *
 * It uses the asynchronous API, not pa_simple: a monitor source has a
 * negative latency (its samples are seen before the sink plays them) and
 * pa_simple_get_latency() clamps that to 0, which skews times by up to a
 * sink block (~10-40 ms).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pulse/pulseaudio.h>

struct options {
	const char *server;	/* NULL: PULSE_SERVER */
	const char *device;
	const char *raw_path;
	const char *times_path;
	unsigned rate;
	unsigned channels;
	unsigned chunk_ms;
	double limit_s;		/* 0: until a signal */
};

struct capture {
	struct options opt;
	pa_mainloop *loop;
	pa_context *ctx;
	pa_stream *stream;
	pa_sample_spec spec;
	FILE *raw;
	FILE *times;
	uint64_t frames;	/* written to raw so far */
	double started;		/* realtime when the stream became ready */
	int exit_code;
};

static void usage(void)
{
	fprintf(stderr, "usage: pa_capture [-s SERVER] -d SOURCE [-r RATE] "
	    "[-c CHANNELS] [-k CHUNK_MS] [-l SECONDS] -o RAW -t TIMES\n");
	exit(2);
}

static struct options parse_options(int argc, char **argv)
{
	struct options o = { .rate = 44100, .channels = 2, .chunk_ms = 10 };
	int c;

	while ((c = getopt(argc, argv, "s:d:r:c:k:l:o:t:")) != -1) {
		switch (c) {
		case 's': o.server = optarg; break;
		case 'd': o.device = optarg; break;
		case 'r': o.rate = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': o.channels = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'k': o.chunk_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': o.limit_s = strtod(optarg, NULL); break;
		case 'o': o.raw_path = optarg; break;
		case 't': o.times_path = optarg; break;
		default: usage();
		}
	}
	if (!o.device || !o.raw_path || !o.times_path || o.rate == 0 ||
	    o.channels == 0 || o.channels > 8 || o.chunk_ms == 0)
		usage();
	return o;
}

static double realtime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static FILE *open_or_die(const char *path)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		fprintf(stderr, "pa_capture: cannot create %s: %s\n", path,
		    strerror(errno));
		exit(1);
	}
	return f;
}

static void finish(struct capture *cap, int code)
{
	cap->exit_code = code;
	pa_mainloop_quit(cap->loop, code);
}

/* Signed age of the sample at the stream's read index, in seconds. */
static double read_index_age_s(pa_stream *s)
{
	pa_usec_t usec = 0;
	int negative = 0;

	if (pa_stream_get_latency(s, &usec, &negative) < 0)
		return 0;
	return negative ? -(double)usec / 1e6 : (double)usec / 1e6;
}

static void write_fragment(struct capture *cap, const void *data, size_t len)
{
	size_t frame_bytes = pa_frame_size(&cap->spec);
	/* Before pa_stream_drop() the read index is this fragment's start. */
	double age = read_index_age_s(cap->stream);
	double now = realtime_s();

	if (data) {
		fwrite(data, 1, len, cap->raw);
	} else {
		/* A hole in the stream: keep sample indices aligned to time. */
		static const char zeros[4096];
		for (size_t left = len; left > 0;) {
			size_t n = left < sizeof(zeros) ? left : sizeof(zeros);
			fwrite(zeros, 1, n, cap->raw);
			left -= n;
		}
	}
	fprintf(cap->times, "%" PRIu64 " %.6f %.0f %.6f\n", cap->frames,
	    now - age, age * 1e6, now);
	fflush(cap->raw);
	fflush(cap->times);
	cap->frames += len / frame_bytes;
}

static void on_readable(pa_stream *s, size_t nbytes, void *userdata)
{
	struct capture *cap = userdata;
	(void)nbytes;

	while (pa_stream_readable_size(s) > 0) {
		const void *data = NULL;
		size_t len = 0;

		if (pa_stream_peek(s, &data, &len) < 0) {
			fprintf(stderr, "pa_capture: read from %s failed: %s\n",
			    cap->opt.device,
			    pa_strerror(pa_context_errno(cap->ctx)));
			finish(cap, 1);
			return;
		}
		if (len == 0)
			break;
		write_fragment(cap, data, len);
		pa_stream_drop(s);
	}
	if (cap->opt.limit_s > 0 && realtime_s() - cap->started >= cap->opt.limit_s)
		finish(cap, 0);
}

static void on_stream_state(pa_stream *s, void *userdata)
{
	struct capture *cap = userdata;

	switch (pa_stream_get_state(s)) {
	case PA_STREAM_READY:
		cap->started = realtime_s();
		printf("ready\n");
		fflush(stdout);
		break;
	case PA_STREAM_FAILED:
		fprintf(stderr, "pa_capture: cannot record %s: %s\n",
		    cap->opt.device, pa_strerror(pa_context_errno(cap->ctx)));
		finish(cap, 1);
		break;
	default:
		break;
	}
}

static void start_stream(struct capture *cap)
{
	/* Small fragments make the null sink render in small blocks, so the
	 * monitor (and our timestamps) follow playback closely. */
	pa_buffer_attr attr = {
		.maxlength = (uint32_t)-1, .tlength = (uint32_t)-1,
		.prebuf = (uint32_t)-1, .minreq = (uint32_t)-1,
		.fragsize = (uint32_t)pa_usec_to_bytes(
		    cap->opt.chunk_ms * 1000ULL, &cap->spec),
	};
	pa_stream_flags_t flags = PA_STREAM_INTERPOLATE_TIMING |
	    PA_STREAM_AUTO_TIMING_UPDATE | PA_STREAM_ADJUST_LATENCY;

	cap->stream = pa_stream_new(cap->ctx, "loaxa test capture", &cap->spec,
	    NULL);
	if (!cap->stream) {
		fprintf(stderr, "pa_capture: cannot create a stream: %s\n",
		    pa_strerror(pa_context_errno(cap->ctx)));
		finish(cap, 1);
		return;
	}
	pa_stream_set_state_callback(cap->stream, on_stream_state, cap);
	pa_stream_set_read_callback(cap->stream, on_readable, cap);
	if (pa_stream_connect_record(cap->stream, cap->opt.device, &attr,
	    flags) < 0) {
		fprintf(stderr, "pa_capture: cannot record %s: %s\n",
		    cap->opt.device, pa_strerror(pa_context_errno(cap->ctx)));
		finish(cap, 1);
	}
}

static void on_context_state(pa_context *c, void *userdata)
{
	struct capture *cap = userdata;

	switch (pa_context_get_state(c)) {
	case PA_CONTEXT_READY:
		start_stream(cap);
		break;
	case PA_CONTEXT_FAILED:
	case PA_CONTEXT_TERMINATED:
		fprintf(stderr, "pa_capture: PulseAudio server %s: %s\n",
		    cap->opt.server ? cap->opt.server : "(PULSE_SERVER)",
		    pa_strerror(pa_context_errno(c)));
		finish(cap, 1);
		break;
	default:
		break;
	}
}

static void on_stop_signal(pa_mainloop_api *api, pa_signal_event *e, int sig,
    void *userdata)
{
	(void)api;
	(void)e;
	(void)sig;
	finish(userdata, 0);
}

int main(int argc, char **argv)
{
	struct capture cap = { .opt = parse_options(argc, argv) };

	cap.spec = (pa_sample_spec){ .format = PA_SAMPLE_S16LE,
	    .rate = cap.opt.rate, .channels = (uint8_t)cap.opt.channels };
	cap.raw = open_or_die(cap.opt.raw_path);
	cap.times = open_or_die(cap.opt.times_path);
	cap.loop = pa_mainloop_new();
	pa_mainloop_api *api = pa_mainloop_get_api(cap.loop);

	pa_signal_init(api);
	pa_signal_new(SIGTERM, on_stop_signal, &cap);
	pa_signal_new(SIGINT, on_stop_signal, &cap);
	cap.ctx = pa_context_new(api, "pa_capture");
	pa_context_set_state_callback(cap.ctx, on_context_state, &cap);
	if (pa_context_connect(cap.ctx, cap.opt.server, PA_CONTEXT_NOAUTOSPAWN,
	    NULL) < 0) {
		fprintf(stderr, "pa_capture: cannot connect to PulseAudio: %s\n",
		    pa_strerror(pa_context_errno(cap.ctx)));
		return 1;
	}
	pa_mainloop_run(cap.loop, NULL);

	if (cap.stream) {
		pa_stream_disconnect(cap.stream);
		pa_stream_unref(cap.stream);
	}
	pa_context_disconnect(cap.ctx);
	pa_context_unref(cap.ctx);
	pa_signal_done();
	pa_mainloop_free(cap.loop);
	if (fclose(cap.raw) != 0 || fclose(cap.times) != 0)
		cap.exit_code = 1;
	return cap.exit_code;
}
