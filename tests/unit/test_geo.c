/* Dispatch geometry: distances against known values, the unit index against brute force over
 * random data (with moves, removes and eligibility changes), station areas, and PIDF-LO. */
#include "base/err.h"
#include "dispatch/geo.h"
#include "tap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PI_R_M (3.14159265358979323846 * 6371008.8)

/* ---- distances ---- */

static const struct {
    const char *what;
    double lat1, lon1, lat2, lon2;
    double lo_m, hi_m;
} distances[] = {
    {"Tokyo St. - Osaka St.", 35.6812, 139.7671, 34.7025, 135.4959, 396000, 404000},
    {"same point", 35.6812, 139.7671, 35.6812, 139.7671, 0, 0},
    {"antipodes on the equator", 0, 0, 0, 180, PI_R_M - 0.01, PI_R_M + 0.01},
    {"antipodes off the equator", 35.5, 139.5, -35.5, -40.5, PI_R_M - 0.01, PI_R_M + 0.01},
    {"pole to pole", 90, 0, -90, 0, PI_R_M - 0.01, PI_R_M + 0.01},
    {"one degree of the equator", 0, 0, 0, 1, 111194.9, 111195.1},
    {"across the antimeridian", 0, 179.99, 0, -179.99, 2223.8, 2224.0},
    {"pole, any longitude", 90, 10, 90, -170, 0, 1e-6},
};

static void test_distance(void)
{
    for (size_t i = 0; i < LEN(distances); i++) {
        double d = geo_distance_m(distances[i].lat1, distances[i].lon1, distances[i].lat2,
                                  distances[i].lon2);
        CHECK(d >= distances[i].lo_m && d <= distances[i].hi_m, "%s: %.3f m not in [%.3f, %.3f]",
              distances[i].what, d, distances[i].lo_m, distances[i].hi_m);
        double back = geo_distance_m(distances[i].lat2, distances[i].lon2, distances[i].lat1,
                                     distances[i].lon1);
        CHECK(fabs(back - d) < 1e-6, "%s: not symmetric", distances[i].what);
    }
}

static const struct {
    double lat, lon;
    int valid;
} positions[] = {
    {0, 0, 1},        {90, 180, 1},     {-90, -180, 1}, {35.68, 139.76, 1}, {90.0001, 0, 0},
    {-90.0001, 0, 0}, {0, 180.0001, 0}, {0, -181, 0},   {NAN, 0, 0},        {0, INFINITY, 0},
};

static void test_valid(void)
{
    for (size_t i = 0; i < LEN(positions); i++)
        CHECK(geo_valid(positions[i].lat, positions[i].lon) == positions[i].valid,
              "geo_valid(%g, %g) != %d", positions[i].lat, positions[i].lon, positions[i].valid);
}

/* ---- index against brute force ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform(double lo, double hi)
{
    return lo + (hi - lo) * ((double)(next() >> 11) / 9007199254740992.0);
}

/* Positions from several regimes: a dense city, the whole globe, the antimeridian, the poles,
 * and exact cell edges. */
static void random_position(double *lat, double *lon)
{
    switch (next() % 6) {
    case 0:
    case 1:
        *lat = uniform(35.5, 35.9);
        *lon = uniform(139.4, 139.95);
        break;
    case 2:
        *lat = uniform(-90, 90);
        *lon = uniform(-180, 180);
        break;
    case 3:
        *lat = uniform(-1, 1);
        *lon = next() % 2 ? uniform(179.9, 180) : uniform(-180, -179.9);
        break;
    case 4:
        *lat = next() % 2 ? uniform(89.9, 90) : uniform(-90, -89.9);
        *lon = uniform(-180, 180);
        break;
    default:
        *lat = 35.5 + (double)(next() % 40) * 0.01;
        *lon = 139.4 + (double)(next() % 55) * 0.01;
        break;
    }
}

#define NPOINTS 12000

