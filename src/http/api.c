#include "http/api.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int health(void *ctx, struct http_request *req, struct http_response *resp)
{
    (void)ctx, (void)req;
    return http_reply(resp, 200, json_pack("{s:s,s:s}", "status", "ok", "service", "keitsu"));
}

static int login(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct http_api *api = ctx;
    static const char *const allowed[] = {"user", "password", NULL};
    const char *name, *password;
    int rc;
    if ((rc = http_json_only(req->json, "login", allowed)) ||
        (rc = http_json_str(req->json, "user", 1, 63, &name)) ||
        (rc = http_json_str(req->json, "password", 1, 1024, &password)))
        return rc;
    char token[65];
    struct auth_user u;
    rc = auth_login(api->auth, name, password, token, &u);
    if (rc == KT_EAUTH || rc == KT_ELOCKED) {
        /* Failed logins are audited under the name tried; the password never is. */
        char msg[256];
        snprintf(msg, sizeof msg, "%s", kt_errmsg());
        struct auth_user who = {0};
        snprintf(who.name, sizeof who.name, "%s", name);
        snprintf(who.role, sizeof who.role, "-");
        snprintf(who.agency, sizeof who.agency, "-");
        struct audit_entry e = {.action = rc == KT_ELOCKED ? "login.locked" : "login.failed"};
        audit_log(api->audit, &who, &e, NULL);
        return kt_fail(rc, "%s", msg);
    }
    if (rc) return rc;
    struct audit_entry e = {.action = "login"};
    if ((rc = audit_log(api->audit, &u, &e, NULL))) return rc;
    return http_reply(resp, 201,
                      json_pack("{s:s,s:{s:s,s:s,s:s,s:s?}}", "token", token, "user", "name",
                                u.name, "role", u.role, "agency", u.agency, "station",
                                u.station[0] ? u.station : NULL));
}

static int logout(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct http_api *api = ctx;
    int rc = auth_logout(api->auth, req->token);
    if (rc) return rc;
    struct audit_entry e = {.action = "logout"};
    audit_log(api->audit, &req->user, &e, NULL);
    return http_reply(resp, 200, json_pack("{s:b}", "logged_out", 1));
}

static int me(void *ctx, struct http_request *req, struct http_response *resp)
{
    const struct http_api *api = ctx;
    return http_reply(resp, 200,
                      json_pack("{s:s,s:s,s:s,s:s?,s:s?}", "name", req->user.name, "role",
                                req->user.role, "agency", req->user.agency, "station",
                                req->user.station[0] ? req->user.station : NULL, "site",
                                api->site));
}

static int add_user(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct http_api *api = ctx;
    if (!auth_can(&req->user, AUTH_USER_ADMIN))
        return kt_fail(KT_EFORBIDDEN, "only admin may add users");
    static const char *const allowed[] = {"name", "role", "agency", "password", NULL};
    const char *name, *role, *agency, *password;
    int rc;
    if ((rc = http_json_only(req->json, "user", allowed)) ||
        (rc = http_json_str(req->json, "name", 1, 63, &name)) ||
        (rc = http_json_str(req->json, "role", 1, 24, &role)) ||
        (rc = http_json_str(req->json, "agency", 0, 64, &agency)) ||
        (rc = http_json_str(req->json, "password", 1, 1024, &password)))
        return rc;
    if ((rc = auth_user_add(api->st, name, role, agency ? agency : req->user.agency, password)))
        return rc;
    char detail[160];
    snprintf(detail, sizeof detail, "{\"role\":\"%s\"}", role);
    struct audit_entry e = {.action = "user.add", .target = name, .detail = detail};
    if ((rc = audit_log(api->audit, &req->user, &e, NULL))) return rc;
    return http_reply(resp, 201, json_pack("{s:s,s:s}", "name", name, "role", role));
}

/* GET /api/v1/audit?record=ID | ?actor=NAME [&limit=N] — who queried whom, when and why. */
static int list_audit(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct http_api *api = ctx;
    if (!auth_can(&req->user, AUTH_AUDIT_READ))
        return kt_fail(KT_EFORBIDDEN, "only auditors may read the audit trail");
    const char *record = http_query_arg(req, "record");
    const char *actor = http_query_arg(req, "actor");
    const char *limit_s = http_query_arg(req, "limit");
    if (!record == !actor) return kt_fail(KT_EINVAL, "give exactly one of record= or actor=");
    if ((record && strlen(record) > 32) || (actor && strlen(actor) > 63))
        return kt_fail(KT_EINVAL, "record or actor too long");
    long limit = 500;
    if (limit_s) {
        char *end;
        limit = strtol(limit_s, &end, 10);
        if (*end || limit < 1 || limit > 5000)
            return kt_fail(KT_EINVAL, "limit must be from 1 to 5000");
    }
    struct store_rows *rows = NULL;
    long n = 0;
    int frc = audit_find(api->audit, record, actor, limit, &rows, &n);
    if (frc) return frc;
    json_t *arr = json_array();
    for (long i = 0; i < n; i++) {
        size_t r = (size_t)i;
        json_t *detail = json_loads(store_rows_get(rows, r, 8), 0, NULL);
        json_array_append_new(
            arr,
            json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s?,s:s?,s:o}", "seq",
                      (json_int_t)strtoll(store_rows_get(rows, r, 0), NULL, 10), "ts",
                      store_rows_get(rows, r, 1), "actor", store_rows_get(rows, r, 2), "role",
                      store_rows_get(rows, r, 3), "agency", store_rows_get(rows, r, 4), "action",
                      store_rows_get(rows, r, 5), "target", store_rows_get(rows, r, 6), "reason",
                      store_rows_get(rows, r, 7), "detail", detail ? detail : json_object()));
    }
    store_rows_free(rows);
    /* Auditors are watched too. */
    json_t *d = json_pack("{s:s}", record ? "record" : "actor", record ? record : actor);
    char *dt = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct audit_entry e = {.action = "audit.read", .detail = dt};
    int rc = audit_log(api->audit, &req->user, &e, NULL);
    free(dt);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    return http_reply(resp, 200, json_pack("{s:o}", "entries", arr));
}

static int verify(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct http_api *api = ctx;
    if (!auth_can(&req->user, AUTH_AUDIT_READ))
        return kt_fail(KT_EFORBIDDEN, "only auditors may verify the audit trail");
    struct audit_verify_result r;
    int rc = audit_verify(api->st, api->anchor, &r);
    if (rc) return rc;
    json_t *out = json_pack("{s:b,s:I}", "ok", r.ok, "entries", (json_int_t)r.entries);
    if (!r.ok) {
        json_object_set_new(out, "first_bad_seq", json_integer(r.bad_seq));
        json_object_set_new(out, "problem", json_string(r.problem));
    }
    return http_reply(resp, 200, out);
}

int http_api_routes(struct http_api *api, struct http_router *rt)
{
    int rc = 0;
    rc |= http_router_add(rt, "GET", "/api/v1/health", health, api, HTTP_PUBLIC);
    rc |= http_router_add(rt, "POST", "/api/v1/sessions", login, api, HTTP_PUBLIC);
    rc |= http_router_add(rt, "DELETE", "/api/v1/sessions", logout, api, HTTP_AUTH);
    rc |= http_router_add(rt, "GET", "/api/v1/me", me, api, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/users", add_user, api, HTTP_AUTH);
    rc |= http_router_add(rt, "GET", "/api/v1/audit", list_audit, api, HTTP_AUTH);
    rc |= http_router_add(rt, "GET", "/api/v1/audit/verify", verify, api, HTTP_AUTH);
    return rc ? KT_EINTERNAL : 0;
}
