/*
 * report: reports upward to the district's HTTP collector (report.url).
 * Owns the send cursor and the heartbeat. As-played lines are read back from
 * the log files (across rotations) and POSTed as NDJSON, each line as
 * stored plus "station"; only an HTTP 2xx answer moves the cursor, which is
 * kept in paths.state/report.cursor (written atomically), so after a restart
 * or a collector outage sending resumes at the first unacknowledged line:
 * every line arrives, and none twice as long as no acknowledgement is lost
 * in flight. Failures back off (5 s doubling to 5 min, with jitter). Every
 * report.interval seconds a heartbeat, one JSON object with
 * "type":"heartbeat", is POSTed to the same URL. With report.token_file,
 * every POST carries "Authorization: Bearer TOKEN" (loaxa-collector's
 * addstation gives the token). All transfers run in a
 * libcurl multi handle driven by the event loop: nothing blocks it.
 */
#ifndef LOAXA_REPORT_H
#define LOAXA_REPORT_H

#include <stddef.h>

#include "core/config.h"
#include "core/status.h"

struct loop;
struct report;

/* Takes what it needs from cfg (copies). With report.url = "" the handle
 * does nothing. status (with status_ctx) gives the station's facts for the
 * heartbeat: the same facts, under the same names, as `loaxactl status`
 * (core/status.h), plus "type", "station", "online" and "disk".
 * NULL with err when the state folder is unusable. */
struct report *report_create(struct loop *loop, status_fn status,
    void *status_ctx, const struct config *cfg, char *err, size_t errlen);
/* After a reload: new URL, interval, station name or paths. */
void report_reconfigure(struct report *r, const struct config *cfg);
/* A line was just written to the as-played log: send it soon. */
void report_kick(struct report *r);
/* Waits at most 3 s for a batch in flight (so its acknowledgement is
 * recorded and it is not sent again), then frees. */
void report_destroy(struct report *r);

#define REPORT_CURSOR_FILE	"report.cursor"

#endif
