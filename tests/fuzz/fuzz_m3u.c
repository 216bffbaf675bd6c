/* libFuzzer target: any bytes through m3u_parse, and whatever it returns
 * must be freeable and well-formed (absolute or URL locations). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "playlists/m3u.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct playlist *pl = m3u_parse((const char *)data, size, "/base/dir", err,
	    sizeof(err));
	if (pl == NULL) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			abort();	/* every failure must say why */
		return 0;
	}
	if (memchr(data, '\0', size) != NULL)
		abort();	/* binary input must be refused */
	for (size_t i = 0; i < pl->nentries; i++) {
		const char *loc = pl->entries[i].location;
		if (loc == NULL || loc[0] == '\0')
			abort();
		if (loc[0] != '/' && strstr(loc, "://") == NULL)
			abort();	/* relative paths must have been resolved */
	}
	playlist_free(pl);
	return 0;
}
