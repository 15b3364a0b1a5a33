/* libFuzzer target: licence_assess_json on arbitrary JSON. Besides memory safety it checks that
 * every failure leaves a message naming something, and that an answer is well-shaped and
 * consistent (a suspension has days and no years, a revocation years and no days). */
#include "base/err.h"
#include "licence/points.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_answer(const json_t *out)
{
    if (!json_is_object(out) || json_object_size(out) != 5) abort();
    json_int_t points = json_integer_value(json_object_get(out, "points"));
    json_int_t prior = json_integer_value(json_object_get(out, "prior_dispositions"));
    json_int_t days = json_integer_value(json_object_get(out, "days"));
    json_int_t years = json_integer_value(json_object_get(out, "disqualification_years"));
    const char *d = json_string_value(json_object_get(out, "disposition"));
    if (!d || points < 0 || prior < 0 || days < 0 || years < 0 || years > 10 || days > 180)
        abort();
    if (strcmp(d, "none") == 0) {
        if (days || years) abort();
    } else if (strcmp(d, "suspension") == 0) {
        if (!days || years) abort();
    } else if (strcmp(d, "revocation") == 0) {
        if (days || years < 1) abort();
    } else {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY, &err);
    if (!in) return 0;
    json_t *out = NULL;
    kt_err_clear();
    int rc = licence_assess_json(in, &out);
    if (rc == 0)
        check_answer(out);
    else if (out || !kt_errmsg()[0] || (rc != KT_EINVAL && rc != KT_EVALID && rc != KT_ENOMEM))
        abort();
    json_decref(out);
    json_decref(in);
    return 0;
}
