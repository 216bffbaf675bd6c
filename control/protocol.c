#include "control/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define DESC_REQ_(code, CONST, id, name, usage) { code, name, usage },
#define DESC_CLIENT_(id, name, usage) { 0, name, usage },
const struct ctl_command_desc ctl_commands[] = {
	CTL_COMMANDS(DESC_REQ_, DESC_CLIENT_)
};
const size_t ctl_ncommands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);

/* Indexed by code; a code listed twice is an initializer the compiler
 * refuses (-Woverride-init), a gap an entry left NULL. */
#define NAME_REQ_(code, CONST, id, name, usage) [code] = name,
static const char *const code_names[CTL_REQ_LAST_ + 1] = {
	CTL_COMMANDS(NAME_REQ_, CTL_NONE_)
};
#define CODE_CHECK_(code, CONST, id, name, usage) \
	_Static_assert((code) >= 1 && (code) <= CTL_REQ_LAST_, \
	    "request codes run 1, 2, 3 ... without a gap: " name);
CTL_COMMANDS(CODE_CHECK_, CTL_NONE_)

const struct ctl_command_desc *
ctl_command_find(const char *name)
{
	for (size_t i = 0; i < ctl_ncommands; i++)
		if (strcmp(ctl_commands[i].name, name) == 0)
			return &ctl_commands[i];
	return NULL;
}

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
	return code >= 1 && code <= CTL_REQ_LAST_;
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
