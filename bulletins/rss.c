/*
 * rss: RSS 2.0 has no namespace; its elements are read only when they
 * have none, so that another vocabulary's <link> (Atom's, inside an RSS
 * item) is not taken for the item's.
 */
#include "bulletins/rss.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulletins/xml.h"
#include "core/log.h"

static bool
is_rss(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns == NULL &&
	    strcmp((const char *)n->name, name) == 0;
}

static void
take_once(char **field, const xmlNode *n)
{
	if (*field == NULL)
		*field = xml_text(n);
}

static void
parse_item(const xmlNode *item, struct atom_entry *e)
{
	for (const xmlNode *n = item->children; n != NULL; n = n->next) {
		if (is_rss(n, "guid"))
			take_once(&e->id, n);
		else if (is_rss(n, "title"))
			take_once(&e->title, n);
		else if (is_rss(n, "pubDate"))
			take_once(&e->updated, n);
		else if (is_rss(n, "link"))
			take_once(&e->cap_href, n);
	}
	if (e->cap_href != NULL && e->cap_href[0] == '\0') {
		free(e->cap_href);
		e->cap_href = NULL;
	}
	if (e->cap_href == NULL)
		e->no_link_why = xstrdup("no link to a CAP message (RSS <item> without <link>)");
	if (e->id == NULL && e->cap_href != NULL)
		e->id = xstrdup(e->cap_href);
}

struct atom_feed *
rss_parse(const xmlNode *root, char *err, size_t errlen)
{
	xmlChar *version = xmlGetNoNsProp(root, BAD_CAST "version");
	bool v2 = version != NULL && strcmp((const char *)version, "2.0") == 0;
	const xmlNode *channel = NULL;

	xmlFree(version);
	if (!is_rss(root, "rss") || !v2) {
		snprintf(err, errlen, "index: <rss> is not RSS 2.0 (version=\"2.0\", no namespace)");
		return NULL;
	}
	for (const xmlNode *n = root->children; n != NULL && channel == NULL; n = n->next)
		if (is_rss(n, "channel"))
			channel = n;
	if (channel == NULL) {
		snprintf(err, errlen, "index: RSS without <channel>");
		return NULL;
	}
	struct atom_feed *f = xcalloc(1, sizeof(*f));
	for (const xmlNode *n = channel->children; n != NULL; n = n->next) {
		if (!is_rss(n, "item"))
			continue;
		if (f->nentries == ATOM_MAX_ENTRIES) {
			snprintf(err, errlen, "index: more than %d RSS items", ATOM_MAX_ENTRIES);
			atom_free(f);
			return NULL;
		}
		parse_item(n, atom_add_entry(f));
	}
	return f;
}
