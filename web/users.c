#include "web/users.h"

#include <errno.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "core/log.h"
#include "core/util.h"

#define USERS_FILE_MAX	(1 << 20)

void
web_users_init(struct web_users *u, const char *path)
{
	if (sodium_init() < 0)
		fatal("libsodium cannot start (no random source?)");
	u->path = path;
	u->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	u->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

bool
web_users_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The file's text ("" when it does not exist yet); NULL with err otherwise. */
static char *
users_read(const struct web_users *u, char *err, size_t errlen)
{
	size_t len;

	if (access(u->path, F_OK) != 0 && errno == ENOENT)
		return xstrdup("");
	return read_file_all(u->path, USERS_FILE_MAX, &len, err, errlen);
}

/* Finds name's line: returns its start and sets *end past its newline. */
static char *
users_find(char *text, const char *name, char **end)
{
	size_t n = strlen(name);

	for (char *p = text; *p != '\0';) {
		char *nl = strchr(p, '\n');
		char *e = nl ? nl + 1 : p + strlen(p);
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			*end = e;
			return p;
		}
		p = e;
	}
	return NULL;
}

static int
users_write(const struct web_users *u, const char *text, char *err, size_t errlen)
{
	/* 0600: the hashes are slow to crack, not impossible. */
	return atomic_write_file(u->path, text, strlen(text), 0600, err, errlen);
}

static int
hash_password(const struct web_users *u, const char *password,
    char out[crypto_pwhash_STRBYTES], char *err, size_t errlen)
{
	if (crypto_pwhash_str(out, password, strlen(password), u->opslimit, u->memlimit) != 0) {
		snprintf(err, errlen, "not enough memory to hash the password (Argon2id)");
		return -1;
	}
	return 0;
}

int
web_users_add(const struct web_users *u, const char *name, const char *role,
    const char *password, char *err, size_t errlen)
{
	char hash[crypto_pwhash_STRBYTES], *end;

	if (!web_users_name_valid(name)) {
		snprintf(err, errlen, "'%s' is not a valid user name (letters, digits, . _ -)", name);
		return -1;
	}
	if (strlen(password) < WEB_PASSWORD_MIN) {
		snprintf(err, errlen, "the password needs at least %d characters", WEB_PASSWORD_MIN);
		return -1;
	}
	char *text = users_read(u, err, errlen);
	if (text == NULL)
		return -1;
	if (users_find(text, name, &end) != NULL) {
		snprintf(err, errlen, "user '%s' already exists in %s", name, u->path);
		free(text);
		return -1;
	}
	if (hash_password(u, password, hash, err, errlen) < 0) {
		free(text);
		return -1;
	}
	size_t tl = strlen(text);
	char *out = xasprintf("%s%s%s:%s:%s\n", text,
	    tl > 0 && text[tl - 1] != '\n' ? "\n" : "", name, role, hash);
	int rc = users_write(u, out, err, errlen);
	free(out);
	free(text);
	return rc;
}

/* Replaces name's line by repl (NULL deletes it). */
static int
users_replace(const struct web_users *u, const char *name, const char *repl,
    char *err, size_t errlen)
{
	char *end;
	char *text = users_read(u, err, errlen);

	if (text == NULL)
		return -1;
	char *line = users_find(text, name, &end);
	if (line == NULL) {
		snprintf(err, errlen, "no user '%s' in %s", name, u->path);
		free(text);
		return -1;
	}
	char *out = xasprintf("%.*s%s%s", (int)(line - text), text, repl ? repl : "", end);
	int rc = users_write(u, out, err, errlen);
	free(out);
	free(text);
	return rc;
}

int
web_users_delete(const struct web_users *u, const char *name, char *err, size_t errlen)
{
	return users_replace(u, name, NULL, err, errlen);
}

int
web_users_passwd(const struct web_users *u, const char *name, const char *password,
    char *err, size_t errlen)
{
	char hash[crypto_pwhash_STRBYTES], role[64], *end;

	if (strlen(password) < WEB_PASSWORD_MIN) {
		snprintf(err, errlen, "the password needs at least %d characters", WEB_PASSWORD_MIN);
		return -1;
	}
	char *text = users_read(u, err, errlen);
	if (text == NULL)
		return -1;
	char *line = users_find(text, name, &end);
	if (line == NULL) {
		snprintf(err, errlen, "no user '%s' in %s", name, u->path);
		free(text);
		return -1;
	}
	const char *r = line + strlen(name) + 1;
	size_t rl = strcspn(r, ":\n");
	snprintf(role, sizeof(role), "%.*s", (int)rl, r);
	free(text);
	if (hash_password(u, password, hash, err, errlen) < 0)
		return -1;
	char *repl = xasprintf("%s:%s:%s\n", name, role, hash);
	int rc = users_replace(u, name, repl, err, errlen);
	free(repl);
	return rc;
}

