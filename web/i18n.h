/*
 * i18n: the consoles' message catalogue. Owns the texts a page or an
 * answer shows, by key, in the served language: Vietnamese first, English
 * as the alternative. Catalogues are JSON objects of "key": "text" in
 * ROOT/i18n/vi.json and ROOT/i18n/en.json for each web root (web/ for the
 * shared texts, the program's own folder for its texts); a key missing in
 * English falls back to Vietnamese, a key missing everywhere shows as
 * itself (so a forgotten text is visible, not blank). Read-only once
 * loaded: threads share it freely.
 */
#ifndef LOAXA_WEB_I18N_H
#define LOAXA_WEB_I18N_H

#include <stddef.h>

struct web_i18n;

/* lang: "vi" or "en". roots: NULL-ended folders, the program's first (its
 * texts win over web/'s). NULL with err when a catalogue is unreadable or
 * not a JSON object of strings, or lang is unknown. */
struct web_i18n *web_i18n_load(const char *const *roots, const char *lang,
    char *err, size_t errlen);
void web_i18n_free(struct web_i18n *c);

const char *web_i18n_get(const struct web_i18n *c, const char *key);
const char *web_i18n_lang(const struct web_i18n *c);

#endif
