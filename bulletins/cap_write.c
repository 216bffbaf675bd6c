/*
 * cap_write: the building half of the cap module: serialises a struct
 * cap_alert into schema-valid CAP 1.2 (cap_build, declared in cap.h) for
 * loaxa-publish, filling CAP's required fields with safe defaults and
 * writing the loaxa:* parameters. Parsing stays in cap.c.
 */
#include "bulletins/cap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlwriter.h>

#include "bulletins/xml.h"
#include "core/log.h"

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
put_point(char *buf, size_t len, struct geo_point p)
{
	snprintf(buf, len, "%.6g,%.6g", p.lat, p.lon);
}

static void
put_area(xmlTextWriter *w, const struct cap_area *ar)
{
	char pt[64];

	xmlTextWriterStartElement(w, BAD_CAST "area");
	put(w, "areaDesc", or_default(ar->desc, "?"));
	for (size_t i = 0; i < ar->npolygons; i++) {
		xmlTextWriterStartElement(w, BAD_CAST "polygon");
		for (size_t j = 0; j < ar->polygons[i].npts; j++) {
			put_point(pt, sizeof(pt), ar->polygons[i].pts[j]);
			if (j > 0)
				xmlTextWriterWriteString(w, BAD_CAST " ");
			xmlTextWriterWriteString(w, BAD_CAST pt);
		}
		xmlTextWriterEndElement(w);
	}
	for (size_t i = 0; i < ar->ncircles; i++) {
		char c[96];
		put_point(pt, sizeof(pt), ar->circles[i].centre);
		snprintf(c, sizeof(c), "%s %.6g", pt, ar->circles[i].radius_km);
		put(w, "circle", c);
	}
	for (size_t i = 0; i < ar->ngeocodes; i++) {
		xmlTextWriterStartElement(w, BAD_CAST "geocode");
		put(w, "valueName", or_default(ar->geocodes[i].name, "loaxa:area"));
		put(w, "value", ar->geocodes[i].value);
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
}

static void
put_info(xmlTextWriter *w, const struct cap_info *in)
{
	char num[16];

	xmlTextWriterStartElement(w, BAD_CAST "info");
	if (in->language != NULL)
		put(w, "language", in->language);
	put(w, "category", "Safety");
	put(w, "event", or_default(in->event, or_default(in->headline, "Public announcement")));
	put(w, "urgency", or_default(in->urgency, "Unknown"));
	put(w, "severity", or_default(in->severity, "Unknown"));
	put(w, "certainty", or_default(in->certainty, "Unknown"));
	if (in->effective != 0)
		put_time(w, "effective", in->effective);
	if (in->expires != 0)
		put_time(w, "expires", in->expires);
	if (in->headline != NULL)
		put(w, "headline", in->headline);
	if (in->description != NULL)
		put(w, "description", in->description);
	if (in->instruction != NULL)
		put(w, "instruction", in->instruction);
	if (in->priority_param != NULL)
		put_parameter(w, "loaxa:priority", in->priority_param);
	if (in->plays > 0) {
		snprintf(num, sizeof(num), "%d", in->plays);
		put_parameter(w, "loaxa:plays", num);
	}
	if (in->interval_s >= 0) {
		snprintf(num, sizeof(num), "%d", in->interval_s);
		put_parameter(w, "loaxa:interval", num);
	}
	if (in->audio_sha256 != NULL)
		put_parameter(w, "loaxa:audio-sha256", in->audio_sha256);
	for (size_t i = 0; i < in->nresources; i++)
		put_resource(w, &in->resources[i]);
	for (size_t i = 0; i < in->nareas; i++)
		put_area(w, &in->areas[i]);
	xmlTextWriterEndElement(w);
}

char *
cap_build(const struct cap_alert *a, size_t *len)
{
	xmlBuffer *buf;
	xmlTextWriter *w = xml_writer_start("a CAP message", &buf);
	xmlTextWriterStartElementNS(w, NULL, BAD_CAST "alert", BAD_CAST CAP_NS_1_2);
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
	for (size_t i = 0; i < a->ninfos; i++)
		put_info(w, &a->infos[i]);
	xmlTextWriterEndElement(w);
	return xml_writer_finish(w, buf, len);
}