struct shadow {
    int present;
    double lat, lon;
    uint32_t kinds;
    int eligible;
};

static struct shadow shadow[NPOINTS];

static int32_t key_of(int i)
{
    return (int32_t)((uint32_t)i * 40503u + 17u); /* spread out, distinct, < 2^31 */
}

static int hit_cmp(const void *a, const void *b)
{
    const struct geo_hit *x = a, *y = b;
    if (x->distance_m != y->distance_m) return x->distance_m < y->distance_m ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

static size_t brute(double lat, double lon, uint32_t mask, double max_m, size_t k,
                    struct geo_hit *out)
{
    static struct geo_hit all[NPOINTS];
    size_t n = 0;
    for (int i = 0; i < NPOINTS; i++) {
        const struct shadow *s = &shadow[i];
        if (!s->present || !s->eligible || (mask && !(s->kinds & mask))) continue;
        double d = geo_distance_m(lat, lon, s->lat, s->lon);
        if (max_m > 0 && d > max_m) continue;
        all[n++] = (struct geo_hit){key_of(i), d};
    }
    qsort(all, n, sizeof all[0], hit_cmp);
    if (n > k) n = k;
    memcpy(out, all, n * sizeof *out);
    return n;
}

static void put_random(struct geo_index *ix, int i, int eligible_percent)
{
    struct shadow *s = &shadow[i];
    random_position(&s->lat, &s->lon);
    s->kinds = (uint32_t)(1u << (next() % 6));
    if (next() % 8 == 0) s->kinds |= (uint32_t)(1u << (next() % 6));
    s->eligible = (int)(next() % 100) < eligible_percent;
    s->present = 1;
    int rc = geo_index_put(ix, key_of(i), s->lat, s->lon, s->kinds, s->eligible);
    if (rc) CHECK(0, "put %d: %d %s", i, rc, kt_errmsg());
}

static int failures_shown;

static void compare_queries(struct geo_index *ix, int queries, const char *phase)
{
    static const uint32_t masks[] = {0, 1, 2, 4, 8, 16, 32, 3, 48};
    static const double limits[] = {0, 0, 0, 500, 5000, 2e6};
    static const size_t ks[] = {1, 5, 5, 5, 10, 40};
    int bad = 0;
    for (int q = 0; q < queries; q++) {
        double lat, lon;
        random_position(&lat, &lon);
        uint32_t mask = masks[next() % LEN(masks)];
        double max_m = limits[next() % LEN(limits)];
        size_t k = ks[next() % LEN(ks)];
        struct geo_hit got[64], want[64];
        size_t ng = geo_index_nearest(ix, lat, lon, mask, max_m, k, got);
        size_t nw = brute(lat, lon, mask, max_m, k, want);
        int same = ng == nw;
        for (size_t j = 0; same && j < nw; j++)
            same = got[j].key == want[j].key && got[j].distance_m == want[j].distance_m;
        if (!same) {
            bad++;
            if (failures_shown++ < 5)
                fprintf(stderr,
                        "%s: query %.6f,%.6f mask %u max %g k %zu: got %zu (first %d %.3f), "
                        "want %zu (first %d %.3f)\n",
                        phase, lat, lon, mask, max_m, k, ng, ng ? got[0].key : -1,
                        ng ? got[0].distance_m : 0, nw, nw ? want[0].key : -1,
                        nw ? want[0].distance_m : 0);
        }
    }
    CHECK(bad == 0, "%s: %d of %d queries differ from brute force", phase, bad, queries);
}

static void test_index_random(void)
{
    struct geo_index *ix;
    if (geo_index_create(&ix)) {
        CHECK(0, "create");
        return;
    }
    for (int i = 0; i < NPOINTS; i++)
        put_random(ix, i, 70);
    CHECK(geo_index_count(ix) == NPOINTS, "count %zu after inserts", geo_index_count(ix));
    compare_queries(ix, 1500, "after insert");

    /* Moves (far and within the cell), removes, re-inserts and eligibility changes. */
    for (int round = 0; round < 3; round++) {
        for (int j = 0; j < NPOINTS / 2; j++) {
            int i = (int)(next() % NPOINTS);
            struct shadow *s = &shadow[i];
            switch (next() % 5) {
            case 0:
                geo_index_remove(ix, key_of(i));
                s->present = 0;
                break;
            case 1:
                if (s->present) {
                    s->lat = fmin(90, fmax(-90, s->lat + uniform(-1e-4, 1e-4)));
                    s->lon = fmin(180, fmax(-180, s->lon + uniform(-1e-4, 1e-4)));
                    CHECK(geo_index_put(ix, key_of(i), s->lat, s->lon, s->kinds, s->eligible) == 0,
                          "small move");
                }
                break;
            case 2:
                if (s->present) {
                    s->eligible = !s->eligible;
                    CHECK(geo_index_set_eligible(ix, key_of(i), s->eligible) == 0, "eligible");
                } else {
                    CHECK(geo_index_set_eligible(ix, key_of(i), 1) == KT_ENOTFOUND,
                          "eligible on an absent key");
                }
                break;
            default:
                put_random(ix, i, 70);
                break;
            }
        }
        size_t present = 0;
        for (int i = 0; i < NPOINTS; i++)
            present += (size_t)shadow[i].present;
        CHECK(geo_index_count(ix) == present, "count %zu, want %zu", geo_index_count(ix), present);
        compare_queries(ix, 1000, "after churn");
    }

    /* Sparse eligibility: the rings run out and the search must fall back correctly. */
    for (int i = 0; i < NPOINTS; i++)
        if (shadow[i].present) {
            shadow[i].eligible = next() % 200 == 0;
            geo_index_set_eligible(ix, key_of(i), shadow[i].eligible);
        }
    compare_queries(ix, 500, "sparse eligible");
    geo_index_free(ix);
}

/* Small hand-made cases: limits, k beyond the count, ties, bad input. */
static void test_index_cases(void)
{
    struct geo_index *ix;
    if (geo_index_create(&ix)) {
        CHECK(0, "create");
        return;
    }
    struct geo_hit out[8];
    CHECK(geo_index_nearest(ix, 35.68, 139.76, 0, 0, 5, out) == 0, "empty index finds nothing");
    CHECK(geo_index_put(ix, -1, 35, 139, 1, 1) == KT_EINVAL, "negative key");
    CHECK(geo_index_put(ix, 1, 91, 139, 1, 1) == KT_EINVAL, "lat 91");
    CHECK(geo_index_put(ix, 1, 35, NAN, 1, 1) == KT_EINVAL, "lon NaN");
    CHECK(geo_index_count(ix) == 0, "nothing inserted by bad puts");

    /* Three units east of the query along the equator, about 111 m apart; a tie at 2 and 3. */
    CHECK(geo_index_put(ix, 10, 0, 0.001, 1, 1) == 0, "put 10");
    CHECK(geo_index_put(ix, 3, 0, 0.002, 1, 1) == 0, "put 3");
    CHECK(geo_index_put(ix, 2, 0, -0.002, 2, 1) == 0, "put 2");
    CHECK(geo_index_put(ix, 7, 0, 0.003, 1, 0) == 0, "put 7 ineligible");
    size_t n = geo_index_nearest(ix, 0, 0, 0, 0, 8, out);
    CHECK(n == 3, "k beyond the count: %zu", n);
    CHECK(n == 3 && out[0].key == 10 && out[1].key == 2 && out[2].key == 3,
          "nearest first, ties by key");
    CHECK(n == 3 && out[1].distance_m == out[2].distance_m, "tie distances equal");
    CHECK(geo_index_nearest(ix, 0, 0, 0, 150, 8, out) == 1, "max_m 150 keeps one");
    CHECK(geo_index_nearest(ix, 0, 0, 0, 50, 8, out) == 0, "max_m 50 keeps none");
    CHECK(geo_index_nearest(ix, 0, 0, 2, 0, 8, out) == 1 && out[0].key == 2, "kind mask");
    CHECK(geo_index_nearest(ix, 0, 0, 4, 0, 8, out) == 0, "kind nobody has");
    CHECK(geo_index_nearest(ix, 0, 0, 0, 0, 0, out) == 0, "k 0");
    CHECK(geo_index_nearest(ix, 95, 0, 0, 0, 8, out) == 0, "invalid query");
    CHECK(geo_index_set_eligible(ix, 7, 1) == 0, "7 eligible");
    CHECK(geo_index_nearest(ix, 0, 0, 1, 0, 8, out) == 3 && out[2].key == 7, "7 found");
    geo_index_remove(ix, 7);
    geo_index_remove(ix, 7);
    geo_index_remove(ix, 12345);
    CHECK(geo_index_count(ix) == 3, "count after removes");
    CHECK(geo_index_set_eligible(ix, 7, 1) == KT_ENOTFOUND, "removed key not found");

    /* Across the antimeridian and over the pole. */
    CHECK(geo_index_put(ix, 20, 0, 180, 1, 1) == 0, "put on lon 180");
    CHECK(geo_index_put(ix, 21, 89.999, -170, 1, 1) == 0, "put near the pole");
    CHECK(geo_index_nearest(ix, 0, -179.999, 0, 0, 1, out) == 1 && out[0].key == 20,
          "nearest across the antimeridian");
    CHECK(geo_index_nearest(ix, 89.999, 10, 0, 0, 1, out) == 1 && out[0].key == 21,
          "nearest over the pole");
    CHECK(geo_index_nearest(ix, 0, 180, 0, 1000, 1, out) == 1 && out[0].key == 20 &&
              out[0].distance_m == 0,
          "query on lon 180");
    geo_index_free(ix);
}

/* ---- station areas ---- */

#define SQUARE "[[139,35],[140,35],[140,36],[139,36],[139,35]]"
#define HOLE "[[139.4,35.4],[139.6,35.4],[139.6,35.6],[139.4,35.6],[139.4,35.4]]"
/* An L: the square without its north-east quarter. */
#define ELL "[[139,35],[140,35],[140,35.5],[139.5,35.5],[139.5,36],[139,36],[139,35]]"

static const struct {
    const char *what, *geojson;
    struct {
        double lat, lon;
        int in;
    } pts[8];
} areas[] = {
    {"square",
     "{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}",
     {{35.5, 139.5, 1},
      {35, 139.5, 1},
      {35, 139, 1},
      {36, 140, 1},
      {35.5, 140, 1},
      {34.999, 139.5, 0},
      {35.5, 140.001, 0},
      {0, 0, 0}}},
    {"concave L",
     "{\"type\":\"Polygon\",\"coordinates\":[" ELL "]}",
     {{35.25, 139.75, 1},
      {35.75, 139.25, 1},
      {35.75, 139.75, 0},
      {35.5, 139.75, 1},
      {35.75, 139.5, 1},
      {35.51, 139.51, 0},
      {35.5, 139.5, 1},
      {36.1, 139.25, 0}}},
    {"square with a hole",
     "{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "," HOLE "]}",
     {{35.5, 139.5, 0},
      {35.45, 139.45, 0},
      {35.2, 139.2, 1},
      {35.4, 139.5, 1},
      {35.6, 139.6, 1},
      {35.7, 139.5, 1},
      {35.39, 139.5, 1},
      {35.41, 139.5, 0}}},
    {"multipolygon",
     "{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "],[[[141,35],[142,35],[141.5,36],"
     "[141,35]]]]}",
     {{35.5, 139.5, 1},
      {35.2, 141.5, 1},
      {35.5, 140.5, 0},
      {35.9, 141.1, 0},
      {35, 141.5, 1},
      {36, 141.5, 1},
      {35.5, 141.25, 1},
      {36.5, 141.5, 0}}},
    {"diagonal edge, altitude given",
     "{\"type\":\"Polygon\",\"coordinates\":[[[0,0,5],[1,0,5],[0,1,5],[0,0,5]]]}",
     {{0.5, 0.5, 1},
      {0.3, 0.7, 1},
      {0.25, 0.25, 1},
      {0.5, 0.5000001, 0},
      {-0.1, 0.5, 0},
      {0.1, 0.1, 1},
      {0.9, 0.05, 1},
      {0.9, 0.2, 0}}},
};

