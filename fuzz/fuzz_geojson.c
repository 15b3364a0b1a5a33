/* libFuzzer target: station areas from GeoJSON text (json_loadb, then geo_area_parse). Besides
 * memory safety it checks that failures are KT_EINVAL with a message and leave *out NULL, and
 * that an accepted area contains its own first vertex (the boundary counts as inside) and no
 * point far outside the valid range of its coordinates. */
#include "base/err.h"
#include "dispatch/geo.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

/* The first position of the first ring, as GeoJSON gives it (lon, lat). */
static const json_t *first_position(const json_t *g)
{
    const json_t *c = json_object_get(g, "coordinates");
    int multi = json_is_string(json_object_get(g, "type")) &&
                json_string_value(json_object_get(g, "type"))[0] == 'M';
    if (multi) c = json_array_get(c, 0);
    return json_array_get(json_array_get(c, 0), 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *g = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!g) return 0;
    struct geo_area *a = (struct geo_area *)g;
    kt_err_clear();
    int rc = geo_area_parse(g, &a);
    if (rc == 0) {
        const json_t *p = first_position(g);
        double lon = json_number_value(json_array_get(p, 0));
        double lat = json_number_value(json_array_get(p, 1));
        if (!geo_area_contains(a, lat, lon)) abort();
        if (geo_area_contains(a, 91, 0) || geo_area_contains(a, 0, 181)) abort();
        geo_area_free(a);
    } else if ((rc != KT_EINVAL && rc != KT_ENOMEM) || !kt_errmsg()[0] || a) {
        abort();
    }
    json_decref(g);
    return 0;
}
