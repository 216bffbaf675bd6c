/*
 * player_bench: airs one item through audio/player.h and exits when it is
 * FINISHED. Used by cpu_rss.sh to measure the player against mpg123.
 * Usage: player_bench DEVICE FILE|chime|tone [buffer_ms]
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/player.h"
#include "core/log.h"

int
main(int argc, char **argv)
{
	struct player_config pc = { .buffer_ms = 200, .volume = 100, .unpaced = true };
	struct player_item it = { .id = 1, .volume = 100, .source = SRC_FILE };
	struct player_event ev;
	struct player *p;
	char err[256];

	if (argc < 3) {
		fprintf(stderr, "usage: %s DEVICE FILE|chime|tone [buffer_ms]\n", argv[0]);
		return 2;
	}
	log_init("player_bench", true, LOGL_INFO);
	pc.device = argv[1];
	if (argc > 3)
		pc.buffer_ms = atoi(argv[3]);
	if (strcmp(argv[2], "chime") == 0)
		it.source = SRC_CHIME;
	else if (strcmp(argv[2], "tone") == 0) {
		it.source = SRC_TONE;
		it.silence_s = 3;
	} else
		snprintf(it.path, sizeof(it.path), "%s", argv[2]);
	p = player_create(&pc, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	player_enqueue(p, &it);
	for (;;) {
		struct pollfd pfd = { .fd = player_event_fd(p), .events = POLLIN };

		poll(&pfd, 1, -1);
		while (player_next_event(p, &ev)) {
			if (ev.type == PEV_FINISHED) {
				printf("finished result=%d played_s=%.3f reason=%s\n", (int)ev.result,
				    ev.played_s, ev.reason);
				player_destroy(p);
				return ev.result == PLAY_COMPLETED ? 0 : 1;
			}
			printf("started\n");
		}
	}
}
