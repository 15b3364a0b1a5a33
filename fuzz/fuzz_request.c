/* libFuzzer target: request bodies as the server receives them — UTF-8 check, strict JSON
 * parse, then every record type's validator and the router's path matcher. */
#include "base/err.h"
#include "base/utf8.h"
#include "http/http_internal.h"
#include "records/records_internal.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int handler(void *ctx, struct http_request *req, struct http_response *resp)
{
    (void)ctx, (void)req, (void)resp;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_router *router;
    if (!router) {
        http_router_create(&router);
        http_router_add(router, "POST", "/api/v1/records/persons", handler, NULL, HTTP_AUTH);
        http_router_add(router, "GET", "/api/v1/records/:id", handler, NULL, HTTP_AUTH);
        http_router_add(router, "POST", "/api/v1/hit-requests/:hid/respond", handler, NULL, 1);
    }
    const char *s = (const char *)data;
    /* Treat the input as a path too. */
    char path[2048];
    size_t pl = size < sizeof path - 1 ? size : sizeof path - 1;
    memcpy(path, s, pl);
    path[pl] = '\0';
    struct http_match m;
    http_router_match(router, "GET", path, &m);

    if (size > HTTP_MAX_BODY || !utf8_valid(s, size)) return 0;
    json_error_t err;
    json_t *body = json_loadb(s, size, JSON_REJECT_DUPLICATES, &err);
    if (!body) return 0;
    if (json_is_object(body)) {
        const struct auth_user u = {.name = "fuzz", .role = "registrar", .agency = "警視庁"};
        for (int t = 0; t < REC_TYPES; t++) {
            json_t *out = NULL;
            if (rec_validate(t, &u, body, NULL, &out) == 0) {
                struct rec_keys k;
                rec_keys_of(t, out, &k);
                /* The stored form must validate again unchanged (updates re-validate it). */
                json_t *again = NULL;
                if (rec_validate(t, &u, out, NULL, &again) != 0) abort();
                json_decref(again);
                json_decref(out);
            }
        }
        const char *v;
        http_json_str(body, "name", 1, 80, &v);
    }
    json_decref(body);
    return 0;
}
