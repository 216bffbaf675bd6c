#include "scheduler/resume.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"

#define RESUME_FILE "resume.json"
#define PREFS_FILE "station.json"

static json_t *
load_json(const char *state_dir, const char *name)
{
	char path[PATH_MAX];
	json_error_t jerr;

	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	return json_load_file(path, 0, &jerr);
}

static int
save_json(const char *state_dir, const char *name, json_t *obj)
{
	char path[PATH_MAX], err[512];

	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	char *text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text == NULL)
		return -1;
	int r = atomic_write_file(path, text, strlen(text), 0644, err, sizeof(err));
	free(text);
	if (r < 0)
		log_warn("cannot save station state: %s; a restart may repeat or "
		    "lose the last step", err);
	return r;
}

int
resume_load(const char *state_dir, struct resume_point *out)
{
	json_t *o = load_json(state_dir, RESUME_FILE);
	const char *slot = NULL;
	json_int_t start = 0, step = 0, entry = 0, pass = 0;

	if (o == NULL)
		return -1;
	int r = json_unpack(o, "{s:s, s:I, s:I, s:I, s?I}", "slot", &slot,
	    "slot_start", &start, "step", &step, "entry", &entry, "pass", &pass);
	if (r == 0 && step >= 0 && entry >= 0 && pass >= 0) {
		snprintf(out->slot, sizeof(out->slot), "%s", slot);
		out->slot_start = (time_t)start;
		out->pos = (struct program_pos){ (size_t)step, (size_t)entry, (unsigned)pass };
	} else {
		r = -1;
	}
	json_decref(o);
	return r;
}

int
resume_save(const char *state_dir, const struct resume_point *rp)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I}", "slot", rp->slot,
	    "slot_start", (json_int_t)rp->slot_start, "step", (json_int_t)rp->pos.step,
	    "entry", (json_int_t)rp->pos.entry, "pass", (json_int_t)rp->pos.pass);

	return o ? save_json(state_dir, RESUME_FILE, o) : -1;
}

void
prefs_load(const char *state_dir, struct station_prefs *out)
{
	json_t *o = load_json(state_dir, PREFS_FILE);
	int volume = -1, muted = 0, muted_all = 0;

	*out = (struct station_prefs){ .volume = -1 };
	if (o == NULL)
		return;
	if (json_unpack(o, "{s?i, s?b, s?b}", "volume", &volume, "muted", &muted,
	    "muted_all", &muted_all) == 0) {
		out->volume = volume >= 0 && volume <= 100 ? volume : -1;
		out->muted = muted;
		out->muted_all = muted_all;
	}
	json_decref(o);
}

int
prefs_save(const char *state_dir, const struct station_prefs *p)
{
	json_t *o = json_pack("{s:i, s:b, s:b}", "volume", p->volume, "muted",
	    p->muted, "muted_all", p->muted_all);

	return o ? save_json(state_dir, PREFS_FILE, o) : -1;
}
