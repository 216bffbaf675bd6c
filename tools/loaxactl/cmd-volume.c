/* loaxactl volume N */
#include <stdio.h>
#include <stdlib.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static int
exec_volume(struct ctl_client *c, int argc, char **argv)
{
	char *end;

	if (argc != 2)
		return client_usage(argv[0]);
	long v = strtol(argv[1], &end, 10);
	if (end == argv[1] || *end != '\0' || v < 0 || v > 100) {
		fprintf(stderr, "loaxactl: volume must be a whole number from 0 to 100, "
		    "not \"%s\"\n", argv[1]);
		return EXIT_USAGE;
	}
	json_t *args = json_pack("{s:i}", "volume", (int)v);
	int rc = client_request(c, CTL_REQ_VOLUME, args, NULL);
	json_decref(args);
	if (rc == EXIT_OK)
		printf("Volume %ld.\n", v);
	return rc;
}

const struct ctl_command cmd_volume = {
	.exec = exec_volume,
	.help = "Sets the station's master volume, 0 (silent) to 100 (full), for what\n"
	    "plays now and later. A slot's own volume applies on top of it.",
};
