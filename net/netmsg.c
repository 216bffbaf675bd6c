#include "net/netmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

enum kind { K_NONE, K_STR, K_U64, K_BYTES };

#define T(t) (1u << (t))

/* What each tag may be, and in which messages. */
static const struct {
	enum kind kind;
	uint32_t max;
	unsigned types;
} tags[NT_TAG_END] = {
	[NT_URL] = { K_STR, NETMSG_STR_MAX, T(NETMSG_FETCH) },
	[NT_ETAG] = { K_STR, NETMSG_STR_MAX, T(NETMSG_FETCH) | T(NETMSG_RESULT) },
	[NT_LAST_MODIFIED] = { K_STR, NETMSG_STR_MAX, T(NETMSG_FETCH) | T(NETMSG_RESULT) },
	[NT_MAX_SIZE] = { K_U64, 8, T(NETMSG_FETCH) },
	[NT_FLAGS] = { K_U64, 8, T(NETMSG_FETCH) },
	[NT_OUT_PATH] = { K_STR, NETMSG_STR_MAX, T(NETMSG_FETCH) },
	[NT_CA_FILE] = { K_STR, NETMSG_STR_MAX, T(NETMSG_FETCH) },
	[NT_FEED_URL] = { K_STR, NETMSG_STR_MAX, T(NETMSG_FETCH) },
	[NT_ALLOWED] = { K_STR, NETMSG_STR_MAX, T(NETMSG_FETCH) },
	[NT_HEADERS] = { K_STR, NETMSG_STR_MAX, T(NETMSG_FETCH) },
	[NT_ERROR] = { K_U64, 8, T(NETMSG_RESULT) },
	[NT_STATUS] = { K_U64, 8, T(NETMSG_RESULT) },
	[NT_NOT_MODIFIED] = { K_U64, 8, T(NETMSG_RESULT) },
	[NT_SIZE] = { K_U64, 8, T(NETMSG_RESULT) },
	[NT_DATE] = { K_U64, 8, T(NETMSG_RESULT) },
	[NT_FINAL_URL] = { K_STR, NETMSG_STR_MAX, T(NETMSG_RESULT) },
	[NT_ERR_TEXT] = { K_STR, NETMSG_STR_MAX, T(NETMSG_RESULT) },
	[NT_BODY] = { K_BYTES, NETMSG_BODY_MAX, T(NETMSG_RESULT) | T(NETMSG_DATA) },
};

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)(v & 0xff);
}

long
netmsg_decode(const uint8_t *buf, size_t len, struct netmsg *m, char *err, size_t errlen)
{
	if (len < 4)
		return 0;
	uint64_t flen = get_be(buf, 4);
	if (flen < NETMSG_HDR - 4 || flen > NETMSG_MAX - 4) {
		snprintf(err, errlen, "frame length %llu out of range", (unsigned long long)flen);
		return -1;
	}
	if (len < 4 + flen)
		return 0;
	if (buf[4] != NETMSG_VERSION) {
		snprintf(err, errlen, "version %u, expected %u", buf[4], NETMSG_VERSION);
		return -1;
	}
	unsigned type = buf[5];
	if (type < NETMSG_FETCH || type > NETMSG_DATA) {
		snprintf(err, errlen, "unknown message type %u", type);
		return -1;
	}
	memset(m, 0, sizeof(*m));
	m->type = (enum netmsg_type)type;
	unsigned nfields = (unsigned)get_be(buf + 6, 2);
	m->id = get_be(buf + 8, 8);
	if (m->id == 0) {
		snprintf(err, errlen, "transfer id 0");
		return -1;
	}
	const uint8_t *p = buf + NETMSG_HDR, *end = buf + 4 + flen;
	for (unsigned i = 0; i < nfields; i++) {
		if (end - p < 6) {
			snprintf(err, errlen, "field %u of %u truncated", i + 1, nfields);
			return -1;
		}
		unsigned tag = (unsigned)get_be(p, 2);
		uint64_t vlen = get_be(p + 2, 4);
		p += 6;
		if (tag == 0 || tag >= NT_TAG_END || tags[tag].kind == K_NONE ||
		    !(tags[tag].types & T(type))) {
			snprintf(err, errlen, "tag %u not allowed in message type %u", tag, type);
			return -1;
		}
		if (m->f[tag].present) {
			snprintf(err, errlen, "tag %u repeated", tag);
			return -1;
		}
		if (vlen > tags[tag].max || vlen > (uint64_t)(end - p) ||
		    (tags[tag].kind == K_U64 && vlen != 8)) {
			snprintf(err, errlen, "tag %u: length %llu invalid", tag,
			    (unsigned long long)vlen);
			return -1;
		}
		if (tags[tag].kind == K_STR && memchr(p, '\0', (size_t)vlen) != NULL) {
			snprintf(err, errlen, "tag %u: NUL inside a string", tag);
			return -1;
		}
		m->f[tag] = (struct netmsg_field){ .present = true, .data = p,
		    .len = (uint32_t)vlen,
		    .num = tags[tag].kind == K_U64 ? get_be(p, 8) : 0 };
		p += vlen;
	}
	if (p != end) {
		snprintf(err, errlen, "%ld bytes after the last field", (long)(end - p));
		return -1;
	}
	return (long)(4 + flen);
}

char *
netmsg_strdup(const struct netmsg *m, enum netmsg_tag tag)
{
	const struct netmsg_field *f = &m->f[tag];

	return f->present ? strndup((const char *)f->data, f->len) : NULL;
}

static void
reserve(struct netmsg_out *o, size_t more)
{
	if (o->len + more <= o->cap)
		return;
	o->cap = (o->len + more) * 2;
	o->data = xrealloc(o->data, o->cap);
}

void
netmsg_begin(struct netmsg_out *o, enum netmsg_type type, uint64_t id)
{
	memset(o, 0, sizeof(*o));
	reserve(o, 256);
	memset(o->data, 0, NETMSG_HDR);
	o->data[4] = NETMSG_VERSION;
	o->data[5] = (uint8_t)type;
	put_be(o->data + 8, id, 8);
	o->len = NETMSG_HDR;
}

void
netmsg_add_bytes(struct netmsg_out *o, enum netmsg_tag tag, const void *p, size_t len)
{
	reserve(o, 6 + len);
	put_be(o->data + o->len, (uint64_t)tag, 2);
	put_be(o->data + o->len + 2, (uint64_t)len, 4);
	if (len > 0)
		memcpy(o->data + o->len + 6, p, len);
	o->len += 6 + len;
	o->nfields++;
}

void
netmsg_add_str(struct netmsg_out *o, enum netmsg_tag tag, const char *s)
{
	if (s != NULL)
		netmsg_add_bytes(o, tag, s, strlen(s));
}

void
netmsg_add_u64(struct netmsg_out *o, enum netmsg_tag tag, uint64_t v)
{
	uint8_t b[8];

	put_be(b, v, 8);
	netmsg_add_bytes(o, tag, b, sizeof(b));
}

void
netmsg_finish(struct netmsg_out *o)
{
	put_be(o->data, (uint64_t)(o->len - 4), 4);
	put_be(o->data + 6, o->nfields, 2);
}

void
netmsg_out_free(struct netmsg_out *o)
{
	free(o->data);
	memset(o, 0, sizeof(*o));
}
