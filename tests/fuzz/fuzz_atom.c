/* libFuzzer: atom_parse on outside input, and build -> parse of what it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bulletins/atom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct atom_feed *f = atom_parse((const char *)data, size, err, sizeof(err));
	if (f == NULL)
		return 0;
	size_t len;
	char *xml = atom_build("t", "urn:x", f->entries, f->nentries, &len);
	struct atom_feed *g = atom_parse(xml, len, err, sizeof(err));
	if (g == NULL || g->nentries != f->nentries)
		abort();
	atom_free(g);
	free(xml);
	atom_free(f);
	return 0;
}
