/*
 * policy: which bulletins a station accepts, as pure functions of a parsed
 * CAP message, the station's settings and the time, so every rule is unit
 * tested. Owns identity normalisation, the choice of the <info> to air (area
 * by geocode or shape, station languages), priority derivation, plays/interval
 * defaults, URI confinement to the feed's origin (and its allow_origins),
 * audio resource checks, digests (SHA-256, and CAP's SHA-1) and poll timing
 * (jitter, back-off). No I/O, no logging.
 */
#ifndef LOAXA_POLICY_H
#define LOAXA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sodium.h>

#include "bulletins/cap.h"
#include "bulletins/geo.h"
#include "core/config.h"

#define POLICY_SKEW_S		300		/* sent may be this far in the future */
#define POLICY_DEFAULT_LIFETIME_S CONFIG_DEFAULT_LIFETIME_S	/* no <expires> */
#define POLICY_DOC_MAX		(1024 * 1024)	/* index, signature */
#define POLICY_AUDIO_MAX	(50LL * 1024 * 1024)	/* the audio download limit */
#define POLICY_INDEX_MAX	(256 * 1024)	/* index: a few hundred entries fit in 100 KB */
#define POLICY_RETRY_MAX_S	60		/* a failing feed waits at most max(poll, this) */
#define POLICY_EMERGENCY_PLAYS	3
#define POLICY_EMERGENCY_INTERVAL_S 30
#define POLICY_REASON_LEN	256

struct policy_settings {
	const char *const *areas;	/* station.areas: "VALUE" or "NAME=VALUE" */
	size_t nareas;
	const char *const *languages;	/* station.languages ("vi" matches "vi-VN"); none: "vi" */
	size_t nlanguages;
	bool has_location;		/* station.location given */
	struct geo_point location;
	bool allow_test;		/* Exercise/Test accepted, aired as tests */
	int default_lifetime_s;		/* when <expires> is absent */
	enum priority max_priority;	/* the feed's cap */
};

enum policy_outcome {
	POLICY_ACCEPT,		/* queue it (Alert or Update) */
	POLICY_CANCEL,		/* a valid Cancel: remove its references */
	POLICY_NOT_FOR_US,	/* no area of ours: info log only */
	POLICY_REJECT,		/* refused: reason says why */
};

struct policy_verdict {
	enum policy_outcome outcome;
	char reason[POLICY_REASON_LEN];
	bool retry;		/* refused for now only (sent in the future: clock not set yet?) */
	enum priority priority;
	bool is_test;
	size_t info;		/* ACCEPT: the <info> to air (index in a->infos) */
	bool shapes_unmatched;	/* a polygon/circle was skipped: no station.location */
	int plays, interval_s;
	time_t effective, expires;	/* effective defaults to sent */
};

/* Normalised identity "sender,identifier,YYYY-MM-DDTHH:MM:SSZ": fields
 * trimmed, sent as a UTC instant. -1 if sent is not a CAP date-time. */
int policy_identity(const char *sender, const char *identifier, const char *sent,
    char *out, size_t outlen);

/* loaxa:priority when present (-1 if its value is unknown), otherwise
 * derived: Immediate + Extreme/Severe = emergency; Immediate/Expected +
 * Moderate, or Expected + Extreme/Severe = priority; anything else normal. */
int policy_priority(const struct cap_info *info);

/* True when one of info's areas is the station's: a geocode matches an
 * entry of s->areas ("VALUE": any valueName; "NAME=VALUE": that one), or a
 * polygon or circle holds s->location. *shapes_unmatched is set when a
 * shape could not be tested for want of a location. */
bool policy_info_for_us(const struct cap_info *info, const struct policy_settings *s,
    bool *shapes_unmatched);
/* True when the CAP language tag (vi-VN) is the station's language (vi or vi-VN). */
bool policy_language_matches(const char *station, const char *info_language);

/* Every rule on a parsed message, in order: status, scope, msgType, which
 * info (of those whose area is ours, the first in the order of the
 * station's languages, else the first), its times, priority and its cap.
 * Cancels are checked for status and scope only: a Cancel of something
 * not in our queue is harmless. */
void policy_check(const struct cap_alert *a, const struct policy_settings *s,
    time_t now, struct policy_verdict *v);

/* Where a feed's URIs may lead: the origin (scheme, host, port) of
 * feed_url, and the feed's allow_origins (a CDN), as core/config.c stores
 * them: "scheme://host:port", lowercase, port filled in, http or https. */
struct policy_origins {
	const char *feed_url;
	const char *const *allowed;
	size_t nallowed;
};

/* Resolves href against base (curl_url, CURLU) into out (malloc'd). Refused
 * unless the result keeps the feed's origin (base's when origins is NULL)
 * or is one of origins->allowed; the scheme must be http, https or file,
 * file only at a file:// feed's own origin, and never http from an https
 * feed. Hosts compare case-insensitively. 0, or -1 with reason. */
int policy_resolve_uri(const char *base, const char *href,
    const struct policy_origins *origins, char **out, char *reason,
    size_t reasonlen);

/* The URL of url's minisign signature: ".minisig" appended to its path,
 * the query kept (alerts/x.xml?v=2 -> alerts/x.xml.minisig?v=2), any
 * fragment dropped. malloc'd, or NULL if url is not a URL. */
char *policy_signature_url(const char *url);

/* The audio resource to air: the first with an audio/ MIME type (any:
 * whether it decodes is found from the content). One given by uri needs a
 * digest (64 or 40 hex digits: the signed message binds the audio through
 * it); an embedded one (derefUri) is bound by the signature itself. <size>
 * is approximate: refused only when it says more than limit ("too large").
 * NULL with reason; *text_only is then true when the info has no audio
 * resource at all (it may be spoken). */
const struct cap_resource *policy_audio_resource(const struct cap_info *info,
    long long limit, bool *text_only, char *reason, size_t reasonlen);

/* Streaming SHA-256 and SHA-1 of the same bytes (audio downloads). */
struct policy_digest {
	crypto_hash_sha256_state sha256;
	uint32_t h1[5];
	uint64_t sha1_len;
	uint8_t sha1_buf[64];
	size_t sha1_fill;
};
void policy_digest_init(struct policy_digest *d);
void policy_digest_update(struct policy_digest *d, const void *data, size_t len);
/* Hex digests, NUL-terminated. */
void policy_digest_final(struct policy_digest *d, char sha256_hex[65], char sha1_hex[41]);
/* True when expected (hex, any case, SHA-256 or SHA-1 by length) matches. */
bool policy_digest_matches(const char *expected, const char *sha256_hex, const char *sha1_hex);
/* "SHA-256" or "SHA-1": the algorithm a digest of that length is checked with. */
const char *policy_digest_algorithm(const char *expected);

/* Next poll delay: poll_s with jitter of +-15% (r uniform in [0,1)). */
int64_t policy_poll_delay_ms(int poll_s, double r);
/* Delay after `failures` consecutive failures (>= 1): poll_s doubling each
 * time, at most max(poll_s, max_s), with the same jitter. The cap is short
 * (POLICY_RETRY_MAX_S by default): an alert published just after a server
 * comes back must not wait for a long back-off. */
int64_t policy_backoff_delay_ms(int poll_s, int failures, int max_s, double r);

#endif
