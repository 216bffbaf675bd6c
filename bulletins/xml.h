/*
 * xml: the one way loaxa reads XML that comes from outside (CAP messages,
 * Atom feeds). Owns the safety rules: a size cap, no DTD (so no entity to
 * expand or fetch), no network, a linear pre-scan that refuses what would
 * make libxml2 slow (it checks duplicate attributes in quadratic time: an
 * element with 90,000 of them held the loop for a minute) or deep, and
 * libxml2's messages kept off stderr and turned into one error for the
 * caller.
 */
#ifndef LOAXA_XML_H
#define LOAXA_XML_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#define XML_MAX_ATTRS	64	/* attributes (namespace declarations too) on one element */
#define XML_MAX_DEPTH	64	/* elements inside each other */

/* Parses len bytes; what names the document in errors ("CAP", "Atom").
 * NULL with err on refusal; free the result with xmlFreeDoc. */
xmlDoc *xml_read_untrusted(const char *what, const char *xml, size_t len, size_t max,
    char *err, size_t errlen);
/* n is the element name in namespace ns. */
bool xml_is(const xmlNode *n, const char *ns, const char *name);
/* The element's text without surrounding white space, malloc'd. */
char *xml_text(const xmlNode *n);

/* A writer into memory, indented, the XML declaration written; what names
 * the document in the out-of-memory message. */
xmlTextWriter *xml_writer_start(const char *what, xmlBuffer **buf);
/* Ends the document and returns it as a malloc'd string (length in *len). */
char *xml_writer_finish(xmlTextWriter *w, xmlBuffer *buf, size_t *len);

#endif
