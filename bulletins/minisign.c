/* minisign: stub, being implemented. */
#include "bulletins/minisign.h"

#include <stdio.h>

static int not_yet(char *err, size_t errlen)
{
	snprintf(err, errlen, "minisign: not implemented yet");
	return -1;
}

int minisign_pubkey_parse(const char *text, size_t len, struct minisign_pubkey *out, char *err, size_t errlen)
{ (void)text; (void)len; (void)out; return not_yet(err, errlen); }
int minisign_pubkey_load(const char *path, struct minisign_pubkey *out, char *err, size_t errlen)
{ (void)path; (void)out; return not_yet(err, errlen); }
int minisign_verify(const struct minisign_pubkey *keys, size_t nkeys, const void *msg, size_t len,
    const char *sig_text, size_t sig_len, size_t *which, char *err, size_t errlen)
{ (void)keys; (void)nkeys; (void)msg; (void)len; (void)sig_text; (void)sig_len; (void)which; return not_yet(err, errlen); }
int minisign_seckey_load(const char *path, const char *password, struct minisign_seckey *out, char *err, size_t errlen)
{ (void)path; (void)password; (void)out; return not_yet(err, errlen); }
int minisign_keygen(const char *prefix, char *err, size_t errlen)
{ (void)prefix; return not_yet(err, errlen); }
char *minisign_sign(const struct minisign_seckey *sk, const void *msg, size_t len, const char *trusted_comment, char *err, size_t errlen)
{ (void)sk; (void)msg; (void)len; (void)trusted_comment; not_yet(err, errlen); return NULL; }
