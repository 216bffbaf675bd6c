/*
 * Fuzzes the configuration reader: any text must give either a config or an
 * error, never a crash, a leak or a hang.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

static void
ignore_warning(void *ctx, const char *message)
{
	(void)ctx;
	(void)message;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5 (Debian's) leaks the pending string token when a syntax error
 * stops the parser (hyperrealm/libconfig#142, fixed by #155 in 1.7). Not ours,
 * a few bytes per refused file: suppressed so the fuzzer finds our leaks.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\n"
	    "leak:libconfig_yylex\n";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* @include reads other files (even /dev/stdin, which would block): that is
	 * libconfig's business, not what is tested here. */
	if (!strcasestr(text, "@include")) {
		struct config *cfg = config_parse_string(text, "fuzz.conf", ignore_warning,
		    NULL, err, sizeof(err));
		config_free(cfg);
	}
	free(text);
	return 0;
}
