/* libFuzzer: URI confinement as an oracle. Input lines: the feed's URL, the
 * base an href is resolved against, the href, then allow_origins entries.
 * Whenever policy_resolve_uri lets a URI through, this file works out the
 * URI's origin itself (libcurl's parser, not loaxa's origin code) and
 * aborts unless it is the feed's own or a listed one, with the scheme
 * rules: http/https/file only, file only at a file:// feed's own origin,
 * never http under an https feed. No URI outside the feed's origins ever
 * passes. */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "bulletins/policy.h"
#include "core/origin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* scheme, host (lowercase) and port (the scheme's when absent) of url. */
static bool
oracle_origin(const char *url, char *scheme, char *host, long *port)
{
	CURLU *u = curl_url();
	char *sc = NULL, *h = NULL, *p = NULL;
	bool ok = u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &sc, 0) == CURLUE_OK;

	if (ok) {
		curl_url_get(u, CURLUPART_HOST, &h, 0);
		curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT);
		snprintf(scheme, 32, "%s", sc);
		snprintf(host, 256, "%s", h ? h : "");
		for (char *c = host; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		for (char *c = scheme; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		*port = p ? strtol(p, NULL, 10) : -1;
	}
	curl_free(sc);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ok;
}

static bool
same(const char *s1, const char *h1, long p1, const char *s2, const char *h2, long p2)
{
	return strcmp(s1, s2) == 0 && strcmp(h1, h2) == 0 && p1 == p2;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (strlen(text) != size) {	/* a NUL inside: not a config or XML string */
		free(text);
		return 0;
	}
	char *lines[8] = { 0 };
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL && n < 8;
	    l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	if (n < 3) {
		free(text);
		return 0;
	}
	char *allowed[5];
	size_t nallowed = 0;
	for (size_t i = 3; i < n; i++) {
		const char *why;
		char *o = origin_parse_entry(lines[i], &why);
		if (o != NULL)
			allowed[nallowed++] = o;
	}
	struct policy_origins origins = { .feed_url = lines[0],
	    .allowed = (const char *const *)allowed, .nallowed = nallowed };
	char *out = NULL, reason[512];
	if (policy_resolve_uri(lines[1], lines[2], &origins, &out, reason, sizeof(reason)) == 0) {
		char fs[32], fh[256], us[32], uh[256];
		long fp, up;
		if (!oracle_origin(lines[0], fs, fh, &fp) || !oracle_origin(out, us, uh, &up))
			abort();	/* passed, yet not a URL with an origin */
		if (strcmp(us, "http") != 0 && strcmp(us, "https") != 0 && strcmp(us, "file") != 0)
			abort();	/* a scheme nobody allowed */
		if (strcmp(us, "file") == 0 && !(strcmp(fs, "file") == 0 &&
		    same(fs, fh, fp, us, uh, up)))
			abort();	/* file: outside a file:// feed's own origin */
		if (strcmp(fs, "https") == 0 && strcmp(us, "http") == 0)
			abort();	/* unencrypted under an https feed */
		bool ok = same(fs, fh, fp, us, uh, up);
		for (size_t i = 0; !ok && i < nallowed; i++) {
			char as[32], ah[256];
			long ap;
			ok = oracle_origin(allowed[i], as, ah, &ap) && same(as, ah, ap, us, uh, up);
		}
		if (!ok)
			abort();	/* outside the feed's origins */
	}
	free(out);
	for (size_t i = 0; i < nallowed; i++)
		free(allowed[i]);
	free(text);
	return 0;
}