static const struct {
    const char *geojson, *msg;
} bad_areas[] = {
    {"[]", "not a GeoJSON object"},
    {"{\"coordinates\":[" SQUARE "]}", "\"type\" missing"},
    {"{\"type\":\"Point\",\"coordinates\":[139,35]}", "not Polygon or MultiPolygon"},
    {"{\"type\":\"LineString\",\"coordinates\":" SQUARE "}", "not Polygon or MultiPolygon"},
    {"{\"type\":\"Polygon\"}", "\"coordinates\" is not"},
    {"{\"type\":\"Polygon\",\"coordinates\":[]}", "\"coordinates\" is not"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[139,35],[140,35],[140,36],[139,36]]]}",
     "not closed"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[139,35],[140,35],[139,35]]]}", "at least 4"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[]]}", "at least 4"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[139,35],[140,35],[140,\"36\"],[139,35]]]}",
     "is not [lon, lat]"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[139,35],[140],[140,36],[139,35]]]}",
     "is not [lon, lat]"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[139,35],[140,35,1,2],[140,36],[139,35]]]}",
     "is not [lon, lat]"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[139,35],[181,35],[140,36],[139,35]]]}",
     "out of range"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[139,35],[140,91],[140,36],[139,35]]]}",
     "out of range"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[35,139],[35,140],[36,140],[35,139]]]}",
     "out of range"},
    {"{\"type\":\"Polygon\",\"coordinates\":[" SQUARE ",5]}", "not an array of positions"},
    {"{\"type\":\"MultiPolygon\",\"coordinates\":[" SQUARE "]}", "coordinates[0][0] has 2"},
    {"{\"type\":\"MultiPolygon\",\"coordinates\":[[]]}", "not a non-empty array of rings"},
    {"{\"type\":\"Polygon\",\"coordinates\":[[[139,35],[140,35],[140,36],[139,35.000001]]]}",
     "not closed"},
};

