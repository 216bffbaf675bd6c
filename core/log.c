#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/*
 * The one process-wide piece of state: where diagnostics go. Set once at
 * start-up by main() before any thread exists; read-only afterwards.
 */
static struct {
	bool foreground;
	enum log_level max_level;
	const char *ident;	/* the program's name, a string literal */
} logger = { true, LOGL_INFO, "loaxad" };

static const char *const level_names[] = {
	[LOGL_ERR] = "error", [LOGL_WARN] = "warning", [LOGL_NOTICE] = "notice",
	[LOGL_INFO] = "info", [LOGL_DEBUG] = "debug",
};

static const int syslog_prio[] = {
	[LOGL_ERR] = LOG_ERR, [LOGL_WARN] = LOG_WARNING, [LOGL_NOTICE] = LOG_NOTICE,
	[LOGL_INFO] = LOG_INFO, [LOGL_DEBUG] = LOG_DEBUG,
};

void
log_init(const char *ident, bool foreground, enum log_level max_level)
{
	logger.foreground = foreground;
	logger.max_level = max_level;
	logger.ident = ident;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > logger.max_level)
		return;
	if (!logger.foreground) {
		vsyslog(syslog_prio[level], fmt, ap);
		return;
	}
	/* One fprintf per line so lines from two threads never interleave. */
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s: %s\n", tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000, logger.ident, level_names[level], line);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOGL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		fatal("out of memory allocating %zu bytes", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		fatal("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (p == NULL)
		fatal("out of memory reallocating %zu bytes", size);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		fatal("allocation overflow: %zu x %zu", n, size);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		fatal("out of memory copying a string");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	int n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory formatting a string");
	return p;
}
