/* Geometry for dispatch: distances on WGS84, an in-memory spatial index of units for
 * nearest-unit search, station areas as polygons, and caller locations from PIDF-LO.
 *
 * All positions are WGS84 degrees (lat -90..90, lon -180..180). Distances are great-circle
 * metres (haversine, mean Earth radius 6,371,008.8 m). */
#ifndef KEITSU_DISPATCH_GEO_H
#define KEITSU_DISPATCH_GEO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* 1 if lat/lon are finite and in range. */
int geo_valid(double lat, double lon);
/* Great-circle distance in metres. */
double geo_distance_m(double lat1, double lon1, double lat2, double lon2);

/* ---- Spatial index of points (units) ----
 * Points have a caller-chosen integer key (0..2^31-1), a position and a 32-bit "kind mask"
 * bit set (unit kind) plus an "eligible" flag (available for dispatch). Insert/move/remove are
 * O(1) amortised; nearest search visits grid cells (0.01°, anywhere on the globe, across the
 * antimeridian and the poles) in growing rings until the k best are certain, or reads every
 * point when that is cheaper (few eligible units, or none near). Not thread-safe: the caller
 * serialises (dispatch holds a rwlock around it); concurrent geo_index_nearest calls with no
 * writer are safe. The index owns its memory; geo_index_free(NULL) is a no-op. */
struct geo_index;

int geo_index_create(struct geo_index **out);
void geo_index_free(struct geo_index *ix);
/* Inserts or moves key to lat/lon with kinds (bit mask) and eligible (0/1). KT_EINVAL for a
 * negative key or an invalid position (the index is unchanged), KT_ENOMEM. */
int geo_index_put(struct geo_index *ix, int32_t key, double lat, double lon, uint32_t kinds,
                  int eligible);
/* Changes only the eligible flag; KT_ENOTFOUND if key is absent. */
int geo_index_set_eligible(struct geo_index *ix, int32_t key, int eligible);
void geo_index_remove(struct geo_index *ix, int32_t key);
size_t geo_index_count(const struct geo_index *ix);

struct geo_hit {
    int32_t key;
    double distance_m;
};
/* Writes up to k nearest eligible points whose kinds intersect kind_mask (0 = any kind)
 * within max_m metres (<= 0: no limit; distance == max_m is within) into out[] (room for k;
 * caller's), nearest first (ties by key). distance_m is exactly geo_distance_m from the query.
 * Returns the number written (0..k); 0 for an invalid query position. */
size_t geo_index_nearest(const struct geo_index *ix, double lat, double lon, uint32_t kind_mask,
                         double max_m, size_t k, struct geo_hit *out);

/* ---- Station areas ----
 * A GeoJSON Polygon or MultiPolygon geometry (outer rings and holes; lon,lat order as GeoJSON
 * says; an optional third number, altitude, is ignored). geo_area_parse() validates it
 * (closed rings of >= 4 positions, valid coordinates, at most 100,000 positions) and builds it
 * with a bounding box; KT_EINVAL with the reason, and *out NULL. geometry is borrowed; *out is
 * the caller's, freed with geo_area_free (NULL is a no-op). Coordinates are planar lon/lat: an
 * area must not cross the antimeridian. */
struct geo_area;
int geo_area_parse(const json_t *geometry, struct geo_area **out);
void geo_area_free(struct geo_area *a);
/* 1 if the point lies inside (even-odd over all rings; on the boundary counts as inside). */
int geo_area_contains(const struct geo_area *a, double lat, double lon);

/* ---- Caller location ----
 * A location as the carrier delivers it: a point and the uncertainty radius in metres
 * (0 if not given). */
struct geo_fix {
    double lat, lon;
    double radius_m;
};
/* Parses a PIDF-LO document (RFC 4119 / RFC 5491: presence/tuple/status/geopriv/location-info
 * with a GML Point, or a Circle with its radius in metres, in EPSG::4326 / 4979), len bytes
 * at xml (not NUL-terminated). Uses libxml2 without network access or entity expansion.
 * KT_EINVAL with the reason on anything else; never crashes on hostile input.
 * Details: the first Point or Circle in a gp:location-info whose parent is gp:geopriv wins
 * (so a civic-only location-info before it is skipped; RFC 4479 dm:device works too); the
 * shape must carry srsName (EPSG::4326: "lat lon", EPSG::4979: "lat lon alt", altitude
 * ignored); numbers are plain decimals; the radius needs uom EPSG::9001 and 0..100,000 m.
 * Documents over 64 KiB and any document type declaration (<!DOCTYPE) are refused.
 * Thread-safe; never calls xmlCleanupParser. */
int geo_pidf_parse(const char *xml, size_t len, struct geo_fix *out);

#endif
