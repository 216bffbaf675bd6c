/*
 * atom: the provincial server's index (RFC 4287 Atom, or an RSS 2.0 channel
 * as many alerting authorities serve; bulletins/rss.c). Owns parsing it
 * (libxml2, no network, no entity expansion, no DTDs, size-capped) into the
 * list of entries and their CAP links, and building index.atom for
 * loaxa-publish.
 */
#ifndef LOAXA_ATOM_H
#define LOAXA_ATOM_H

#include <stddef.h>

struct atom_entry {
	char *id; char *title; char *updated;
	/* Atom: the <link> with rel alternate (or none) and an XML type (or
	 * none), application/cap+xml preferred; RSS: the item's <link>. */
	char *cap_href;
	char *no_link_why;	/* cap_href NULL: what the entry's links were */
};
struct atom_feed { struct atom_entry *entries; size_t nentries; };

/* Atom or RSS 2.0, told from the root element. */
struct atom_feed *atom_parse(const char *xml, size_t len, char *err, size_t errlen);
/* Appends an empty entry to f (for the RSS reader). */
struct atom_entry *atom_add_entry(struct atom_feed *f);
#define ATOM_MAX_ENTRIES 10000
void atom_free(struct atom_feed *f);
char *atom_build(const char *feed_title, const char *feed_id, const struct atom_entry *entries, size_t n, size_t *len);

#endif
