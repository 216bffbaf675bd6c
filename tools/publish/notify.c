/*
 * notify: wakes the stations subscribed to the feed's push channel, by a
 * POST to its publisher endpoint (nchan's nchan_publisher location). The
 * message carries no authority: stations only poll the signed feed at once.
 * Called once the files are in place, so a station that wakes finds them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "tools/publish/publish.h"

#define NOTIFY_TIMEOUT_S 10

static size_t
discard(char *data, size_t size, size_t nmemb, void *userp)
{
	(void)data;
	(void)userp;
	return size * nmemb;
}

int
pub_notify(const char *cmd, const char *url, const char *what)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	long code = 0;

	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return pub_error(cmd, "--notify %s: want an http:// or https:// URL (the push "
		    "channel's publisher endpoint)", url);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return pub_error(cmd, "libcurl initialisation failed");
	CURL *e = curl_easy_init();
	if (e == NULL) {
		curl_global_cleanup();
		return pub_error(cmd, "curl_easy_init failed");
	}
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, what);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)NOTIFY_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "loaxa-publish");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(e);
	curl_slist_free_all(h);
	curl_global_cleanup();
	if (rc != CURLE_OK)
		return pub_error(cmd, "the files are in place, but notifying %s failed: %s; "
		    "stations see the change at their next poll", url,
		    errbuf[0] ? errbuf : curl_easy_strerror(rc));
	if (code < 200 || code >= 300)
		return pub_error(cmd, "the files are in place, but notifying %s failed: HTTP %ld; "
		    "stations see the change at their next poll", url, code);
	fprintf(stderr, "loaxa-publish: %s: notified %s\n", cmd, url);
	return 0;
}
