/* HTTP routes of the licence registry (docs/licence.md). */
#include "base/err.h"
#include "licence/licence_internal.h"

#include <string.h>

typedef int (*with_id_fn)(struct licence *, const struct auth_user *, const char *, json_t *,
                          json_t **);

static int reply(struct http_response *resp, int rc, int status, json_t *out)
{
    if (rc) {
        json_decref(out);
        return rc;
    }
    return http_reply(resp, status, out);
}

static json_t *body_of(struct http_request *req)
{
    return req->json ? req->json : json_object();
}

/* Runs fn on the route's :id with the body (an empty object when there is none). */
static int with_id(struct http_request *req, struct http_response *resp, void *ctx, with_id_fn fn,
                   int status)
{
    json_t *out = NULL, *b = req->json ? json_incref(req->json) : json_object();
    int rc = fn(ctx, &req->user, req->params[0], b, &out);
    json_decref(b);
    return reply(resp, rc, status, out);
}

#define WITH_ID(name, fn, status)                                                                  \
    static int name(void *ctx, struct http_request *req, struct http_response *resp)               \
    {                                                                                              \
        return with_id(req, resp, ctx, fn, status);                                                \
    }
WITH_ID(patch_holder, licence_holder_update, 200)
WITH_ID(post_event, licence_event_record, 201)
WITH_ID(post_disposition, licence_dispose, 201)
WITH_ID(post_renew, licence_renew, 200)
WITH_ID(post_reissue, licence_reissue, 201)
WITH_ID(post_surrender, licence_surrender, 200)

static int post_holder(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *out = NULL;
    json_t *b = body_of(req);
    int rc = licence_holder_create(ctx, &req->user, b, &out);
    if (b != req->json) json_decref(b);
    return reply(resp, rc, 201, out);
}

static int get_holder(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *out = NULL;
    int rc =
        licence_holder_get(ctx, &req->user, req->params[0], http_query_arg(req, "reason"), &out);
    return reply(resp, rc, 200, out);
}

static int get_assessment(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *out = NULL;
    int rc = licence_assessment_get(ctx, &req->user, req->params[0], http_query_arg(req, "reason"),
                                    &out);
    return reply(resp, rc, 200, out);
}

/* A flagged issue is a 409 whose body carries the flags beside the error. */
static int post_licence(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *out = NULL;
    json_t *b = body_of(req);
    int rc = licence_issue(ctx, &req->user, b, &out);
    if (b != req->json) json_decref(b);
    if (rc == KT_ECONFLICT && out) {
        json_object_set_new(
            out, "error", json_pack("{s:s,s:s}", "code", kt_err_name(rc), "message", kt_errmsg()));
        return http_reply(resp, kt_err_http(rc), out);
    }
    return reply(resp, rc, 201, out);
}

static int post_check(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *b = body_of(req);
    int rc = licence_check_reply(ctx, req, b, resp);
    if (b != req->json) json_decref(b);
    return rc;
}

int licence_routes(struct licence *l, struct http_router *rt)
{
    static const struct {
        const char *method, *path;
        http_handler fn;
    } routes[] = {
        {"POST", "/api/v1/licence/holders", post_holder},
        {"GET", "/api/v1/licence/holders/:id", get_holder},
        {"PATCH", "/api/v1/licence/holders/:id", patch_holder},
        {"POST", "/api/v1/licence/holders/:id/events", post_event},
        {"GET", "/api/v1/licence/holders/:id/assessment", get_assessment},
        {"POST", "/api/v1/licence/holders/:id/dispositions", post_disposition},
        {"POST", "/api/v1/licence/licences", post_licence},
        {"POST", "/api/v1/licence/licences/:number/renew", post_renew},
        {"POST", "/api/v1/licence/licences/:number/reissue", post_reissue},
        {"POST", "/api/v1/licence/licences/:number/surrender", post_surrender},
        {"POST", "/api/v1/licence/check", post_check},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (http_router_add(rt, routes[i].method, routes[i].path, routes[i].fn, l, HTTP_AUTH))
            return KT_EINTERNAL;
    return 0;
}
