/* Hostile index parse: how long the loop is held by atom_parse (loaxa's
 * reader: size cap, linear pre-scan, then libxml2) on an index built to
 * make libxml2's duplicate-attribute check quadratic. Prints one line per
 * file: "FILE BYTES ms=N verdict". Usage: index_parse FILE... */
#include <stdio.h>
#include <stdlib.h>

#include "bulletins/atom.h"
#include "core/util.h"

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char err[256];
		size_t len;
		char *x = read_file_all(argv[i], 8u << 20, &len, err, sizeof(err));
		if (x == NULL) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		int64_t t0 = mono_ms();
		struct atom_feed *f = atom_parse(x, len, err, sizeof(err));
		int64_t ms = mono_ms() - t0;
		printf("%s %zu ms=%lld %s\n", argv[i], len, (long long)ms,
		    f != NULL ? "parsed" : err);
		atom_free(f);
		free(x);
	}
	return 0;
}
