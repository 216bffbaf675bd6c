/* loaxa-web: main() — the settings, the account commands, the routes, the
 * server, then waiting for a signal. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "tools/console/console.h"

#ifndef LOAXA_WEB_DIR
#define LOAXA_WEB_DIR "/usr/local/share/loaxa/web"
#endif
#define DEFAULT_CONFIG "/etc/loaxa/loaxa.conf"

#define OPS "operator,technician"
#define UPLOAD_BODY_MAX (CONSOLE_UPLOAD_MAX + 256u * 1024u)

static const struct web_route routes[] = {
	{ "GET", "/", 0, NULL, 0, console_page_now },
	{ "GET", "/plan", 0, NULL, 0, console_page_plan },
	{ "GET", "/notices", 0, NULL, 0, console_page_notices },
	{ "GET", "/log", 0, NULL, 0, console_page_log },
	{ "GET", "/config", 0, "technician", 0, console_page_config },
	{ "GET", "/api/status", 0, NULL, 0, console_api_status },
	{ "GET", "/api/plan", 0, NULL, 0, console_api_plan },
	{ "GET", "/api/log", 0, NULL, 0, console_api_log },
	{ "GET", "/api/notices", 0, NULL, 0, console_api_notices_get },
	{ "POST", "/api/notices", 0, OPS, UPLOAD_BODY_MAX, console_api_notices_post },
	{ "POST", "/api/mute", 0, OPS, 0, console_api_mute },
	{ "POST", "/api/stop", 0, OPS, 0, console_api_stop },
	{ "POST", "/api/skip", 0, OPS, 0, console_api_skip },
	{ "POST", "/api/test-tone", 0, OPS, 0, console_api_test_tone },
	{ "POST", "/api/reload", 0, "technician", 0, console_api_reload },
	{ NULL, NULL, 0, NULL, 0, NULL },
};

static const char *const roles[] = { "operator", "technician", NULL };

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: loaxa-web [-c FILE] [-f]             serve the operator's console\n"
	    "       loaxa-web [-c FILE] adduser NAME --role operator|technician\n"
	    "       loaxa-web [-c FILE] deluser NAME | passwd NAME | users\n"
	    "  -c FILE  configuration (default %s): the web group and paths.socket\n"
	    "  -f       log to stderr instead of syslog\n"
	    "adduser and passwd read the password from standard input.\n", DEFAULT_CONFIG);
}

/* Whether listen names a loopback address only. */
static bool
loopback(const char *listen)
{
	return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "[::1]:", 6) == 0 ||
	    strncmp(listen, "localhost:", 10) == 0;
}

int
main(int argc, char **argv)
{
	const char *config_path = DEFAULT_CONFIG;
	bool foreground = false;
	char err[1024];
	int o;

	while ((o = getopt(argc, argv, "+c:fh")) != -1) {
		switch (o) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	struct config *cfg = config_load(config_path, NULL, NULL, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "loaxa-web: %s\n", err);
		return 1;
	}
	struct web_users users;
	web_users_init(&users, cfg->web.users);
	if (optind < argc) {
		int rc = web_users_command(&users, "loaxa-web", argc - optind, argv + optind,
		    roles, stdin);
		config_free(cfg);
		if (rc < 0) {
			fprintf(stderr, "loaxa-web: unknown command '%s'\n", argv[optind]);
			usage(stderr);
			return 2;
		}
		return rc;
	}

	log_init("loaxa-web", foreground, LOGL_INFO);
	const char *dir = getenv("LOAXA_WEB_DIR") ? getenv("LOAXA_WEB_DIR") : LOAXA_WEB_DIR;
	char *console_root = xasprintf("%s/console", dir);
	const char *const roots[] = { console_root, dir, NULL };
	struct web_i18n *i18n = web_i18n_load(roots, cfg->web.language, err, sizeof(err));
	if (i18n == NULL)
		fatal("loaxa-web: %s", err);
	struct console con = {
		.socket_path = cfg->paths.socket,
		.uploads = cfg->web.uploads,
		.station = cfg->station.name && cfg->station.name[0] ? cfg->station.name :
		    web_i18n_get(i18n, "app_title"),
	};
	struct web_sessions *sessions = web_sessions_create(
	    (int)(cfg->web.session_hours * 3600 + 0.5), NULL, NULL);
	bool tls = cfg->web.tls_cert[0] != '\0';
	struct web_conf wc = {
		.listen = cfg->web.listen,
		.tls_cert = tls ? cfg->web.tls_cert : NULL,
		.tls_key = tls ? cfg->web.tls_key : NULL,
		.roots = roots, .app_name = "console_title", .routes = routes,
		.users = &users, .login_roles = roles, .sessions = sessions,
		.i18n = i18n, .threads = 4, .cookie = "loaxa_web",
	};
	/* Signals wait for sigwait below; block them before threads start. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct web_server *srv = web_server_start(&wc, &con, err, sizeof(err));
	if (srv == NULL)
		fatal("loaxa-web: %s", err);
	log_notice("loaxa-web: serving the console on %s%s (%s), talking to loaxad on %s",
	    tls ? "https://" : "http://", cfg->web.listen, cfg->web.language,
	    cfg->paths.socket);
	if (!tls && !loopback(cfg->web.listen))
		log_warn("loaxa-web: listening on %s without TLS: passwords and sessions "
		    "cross the network in clear; set web.tls_cert and web.tls_key, or "
		    "listen on 127.0.0.1 behind a TLS proxy", cfg->web.listen);
	FILE *uf = fopen(cfg->web.users, "r");
	int c = uf ? fgetc(uf) : EOF;
	if (uf)
		fclose(uf);
	if (c == EOF)
		log_warn("loaxa-web: no accounts in %s yet; a technician adds one with "
		    "'loaxa-web -c %s adduser NAME --role technician'", cfg->web.users,
		    config_path);
	for (;;) {
		int sig = 0;
		if (sigwait(&sigs, &sig) != 0 || sig == SIGTERM || sig == SIGINT)
			break;
		/* SIGHUP: nothing to reload yet; the settings need a restart. */
		log_info("loaxa-web: SIGHUP ignored; restart loaxa-web to apply new settings");
	}
	log_notice("loaxa-web: stopping");
	web_server_stop(srv);
	web_sessions_destroy(sessions);
	web_i18n_free(i18n);
	free(console_root);
	config_free(cfg);
	return 0;
}
