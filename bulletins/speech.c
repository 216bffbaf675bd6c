/*
 * speech: libespeak-ng's synchronous mode, its samples gathered through the
 * synthesis callback and written as a 16-bit mono WAV file.
 */
#include "bulletins/speech.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <espeak-ng/speak_lib.h>
#include <sodium.h>

#include "core/log.h"
#include "core/util.h"

#define MAX_TEXT_BYTES (64 * 1024)
#define MAX_SPEECH_S 600	/* ten minutes of speech: more is a runaway text */

struct speech {
	bool ready;
	int rate;
};

struct pcm {
	short *s;
	size_t n, cap, max;
	bool overflow;
};

static int
on_samples(short *wav, int n, espeak_EVENT *ev)
{
	struct pcm *p = ev != NULL ? ev->user_data : NULL;

	if (p == NULL || wav == NULL || n <= 0)
		return 0;
	if (p->n + (size_t)n > p->max) {
		p->overflow = true;
		return 1;	/* abort synthesis */
	}
	if (p->n + (size_t)n > p->cap) {
		p->cap = (p->n + (size_t)n) * 2;
		p->s = xreallocarray(p->s, p->cap, sizeof(short));
	}
	memcpy(p->s + p->n, wav, (size_t)n * sizeof(short));
	p->n += (size_t)n;
	return 0;
}

struct speech *
speech_create(void)
{
	return xcalloc(1, sizeof(struct speech));
}

void
speech_destroy(struct speech *sp)
{
	if (sp == NULL)
		return;
	if (sp->ready)
		espeak_Terminate();
	free(sp);
}

static int
ensure_ready(struct speech *sp, char *err, size_t errlen)
{
	if (sp->ready)
		return 0;
	int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500, NULL, 0);
	if (rate <= 0) {
		snprintf(err, errlen, "libespeak-ng could not start (is espeak-ng-data installed?)");
		return -1;
	}
	espeak_SetSynthCallback(on_samples);
	sp->rate = rate;
	sp->ready = true;
	return 0;
}

/* "vi-VN" -> "vi-vn" and its primary subtag "vi". */
static bool
lang_tags(const char *tag, char *full, size_t fulllen, char *primary, size_t plen)
{
	size_t n = 0;

	while (isspace((unsigned char)*tag))
		tag++;
	for (; tag[n] != '\0' && !isspace((unsigned char)tag[n]) && n + 1 < fulllen; n++) {
		if (!isalnum((unsigned char)tag[n]) && tag[n] != '-' && tag[n] != '_')
			return false;
		full[n] = tag[n] == '_' ? '-' : (char)tolower((unsigned char)tag[n]);
	}
	full[n] = '\0';
	size_t p = strcspn(full, "-");
	if (n == 0 || p == 0 || p >= plen || p > 8)
		return false;
	memcpy(primary, full, p);
	primary[p] = '\0';
	return true;
}

/* The voice's first language shares the tag's primary subtag. */
static bool
voice_speaks(const char *primary)
{
	const espeak_VOICE *v = espeak_GetCurrentVoice();
	size_t n = strlen(primary);

	if (v == NULL || v->languages == NULL || v->languages[0] == '\0')
		return false;
	const char *l = v->languages + 1;	/* after the priority byte */
	return strncmp(l, primary, n) == 0 && (l[n] == '\0' || l[n] == '-');
}

static int
set_voice(const char *language, char *err, size_t errlen)
{
	char full[64], primary[16];

	if (!lang_tags(language, full, sizeof(full), primary, sizeof(primary))) {
		snprintf(err, errlen, "language \"%.40s\" is not a language tag", language);
		return -1;
	}
	const char *tries[] = { full, primary };
	for (size_t i = 0; i < 2; i++) {
		espeak_VOICE spec = { .languages = tries[i] };
		if (espeak_SetVoiceByProperties(&spec) == EE_OK && voice_speaks(primary))
			return 0;
	}
	snprintf(err, errlen, "no espeak-ng voice for language %s", language);
	return -1;
}

