/*
 * users: the console's accounts file and the commands that edit it. Owns
 * the file format (one "NAME:ROLE:HASH" line per account, HASH an Argon2id
 * string from libsodium's crypto_pwhash_str), its atomic rewrites, and the
 * adduser/deluser/passwd/users commands both consoles offer. There is no
 * default account: none exists until someone adds one.
 */
#ifndef LOAXA_WEB_USERS_H
#define LOAXA_WEB_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define WEB_PASSWORD_MIN 8

struct web_users {
	const char *path;
	unsigned long long opslimit;	/* Argon2id cost; web_users_init sets */
	size_t memlimit;		/* libsodium's "interactive" levels */
};

void web_users_init(struct web_users *u, const char *path);

/* A name is 1-64 of [A-Za-z0-9._-], starting with a letter or digit. */
bool web_users_name_valid(const char *name);

/* Each returns 0, or -1 with a message in err ("no such user 'x'", the
 * file's error …). add fails if the name exists. */
int web_users_add(const struct web_users *u, const char *name, const char *role,
    const char *password, char *err, size_t errlen);
int web_users_delete(const struct web_users *u, const char *name, char *err, size_t errlen);
int web_users_passwd(const struct web_users *u, const char *name, const char *password,
    char *err, size_t errlen);

/* 0 with the role (roled bytes) when name and password match; 1 when they
 * do not (the same cost either way, so timing does not tell which part was
 * wrong); -1 when the file cannot be read (err says why). */
int web_users_check(const struct web_users *u, const char *name, const char *password,
    char *role, size_t rolelen, char *err, size_t errlen);

/* Writes "NAME ROLE" lines to out; 0 or -1. */
int web_users_list(const struct web_users *u, FILE *out, char *err, size_t errlen);

/*
 * The account commands as a program's main() sees them:
 *   adduser NAME --role ROLE   (password from stdin, twice on a terminal)
 *   deluser NAME
 *   passwd NAME                (password from stdin)
 *   users
 * argv[0] is the command. roles: the roles this program knows (NULL-ended);
 * the first is the default. Returns the exit status, or -1 when argv[0] is
 * not an account command. Messages go to stderr, prefixed with prog.
 */
int web_users_command(const struct web_users *u, const char *prog, int argc,
    char **argv, const char *const *roles, FILE *in);

#endif
