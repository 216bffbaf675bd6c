/*
 * netmsg: the messages between loaxad and its network process (loaxa-net)
 * over their socketpair. Owns the wire format and its validation; nothing
 * else. Every message is a frame:
 *
 *   u32 length of what follows (big-endian, NETMSG_HDR - 4 .. NETMSG_MAX)
 *   u8  version (NETMSG_VERSION)   u8 type   u16 field count
 *   u64 transfer id (> 0)
 *   fields: u16 tag, u32 length, that many bytes   (each tag at most once)
 *
 * The parent decodes what the network process sends as if an attacker
 * wrote it: a frame is accepted only when its version, type, every tag (known
 * for that type, never repeated), every length (within the tag's limit) and
 * the total agree exactly; strings carry no NUL; integers are 8 bytes.
 * Anything else is a protocol error and the caller drops the channel.
 * Codes are only ever appended.
 */
#ifndef LOAXA_NETMSG_H
#define LOAXA_NETMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETMSG_VERSION 1
#define NETMSG_HDR 16				/* length, version, type, count, id */
#define NETMSG_BODY_MAX (64 * 1024 * 1024)	/* a document (a CAP with its audio inside) */
#define NETMSG_MAX (NETMSG_BODY_MAX + 64 * 1024)	/* a whole frame */
#define NETMSG_STR_MAX 8192			/* URLs, validators, paths, texts */

enum netmsg_type {
	NETMSG_FETCH = 1,	/* parent -> net: start a transfer */
	NETMSG_CANCEL = 2,	/* parent -> net: abandon it (no answer) */
	NETMSG_RESULT = 3,	/* net -> parent: a transfer ended (exactly once) */
	NETMSG_DATA = 4,	/* net -> parent: bytes of a stream (push channel) */
};

enum netmsg_tag {
	/* NETMSG_FETCH */
	NT_URL = 1, NT_ETAG, NT_LAST_MODIFIED, NT_MAX_SIZE, NT_FLAGS, NT_OUT_PATH,
	NT_CA_FILE, NT_FEED_URL, NT_ALLOWED, NT_HEADERS,
	/* NETMSG_RESULT */
	NT_ERROR = 32, NT_STATUS, NT_NOT_MODIFIED, NT_SIZE, NT_DATE, NT_FINAL_URL, NT_ERR_TEXT,
	/* NETMSG_RESULT and NETMSG_DATA */
	NT_BODY = 64,
	NT_TAG_END
};

#define NETMSG_F_AUDIO 1u	/* NT_FLAGS: long timeout, low-speed limit */
#define NETMSG_F_STREAM 2u	/* NT_FLAGS: body as NETMSG_DATA, no cap or timeout */

/* A field as decoded: points into the frame it came from. */
struct netmsg_field {
	bool present;
	const uint8_t *data;
	uint32_t len;
	uint64_t num;		/* for the integer tags */
};

struct netmsg {
	enum netmsg_type type;
	uint64_t id;
	struct netmsg_field f[NT_TAG_END];
};

/* Decodes one frame at the start of buf (len bytes available). Returns the
 * frame's size (> 0) with m filled (pointing into buf), 0 when more bytes
 * are needed, or -1 with err on a protocol error. */
long netmsg_decode(const uint8_t *buf, size_t len, struct netmsg *m, char *err, size_t errlen);
/* A string field as a new NUL-terminated copy; NULL when absent. */
char *netmsg_strdup(const struct netmsg *m, enum netmsg_tag tag);

/* Building a frame: begin, add fields, finish. The buffer grows as needed;
 * free with netmsg_out_free after sending out.data[0 .. out.len). */
struct netmsg_out {
	uint8_t *data;
	size_t len, cap;
	uint16_t nfields;
};
void netmsg_begin(struct netmsg_out *o, enum netmsg_type type, uint64_t id);
void netmsg_add_bytes(struct netmsg_out *o, enum netmsg_tag tag, const void *p, size_t len);
/* NULL s adds nothing. */
void netmsg_add_str(struct netmsg_out *o, enum netmsg_tag tag, const char *s);
void netmsg_add_u64(struct netmsg_out *o, enum netmsg_tag tag, uint64_t v);
void netmsg_finish(struct netmsg_out *o);
void netmsg_out_free(struct netmsg_out *o);

#endif
