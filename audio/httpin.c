#include "audio/httpin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define MAX_REDIRECTS 5

struct transfer {
	const struct httpin_sink *sink;
	const atomic_bool *quit;
	char content_type[128];
	long metaint;
	bool begun, stopped;
};

static size_t
on_header(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	char line[256];

	if (len >= sizeof(line))
		return len;
	memcpy(line, buf, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	/* A redirect's headers come first: the last answer's count. */
	if (strncmp(line, "HTTP/", 5) == 0 || strncmp(line, "ICY ", 4) == 0) {
		t->content_type[0] = '\0';
		t->metaint = 0;
	} else if (strncasecmp(line, "content-type:", 13) == 0) {
		snprintf(t->content_type, sizeof(t->content_type), "%s", line + 13 + strspn(line + 13, " \t"));
	} else if (strncasecmp(line, "icy-metaint:", 12) == 0) {
		t->metaint = strtol(line + 12, NULL, 10);
		if (t->metaint < 0 || t->metaint > 1 << 20)
			t->metaint = 0;
	}
	return len;
}

static size_t
on_data(char *buf, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;

	if (!t->begun) {
		t->begun = true;
		if (!t->sink->begin(t->sink->ctx, t->content_type, t->metaint)) {
			t->stopped = true;
			return 0;
		}
	}
	if (!t->sink->data(t->sink->ctx, (uint8_t *)buf, len)) {
		t->stopped = true;
		return 0;
	}
	return len;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct transfer *t = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(t->quit) ? 1 : 0;
}

static int
curl_run(const char *url, int stall_s, const atomic_bool *quit, const struct httpin_sink *sink,
    char *err, size_t errlen)
{
	struct transfer t = { .sink = sink, .quit = quit };
	struct curl_slist *headers = curl_slist_append(NULL, "Icy-MetaData: 1");
	/* SHOUTcast v1 answers "ICY 200 OK" instead of an HTTP status line. */
	struct curl_slist *aliases = curl_slist_append(NULL, "ICY 200 OK");
	char cerr[CURL_ERROR_SIZE] = "";
	long code = 0;
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c) {
		snprintf(err, errlen, "%s: libcurl did not start", url);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_HTTP200ALIASES, aliases);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "loaxa");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)stall_s);
	/* Connected, but no data for stall_s: a stalled stream. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)stall_s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	curl_slist_free_all(aliases);
	if (t.stopped || atomic_load(quit) || rc == CURLE_OK)
		return 0;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(err, errlen, "%s: no data for %d s", url, stall_s);
	else if (rc == CURLE_HTTP_RETURNED_ERROR)
		snprintf(err, errlen, "%s: HTTP %ld", url, code);
	else
		snprintf(err, errlen, "%s: %s", url, cerr[0] ? cerr : curl_easy_strerror(rc));
	return -1;
}

const struct httpin_ops httpin_curl = { .run = curl_run };
