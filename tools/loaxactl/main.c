/* loaxactl [-c CONFIG | -s SOCKET] COMMAND [ARGS]: talks to loaxad. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/protocol.h"
#include "core/config.h"
#include "core/util.h"
#include "tools/loaxactl/loaxactl.h"

/* Each command's implementation, in the order of ctl_commands (both come
 * from CTL_COMMANDS). */
#define IMPL_REQ_(code, CONST, id, name, usage) &cmd_##id,
#define IMPL_CLIENT_(id, name, usage) &cmd_##id,
static const struct ctl_command *const impls[] = {
	CTL_COMMANDS(IMPL_REQ_, IMPL_CLIENT_)
};

static void
print_help(FILE *out)
{
	fprintf(out,
	    "usage: loaxactl [-c CONFIG | -s SOCKET] COMMAND [ARGS]\n"
	    "\n"
	    "Talks to loaxad, the loaxa broadcast daemon, through its control socket\n"
	    "(paths.socket in the config, default %s).\n"
	    "\n"
	    "  -c CONFIG   the daemon's config (default %s)\n"
	    "  -s SOCKET   the control socket, instead of the config's\n"
	    "  -h, --help  this text; `loaxactl COMMAND --help` explains a command\n"
	    "  -V          the version\n"
	    "\n"
	    "commands:\n", CONFIG_DEFAULT_SOCKET, CONFIG_DEFAULT_PATH);
	for (size_t i = 0; i < ctl_ncommands; i++) {
		char line[128];
		snprintf(line, sizeof(line), "%s %s", ctl_commands[i].name,
		    ctl_commands[i].usage);
		fprintf(out, "  %s\n", line);
	}
	fprintf(out, "\nexit status: 0 done, 1 refused or failed, 2 usage, "
	    "3 loaxad not running, 4 no permission on the socket\n");
}

static void
print_command_help(size_t i)
{
	const struct ctl_command_desc *d = &ctl_commands[i];

	printf("usage: loaxactl %s%s%s\n\n%s\n", d->name, d->usage[0] ? " " : "",
	    d->usage, impls[i]->help);
}

/* The index of the command called name in ctl_commands; -1 if none. */
static ptrdiff_t
find_command(const char *name)
{
	const struct ctl_command_desc *d = ctl_command_find(name);

	return d != NULL ? d - ctl_commands : -1;
}

static bool
wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_client c = { .config_path = CONFIG_DEFAULT_PATH };
	const char *env = getenv("LOAXA_CONFIG");
	int opt;

	if (env != NULL && env[0] != '\0') {
		c.config_path = env;
		c.config_explicit = true;
	}
	/* "+": options stop at the command, whose own options follow it. */
	while ((opt = getopt_long(argc, argv, "+c:s:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			c.config_path = optarg;
			c.config_explicit = true;
			break;
		case 's':
			c.socket_path = optarg;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		case 'V':
			printf("loaxactl %s (control protocol %u)\n", LOAXA_VERSION,
			    CTL_PROTOCOL_VERSION);
			return EXIT_OK;
		default:
			print_help(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	ptrdiff_t cmd = find_command(argv[optind]);
	if (cmd < 0) {
		fprintf(stderr, "loaxactl: unknown command \"%s\" (loaxactl --help "
		    "lists them)\n", argv[optind]);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (wants_help(argc, argv)) {
		print_command_help((size_t)cmd);
		return EXIT_OK;
	}
	optind = 1;	/* the command parses its own options from argv[0] */
	return impls[cmd]->exec(&c, argc, argv);
}
