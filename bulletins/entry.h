/*
 * entry: one entry of a feed's index taken through its CAP document, the
 * signature by the feed's keys, the CAP policy (expiry judged by the latest
 * time known, bulletins/trustclock.h) and its audio, into the queue or a
 * refusal: for good only when the signature verified and policy refused;
 * for now (anything a transport could cause) with the entry's own back-off
 * (bulletins/retry.h). The entries of a feed run side by side; feed.c
 * decides how many at once and in which order their audio is fetched.
 */
#ifndef LOAXA_ENTRY_H
#define LOAXA_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulletins/policy.h"

struct feed;
struct cap_alert;
struct cap_resource;

enum entry_state {
	ENTRY_WAITING,		/* listed, not started: waits for a document slot */
	ENTRY_DOC,		/* document and signature */
	ENTRY_AUDIO_WAIT,	/* accepted, waits for an audio slot */
	ENTRY_AUDIO,		/* downloading its audio */
};

struct entry {
	struct feed *f;
	struct entry *next;
	enum entry_state state;
	unsigned long long order;	/* arrival: first listed, first served */
	uint64_t xfer;
	char *name;			/* atom id or href, until the CAP names it */
	char *url;			/* as listed: the key of its retry */
	bool revalidating;		/* backing off: fetched only to see whether it changed */
	char *doc_url, *xml, *xml_etag, *xml_lm;
	size_t xml_len;
	char xml_sha256[65];
	struct cap_alert *alert;
	struct policy_verdict verdict;
	char key[1024];
	char signer[17];		/* key id that verified it */
	const struct cap_resource *res;
	char *audio_url;
	long long audio_max;
	char *tmp_audio;
};

/* A new entry for url (copied), listed as name; revalidating: it is backing
 * off and is fetched only to see whether its text changed. */
struct entry *entry_new(struct feed *f, const char *url, const char *name,
    bool revalidating);
/* Abandons its transfer and partial download. */
void entry_free(struct entry *e);
/* WAITING -> DOC: fetches the document. May end the entry at once. */
void entry_start(struct entry *e);
/* AUDIO_WAIT -> AUDIO: fetches the audio. May end the entry at once. */
void entry_start_audio(struct entry *e);

#endif
