/* Station areas: GeoJSON Polygon / MultiPolygon, validated, kept as flat rings in lon/lat with
 * bounding boxes, and a point-in-area test (even-odd over every ring, boundary inside).
 *
 * Coordinates are treated as planar lon/lat: an area must not cross the antimeridian, which
 * no Japanese station area does. */
#include "base/err.h"
#include "dispatch/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POSITIONS 100000
#define MAX_RINGS 10000
/* A point this close to an edge, in degrees (about 0.1 mm), is on the boundary. */
#define BOUNDARY_DEG 1e-9

struct box {
    double min_lon, min_lat, max_lon, max_lat;
};

struct geo_area {
    size_t nrings;
    size_t *start;    /* nrings + 1 offsets into xy, in positions */
    double *xy;       /* lon, lat pairs; each ring closed (last == first) */
    struct box *ring; /* per ring */
    struct box all;
};

void geo_area_free(struct geo_area *a)
{
    if (!a) return;
    free(a->start);
    free(a->xy);
    free(a->ring);
    free(a);
}

static void box_empty(struct box *b)
{
    *b = (struct box){INFINITY, INFINITY, -INFINITY, -INFINITY};
}

static void box_add(struct box *b, double lon, double lat)
{
    b->min_lon = fmin(b->min_lon, lon);
    b->max_lon = fmax(b->max_lon, lon);
    b->min_lat = fmin(b->min_lat, lat);
    b->max_lat = fmax(b->max_lat, lat);
}

static int box_has(const struct box *b, double lon, double lat)
{
    return lon >= b->min_lon - BOUNDARY_DEG && lon <= b->max_lon + BOUNDARY_DEG &&
           lat >= b->min_lat - BOUNDARY_DEG && lat <= b->max_lat + BOUNDARY_DEG;
}

/* Collects the rings of one polygon (an array of rings) into rings[]; where names the polygon
 * for messages. */
static int collect_polygon(const json_t *poly, const char *where, const json_t **rings,
                           size_t *nrings, size_t *npos)
{
    if (!json_is_array(poly) || json_array_size(poly) == 0)
        return kt_fail(KT_EINVAL, "area: %s is not a non-empty array of rings", where);
    for (size_t r = 0; r < json_array_size(poly); r++) {
        const json_t *ring = json_array_get(poly, r);
        if (!json_is_array(ring))
            return kt_fail(KT_EINVAL, "area: %s[%zu] is not an array of positions", where, r);
        if (json_array_size(ring) < 4)
            return kt_fail(KT_EINVAL, "area: %s[%zu] has %zu positions, a ring needs at least 4",
                           where, r, json_array_size(ring));
        if (*nrings == MAX_RINGS) return kt_fail(KT_EINVAL, "area: more than %d rings", MAX_RINGS);
        *npos += json_array_size(ring);
        if (*npos > MAX_POSITIONS)
            return kt_fail(KT_EINVAL, "area: more than %d positions", MAX_POSITIONS);
        rings[(*nrings)++] = ring;
    }
    return 0;
}

/* Reads [lon, lat] or [lon, lat, alt]. */
static int read_position(const json_t *p, size_t ring, size_t i, double *lon, double *lat)
{
    size_t n = json_is_array(p) ? json_array_size(p) : 0;
    if (n < 2 || n > 3 || !json_is_number(json_array_get(p, 0)) ||
        !json_is_number(json_array_get(p, 1)) || (n == 3 && !json_is_number(json_array_get(p, 2))))
        return kt_fail(KT_EINVAL, "area: ring %zu position %zu is not [lon, lat]", ring, i);
    *lon = json_number_value(json_array_get(p, 0));
    *lat = json_number_value(json_array_get(p, 1));
    if (!geo_valid(*lat, *lon))
        return kt_fail(KT_EINVAL, "area: ring %zu position %zu: lon %g, lat %g out of range", ring,
                       i, *lon, *lat);
    return 0;
}

