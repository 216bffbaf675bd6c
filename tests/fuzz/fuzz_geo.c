/* libFuzzer: CAP <polygon> and <circle> text (first byte: 'p' or 'c'), and the
 * containment tests on what parses. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulletins/geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	if (size < 1 || size > 256 * 1024)
		return 0;
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	struct geo_point probe = { 10.45, 105.63 };
	if (data[0] == 'p') {
		struct geo_polygon p;
		if (geo_parse_polygon(text, &p, err, sizeof(err)) == 0) {
			if (p.npts < 4 || p.pts[0].lat != p.pts[p.npts - 1].lat)
				abort();
			(void)geo_polygon_contains(&p, probe);
			(void)geo_polygon_contains(&p, p.pts[0]);
			geo_polygon_free(&p);
		}
	} else {
		struct geo_circle c;
		if (geo_parse_circle(text, &c, err, sizeof(err)) == 0) {
			if (!(c.radius_km >= 0) || !isfinite(c.centre.lat))
				abort();
			if (!geo_circle_contains(&c, c.centre))
				abort();
			(void)geo_circle_contains(&c, probe);
		}
	}
	free(text);
	return 0;
}
