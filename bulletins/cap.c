/* cap: stub, being implemented. */
#include "bulletins/cap.h"

#include <stdio.h>

struct cap_alert *cap_parse(const char *xml, size_t len, char *err, size_t errlen)
{ (void)xml; (void)len; snprintf(err, errlen, "cap: not implemented yet"); return NULL; }
void cap_free(struct cap_alert *a) { (void)a; }
char *cap_build(const struct cap_alert *a, size_t *len) { (void)a; (void)len; return NULL; }
