/*
 * geo: CAP polygons and circles. Numbers come from outside: every one is
 * checked (finite, in range) before use.
 */
#include "bulletins/geo.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define EARTH_RADIUS_KM 6371.0088
#define POINT_RADIUS_KM 1.0

static const char *
skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* A decimal number (no hex, no inf/nan: strtod would take them). */
static bool
take_number(const char **s, double *out)
{
	const char *p = *s;
	char *end;

	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return false;
	errno = 0;
	double v = strtod(*s, &end);
	if (errno != 0 || !isfinite(v))
		return false;
	for (const char *q = *s; q < end; q++)
		if (!isdigit((unsigned char)*q) && *q != '.' && *q != '-' && *q != '+' &&
		    *q != 'e' && *q != 'E')
			return false;
	*s = end;
	*out = v;
	return true;
}

/* "lat,lon" at *s (CAP allows no space around the comma; tolerated). */
static bool
take_point(const char **s, struct geo_point *pt)
{
	const char *p = skip_space(*s);

	if (!take_number(&p, &pt->lat))
		return false;
	p = skip_space(p);
	if (*p != ',')
		return false;
	p = skip_space(p + 1);
	if (!take_number(&p, &pt->lon))
		return false;
	if (pt->lat < -90 || pt->lat > 90 || pt->lon < -180 || pt->lon > 180)
		return false;
	*s = p;
	return true;
}

int
geo_parse_polygon(const char *s, struct geo_polygon *out, char *err, size_t errlen)
{
	struct geo_polygon p = { 0 };
	size_t cap = 0;

	s = skip_space(s);
	while (*s != '\0') {
		struct geo_point pt;
		if (!take_point(&s, &pt)) {
			snprintf(err, errlen, "polygon point %zu is not \"lat,lon\" in degrees",
			    p.npts + 1);
			geo_polygon_free(&p);
			return -1;
		}
		if (p.npts == GEO_MAX_POINTS) {
			snprintf(err, errlen, "polygon has more than %d points", GEO_MAX_POINTS);
			geo_polygon_free(&p);
			return -1;
		}
		if (p.npts == cap) {
			cap = cap ? 2 * cap : 16;
			p.pts = xreallocarray(p.pts, cap + 1, sizeof(*p.pts));
		}
		p.pts[p.npts++] = pt;
		if (*s != '\0' && !isspace((unsigned char)*s)) {
			snprintf(err, errlen, "polygon point %zu is followed by \"%.10s\"",
			    p.npts, s);
			geo_polygon_free(&p);
			return -1;
		}
		s = skip_space(s);
	}
	if (p.npts >= 3 && (p.pts[0].lat != p.pts[p.npts - 1].lat ||
	    p.pts[0].lon != p.pts[p.npts - 1].lon))
		p.pts[p.npts++] = p.pts[0];	/* room was kept for it */
	if (p.npts < 4) {
		snprintf(err, errlen, "polygon has %zu points (CAP wants at least 4, "
		    "the first repeated last)", p.npts);
		geo_polygon_free(&p);
		return -1;
	}
	*out = p;
	return 0;
}

void
geo_polygon_free(struct geo_polygon *p)
{
	free(p->pts);
	p->pts = NULL;
	p->npts = 0;
}

int
geo_parse_circle(const char *s, struct geo_circle *out, char *err, size_t errlen)
{
	struct geo_circle c;

	if (!take_point(&s, &c.centre) || !isspace((unsigned char)*s)) {
		snprintf(err, errlen, "circle centre is not \"lat,lon\" in degrees");
		return -1;
	}
	s = skip_space(s);
	if (!take_number(&s, &c.radius_km) || c.radius_km < 0 || c.radius_km > 20040 ||
	    *skip_space(s) != '\0') {
		snprintf(err, errlen, "circle radius is not a number of km");
		return -1;
	}
	*out = c;
	return 0;
}

bool
geo_polygon_contains(const struct geo_polygon *p, struct geo_point pt)
{
	bool inside = false;

	for (size_t i = 0, j = p->npts - 1; i < p->npts; j = i++) {
		struct geo_point a = p->pts[i], b = p->pts[j];
		/* On an edge counts as inside: a commune on the border is warned. */
		double cross = (b.lon - a.lon) * (pt.lat - a.lat) - (b.lat - a.lat) * (pt.lon - a.lon);
		if (fabs(cross) < 1e-12 &&
		    pt.lon >= fmin(a.lon, b.lon) && pt.lon <= fmax(a.lon, b.lon) &&
		    pt.lat >= fmin(a.lat, b.lat) && pt.lat <= fmax(a.lat, b.lat))
			return true;
		if ((a.lat > pt.lat) != (b.lat > pt.lat) &&
		    pt.lon < (b.lon - a.lon) * (pt.lat - a.lat) / (b.lat - a.lat) + a.lon)
			inside = !inside;
	}
	return inside;
}

double
geo_distance_km(struct geo_point a, struct geo_point b)
{
	const double rad = M_PI / 180.0;
	double dlat = (b.lat - a.lat) * rad, dlon = (b.lon - a.lon) * rad;
	double h = sin(dlat / 2) * sin(dlat / 2) +
	    cos(a.lat * rad) * cos(b.lat * rad) * sin(dlon / 2) * sin(dlon / 2);

	return 2 * EARTH_RADIUS_KM * asin(fmin(1.0, sqrt(h)));
}

bool
geo_circle_contains(const struct geo_circle *c, struct geo_point pt)
{
	double r = c->radius_km > 0 ? c->radius_km : POINT_RADIUS_KM;

	return geo_distance_km(c->centre, pt) <= r;
}
