/* libFuzzer target: PIDF-LO documents. Besides memory safety it checks that an accepted
 * document gives a valid position and a radius in 0..100 km, that every failure is KT_EINVAL
 * with a message, and that parsing twice gives the same answer (no state kept between calls). */
#include "base/err.h"
#include "dispatch/geo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *xml = (const char *)data;
    struct geo_fix a, b;
    kt_err_clear();
    int rc = geo_pidf_parse(xml, size, &a);
    if (rc == 0) {
        if (!geo_valid(a.lat, a.lon) || !(a.radius_m >= 0 && a.radius_m <= 100000)) abort();
    } else if ((rc != KT_EINVAL && rc != KT_ENOMEM) || !kt_errmsg()[0]) {
        abort();
    }
    int rc2 = geo_pidf_parse(xml, size, &b);
    if (rc2 != rc) abort();
    if (rc == 0 && memcmp(&a, &b, sizeof a)) abort();
    return 0;
}
