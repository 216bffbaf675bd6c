/*
 * atom: index.atom, read as hostile input (size cap, no DTD, no network)
 * and written for loaxa-publish. Only what loaxa needs of RFC 4287: each
 * entry's id, title, updated and its CAP link.
 */
#include "bulletins/atom.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "bulletins/xml.h"
#include "core/log.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define ATOM_MAX_BYTES (4 * 1024 * 1024)
#define ATOM_MAX_ENTRIES 10000
#define CAP_MIME "application/cap+xml"

static bool
is_atom(const xmlNode *n, const char *name)
{
	return xml_is(n, ATOM_NS, name);
}

/* rel defaults to "alternate" (RFC 4287 4.2.7.2). */
static char *
cap_link_href(const xmlNode *link)
{
	xmlChar *rel = xmlGetNoNsProp(link, BAD_CAST "rel");
	xmlChar *type = xmlGetNoNsProp(link, BAD_CAST "type");
	xmlChar *href = xmlGetNoNsProp(link, BAD_CAST "href");
	char *out = NULL;
	if ((rel == NULL || strcmp((char *)rel, "alternate") == 0) && type != NULL &&
	    strcmp((char *)type, CAP_MIME) == 0 && href != NULL && href[0] != '\0')
		out = xstrdup((char *)href);
	xmlFree(rel);
	xmlFree(type);
	xmlFree(href);
	return out;
}

static void
set_once(char **field, char *value)
{
	if (*field == NULL)
		*field = value;
	else
		free(value);
}

static void
parse_entry(const xmlNode *entry, struct atom_entry *e)
{
	for (const xmlNode *n = entry->children; n != NULL; n = n->next) {
		if (is_atom(n, "id"))
			set_once(&e->id, xml_text(n));
		else if (is_atom(n, "title"))
			set_once(&e->title, xml_text(n));
		else if (is_atom(n, "updated"))
			set_once(&e->updated, xml_text(n));
		else if (is_atom(n, "link") && e->cap_href == NULL)
			e->cap_href = cap_link_href(n);
	}
}

struct atom_feed *
atom_parse(const char *xml, size_t len, char *err, size_t errlen)
{
	xmlDoc *doc = xml_read_untrusted("Atom", xml, len, ATOM_MAX_BYTES, err, errlen);
	if (doc == NULL)
		return NULL;
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (root == NULL || !is_atom(root, "feed")) {
		snprintf(err, errlen, "Atom: root element is not <feed> in %s", ATOM_NS);
		xmlFreeDoc(doc);
		return NULL;
	}
	struct atom_feed *f = xcalloc(1, sizeof(*f));
	for (const xmlNode *n = root->children; n != NULL; n = n->next) {
		if (!is_atom(n, "entry"))
			continue;
		if (f->nentries == ATOM_MAX_ENTRIES) {
			snprintf(err, errlen, "Atom: more than %d entries", ATOM_MAX_ENTRIES);
			xmlFreeDoc(doc);
			atom_free(f);
			return NULL;
		}
		f->entries = xreallocarray(f->entries, f->nentries + 1, sizeof(*f->entries));
		struct atom_entry *e = &f->entries[f->nentries++];
		*e = (struct atom_entry){ 0 };
		parse_entry(n, e);
	}
	xmlFreeDoc(doc);
	return f;
}

void
atom_free(struct atom_feed *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nentries; i++) {
		free(f->entries[i].id);
		free(f->entries[i].title);
		free(f->entries[i].updated);
		free(f->entries[i].cap_href);
	}
	free(f->entries);
	free(f);
}

static void
now_rfc3339(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The feed's <updated> is its newest entry's (RFC 3339 strings of one
 * writer compare as times), or now for an empty feed. */
static const char *
newest_update(const struct atom_entry *entries, size_t n, char *now, size_t nowlen)
{
	const char *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (entries[i].updated && (best == NULL || strcmp(entries[i].updated, best) > 0))
			best = entries[i].updated;
	if (best != NULL)
		return best;
	now_rfc3339(now, nowlen);
	return now;
}

static void
put(xmlTextWriter *w, const char *name, const char *value)
{
	xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST(value ? value : ""));
}

char *
atom_build(const char *feed_title, const char *feed_id,
    const struct atom_entry *entries, size_t n, size_t *len)
{
	char now[32];
	xmlBuffer *buf;
	xmlTextWriter *w = xml_writer_start("index.atom", &buf);
	xmlTextWriterStartElementNS(w, NULL, BAD_CAST "feed", BAD_CAST ATOM_NS);
	put(w, "id", feed_id);
	put(w, "title", feed_title);
	put(w, "updated", newest_update(entries, n, now, sizeof(now)));
	xmlTextWriterStartElement(w, BAD_CAST "author");
	put(w, "name", feed_title);
	xmlTextWriterEndElement(w);
	for (size_t i = 0; i < n; i++) {
		const struct atom_entry *e = &entries[i];
		xmlTextWriterStartElement(w, BAD_CAST "entry");
		put(w, "id", e->id);
		put(w, "title", e->title);
		put(w, "updated", e->updated);
		if (e->cap_href != NULL) {
			xmlTextWriterStartElement(w, BAD_CAST "link");
			xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "alternate");
			xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST CAP_MIME);
			xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST e->cap_href);
			xmlTextWriterEndElement(w);
		}
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
	return xml_writer_finish(w, buf, len);
}
