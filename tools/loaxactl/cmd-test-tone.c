/* loaxactl test-tone */
#include <stdio.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static int
exec_test_tone(struct ctl_client *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return client_usage(argv[0]);
	int rc = client_request(c, CTL_REQ_TEST_TONE, NULL, NULL);
	if (rc == EXIT_OK)
		printf("Test tone on air.\n");
	return rc;
}

const struct ctl_command cmd_test_tone = {
	.exec = exec_test_tone,
	.help = "Airs a 1 kHz test tone for a few seconds, to check the sound card, the\namplifier and the loudspeakers. Logged with kind \"test\".",
};
