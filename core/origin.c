#include "core/origin.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/log.h"

static int
url_origin(CURLU *u, char *out, size_t outlen)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	int r = -1;

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		return -1;
	curl_url_get(u, CURLUPART_HOST, &host, 0);	/* file: may have none */
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	if (snprintf(out, outlen, "%s://%s:%s", scheme, host ? host : "",
	    port ? port : "") < (int)outlen)
		r = 0;
	/* DNS names compare case-insensitively: one case for both sides. */
	for (char *c = out; r == 0 && *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	return r;
}

int
origin_of(const char *url, char *out, size_t outlen)
{
	CURLU *u = curl_url();
	int r = -1;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
		r = url_origin(u, out, outlen);
	curl_url_cleanup(u);
	return r;
}

static bool
has_part(CURLU *u, CURLUPart part)
{
	char *v = NULL;
	bool has = curl_url_get(u, part, &v, 0) == CURLUE_OK && v != NULL && v[0] != '\0';

	curl_free(v);
	return has;
}

char *
origin_parse_entry(const char *s, const char **why)
{
	CURLU *u = curl_url();
	char out[ORIGIN_MAX];
	char *r = NULL;

	if (strncasecmp(s, "http://", 7) != 0 && strncasecmp(s, "https://", 8) != 0) {
		*why = "must start with http:// or https://";
		goto out;
	}
	/* Only an authority, and a trailing "/" at most. */
	const char *auth = strstr(s, "://") + 3;
	size_t alen = strcspn(auth, "/?#");
	if (strcmp(auth + alen, "") != 0 && strcmp(auth + alen, "/") != 0) {
		*why = "must be only scheme://host or scheme://host:port, without a "
		    "path, query or user name";
		goto out;
	}
	if (memchr(auth, '@', alen) != NULL) {
		*why = "must not carry a user name or password";
		goto out;
	}
	const char *close = memrchr(auth, ']', alen);
	const char *from = close != NULL ? close : auth;
	const char *colon = memchr(from, ':', alen - (size_t)(from - auth));
	if (colon != NULL) {
		size_t digits = strspn(colon + 1, "0123456789");
		long n = digits > 0 && digits <= 5 ? strtol(colon + 1, NULL, 10) : 0;
		if (n < 1 || n > 65535 || colon + 1 + digits != auth + alen) {
			*why = "has no valid port (1 to 65535)";
			goto out;
		}
	}
	if (u == NULL || curl_url_set(u, CURLUPART_URL, s, 0) != CURLUE_OK ||
	    !has_part(u, CURLUPART_HOST)) {
		*why = auth[0] == '[' ? "is not a valid IPv6 address" :
		    "is not a valid URL with a host name or address";
		goto out;
	}
	if (url_origin(u, out, sizeof(out)) != 0) {
		*why = "is too long";
		goto out;
	}
	r = xstrdup(out);
out:
	curl_url_cleanup(u);
	return r;
}
