/*
 * loaxa-collector: the district's console. Receives the stations' reports
 * (POST /ingest) into PostgreSQL and serves the pages and the JSON API that
 * answer "which stations are alive, and which aired each bulletin". main()
 * reads as the list of parts: configuration, database (migrated), the
 * accounts, the catalogue, the sessions, the web server.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "collector/collector.h"
#include "collector/sessdb.h"
#include "collector/stations.h"
#include "control/protocol.h"
#include "core/log.h"
#include "web/web.h"

static const char *const roles[] = { "district", NULL };

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: loaxa-collector -c FILE [-f]            serve the district's console\n"
	    "       loaxa-collector -c FILE addstation NAME  register a station, print its token\n"
	    "       loaxa-collector -c FILE removestation NAME\n"
	    "       loaxa-collector -c FILE stations\n"
	    "       loaxa-collector -c FILE adduser NAME [--role district]  (password on stdin)\n"
	    "       loaxa-collector -c FILE deluser NAME | passwd NAME | users\n"
	    "       loaxa-collector -c FILE migrate [--to VERSION]\n");
}

/* The database for one command: opened and migrated. */
static PGconn *
command_db(const struct collector_conf *conf, struct db **db)
{
	char err[512];

	*db = db_open(conf->database, 1, err, sizeof(err));
	if (*db == NULL) {
		fprintf(stderr, "loaxa-collector: %s\n", err);
		return NULL;
	}
	PGconn *c = db_acquire(*db);
	if (db_migrate(c, -1, err, sizeof(err)) < 0) {
		fprintf(stderr, "loaxa-collector: %s\n", err);
		db_release(*db, c);
		db_close(*db);
		return NULL;
	}
	return c;
}

static int
station_command(const struct collector_conf *conf, int argc, char **argv)
{
	char err[512], token[STATION_TOKEN_LEN + 1];
	struct db *db;
	const char *cmd = argv[0];
	int rc = 1;

	if ((strcmp(cmd, "stations") == 0) != (argc == 1) ||
	    (strcmp(cmd, "stations") != 0 && argc != 2)) {
		usage(stderr);
		return 2;
	}
	PGconn *c = command_db(conf, &db);
	if (c == NULL)
		return 1;
	if (strcmp(cmd, "addstation") == 0) {
		if (stations_add(c, argv[1], token, err, sizeof(err)) == 0) {
			/* The only time the token is shown: the database keeps its hash. */
			printf("%s\n", token);
			fprintf(stderr, "station '%s' registered; put the line above in its "
			    "report.token_file (shown only now)\n", argv[1]);
			rc = 0;
		}
	} else if (strcmp(cmd, "removestation") == 0) {
		if (stations_remove(c, argv[1], err, sizeof(err)) == 0) {
			printf("station '%s' removed with its reports\n", argv[1]);
			rc = 0;
		}
	} else if (stations_list(c, stdout, err, sizeof(err)) == 0) {
		rc = 0;
	}
	if (rc != 0)
		fprintf(stderr, "loaxa-collector: %s\n", err);
	db_release(db, c);
	db_close(db);
	return rc;
}

static int
migrate_command(const struct collector_conf *conf, int argc, char **argv)
{
	char err[512];
	int to = -1;

	if (argc == 3 && strcmp(argv[1], "--to") == 0)
		to = atoi(argv[2]);
	else if (argc != 1) {
		usage(stderr);
		return 2;
	}
	struct db *db = db_open(conf->database, 1, err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "loaxa-collector: %s\n", err);
		return 1;
	}
	PGconn *c = db_acquire(db);
	int rc = db_migrate(c, to, err, sizeof(err)) < 0 ? 1 : 0;
	if (rc != 0)
		fprintf(stderr, "loaxa-collector: %s\n", err);
	else
		printf("schema version %d\n", db_schema_version(c, err, sizeof(err)));
	db_release(db, c);
	db_close(db);
	return rc;
}

static bool
loopback(const char *listen)
{
	return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "[::1]:", 6) == 0 ||
	    strncmp(listen, "localhost:", 10) == 0;
}

