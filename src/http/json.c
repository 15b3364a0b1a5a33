#include "base/err.h"
#include "base/utf8.h"
#include "http/http.h"

#include <string.h>

int http_json_only(const json_t *obj, const char *where, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) return kt_fail(KT_EINVAL, "%s: unknown field '%.64s'", where, key);
    }
    return 0;
}

int http_json_str(const json_t *obj, const char *key, int required, size_t maxchars,
                  const char **out)
{
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) return kt_fail(KT_EINVAL, "%s is required", key);
        return 0;
    }
    if (!json_is_string(v)) return kt_fail(KT_EINVAL, "%s must be a string", key);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len) return kt_fail(KT_EINVAL, "%s must not contain NUL", key);
    long n = utf8_length(s, len);
    if (n < 0) return kt_fail(KT_EINVAL, "%s is not valid UTF-8", key);
    if (n == 0) {
        if (required) return kt_fail(KT_EINVAL, "%s must not be empty", key);
        return 0;
    }
    if ((size_t)n > maxchars)
        return kt_fail(KT_EINVAL, "%s is longer than %zu characters", key, maxchars);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
            return kt_fail(KT_EINVAL, "%s contains a control character", key);
    *out = s;
    return 0;
}

int http_reply(struct http_response *resp, int status, json_t *body)
{
    resp->status = status;
    resp->body = body;
    return 0;
}

int http_reply_text(struct http_response *resp, char *json_text, size_t len)
{
    resp->status = 200;
    resp->raw = json_text;
    resp->raw_len = len;
    resp->content_type = "application/json; charset=utf-8";
    return 0;
}
