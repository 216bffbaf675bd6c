/*
 * rss: an RSS 2.0 channel as an alert index (what many authorities serve):
 * each <item>'s <link> names a CAP message; <guid>, <title> and <pubDate>
 * stand for Atom's id, title and updated. Called by atom_parse on a
 * document whose root is <rss>, already read under xml.h's safety rules.
 */
#ifndef LOAXA_RSS_H
#define LOAXA_RSS_H

#include <stddef.h>

#include <libxml/tree.h>

#include "bulletins/atom.h"

/* NULL with err when root is not an RSS 2.0 channel. */
struct atom_feed *rss_parse(const xmlNode *root, char *err, size_t errlen);

#endif
