/*
 * minisign: minisign's key and signature files, read and written with
 * libsodium. Formats (all binary parts base64 on one line):
 *   public key:  "Ed" | key_id[8] | pk[32]
 *   secret key:  "Ed" | kdf "Sc" or 0,0 | "B2" | salt[32] | opslimit u64le |
 *                memlimit u64le | (key_id[8] | sk[64] | chk[32]) xor'ed with
 *                scrypt(password) when kdf is "Sc";
 *                chk = BLAKE2b-256("Ed" | key_id | sk)
 *   signature:   "untrusted comment: ..." / base64("Ed"|"ED" | key_id | sig[64]) /
 *                "trusted comment: TEXT" / base64(Ed25519(sig | TEXT))
 * "ED" signs BLAKE2b-512(message), "Ed" (legacy) the message itself.
 */
#include "bulletins/minisign.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/log.h"
#include "core/util.h"

#define KEY_ID_LEN 8
#define SIG_LEN crypto_sign_BYTES
#define PUBKEY_BIN_LEN (2 + KEY_ID_LEN + crypto_sign_PUBLICKEYBYTES)
#define SIG_BIN_LEN (2 + KEY_ID_LEN + SIG_LEN)
#define SALT_LEN 32
#define CHK_LEN 32
#define KEYNUM_SK_LEN (KEY_ID_LEN + crypto_sign_SECRETKEYBYTES + CHK_LEN)
#define SECKEY_BIN_LEN (2 + 2 + 2 + SALT_LEN + 8 + 8 + KEYNUM_SK_LEN)
#define MAX_KEY_FILE 4096
#define MAX_COMMENT 8192
#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "

struct line { const char *p; size_t len; };

static int
crypto_ready(char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	return 0;
}

/* Splits off the next line (without "\n" or "\r\n"); false at end of text. */
static bool
next_line(const char **cur, const char *end, struct line *out)
{
	if (*cur >= end)
		return false;
	const char *nl = memchr(*cur, '\n', (size_t)(end - *cur));
	const char *stop = nl ? nl : end;
	out->p = *cur;
	out->len = (size_t)(stop - *cur);
	if (out->len > 0 && out->p[out->len - 1] == '\r')
		out->len--;
	*cur = nl ? nl + 1 : end;
	return true;
}

static bool
line_has_prefix(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);
	return l->len >= n && memcmp(l->p, prefix, n) == 0;
}

