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
#include <strings.h>
#include <time.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

#include "bulletins/rss.h"
#include "bulletins/xml.h"
#include "core/log.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define ATOM_MAX_BYTES (4 * 1024 * 1024)
#define CAP_MIME "application/cap+xml"

static bool
is_atom(const xmlNode *n, const char *name)
{
	return xml_is(n, ATOM_NS, name);
}

/* An XML media type: application/cap+xml, application/xml, text/xml,
 * anything+xml (parameters such as "; charset=utf-8" allowed). */
static bool
is_xml_type(const char *t)
{
	size_t n = strcspn(t, ";");

	while (n > 0 && isspace((unsigned char)t[n - 1]))
		n--;
	return (n >= 4 && strncasecmp(t + n - 4, "/xml", 4) == 0) ||
	    (n >= 4 && strncasecmp(t + n - 4, "+xml", 4) == 0);
}

/* How good a link is as the entry's CAP link: 2 cap+xml, 1 another XML
 * type or none, 0 not one (rel defaults to "alternate", RFC 4287 4.2.7.2). */
static int
link_rank(const xmlNode *link, char **href_out, char *why, size_t whylen)
{
	xmlChar *rel = xmlGetNoNsProp(link, BAD_CAST "rel");
	xmlChar *type = xmlGetNoNsProp(link, BAD_CAST "type");
	xmlChar *href = xmlGetNoNsProp(link, BAD_CAST "href");
	int rank = 0;

	if (rel != NULL && strcmp((char *)rel, "alternate") != 0)
		snprintf(why, whylen, "rel=\"%.40s\"", (char *)rel);
	else if (type != NULL && !is_xml_type((char *)type))
		snprintf(why, whylen, "type=\"%.60s\", not XML", (char *)type);
	else if (href == NULL || href[0] == '\0')
		snprintf(why, whylen, "no href");
	else
		rank = type != NULL && strncasecmp((char *)type, CAP_MIME, strlen(CAP_MIME)) == 0 ? 2 : 1;
	if (rank > 0)
		*href_out = xstrdup((char *)href);
	xmlFree(rel);
	xmlFree(type);
	xmlFree(href);
	return rank;
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
	int best = 0;
	char why[400] = "", one[120];

	for (const xmlNode *n = entry->children; n != NULL; n = n->next) {
		if (is_atom(n, "id"))
			set_once(&e->id, xml_text(n));
		else if (is_atom(n, "title"))
			set_once(&e->title, xml_text(n));
		else if (is_atom(n, "updated"))
			set_once(&e->updated, xml_text(n));
		else if (is_atom(n, "link")) {
			char *href = NULL;
			int rank = link_rank(n, &href, one, sizeof(one));
			if (rank > best) {
				free(e->cap_href);
				e->cap_href = href;
				best = rank;
			} else {
				free(href);
			}
			if (rank == 0 && strlen(why) + strlen(one) + 3 < sizeof(why))
				snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s",
				    why[0] ? "; " : "", one);
		}
	}
	if (e->cap_href == NULL)
		e->no_link_why = xasprintf("no link to a CAP message (%s)", why[0] ? why : "no <link>");
}

struct atom_entry *
atom_add_entry(struct atom_feed *f)
{
	f->entries = xreallocarray(f->entries, f->nentries + 1, sizeof(*f->entries));
	struct atom_entry *e = &f->entries[f->nentries++];
	*e = (struct atom_entry){ 0 };
	return e;
}

struct atom_feed *
atom_parse(const char *xml, size_t len, char *err, size_t errlen)
{
	xmlDoc *doc = xml_read_untrusted("Atom", xml, len, ATOM_MAX_BYTES, err, errlen);
	if (doc == NULL)
		return NULL;
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (root != NULL && strcmp((const char *)root->name, "rss") == 0) {
		struct atom_feed *f = rss_parse(root, err, errlen);
		xmlFreeDoc(doc);
		return f;
	}
	if (root == NULL || !is_atom(root, "feed")) {
		snprintf(err, errlen, "index: root element is <%.40s>, not an Atom <feed> (%s) "
		    "or RSS 2.0 <rss>", root ? (const char *)root->name : "", ATOM_NS);
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
		parse_entry(n, atom_add_entry(f));
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
		free(f->entries[i].no_link_why);
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
