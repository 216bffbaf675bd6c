/*
 * geo: CAP's <polygon> and <circle> (WGS 84 "lat,lon" pairs, a circle's
 * radius in km) read from text and tested against the station's location.
 * Pure functions, no allocation but the polygon's points.
 */
#ifndef LOAXA_GEO_H
#define LOAXA_GEO_H

#include <stdbool.h>
#include <stddef.h>

struct geo_point { double lat, lon; };
struct geo_polygon { struct geo_point *pts; size_t npts; };
struct geo_circle { struct geo_point centre; double radius_km; };

#define GEO_MAX_POINTS 10000

/* "lat,lon lat,lon ..." (CAP: at least 4 pairs, the first repeated last;
 * an open ring of 3 or more is closed here). 0, or -1 with err. */
int geo_parse_polygon(const char *s, struct geo_polygon *out, char *err, size_t errlen);
void geo_polygon_free(struct geo_polygon *p);
/* "lat,lon radius_km". 0, or -1 with err. */
int geo_parse_circle(const char *s, struct geo_circle *out, char *err, size_t errlen);

/* Even-odd rule on the plane of (lon, lat): CAP's polygons are small
 * enough that the Earth's curve does not matter. A point on the border is
 * inside. Rings crossing the antimeridian are not handled. */
bool geo_polygon_contains(const struct geo_polygon *p, struct geo_point pt);
/* Great-circle distance (haversine, mean radius 6371.0088 km) <= radius;
 * a zero radius (a point, as in an earthquake's epicentre) covers 1 km. */
bool geo_circle_contains(const struct geo_circle *c, struct geo_point pt);
/* Great-circle distance in km. */
double geo_distance_km(struct geo_point a, struct geo_point b);

#endif
