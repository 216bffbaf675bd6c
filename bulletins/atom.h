/*
 * atom: the provincial server's index.atom (RFC 4287). Owns parsing it
 * (libxml2, no network, no entity expansion, no DTDs, size-capped) into the
 * list of entries and their CAP links, and building it for loaxa-publish.
 */
#ifndef LOAXA_ATOM_H
#define LOAXA_ATOM_H

#include <stddef.h>

struct atom_entry { char *id; char *title; char *updated; char *cap_href; /* link rel=alternate type=application/cap+xml */ };
struct atom_feed { struct atom_entry *entries; size_t nentries; };

struct atom_feed *atom_parse(const char *xml, size_t len, char *err, size_t errlen);
void atom_free(struct atom_feed *f);
char *atom_build(const char *feed_title, const char *feed_id, const struct atom_entry *entries, size_t n, size_t *len);

#endif