static void test_areas(void)
{
    for (size_t i = 0; i < LEN(areas); i++) {
        json_error_t err;
        json_t *g = json_loads(areas[i].geojson, 0, &err);
        struct geo_area *a = NULL;
        int rc = g ? geo_area_parse(g, &a) : -100;
        CHECK(rc == 0, "%s: parse rc %d (%s) %s", areas[i].what, rc, kt_errmsg(), err.text);
        for (size_t j = 0; a && j < LEN(areas[i].pts); j++)
            CHECK(geo_area_contains(a, areas[i].pts[j].lat, areas[i].pts[j].lon) ==
                      areas[i].pts[j].in,
                  "%s: %g,%g should be %s", areas[i].what, areas[i].pts[j].lat, areas[i].pts[j].lon,
                  areas[i].pts[j].in ? "inside" : "outside");
        geo_area_free(a);
        json_decref(g);
    }
    for (size_t i = 0; i < LEN(bad_areas); i++) {
        json_error_t err;
        json_t *g = json_loads(bad_areas[i].geojson, 0, &err);
        struct geo_area *a = (struct geo_area *)&err; /* must be reset to NULL */
        kt_err_clear();
        int rc = g ? geo_area_parse(g, &a) : -100;
        CHECK(rc == KT_EINVAL && a == NULL, "bad area %zu: rc %d", i, rc);
        CHECK(strstr(kt_errmsg(), bad_areas[i].msg) != NULL, "bad area %zu: '%s' lacks '%s'", i,
              kt_errmsg(), bad_areas[i].msg);
        json_decref(g);
    }
}