static int build(struct geo_area *a, const json_t **rings, size_t nrings, size_t npos)
{
    a->start = malloc((nrings + 1) * sizeof *a->start);
    a->xy = malloc(npos * 2 * sizeof *a->xy);
    a->ring = malloc(nrings * sizeof *a->ring);
    if (!a->start || !a->xy || !a->ring) return kt_fail(KT_ENOMEM, "area: out of memory");
    a->nrings = nrings;
    box_empty(&a->all);
    size_t at = 0;
    for (size_t r = 0; r < nrings; r++) {
        a->start[r] = at;
        box_empty(&a->ring[r]);
        for (size_t i = 0; i < json_array_size(rings[r]); i++, at++) {
            double *p = &a->xy[2 * at];
            int rc = read_position(json_array_get(rings[r], i), r, i, &p[0], &p[1]);
            if (rc) return rc;
            box_add(&a->ring[r], p[0], p[1]);
        }
        const double *first = &a->xy[2 * a->start[r]], *last = &a->xy[2 * (at - 1)];
        if (first[0] != last[0] || first[1] != last[1])
            return kt_fail(KT_EINVAL, "area: ring %zu is not closed (first and last differ)", r);
        box_add(&a->all, a->ring[r].min_lon, a->ring[r].min_lat);
        box_add(&a->all, a->ring[r].max_lon, a->ring[r].max_lat);
    }
    a->start[nrings] = at;
    return 0;
}

int geo_area_parse(const json_t *geometry, struct geo_area **out)
{
    *out = NULL;
    if (!json_is_object(geometry)) return kt_fail(KT_EINVAL, "area: not a GeoJSON object");
    const char *type = json_string_value(json_object_get(geometry, "type"));
    const json_t *coords = json_object_get(geometry, "coordinates");
    if (!type) return kt_fail(KT_EINVAL, "area: \"type\" missing");
    int multi = !strcmp(type, "MultiPolygon");
    if (!multi && strcmp(type, "Polygon"))
        return kt_fail(KT_EINVAL, "area: type \"%.40s\" is not Polygon or MultiPolygon", type);
    if (!json_is_array(coords) || json_array_size(coords) == 0)
        return kt_fail(KT_EINVAL, "area: \"coordinates\" is not a non-empty array");

    const json_t **rings = malloc(MAX_RINGS * sizeof *rings);
    struct geo_area *a = calloc(1, sizeof *a);
    int rc = rings && a ? 0 : kt_fail(KT_ENOMEM, "area: out of memory");
    size_t nrings = 0, npos = 0;
    if (!multi && !rc) rc = collect_polygon(coords, "coordinates", rings, &nrings, &npos);
    for (size_t p = 0; multi && !rc && p < json_array_size(coords); p++) {
        char where[48];
        snprintf(where, sizeof where, "coordinates[%zu]", p);
        rc = collect_polygon(json_array_get(coords, p), where, rings, &nrings, &npos);
    }
    if (!rc) rc = build(a, rings, nrings, npos);
    free(rings);
    if (rc) {
        geo_area_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

/* 1 if (x, y) lies on the segment from (x1, y1) to (x2, y2), within BOUNDARY_DEG. */
static int on_segment(double x, double y, double x1, double y1, double x2, double y2)
{
    if (x < fmin(x1, x2) - BOUNDARY_DEG || x > fmax(x1, x2) + BOUNDARY_DEG ||
        y < fmin(y1, y2) - BOUNDARY_DEG || y > fmax(y1, y2) + BOUNDARY_DEG)
        return 0;
    double cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
    return fabs(cross) <= BOUNDARY_DEG * hypot(x2 - x1, y2 - y1);
}

int geo_area_contains(const struct geo_area *a, double lat, double lon)
{
    if (!a || !geo_valid(lat, lon) || !box_has(&a->all, lon, lat)) return 0;
    int inside = 0;
    for (size_t r = 0; r < a->nrings; r++) {
        if (!box_has(&a->ring[r], lon, lat)) continue;
        const double *p = &a->xy[2 * a->start[r]];
        size_t n = a->start[r + 1] - a->start[r];
        /* The ring is closed, so edges are (p[i], p[i+1]) for i < n - 1. */
        for (size_t i = 0; i + 1 < n; i++) {
            double x1 = p[2 * i], y1 = p[2 * i + 1], x2 = p[2 * i + 2], y2 = p[2 * i + 3];
            if (on_segment(lon, lat, x1, y1, x2, y2)) return 1;
            if ((y1 > lat) != (y2 > lat) && lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1)
                inside = !inside;
        }
    }
    return inside;
}
