/* loaxactl mute [--all] / unmute */
#include <stdio.h>
#include <string.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static int
send_mute(struct ctl_client *c, bool mute, bool all)
{
	json_t *args = json_pack("{s:b,s:b}", "mute", mute, "all", all);
	int rc = client_request(c, CTL_REQ_MUTE, args, NULL);

	json_decref(args);
	if (rc == EXIT_OK)
		printf("%s\n", !mute ? "Unmuted." : all ?
		    "Muted, emergencies included." : "Muted (emergencies still air).");
	return rc;
}

static int
exec_mute(struct ctl_client *c, int argc, char **argv)
{
	if (argc == 1)
		return send_mute(c, true, false);
	if (argc == 2 && strcmp(argv[1], "--all") == 0)
		return send_mute(c, true, true);
	return client_usage(argv[0]);
}

static int
exec_unmute(struct ctl_client *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return client_usage(argv[0]);
	return send_mute(c, false, false);
}

const struct ctl_command cmd_mute = {
	.exec = exec_mute,
	.help = "Silences the station: the timetable and normal bulletins are not\n"
	    "aired (they are logged as skipped, reason muted) while emergency\n"
	    "bulletins still interrupt. With --all, emergencies are silenced too.",
};

const struct ctl_command cmd_unmute = {
	.exec = exec_unmute,
	.help = "Ends mute and mute --all: the station airs its timetable again.",
};
