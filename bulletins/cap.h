/*
 * cap: OASIS CAP 1.2 messages (urn:oasis:names:tc:emergency:cap:1.2).
 * Owns parsing outside input into struct cap_alert (libxml2, no network,
 * no entity expansion, no DTDs, size-capped) and building schema-valid
 * messages for loaxa-publish. Knows the loaxa:* parameters and geocodes.
 */
#ifndef LOAXA_CAP_H
#define LOAXA_CAP_H

#include <stddef.h>
#include <time.h>

struct cap_resource { char *desc; char *mime_type; long long size; char *uri; char *digest; /* hex, sha256 (64) or sha1 (40) */ };
struct cap_ref { char *sender; char *identifier; char *sent; };
struct cap_alert {
	char *identifier, *sender, *sent_text;  time_t sent;
	char *status;   /* Actual Exercise System Test Draft */
	char *msg_type; /* Alert Update Cancel Ack Error */
	char *scope;    /* Public Restricted Private */
	struct cap_ref *refs; size_t nrefs;      /* <references> */
	/* from the first <info> */
	char *urgency, *severity, *certainty, *headline, *description;
	time_t effective; /* 0: absent */  time_t expires; /* 0: absent */
	char *priority_param;  /* loaxa:priority value or NULL */
	int plays;             /* loaxa:plays or 0 if absent */
	int interval_s;        /* loaxa:interval or -1 if absent */
	char **geocodes; size_t ngeocodes;  /* all <area><geocode><value> */
	struct cap_resource *resources; size_t nresources;
};

struct cap_alert *cap_parse(const char *xml, size_t len, char *err, size_t errlen); /* NULL on malformed / missing required */
void cap_free(struct cap_alert *a);
/* Builds a CAP 1.2 message valid against the OASIS schema (for loaxa-publish). */
char *cap_build(const struct cap_alert *a, size_t *len);

/* CAP date-times ("2026-11-27T17:00:00+07:00"; UTC written "-00:00"). The
 * parser also takes a fraction or "Z"; 0 or -1. buf needs 32 bytes. */
int cap_parse_time(const char *s, time_t *out);
void cap_format_time(time_t t, char *buf, size_t len);

#endif
