/*
 * sessdb: the web layer's sessions and sign-in failures kept in
 * PostgreSQL (tables web_sessions, web_login_failures), so that any of
 * several collectors behind one proxy knows a session another opened.
 */
#ifndef LOAXA_COLLECTOR_SESSDB_H
#define LOAXA_COLLECTOR_SESSDB_H

#include "web/session.h"

/* The backend; its ctx is the collector's struct db. */
extern const struct web_session_backend sessdb_backend;

#endif
