#include "control/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

static const char *const code_names[] = {
	[CTL_REQ_STATUS] = "status", [CTL_REQ_PLAN] = "plan",
	[CTL_REQ_QUEUE] = "queue", [CTL_REQ_PLAY] = "play",
	[CTL_REQ_STOP] = "stop", [CTL_REQ_SKIP] = "skip",
	[CTL_REQ_VOLUME] = "volume", [CTL_REQ_MUTE] = "mute",
	[CTL_REQ_RELOAD] = "reload", [CTL_REQ_TEST_TONE] = "test-tone",
};

const char *
ctl_code_name(uint16_t code)
{
	if (code == CTL_REPLY_OK)
		return "ok";
	if (code == CTL_REPLY_ERROR)
		return "error";
	if (code < sizeof(code_names) / sizeof(code_names[0]))
		return code_names[code];
	return NULL;
}

static int
code_is_request(uint16_t code)
{
	return code >= CTL_REQ_STATUS && code <= CTL_REQ_LAST_;
}

enum ctl_frame_status
ctl_frame_check(const void *buf, size_t len, int want_request, size_t max,
    struct ctl_header *hdr)
{
	if (len < CTL_HEADER_LEN)
		return CTL_FRAME_SHORT;
	memcpy(hdr, buf, CTL_HEADER_LEN);
	if (hdr->magic != CTL_MAGIC)
		return CTL_FRAME_BAD_MAGIC;
	if (hdr->version != CTL_PROTOCOL_VERSION)
		return CTL_FRAME_BAD_VERSION;
	if (want_request ? !code_is_request(hdr->code) :
	    hdr->code != CTL_REPLY_OK && hdr->code != CTL_REPLY_ERROR)
		return CTL_FRAME_BAD_CODE;
	if (hdr->length > max)
		return CTL_FRAME_TOO_LONG;
	if (len - CTL_HEADER_LEN < hdr->length)
		return CTL_FRAME_INCOMPLETE;
	return CTL_FRAME_OK;
}

const char *
ctl_frame_status_text(enum ctl_frame_status st)
{
	switch (st) {
	case CTL_FRAME_OK: return "ok";
	case CTL_FRAME_SHORT: return "truncated frame";
	case CTL_FRAME_BAD_MAGIC: return "not a loaxa control message";
	case CTL_FRAME_BAD_VERSION:
		return "protocol version mismatch (loaxactl and loaxad are "
		    "from different loaxa versions)";
	case CTL_FRAME_BAD_CODE: return "unknown command code";
	case CTL_FRAME_TOO_LONG: return "message too long";
	case CTL_FRAME_INCOMPLETE: return "incomplete message";
	}
	return "bad frame";
}

size_t
ctl_frame_encode(uint16_t code, const json_t *obj, size_t max, char **out)
{
	char *payload = obj ? json_dumps(obj, JSON_COMPACT) : xstrdup("{}");
	if (payload == NULL)
		return 0;
	size_t plen = strlen(payload);
	if (plen > max) {
		free(payload);
		return 0;
	}
	struct ctl_header hdr = {
		.magic = CTL_MAGIC, .version = CTL_PROTOCOL_VERSION,
		.code = code, .length = (uint32_t)plen,
	};
	char *buf = xmalloc(CTL_HEADER_LEN + plen);
	memcpy(buf, &hdr, CTL_HEADER_LEN);
	memcpy(buf + CTL_HEADER_LEN, payload, plen);
	free(payload);
	*out = buf;
	return CTL_HEADER_LEN + plen;
}

json_t *
ctl_payload_decode(const void *payload, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;

	if (memchr(payload, '\0', len) != NULL) {
		snprintf(err, errlen, "payload contains a NUL byte");
		return NULL;
	}
	json_t *obj = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL) {
		snprintf(err, errlen, "payload is not JSON: %s", jerr.text);
		return NULL;
	}
	if (!json_is_object(obj)) {
		json_decref(obj);
		snprintf(err, errlen, "payload is not a JSON object");
		return NULL;
	}
	return obj;
}
