/*
 * protocol: the control socket's wire format, shared by loaxad and loaxactl
 * (after tmux-protocol.h and chrony's candm.h). Owns the frame layout, the
 * message codes and the size limits, plus encoding and the checks every
 * frame passes, in a fixed order, before anything acts on it.
 *
 * A frame is a fixed 12-byte header then `length` bytes of payload, a JSON
 * object (UTF-8, no NUL). The client sends one request frame; the daemon
 * answers with exactly one reply frame (CTL_REPLY_OK or CTL_REPLY_ERROR) and
 * may then read another request on the same connection. Host byte order:
 * both ends are on the same machine.
 *
 * Rules for changing this file: codes are only ever appended, never
 * renumbered or reused; a change to the header layout or to the meaning of
 * an existing code bumps CTL_PROTOCOL_VERSION. The version is checked first,
 * so an old loaxactl talking to a new loaxad gets a clear message.
 */
#ifndef LOAXA_PROTOCOL_H
#define LOAXA_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/version.h"

#define CTL_MAGIC		0x4c584131u	/* "LXA1" */
#define CTL_PROTOCOL_VERSION	1u

/* Bounded sizes: a request is small; a reply holds at most a week's plan or
 * the bulletin queue. */
#define CTL_MAX_REQUEST		4096u
#define CTL_MAX_REPLY		(256u * 1024u)

struct ctl_header {
	uint32_t magic;		/* CTL_MAGIC */
	uint16_t version;	/* CTL_PROTOCOL_VERSION */
	uint16_t code;		/* enum ctl_code */
	uint32_t length;	/* payload bytes that follow */
};
#define CTL_HEADER_LEN	12u
_Static_assert(sizeof(struct ctl_header) == CTL_HEADER_LEN, "packed header");

/*
 * The control commands, each listed once (as tmux's cmd_entry table):
 *   REQ(code, CONST, id, name, usage)  a request: loaxactl sends CTL_REQ_CONST
 *       (tools/loaxactl/cmd-ID.c defines cmd_ID) and loaxad answers it
 *       (control/cmd-ID.c defines ctl_cmd_ID);
 *   CLIENT(id, name, usage)  a loaxactl command with no request of its own
 *       (log reads the as-played log; unmute sends mute).
 * name is what the operator types, usage the arguments after it; the order
 * is loaxactl --help's. Adding a command: one line here and its cmd-ID.c
 * files. Codes are only ever appended, never renumbered or reused, and run
 * 1, 2, 3 ... with no gap. Payloads:
 *   status {}  plan {"date":"YYYY-MM-DD","days":N}  queue {}
 *   play {"what":"FILE|playlist:NAME","now":bool}  stop {}  skip {}
 *   volume {"volume":0..100}  mute {"mute":bool,"all":bool}  reload {}
 *   test-tone {}
 *   notice {"action":"list|add|edit|pause|resume|delete","id":N,"title":T,
 *       "file":ABSOLUTE_PATH,"text":T,"first":DAY,"last":DAY,"times":N}
 *   log-read {"date":"YYYY-MM-DD","kind":K,"result":R,"offset":N,"limit":N}
 *   config {}  (the config file's text, read-only)
 * Any request may name "user": a console's signed-in user, logged with
 * what the request did.
 */
#define CTL_COMMANDS(REQ, CLIENT) \
	REQ(1, STATUS, status, "status", "") \
	REQ(2, PLAN, plan, "plan", "[DATE | --week]") \
	REQ(3, QUEUE, queue, "queue", "") \
	CLIENT(log, "log", "[--since TIME] [--until TIME] [--slot NAME] " \
	    "[--result R] [--json] [--file PATH]") \
	REQ(4, PLAY, play, "play", "FILE | playlist:NAME [--now]") \
	REQ(5, STOP, stop, "stop", "") \
	REQ(6, SKIP, skip, "skip", "") \
	REQ(7, VOLUME, volume, "volume", "N") \
	REQ(8, MUTE, mute, "mute", "[--all]") \
	CLIENT(unmute, "unmute", "") \
	REQ(9, RELOAD, reload, "reload", "") \
	REQ(10, TEST_TONE, test_tone, "test-tone", "") \
	REQ(11, NOTICE, notice, "notice", "[list] | add TITLE (--file FILE | --text TEXT) " \
	    "[--from DAY] [--to DAY] [--times N] | edit ID [--title T] [--file F | " \
	    "--text T] [--from DAY] [--to DAY] [--times N] | pause ID | resume ID | delete ID") \
	REQ(12, LOG_READ, log_read, "log-read", "[DATE] [--kind K] [--result R]") \
	REQ(13, CONFIG, config, "config", "")

/* Expands to nothing: for the side of CTL_COMMANDS a user does not want. */
#define CTL_NONE_(...)

#define CTL_REQ_ENUM_(code, CONST, id, name, usage) CTL_REQ_##CONST = code,
#define CTL_REQ_COUNT_(code, CONST, id, name, usage) + 1
enum ctl_code {
	/* Requests (client -> daemon), from the table above. */
	CTL_COMMANDS(CTL_REQ_ENUM_, CTL_NONE_)
	CTL_REQ_LAST_ = 0 CTL_COMMANDS(CTL_REQ_COUNT_, CTL_NONE_),	/* highest request code */

	/* Replies (daemon -> client). Append only. */
	CTL_REPLY_OK = 100,	/* the command's result object, {} if none */
	CTL_REPLY_ERROR = 101,	/* {"error":"message for the operator"} */
};

/* One line of CTL_COMMANDS, for both programs. */
struct ctl_command_desc {
	uint16_t code;		/* CTL_REQ_*, or 0: runs in loaxactl alone */
	const char *name;
	const char *usage;
};
/* Every command in the table's order; ctl_ncommands of them. */
extern const struct ctl_command_desc ctl_commands[];
extern const size_t ctl_ncommands;
/* The command called name; NULL if none. */
const struct ctl_command_desc *ctl_command_find(const char *name);

/* Outcome of ctl_frame_check(), in the order the checks run. */
enum ctl_frame_status {
	CTL_FRAME_OK = 0,
	CTL_FRAME_SHORT,	/* fewer than CTL_HEADER_LEN bytes so far */
	CTL_FRAME_BAD_MAGIC,	/* not our protocol at all */
	CTL_FRAME_BAD_VERSION,	/* another version of loaxa */
	CTL_FRAME_BAD_CODE,	/* unknown message code */
	CTL_FRAME_TOO_LONG,	/* length above the limit */
	CTL_FRAME_INCOMPLETE,	/* header fine, payload not all here yet */
};

/*
 * Checks the start of buf (len bytes so far) as a frame whose payload may be
 * at most max bytes and whose code must be a request (want_request) or a
 * reply. Fills *hdr once the header is readable.
 */
enum ctl_frame_status ctl_frame_check(const void *buf, size_t len,
    int want_request, size_t max, struct ctl_header *hdr);
/* A one-line explanation for a failed check, for the error reply. */
const char *ctl_frame_status_text(enum ctl_frame_status st);

/*
 * Encodes a frame with obj (NULL: {}) as payload into a malloc'd buffer;
 * returns its size, or 0 if the payload would exceed max.
 */
size_t ctl_frame_encode(uint16_t code, const json_t *obj, size_t max, char **out);
/* Parses a payload: a JSON object of len bytes. NULL (with err) otherwise. */
json_t *ctl_payload_decode(const void *payload, size_t len, char *err, size_t errlen);

/* Names for messages and tests ("status", "play", ...); NULL if unknown. */
const char *ctl_code_name(uint16_t code);

#endif
