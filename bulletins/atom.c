/* atom: stub, being implemented. */
#include "bulletins/atom.h"

#include <stdio.h>

struct atom_feed *atom_parse(const char *xml, size_t len, char *err, size_t errlen)
{ (void)xml; (void)len; snprintf(err, errlen, "atom: not implemented yet"); return NULL; }
void atom_free(struct atom_feed *f) { (void)f; }
char *atom_build(const char *feed_title, const char *feed_id, const struct atom_entry *entries, size_t n, size_t *len)
{ (void)feed_title; (void)feed_id; (void)entries; (void)n; (void)len; return NULL; }