/* Decodes one base64 line into exactly want bytes. */
static int
decode_exact(const struct line *l, unsigned char *out, size_t want)
{
	size_t got = 0;
	const char *endp = NULL;
	if (l->len == 0 || l->len > 4 * want)
		return -1;
	if (sodium_base642bin(out, want, l->p, l->len, " \t", &got, &endp,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	return got == want && endp == l->p + l->len ? 0 : -1;
}

static char *
encode(const unsigned char *bin, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = xmalloc(n);
	sodium_bin2base64(b64, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return b64;
}

/* minisign shows key ids as the little-endian number in upper-case hex. */
void
minisign_key_id_text(const unsigned char id[8], char out[17])
{
	uint64_t v = 0;
	for (int i = KEY_ID_LEN - 1; i >= 0; i--)
		v = (v << 8) | id[i];
	snprintf(out, 17, "%016" PRIX64, v);
}

int
minisign_pubkey_parse(const char *text, size_t len, struct minisign_pubkey *out,
    char *err, size_t errlen)
{
	const char *cur = text, *end = text + len;
	struct line l;
	unsigned char bin[PUBKEY_BIN_LEN];

	if (crypto_ready(err, errlen) < 0)
		return -1;
	/* The comment line is optional: a bare "RW..." string is accepted too. */
	do {
		if (!next_line(&cur, end, &l)) {
			snprintf(err, errlen, "public key: no key line");
			return -1;
		}
	} while (l.len == 0 || line_has_prefix(&l, UNTRUSTED_PREFIX));
	if (decode_exact(&l, bin, sizeof(bin)) < 0) {
		snprintf(err, errlen, "public key: not a minisign public key (bad base64 or length)");
		return -1;
	}
	if (memcmp(bin, "Ed", 2) != 0) {
		snprintf(err, errlen, "public key: unsupported algorithm (want Ed25519)");
		return -1;
	}
	memcpy(out->key_id, bin + 2, KEY_ID_LEN);
	memcpy(out->pk, bin + 2 + KEY_ID_LEN, sizeof(out->pk));
	return 0;
}

int
minisign_pubkey_load(const char *path, struct minisign_pubkey *out, char *err,
    size_t errlen)
{
	char msg[256];
	size_t len;
	char *text = read_file_all(path, MAX_KEY_FILE, &len, err, errlen);
	if (text == NULL)
		return -1;
	int rc = minisign_pubkey_parse(text, len, out, msg, sizeof(msg));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(text);
	return rc;
}

struct parsed_sig {
	unsigned char alg[2];
	unsigned char key_id[KEY_ID_LEN];
	unsigned char sig[SIG_LEN];
	struct line trusted;	/* the text after "trusted comment: " */
	unsigned char global_sig[SIG_LEN];
};

static int
parse_sig(const char *text, size_t len, struct parsed_sig *ps, char *err,
    size_t errlen)
{
	const char *cur = text, *end = text + len;
	struct line l;
	unsigned char bin[SIG_BIN_LEN];

	if (!next_line(&cur, end, &l) || !line_has_prefix(&l, UNTRUSTED_PREFIX)) {
		snprintf(err, errlen, "signature: first line is not an untrusted comment");
		return -1;
	}
	if (!next_line(&cur, end, &l) || decode_exact(&l, bin, sizeof(bin)) < 0) {
		snprintf(err, errlen, "signature: bad signature line");
		return -1;
	}
	memcpy(ps->alg, bin, 2);
	if (memcmp(ps->alg, "Ed", 2) != 0 && memcmp(ps->alg, "ED", 2) != 0) {
		snprintf(err, errlen, "signature: unsupported algorithm");
		return -1;
	}
	memcpy(ps->key_id, bin + 2, KEY_ID_LEN);
	memcpy(ps->sig, bin + 2 + KEY_ID_LEN, SIG_LEN);
	if (!next_line(&cur, end, &l) || !line_has_prefix(&l, TRUSTED_PREFIX)) {
		snprintf(err, errlen, "signature: missing trusted comment");
		return -1;
	}
	ps->trusted.p = l.p + strlen(TRUSTED_PREFIX);
	ps->trusted.len = l.len - strlen(TRUSTED_PREFIX);
	if (ps->trusted.len > MAX_COMMENT) {
		snprintf(err, errlen, "signature: trusted comment too long");
		return -1;
	}
	if (!next_line(&cur, end, &l) || decode_exact(&l, ps->global_sig, SIG_LEN) < 0) {
		snprintf(err, errlen, "signature: bad global signature line");
		return -1;
	}
	return 0;
}

static const struct minisign_pubkey *
find_key(const struct minisign_pubkey *keys, size_t nkeys,
    const unsigned char key_id[KEY_ID_LEN], size_t *which)
{
	for (size_t i = 0; i < nkeys; i++) {
		if (memcmp(keys[i].key_id, key_id, KEY_ID_LEN) == 0) {
			*which = i;
			return &keys[i];
		}
	}
	return NULL;
}

static int
check_global_sig(const struct parsed_sig *ps, const struct minisign_pubkey *key)
{
	size_t n = SIG_LEN + ps->trusted.len;
	unsigned char *buf = xmalloc(n);
	memcpy(buf, ps->sig, SIG_LEN);
	memcpy(buf + SIG_LEN, ps->trusted.p, ps->trusted.len);
	int rc = crypto_sign_verify_detached(ps->global_sig, buf, n, key->pk);
	free(buf);
	return rc == 0 ? 0 : -1;
}

int
minisign_verify(const struct minisign_pubkey *keys, size_t nkeys,
    const void *msg, size_t len, const char *sig_text, size_t sig_len,
    size_t *which, char *err, size_t errlen)
{
	struct parsed_sig ps;
	size_t idx = 0;
	int rc;

	if (crypto_ready(err, errlen) < 0 || parse_sig(sig_text, sig_len, &ps, err, errlen) < 0)
		return -1;
	const struct minisign_pubkey *key = find_key(keys, nkeys, ps.key_id, &idx);
	if (key == NULL) {
		char id[17];
		minisign_key_id_text(ps.key_id, id);
		snprintf(err, errlen, "unknown key id %s", id);
		return -1;
	}
	if (memcmp(ps.alg, "ED", 2) == 0) {
		unsigned char h[crypto_generichash_BYTES_MAX];
		crypto_generichash(h, sizeof(h), msg, len, NULL, 0);
		rc = crypto_sign_verify_detached(ps.sig, h, sizeof(h), key->pk);
	} else {
		rc = crypto_sign_verify_detached(ps.sig, msg, len, key->pk);
	}
	if (rc != 0) {
		snprintf(err, errlen, "bad signature");
		return -1;
	}
	if (check_global_sig(&ps, key) < 0) {
		snprintf(err, errlen, "bad signature of the trusted comment");
		return -1;
	}
	if (which != NULL)
		*which = idx;
	return 0;
}

static uint64_t
load_u64le(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
seckey_checksum(const unsigned char *key_id, const unsigned char *sk,
    unsigned char chk[CHK_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, CHK_LEN);
	crypto_generichash_update(&st, (const unsigned char *)"Ed", 2);
	crypto_generichash_update(&st, key_id, KEY_ID_LEN);
	crypto_generichash_update(&st, sk, crypto_sign_SECRETKEYBYTES);
	crypto_generichash_final(&st, chk, CHK_LEN);
}

/* Undoes the scrypt stream cipher minisign puts over key_id|sk|chk. */
static int
decrypt_keynum_sk(unsigned char *blob, const unsigned char *salt, uint64_t ops,
    uint64_t mem, const char *password)
{
	unsigned char stream[KEYNUM_SK_LEN];
	if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof(stream), password,
	    strlen(password), salt, ops, (size_t)mem) != 0)
		return -1;
	for (size_t i = 0; i < KEYNUM_SK_LEN; i++)
		blob[i] ^= stream[i];
	sodium_memzero(stream, sizeof(stream));
	return 0;
}

static int
seckey_decode(unsigned char *bin, const char *password,
    struct minisign_seckey *out, char *err, size_t errlen)
{
	static const unsigned char no_kdf[2] = { 0, 0 };
	static const unsigned char zero_chk[CHK_LEN];
	unsigned char *kdf = bin + 2, *chk_alg = bin + 4, *salt = bin + 6;
	unsigned char *blob = salt + SALT_LEN + 16;
	unsigned char chk[CHK_LEN], pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];

	if (memcmp(bin, "Ed", 2) != 0 || memcmp(chk_alg, "B2", 2) != 0) {
		snprintf(err, errlen, "unsupported secret key algorithm");
		return -1;
	}
	if (memcmp(kdf, "Sc", 2) == 0) {
		if (password == NULL) {
			snprintf(err, errlen, "secret key is encrypted with a password (make one with minisign -G -W)");
			return -1;
		}
		if (decrypt_keynum_sk(blob, salt, load_u64le(salt + SALT_LEN),
		    load_u64le(salt + SALT_LEN + 8), password) < 0) {
			snprintf(err, errlen, "secret key: key derivation failed (out of memory?)");
			return -1;
		}
	} else if (memcmp(kdf, no_kdf, 2) != 0) {
		snprintf(err, errlen, "unsupported secret key derivation");
		return -1;
	}
	memcpy(out->key_id, blob, KEY_ID_LEN);
	memcpy(out->sk, blob + KEY_ID_LEN, sizeof(out->sk));
	seckey_checksum(out->key_id, out->sk, chk);
	/* minisign -W writes an all-zero checksum for unencrypted keys. */
	bool chk_ok = sodium_memcmp(chk, blob + KEY_ID_LEN + 64, CHK_LEN) == 0 ||
	    (memcmp(kdf, no_kdf, 2) == 0 &&
	     memcmp(blob + KEY_ID_LEN + 64, zero_chk, CHK_LEN) == 0);
	/* The public half must match the seed: catches corruption either way. */
	crypto_sign_seed_keypair(pk, sk, out->sk);
	bool pair_ok = memcmp(pk, out->sk + 32, sizeof(pk)) == 0;
	sodium_memzero(sk, sizeof(sk));
	if (!chk_ok || !pair_ok) {
		snprintf(err, errlen, password ? "wrong password for the secret key" :
		    "secret key is corrupt (checksum mismatch)");
		sodium_memzero(out, sizeof(*out));
		return -1;
	}
	return 0;
}

int
minisign_seckey_load(const char *path, const char *password,
    struct minisign_seckey *out, char *err, size_t errlen)
{
	char msg[256];
	unsigned char bin[SECKEY_BIN_LEN];
	size_t len;
	struct line l;
	int rc = -1;

	if (crypto_ready(err, errlen) < 0)
		return -1;
	char *text = read_file_all(path, MAX_KEY_FILE, &len, err, errlen);
	if (text == NULL)
		return -1;
	const char *cur = text, *end = text + len;
	do {
		if (!next_line(&cur, end, &l)) {
			snprintf(err, errlen, "%s: not a minisign secret key (no key line)", path);
			goto out;
		}
	} while (l.len == 0 || line_has_prefix(&l, UNTRUSTED_PREFIX));
	if (decode_exact(&l, bin, sizeof(bin)) < 0) {
		snprintf(err, errlen, "%s: not a minisign secret key (bad base64 or length)", path);
		goto out;
	}
	rc = seckey_decode(bin, password, out, msg, sizeof(msg));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
out:
	sodium_memzero(bin, sizeof(bin));
	sodium_memzero(text, len);
	free(text);
	return rc;
}

static int
write_text(const char *path, const char *text, int mode, char *err, size_t errlen)
{
	return atomic_write_file(path, text, strlen(text), mode, err, errlen);
}

int
minisign_keygen(const char *prefix, char *err, size_t errlen)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char key_id[KEY_ID_LEN], pub_bin[PUBKEY_BIN_LEN];
	unsigned char sec_bin[SECKEY_BIN_LEN] = { 0 };
	char id_hex[17];
	int rc = -1;

	if (crypto_ready(err, errlen) < 0)
		return -1;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(key_id, sizeof(key_id));
	minisign_key_id_text(key_id, id_hex);

	memcpy(pub_bin, "Ed", 2);
	memcpy(pub_bin + 2, key_id, KEY_ID_LEN);
	memcpy(pub_bin + 2 + KEY_ID_LEN, pk, sizeof(pk));

	/* Unencrypted like `minisign -G -W`: kdf bytes, salt and limits zero. */
	unsigned char *blob = sec_bin + 6 + SALT_LEN + 16;
	memcpy(sec_bin, "Ed", 2);
	memcpy(sec_bin + 4, "B2", 2);
	memcpy(blob, key_id, KEY_ID_LEN);
	memcpy(blob + KEY_ID_LEN, sk, sizeof(sk));
	seckey_checksum(key_id, sk, blob + KEY_ID_LEN + sizeof(sk));

	char *pub64 = encode(pub_bin, sizeof(pub_bin));
	char *sec64 = encode(sec_bin, sizeof(sec_bin));
	char *pub_text = xasprintf("untrusted comment: minisign public key %s\n%s\n", id_hex, pub64);
	char *sec_text = xasprintf("untrusted comment: minisign secret key %s (unencrypted: keep it on the officer's machine)\n%s\n",
	    id_hex, sec64);
	char *pub_path = xasprintf("%s.pub", prefix);
	char *sec_path = xasprintf("%s.key", prefix);

	if (write_text(sec_path, sec_text, 0600, err, errlen) == 0 &&
	    write_text(pub_path, pub_text, 0644, err, errlen) == 0)
		rc = 0;

	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sec_bin, sizeof(sec_bin));
	sodium_memzero(sec64, strlen(sec64));
	sodium_memzero(sec_text, strlen(sec_text));
	free(pub64);
	free(sec64);
	free(pub_text);
	free(sec_text);
	free(pub_path);
	free(sec_path);
	return rc;
}

