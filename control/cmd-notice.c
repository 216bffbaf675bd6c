/* notice: the operator's own notices (scheduler/notices.h) — list, add,
 * edit, pause, resume, delete. Each change is logged with who made it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "control/ctl.h"
#include "control/protocol.h"
#include <stdlib.h>

#include "bulletins/bulletins.h"
#include "bulletins/speech.h"
#include "core/log.h"
#include "scheduler/notices.h"
#include "scheduler/station.h"

static int
str_arg(const json_t *args, const char *key, const char **out, char *err, size_t errlen)
{
	const json_t *v = json_object_get(args, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, errlen, "'%s' must be a string", key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int
spec_args(const json_t *args, struct notice_spec *spec, char *err, size_t errlen)
{
	*spec = (struct notice_spec){ 0 };
	if (str_arg(args, "title", &spec->title, err, errlen) < 0 ||
	    str_arg(args, "file", &spec->audio_from, err, errlen) < 0 ||
	    str_arg(args, "text", &spec->text, err, errlen) < 0 ||
	    str_arg(args, "first", &spec->first, err, errlen) < 0 ||
	    str_arg(args, "last", &spec->last, err, errlen) < 0)
		return -1;
	const json_t *t = json_object_get(args, "times");
	if (t != NULL && !json_is_null(t)) {
		if (!json_is_integer(t) || json_integer_value(t) < 1 ||
		    json_integer_value(t) > NOTICES_TIMES_MAX) {
			snprintf(err, errlen, "times a day must be 1 to %d", NOTICES_TIMES_MAX);
			return -1;
		}
		spec->times = (int)json_integer_value(t);
	}
	if (spec->audio_from != NULL && spec->audio_from[0] != '/') {
		snprintf(err, errlen, "the recording must be given by its absolute path");
		return -1;
	}
	return 0;
}

static int
id_arg(const json_t *args, unsigned *id, char *err, size_t errlen)
{
	const json_t *v = json_object_get(args, "id");

	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 0x7fffffff) {
		snprintf(err, errlen, "which notice? give its number (id)");
		return -1;
	}
	*id = (unsigned)json_integer_value(v);
	return 0;
}

/* The name stored with a notice: the console's user, else the Unix one. */
static const char *
web_user(const struct ctl_request *req)
{
	const char *named = json_string_value(json_object_get(req->args, "user"));

	return named ? named : req->user;
}

/* A text is spoken once, when it is saved (libespeak-ng, in the console's
 * language), into the cache; the notice keeps a copy. NULL when speech is
 * unavailable: the text is kept and the notice is skipped when due. */
static char *
speak(const struct ctl_request *req, const char *text)
{
	struct bulletins *b = station_bulletins(req->st);
	const struct config *cfg = station_config(req->st);
	char err[256];

	if (b == NULL || bulletins_speech(b) == NULL) {
		log_warn("notice: no speech synthesis in this loaxad; the text will not air");
		return NULL;
	}
	char *path = speech_to_wav(bulletins_speech(b), cfg->paths.cache,
	    strcmp(cfg->web.language, "en") == 0 ? "en" : "vi", text, err, sizeof(err));
	if (path == NULL)
		log_warn("notice: the text could not be spoken: %s; it will not air", err);
	return path;
}

static void
list(struct notices *n, const char *today, json_t *reply)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < notices_count(n); i++)
		json_array_append_new(arr, notices_to_json(notices_at(n, i), today));
	json_object_set_new(reply, "today", json_string(today));
	json_object_set_new(reply, "notices", arr);
}

int
ctl_cmd_notice(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	struct notices *n = station_notices(req->st);
	const char *action = NULL, *who = req->user;
	char today[11];
	unsigned id = 0;
	struct notice_spec spec;
	int r;

	notices_day_of(time(NULL), today);
	if (n == NULL) {
		snprintf(err, errlen, "notices are unavailable: the state folder could "
		    "not be used (see the daemon's log)");
		return -1;
	}
	if (str_arg(req->args, "action", &action, err, errlen) < 0)
		return -1;
	if (action == NULL || strcmp(action, "list") == 0) {
		list(n, today, reply);
		return 0;
	}
	if (strcmp(action, "add") == 0) {
		if (spec_args(req->args, &spec, err, errlen) < 0)
			return -1;
		char *spoken = spec.text && !spec.audio_from ? speak(req, spec.text) : NULL;
		spec.spoken_from = spoken;
		r = notices_add(n, &spec, web_user(req), today, &id, err, errlen);
		free(spoken);
		if (r < 0)
			return -1;
		const struct notice *no = notices_get(n, id);
		log_notice("notice %u \"%s\" added by %s: %s to %s, %d a day, %s", id,
		    no->title, who, no->first, no->last, no->times,
		    no->audio ? "recording" : "spoken text");
		json_object_set_new(reply, "notice", notices_to_json(no, today));
		return 0;
	}
	if (id_arg(req->args, &id, err, errlen) < 0)
		return -1;
	const struct notice *old = notices_get(n, id);
	char title[NOTICES_TITLE_MAX + 1];
	snprintf(title, sizeof(title), "%s", old ? old->title : "");
	if (strcmp(action, "edit") == 0) {
		r = spec_args(req->args, &spec, err, errlen);
		char *spoken = r == 0 && spec.text && !spec.audio_from ?
		    speak(req, spec.text) : NULL;
		spec.spoken_from = spoken;
		if (r == 0)
			r = notices_edit(n, id, &spec, err, errlen);
		free(spoken);
	} else if (strcmp(action, "pause") == 0 || strcmp(action, "resume") == 0) {
		r = notices_set_paused(n, id, action[0] == 'p', err, errlen);
	} else if (strcmp(action, "delete") == 0) {
		r = notices_delete(n, id, err, errlen);
	} else {
		snprintf(err, errlen, "unknown notice action '%s' (list, add, edit, "
		    "pause, resume, delete)", action);
		return -1;
	}
	if (r < 0)
		return -1;
	log_notice("notice %u \"%s\" %s by %s", id, title,
	    strcmp(action, "edit") == 0 ? "edited" : strcmp(action, "pause") == 0 ?
	    "paused" : strcmp(action, "resume") == 0 ? "resumed" : "deleted", who);
	const struct notice *no = notices_get(n, id);
	if (no != NULL)
		json_object_set_new(reply, "notice", notices_to_json(no, today));
	return 0;
}
