/* libFuzzer target: EIDO import. Besides memory safety it checks that an accepted EIDO gives a
 * creation body with a known type, an in-range position and the tracking id, and that every
 * refusal is KT_EINVAL or KT_EVALID with a message. */
#include "base/err.h"
#include "dispatch/codes.h"
#include "dispatch/interop.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *eido = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!eido) return 0;
    json_t *body = NULL;
    char ext[256];
    kt_err_clear();
    int rc = dispatch_eido_to_incident(eido, &body, ext, sizeof ext);
    if (rc == 0) {
        if (!body || !ext[0] ||
            !dispatch_type_find(json_string_value(json_object_get(body, "type"))))
            abort();
        json_t *lat = json_object_get(body, "lat"), *lon = json_object_get(body, "lon");
        if (!lat != !lon) abort();
        if (lat && (fabs(json_number_value(lat)) > 90 || fabs(json_number_value(lon)) > 180))
            abort();
        json_t *p = json_object_get(body, "priority");
        if (p && (json_integer_value(p) < 1 || json_integer_value(p) > 3)) abort();
    } else if ((rc != KT_EINVAL && rc != KT_EVALID) || body || ext[0] || !kt_errmsg()[0]) {
        abort();
    }
    json_decref(body);
    json_decref(eido);
    return 0;
}
