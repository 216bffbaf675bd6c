/* loaxactl log: reads the as-played log files directly (no daemon needed). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/playedlog.h"
#include "tools/loaxactl/loaxactl.h"

static const char *const results[] = {
	"completed", "cut", "interrupted", "failed", "skipped",
};

struct log_view {
	const char *slot, *result;
	bool json;
	char day[16];		/* the day being printed */
	size_t items, failures, total;
	double on_air_s;
};

static void
end_day(struct log_view *v)
{
	if (v->day[0] == '\0')
		return;
	printf("  -- %s: %zu item%s, %.1f min on air, %zu failure%s\n\n", v->day,
	    v->items, v->items == 1 ? "" : "s", v->on_air_s / 60.0, v->failures,
	    v->failures == 1 ? "" : "s");
	v->items = v->failures = 0;
	v->on_air_s = 0;
}

static void
print_line(const json_t *obj, struct log_view *v)
{
	char day[16], clock[16], dur[16], wday[16];
	time_t start = iso_to_time(json_object_get(obj, "start"));
	struct tm tm;
	const char *result = json_string_value(json_object_get(obj, "result"));
	const char *reason = json_string_value(json_object_get(obj, "reason"));
	const char *slot = json_string_value(json_object_get(obj, "slot"));
	const char *bulletin = json_string_value(json_object_get(obj, "bulletin"));
	double played = json_number_value(json_object_get(obj, "played_s"));

	localtime_r(&start, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	strftime(wday, sizeof(wday), "%A", &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	if (strcmp(day, v->day) != 0) {
		end_day(v);
		snprintf(v->day, sizeof(v->day), "%s", day);
		printf("%s %s\n", day, wday);
	}
	printf("  %s  %8s  %-12s %-9s %-11s %s", clock,
	    fmt_duration(played, dur, sizeof(dur)), slot ? slot : "(no slot)",
	    json_string_value(json_object_get(obj, "kind")), result ? result : "?",
	    json_string_value(json_object_get(obj, "source")));
	if (bulletin != NULL)
		printf(" [bulletin %s, %s]", bulletin,
		    json_string_value(json_object_get(obj, "priority")));
	if (reason != NULL)
		printf(" (reason: %s)", reason);
	printf("\n");
	v->items++;
	v->on_air_s += played;
	if (result != NULL && strcmp(result, "failed") == 0)
		v->failures++;
}

static void
on_line(const char *line, const json_t *obj, void *ctx)
{
	struct log_view *v = ctx;
	const json_t *slot = json_object_get(obj, "slot");
	const char *result = json_string_value(json_object_get(obj, "result"));

	if (v->slot != NULL && (!json_is_string(slot) ||
	    strcmp(json_string_value(slot), v->slot) != 0))
		return;
	if (v->result != NULL && (result == NULL || strcmp(result, v->result) != 0))
		return;
	v->total++;
	if (v->json)
		printf("%s\n", line);	/* exactly as stored */
	else
		print_line(obj, v);
}

static bool
known_result(const char *r)
{
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++)
		if (strcmp(results[i], r) == 0)
			return true;
	return false;
}

static int
exec_log(struct ctl_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },
		{ "slot", required_argument, NULL, 'n' },
		{ "result", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct log_view v = { 0 };
	time_t since = 0, until = 0;
	const char *file = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		time_t *t = opt == 'S' ? &since : opt == 'U' ? &until : NULL;
		if (t != NULL && parse_user_time(optarg, t) < 0) {
			fprintf(stderr, "loaxactl: log: cannot read the time \"%s\" (use "
			    "YYYY-MM-DD, \"YYYY-MM-DD HH:MM\", HH:MM, today, yesterday "
			    "or 3h/2d ago)\n", optarg);
			return EXIT_USAGE;
		}
		if (opt == 'n')
			v.slot = optarg;
		else if (opt == 'r')
			v.result = optarg;
		else if (opt == 'j')
			v.json = true;
		else if (opt == 'f')
			file = optarg;
		else if (t == NULL)
			return client_usage(argv[0]);
	}
	if (optind != argc)
		return client_usage(argv[0]);
	if (v.result != NULL && !known_result(v.result)) {
		fprintf(stderr, "loaxactl: log: --result is one of completed, cut, "
		    "interrupted, failed, skipped\n");
		return EXIT_USAGE;
	}
	char *path = file ? strdup(file) : client_played_log_path(c);
	if (path == NULL)
		return EXIT_REFUSED;
	char err[512];
	size_t bad = 0;
	int r = playedlog_read(path, since, until, on_line, &v, &bad, err, sizeof(err));
	free(path);
	if (r < 0) {
		fprintf(stderr, "loaxactl: log: %s\n", err);
		return EXIT_REFUSED;
	}
	if (!v.json) {
		end_day(&v);
		if (v.total == 0)
			printf("No items in the as-played log%s.\n",
			    since || until || v.slot || v.result ? " match" : "");
	}
	if (bad > 0)
		fprintf(stderr, "loaxactl: log: %zu line%s that are not as-played "
		    "records skipped\n", bad, bad == 1 ? "" : "s");
	return EXIT_OK;
}

const struct ctl_command cmd_log = {
	.exec = exec_log,
	.help = "Shows what went on air from the as-played log (paths.played_log),\n"
	    "across its rotated files, in time order: local start time, duration\n"
	    "on air, slot, kind, result, source and the reason of failures and\n"
	    "skips, with a summary line per day (items, minutes on air,\n"
	    "failures). It reads the files directly: loaxad need not run.\n"
	    "\n"
	    "  --since TIME, --until TIME  items that started in [since, until);\n"
	    "      TIME is YYYY-MM-DD, \"YYYY-MM-DD HH:MM[:SS]\", HH:MM (today),\n"
	    "      today, yesterday, Nd / Nh / Nm (ago) or ISO 8601\n"
	    "  --slot NAME   only that slot's items\n"
	    "  --result R    completed, cut, interrupted, failed or skipped\n"
	    "  --json        the stored JSON lines, unchanged\n"
	    "  --file PATH   another log than the config's",
};
