/* list: what the feed holds, as a table for the officer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "tools/publish/publish.h"

const char *
pub_item_state(const struct feed *f, const struct feed_item *it, time_t now)
{
	if (it->cap == NULL)
		return "broken";
	if (strcmp(it->cap->msg_type, "Cancel") != 0 && feed_is_cancelled(f, it))
		return "cancelled";
	if (cap_first_info(it->cap)->expires != 0 && cap_first_info(it->cap)->expires <= now)
		return "expired";
	return "live";
}

static void
print_row(const struct feed *f, const struct feed_item *it, int idw, time_t now)
{
	char expires[40] = "-";
	const struct cap_alert *a = it->cap;
	if (a == NULL) {
		printf("%-*s  %-6s  %-9s  %-12s  %-25s  %-25s  %s\n", idw,
		    it->id[0] ? it->id : it->entry.cap_href ? it->entry.cap_href : "?",
		    "?", "?", "?", "?", "?", "broken");
		return;
	}
	const struct cap_info *in = cap_first_info(a);
	if (in->expires != 0)
		cap_format_time(in->expires, expires, sizeof(expires));
	char *areas = cap_geocode_list(in);
	printf("%-*s  %-6s  %-9s  %-12s  %-25s  %-25s  %s\n", idw, it->id, a->msg_type,
	    in->priority_param ? in->priority_param : "-", areas, a->sent_text, expires,
	    pub_item_state(f, it, now));
	free(areas);
}

static int
cmd_list_exec(int argc, char **argv)
{
	struct pub_opts o;
	char err[512];
	if (pub_parse_options(&cmd_list_entry, OPT_FEED, argc, argv, &o) != 0)
		return 1;
	if (o.help)
		return pub_help(&cmd_list_entry);
	if (o.feed == NULL)
		return pub_error("list", "--feed DIR is required");
	if (o.nargs != 0)
		return pub_error("list", "unexpected argument %s", o.args[0]);
	struct feed *f = feed_open(o.feed, err, sizeof(err));
	if (f == NULL)
		return pub_error("list", "%s", err);
	int idw = (int)strlen("IDENTIFIER");
	for (size_t i = 0; i < f->nitems; i++)
		if ((int)strlen(f->items[i].id) > idw)
			idw = (int)strlen(f->items[i].id);
	printf("%-*s  %-6s  %-9s  %-12s  %-25s  %-25s  %s\n", idw, "IDENTIFIER", "TYPE",
	    "PRIORITY", "AREAS", "SENT", "EXPIRES", "STATE");
	time_t now = time(NULL);
	for (size_t i = 0; i < f->nitems; i++)
		print_row(f, &f->items[i], idw, now);
	feed_close(f);
	return 0;
}

const struct pub_cmd cmd_list_entry = {
	.name = "list",
	.usage = "--feed DIR",
	.help = "Lists the bulletins in DIR/index.atom: identifier, type (Alert, Update,\n"
	    "Cancel), priority, areas, sent, expires and state (live, expired, cancelled).\n",
	.exec = cmd_list_exec,
};
