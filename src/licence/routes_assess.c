/* POST /api/v1/licence/assess: licence_assess_json over HTTP, for roles with
 * AUTH_LICENCE_ASSESS, each answer audited ("licence.assess"). The body carries no personal
 * data (dates, codes, points), so the audit detail records only the outcome. */
#include "auth/audit.h"
#include "base/err.h"
#include "http/http.h"
#include "licence/points.h"
#include "licence/routes.h"

#include <stdio.h>
#include <stdlib.h>

static int post_assess(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct audit *au = ctx;
    if (!auth_can(&req->user, AUTH_LICENCE_ASSESS))
        return kt_fail(KT_EFORBIDDEN, "role %s may not assess licence points", req->user.role);
    if (!req->json) return kt_fail(KT_EINVAL, "body: a JSON object is required");
    json_t *out = NULL;
    int rc = licence_assess_json(req->json, &out);
    if (rc) return rc;
    char detail[160];
    snprintf(detail, sizeof detail,
             "{\"points\":%d,\"prior_dispositions\":%d,\"disposition\":\"%s\",\"days\":%d,"
             "\"disqualification_years\":%d}",
             (int)json_integer_value(json_object_get(out, "points")),
             (int)json_integer_value(json_object_get(out, "prior_dispositions")),
             json_string_value(json_object_get(out, "disposition")),
             (int)json_integer_value(json_object_get(out, "days")),
             (int)json_integer_value(json_object_get(out, "disqualification_years")));
    struct audit_entry e = {.action = "licence.assess", .detail = detail};
    if ((rc = audit_log(au, &req->user, &e, NULL))) {
        json_decref(out);
        return rc;
    }
    return http_reply(resp, 200, out);
}

int licence_points_routes(struct http_router *r, struct audit *au)
{
    return http_router_add(r, "POST", "/api/v1/licence/assess", post_assess, au, HTTP_AUTH);
}
