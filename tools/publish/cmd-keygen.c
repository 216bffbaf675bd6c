/* keygen: a minisign key pair for a district officer. */
#include <stdio.h>
#include <unistd.h>

#include "bulletins/minisign.h"
#include "tools/publish/publish.h"

static int
cmd_keygen_exec(int argc, char **argv)
{
	struct pub_opts o;
	char err[512];
	if (pub_parse_options(&cmd_keygen_entry, 0, argc, argv, &o) != 0)
		return 1;
	if (o.help)
		return pub_help(&cmd_keygen_entry);
	if (o.nargs != 1 || o.args[0][0] == '\0')
		return pub_error("keygen", "give one PREFIX (writes PREFIX.pub and PREFIX.key)");
	const char *prefix = o.args[0];
	char pub[4096], key[4096];
	snprintf(pub, sizeof(pub), "%s.pub", prefix);
	snprintf(key, sizeof(key), "%s.key", prefix);
	/* Overwriting a key would orphan every station that trusts it. */
	if (access(pub, F_OK) == 0 || access(key, F_OK) == 0)
		return pub_error("keygen", "%s.pub or %s.key already exists; not overwriting", prefix, prefix);
	if (minisign_keygen(prefix, err, sizeof(err)) < 0)
		return pub_error("keygen", "%s", err);
	printf("secret key: %s (keep it on this machine only)\npublic key: %s (give it to the stations)\n",
	    key, pub);
	return 0;
}

const struct pub_cmd cmd_keygen_entry = {
	.name = "keygen",
	.usage = "PREFIX",
	.help = "Makes a minisign key pair: PREFIX.key (secret, mode 0600, unencrypted: keep it\n"
	    "on the officer's machine) and PREFIX.pub (install it on the stations). The\n"
	    "standard minisign tool reads both files.\n",
	.exec = cmd_keygen_exec,
};
