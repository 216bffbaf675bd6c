#include "tools/loaxactl/loaxactl.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/protocol.h"
#include "core/config.h"
#include "core/log.h"

/* Longer than the daemon's per-client timeout: the daemon decides. */
#define CLIENT_TIMEOUT_S 15

static struct config *
load_config(struct ctl_client *c, bool quiet)
{
	char err[512];
	struct config *cfg = config_load(c->config_path, NULL, NULL, err, sizeof(err));

	if (cfg == NULL && !quiet)
		fprintf(stderr, "loaxactl: %s\n", err);
	return cfg;
}

/* The socket path: -s, else the config's, else the default when the
 * default config cannot be read (a technician may not read /etc/loaxa). */
static char *
socket_path(struct ctl_client *c)
{
	if (c->socket_path != NULL)
		return xstrdup(c->socket_path);
	struct config *cfg = load_config(c, !c->config_explicit);
	if (cfg == NULL)
		return c->config_explicit ? NULL : xstrdup(CONFIG_DEFAULT_SOCKET);
	char *path = xstrdup(cfg->paths.socket);
	config_free(cfg);
	return path;
}

char *
client_played_log_path(struct ctl_client *c)
{
	struct config *cfg = load_config(c, false);

	if (cfg == NULL)
		return NULL;
	char *path = xstrdup(cfg->paths.played_log);
	config_free(cfg);
	return path;
}

static int
explain_connect_error(const char *path, int err)
{
	struct stat st;

	if (err == ENOENT) {
		fprintf(stderr, "loaxactl: loaxad is not running (no socket at %s)\n", path);
		return EXIT_NOT_RUNNING;
	}
	if (err == ECONNREFUSED) {
		fprintf(stderr, "loaxactl: loaxad is not running (nobody answers on %s)\n", path);
		return EXIT_NOT_RUNNING;
	}
	if (err == EACCES || err == EPERM) {
		const char *group = "the socket's group";
		struct group *gr = stat(path, &st) == 0 ? getgrgid(st.st_gid) : NULL;
		if (gr != NULL)
			group = gr->gr_name;
		fprintf(stderr, "loaxactl: permission denied on %s: add your user to "
		    "group %s (then log in again) or use sudo\n", path,
		    group);
		return EXIT_NO_ACCESS;
	}
	fprintf(stderr, "loaxactl: cannot connect to %s: %s\n", path, strerror(err));
	return EXIT_NOT_RUNNING;
}

static int
connect_daemon(const char *path, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "loaxactl: socket path too long: %s\n", path);
		return EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "loaxactl: socket: %s\n", strerror(errno));
		return EXIT_REFUSED;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return explain_connect_error(path, e);
	}
	*fdp = fd;
	return EXIT_OK;
}

static int
io_all(int fd, void *buf, size_t len, bool writing)
{
	char *p = buf;

	while (len > 0) {
		ssize_t r = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? -2 : -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int
read_reply(int fd, const char *path, json_t **obj, uint16_t *code)
{
	char hbuf[CTL_HEADER_LEN], err[256];
	struct ctl_header hdr;
	int r = io_all(fd, hbuf, sizeof(hbuf), false);

	if (r < 0) {
		fprintf(stderr, "loaxactl: no reply from loaxad on %s (%s)\n", path,
		    r == -2 ? "it closed the connection" :
		    errno == EAGAIN ? "timed out" : strerror(errno));
		return EXIT_REFUSED;
	}
	enum ctl_frame_status fs = ctl_frame_check(hbuf, sizeof(hbuf), 0, CTL_MAX_REPLY, &hdr);
	if (fs == CTL_FRAME_BAD_VERSION) {
		fprintf(stderr, "loaxactl: loaxad on %s speaks control protocol %u, this "
		    "loaxactl speaks %u: use the loaxactl installed with the running "
		    "loaxad\n", path, hdr.version, CTL_PROTOCOL_VERSION);
		return EXIT_REFUSED;
	}
	if (fs != CTL_FRAME_INCOMPLETE && fs != CTL_FRAME_OK) {
		fprintf(stderr, "loaxactl: bad reply from %s: %s\n", path,
		    ctl_frame_status_text(fs));
		return EXIT_REFUSED;
	}
	char *payload = xmalloc(hdr.length + 1);
	if (io_all(fd, payload, hdr.length, false) < 0) {
		free(payload);
		fprintf(stderr, "loaxactl: truncated reply from %s\n", path);
		return EXIT_REFUSED;
	}
	*obj = ctl_payload_decode(payload, hdr.length, err, sizeof(err));
	free(payload);
	if (*obj == NULL) {
		fprintf(stderr, "loaxactl: bad reply from %s: %s\n", path, err);
		return EXIT_REFUSED;
	}
	*code = hdr.code;
	return EXIT_OK;
}

int
client_request(struct ctl_client *c, uint16_t code, json_t *args, json_t **reply)
{
	char *path = socket_path(c), *frame;
	int fd, rc;
	json_t *obj = NULL;
	uint16_t rcode = 0;

	if (path == NULL)
		return EXIT_REFUSED;
	size_t len = ctl_frame_encode(code, args, CTL_MAX_REQUEST, &frame);
	if (len == 0) {
		fprintf(stderr, "loaxactl: request too long\n");
		free(path);
		return EXIT_USAGE;
	}
	rc = connect_daemon(path, &fd);
	if (rc == EXIT_OK) {
		if (io_all(fd, frame, len, true) < 0) {
			fprintf(stderr, "loaxactl: cannot send to %s: %s\n", path, strerror(errno));
			rc = EXIT_REFUSED;
		} else {
			rc = read_reply(fd, path, &obj, &rcode);
		}
		close(fd);
	}
	free(frame);
	free(path);
	if (rc != EXIT_OK)
		return rc;
	if (rcode == CTL_REPLY_ERROR) {
		const char *msg = json_string_value(json_object_get(obj, "error"));
		fprintf(stderr, "loaxactl: %s: %s\n", ctl_code_name(code),
		    msg ? msg : "refused");
		json_decref(obj);
		return EXIT_REFUSED;
	}
	if (reply != NULL)
		*reply = obj;
	else
		json_decref(obj);
	return EXIT_OK;
}

int
client_usage(const char *name)
{
	const struct ctl_command_desc *d = ctl_command_find(name);
	const char *usage = d != NULL ? d->usage : "";

	fprintf(stderr, "usage: loaxactl %s%s%s\n", name, usage[0] ? " " : "", usage);
	return EXIT_USAGE;
}
