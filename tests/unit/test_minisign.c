/*
 * minisign: what loaxa-publish signs, stations verify, and the standard
 * minisign tool agrees with both ways.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bulletins/minisign.h"
#include "core/log.h"
#include "core/util.h"

static const char MSG[] = "<alert>flood warning</alert>\n";

struct fixture {
	char dir[64];
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
};

static char *
path_in(const struct fixture *f, const char *name)
{
	return xasprintf("%s/%s", f->dir, name);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char err[256];
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_minisign.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char *prefix = path_in(f, "officer");
	assert_int_equal(minisign_keygen(prefix, err, sizeof(err)), 0);
	char *pub = xasprintf("%s.pub", prefix), *key = xasprintf("%s.key", prefix);
	assert_int_equal(minisign_pubkey_load(pub, &f->pub, err, sizeof(err)), 0);
	assert_int_equal(minisign_seckey_load(key, NULL, &f->sec, err, sizeof(err)), 0);
	free(pub);
	free(key);
	free(prefix);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = xasprintf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(f);
	return 0;
}

static int
verify(const struct minisign_pubkey *keys, size_t n, const char *msg,
    const char *sig, char *err, size_t errlen)
{
	size_t which = 99;
	return minisign_verify(keys, n, msg, strlen(msg), sig, strlen(sig), &which, err, errlen);
}

static void
signed_message_verifies_with_its_key(void **state)
{
	struct fixture *f = *state;
	char err[256];
	char *sig = minisign_sign(&f->sec, MSG, strlen(MSG), "file:a.xml", err, sizeof(err));
	assert_non_null(sig);
	struct minisign_pubkey keys[2] = { { .key_id = { 1 } }, f->pub };
	size_t which = 99;
	assert_int_equal(minisign_verify(keys, 2, MSG, strlen(MSG), sig, strlen(sig), &which,
	    err, sizeof(err)), 0);
	assert_int_equal(which, 1);
	free(sig);
}

static void
keygen_secret_key_is_private(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	char *key = path_in(f, "officer.key");
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(key);
}

static void
signature_from_unknown_key_names_its_id(void **state)
{
	struct fixture *f = *state;
	char err[256];
	char *sig = minisign_sign(&f->sec, MSG, strlen(MSG), "x", err, sizeof(err));
	struct minisign_pubkey other = f->pub;
	other.key_id[0] ^= 1;
	assert_int_equal(verify(&other, 1, MSG, sig, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown key id"));
	free(sig);
}

static void
same_key_id_wrong_public_key_is_rejected(void **state)
{
	struct fixture *f = *state;
	char err[256];
	char *sig = minisign_sign(&f->sec, MSG, strlen(MSG), "x", err, sizeof(err));
	struct minisign_pubkey other = f->pub;
	other.pk[5] ^= 0x40;
	assert_int_equal(verify(&other, 1, MSG, sig, err, sizeof(err)), -1);
	assert_string_equal(err, "bad signature");
	free(sig);
}

static void
tampered_message_is_rejected(void **state)
{
	struct fixture *f = *state;
	char err[256];
	char *sig = minisign_sign(&f->sec, MSG, strlen(MSG), "x", err, sizeof(err));
	char *bad = xstrdup(MSG);
	bad[8] = 'F';
	assert_int_equal(verify(&f->pub, 1, bad, sig, err, sizeof(err)), -1);
	assert_string_equal(err, "bad signature");
	free(bad);
	free(sig);
}

static void
tampered_trusted_comment_is_rejected(void **state)
{
	struct fixture *f = *state;
	char err[256];
	char *sig = minisign_sign(&f->sec, MSG, strlen(MSG), "timestamp:1", err, sizeof(err));
	char *p = strstr(sig, "timestamp:1");
	assert_non_null(p);
	p[10] = '9';
	assert_int_equal(verify(&f->pub, 1, MSG, sig, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "trusted comment"));
	free(sig);
}

static void
malformed_signature_files_are_rejected(void **state)
{
	struct fixture *f = *state;
	char err[256];
	static const char *const bad[] = {
		"",
		"untrusted comment: x\n",
		"untrusted comment: x\nRWQ=\ntrusted comment: y\nAAAA\n",
		"hello\nworld\n",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(verify(&f->pub, 1, MSG, bad[i], err, sizeof(err)), -1);
}

/* Runs a shell command in the fixture's folder. */
static int
sh(const struct fixture *f, const char *cmd)
{
	char *full = xasprintf("cd '%s' && %s >/dev/null 2>&1", f->dir, cmd);
	int rc = system(full);
	free(full);
	return rc;
}

static char *
read_in(const struct fixture *f, const char *name, size_t *len)
{
	char err[256];
	char *p = path_in(f, name);
	char *text = read_file_all(p, 1 << 20, len, err, sizeof(err));
	assert_non_null(text);
	free(p);
	return text;
}

