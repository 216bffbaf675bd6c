/*
 * cap: OASIS CAP 1.2 messages. Parsing treats the message as hostile
 * (it comes from a web server): size cap, no DTD (so no entities, no
 * external fetches), no network, every number and time checked.
 */
#include "bulletins/cap.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "bulletins/xml.h"
#include "core/log.h"

#define CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"
#define CAP_MAX_BYTES (256 * 1024)
#define MAX_REFS 64
#define MAX_GEOCODES 1024
#define MAX_RESOURCES 16
#define MAX_PLAYS 100
#define MAX_INTERVAL_S (7 * 86400)

/* ---- times: CAP's dateTime is YYYY-MM-DDThh:mm:ss+hh:mm, nothing else ---- */

static bool
take_digits(const char **s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return true;
}

static bool
take_char(const char **s, char c)
{
	if (**s != c)
		return false;
	(*s)++;
	return true;
}

int
cap_parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 1;

	if (!take_digits(&s, 4, &y) || !take_char(&s, '-') || !take_digits(&s, 2, &mo) ||
	    !take_char(&s, '-') || !take_digits(&s, 2, &d) || !take_char(&s, 'T') ||
	    !take_digits(&s, 2, &h) || !take_char(&s, ':') || !take_digits(&s, 2, &mi) ||
	    !take_char(&s, ':') || !take_digits(&s, 2, &sec))
		return -1;
	/* Tolerate fractions and "Z" from other tools; the schema does not. */
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++)
			;
	}
	if (*s == 'Z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '-' ? -1 : 1;
		s++;
		if (!take_digits(&s, 2, &oh) || !take_char(&s, ':') || !take_digits(&s, 2, &om))
			return -1;
	} else {
		return -1;
	}
	if (*s != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - sign * (oh * 3600L + om * 60L);
	return 0;
}

void
cap_format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;
	localtime_r(&t, &tm);
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	/* CAP writes UTC as -00:00. */
	if (off == 0)
		sign = '-';
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, sign, off / 3600, (off / 60) % 60);
}

/* ---- parsing ---- */

