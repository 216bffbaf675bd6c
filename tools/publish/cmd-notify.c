/* notify: wakes the push channel's subscribers (after an upload by rsync). */
#include <stdio.h>

#include "tools/publish/publish.h"

static int
cmd_notify_exec(int argc, char **argv)
{
	struct pub_opts o;

	if (pub_parse_options(&cmd_notify_entry, 0, argc, argv, &o) != 0)
		return 1;
	if (o.help)
		return pub_help(&cmd_notify_entry);
	if (o.nargs != 1)
		return pub_error("notify", "give the push channel's publisher URL");
	return pub_notify("notify", o.args[0], "index.atom");
}

const struct pub_cmd cmd_notify_entry = {
	.name = "notify",
	.usage = "URL",
	.help = "Posts a wake-up to the push channel's publisher endpoint URL (nchan): every\n"
	    "station subscribed to it polls the feed at once. Run it after the feed folder\n"
	    "has been uploaded (rsync), never before. The message carries no authority:\n"
	    "stations still verify everything from the signed feed.\n",
	.exec = cmd_notify_exec,
};