static void
minisign_tool_signature_verifies_both_ed_and_legacy(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct minisign_pubkey pub;
	size_t len, slen, llen;

	assert_int_equal(sh(f, "minisign -G -W -p tool.pub -s tool.key"), 0);
	assert_int_equal(sh(f, "printf 'tool message' > m.txt && minisign -S -s tool.key -m m.txt"), 0);
	assert_int_equal(sh(f, "minisign -S -l -s tool.key -m m.txt -x legacy.minisig"), 0);
	char *path = path_in(f, "tool.pub");
	assert_int_equal(minisign_pubkey_load(path, &pub, err, sizeof(err)), 0);
	free(path);
	char *msg = read_in(f, "m.txt", &len);
	char *sig = read_in(f, "m.txt.minisig", &slen);
	char *legacy = read_in(f, "legacy.minisig", &llen);
	assert_non_null(strstr(sig, "\nRU"));	/* base64 of "ED": prehashed */
	assert_int_equal(minisign_verify(&pub, 1, msg, len, sig, slen, NULL, err, sizeof(err)), 0);
	assert_int_equal(minisign_verify(&pub, 1, msg, len, legacy, llen, NULL, err, sizeof(err)), 0);
	msg[0] = 'T';
	assert_int_equal(minisign_verify(&pub, 1, msg, len, legacy, llen, NULL, err, sizeof(err)), -1);
	free(msg);
	free(sig);
	free(legacy);
}

static void
minisign_tool_verifies_what_we_sign(void **state)
{
	struct fixture *f = *state;
	char err[256];
	char *sig = minisign_sign(&f->sec, MSG, strlen(MSG), "file:a.xml", err, sizeof(err));
	char *mpath = path_in(f, "a.xml"), *spath = path_in(f, "a.xml.minisig");
	assert_int_equal(atomic_write_file(mpath, MSG, strlen(MSG), 0644, err, sizeof(err)), 0);
	assert_int_equal(atomic_write_file(spath, sig, strlen(sig), 0644, err, sizeof(err)), 0);
	assert_int_equal(sh(f, "minisign -Vm a.xml -p officer.pub"), 0);
	assert_int_not_equal(sh(f, "printf x >> a.xml && minisign -Vm a.xml -p officer.pub"), 0);
	free(mpath);
	free(spath);
	free(sig);
}

static void
key_made_by_minisign_tool_signs_for_us(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct minisign_seckey sec;
	struct minisign_pubkey pub;
	assert_int_equal(sh(f, "minisign -G -W -p w.pub -s w.key"), 0);
	char *k = path_in(f, "w.key"), *p = path_in(f, "w.pub");
	assert_int_equal(minisign_seckey_load(k, NULL, &sec, err, sizeof(err)), 0);
	assert_int_equal(minisign_pubkey_load(p, &pub, err, sizeof(err)), 0);
	char *sig = minisign_sign(&sec, MSG, strlen(MSG), "t", err, sizeof(err));
	assert_int_equal(verify(&pub, 1, MSG, sig, err, sizeof(err)), 0);
	free(sig);
	free(k);
	free(p);
}

static void
minisign_tool_signs_with_our_key(void **state)
{
	struct fixture *f = *state;
	char err[256];
	size_t len, slen;
	assert_int_equal(sh(f, "printf 'abc' > b.txt && minisign -S -s officer.key -m b.txt"), 0);
	char *msg = read_in(f, "b.txt", &len), *sig = read_in(f, "b.txt.minisig", &slen);
	assert_int_equal(minisign_verify(&f->pub, 1, msg, len, sig, slen, NULL, err, sizeof(err)), 0);
	free(msg);
	free(sig);
}

static void
corrupt_or_missing_secret_key_is_reported(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct minisign_seckey sec;
	char *missing = path_in(f, "nope.key");
	assert_int_equal(minisign_seckey_load(missing, NULL, &sec, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nope.key"));
	/* A public key is not a secret key. */
	char *pub = path_in(f, "officer.pub");
	assert_int_equal(minisign_seckey_load(pub, NULL, &sec, err, sizeof(err)), -1);
	free(missing);
	free(pub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(signed_message_verifies_with_its_key, setup, teardown),
		cmocka_unit_test_setup_teardown(keygen_secret_key_is_private, setup, teardown),
		cmocka_unit_test_setup_teardown(signature_from_unknown_key_names_its_id, setup, teardown),
		cmocka_unit_test_setup_teardown(same_key_id_wrong_public_key_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(tampered_message_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(tampered_trusted_comment_is_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_signature_files_are_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(minisign_tool_signature_verifies_both_ed_and_legacy, setup, teardown),
		cmocka_unit_test_setup_teardown(minisign_tool_verifies_what_we_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(key_made_by_minisign_tool_signs_for_us, setup, teardown),
		cmocka_unit_test_setup_teardown(minisign_tool_signs_with_our_key, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_or_missing_secret_key_is_reported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
