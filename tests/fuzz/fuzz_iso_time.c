/* libFuzzer: the two ISO 8601 parsers (core/util parse_iso_time for loaxa's
 * own files, bulletins/cap cap_parse_time for CAP) accept the same strings
 * and read the same second from them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulletins/cap.h"
#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64)
		return 0;
	char s[65];
	memcpy(s, data, size);
	s[size] = '\0';
	struct timespec a;
	time_t b;
	int ra = parse_iso_time(s, &a);
	int rb = cap_parse_time(s, &b);
	if ((ra == 0) != (rb == 0))
		abort();	/* one accepts what the other refuses */
	if (ra == 0 && a.tv_sec != b)
		abort();	/* both accept, and disagree on the instant */
	return 0;
}
