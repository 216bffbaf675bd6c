/* cancel: withdraws a bulletin (signed CAP Cancel referencing it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/log.h"
#include "tools/publish/publish.h"

#define CANCEL_MIN_LIFETIME_S 3600

static char *
new_cancel_id(const char *of)
{
	unsigned char rnd[3];
	randombytes_buf(rnd, sizeof(rnd));
	return xasprintf("%.100s-cancel-%02x%02x%02x", of, rnd[0], rnd[1], rnd[2]);
}

/* The Cancel keeps the original's areas and priority so a station can tell
 * at a glance whether it concerns it; it carries no audio. */
static struct cap_alert *
build_cancel(const struct cap_alert *orig, const char *id, time_t now)
{
	char sent[40];
	struct cap_alert *c = xcalloc(1, sizeof(*c));
	cap_format_time(now, sent, sizeof(sent));
	c->identifier = xstrdup(id);
	c->sender = xstrdup(orig->sender);
	c->sent_text = xstrdup(sent);
	c->sent = now;
	c->status = xstrdup("Actual");
	c->msg_type = xstrdup("Cancel");
	c->scope = xstrdup("Public");
	c->refs = xcalloc(1, sizeof(*c->refs));
	c->nrefs = 1;
	c->refs[0] = (struct cap_ref){ xstrdup(orig->sender), xstrdup(orig->identifier),
		xstrdup(orig->sent_text) };
	const struct cap_info *o = cap_first_info(orig);
	struct cap_info *in = cap_add_info(c);
	in->language = o->language ? xstrdup(o->language) : NULL;
	in->urgency = xstrdup(o->urgency ? o->urgency : "Unknown");
	in->severity = xstrdup(o->severity ? o->severity : "Unknown");
	in->certainty = xstrdup(o->certainty ? o->certainty : "Unknown");
	in->headline = xasprintf("Cancelled: %s", o->headline ? o->headline : orig->identifier);
	in->priority_param = o->priority_param ? xstrdup(o->priority_param) : NULL;
	in->expires = o->expires > now + CANCEL_MIN_LIFETIME_S ? o->expires :
	    now + CANCEL_MIN_LIFETIME_S;
	cap_copy_areas(in, o);
	return c;
}

static int
cancel(struct feed *f, const struct pub_opts *o)
{
	char err[512];
	size_t len;
	struct minisign_seckey sk;
	const char *target = o->args[0];
	const struct feed_item *it = feed_find(f, target);

	if (it == NULL || it->cap == NULL)
		return pub_error("cancel", "unknown ID %s: not listed in %s/index.atom", target, o->feed);
	if (strcmp(it->cap->msg_type, "Cancel") == 0)
		return pub_error("cancel", "%s is itself a cancellation", target);
	if (feed_is_cancelled(f, it))
		return pub_error("cancel", "%s is already cancelled", target);
	if (pub_load_key("cancel", o->key, &sk) != 0)
		return 1;

	char *id = new_cancel_id(it->id);
	struct cap_alert *c = build_cancel(it->cap, id, time(NULL));
	char *title = xstrdup(cap_first_info(c)->headline);
	char *xml = cap_build(c, &len);
	int rc = feed_prepare_dirs(f, "cancel");
	if (rc == 0 && feed_write_signed_cap(f, id, xml, len, &sk, err, sizeof(err)) < 0)
		rc = pub_error("cancel", "%s", err);
	free(xml);
	sodium_memzero(&sk, sizeof(sk));
	if (rc != 0) {
		cap_free(c);
		free(title);
		free(id);
		return rc;
	}
	/* The original stays listed (stations that missed the Cancel still
	 * learn of both) until prune drops the pair. */
	feed_add(f, xstrdup(id), title, c);
	if (feed_write_index(f, err, sizeof(err)) < 0)
		rc = pub_error("cancel", "%s", err);
	else
		printf("cancelled %s: alerts/%s.xml\n%s\n", target, id, id);
	free(id);
	return rc;
}

static int
cmd_cancel_exec(int argc, char **argv)
{
	struct pub_opts o;
	char err[512];
	if (pub_parse_options(&cmd_cancel_entry, OPT_FEED | OPT_KEY | OPT_NOTIFY, argc, argv, &o) != 0)
		return 1;
	if (o.help)
		return pub_help(&cmd_cancel_entry);
	if (o.feed == NULL)
		return pub_error("cancel", "--feed DIR is required");
	if (o.nargs != 1)
		return pub_error("cancel", "give the ID of the bulletin to cancel");
	struct feed *f = feed_open(o.feed, err, sizeof(err));
	if (f == NULL)
		return pub_error("cancel", "%s", err);
	int rc = cancel(f, &o);
	feed_close(f);
	if (rc == 0 && o.notify != NULL)
		rc = pub_notify("cancel", o.notify, "index.atom");
	return rc;
}

const struct pub_cmd cmd_cancel_entry = {
	.name = "cancel",
	.usage = "--feed DIR --key PREFIX.key [--notify URL] ID",
	.help = "Withdraws bulletin ID: publishes a signed CAP Cancel referencing it. Stations\n"
	    "drop it from their queues (one already on air finishes). Both stay listed in\n"
	    "index.atom until prune. Prints the Cancel's identifier on the last line.\n",
	.exec = cmd_cancel_exec,
};
