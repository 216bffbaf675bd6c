/*
 * cap: OASIS CAP messages, 1.2 (urn:oasis:names:tc:emergency:cap:1.2) and
 * 1.1 (…:cap:1.1), the two namespaces producers still serve. Owns parsing
 * outside input into struct cap_alert (libxml2, no network, no entity
 * expansion, no DTDs, size-capped): every <info>, its areas (geocodes with
 * their valueName, polygons, circles) and resources (embedded derefUri
 * decoded); and building schema-valid CAP 1.2 for loaxa-publish. Knows the
 * loaxa:* parameters.
 */
#ifndef LOAXA_CAP_H
#define LOAXA_CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "bulletins/geo.h"

#define CAP_NS_1_2 "urn:oasis:names:tc:emergency:cap:1.2"
#define CAP_NS_1_1 "urn:oasis:names:tc:emergency:cap:1.1"
/* A message may be this large by default (bulletins.max_message_size):
 * an IPAWS message with its audio embedded is about half a megabyte. */
#define CAP_DEFAULT_MAX_BYTES (4 * 1024 * 1024)
/* CAP's default <language> when an <info> names none. */
#define CAP_DEFAULT_LANGUAGE "en-US"

struct cap_resource {
	char *desc, *mime_type;
	long long size;			/* -1: absent; approximate (CAP 1.2 3.2.3) */
	char *uri;			/* NULL: absent */
	char *digest;			/* lowercase hex, SHA-256 (64) or SHA-1 (40), or NULL */
	unsigned char *deref;		/* derefUri decoded (base64), or NULL */
	size_t deref_len;
};
struct cap_geocode { char *name, *value; };
struct cap_area {
	char *desc;
	struct cap_geocode *geocodes; size_t ngeocodes;
	struct geo_polygon *polygons; size_t npolygons;
	struct geo_circle *circles; size_t ncircles;
};
struct cap_ref { char *sender; char *identifier; char *sent; };

struct cap_info {
	char *language;			/* as written, or NULL (CAP: en-US) */
	char *event, *urgency, *severity, *certainty;
	char *headline, *description, *instruction;
	time_t effective; /* 0: absent */  time_t expires; /* 0: absent */
	char *priority_param;		/* loaxa:priority value or NULL */
	int plays;			/* loaxa:plays or 0 if absent */
	int interval_s;			/* loaxa:interval or -1 if absent */
	char *audio_sha256;		/* loaxa:audio-sha256 (lowercase hex) or NULL: its
					 * audio's SHA-256 when <digest> is CAP's SHA-1 */
	struct cap_area *areas; size_t nareas;
	struct cap_resource *resources; size_t nresources;
};

struct cap_alert {
	char *identifier, *sender, *sent_text;  time_t sent;
	char *status;   /* Actual Exercise System Test Draft */
	char *msg_type; /* Alert Update Cancel Ack Error */
	char *scope;    /* Public Restricted Private */
	const char *version;	/* "1.2" or "1.1" */
	struct cap_ref *refs; size_t nrefs;      /* <references> */
	struct cap_info *infos; size_t ninfos;   /* in the message's order */
};

/* NULL on malformed / missing required / larger than max bytes (err says
 * "too large: N bytes, limit M"). */
struct cap_alert *cap_parse(const char *xml, size_t len, size_t max, char *err, size_t errlen);
void cap_free(struct cap_alert *a);
/* The first <info>, or an empty one (every field absent) when there is none. */
const struct cap_info *cap_first_info(const struct cap_alert *a);
/* Appends an empty <info> (interval_s -1) for a builder to fill. */
struct cap_info *cap_add_info(struct cap_alert *a);
/* Appends an <area> to info for a builder to fill. */
struct cap_area *cap_add_area(struct cap_info *info);
/* Deep copy of from's areas appended to to's. */
void cap_copy_areas(struct cap_info *to, const struct cap_info *from);
/* The geocode values of info's areas, comma-separated (malloc'd; "" if none). */
char *cap_geocode_list(const struct cap_info *info);
/* info's language or CAP's default. */
const char *cap_info_language(const struct cap_info *info);
/* Builds a CAP 1.2 message valid against the OASIS schema (for loaxa-publish;
 * in cap_write.c). */
char *cap_build(const struct cap_alert *a, size_t *len);

/* CAP date-times ("2026-11-27T17:00:00+07:00"; UTC written "-00:00"). The
 * parser also takes a fraction or "Z"; 0 or -1. buf needs 32 bytes. */
int cap_parse_time(const char *s, time_t *out);
void cap_format_time(time_t t, char *buf, size_t len);

#endif