/* The position limit: a ring of 100,001 positions is refused, 100,000 accepted. */
static void test_area_limit(void)
{
    for (int extra = 0; extra <= 1; extra++) {
        size_t n = 100000 + (size_t)extra;
        json_t *ring = json_array();
        for (size_t i = 0; i + 1 < n; i++) {
            double t = 2 * 3.14159265358979 * (double)i / (double)(n - 1);
            json_array_append_new(ring,
                                  json_pack("[ff]", 139.7 + 0.1 * cos(t), 35.7 + 0.1 * sin(t)));
        }
        json_array_append(ring, json_array_get(ring, 0));
        json_t *g = json_pack("{s:s, s:[o]}", "type", "Polygon", "coordinates", ring);
        struct geo_area *a = NULL;
        int rc = geo_area_parse(g, &a);
        CHECK(extra ? rc == KT_EINVAL : rc == 0, "%zu positions: rc %d", n, rc);
        if (a) CHECK(geo_area_contains(a, 35.7, 139.7), "centre of the big ring");
        geo_area_free(a);
        json_decref(g);
    }
}

/* ---- PIDF-LO ---- */

#define PIDF_DIR "tests/data/pidf/"

/* msg NULL: must parse to lat, lon, radius. */
static const struct {
    const char *file;
    double lat, lon, radius_m;
    const char *msg;
} pidfs[] = {
    {"point.xml", 35.6812, 139.7671, 0, NULL},
    {"circle.xml", 35.658581, 139.745433, 850, NULL},
    {"point_3d.xml", 34.7025, 135.4959, 0, NULL},
    {"circle_3d.xml", -33.8568, 151.2153, 15.5, NULL},
    {"point_spaces.xml", 35, -150, 0, NULL},
    {"device.xml", 26.2124, 127.6809, 0, NULL},
    {"civic_then_point.xml", 43.0687, 141.3508, 0, NULL},
    {"wrong_srs.xml", 0, 0, 0, "srsName 'urn:ogc:def:crs:EPSG::4612' is not"},
    {"no_srs.xml", 0, 0, 0, "has no srsName"},
    {"missing_pos.xml", 0, 0, 0, "has no gml:pos"},
    {"empty_pos.xml", 0, 0, 0, "gml:pos has 0 numbers"},
    {"one_number.xml", 0, 0, 0, "gml:pos has 1 numbers"},
    {"three_numbers_2d.xml", 0, 0, 0, "gml:pos has 3 numbers"},
    {"bad_number.xml", 0, 0, 0, "'35.68x12' is not a number"},
    {"nan.xml", 0, 0, 0, "'nan' is not a number"},
    {"hex.xml", 0, 0, 0, "'0x23' is not a number"},
    {"huge_number.xml", 0, 0, 0, "'1e400' is not a number"},
    {"lat_out_of_range.xml", 0, 0, 0, "is not a latitude and longitude"},
    {"lon_lat_swapped.xml", 0, 0, 0, "is not a latitude and longitude"},
    {"radius_negative.xml", 0, 0, 0, "gs:radius -5 m is outside"},
    {"radius_absurd.xml", 0, 0, 0, "gs:radius 150000 m is outside"},
    {"radius_feet.xml", 0, 0, 0, "uom is not urn:ogc:def:uom:EPSG::9001"},
    {"radius_missing.xml", 0, 0, 0, "has no gs:radius"},
    {"polygon.xml", 0, 0, 0, "shape Polygon is not supported"},
    {"wrong_gml_ns.xml", 0, 0, 0, "no gml:Point or gs:Circle"},
    {"no_location.xml", 0, 0, 0, "no gml:Point or gs:Circle"},
    {"not_presence.xml", 0, 0, 0, "root is not a pidf presence"},
    {"xxe.xml", 0, 0, 0, "document type declaration is not allowed"},
    {"xxe_param.xml", 0, 0, 0, "document type declaration is not allowed"},
    {"external_dtd.xml", 0, 0, 0, "document type declaration is not allowed"},
    {"billion_laughs.xml", 0, 0, 0, "document type declaration is not allowed"},
    {"internal_entity.xml", 0, 0, 0, "document type declaration is not allowed"},
    {"undefined_entity.xml", 0, 0, 0, "Entity 'pos' not defined"},
    {"truncated.xml", 0, 0, 0, "XML line"},
};

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
        if (n == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static void test_pidf_files(void)
{
    for (size_t i = 0; i < LEN(pidfs); i++) {
        size_t len;
        char path[256];
        snprintf(path, sizeof path, "%s%s", PIDF_DIR, pidfs[i].file);
        char *xml = slurp(path, &len);
        CHECK(xml != NULL, "read %s", path);
        if (!xml) continue;
        struct geo_fix fix = {-1, -1, -1};
        kt_err_clear();
        int rc = geo_pidf_parse(xml, len, &fix);
        if (!pidfs[i].msg) {
            CHECK(rc == 0, "%s: rc %d (%s)", pidfs[i].file, rc, kt_errmsg());
            CHECK(rc == 0 && fix.lat == pidfs[i].lat && fix.lon == pidfs[i].lon &&
                      fix.radius_m == pidfs[i].radius_m,
                  "%s: got %g %g r %g", pidfs[i].file, fix.lat, fix.lon, fix.radius_m);
        } else {
            CHECK(rc == KT_EINVAL, "%s: rc %d, want KT_EINVAL", pidfs[i].file, rc);
            CHECK(strstr(kt_errmsg(), pidfs[i].msg) != NULL, "%s: '%s' lacks '%s'", pidfs[i].file,
                  kt_errmsg(), pidfs[i].msg);
        }
        free(xml);
    }
}

/* Every proper prefix of a valid document fails cleanly; the size limit holds at 64 KiB. */
static void test_pidf_limits(void)
{
    size_t len;
    char *xml = slurp(PIDF_DIR "circle.xml", &len);
    CHECK(xml != NULL, "read circle.xml");
    if (!xml) return;
    const char *end = strstr(xml, "</presence>");
    size_t whole = end ? (size_t)(end - xml) + strlen("</presence>") : len;
    int bad = 0;
    struct geo_fix fix;
    for (size_t n = 0; n < whole; n++)
        bad += geo_pidf_parse(xml, n, &fix) != KT_EINVAL;
    CHECK(bad == 0, "%d of %zu truncations were not rejected", bad, whole);
    CHECK(geo_pidf_parse(xml, whole, &fix) == 0 && fix.radius_m == 850, "the whole document");
    CHECK(geo_pidf_parse(NULL, 0, &fix) == KT_EINVAL, "NULL document");

    /* Pad with a comment after the root to exactly 64 KiB, then one byte more. */
    for (size_t target = 65536; target <= 65537; target++) {
        char *big = malloc(target);
        if (!big) break;
        memcpy(big, xml, whole);
        memcpy(big + whole, "<!--", 4);
        memset(big + whole + 4, 'x', target - whole - 7);
        memcpy(big + target - 3, "-->", 3);
        kt_err_clear();
        int rc = geo_pidf_parse(big, target, &fix);
        if (target == 65536)
            CHECK(rc == 0, "64 KiB document: rc %d (%s)", rc, kt_errmsg());
        else
            CHECK(rc == KT_EINVAL && strstr(kt_errmsg(), "over 65536"),
                  "64 KiB + 1 document: rc %d (%s)", rc, kt_errmsg());
        free(big);
    }
    free(xml);
}

int main(void)
{
    test_distance();
    test_valid();
    test_index_cases();
    test_index_random();
    test_areas();
    test_area_limit();
    test_pidf_files();
    test_pidf_limits();
    return tap_done();
}
