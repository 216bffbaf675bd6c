/* The accounts file as a technician uses it: adduser with the password on
 * stdin, a wrong password refused, passwd, deluser, users; Argon2id hashes
 * in the file, never the password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/log.h"
#include "core/util.h"
#include "web/users.h"

static const char *const roles[] = { "operator", "technician", NULL };

struct fixture {
	char dir[64];
	char *path;
	struct web_users u;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/loaxa-users-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->path = xasprintf("%s/web-users", f->dir);
	web_users_init(&f->u, f->path);
	/* The cheapest Argon2id: these tests check the file, not the cost. */
	f->u.opslimit = crypto_pwhash_OPSLIMIT_MIN;
	f->u.memlimit = crypto_pwhash_MEMLIMIT_MIN;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	unlink(f->path);
	rmdir(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static char *
file_text(struct fixture *f)
{
	char err[256];
	size_t len;
	char *t = read_file_all(f->path, 1 << 20, &len, err, sizeof(err));
	assert_non_null(t);
	return t;
}

static int
run(struct fixture *f, const char *input, int argc, char **argv)
{
	FILE *in = fmemopen((void *)input, strlen(input), "r");
	int rc = web_users_command(&f->u, "loaxa-web", argc, argv, roles, in);
	fclose(in);
	return rc;
}

static void
adduser_stores_an_argon2id_hash_not_the_password(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "adduser", "lan", "--role", "technician" };
	char role[32], err[256];

	assert_int_equal(run(f, "mật khẩu dài\n", 4, argv), 0);
	char *t = file_text(f);
	assert_true(str_has_prefix(t, "lan:technician:$argon2id$"));
	assert_null(strstr(t, "mật khẩu"));
	free(t);
	assert_int_equal(web_users_check(&f->u, "lan", "mật khẩu dài", role, sizeof(role),
	    err, sizeof(err)), 0);
	assert_string_equal(role, "technician");
}

static void
wrong_password_and_unknown_user_are_refused_alike(void **state)
{
	struct fixture *f = *state;
	char role[32] = "", err[256];

	assert_int_equal(web_users_add(&f->u, "lan", "operator", "password-1", err, sizeof(err)), 0);
	assert_int_equal(web_users_check(&f->u, "lan", "password-2", role, sizeof(role),
	    err, sizeof(err)), 1);
	assert_int_equal(web_users_check(&f->u, "mai", "password-1", role, sizeof(role),
	    err, sizeof(err)), 1);
	assert_int_equal(web_users_check(&f->u, "lan:operator", "password-1", role, sizeof(role),
	    err, sizeof(err)), 1);
	assert_string_equal(role, "");
}

static void
no_account_exists_until_one_is_added(void **state)
{
	struct fixture *f = *state;
	char role[32], err[256];

	assert_int_equal(web_users_check(&f->u, "admin", "admin", role, sizeof(role),
	    err, sizeof(err)), 1);
	assert_int_equal(access(f->path, F_OK), -1);
}

static void
bad_names_roles_short_passwords_and_duplicates_are_refused(void **state)
{
	struct fixture *f = *state;
	char *dup[] = { "adduser", "lan" };
	char *bad_name[] = { "adduser", "lan:x" };
	char *bad_role[] = { "adduser", "mai", "--role", "root" };
	char *no_role_arg[] = { "adduser", "mai", "--role" };

	assert_int_equal(run(f, "password-1\n", 2, dup), 0);
	assert_int_equal(run(f, "password-1\n", 2, dup), 1);
	assert_int_equal(run(f, "password-1\n", 2, bad_name), 1);
	assert_int_equal(run(f, "password-1\n", 4, bad_role), 2);
	assert_int_equal(run(f, "password-1\n", 3, no_role_arg), 2);
	char *short_pw[] = { "adduser", "mai" };
	assert_int_equal(run(f, "short\n", 2, short_pw), 1);
	assert_int_equal(run(f, "", 2, short_pw), 1);
	char *t = file_text(f);
	assert_string_equal(strchr(t, '\n') + 1, "");	/* still one line: lan */
	assert_true(str_has_prefix(t, "lan:operator:"));	/* the first role is the default */
	free(t);
}

static void
passwd_changes_only_that_users_password(void **state)
{
	struct fixture *f = *state;
	char role[32], err[256];
	char *argv[] = { "passwd", "mai" };

	web_users_add(&f->u, "lan", "operator", "password-lan", err, sizeof(err));
	web_users_add(&f->u, "mai", "technician", "password-mai", err, sizeof(err));
	assert_int_equal(run(f, "new-password\n", 2, argv), 0);
	assert_int_equal(web_users_check(&f->u, "mai", "password-mai", role, sizeof(role),
	    err, sizeof(err)), 1);
	assert_int_equal(web_users_check(&f->u, "mai", "new-password", role, sizeof(role),
	    err, sizeof(err)), 0);
	assert_string_equal(role, "technician");
	assert_int_equal(web_users_check(&f->u, "lan", "password-lan", role, sizeof(role),
	    err, sizeof(err)), 0);
	char *nobody[] = { "passwd", "hoa" };
	assert_int_equal(run(f, "new-password\n", 2, nobody), 1);
}

static void
deluser_removes_the_account_and_users_lists_the_rest(void **state)
{
	struct fixture *f = *state;
	char role[32], err[256], buf[256] = "";

	web_users_add(&f->u, "lan", "operator", "password-lan", err, sizeof(err));
	web_users_add(&f->u, "mai", "technician", "password-mai", err, sizeof(err));
	web_users_add(&f->u, "hoa", "operator", "password-hoa", err, sizeof(err));
	char *argv[] = { "deluser", "mai" };
	assert_int_equal(run(f, "", 2, argv), 0);
	assert_int_equal(web_users_check(&f->u, "mai", "password-mai", role, sizeof(role),
	    err, sizeof(err)), 1);
	assert_int_equal(run(f, "", 2, argv), 1);
	FILE *out = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(web_users_list(&f->u, out, err, sizeof(err)), 0);
	fclose(out);
	assert_string_equal(buf, "lan operator\nhoa operator\n");
	char *other[] = { "start" };
	assert_int_equal(run(f, "", 1, other), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(adduser_stores_an_argon2id_hash_not_the_password, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password_and_unknown_user_are_refused_alike, setup, teardown),
		cmocka_unit_test_setup_teardown(no_account_exists_until_one_is_added, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_names_roles_short_passwords_and_duplicates_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(passwd_changes_only_that_users_password, setup, teardown),
		cmocka_unit_test_setup_teardown(deluser_removes_the_account_and_users_lists_the_rest, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
