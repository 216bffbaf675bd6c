/* loaxactl skip */
#include <stdio.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static int
exec_skip(struct ctl_client *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return client_usage(argv[0]);
	int rc = client_request(c, CTL_REQ_SKIP, NULL, NULL);
	if (rc == EXIT_OK)
		printf("Skipped.\n");
	return rc;
}

const struct ctl_command cmd_skip = {
	.exec = exec_skip,
	.help = "Ends the item on air (logged as interrupted) and goes on with the\nnext step of the slot's program.",
};
