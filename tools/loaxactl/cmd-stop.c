/* loaxactl stop */
#include <stdio.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static int
exec_stop(struct ctl_client *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return client_usage(argv[0]);
	int rc = client_request(c, CTL_REQ_STOP, NULL, NULL);
	if (rc == EXIT_OK)
		printf("Stopped.\n");
	return rc;
}

const struct ctl_command cmd_stop = {
	.exec = exec_stop,
	.help = "Stops what is on air now (logged as interrupted) and drops what the\noperator queued with play. The slot on air stays silent until it ends;\nthe next slot airs as planned, and bulletins still air.",
};
