/*
 * httpin: the bytes of a live HTTP stream (Icecast, SHOUTcast's "ICY 200 OK"),
 * behind a table of functions so the process that holds the card can later
 * take them from the network process instead of running libcurl itself.
 * Owns one transfer at a time, in the caller's thread: "Icy-MetaData: 1" is
 * asked for, redirects are followed (http and https only), and a transfer
 * that brings no data for stall_s seconds fails.
 */
#ifndef LOAXA_HTTPIN_H
#define LOAXA_HTTPIN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct httpin_sink {
	void *ctx;
	/* The answer's headers, before any data; false stops the transfer. */
	bool (*begin)(void *ctx, const char *content_type, long icy_metaint);
	/* A block of the body (the sink may change it); false stops. */
	bool (*data)(void *ctx, uint8_t *buf, size_t len);
};

struct httpin_ops {
	/*
	 * Runs one transfer of url until it ends (0), the sink stops it (0),
	 * *quit is set (0), or it fails or stalls (-1 with a one-line reason).
	 */
	int (*run)(const char *url, int stall_s, const atomic_bool *quit,
	    const struct httpin_sink *sink, char *err, size_t errlen);
};

extern const struct httpin_ops httpin_curl;

#endif
