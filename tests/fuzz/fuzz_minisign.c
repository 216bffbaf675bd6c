/* libFuzzer: minisign public key and signature parsing on outside input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bulletins/minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct minisign_pubkey keys[2];
	/* A fixed known key (id 0x01..) and whatever the input parses as. */
	memset(&keys[0], 1, sizeof(keys[0]));
	if (minisign_pubkey_parse((const char *)data, size, &keys[1], err, sizeof(err)) != 0)
		memset(&keys[1], 0, sizeof(keys[1]));
	size_t which;
	minisign_verify(keys, 2, "msg", 3, (const char *)data, size, &which, err, sizeof(err));
	return 0;
}
