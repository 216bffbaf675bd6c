/* loaxactl reload */
#include <stdio.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static int
exec_reload(struct ctl_client *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return client_usage(argv[0]);
	int rc = client_request(c, CTL_REQ_RELOAD, NULL, NULL);
	if (rc == EXIT_OK)
		printf("Config reloaded.\n");
	return rc;
}

const struct ctl_command cmd_reload = {
	.exec = exec_reload,
	.help = "Makes loaxad re-read its config file, as SIGHUP does. An invalid file\nis refused with its FILE:LINE error and the running config stays.",
};
