/*
 * player: owns the sound card. One thread decodes (libmpg123), applies gain
 * and fades, and writes to ALSA. It takes commands from the event loop
 * through a small locked queue and reports back through an eventfd; it never
 * reads the config or the clock to decide *what* to play.
 *
 * Shared state, by side ([L] written by the loop thread, [P] by the player
 * thread): the command queue [L], the event queue [P], the master volume [L].
 */
#ifndef LOAXA_PLAYER_H
#define LOAXA_PLAYER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum player_source {
	SRC_FILE,	/* an MP3 file at path */
	SRC_CHIME,	/* path, or the built-in chime when path is "" */
	SRC_SILENCE,	/* silence_s seconds of silence */
	SRC_TONE,	/* 1 kHz test tone, silence_s seconds */
	SRC_RELAY,	/* the live stream at path (audio/relay.h): never ends by itself */
};

/* What a SRC_RELAY item needs besides its URL. */
struct player_relay {
	char name[64];			/* for the log */
	char fallback[PATH_MAX];	/* a file, or an M3U/PLS playlist of files; "" silence */
	double gain_db;			/* added to the volume; peaks limited under -1 dBFS */
	int stall_s;			/* no data this long: down (0: 5 s) */
};

struct player_item {
	uint64_t id;			/* chosen by the caller, echoed in events */
	enum player_source source;
	char path[PATH_MAX];
	double silence_s;
	int volume;			/* 0..100 for this item (slot volume) */
	struct player_relay relay;	/* SRC_RELAY only */
	/*
	 * CLOCK_REALTIME instant for the first sample to reach the card, or
	 * {0,0} for "as soon as possible, right after what plays now, with
	 * no gap". A timed item is pre-rolled: the device is opened and fed
	 * silence so that the first sample lands on the mark.
	 */
	struct timespec start_at;
};

enum player_result {
	PLAY_COMPLETED,		/* played to its natural end */
	PLAY_STOPPED,		/* player_stop() ended it */
	PLAY_FAILED,		/* reason says why */
};

/*
 * Events, per item, in queue order: STARTED then FINISHED, or FINISHED
 * alone (started=false) if nothing of it reached the card. STARTED is sent
 * just before its first frame is written; `when` may be up to a buffer
 * (buffer_ms) in the future. FINISHED of an item followed by a queued one is
 * sent when the next one begins, with `when` estimated from the buffer; of
 * the last queued item, after the card has played it out (then the card is
 * closed). Items taken by player_stop/player_drop_queued are reported after
 * the FINISHED of what was playing. A device error fails the item AND every
 * item queued at that moment (each FINISHED, device_error, same retry_ms);
 * wait retry_ms, then enqueue again. A timed item (start_at) waits its turn
 * in the queue: start_at is "not before", it never interrupts what plays.
 * player_destroy sends nothing more.
 */
enum player_event_type { PEV_STARTED, PEV_FINISHED };

struct player_event {
	enum player_event_type type;
	uint64_t id;
	/* STARTED: when its first sample reached the card (estimated from
	 * the ALSA delay). FINISHED: when its last sample did. */
	struct timespec when;
	double length_s;		/* STARTED: expected length, -1 unknown */
	enum player_result result;	/* FINISHED only */
	bool started;			/* FINISHED: had it reached the air? */
	double played_s;		/* FINISHED: seconds of it on air */
	double live_s;			/* FINISHED of a relay: seconds of the stream itself */
	int outages;			/* FINISHED of a relay: times it went down */
	bool device_error;		/* FINISHED+FAILED: the card, not the file */
	int retry_ms;			/* with device_error: wait before the next */
	char reason[256];
};

struct audio_out_ops;

struct player_config {
	const char *device;		/* ALSA PCM name */
	int buffer_ms;			/* >= 100 */
	int volume;			/* master 0..100 */
	/* Writes are held to the wall clock so a device that does not keep
	 * time (ALSA's null and file plugins) still airs in real time; true
	 * lets benchmarks decode as fast as the device takes it. */
	bool unpaced;
	/* A timed item's card is opened this long before its mark (at least
	 * buffer_ms + 300 ms). */
	int preroll_ms;
	/* The card's backend; NULL is ALSA (audio/alsa_out.h). Tests swap it. */
	const struct audio_out_ops *output;
	/*
	 * Files are brought to this integrated loudness (LUFS, EBU R128) with
	 * their true peak under -1 dBTP; 0 leaves them at their own level.
	 * Figures are kept in loudness_cache (NULL: measured each run).
	 */
	double loudness_lufs;
	const char *loudness_cache;
};

struct player;

/* Starts the player thread. Returns NULL with err on failure. */
struct player *player_create(const struct player_config *pc, char *err, size_t errlen);
/* Stops the thread (what plays is stopped at once) and frees everything. */
void player_destroy(struct player *p);

/* An eventfd: readable when events are waiting. */
int player_event_fd(const struct player *p);
/* Takes one event; false when none is left. Also clears the eventfd. */
bool player_next_event(struct player *p, struct player_event *ev);

/*
 * Queues item after what plays and what is already queued (at most
 * PLAYER_QUEUE_MAX items). Returns false if the queue is full.
 */
#define PLAYER_QUEUE_MAX 4
bool player_enqueue(struct player *p, const struct player_item *item);
/*
 * Ends what plays with a fade of fade_ms (0: at once; returns within 100 ms
 * either way) and drops everything queued. Each dropped or stopped item is
 * reported FINISHED with PLAY_STOPPED.
 */
void player_stop(struct player *p, int fade_ms);
/*
 * Drops everything queued but lets what plays go on (e.g. to put a priority
 * bulletin right after it). Each dropped item is reported FINISHED with
 * PLAY_STOPPED and started=false.
 */
void player_drop_queued(struct player *p);
/* Master volume 0..100, applied to what plays now and later. */
void player_set_volume(struct player *p, int volume);
void player_set_preroll(struct player *p, int preroll_ms);
/* Loudness target for items queued from now on (LUFS; 0: off). */
void player_set_loudness(struct player *p, double lufs);
/* Changes the device (after a reload); takes effect at the next open. */
void player_set_device(struct player *p, const char *device, int buffer_ms);

/* Counters for status and tests. */
struct player_stats {
	uint64_t underruns;
	uint64_t frames_written;
	bool device_ok;			/* last open/write succeeded */
	char device_error[256];
};
void player_get_stats(struct player *p, struct player_stats *out);

#endif