short *
speech_synth(struct speech *sp, const char *language, const char *text,
    size_t *nsamples, int *rate, char *err, size_t errlen)
{
	if (ensure_ready(sp, err, errlen) != 0 || set_voice(language, err, errlen) != 0)
		return NULL;
	size_t len = strlen(text);
	if (len > MAX_TEXT_BYTES) {
		snprintf(err, errlen, "text too large to speak: %zu bytes, limit %d", len,
		    MAX_TEXT_BYTES);
		return NULL;
	}
	struct pcm p = { .max = (size_t)sp->rate * MAX_SPEECH_S };
	espeak_ERROR e = espeak_Synth(text, len + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
	    NULL, &p);
	if (e == EE_OK)
		e = espeak_Synchronize();
	if (e != EE_OK || p.overflow || p.n == 0) {
		snprintf(err, errlen, "%s", p.overflow ? "speech longer than ten minutes" :
		    e != EE_OK ? "libespeak-ng failed to synthesise the text" :
		    "libespeak-ng produced no sound for the text");
		free(p.s);
		return NULL;
	}
	*nsamples = p.n;
	*rate = sp->rate;
	return p.s;
}

static void
put_le(unsigned char *b, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* RIFF/WAVE, PCM 16-bit mono: what FFmpeg's file source reads. */
static unsigned char *
wav_image(const short *s, size_t n, int rate, size_t *len)
{
	size_t data = n * 2;
	unsigned char *b = xmalloc(44 + data);

	memcpy(b, "RIFF", 4);
	put_le(b + 4, (uint32_t)(36 + data), 4);
	memcpy(b + 8, "WAVEfmt ", 8);
	put_le(b + 16, 16, 4);
	put_le(b + 20, 1, 2);			/* PCM */
	put_le(b + 22, 1, 2);			/* mono */
	put_le(b + 24, (uint32_t)rate, 4);
	put_le(b + 28, (uint32_t)rate * 2, 4);
	put_le(b + 32, 2, 2);
	put_le(b + 34, 16, 2);
	memcpy(b + 36, "data", 4);
	put_le(b + 40, (uint32_t)data, 4);
	for (size_t i = 0; i < n; i++)
		put_le(b + 44 + 2 * i, (uint16_t)s[i], 2);
	*len = 44 + data;
	return b;
}

char *
speech_to_wav(struct speech *sp, const char *dir, const char *language,
    const char *text, char *err, size_t errlen)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[2 * sizeof(h) + 1];
	crypto_hash_sha256_state st;
	struct stat sb;

	/* Named by what is said and how: the same text is synthesised once. */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)language, strlen(language) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)text, strlen(text));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	char *path = xasprintf("%s/speech-%s.wav", dir, hex);
	if (stat(path, &sb) == 0 && sb.st_size > 44)
		return path;

	size_t n, len;
	int rate;
	short *s = speech_synth(sp, language, text, &n, &rate, err, errlen);
	if (s == NULL) {
		free(path);
		return NULL;
	}
	unsigned char *wav = wav_image(s, n, rate, &len);
	free(s);
	int rc = atomic_write_file(path, wav, len, 0644, err, errlen);
	free(wav);
	if (rc != 0) {
		free(path);
		return NULL;
	}
	return path;
}

static void
add_sentence(char **out, size_t *len, const char *part)
{
	if (part == NULL)
		return;
	while (isspace((unsigned char)*part))
		part++;
	size_t n = strlen(part);
	while (n > 0 && isspace((unsigned char)part[n - 1]))
		n--;
	if (n == 0)
		return;
	bool ended = strchr(".!?", part[n - 1]) != NULL;
	*out = xrealloc(*out, *len + n + 4);
	if (*len > 0)
		(*out)[(*len)++] = ' ';
	memcpy(*out + *len, part, n);
	*len += n;
	if (!ended)	/* a pause between headline and description */
		(*out)[(*len)++] = '.';
	(*out)[*len] = '\0';
}

char *
speech_text_of(const struct cap_info *info)
{
	char *out = NULL;
	size_t len = 0;

	add_sentence(&out, &len, info->headline);
	add_sentence(&out, &len, info->description);
	add_sentence(&out, &len, info->instruction);
	return out;
}

static const struct { const char *lang, *words; } announcements[] = {
	{ "vi", "Đây là bản tin thử nghiệm. Không có tình huống khẩn cấp thật." },
	{ "en", "This is a test bulletin. There is no real emergency." },
	{ "fr", "Ceci est un bulletin d'essai. Il n'y a pas de véritable urgence." },
	{ "es", "Este es un boletín de prueba. No hay ninguna emergencia real." },
};

const char *
speech_test_announcement(const char *language, const char **lang_out)
{
	char full[64], primary[16];

	if (language != NULL &&
	    lang_tags(language, full, sizeof(full), primary, sizeof(primary)))
		for (size_t i = 0; i < ARRAY_LEN(announcements); i++)
			if (strcmp(primary, announcements[i].lang) == 0) {
				*lang_out = language;
				return announcements[i].words;
			}
	*lang_out = "vi";
	return announcements[0].words;
}
