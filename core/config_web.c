#include "core/config_web.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"

const char *const config_web_names[] = { "listen", "users", "tls_cert", "tls_key",
	"language", "session_hours", "uploads", NULL };

void
config_web_defaults(struct config *cfg)
{
	cfg->web.listen = xstrdup(CONFIG_WEB_LISTEN);
	cfg->web.users = xstrdup(CONFIG_WEB_USERS);
	cfg->web.tls_cert = xstrdup("");
	cfg->web.tls_key = xstrdup("");
	cfg->web.language = xstrdup("vi");
	cfg->web.session_hours = CONFIG_WEB_SESSION_H;
	cfg->web.uploads = xstrdup(CONFIG_WEB_UPLOADS);
}

void
config_web_free(struct config *cfg)
{
	free(cfg->web.listen);
	free(cfg->web.users);
	free(cfg->web.tls_cert);
	free(cfg->web.tls_key);
	free(cfg->web.language);
	free(cfg->web.uploads);
}

int
config_web_parse(struct confread *p, const config_setting_t *root)
{
	struct config *cfg = p->cfg;
	const config_setting_t *w;
	const char *where = "group 'web'";

	if (confread_opt_group(p, root, "web", &w) < 0)
		return -1;
	if (w == NULL)
		return 0;
	confread_check_members(p, w, config_web_names, "in group 'web'");
	if (confread_opt_string(p, w, "listen", where, &cfg->web.listen) < 0 ||
	    confread_opt_string(p, w, "users", where, &cfg->web.users) < 0 ||
	    confread_opt_string(p, w, "tls_cert", where, &cfg->web.tls_cert) < 0 ||
	    confread_opt_string(p, w, "tls_key", where, &cfg->web.tls_key) < 0 ||
	    confread_opt_string(p, w, "language", where, &cfg->web.language) < 0 ||
	    confread_opt_string(p, w, "uploads", where, &cfg->web.uploads) < 0)
		return -1;
	/* Hours, a fraction allowed (tests see a session expire in seconds). */
	const config_setting_t *h = config_setting_get_member(w, "session_hours");
	if (h != NULL) {
		int t = config_setting_type(h);
		double v = t == CONFIG_TYPE_INT ? config_setting_get_int(h) :
		    t == CONFIG_TYPE_FLOAT ? config_setting_get_float(h) : -1;
		if (!(v > 0 && v <= 24 * 30))
			return confread_fail(p, h, "session_hours must be a number of hours "
			    "above 0 and at most 720");
		cfg->web.session_hours = v;
	}
	if (strcmp(cfg->web.language, "vi") != 0 && strcmp(cfg->web.language, "en") != 0)
		return confread_fail(p, config_setting_get_member(w, "language"),
		    "language must be \"vi\" or \"en\", not '%s'", cfg->web.language);
	if ((cfg->web.tls_cert[0] == '\0') != (cfg->web.tls_key[0] == '\0'))
		return confread_fail(p, w, "tls_cert and tls_key go together: give both "
		    "for HTTPS, or neither");
	confread_resolve_in_place(p, &cfg->web.users);
	confread_resolve_in_place(p, &cfg->web.uploads);
	if (cfg->web.tls_cert[0]) {
		confread_resolve_in_place(p, &cfg->web.tls_cert);
		confread_resolve_in_place(p, &cfg->web.tls_key);
	}
	return 0;
}
