/*
 * m3u: reads M3U / M3U8 playlists (and PLS) into a list of sources.
 * Comments and #EXTINF are understood, paths are resolved against the
 * playlist's folder, UTF-8 with or without BOM, LF or CRLF. Whether an
 * entry exists is the player's business, not this module's.
 */
#ifndef LOAXA_M3U_H
#define LOAXA_M3U_H

#include <stddef.h>

struct playlist_entry {
	char *location;		/* absolute path or URL */
	char *title;		/* from #EXTINF, or NULL */
	double duration_s;	/* from #EXTINF, -1 if unknown */
};

struct playlist {
	struct playlist_entry *entries;
	size_t nentries;
};

/* base_dir resolves relative paths. Returns NULL with err on failure. */
struct playlist *m3u_parse(const char *text, size_t len, const char *base_dir,
    char *err, size_t errlen);
struct playlist *m3u_load(const char *path, char *err, size_t errlen);
/* Finds NAME.m3u or NAME.m3u8 in dir; returns a malloc'd path or NULL. */
char *m3u_find(const char *dir, const char *name);
void playlist_free(struct playlist *pl);

#endif
