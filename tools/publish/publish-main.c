/*
 * loaxa-publish: the district officer's tool for the provincial bulletin
 * feed. main() only dispatches; each command lives in its own cmd-*.c.
 */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "tools/publish/publish.h"

static const struct pub_cmd *const commands[] = {
	&cmd_keygen_entry,
	&cmd_publish_entry,
	&cmd_update_entry,
	&cmd_cancel_entry,
	&cmd_list_entry,
	&cmd_prune_entry,
	&cmd_notify_entry,
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: loaxa-publish COMMAND [OPTIONS] (loaxa-publish COMMAND --help)\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(out, "  %s %s\n", commands[i]->name, commands[i]->usage);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(argv[1], commands[i]->name) == 0)
			return commands[i]->exec(argc - 1, argv + 1);
	fprintf(stderr, "loaxa-publish: unknown command \"%s\" (try loaxa-publish --help)\n", argv[1]);
	return 2;
}
