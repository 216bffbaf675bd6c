/* publish: a new bulletin (CAP Alert) with its audio. */
#include <stdio.h>

#include "tools/publish/publish.h"

static int
cmd_publish_exec(int argc, char **argv)
{
	struct pub_opts o;
	char err[512];
	if (pub_parse_options(&cmd_publish_entry, OPT_FEED | OPT_KEY | OPT_MESSAGE | OPT_NOTIFY, argc, argv, &o) != 0)
		return 1;
	if (o.help)
		return pub_help(&cmd_publish_entry);
	if (o.feed == NULL)
		return pub_error("publish", "--feed DIR is required");
	if (o.nargs > 1 || (o.nargs == 0 && o.text == NULL))
		return pub_error("publish", "give one AUDIO file, or --text for a bulletin stations "
		    "speak (got %d arguments)", o.nargs);
	struct feed *f = feed_open(o.feed, err, sizeof(err));
	if (f == NULL)
		return pub_error("publish", "%s", err);
	struct bulletin_spec spec = { .cmd = "publish", .opts = &o, .audio = o.nargs ? o.args[0] : NULL };
	int rc = pub_issue(&spec, f, "Alert");
	feed_close(f);
	if (rc == 0 && o.notify != NULL)
		rc = pub_notify("publish", o.notify, "index.atom");
	return rc;
}

const struct pub_cmd cmd_publish_entry = {
	.name = "publish",
	.usage = "--feed DIR --key PREFIX.key --area CODE[,CODE...] --priority normal|priority|emergency\n"
	    "    [--plays N] [--interval SECONDS] [--effective TIME] [--expires DURATION|TIME]\n"
	    "    [--title TEXT] [--sender NAME] [--language TAG] [--base-url URL]\n"
	    "    [--area-desc TEXT] [--geocode-name NAME] [--text TEXT] [--notify URL] [AUDIO]",
	.help = "Publishes a bulletin: checks that the audio decodes (MP3, WAV, OGG, Opus, M4A,\n"
	    "FLAC, ...), copies it to DIR/audio/ID.EXT (EXT and the CAP mimeType after its\n"
	    "content, never its name), writes the signed CAP message DIR/alerts/ID.xml(.minisig)\n"
	    "and lists it in DIR/index.atom. Prints the\n"
	    "new identifier on the last line.\n"
	    "  --priority   normal (in the slots' bulletins step), priority (first in the next\n"
	    "               slot), emergency (interrupts at once, even in quiet hours)\n"
	    "  --plays      how many times stations air it (default 1, emergencies 3)\n"
	    "  --interval   seconds between repeats (90s, 10m, 1h; default 300 when plays > 1)\n"
	    "  --effective  when airing may start: 2026-11-27T17:00:00+07:00 or a delay (30m)\n"
	    "  --expires    when airing stops: a time, or a duration from the start (90m, 6h,\n"
	    "               2d; default 24h)\n"
	    "  --sender     CAP sender (default: loaxa-KEYID)\n"
	    "  --language   the <info>'s language (default vi-VN); stations speak text in it\n"
	    "  --base-url   the feed folder's public URL: audio URIs become absolute, as other\n"
	    "               CAP consumers need (default: DIR/base_url if present, else relative)\n"
	    "  --area-desc  the areas in words, for people and other systems (default: the codes)\n"
	    "  --geocode-name  the codes' scheme, CAP valueName (default loaxa:area)\n"
	    "  --text       the bulletin's text (CAP description); without AUDIO stations\n"
	    "               speak the title and this text (libespeak-ng)\n"
	    "  --notify     once the files are in place, POST a wake-up to this push channel\n"
	    "               publisher URL (nchan) so subscribed stations poll at once\n",
	.exec = cmd_publish_exec,
};
