/*
 * request: the inside of a web request, shared by server.c (which fills
 * it and sends the answer) and page.c (templates and static files). Not
 * for programs: they use the web_req_* and web_reply_* calls of web.h.
 */
#ifndef LOAXA_WEB_REQUEST_H
#define LOAXA_WEB_REQUEST_H

#include <microhttpd.h>

#include "web/web.h"

struct web_field {
	char *name, *data, *filename, *content_type;
	size_t len;
};

struct web_header {
	char *name, *value;
};

struct web_req {
	struct web_server *srv;
	struct MHD_Connection *conn;
	const char *method, *path;
	const struct web_route *route;
	char client[64];
	bool tls;
	/* the body as it arrives */
	char *body;
	size_t body_len, body_max;
	bool too_big;
	/* form fields, parsed once the body is complete */
	struct web_field *fields;
	size_t nfields;
	/* the signed-in user */
	struct web_session session;
	bool has_session;
	/* the answer */
	bool replied;
	int status;
	char *rtype;
	char *rdata;
	size_t rlen;
	struct web_header *headers;
	size_t nheaders;
};

/* The roots and catalogue the server was started with. */
const char *const *web_server_roots(const struct web_server *s);
const struct web_i18n *web_server_i18n(const struct web_server *s);

/* Reads ROOT/name for the first root that has it (name already checked:
 * no "..", no leading "/"); NULL when none has it. */
char *web_root_file(const struct web_server *s, const char *name, size_t *len);

/* Serves /static/NAME (GET): the file with its type, or 404. */
void web_serve_static(struct web_req *r, const char *name);

#endif