static int
serve(const struct collector_conf *conf, struct web_users *users)
{
	char err[512];
	sigset_t sigs;
	int sig, rc = 1;

	/* Worker threads inherit the mask: the signals reach only sigwait below. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* One connection per HTTP worker and one for the sessions. */
	struct db *db = db_open(conf->database, conf->threads + 1, err, sizeof(err));
	if (db == NULL)
		fatal("%s; not started", err);
	PGconn *c = db_acquire(db);
	if (db_migrate(c, -1, err, sizeof(err)) < 0)
		fatal("%s; not started", err);
	db_release(db, c);

	char *croot = xasprintf("%s/collector", conf->share), *wroot = xasprintf("%s/web", conf->share);
	const char *const roots[] = { croot, wroot, NULL };
	struct web_i18n *i18n = web_i18n_load(roots, conf->language, err, sizeof(err));
	if (i18n == NULL)
		fatal("%s; not started (is 'share' right?)", err);
	struct web_sessions *ss = web_sessions_create(conf->session_hours * 3600, &sessdb_backend, db);
	struct collector col = { .conf = conf, .db = db };
	pthread_mutex_init(&col.parts_lock, NULL);
	struct web_conf wc = {
		.listen = conf->listen, .tls_cert = conf->tls_cert, .tls_key = conf->tls_key,
		.roots = roots, .app_name = "collector_title", .routes = collector_routes,
		.users = users, .login_roles = roles, .sessions = ss, .i18n = i18n,
		.threads = conf->threads, .cookie = "loaxa_collector",
	};
	struct web_server *srv = web_server_start(&wc, &col, err, sizeof(err));
	if (srv == NULL) {
		log_err("%s; not started", err);
		goto out;
	}
	if (conf->tls_cert[0] == '\0' && !loopback(conf->listen))
		log_warn("collector: listening on %s without TLS: passwords and station tokens "
		    "cross the network in clear (set tls_cert/tls_key, or put it behind an HTTPS proxy)",
		    conf->listen);
	log_notice("collector: listening on %s (port %d), database schema %d",
	    conf->listen, web_server_port(srv), db_schema_latest());
	sd_notify(0, "READY=1\nSTATUS=receiving station reports");
	do {
		if (sigwait(&sigs, &sig) != 0)
			break;
		if (sig == SIGHUP)
			log_notice("collector: SIGHUP ignored (accounts are read at every sign-in; "
			    "restart for other settings)");
	} while (sig == SIGHUP);
	sd_notify(0, "STOPPING=1");
	log_notice("collector: stopping");
	web_server_stop(srv);
	rc = 0;
out:
	web_sessions_destroy(ss);
	web_i18n_free(i18n);
	pthread_mutex_destroy(&col.parts_lock);
	db_close(db);
	free(croot);
	free(wroot);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *path = "/etc/loaxa/collector.conf";
	bool foreground = false;
	struct collector_conf conf;
	char err[1024];
	int opt;

	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* "+": options stop at the command, so "adduser x --role district" works. */
	while ((opt = getopt_long(argc, argv, "+c:fhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("loaxa-collector %s\n", LOAXA_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	int nargs = argc - optind;
	char **args = argv + optind;
	log_init("loaxa-collector", foreground || nargs > 0 || isatty(STDERR_FILENO), LOGL_INFO);
	if (collector_conf_load(&conf, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "loaxa-collector: %s\n", err);
		return 1;
	}
	struct web_users users;
	web_users_init(&users, conf.users);
	int rc;
	if (nargs == 0)
		rc = serve(&conf, &users);
	else if ((rc = web_users_command(&users, "loaxa-collector", nargs, args, roles, stdin)) >= 0)
		;
	else if (strcmp(args[0], "addstation") == 0 || strcmp(args[0], "removestation") == 0 ||
	    strcmp(args[0], "stations") == 0)
		rc = station_command(&conf, nargs, args);
	else if (strcmp(args[0], "migrate") == 0)
		rc = migrate_command(&conf, nargs, args);
	else {
		fprintf(stderr, "loaxa-collector: unknown command '%s'\n", args[0]);
		usage(stderr);
		rc = 2;
	}
	collector_conf_free(&conf);
	return rc;
}
