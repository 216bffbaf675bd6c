/*
 * origin: the one place a URL's origin is written down, so that what the
 * config stores (a feed's allow_origins) and what policy compares (every URI
 * a feed leads to) are the same string: "scheme://host:port", lowercase,
 * the scheme's port filled in, IPv6 as libcurl writes it ([2001:db8::1]).
 * Parsing is libcurl's (CURLU), the parser the transfers use.
 */
#ifndef LOAXA_ORIGIN_H
#define LOAXA_ORIGIN_H

#include <stddef.h>

#define ORIGIN_MAX 300

/* The origin of url; -1 if it is not a URL libcurl accepts or does not fit. */
int origin_of(const char *url, char *out, size_t outlen);

/* An allow_origins entry: "http(s)://host[:port]" with at most a trailing
 * "/", nothing else (no user, path, query). Returns the origin (malloc'd),
 * or NULL with why set to the end of a sentence ("must start with ..."). */
char *origin_parse_entry(const char *s, const char **why);

#endif