char *
minisign_sign(const struct minisign_seckey *sk, const void *msg, size_t len,
    const char *trusted_comment, char *err, size_t errlen)
{
	unsigned char hash[crypto_generichash_BYTES_MAX];
	unsigned char sig_bin[SIG_BIN_LEN], global[SIG_LEN];
	char id_hex[17];

	if (crypto_ready(err, errlen) < 0)
		return NULL;
	if (strchr(trusted_comment, '\n') || strchr(trusted_comment, '\r') ||
	    strlen(trusted_comment) > MAX_COMMENT) {
		snprintf(err, errlen, "trusted comment must be one line of at most %d bytes", MAX_COMMENT);
		return NULL;
	}
	crypto_generichash(hash, sizeof(hash), msg, len, NULL, 0);
	memcpy(sig_bin, "ED", 2);
	memcpy(sig_bin + 2, sk->key_id, KEY_ID_LEN);
	crypto_sign_detached(sig_bin + 2 + KEY_ID_LEN, NULL, hash, sizeof(hash), sk->sk);

	size_t tlen = strlen(trusted_comment);
	unsigned char *gbuf = xmalloc(SIG_LEN + tlen);
	memcpy(gbuf, sig_bin + 2 + KEY_ID_LEN, SIG_LEN);
	memcpy(gbuf + SIG_LEN, trusted_comment, tlen);
	crypto_sign_detached(global, NULL, gbuf, SIG_LEN + tlen, sk->sk);
	free(gbuf);

	minisign_key_id_text(sk->key_id, id_hex);
	char *sig64 = encode(sig_bin, sizeof(sig_bin));
	char *glob64 = encode(global, sizeof(global));
	char *text = xasprintf("untrusted comment: signature from minisign secret key %s\n%s\n"
	    "trusted comment: %s\n%s\n", id_hex, sig64, trusted_comment, glob64);
	free(sig64);
	free(glob64);
	return text;
}
