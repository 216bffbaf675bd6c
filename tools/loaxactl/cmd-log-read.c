/* loaxactl log-read [DATE] [--kind K] [--result R]: a day of the as-played
 * log as loaxad reads it (for users who may not read the log file; loaxa-web
 * uses the same request). Prints the stored JSON lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static int
exec_log_read(struct ctl_client *c, int argc, char **argv)
{
	json_t *args = json_object();
	json_int_t offset = 0, total = 1;
	int rc = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--kind") == 0 || strcmp(argv[i], "--result") == 0) &&
		    i + 1 < argc) {
			json_object_set_new(args, argv[i] + 2, json_string(argv[i + 1]));
			i++;
		} else if (argv[i][0] != '-' && json_object_get(args, "date") == NULL) {
			json_object_set_new(args, "date", json_string(argv[i]));
		} else {
			json_decref(args);
			return client_usage(argv[0]);
		}
	}
	/* The daemon answers a page at a time. */
	while (rc == EXIT_OK && offset < total) {
		json_t *reply;
		json_object_set_new(args, "offset", json_integer(offset));
		rc = client_request(c, CTL_REQ_LOG_READ, args, &reply);
		if (rc != EXIT_OK)
			break;
		const json_t *e;
		size_t i;
		json_array_foreach(json_object_get(reply, "entries"), i, e) {
			char *line = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
			printf("%s\n", line ? line : "{}");
			free(line);
		}
		total = json_integer_value(json_object_get(reply, "total"));
		size_t n = json_array_size(json_object_get(reply, "entries"));
		offset += (json_int_t)n;
		if (n == 0)
			offset = total;
		json_decref(reply);
	}
	json_decref(args);
	return rc;
}

const struct ctl_command cmd_log_read = {
	.exec = exec_log_read,
	.help = "Prints one local day (DATE as YYYY-MM-DD, default today) of the\n"
	    "as-played log as loaxad reads it, one JSON object per line, optionally\n"
	    "only one kind (notice, bulletin, file ...) or result (completed, failed\n"
	    "...). Unlike log, it needs no access to the log file, only to the socket.",
};
