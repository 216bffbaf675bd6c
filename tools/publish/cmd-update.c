/* update: replaces a live bulletin (CAP Update referencing it). */
#include <stdio.h>
#include <string.h>

#include "tools/publish/publish.h"

static int
cmd_update_exec(int argc, char **argv)
{
	struct pub_opts o;
	char err[512];
	if (pub_parse_options(&cmd_update_entry, OPT_FEED | OPT_KEY | OPT_MESSAGE | OPT_NOTIFY, argc, argv, &o) != 0)
		return 1;
	if (o.help)
		return pub_help(&cmd_update_entry);
	if (o.feed == NULL)
		return pub_error("update", "--feed DIR is required");
	if (o.nargs < 1 || o.nargs > 2)
		return pub_error("update", "give the bulletin ID and optionally a new AUDIO file");
	struct feed *f = feed_open(o.feed, err, sizeof(err));
	if (f == NULL)
		return pub_error("update", "%s", err);
	int rc;
	const struct feed_item *it = feed_find(f, o.args[0]);
	if (it == NULL || it->cap == NULL)
		rc = pub_error("update", "unknown ID %s: not listed in %s/index.atom", o.args[0], o.feed);
	else if (strcmp(it->cap->msg_type, "Cancel") == 0)
		rc = pub_error("update", "%s is a cancellation; update the bulletin itself", o.args[0]);
	else if (feed_is_cancelled(f, it))
		rc = pub_error("update", "%s was cancelled; publish a new bulletin instead", o.args[0]);
	else {
		struct bulletin_spec spec = { .cmd = "update", .opts = &o, .base = it->cap,
			.audio = o.nargs == 2 ? o.args[1] : NULL };
		rc = pub_issue(&spec, f, "Update");
	}
	feed_close(f);
	if (rc == 0 && o.notify != NULL)
		rc = pub_notify("update", o.notify, "index.atom");
	return rc;
}

const struct pub_cmd cmd_update_entry = {
	.name = "update",
	.usage = "--feed DIR --key PREFIX.key [publish's options] ID [AUDIO]",
	.help = "Replaces bulletin ID by a CAP Update that references it: options not given\n"
	    "(areas, priority, plays, interval, times, title, audio) are copied from ID.\n"
	    "Its entry in index.atom is replaced by the new one. Prints the new identifier\n"
	    "on the last line.\n",
	.exec = cmd_update_exec,
};
