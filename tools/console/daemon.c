/* daemon: loaxa-web's side of the control socket, one connection per
 * request (handlers run on several threads at once). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/protocol.h"
#include "core/log.h"
#include "tools/console/console.h"

/* Longer than loaxad's per-client timeout: the daemon decides. */
#define ASK_TIMEOUT_S 10

static int
io_all(int fd, void *buf, size_t len, bool writing)
{
	char *p = buf;

	while (len > 0) {
		ssize_t r = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int
open_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = ASK_TIMEOUT_S };

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long (%zu bytes): %.100s", strlen(path), path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "loaxad does not answer on %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

json_t *
console_ask(const struct console *c, uint16_t code, json_t *args, const char *user,
    char *err, size_t errlen)
{
	json_t *a = args ? json_deep_copy(args) : json_object();
	char *frame = NULL, hbuf[CTL_HEADER_LEN];
	struct ctl_header hdr;
	json_t *obj = NULL;

	if (user != NULL)
		json_object_set_new(a, "user", json_string(user));
	size_t len = ctl_frame_encode(code, a, CTL_MAX_REQUEST, &frame);
	json_decref(a);
	if (len == 0) {
		snprintf(err, errlen, "request too long for loaxad");
		return NULL;
	}
	int fd = open_socket(c->socket_path, err, errlen);
	if (fd < 0) {
		free(frame);
		return NULL;
	}
	if (io_all(fd, frame, len, true) < 0 || io_all(fd, hbuf, sizeof(hbuf), false) < 0) {
		snprintf(err, errlen, "no answer from loaxad on %s: %s", c->socket_path,
		    errno == EAGAIN ? "timed out" : strerror(errno));
		goto out;
	}
	enum ctl_frame_status fs = ctl_frame_check(hbuf, sizeof(hbuf), 0, CTL_MAX_REPLY, &hdr);
	if (fs != CTL_FRAME_OK && fs != CTL_FRAME_INCOMPLETE) {
		snprintf(err, errlen, "bad answer from loaxad: %s (is loaxa-web the same "
		    "version as loaxad?)", ctl_frame_status_text(fs));
		goto out;
	}
	char *payload = xmalloc(hdr.length + 1);
	if (io_all(fd, payload, hdr.length, false) < 0) {
		snprintf(err, errlen, "loaxad's answer was cut short");
		free(payload);
		goto out;
	}
	obj = ctl_payload_decode(payload, hdr.length, err, errlen);
	free(payload);
	if (obj != NULL && hdr.code == CTL_REPLY_ERROR) {
		const char *msg = json_string_value(json_object_get(obj, "error"));
		snprintf(err, errlen, "%s", msg ? msg : "refused");
		json_decref(obj);
		obj = NULL;
	}
out:
	close(fd);
	free(frame);
	return obj;
}
