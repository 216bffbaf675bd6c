/* loaxactl play FILE | playlist:NAME [--now] */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/protocol.h"
#include "core/util.h"
#include "tools/loaxactl/loaxactl.h"

/* The daemon runs elsewhere (another cwd): send it an absolute path. */
static int
absolute(const char *arg, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (str_has_prefix(arg, "playlist:") || arg[0] == '/') {
		snprintf(out, len, "%s", arg);
		return 0;
	}
	if (realpath(arg, out) != NULL)
		return 0;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	return snprintf(out, len, "%s/%s", cwd, arg) < (int)len ? 0 : -1;
}

static int
exec_play(struct ctl_client *c, int argc, char **argv)
{
	const char *what = NULL;
	bool now = false;
	char path[PATH_MAX];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--now") == 0)
			now = true;
		else if (what == NULL && argv[i][0] != '-')
			what = argv[i];
		else
			return client_usage(argv[0]);
	}
	if (what == NULL)
		return client_usage(argv[0]);
	if (absolute(what, path, sizeof(path)) < 0) {
		fprintf(stderr, "loaxactl: path too long: %s\n", what);
		return EXIT_USAGE;
	}
	json_t *args = json_pack("{s:s,s:b}", "what", path, "now", now);
	int rc = client_request(c, CTL_REQ_PLAY, args, NULL);
	json_decref(args);
	if (rc == EXIT_OK)
		printf("%s %s.\n", now ? "On air now:" : "Queued after what plays:", path);
	return rc;
}

const struct ctl_command cmd_play = {
	.exec = exec_play,
	.help = "Airs an MP3 file or a playlist from the playlists folder (NAME.m3u or\n"
	    "NAME.m3u8) after the item on air, or at once with --now (what plays\n"
	    "is then logged as interrupted). The file must be readable by loaxad's\n"
	    "user. Logged with slot null.",
};
