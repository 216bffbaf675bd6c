/*
 * cap: OASIS CAP 1.2 and 1.1 messages. Parsing treats the message as
 * hostile (it comes from a web server): size cap, no DTD (so no entities,
 * no external fetches), no network, every number, time and shape checked.
 * Building CAP (cap_build) is in cap_write.c.
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
#include <sodium.h>

#include "bulletins/xml.h"
#include "core/log.h"

#define MAX_REFS 64
#define MAX_INFOS 32
#define MAX_AREAS 256		/* per info */
#define MAX_GEOCODES 1024	/* per info */
#define MAX_SHAPES 256		/* polygons and circles per info */
#define MAX_RESOURCES 16	/* per info */
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
	const char *ns;		/* the root's namespace: 1.2 or 1.1 */
	char *err;
	size_t errlen;
	size_t nshapes, ngeocodes;	/* in the info being read */
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
is_cap(const struct parse_ctx *c, const xmlNode *n, const char *name)
{
	return xml_is(n, c->ns, name);
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

static bool
all_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

static int
parse_parameter(struct parse_ctx *c, struct cap_info *info, const xmlNode *param)
{
	char *name = NULL, *value = NULL;
	long long v;
	int rc = 0;

	for (const xmlNode *n = param->children; n != NULL && rc == 0; n = n->next) {
		if (is_cap(c, n, "valueName"))
			rc = take_text(c, &name, n);
		else if (is_cap(c, n, "value"))
			rc = take_text(c, &value, n);
	}
	if (rc == 0 && (name == NULL || value == NULL))
		rc = fail(c, "CAP: <parameter> without %s", "valueName or value");
	if (rc < 0)
		goto out;
	if (strcmp(name, "loaxa:priority") == 0) {
		if (info->priority_param != NULL)
			rc = fail(c, "CAP: %s given twice", name);
		else if (strcmp(value, "normal") != 0 && strcmp(value, "priority") != 0 &&
		    strcmp(value, "emergency") != 0)
			rc = fail(c, "CAP: loaxa:priority \"%.40s\" is not normal, priority or emergency", value);
		else
			info->priority_param = xstrdup(value);
	} else if (strcmp(name, "loaxa:plays") == 0) {
		if (parse_int(value, 1, MAX_PLAYS, &v) < 0)
			rc = fail(c, "CAP: loaxa:plays \"%.40s\" is not a number from 1 to 100", value);
		else
			info->plays = (int)v;
	} else if (strcmp(name, "loaxa:audio-sha256") == 0) {
		if (info->audio_sha256 != NULL)
			rc = fail(c, "CAP: %s given twice", name);
		else if (strlen(value) != 64 || !all_hex(value))
			rc = fail(c, "CAP: loaxa:audio-sha256 \"%.80s\" is not 64 hex digits", value);
		else {
			info->audio_sha256 = xstrdup(value);
			for (char *p = info->audio_sha256; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
	} else if (strcmp(name, "loaxa:interval") == 0) {
		if (parse_int(value, 0, MAX_INTERVAL_S, &v) < 0)
			rc = fail(c, "CAP: loaxa:interval \"%.40s\" is not a number of seconds", value);
		else
			info->interval_s = (int)v;
	}
out:
	free(name);
	free(value);
	return rc;
}

/* derefUri: base64 (RFC 2045, line breaks allowed), padded or not. */
static int
decode_deref(struct parse_ctx *c, const xmlNode *n, struct cap_resource *r)
{
	xmlChar *raw = xmlNodeGetContent(n);
	const char *b64 = raw ? (const char *)raw : "";
	size_t len = strlen(b64), out_len = 0;
	unsigned char *bin = xmalloc(len / 4 * 3 + 3);
	int rc = 0;

	if (r->deref != NULL) {
		rc = fail(c, "CAP: <%s> given twice", "derefUri");
	} else if (sodium_base642bin(bin, len / 4 * 3 + 3, b64, len, " \t\r\n", &out_len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0 &&
	    sodium_base642bin(bin, len / 4 * 3 + 3, b64, len, " \t\r\n", &out_len,
	    NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
		rc = fail(c, "CAP: resource derefUri is not base64");
	} else if (out_len == 0) {
		rc = fail(c, "CAP: resource derefUri is empty");
	}
	xmlFree(raw);
	if (rc < 0) {
		free(bin);
		return -1;
	}
	r->deref = bin;
	r->deref_len = out_len;
	return 0;
}

static void
resource_clear(struct cap_resource *r)
{
	free(r->desc);
	free(r->mime_type);
	free(r->uri);
	free(r->digest);
	free(r->deref);
}

static int
parse_resource(struct parse_ctx *c, struct cap_info *info, const xmlNode *res)
{
	struct cap_resource r = { .size = -1 };
	char *size = NULL;
	int rc = 0;

	if (info->nresources == MAX_RESOURCES)
		return fail(c, "CAP: more than %d resources in one <info>", MAX_RESOURCES);
	for (const xmlNode *n = res->children; n != NULL && rc == 0; n = n->next) {
		if (is_cap(c, n, "resourceDesc"))
			rc = take_text(c, &r.desc, n);
		else if (is_cap(c, n, "mimeType"))
			rc = take_text(c, &r.mime_type, n);
		else if (is_cap(c, n, "size"))
			rc = take_text(c, &size, n);
		else if (is_cap(c, n, "uri"))
			rc = take_text(c, &r.uri, n);
		else if (is_cap(c, n, "derefUri"))
			rc = decode_deref(c, n, &r);
		else if (is_cap(c, n, "digest"))
			rc = take_text(c, &r.digest, n);
	}
	/* CAP 1.1 allows a resource without mimeType. */
	if (rc == 0 && r.desc == NULL)
		rc = fail(c, "CAP: <resource> without %s", "resourceDesc");
	if (rc == 0 && size != NULL && parse_int(size, 0, LLONG_MAX, &r.size) < 0)
		rc = fail(c, "CAP: resource size \"%.40s\" is not a number", size);
	if (rc == 0 && r.digest != NULL && r.digest[0] == '\0') {
		free(r.digest);
		r.digest = NULL;
	}
	if (rc == 0 && r.digest != NULL &&
	    (!all_hex(r.digest) || (strlen(r.digest) != 40 && strlen(r.digest) != 64)))
		rc = fail(c, "CAP: resource digest \"%.80s\" is neither SHA-1 (40 hex digits) "
		    "nor SHA-256 (64)", r.digest);
	if (rc == 0 && r.uri != NULL && r.uri[0] == '\0') {
		free(r.uri);	/* IPAWS writes <uri></uri> beside derefUri */
		r.uri = NULL;
	}
	free(size);
	if (rc < 0) {
		resource_clear(&r);
		return -1;
	}
	for (char *p = r.digest; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	info->resources = xreallocarray(info->resources, info->nresources + 1,
	    sizeof(*info->resources));
	info->resources[info->nresources++] = r;
	return 0;
}

static int
parse_geocode(struct parse_ctx *c, struct cap_area *area, const xmlNode *g)
{
	struct cap_geocode gc = { 0 };
	int rc = 0;

	for (const xmlNode *v = g->children; v != NULL && rc == 0; v = v->next) {
		if (is_cap(c, v, "valueName"))
			rc = take_text(c, &gc.name, v);
		else if (is_cap(c, v, "value"))
			rc = take_text(c, &gc.value, v);
	}
	if (rc == 0 && gc.value == NULL)
		rc = fail(c, "CAP: <geocode> without <value>");
	if (rc == 0 && c->ngeocodes == MAX_GEOCODES)
		rc = fail(c, "CAP: more than %d geocodes in one <info>", MAX_GEOCODES);
	if (rc < 0) {
		free(gc.name);
		free(gc.value);
		return -1;
	}
	if (gc.name == NULL)
		gc.name = xstrdup("");
	c->ngeocodes++;
	area->geocodes = xreallocarray(area->geocodes, area->ngeocodes + 1, sizeof(gc));
	area->geocodes[area->ngeocodes++] = gc;
	return 0;
}

static int
parse_shape(struct parse_ctx *c, struct cap_area *area, const xmlNode *n, bool polygon)
{
	char *text = xml_text(n), why[160];
	int rc;

	if (text[0] == '\0') {
		free(text);	/* NWS writes <polygon></polygon> for "none" */
		return 0;
	}
	if (c->nshapes == MAX_SHAPES) {
		free(text);
		return fail(c, "CAP: more than %d polygons and circles in one <info>", MAX_SHAPES);
	}
	if (polygon) {
		struct geo_polygon p;
		rc = geo_parse_polygon(text, &p, why, sizeof(why));
		if (rc == 0) {
			area->polygons = xreallocarray(area->polygons, area->npolygons + 1, sizeof(p));
			area->polygons[area->npolygons++] = p;
		}
	} else {
		struct geo_circle ci;
		rc = geo_parse_circle(text, &ci, why, sizeof(why));
		if (rc == 0) {
			area->circles = xreallocarray(area->circles, area->ncircles + 1, sizeof(ci));
			area->circles[area->ncircles++] = ci;
		}
	}
	free(text);
	if (rc < 0)
		return fail(c, "CAP: <area>: %s", why);
	c->nshapes++;
	return 0;
}

static int
parse_area(struct parse_ctx *c, struct cap_info *info, const xmlNode *n)
{
	if (info->nareas == MAX_AREAS)
		return fail(c, "CAP: more than %d areas in one <info>", MAX_AREAS);
	struct cap_area *area = cap_add_area(info);
	int rc = 0;

	for (const xmlNode *g = n->children; g != NULL && rc == 0; g = g->next) {
		if (is_cap(c, g, "areaDesc"))
			rc = take_text(c, &area->desc, g);
		else if (is_cap(c, g, "geocode"))
			rc = parse_geocode(c, area, g);
		else if (is_cap(c, g, "polygon"))
			rc = parse_shape(c, area, g, true);
		else if (is_cap(c, g, "circle"))
			rc = parse_shape(c, area, g, false);
	}
	return rc;
}

static int
parse_info(struct parse_ctx *c, const xmlNode *n0)
{
	struct cap_alert *a = c->a;

	if (a->ninfos == MAX_INFOS)
		return fail(c, "CAP: more than %d <info> blocks", MAX_INFOS);
	struct cap_info *info = cap_add_info(a);
	int rc = 0;

	c->nshapes = c->ngeocodes = 0;
	for (const xmlNode *n = n0->children; n != NULL && rc == 0; n = n->next) {
		if (is_cap(c, n, "language"))
			rc = take_text(c, &info->language, n);
		else if (is_cap(c, n, "event"))
			rc = take_text(c, &info->event, n);
		else if (is_cap(c, n, "urgency"))
			rc = take_text(c, &info->urgency, n);
		else if (is_cap(c, n, "severity"))
			rc = take_text(c, &info->severity, n);
		else if (is_cap(c, n, "certainty"))
			rc = take_text(c, &info->certainty, n);
		else if (is_cap(c, n, "headline"))
			rc = take_text(c, &info->headline, n);
		else if (is_cap(c, n, "description"))
			rc = take_text(c, &info->description, n);
		else if (is_cap(c, n, "instruction"))
			rc = take_text(c, &info->instruction, n);
		else if (is_cap(c, n, "effective"))
			rc = parse_time_field(c, n, &info->effective);
		else if (is_cap(c, n, "expires"))
			rc = parse_time_field(c, n, &info->expires);
		else if (is_cap(c, n, "parameter"))
			rc = parse_parameter(c, info, n);
		else if (is_cap(c, n, "resource"))
			rc = parse_resource(c, info, n);
		else if (is_cap(c, n, "area"))
			rc = parse_area(c, info, n);
	}
	return rc;
}

static int
parse_alert(struct parse_ctx *c, const xmlNode *root)
{
	struct cap_alert *a = c->a;
	int rc = 0;

	for (const xmlNode *n = root->children; n != NULL && rc == 0; n = n->next) {
		if (is_cap(c, n, "identifier"))
			rc = take_text(c, &a->identifier, n);
		else if (is_cap(c, n, "sender"))
			rc = take_text(c, &a->sender, n);
		else if (is_cap(c, n, "sent"))
			rc = take_text(c, &a->sent_text, n);
		else if (is_cap(c, n, "status"))
			rc = take_text(c, &a->status, n);
		else if (is_cap(c, n, "msgType"))
			rc = take_text(c, &a->msg_type, n);
		else if (is_cap(c, n, "scope"))
			rc = take_text(c, &a->scope, n);
		else if (is_cap(c, n, "references"))
			rc = parse_references(c, n);
		else if (is_cap(c, n, "info"))
			rc = parse_info(c, n);
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

/* Which CAP the root is, or NULL with the real reason in err. */
static const char *
root_namespace(const xmlNode *root, char *err, size_t errlen)
{
	if (root == NULL) {
		snprintf(err, errlen, "CAP: empty document");
		return NULL;
	}
	const char *ns = root->ns != NULL ? (const char *)root->ns->href : NULL;
	if (strcmp((const char *)root->name, "alert") != 0) {
		snprintf(err, errlen, "CAP: root element is <%.40s>, not <alert>",
		    (const char *)root->name);
		return NULL;
	}
	if (ns != NULL && strcmp(ns, CAP_NS_1_2) == 0)
		return CAP_NS_1_2;
	if (ns != NULL && strcmp(ns, CAP_NS_1_1) == 0)
		return CAP_NS_1_1;
	snprintf(err, errlen, "CAP: <alert> in namespace \"%.80s\", not CAP 1.2 or 1.1 (%s)",
	    ns ? ns : "", CAP_NS_1_2);
	return NULL;
}

struct cap_alert *
cap_parse(const char *xml, size_t len, size_t max, char *err, size_t errlen)
{
	xmlDoc *doc = xml_read_untrusted("CAP", xml, len, max, err, errlen);
	if (doc == NULL)
		return NULL;
	const xmlNode *root = xmlDocGetRootElement(doc);
	const char *ns = root_namespace(root, err, errlen);
	if (ns == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	struct cap_alert *a = xcalloc(1, sizeof(*a));
	a->version = strcmp(ns, CAP_NS_1_1) == 0 ? "1.1" : "1.2";
	struct parse_ctx c = { .a = a, .ns = ns, .err = err, .errlen = errlen };
	int rc = parse_alert(&c, root);
	xmlFreeDoc(doc);
	if (rc < 0) {
		cap_free(a);
		return NULL;
	}
	return a;
}

static void
area_clear(struct cap_area *ar)
{
	free(ar->desc);
	for (size_t i = 0; i < ar->ngeocodes; i++) {
		free(ar->geocodes[i].name);
		free(ar->geocodes[i].value);
	}
	free(ar->geocodes);
	for (size_t i = 0; i < ar->npolygons; i++)
		geo_polygon_free(&ar->polygons[i]);
	free(ar->polygons);
	free(ar->circles);
}

static void
info_clear(struct cap_info *in)
{
	free(in->language);
	free(in->event);
	free(in->urgency);
	free(in->severity);
	free(in->certainty);
	free(in->headline);
	free(in->description);
	free(in->instruction);
	free(in->priority_param);
	free(in->audio_sha256);
	for (size_t i = 0; i < in->nareas; i++)
		area_clear(&in->areas[i]);
	free(in->areas);
	for (size_t i = 0; i < in->nresources; i++)
		resource_clear(&in->resources[i]);
	free(in->resources);
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
	for (size_t i = 0; i < a->ninfos; i++)
		info_clear(&a->infos[i]);
	free(a->infos);
	free(a);
}

const struct cap_info *
cap_first_info(const struct cap_alert *a)
{
	static const struct cap_info none = { .interval_s = -1 };

	return a->ninfos > 0 ? &a->infos[0] : &none;
}

struct cap_info *
cap_add_info(struct cap_alert *a)
{
	a->infos = xreallocarray(a->infos, a->ninfos + 1, sizeof(*a->infos));
	struct cap_info *in = &a->infos[a->ninfos++];
	*in = (struct cap_info){ .interval_s = -1 };
	return in;
}

struct cap_area *
cap_add_area(struct cap_info *info)
{
	info->areas = xreallocarray(info->areas, info->nareas + 1, sizeof(*info->areas));
	struct cap_area *ar = &info->areas[info->nareas++];
	*ar = (struct cap_area){ 0 };
	return ar;
}

void
cap_copy_areas(struct cap_info *to, const struct cap_info *from)
{
	for (size_t i = 0; i < from->nareas; i++) {
		const struct cap_area *f = &from->areas[i];
		struct cap_area *t = cap_add_area(to);
		t->desc = f->desc ? xstrdup(f->desc) : NULL;
		t->geocodes = xcalloc(f->ngeocodes + 1, sizeof(*t->geocodes));
		for (size_t j = 0; j < f->ngeocodes; j++)
			t->geocodes[j] = (struct cap_geocode){ xstrdup(f->geocodes[j].name),
			    xstrdup(f->geocodes[j].value) };
		t->ngeocodes = f->ngeocodes;
		t->polygons = xcalloc(f->npolygons + 1, sizeof(*t->polygons));
		for (size_t j = 0; j < f->npolygons; j++) {
			size_t n = f->polygons[j].npts;
			t->polygons[j].pts = xcalloc(n + 1, sizeof(struct geo_point));
			if (n > 0) /* memcpy from NULL is undefined even for 0 bytes (UBSan) */
				memcpy(t->polygons[j].pts, f->polygons[j].pts, n * sizeof(struct geo_point));
			t->polygons[j].npts = n;
		}
		t->npolygons = f->npolygons;
		t->circles = xcalloc(f->ncircles + 1, sizeof(*t->circles));
		if (f->ncircles > 0)
			memcpy(t->circles, f->circles, f->ncircles * sizeof(*t->circles));
		t->ncircles = f->ncircles;
	}
}

char *
cap_geocode_list(const struct cap_info *info)
{
	size_t len = 1;
	for (size_t i = 0; i < info->nareas; i++)
		for (size_t j = 0; j < info->areas[i].ngeocodes; j++)
			len += strlen(info->areas[i].geocodes[j].value) + 1;
	char *s = xcalloc(1, len);
	for (size_t i = 0; i < info->nareas; i++)
		for (size_t j = 0; j < info->areas[i].ngeocodes; j++) {
			if (s[0] != '\0')
				strcat(s, ",");
			strcat(s, info->areas[i].geocodes[j].value);
		}
	return s;
}

const char *
cap_info_language(const struct cap_info *info)
{
	return info->language != NULL && info->language[0] != '\0' ? info->language
	    : CAP_DEFAULT_LANGUAGE;
}
