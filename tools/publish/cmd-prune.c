/* prune: drops expired and cancelled bulletins (and their files) once a
 * retention time has passed, so the feed and the stations' polls stay small. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "tools/publish/publish.h"

#define DEFAULT_KEEP "7d"

/* A bulletin goes keep after it ended: expired, or cancelled (its Cancel
 * goes with it, keep after it was sent). Broken entries are left for a human. */
static bool
is_due(const struct feed *f, const struct feed_item *it, time_t now, time_t keep)
{
	const struct cap_alert *a = it->cap;
	if (a == NULL)
		return false;
	if (strcmp(a->msg_type, "Cancel") == 0)
		return a->sent + keep <= now;
	const struct cap_alert *c = feed_cancel_of(f, it);
	if (c != NULL && c->sent + keep <= now)
		return true;
	time_t expires = cap_first_info(a)->expires;
	return expires != 0 && expires + keep <= now;
}

static void
remove_files(const char *dir, const char *id)
{
	/* Signature first: a message without one is never trusted. */
	char *paths[] = {
		xasprintf("%s/alerts/%s.xml.minisig", dir, id),
		xasprintf("%s/alerts/%s.xml", dir, id),
	};
	for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
		if (unlink(paths[i]) < 0 && errno != ENOENT)
			fprintf(stderr, "loaxa-publish: prune: cannot remove %s: %s\n", paths[i], strerror(errno));
		free(paths[i]);
	}
	/* The audio is ID.EXT, EXT after its content (mp3, wav, ogg, ...). */
	for (size_t i = 0; decoder_extensions[i] != NULL; i++) {
		char *audio = xasprintf("%s/audio/%s.%s", dir, id, decoder_extensions[i]);

		if (unlink(audio) < 0 && errno != ENOENT)
			fprintf(stderr, "loaxa-publish: prune: cannot remove %s: %s\n", audio, strerror(errno));
		free(audio);
	}
}

/* Messages replaced by an update are no longer listed but stations may
 * still be fetching them; their files go once they are older than keep. */
static size_t
remove_orphans(const struct feed *f, time_t now, time_t keep)
{
	char *alerts = xasprintf("%s/alerts", f->dir);
	DIR *d = opendir(alerts);
	size_t n = 0;
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0)
			continue;
		char *id = xstrdup(de->d_name);
		id[len - 4] = '\0';
		char *path = xasprintf("%s/%s", alerts, de->d_name);
		struct stat st;
		if (feed_id_is_safe(id) && feed_find((struct feed *)f, id) == NULL &&
		    stat(path, &st) == 0 && st.st_mtime + keep <= now) {
			remove_files(f->dir, id);
			printf("pruned %s (replaced)\n", id);
			n++;
		}
		free(path);
		free(id);
	}
	if (d != NULL)
		closedir(d);
	free(alerts);
	return n;
}

static int
prune(struct feed *f, time_t keep)
{
	char err[512];
	time_t now = time(NULL);
	size_t ndue = 0;
	bool *due = xcalloc(f->nitems + 1, sizeof(bool));
	/* Decide on the whole feed first: dropping a Cancel must not change
	 * the verdict on the bulletin it cancelled. */
	for (size_t i = 0; i < f->nitems; i++)
		if ((due[i] = is_due(f, &f->items[i], now, keep)))
			ndue++;
	char **ids = xcalloc(ndue + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = f->nitems; i-- > 0;) {
		if (!due[i])
			continue;
		ids[k++] = xstrdup(f->items[i].id);
		feed_remove(f, i);
	}
	free(due);
	int rc = 0;
	/* The index first: once it no longer lists them, the files can go. */
	if (ndue > 0 && feed_write_index(f, err, sizeof(err)) < 0) {
		rc = pub_error("prune", "%s", err);
	} else {
		for (size_t i = 0; i < ndue; i++) {
			remove_files(f->dir, ids[i]);
			printf("pruned %s\n", ids[i]);
		}
		size_t orphans = remove_orphans(f, now, keep);
		printf("%zu bulletin%s pruned, %zu listed\n", ndue + orphans,
		    ndue + orphans == 1 ? "" : "s", f->nitems);
	}
	for (size_t i = 0; i < ndue; i++)
		free(ids[i]);
	free(ids);
	return rc;
}

static int
cmd_prune_exec(int argc, char **argv)
{
	struct pub_opts o;
	char err[512];
	if (pub_parse_options(&cmd_prune_entry, OPT_FEED | OPT_KEEP, argc, argv, &o) != 0)
		return 1;
	if (o.help)
		return pub_help(&cmd_prune_entry);
	if (o.feed == NULL)
		return pub_error("prune", "--feed DIR is required");
	if (o.nargs != 0)
		return pub_error("prune", "unexpected argument %s", o.args[0]);
	long long keep = pub_parse_duration(o.keep ? o.keep : DEFAULT_KEEP);
	if (keep < 0)
		return pub_error("prune", "--keep %s: want a duration like 7d, 36h or 0", o.keep);
	struct stat st;
	if (stat(o.feed, &st) < 0)
		return pub_error("prune", "feed %s: %s", o.feed, strerror(errno));
	struct feed *f = feed_open(o.feed, err, sizeof(err));
	if (f == NULL)
		return pub_error("prune", "%s", err);
	int rc = prune(f, (time_t)keep);
	feed_close(f);
	return rc;
}

const struct pub_cmd cmd_prune_entry = {
	.name = "prune",
	.usage = "--feed DIR [--keep DURATION]",
	.help = "Drops from index.atom, and deletes the files of, bulletins that expired or\n"
	    "were cancelled more than --keep ago (default 7d), and files of messages\n"
	    "replaced by an update once older than --keep.\n",
	.exec = cmd_prune_exec,
};
