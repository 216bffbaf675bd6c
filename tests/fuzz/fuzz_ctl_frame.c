/* libFuzzer: the control socket's frames as any local client could send
 * them. The checks never read past the buffer, a payload is only decoded
 * once its frame passed, and what passes re-encodes to a frame that passes
 * the same checks with the same code. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int want_request = 0; want_request <= 1; want_request++) {
		struct ctl_header hdr;
		size_t max = want_request ? CTL_MAX_REQUEST : CTL_MAX_REPLY;
		enum ctl_frame_status st = ctl_frame_check(data, size, want_request, max, &hdr);
		if (ctl_frame_status_text(st) == NULL)
			abort();
		if (st != CTL_FRAME_OK)
			continue;
		if (hdr.length > max || CTL_HEADER_LEN + (size_t)hdr.length > size)
			abort();	/* passed, yet longer than allowed or than given */
		if (want_request && ctl_code_name(hdr.code) == NULL)
			abort();	/* an unknown request passed */
		char err[256];
		json_t *obj = ctl_payload_decode(data + CTL_HEADER_LEN, hdr.length, err,
		    sizeof(err));
		if (obj == NULL)
			continue;
		if (!json_is_object(obj))
			abort();
		char *out = NULL;
		size_t n = ctl_frame_encode(hdr.code, obj, max, &out);
		if (n > 0) {
			struct ctl_header h2;
			if (ctl_frame_check(out, n, want_request, max, &h2) != CTL_FRAME_OK ||
			    h2.code != hdr.code)
				abort();
		}
		free(out);
		json_decref(obj);
	}
	return 0;
}
