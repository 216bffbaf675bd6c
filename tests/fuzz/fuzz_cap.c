/* libFuzzer: cap_parse on outside input, and build -> parse of what it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bulletins/cap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct cap_alert *a = cap_parse((const char *)data, size, CAP_DEFAULT_MAX_BYTES, err, sizeof(err));
	if (a == NULL)
		return 0;
	size_t len;
	char *xml = cap_build(a, &len);
	struct cap_alert *b = cap_parse(xml, len, CAP_DEFAULT_MAX_BYTES, err, sizeof(err));
	if (b == NULL || b->ninfos != a->ninfos || b->nrefs != a->nrefs)
		abort();
	cap_free(b);
	free(xml);
	cap_free(a);
	return 0;
}
