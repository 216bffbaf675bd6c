#include "bulletins/retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

int64_t
retry_backoff_ms(int failures, double r)
{
	double s = RETRY_MIN_S;

	for (int i = 1; i < failures && s < RETRY_MAX_S; i++)
		s *= 2;
	if (s > RETRY_MAX_S)
		s = RETRY_MAX_S;
	/* +-15 %: stations refused together do not come back together. */
	return (int64_t)(s * 1000.0 * (0.85 + 0.3 * r));
}

struct entry_retry *
retry_find(struct retry_set *s, const char *url)
{
	for (size_t i = 0; url != NULL && i < s->n; i++)
		if (strcmp(s->v[i].url, url) == 0)
			return &s->v[i];
	return NULL;
}

static void
free_at(struct retry_set *s, size_t i)
{
	struct entry_retry *rt = &s->v[i];

	free(rt->url);
	free(rt->name);
	free(rt->etag);
	free(rt->last_modified);
	free(rt->reason);
	s->v[i] = s->v[--s->n];
}

/* A hostile index listing new URLs on every poll must not grow memory. */
static void
evict_oldest(struct retry_set *s)
{
	size_t old = 0;

	for (size_t i = 1; i < s->n; i++)
		if (s->v[i].noted_ms < s->v[old].noted_ms)
			old = i;
	free_at(s, old);
}

struct entry_retry *
retry_note(struct retry_set *s, const char *url, const char *name,
    const char *etag, const char *last_modified, const char *sha256, unsigned gen,
    int64_t now_ms, double r)
{
	struct entry_retry *rt = retry_find(s, url);

	if (rt == NULL) {
		if (s->n >= RETRY_MAX)
			evict_oldest(s);
		s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
		rt = &s->v[s->n++];
		memset(rt, 0, sizeof(*rt));
		rt->url = xstrdup(url);
		rt->name = xstrdup(name != NULL ? name : url);
	} else if (strcmp(rt->sha256, sha256 != NULL ? sha256 : "") != 0) {
		rt->failures = 0;
	}
	rt->failures++;
	free(rt->etag);
	free(rt->last_modified);
	rt->etag = etag != NULL ? xstrdup(etag) : NULL;
	rt->last_modified = last_modified != NULL ? xstrdup(last_modified) : NULL;
	snprintf(rt->sha256, sizeof(rt->sha256), "%s", sha256 != NULL ? sha256 : "");
	rt->noted_ms = now_ms;
	rt->due_ms = now_ms + retry_backoff_ms(rt->failures, r);
	rt->gen = gen;
	return rt;
}

void
retry_forget(struct retry_set *s, const char *url)
{
	struct entry_retry *rt = retry_find(s, url);

	if (rt != NULL)
		free_at(s, (size_t)(rt - s->v));
}

void
retry_prune(struct retry_set *s, unsigned gen)
{
	for (size_t i = 0; i < s->n;) {
		if (s->v[i].gen != gen)
			free_at(s, i);
		else
			i++;
	}
}

void
retry_clear(struct retry_set *s)
{
	while (s->n > 0)
		free_at(s, s->n - 1);
	free(s->v);
	s->v = NULL;
}
