#include "web/i18n.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/log.h"

struct web_i18n {
	char lang[8];
	json_t *texts;	/* key -> text, the served language over Vietnamese */
};

/* Merges ROOT/i18n/LANG.json into texts (its keys win); a missing file is
 * fine (a root may have no texts of its own). */
static int
merge_file(json_t *texts, const char *root, const char *lang, char *err, size_t errlen)
{
	char path[4096];
	json_error_t jerr;

	snprintf(path, sizeof(path), "%s/i18n/%s.json", root, lang);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	json_t *obj = json_load_file(path, 0, &jerr);
	if (!json_is_object(obj)) {
		if (obj == NULL)
			snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		else
			snprintf(err, errlen, "%s: not a JSON object of texts", path);
		json_decref(obj);
		return -1;
	}
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		if (!json_is_string(v)) {
			snprintf(err, errlen, "%s: the text of '%s' is not a string", path, key);
			json_decref(obj);
			return -1;
		}
		json_object_set(texts, key, v);
	}
	json_decref(obj);
	return 0;
}

struct web_i18n *
web_i18n_load(const char *const *roots, const char *lang, char *err, size_t errlen)
{
	if (strcmp(lang, "vi") != 0 && strcmp(lang, "en") != 0) {
		snprintf(err, errlen, "language '%s' is not available (vi or en)", lang);
		return NULL;
	}
	struct web_i18n *c = xcalloc(1, sizeof(*c));
	size_t n = 0;

	snprintf(c->lang, sizeof(c->lang), "%s", lang);
	c->texts = json_object();
	while (roots[n] != NULL)
		n++;
	/* Vietnamese under everything, then the language; web/'s texts under
	 * the program's, so the last merged (the program's) win. */
	const char *pass[2] = { "vi", strcmp(lang, "vi") == 0 ? NULL : lang };
	for (int p = 0; p < 2; p++) {
		if (pass[p] == NULL)
			continue;
		for (size_t i = n; i-- > 0;)
			if (merge_file(c->texts, roots[i], pass[p], err, errlen) < 0) {
				web_i18n_free(c);
				return NULL;
			}
	}
	return c;
}

void
web_i18n_free(struct web_i18n *c)
{
	if (c == NULL)
		return;
	json_decref(c->texts);
	free(c);
}

const char *
web_i18n_get(const struct web_i18n *c, const char *key)
{
	const char *s = json_string_value(json_object_get(c->texts, key));
	return s != NULL ? s : key;
}

const char *
web_i18n_lang(const struct web_i18n *c)
{
	return c->lang;
}