int
web_users_check(const struct web_users *u, const char *name, const char *password,
    char *role, size_t rolelen, char *err, size_t errlen)
{
	char *end;
	char *text = users_read(u, err, errlen);

	if (text == NULL)
		return -1;
	char *line = web_users_name_valid(name) ? users_find(text, name, &end) : NULL;
	if (line == NULL) {
		/* Spend what a verification costs, so an unknown name answers
		 * no sooner than a wrong password. */
		char hash[crypto_pwhash_STRBYTES];
		if (crypto_pwhash_str(hash, password, strlen(password), u->opslimit, u->memlimit) != 0)
			log_debug("web: dummy Argon2id hash failed (out of memory)");
		free(text);
		return 1;
	}
	end[-1] = end[-1] == '\n' ? '\0' : end[-1];
	char *r = line + strlen(name) + 1;
	char *colon = strchr(r, ':');
	int rc = 1;
	if (colon != NULL) {
		*colon = '\0';
		if (crypto_pwhash_str_verify(colon + 1, password, strlen(password)) == 0) {
			snprintf(role, rolelen, "%s", r);
			rc = 0;
		}
	}
	free(text);
	return rc;
}

int
web_users_list(const struct web_users *u, FILE *out, char *err, size_t errlen)
{
	char *text = users_read(u, err, errlen);

	if (text == NULL)
		return -1;
	for (char *p = text; *p != '\0';) {
		char *nl = strchr(p, '\n');
		char *e = nl ? nl + 1 : p + strlen(p);
		char *c1 = memchr(p, ':', (size_t)(e - p));
		char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(e - c1 - 1)) : NULL;
		if (c2 != NULL)
			fprintf(out, "%.*s %.*s\n", (int)(c1 - p), p, (int)(c2 - c1 - 1), c1 + 1);
		p = e;
	}
	free(text);
	return 0;
}

/* ---- the commands ---- */

/* One line of in into buf without its newline; echo off on a terminal. */
static int
read_password(FILE *in, const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(fileno(in)) && tcgetattr(fileno(in), &old) == 0;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(in), TCSAFLUSH, &quiet);
	}
	char *got = fgets(buf, (int)len, in);
	if (tty) {
		tcsetattr(fileno(in), TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (got == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static bool
role_known(const char *role, const char *const *roles)
{
	for (size_t i = 0; roles[i] != NULL; i++)
		if (strcmp(roles[i], role) == 0)
			return true;
	return false;
}

static void
roles_text(char *buf, size_t len, const char *const *roles)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; roles[i] != NULL && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "|" : "", roles[i]);
}

/* The password from in (asked twice on a terminal); 0 or -1 with a message. */
static int
new_password(const char *prog, FILE *in, char *pw, size_t len)
{
	char again[256];

	if (read_password(in, "Password: ", pw, len) < 0) {
		fprintf(stderr, "%s: no password on standard input\n", prog);
		return -1;
	}
	if (isatty(fileno(in))) {
		if (read_password(in, "Again: ", again, sizeof(again)) < 0 ||
		    strcmp(pw, again) != 0) {
			fprintf(stderr, "%s: the passwords differ; nothing changed\n", prog);
			sodium_memzero(again, sizeof(again));
			return -1;
		}
		sodium_memzero(again, sizeof(again));
	}
	return 0;
}

int
web_users_command(const struct web_users *u, const char *prog, int argc,
    char **argv, const char *const *roles, FILE *in)
{
	char err[512], pw[256], rl[128];
	const char *cmd = argc > 0 ? argv[0] : "";
	int rc;

	roles_text(rl, sizeof(rl), roles);
	if (strcmp(cmd, "users") == 0) {
		if (argc != 1) {
			fprintf(stderr, "usage: %s users\n", prog);
			return 2;
		}
		if (web_users_list(u, stdout, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return 1;
		}
		return 0;
	}
	if (strcmp(cmd, "deluser") == 0) {
		if (argc != 2) {
			fprintf(stderr, "usage: %s deluser NAME\n", prog);
			return 2;
		}
		if (web_users_delete(u, argv[1], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return 1;
		}
		printf("user %s deleted (sessions end at their expiry)\n", argv[1]);
		return 0;
	}
	if (strcmp(cmd, "adduser") == 0) {
		const char *role = roles[0];
		if (argc == 4 && strcmp(argv[2], "--role") == 0)
			role = argv[3];
		else if (argc != 2) {
			fprintf(stderr, "usage: %s adduser NAME [--role %s]\n", prog, rl);
			return 2;
		}
		if (!role_known(role, roles)) {
			fprintf(stderr, "%s: unknown role '%s' (roles: %s)\n", prog, role, rl);
			return 2;
		}
		if (new_password(prog, in, pw, sizeof(pw)) < 0)
			return 1;
		rc = web_users_add(u, argv[1], role, pw, err, sizeof(err));
		sodium_memzero(pw, sizeof(pw));
		if (rc < 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return 1;
		}
		printf("user %s added with role %s\n", argv[1], role);
		return 0;
	}
	if (strcmp(cmd, "passwd") == 0) {
		if (argc != 2) {
			fprintf(stderr, "usage: %s passwd NAME\n", prog);
			return 2;
		}
		if (new_password(prog, in, pw, sizeof(pw)) < 0)
			return 1;
		rc = web_users_passwd(u, argv[1], pw, err, sizeof(err));
		sodium_memzero(pw, sizeof(pw));
		if (rc < 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			return 1;
		}
		printf("password of %s changed\n", argv[1]);
		return 0;
	}
	return -1;
}
