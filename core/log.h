/*
 * log: the daemon's diagnostics (not the as-played log, see playedlog.h).
 * Owns where messages go: stderr in the foreground, syslog (and so the
 * journal) as a service. Also the allocators that never return NULL.
 */
#ifndef LOAXA_LOG_H
#define LOAXA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>

enum log_level { LOGL_ERR = 0, LOGL_WARN, LOGL_NOTICE, LOGL_INFO, LOGL_DEBUG };

/* foreground: messages to stderr; otherwise to syslog under ident. Messages
 * above max_level are dropped (loaxad -d passes LOGL_DEBUG). */
void log_init(const char *ident, bool foreground, enum log_level max_level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOGL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOGL_WARN, __VA_ARGS__)
#define log_notice(...)	log_msg(LOGL_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOGL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOGL_DEBUG, __VA_ARGS__)

/* Log at LOGL_ERR and exit(1). For the process-level failures only. */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
