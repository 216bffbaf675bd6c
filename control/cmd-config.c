/* config: the configuration file's text as loaxad loaded it, read-only, for
 * the technician's page of loaxa-web (which may not read the file itself). */
#include <stdio.h>
#include <stdlib.h>

#include "control/ctl.h"
#include "control/protocol.h"
#include "core/util.h"
#include "scheduler/station.h"

/* Leaves room in CTL_MAX_REPLY for JSON escaping. */
#define CONFIG_TEXT_MAX	(96u * 1024u)

int
ctl_cmd_config(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	const struct config *cfg = station_config(req->st);
	size_t len;
	char *text = read_file_all(cfg->path, CONFIG_TEXT_MAX, &len, err, errlen);

	if (text == NULL)
		return -1;
	json_object_set_new(reply, "path", json_string(cfg->path));
	json_object_set_new(reply, "text", json_stringn(text, len));
	free(text);
	return 0;
}
