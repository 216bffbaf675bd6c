#include "bulletins/xml.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "core/log.h"

static void
ignore_xml_message(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

xmlDoc *
xml_read_untrusted(const char *what, const char *xml, size_t len, size_t max,
    char *err, size_t errlen)
{
	if (len > max) {
		snprintf(err, errlen, "%s: too large: %zu bytes, limit %zu", what, len, max);
		return NULL;
	}
	/* No DTD means no entity declarations: nothing to expand, nothing to fetch. */
	if (memmem(xml, len, "<!DOCTYPE", 9) != NULL || memmem(xml, len, "<!ENTITY", 8) != NULL) {
		snprintf(err, errlen, "%s: DTDs are not allowed", what);
		return NULL;
	}
	/* Encoding errors bypass XML_PARSE_NOERROR and would land on stderr
	 * (the journal) once per bad feed poll; the caller reports err instead. */
	xmlSetGenericErrorFunc(NULL, ignore_xml_message);
	xmlDoc *doc = xmlReadMemory(xml, (int)len, what, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		snprintf(err, errlen, "%s: not well-formed XML (line %d: %.80s)", what,
		    e ? e->line : 0, e && e->message ? e->message : "?");
		size_t n = strlen(err);
		if (n > 0 && err[n - 1] == '\n')
			err[n - 1] = '\0';
		return NULL;
	}
	if (doc->intSubset != NULL) {
		snprintf(err, errlen, "%s: DTDs are not allowed", what);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

bool
xml_is(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

char *
xml_text(const xmlNode *n)
{
	xmlChar *raw = xmlNodeGetContent(n);
	const char *s = raw ? (const char *)raw : "";

	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	char *out = xmalloc(len + 1);
	memcpy(out, s, len);
	out[len] = '\0';
	xmlFree(raw);
	return out;
}

xmlTextWriter *
xml_writer_start(const char *what, xmlBuffer **bufp)
{
	xmlBuffer *buf = xmlBufferCreate();
	xmlTextWriter *w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;

	if (w == NULL)
		fatal("out of memory building %s", what);
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL);
	*bufp = buf;
	return w;
}

char *
xml_writer_finish(xmlTextWriter *w, xmlBuffer *buf, size_t *len)
{
	xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	size_t n = (size_t)xmlBufferLength(buf);
	char *out = xmalloc(n + 1);
	memcpy(out, xmlBufferContent(buf), n);
	out[n] = '\0';
	xmlBufferFree(buf);
	if (len != NULL)
		*len = n;
	return out;
}
