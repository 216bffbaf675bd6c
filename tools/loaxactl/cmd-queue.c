/* loaxactl queue: the bulletins waiting. */
#include <stdio.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static void
print_queue(const json_t *list)
{
	char t[32];
	const json_t *b;
	size_t i;

	if (json_array_size(list) == 0) {
		printf("No bulletins waiting.\n");
		return;
	}
	printf("%-10s %-10s %-19s  %s\n", "PRIORITY", "PLAYS LEFT", "EXPIRES", "BULLETIN");
	json_array_foreach(list, i, b) {
		char plays[24];
		snprintf(plays, sizeof(plays), "%lld of %lld",
		    (long long)json_integer_value(json_object_get(b, "plays_left")),
		    (long long)json_integer_value(json_object_get(b, "plays")));
		const char *title = json_string_value(json_object_get(b, "title"));
		printf("%-10s %-10s %-19s  %s%s%s%s%s\n",
		    json_string_value(json_object_get(b, "priority")), plays,
		    fmt_time(json_object_get(b, "expires"), t, sizeof(t)),
		    json_string_value(json_object_get(b, "identifier")),
		    title ? "  \"" : "", title ? title : "", title ? "\"" : "",
		    json_is_true(json_object_get(b, "test")) ? "  [test]" : "");
	}
}

/* The operator's notices still due today (they air after the bulletins). */
static void
print_notices(const json_t *list)
{
	const json_t *no;
	size_t i;

	if (json_array_size(list) == 0)
		return;
	printf("\nNotices still to air today:\n");
	printf("%4s  %-10s  %s\n", "ID", "PLAYS LEFT", "TITLE");
	json_array_foreach(list, i, no) {
		char plays[24];
		snprintf(plays, sizeof(plays), "%lld of %lld",
		    (long long)json_integer_value(json_object_get(no, "left_today")),
		    (long long)json_integer_value(json_object_get(no, "times")));
		printf("%4lld  %-10s  %s\n",
		    (long long)json_integer_value(json_object_get(no, "id")), plays,
		    json_string_value(json_object_get(no, "title")));
	}
}

static int
exec_queue(struct ctl_client *c, int argc, char **argv)
{
	json_t *reply;

	(void)argv;
	if (argc != 1)
		return client_usage(argv[0]);
	int rc = client_request(c, CTL_REQ_QUEUE, NULL, &reply);
	if (rc != EXIT_OK)
		return rc;
	print_queue(json_object_get(reply, "bulletins"));
	print_notices(json_object_get(reply, "notices"));
	json_decref(reply);
	return EXIT_OK;
}

const struct ctl_command cmd_queue = {
	.exec = exec_queue,
	.help = "Lists the bulletins waiting to air, in airing order: priority\n"
	    "(emergency, priority, normal), plays left of the plays asked for,\n"
	    "expiry in local time, CAP identifier and headline.",
};
