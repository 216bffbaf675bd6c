/*
 * minisign: keys and signatures (Ed25519 via libsodium), in minisign's own
 * file formats so the standard minisign tool interoperates both ways.
 * Verifies legacy "Ed" and prehashed "ED" signatures and the global
 * signature over the trusted comment; signs prehashed "ED".
 */
#ifndef LOAXA_MINISIGN_H
#define LOAXA_MINISIGN_H

#include <stddef.h>

/* minisign keys and signatures (Ed25519 via libsodium), in minisign's own file formats so the
 * standard minisign tool interoperates both ways. Legacy "Ed" and prehashed "ED" signatures. */
struct minisign_pubkey { unsigned char key_id[8]; unsigned char pk[32]; };
struct minisign_seckey { unsigned char key_id[8]; unsigned char sk[64]; };

/* A key id as minisign shows it: the little-endian number in upper-case hex. */
void minisign_key_id_text(const unsigned char id[8], char out[17]);

int minisign_pubkey_parse(const char *text, size_t len, struct minisign_pubkey *out, char *err, size_t errlen);
int minisign_pubkey_load(const char *path, struct minisign_pubkey *out, char *err, size_t errlen);
/* Returns 0 when sig_text (a .minisig file's content) is a valid signature of msg by one of keys;
 * *which = index of the key. -1 with err otherwise ("unknown key id 0123...", "bad signature", ...). */
int minisign_verify(const struct minisign_pubkey *keys, size_t nkeys, const void *msg, size_t len,
    const char *sig_text, size_t sig_len, size_t *which, char *err, size_t errlen);
int minisign_seckey_load(const char *path, const char *password /* NULL: unencrypted */, struct minisign_seckey *out, char *err, size_t errlen);
int minisign_keygen(const char *prefix, char *err, size_t errlen);   /* PREFIX.pub, PREFIX.key (0600) */
/* Signs msg (prehashed ED); returns a malloc'd .minisig text. */
char *minisign_sign(const struct minisign_seckey *sk, const void *msg, size_t len, const char *trusted_comment, char *err, size_t errlen);

#endif
