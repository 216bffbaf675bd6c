/*
 * speech: text-only bulletins spoken (libespeak-ng) into a WAV file in the
 * audio cache, so that they air like any other bulletin audio. Owns the
 * synthesiser (initialised on first use, one voice per call, chosen from a
 * CAP language tag), the text read (headline, description, instruction)
 * and the test announcement's words in each language it knows.
 *
 * libespeak-ng keeps global state and is not thread-safe: call only from
 * the loop thread. Synthesis is synchronous: a 60-word bulletin takes a
 * fraction of a second even on a Raspberry Pi (bench/RESULTS.md), which
 * the loop can afford once per new bulletin.
 */
#ifndef LOAXA_SPEECH_H
#define LOAXA_SPEECH_H

#include <stddef.h>

#include "bulletins/cap.h"

struct speech;

struct speech *speech_create(void);
void speech_destroy(struct speech *sp);

/* The words read for info: headline, description and instruction, each
 * ended as a sentence; NULL when the info has none of them. malloc'd. */
char *speech_text_of(const struct cap_info *info);
/* The test announcement ("Đây là bản tin thử nghiệm…") in language, or in
 * Vietnamese when no words are known for it; *lang_out gets the language
 * the words are in. */
const char *speech_test_announcement(const char *language, const char **lang_out);

/* Speaks text in language (a CAP/BCP 47 tag: "vi-VN", "en-US", "fr-CA")
 * into DIR/<sha256 of language and text>.wav (written atomically; an
 * existing file is reused). Returns the path (malloc'd), or NULL with a
 * reason ("no espeak-ng voice for language xx-YY"). */
char *speech_to_wav(struct speech *sp, const char *dir, const char *language,
    const char *text, char *err, size_t errlen);

/* Synthesises text into memory (16-bit mono samples at *rate), for the
 * benchmark and tests; NULL with err. */
short *speech_synth(struct speech *sp, const char *language, const char *text,
    size_t *nsamples, int *rate, char *err, size_t errlen);

#endif
