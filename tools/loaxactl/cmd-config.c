/* loaxactl config: the configuration file loaxad loaded, as it reads it. */
#include <stdio.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static int
exec_config(struct ctl_client *c, int argc, char **argv)
{
	json_t *reply;

	if (argc != 1)
		return client_usage(argv[0]);
	int rc = client_request(c, CTL_REQ_CONFIG, NULL, &reply);
	if (rc != EXIT_OK)
		return rc;
	printf("# %s\n%s", json_string_value(json_object_get(reply, "path")),
	    json_string_value(json_object_get(reply, "text")));
	json_decref(reply);
	return EXIT_OK;
}

const struct ctl_command cmd_config = {
	.exec = exec_config,
	.help = "Prints the configuration file loaxad runs with (its path, then its\n"
	    "text), read through the socket: for a technician who may not read\n"
	    "/etc/loaxa. Changing it is editing the file, then loaxactl reload.",
};