struct parse_ctx {
	struct cap_alert *a;
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parse_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
is_cap(const xmlNode *n, const char *name)
{
	return xml_is(n, CAP_NS, name);
}

/* Sets *field from n, refusing a second occurrence of the element. */
static int
take_text(struct parse_ctx *c, char **field, const xmlNode *n)
{
	if (*field != NULL)
		return fail(c, "CAP: <%s> given twice", (const char *)n->name);
	*field = xml_text(n);
	return 0;
}

static int
parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	if (*s == '\0' || (!isdigit((unsigned char)*s) && *s != '-'))
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_time_field(struct parse_ctx *c, const xmlNode *n, time_t *out)
{
	char *s = xml_text(n);
	int rc = cap_parse_time(s, out);
	free(s);
	if (rc < 0 || *out == 0)
		return fail(c, "CAP: <%s> is not a CAP date-time", (const char *)n->name);
	return 0;
}

static int
parse_references(struct parse_ctx *c, const xmlNode *n)
{
	struct cap_alert *a = c->a;
	char *all = xml_text(n), *save = NULL;
	int rc = 0;

	if (a->nrefs > 0) {
		free(all);
		return fail(c, "CAP: <%s> given twice", "references");
	}
	for (char *tok = strtok_r(all, " \t\r\n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r\n", &save)) {
		char *c1 = strchr(tok, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (c2 == NULL || strchr(c2 + 1, ',') != NULL || c1 == tok ||
		    c2 == c1 + 1 || c2[1] == '\0') {
			rc = fail(c, "CAP: reference \"%.80s\" is not sender,identifier,sent", tok);
			break;
		}
		if (a->nrefs == MAX_REFS) {
			rc = fail(c, "CAP: more than %s references", "64");
			break;
		}
		*c1 = *c2 = '\0';
		a->refs = xreallocarray(a->refs, a->nrefs + 1, sizeof(*a->refs));
		a->refs[a->nrefs++] = (struct cap_ref){ xstrdup(tok), xstrdup(c1 + 1), xstrdup(c2 + 1) };
	}
	free(all);
	return rc;
}

static int
parse_parameter(struct parse_ctx *c, const xmlNode *param)
{
	struct cap_alert *a = c->a;
	char *name = NULL, *value = NULL;
	long long v;
	int rc = 0;

	for (const xmlNode *n = param->children; n != NULL && rc == 0; n = n->next) {
		if (is_cap(n, "valueName"))
			rc = take_text(c, &name, n);
		else if (is_cap(n, "value"))
			rc = take_text(c, &value, n);
	}
	if (rc == 0 && (name == NULL || value == NULL))
		rc = fail(c, "CAP: <parameter> without %s", "valueName or value");
	if (rc < 0)
		goto out;
	if (strcmp(name, "loaxa:priority") == 0) {
		if (a->priority_param != NULL)
			rc = fail(c, "CAP: %s given twice", name);
		else if (strcmp(value, "normal") != 0 && strcmp(value, "priority") != 0 &&
		    strcmp(value, "emergency") != 0)
			rc = fail(c, "CAP: loaxa:priority \"%.40s\" is not normal, priority or emergency", value);
		else
			a->priority_param = xstrdup(value);
	} else if (strcmp(name, "loaxa:plays") == 0) {
		if (parse_int(value, 1, MAX_PLAYS, &v) < 0)
			rc = fail(c, "CAP: loaxa:plays \"%.40s\" is not a number from 1 to 100", value);
		else
			a->plays = (int)v;
	} else if (strcmp(name, "loaxa:interval") == 0) {
		if (parse_int(value, 0, MAX_INTERVAL_S, &v) < 0)
			rc = fail(c, "CAP: loaxa:interval \"%.40s\" is not a number of seconds", value);
		else
			a->interval_s = (int)v;
	}
out:
	free(name);
	free(value);
	return rc;
}

static bool
is_hex_digest(const char *s)
{
	size_t n = strlen(s);
	if (n != 40 && n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int
parse_resource(struct parse_ctx *c, const xmlNode *res)
{
	struct cap_alert *a = c->a;
	struct cap_resource r = { .size = -1 };
	char *size = NULL;
	int rc = 0;

	if (a->nresources == MAX_RESOURCES)
		return fail(c, "CAP: more than %s resources", "16");
	for (const xmlNode *n = res->children; n != NULL && rc == 0; n = n->next) {
		if (is_cap(n, "resourceDesc"))
			rc = take_text(c, &r.desc, n);
		else if (is_cap(n, "mimeType"))
			rc = take_text(c, &r.mime_type, n);
		else if (is_cap(n, "size"))
			rc = take_text(c, &size, n);
		else if (is_cap(n, "uri"))
			rc = take_text(c, &r.uri, n);
		else if (is_cap(n, "digest"))
			rc = take_text(c, &r.digest, n);
	}
	if (rc == 0 && (r.desc == NULL || r.mime_type == NULL))
		rc = fail(c, "CAP: <resource> without %s", "resourceDesc or mimeType");
	if (rc == 0 && size != NULL && parse_int(size, 0, LLONG_MAX, &r.size) < 0)
		rc = fail(c, "CAP: resource size \"%.40s\" is not a number", size);
	if (rc == 0 && r.digest != NULL && !is_hex_digest(r.digest))
		rc = fail(c, "CAP: resource digest \"%.80s\" is not SHA-256 or SHA-1 hex", r.digest);
	free(size);
	if (rc < 0) {
		free(r.desc);
		free(r.mime_type);
		free(r.uri);
		free(r.digest);
		return -1;
	}
	for (char *p = r.digest; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	a->resources = xreallocarray(a->resources, a->nresources + 1, sizeof(*a->resources));
	a->resources[a->nresources++] = r;
	return 0;
}

static int
parse_area(struct parse_ctx *c, const xmlNode *area)
{
	struct cap_alert *a = c->a;
	for (const xmlNode *g = area->children; g != NULL; g = g->next) {
		if (!is_cap(g, "geocode"))
			continue;
		for (const xmlNode *v = g->children; v != NULL; v = v->next) {
			if (!is_cap(v, "value"))
				continue;
			if (a->ngeocodes == MAX_GEOCODES)
				return fail(c, "CAP: more than %s geocodes", "1024");
			a->geocodes = xreallocarray(a->geocodes, a->ngeocodes + 1, sizeof(char *));
			a->geocodes[a->ngeocodes++] = xml_text(v);
		}
	}
	return 0;
}

static int
parse_info(struct parse_ctx *c, const xmlNode *info)
{
	struct cap_alert *a = c->a;
	int rc = 0;

	for (const xmlNode *n = info->children; n != NULL && rc == 0; n = n->next) {
		if (is_cap(n, "urgency"))
			rc = take_text(c, &a->urgency, n);
		else if (is_cap(n, "severity"))
			rc = take_text(c, &a->severity, n);
		else if (is_cap(n, "certainty"))
			rc = take_text(c, &a->certainty, n);
		else if (is_cap(n, "headline"))
			rc = take_text(c, &a->headline, n);
		else if (is_cap(n, "description"))
			rc = take_text(c, &a->description, n);
		else if (is_cap(n, "effective"))
			rc = parse_time_field(c, n, &a->effective);
		else if (is_cap(n, "expires"))
			rc = parse_time_field(c, n, &a->expires);
		else if (is_cap(n, "parameter"))
			rc = parse_parameter(c, n);
		else if (is_cap(n, "resource"))
			rc = parse_resource(c, n);
		else if (is_cap(n, "area"))
			rc = parse_area(c, n);
	}
	return rc;
}

static int
parse_alert(struct parse_ctx *c, const xmlNode *root)
{
	struct cap_alert *a = c->a;
	bool seen_info = false;
	int rc = 0;

	for (const xmlNode *n = root->children; n != NULL && rc == 0; n = n->next) {
		if (is_cap(n, "identifier"))
			rc = take_text(c, &a->identifier, n);
		else if (is_cap(n, "sender"))
			rc = take_text(c, &a->sender, n);
		else if (is_cap(n, "sent"))
			rc = take_text(c, &a->sent_text, n);
		else if (is_cap(n, "status"))
			rc = take_text(c, &a->status, n);
		else if (is_cap(n, "msgType"))
			rc = take_text(c, &a->msg_type, n);
		else if (is_cap(n, "scope"))
			rc = take_text(c, &a->scope, n);
		else if (is_cap(n, "references"))
			rc = parse_references(c, n);
		else if (is_cap(n, "info") && !seen_info) {
			seen_info = true;
			rc = parse_info(c, n);
		}
	}
	if (rc < 0)
		return -1;
	static const char *const required[] = { "identifier", "sender", "sent", "status", "msgType", "scope" };
	char *const values[] = { a->identifier, a->sender, a->sent_text, a->status, a->msg_type, a->scope };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (values[i] == NULL || values[i][0] == '\0')
			return fail(c, "CAP: missing <%s>", required[i]);
	if (cap_parse_time(a->sent_text, &a->sent) < 0 || a->sent == 0)
		return fail(c, "CAP: <sent> \"%.40s\" is not a CAP date-time", a->sent_text);
	return 0;
}

struct cap_alert *
cap_parse(const char *xml, size_t len, char *err, size_t errlen)
{
	xmlDoc *doc = xml_read_untrusted("CAP", xml, len, CAP_MAX_BYTES, err, errlen);
	if (doc == NULL)
		return NULL;
	const xmlNode *root = xmlDocGetRootElement(doc);
	struct cap_alert *a = xcalloc(1, sizeof(*a));
	a->interval_s = -1;
	struct parse_ctx c = { a, err, errlen };
	int rc;
	if (root == NULL || !is_cap(root, "alert"))
		rc = fail(&c, "CAP: root element is not <alert> in %s", CAP_NS);
	else
		rc = parse_alert(&c, root);
	xmlFreeDoc(doc);
	if (rc < 0) {
		cap_free(a);
		return NULL;
	}
	return a;
}

void
cap_free(struct cap_alert *a)
{
	if (a == NULL)
		return;
	free(a->identifier);
	free(a->sender);
	free(a->sent_text);
	free(a->status);
	free(a->msg_type);
	free(a->scope);
	for (size_t i = 0; i < a->nrefs; i++) {
		free(a->refs[i].sender);
		free(a->refs[i].identifier);
		free(a->refs[i].sent);
	}
	free(a->refs);
	free(a->urgency);
	free(a->severity);
	free(a->certainty);
	free(a->headline);
	free(a->description);
	free(a->priority_param);
	for (size_t i = 0; i < a->ngeocodes; i++)
		free(a->geocodes[i]);
	free(a->geocodes);
	for (size_t i = 0; i < a->nresources; i++) {
		free(a->resources[i].desc);
		free(a->resources[i].mime_type);
		free(a->resources[i].uri);
		free(a->resources[i].digest);
	}
	free(a->resources);
	free(a);
}

/* ---- building ---- */

static const char *
or_default(const char *s, const char *dflt)
{
	return s != NULL && s[0] != '\0' ? s : dflt;
}

static void
put(xmlTextWriter *w, const char *name, const char *value)
{
	xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST value);
}

static void
put_time(xmlTextWriter *w, const char *name, time_t t)
{
	char buf[40];
	cap_format_time(t, buf, sizeof(buf));
	put(w, name, buf);
}

static void
put_parameter(xmlTextWriter *w, const char *name, const char *value)
{
	xmlTextWriterStartElement(w, BAD_CAST "parameter");
	put(w, "valueName", name);
	put(w, "value", value);
	xmlTextWriterEndElement(w);
}

static void
put_references(xmlTextWriter *w, const struct cap_alert *a)
{
	if (a->nrefs == 0)
		return;
	size_t len = 1;
	for (size_t i = 0; i < a->nrefs; i++)
		len += strlen(a->refs[i].sender) + strlen(a->refs[i].identifier) +
		    strlen(a->refs[i].sent) + 3;
	char *s = xmalloc(len), *p = s;
	for (size_t i = 0; i < a->nrefs; i++)
		p += sprintf(p, "%s%s,%s,%s", i ? " " : "", a->refs[i].sender,
		    a->refs[i].identifier, a->refs[i].sent);
	put(w, "references", s);
	free(s);
}

static void
put_resource(xmlTextWriter *w, const struct cap_resource *r)
{
	xmlTextWriterStartElement(w, BAD_CAST "resource");
	put(w, "resourceDesc", or_default(r->desc, "audio"));
	put(w, "mimeType", or_default(r->mime_type, "audio/mpeg"));
	if (r->size >= 0) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%lld", r->size);
		put(w, "size", buf);
	}
	if (r->uri != NULL)
		put(w, "uri", r->uri);
	if (r->digest != NULL)
		put(w, "digest", r->digest);
	xmlTextWriterEndElement(w);
}

static void
put_info(xmlTextWriter *w, const struct cap_alert *a)
{
	char num[16];

	xmlTextWriterStartElement(w, BAD_CAST "info");
	put(w, "category", "Safety");
	put(w, "event", or_default(a->headline, "Public announcement"));
	put(w, "urgency", or_default(a->urgency, "Unknown"));
	put(w, "severity", or_default(a->severity, "Unknown"));
	put(w, "certainty", or_default(a->certainty, "Unknown"));
	if (a->effective != 0)
		put_time(w, "effective", a->effective);
	if (a->expires != 0)
		put_time(w, "expires", a->expires);
	if (a->headline != NULL)
		put(w, "headline", a->headline);
	if (a->description != NULL)
		put(w, "description", a->description);
	if (a->priority_param != NULL)
		put_parameter(w, "loaxa:priority", a->priority_param);
	if (a->plays > 0) {
		snprintf(num, sizeof(num), "%d", a->plays);
		put_parameter(w, "loaxa:plays", num);
	}
	if (a->interval_s >= 0) {
		snprintf(num, sizeof(num), "%d", a->interval_s);
		put_parameter(w, "loaxa:interval", num);
	}
	for (size_t i = 0; i < a->nresources; i++)
		put_resource(w, &a->resources[i]);
	for (size_t i = 0; i < a->ngeocodes; i++) {
		xmlTextWriterStartElement(w, BAD_CAST "area");
		put(w, "areaDesc", a->geocodes[i]);
		xmlTextWriterStartElement(w, BAD_CAST "geocode");
		put(w, "valueName", "loaxa:area");
		put(w, "value", a->geocodes[i]);
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
}

char *
cap_build(const struct cap_alert *a, size_t *len)
{
	xmlBuffer *buf;
	xmlTextWriter *w = xml_writer_start("a CAP message", &buf);
	xmlTextWriterStartElementNS(w, NULL, BAD_CAST "alert", BAD_CAST CAP_NS);
	put(w, "identifier", or_default(a->identifier, "?"));
	put(w, "sender", or_default(a->sender, "?"));
	if (a->sent_text != NULL)
		put(w, "sent", a->sent_text);
	else
		put_time(w, "sent", a->sent);
	put(w, "status", or_default(a->status, "Actual"));
	put(w, "msgType", or_default(a->msg_type, "Alert"));
	put(w, "scope", or_default(a->scope, "Public"));
	put_references(w, a);
	put_info(w, a);
	xmlTextWriterEndElement(w);
	return xml_writer_finish(w, buf, len);
}
