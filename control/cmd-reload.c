/* reload: re-reads the config file, as SIGHUP does (through ctl_ops.reload). */
#include <stdio.h>

#include "control/ctl.h"
#include "control/protocol.h"

int
ctl_cmd_reload(const struct ctl_request *req, json_t *reply, char *err, size_t errlen)
{
	(void)reply;
	if (req->ops->reload == NULL) {
		snprintf(err, errlen, "this loaxad cannot reload from the socket; "
		    "send it SIGHUP (systemctl reload loaxad)");
		return -1;
	}
	return req->ops->reload(req->ops_ctx, err, errlen);
}
