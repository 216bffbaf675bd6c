/* loaxactl status */
#include <stdio.h>
#include <time.h>

#include "control/protocol.h"
#include "tools/loaxactl/loaxactl.h"

static void
print_on_air(const json_t *r)
{
	char a[32], b[32], d1[32], d2[32];
	const json_t *slot = json_object_get(r, "slot");
	const json_t *item = json_object_get(r, "item");

	if (json_is_object(slot))
		printf("Slot        %s (%s to %s)\n",
		    json_string_value(json_object_get(slot, "name")),
		    fmt_clock(json_object_get(slot, "start"), a, sizeof(a)),
		    fmt_clock(json_object_get(slot, "end"), b, sizeof(b)));
	else
		printf("Slot        none on air\n");
	if (!json_is_object(item)) {
		printf("On air      nothing\n");
		return;
	}
	double elapsed = json_number_value(json_object_get(item, "elapsed_s"));
	const json_t *jlen = json_object_get(item, "length_s");
	printf("On air      %s %s\n", json_string_value(json_object_get(item, "kind")),
	    json_string_value(json_object_get(item, "source")) ?: "");
	if (json_is_number(jlen))
		printf("            %s elapsed, %s remaining\n",
		    fmt_duration(elapsed, d1, sizeof(d1)),
		    fmt_duration(json_number_value(jlen) - elapsed, d2, sizeof(d2)));
	else
		printf("            %s elapsed\n", fmt_duration(elapsed, d1, sizeof(d1)));
}

static void
print_feeds(const json_t *feeds)
{
	char t[32];
	size_t i;
	const json_t *f;

	if (!json_is_array(feeds)) {
		printf("Feeds       (not reported by this loaxad)\n");
		return;
	}
	if (json_array_size(feeds) == 0)
		printf("Feeds       none configured\n");
	json_array_foreach(feeds, i, f) {
		printf("%s %s\n", i == 0 ? "Feeds      " : "           ",
		    json_string_value(json_object_get(f, "url")));
		printf("              last fetch %s: %s\n",
		    fmt_time(json_object_get(f, "last_fetch"), t, sizeof(t)),
		    json_string_value(json_object_get(f, "outcome")) ?: "never fetched");
	}
}

static void
print_uptime(const json_t *r)
{
	char t[32];
	long up = (long)json_integer_value(json_object_get(r, "uptime_s"));

	printf("Uptime      ");
	if (up >= 86400)
		printf("%ld d ", up / 86400);
	printf("%02ld:%02ld:%02ld (since %s), loaxad %s\n", up / 3600 % 24,
	    up / 60 % 60, up % 60, fmt_time(json_object_get(r, "started_at"), t, sizeof(t)),
	    json_string_value(json_object_get(r, "version")));
}

/* A clock days behind would air what expired meanwhile: say it plainly. */
static void
print_clock(const json_t *r)
{
	const json_t *clock = json_object_get(r, "clock");
	char a[32], b[32];

	if (!json_is_object(clock))
		return;
	if (!json_is_false(json_object_get(clock, "trusted"))) {
		printf("Clock       ok\n");
		return;
	}
	printf("Clock       NOT TRUSTED: it reads %s, but %s says it is at least %s; "
	    "bulletins expire by that time. Check NTP and the real-time clock.\n",
	    fmt_time(json_object_get(r, "now"), a, sizeof(a)),
	    json_string_value(json_object_get(clock, "evidence")) ?: "what the station knows",
	    fmt_time(json_object_get(clock, "latest_known"), b, sizeof(b)));
}

static void
print_status(const json_t *r)
{
	char t[32];
	const json_t *next = json_object_get(r, "next_slot");
	const json_t *dev = json_object_get(r, "device");
	const json_t *waiting = json_object_get(r, "bulletins_waiting");

	print_on_air(r);
	if (json_is_object(next))
		printf("Next slot   %s at %s\n", json_string_value(json_object_get(next, "name")),
		    fmt_time(json_object_get(next, "start"), t, sizeof(t)));
	else
		printf("Next slot   none in the next 8 days\n");
	if (json_is_integer(waiting))
		printf("Bulletins   %lld waiting\n", (long long)json_integer_value(waiting));
	else
		printf("Bulletins   (queue not reported by this loaxad)\n");
	print_feeds(json_object_get(r, "feeds"));
	if (json_is_true(json_object_get(dev, "ok")))
		printf("Sound card  %s: ok, %lld underruns\n",
		    json_string_value(json_object_get(dev, "name")),
		    (long long)json_integer_value(json_object_get(dev, "underruns")));
	else
		printf("Sound card  %s: FAILING: %s\n",
		    json_string_value(json_object_get(dev, "name")),
		    json_string_value(json_object_get(dev, "error")) ?: "unknown error");
	printf("Volume      %lld\n", (long long)json_integer_value(json_object_get(r, "volume")));
	printf("Mute        %s\n", json_is_true(json_object_get(r, "muted_all")) ?
	    "on, emergencies too (mute --all)" :
	    json_is_true(json_object_get(r, "muted")) ? "on (emergencies still air)" : "off");
	print_clock(r);
	print_uptime(r);
}

static int
exec_status(struct ctl_client *c, int argc, char **argv)
{
	json_t *reply;

	(void)argv;
	if (argc != 1)
		return client_usage(argv[0]);
	int rc = client_request(c, CTL_REQ_STATUS, NULL, &reply);
	if (rc != EXIT_OK)
		return rc;
	print_status(reply);
	json_decref(reply);
	return EXIT_OK;
}

const struct ctl_command cmd_status = {
	.exec = exec_status,
	.help = "Shows what is on air (slot, item, elapsed and remaining time), the next\n"
	    "slot, the bulletins waiting, each feed's last fetch and its outcome, the\n"
	    "sound card, the volume, mute, whether the station can trust its clock and\n"
	    "the daemon's uptime.",
};
