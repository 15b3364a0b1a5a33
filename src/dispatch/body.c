#include "dispatch/body.h"

#include "base/err.h"

#include <math.h>
#include <string.h>

int body_num(const json_t *o, const char *key, int required, double lo, double hi, double *out,
             int *present)
{
    const json_t *v = json_object_get(o, key);
    if (present) *present = v != NULL;
    if (!v) return required ? kt_fail(KT_EINVAL, "%s is required", key) : 0;
    if (!json_is_number(v)) return kt_fail(KT_EINVAL, "%s must be a number", key);
    double x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi)
        return kt_fail(KT_EVALID, "%s must be from %g to %g", key, lo, hi);
    *out = x;
    return 0;
}

int body_int(const json_t *o, const char *key, int required, long lo, long hi, long *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v) return required ? kt_fail(KT_EINVAL, "%s is required", key) : 0;
    if (!json_is_integer(v)) return kt_fail(KT_EINVAL, "%s must be an integer", key);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi) return kt_fail(KT_EVALID, "%s must be from %ld to %ld", key, lo, hi);
    *out = (long)x;
    return 0;
}

int body_bool(const json_t *o, const char *key, int *out)
{
    const json_t *v = json_object_get(o, key);
    if (!v) return 0;
    if (!json_is_boolean(v)) return kt_fail(KT_EINVAL, "%s must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

int body_str_array(const json_t *o, const char *key, size_t max, size_t maxlen, json_t **arr)
{
    json_t *v = json_object_get(o, key);
    if (!v) return kt_fail(KT_EINVAL, "%s is required", key);
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > max)
        return kt_fail(KT_EINVAL, "%s must be an array of 1 to %zu ids", key, max);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > maxlen)
            return kt_fail(KT_EINVAL, "%s[%zu] must be an id", key, i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_array_get(v, j)), json_string_value(e)) == 0)
                return kt_fail(KT_EINVAL, "%s lists %s twice", key, json_string_value(e));
    }
    *arr = v;
    return 0;
}
