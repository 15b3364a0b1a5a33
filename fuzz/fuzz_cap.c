/* libFuzzer target: CAP 1.2 parsing. Besides memory safety it checks that an accepted alert
 * has the required members and builds again, and that every refusal leaves a message. */
#include "base/err.h"
#include "dispatch/interop.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *alert = NULL;
    kt_err_clear();
    int rc = dispatch_cap_parse((const char *)data, size, &alert);
    if (rc == 0) {
        static const char *const required[] = {"identifier", "sender", "sent", "headline",
                                               "description"};
        for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
            if (!json_is_string(json_object_get(alert, required[i]))) abort();
        char *xml = NULL;
        size_t len;
        /* What we accept we can send again, except text XML cannot carry (a parsed document
         * never holds such characters, so that is a bug too). */
        if (dispatch_cap_build(alert, &xml, &len) != 0) abort();
        free(xml);
    } else if ((rc != KT_EINVAL && rc != KT_ETOOBIG) || alert || !kt_errmsg()[0]) {
        abort();
    }
    json_decref(alert);
    return 0;
}
