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

/* Skips from p to just past the first `end` (or to the end of the text). */
static const char *
skip_past(const char *p, const char *stop, const char *end)
{
	const char *e = memmem(p, (size_t)(stop - p), end, strlen(end));

	return e != NULL ? e + strlen(end) : stop;
}

/* One linear pass over the markup: no element with more than
 * XML_MAX_ATTRS attributes, none deeper than XML_MAX_DEPTH. Not a parser:
 * what it lets through, libxml2 still judges. 0, or -1 with why. */
static int
prescan(const char *xml, size_t len, const char **why)
{
	const char *p = xml, *stop = xml + len;
	int depth = 0;

	while ((p = memchr(p, '<', (size_t)(stop - p))) != NULL) {
		if (stop - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			p = skip_past(p + 4, stop, "-->");
		} else if (stop - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
			p = skip_past(p + 9, stop, "]]>");
		} else if (stop - p >= 2 && (p[1] == '?' || p[1] == '!')) {
			p = skip_past(p + 2, stop, ">");
		} else if (stop - p >= 2 && p[1] == '/') {
			depth--;
			p = skip_past(p + 2, stop, ">");
		} else {
			int attrs = 0;
			char quote = 0;
			p++;
			for (; p < stop && (quote != 0 || *p != '>'); p++) {
				if (quote != 0) {
					if (*p == quote)
						quote = 0;
				} else if (*p == '"' || *p == '\'') {
					quote = *p;
				} else if (*p == '=' && ++attrs > XML_MAX_ATTRS) {
					*why = "an element has too many attributes";
					return -1;
				}
			}
			if (p < stop && p[-1] != '/' && ++depth > XML_MAX_DEPTH) {
				*why = "elements are nested too deep";
				return -1;
			}
		}
		if (p >= stop)
			break;
	}
	return 0;
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
	const char *why = NULL;
	if (prescan(xml, len, &why) != 0) {
		snprintf(err, errlen, "%s: refused: %s (at most %d attributes, %d levels)",
		    what, why, XML_MAX_ATTRS, XML_MAX_DEPTH);
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
