#include "audio/icy.h"

#include <stdio.h>
#include <string.h>

void
icy_init(struct icy_demux *d, long metaint)
{
	memset(d, 0, sizeof(*d));
	d->metaint = metaint > 0 ? metaint : 0;
	d->audio_left = d->metaint;
	d->meta_left = -1;
}

/* StreamTitle='...'; of a complete block, if any. */
static void
take_title(struct icy_demux *d)
{
	const char *t = strstr(d->meta, "StreamTitle='"), *end;
	char title[sizeof(d->title)];
	size_t n;

	if (!t)
		return;
	t += strlen("StreamTitle='");
	end = strstr(t, "';");
	n = end ? (size_t)(end - t) : strlen(t);
	if (n >= sizeof(title))
		n = sizeof(title) - 1;
	memcpy(title, t, n);
	title[n] = '\0';
	/* Printable text only: it goes to a log line. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)title[i] < 0x20 || title[i] == 0x7f)
			title[i] = ' ';
	if (strcmp(title, d->title) != 0) {
		snprintf(d->title, sizeof(d->title), "%s", title);
		d->title_changed = true;
	}
}

size_t
icy_strip(struct icy_demux *d, uint8_t *in, size_t len)
{
	size_t out = 0, i = 0;

	if (d->metaint == 0)
		return len;
	while (i < len) {
		if (d->audio_left > 0) {
			size_t n = len - i < (size_t)d->audio_left ? len - i : (size_t)d->audio_left;

			memmove(in + out, in + i, n);
			out += n;
			i += n;
			d->audio_left -= (long)n;
			continue;
		}
		if (d->meta_left < 0) {
			d->meta_left = in[i++] * 16;
			d->meta_len = 0;
		} else {
			size_t n = len - i < (size_t)d->meta_left ? len - i : (size_t)d->meta_left;

			memcpy(d->meta + d->meta_len, in + i, n);
			d->meta_len += n;
			d->meta_left -= (int)n;
			i += n;
		}
		if (d->meta_left == 0) {
			d->meta[d->meta_len] = '\0';
			if (d->meta_len > 0)
				take_title(d);
			d->meta_left = -1;
			d->audio_left = d->metaint;
		}
	}
	return out;
}
