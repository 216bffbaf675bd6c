#include "collector/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "core/log.h"

static const char *const names[] = {
	"listen", "database", "users", "offline_after", "tls_cert", "tls_key", "language",
	"session_hours", "threads", "keep_heartbeats", "share", NULL,
};

static void
defaults(struct collector_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = xstrdup("0.0.0.0:8090");
	c->database = xstrdup("postgresql:///loaxa");
	c->users = xstrdup("/etc/loaxa/collector-users");
	c->offline_after_s = 180;
	c->tls_cert = xstrdup("");
	c->tls_key = xstrdup("");
	c->language = xstrdup("vi");
	c->session_hours = 12;
	c->threads = 8;
	c->keep_heartbeats_h = 48;
	c->share = xstrdup(LOAXA_SHARE_DIR);
}

static int
get_string(config_setting_t *root, const char *path, const char *name, char **out,
    char *err, size_t errlen)
{
	config_setting_t *s = config_setting_get_member(root, name);
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		snprintf(err, errlen, "%s:%d: '%s' must be a string in double quotes", path,
		    config_setting_source_line(s), name);
		return -1;
	}
	free(*out);
	*out = xstrdup(config_setting_get_string(s));
	return 0;
}

static int
get_int(config_setting_t *root, const char *path, const char *name, int min, int max,
    int *out, char *err, size_t errlen)
{
	config_setting_t *s = config_setting_get_member(root, name);
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT ||
	    config_setting_get_int(s) < min || config_setting_get_int(s) > max) {
		snprintf(err, errlen, "%s:%d: '%s' must be a whole number from %d to %d", path,
		    config_setting_source_line(s), name, min, max);
		return -1;
	}
	*out = config_setting_get_int(s);
	return 0;
}

int
collector_conf_load(struct collector_conf *c, const char *path, char *err, size_t errlen)
{
	config_t cf;

	defaults(c);
	config_init(&cf);
	if (config_read_file(&cf, path) != CONFIG_TRUE) {
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read the file", path);
		else
			snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cf),
			    config_error_text(&cf));
		config_destroy(&cf);
		return -1;
	}
	config_setting_t *root = config_root_setting(&cf);
	int rc = -1;
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		bool known = false;
		for (size_t k = 0; names[k] != NULL; k++)
			known = known || strcmp(names[k], config_setting_name(s)) == 0;
		if (!known) {
			snprintf(err, errlen, "%s:%d: unknown setting '%s' (known: listen, database, "
			    "users, offline_after, tls_cert, tls_key, language, session_hours, threads, "
			    "keep_heartbeats, share)", path, config_setting_source_line(s),
			    config_setting_name(s));
			goto out;
		}
	}
	if (get_string(root, path, "listen", &c->listen, err, errlen) < 0 ||
	    get_string(root, path, "database", &c->database, err, errlen) < 0 ||
	    get_string(root, path, "users", &c->users, err, errlen) < 0 ||
	    get_string(root, path, "tls_cert", &c->tls_cert, err, errlen) < 0 ||
	    get_string(root, path, "tls_key", &c->tls_key, err, errlen) < 0 ||
	    get_string(root, path, "language", &c->language, err, errlen) < 0 ||
	    get_string(root, path, "share", &c->share, err, errlen) < 0 ||
	    get_int(root, path, "offline_after", 2, 86400 * 30, &c->offline_after_s, err, errlen) < 0 ||
	    get_int(root, path, "session_hours", 1, 24 * 90, &c->session_hours, err, errlen) < 0 ||
	    get_int(root, path, "threads", 1, 256, &c->threads, err, errlen) < 0 ||
	    get_int(root, path, "keep_heartbeats", 1, 24 * 365, &c->keep_heartbeats_h, err, errlen) < 0)
		goto out;
	if (strcmp(c->language, "vi") != 0 && strcmp(c->language, "en") != 0) {
		config_setting_t *s = config_setting_get_member(root, "language");
		snprintf(err, errlen, "%s:%d: language must be \"vi\" or \"en\"", path,
		    s ? config_setting_source_line(s) : 0);
		goto out;
	}
	if ((c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0')) {
		snprintf(err, errlen, "%s: tls_cert and tls_key go together: set both or neither", path);
		goto out;
	}
	rc = 0;
out:
	config_destroy(&cf);
	return rc;
}

void
collector_conf_free(struct collector_conf *c)
{
	free(c->listen);
	free(c->database);
	free(c->users);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->language);
	free(c->share);
	memset(c, 0, sizeof(*c));
}
