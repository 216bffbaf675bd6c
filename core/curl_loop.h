/*
 * curl_loop: the one piece of glue between libcurl's multi interface and
 * the event loop, shared by every part that makes HTTP transfers
 * (bulletins/fetch, report/). curl's sockets become loop fd handlers
 * (CURLMOPT_SOCKETFUNCTION), its timeout a loop timer
 * (CURLMOPT_TIMERFUNCTION); a finished transfer is handed back to whoever
 * added it. Owns the multi handle and the sockets curl asked it to watch;
 * the easy handles stay their owners'. The loop never blocks on the network.
 */
#ifndef LOAXA_CURL_LOOP_H
#define LOAXA_CURL_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct loop;
struct curl_loop;

/* A transfer ended (rc from curl). Called from the loop; easy is no longer
 * in the multi handle, so the callback may free or re-add it. */
typedef void (*curl_loop_done_fn)(void *arg, CURL *easy, CURLcode rc);

/* Must be destroyed before the loop. NULL with err on failure. */
struct curl_loop *curl_loop_create(struct loop *loop, char *err, size_t errlen);
/* Every easy handle must have been removed (or finished) first. */
void curl_loop_destroy(struct curl_loop *cl);

/* Starts easy; done is called once when it ends, unless it is removed
 * first. 0, or -1 (not started). */
int curl_loop_add(struct curl_loop *cl, CURL *easy, curl_loop_done_fn done, void *arg);
/* Stops easy without a callback; unknown handles are ignored. */
void curl_loop_remove(struct curl_loop *cl, CURL *easy);

/* At shutdown only, with the loop stopped: drives transfers for at most
 * wait_ms or until busy(arg) turns false. Blocks. */
void curl_loop_drain(struct curl_loop *cl, int wait_ms, bool (*busy)(void *arg), void *arg);

#endif
