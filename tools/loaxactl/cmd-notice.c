/* loaxactl notice: the operator's own notices (list, add, edit, pause,
 * resume, delete), kept and aired by loaxad. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static void
print_list(const json_t *reply)
{
	const json_t *list = json_object_get(reply, "notices");
	const json_t *no;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("No notices. Add one with: loaxactl notice add TITLE --file FILE\n");
		return;
	}
	printf("%4s  %-10s  %-10s  %-8s  %-9s  %-6s  %s\n", "ID", "FIRST", "LAST",
	    "A DAY", "TODAY", "STATE", "TITLE");
	json_array_foreach(list, i, no) {
		char aday[16], today[24];
		snprintf(aday, sizeof(aday), "%lld", (long long)json_integer_value(
		    json_object_get(no, "times")));
		snprintf(today, sizeof(today), "%lld aired",
		    (long long)json_integer_value(json_object_get(no, "aired_today")));
		printf("%4lld  %-10s  %-10s  %-8s  %-9s  %-6s  %s%s\n",
		    (long long)json_integer_value(json_object_get(no, "id")),
		    json_string_value(json_object_get(no, "first")),
		    json_string_value(json_object_get(no, "last")), aday, today,
		    json_is_true(json_object_get(no, "paused")) ? "paused" : "on",
		    json_string_value(json_object_get(no, "title")),
		    json_is_string(json_object_get(no, "text")) ? "  (spoken text)" : "");
	}
}

/* Options of add and edit into args; -1 on a usage error. */
static int
parse_options(int argc, char **argv, json_t *args)
{
	static const struct option opts[] = {
		{ "title", required_argument, NULL, 'T' },
		{ "file", required_argument, NULL, 'f' },
		{ "text", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'L' },
		{ "times", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATH_MAX], *end;
	long n;
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'T':
			json_object_set_new(args, "title", json_string(optarg));
			break;
		case 'f':
			/* The daemon copies the file: give it a path it can open. */
			if (realpath(optarg, path) == NULL) {
				fprintf(stderr, "loaxactl: cannot find %s\n", optarg);
				return -1;
			}
			json_object_set_new(args, "file", json_string(path));
			break;
		case 't':
			json_object_set_new(args, "text", json_string(optarg));
			break;
		case 'F':
			json_object_set_new(args, "first", json_string(optarg));
			break;
		case 'L':
			json_object_set_new(args, "last", json_string(optarg));
			break;
		case 'n':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > 1000)
				return -1;
			json_object_set_new(args, "times", json_integer(n));
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int
exec_notice(struct ctl_client *c, int argc, char **argv)
{
	const char *action = argc > 1 ? argv[1] : "list";
	json_t *args = json_pack("{s:s}", "action", action);
	json_t *reply = NULL;
	int rc;

	if (strcmp(action, "list") == 0) {
		if (argc > 2)
			goto usage;
	} else if (strcmp(action, "add") == 0) {
		/* loaxactl notice add TITLE [options] */
		if (argc < 3 || argv[2][0] == '-')
			goto usage;
		json_object_set_new(args, "title", json_string(argv[2]));
		if (parse_options(argc - 2, argv + 2, args) < 0 || optind != argc - 2)
			goto usage;
	} else if (strcmp(action, "edit") == 0 || strcmp(action, "pause") == 0 ||
	    strcmp(action, "resume") == 0 || strcmp(action, "delete") == 0) {
		char *end;
		long id = argc > 2 ? strtol(argv[2], &end, 10) : 0;
		if (argc < 3 || *end != '\0' || id < 1)
			goto usage;
		json_object_set_new(args, "id", json_integer(id));
		if (strcmp(action, "edit") == 0) {
			if (parse_options(argc - 2, argv + 2, args) < 0 || optind != argc - 2)
				goto usage;
		} else if (argc != 3) {
			goto usage;
		}
	} else {
		goto usage;
	}
	rc = client_request(c, CTL_REQ_NOTICE, args, &reply);
	json_decref(args);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(action, "list") == 0) {
		print_list(reply);
	} else {
		const json_t *no = json_object_get(reply, "notice");
		long long id = json_integer_value(json_object_get(no, "id"));
		if (strcmp(action, "add") == 0)
			printf("Notice %lld added: \"%s\", %s to %s, %lld a day.\n", id,
			    json_string_value(json_object_get(no, "title")),
			    json_string_value(json_object_get(no, "first")),
			    json_string_value(json_object_get(no, "last")),
			    (long long)json_integer_value(json_object_get(no, "times")));
		else
			printf("Notice %s: %s.\n", argv[2], strcmp(action, "edit") == 0 ?
			    "changed" : strcmp(action, "pause") == 0 ? "paused" :
			    strcmp(action, "resume") == 0 ? "on again" : "deleted");
	}
	json_decref(reply);
	return EXIT_OK;
usage:
	json_decref(args);
	return client_usage(argv[0]);
}

const struct ctl_command cmd_notice = {
	.exec = exec_notice,
	.help = "The operator's own notices (thong bao): a recording (--file, any common\n"
	    "audio format; loaxad keeps a copy) or a text to speak (--text), aired\n"
	    "in the bulletins steps of the slots after the province's bulletins,\n"
	    "--times a day (default 1) from --from to --to (YYYY-MM-DD, default\n"
	    "today only). pause stops a notice airing until resume; list shows\n"
	    "each notice with its airings today.",
};
