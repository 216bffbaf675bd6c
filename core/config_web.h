/*
 * config_web: the `web` group of loaxa.conf, read by loaxa-web (the
 * operator's console) and checked by loaxad like every other group. Owns its
 * settings' names, defaults and checks.
 */
#ifndef LOAXA_CONFIG_WEB_H
#define LOAXA_CONFIG_WEB_H

#include "core/confread.h"

#define CONFIG_WEB_LISTEN	"0.0.0.0:8080"
#define CONFIG_WEB_USERS	"/etc/loaxa/web-users"
#define CONFIG_WEB_UPLOADS	"/var/lib/loaxa-web/uploads"
#define CONFIG_WEB_SESSION_H	12

/* The group's settings, for the misplaced-setting check. */
extern const char *const config_web_names[];

void config_web_defaults(struct config *cfg);
void config_web_free(struct config *cfg);
/* Reads the group if root has one; 0, or -1 with the refusal in p. */
int config_web_parse(struct confread *p, const config_setting_t *root);

#endif
