/* HTTP: register, read, update, clear and expire records (登録・更新・解除・失効). */
#include "base/err.h"
#include "base/jtime.h"
#include "records/records_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int do_register(struct records *r, struct http_request *req, struct http_response *resp,
                       const char *type)
{
    char id[24];
    int rc = records_register(r, &req->user, type, req->json, id, sizeof id);
    if (rc) return rc;
    return http_reply(resp, 201, json_pack("{s:s}", "id", id));
}

#define REGISTER_HANDLER(fn, type)                                                                 \
    static int fn(void *ctx, struct http_request *req, struct http_response *resp)                 \
    {                                                                                              \
        return do_register(ctx, req, resp, type);                                                  \
    }
REGISTER_HANDLER(post_person, "person")
REGISTER_HANDLER(post_vehicle, "vehicle")
REGISTER_HANDLER(post_firearm, "firearm")
REGISTER_HANDLER(post_document, "document")

static json_t *history_of(struct store_conn *c, const char *id)
{
    json_t *arr = json_array();
    struct store_rows *rows = NULL;
    const char *p[] = {id};
    long n = store_exec(c,
                        "SELECT ts, actor, action, detail FROM record_history WHERE record_id = ?"
                        " ORDER BY id",
                        1, p, &rows);
    for (long i = 0; i < n; i++) {
        json_t *detail = json_loads(store_rows_get(rows, (size_t)i, 3), 0, NULL);
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o}", "ts",
                                             store_rows_get(rows, (size_t)i, 0), "actor",
                                             store_rows_get(rows, (size_t)i, 1), "action",
                                             store_rows_get(rows, (size_t)i, 2), "detail",
                                             detail ? detail : json_object()));
    }
    store_rows_free(rows);
    return arr;
}

/* GET /api/v1/records/:id?reason=… — reading a full record is a query too: audited with its
 * reason. */
static int get_record(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct records *r = ctx;
    if (!auth_can(&req->user, AUTH_RECORD_READ))
        return kt_fail(KT_EFORBIDDEN, "role %s may not read records", req->user.role);
    const char *id = req->params[0];
    int t;
    uint32_t num;
    if (rec_id_parse(id, &t, &num)) return kt_fail(KT_ENOTFOUND, "no record %.16s", id);
    const char *reason = http_query_arg(req, "reason");
    if (!reason || !*reason || strlen(reason) > 200)
        return kt_fail(KT_EINVAL, "reason is required (incident number or purpose, ?reason=…)");
    struct store_conn *c;
    store_get(r->st, &c);
    json_t *data = NULL;
    char status[16], agency[96], created[32];
    long version;
    int rc = rec_load(c, id, &data, status, agency, created, &version);
    json_t *history = rc ? NULL : history_of(c, id);
    store_put(r->st, c);
    if (rc) return rc;
    const char *refs[] = {id};
    struct audit_entry e = {
        .action = "record.read", .target = id, .reason = reason, .refs = refs, .nrefs = 1};
    if ((rc = audit_log(r->au, &req->user, &e, NULL))) {
        json_decref(data);
        json_decref(history);
        return rc;
    }
    json_t *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:o}", "id", id, "type", rec_type_name(t),
                            "status", status, "agency", agency, "registered_at", created, "version",
                            (json_int_t)version, "data", data, "history", history);
    return http_reply(resp, 200, out);
}

/* Loads a record for a change by u: it must exist, be active and belong to u's agency. */
static int load_for_change(struct store_conn *c, const struct auth_user *u, const char *id,
                           json_t **data, long *version)
{
    if (!auth_can(u, AUTH_RECORD_WRITE))
        return kt_fail(KT_EFORBIDDEN, "role %s may not change records", u->role);
    int t;
    uint32_t num;
    if (rec_id_parse(id, &t, &num)) return kt_fail(KT_ENOTFOUND, "no record %.16s", id);
    char status[16], agency[96], created[32];
    int rc = rec_load(c, id, data, status, agency, created, version);
    if (rc) return rc;
    if (strcmp(agency, u->agency) != 0) {
        json_decref(*data);
        *data = NULL;
        return kt_fail(KT_EFORBIDDEN, "record %s belongs to %s; only its registrars may change it",
                       id, agency);
    }
    if (strcmp(status, "active") != 0) {
        json_decref(*data);
        *data = NULL;
        return kt_fail(KT_ECONFLICT, "record %s is %s, not active", id, status);
    }
    return 0;
}

/* Ends a change to record id: commits it with its audit entry (or rolls back on rc), brings
 * the indexes up to date and returns the connection. */
static int end_change(struct records *r, struct store_conn *c, const char *id, int rc)
{
    rc = audit_tx_finish(r->au, c, rc);
    if (!rc) {
        const char *ids[] = {id};
        rc = rec_index_reload(r, c, ids, 1);
    }
    store_put(r->st, c);
    return rc;
}

static int set_status(struct records *r, struct http_request *req, const char *status,
                      const char *action, const char *reason, const char *note)
{
    const char *id = req->params[0];
    struct store_conn *c;
    store_get(r->st, &c);
    int rc = audit_tx_begin(r->au, c);
    if (rc) {
        store_put(r->st, c);
        return rc;
    }
    json_t *data = NULL;
    long version;
    if (!(rc = load_for_change(c, &req->user, id, &data, &version))) {
        json_decref(data);
        char now[32];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        const char *p[] = {status, now, id};
        long n = store_exec(c,
                            "UPDATE records SET status = ?, updated_at = ?, version = version + 1"
                            " WHERE id = ?",
                            3, p, NULL);
        json_t *d = json_pack("{s:s?,s:s?}", "reason", reason, "note", note);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        const char *refs[] = {id};
        struct audit_entry e = {.action = action,
                                .target = id,
                                .reason = reason,
                                .detail = detail,
                                .refs = refs,
                                .nrefs = 1};
        if (n < 0)
            rc = (int)n;
        else if (!(rc = rec_history_add(c, id, req->user.name, strchr(action, '.') + 1, detail)))
            rc = audit_append(r->au, c, &req->user, &e, NULL);
        free(detail);
    }
    rc = end_change(r, c, id, rc);
    return rc;
}

/* POST /api/v1/records/:id/clear {"reason": arrested|found|recovered|withdrawn|other, "note"} */
static int post_clear(void *ctx, struct http_request *req, struct http_response *resp)
{
    static const char *const allowed[] = {"reason", "note", NULL};
    static const char *const reasons[] = {"arrested", "found",     "recovered", "withdrawn",
                                          "deceased", "duplicate", "other",     NULL};
    const char *reason, *note;
    int rc;
    if ((rc = http_json_only(req->json, "clear", allowed)) ||
        (rc = http_json_str(req->json, "reason", 1, 32, &reason)) ||
        (rc = http_json_str(req->json, "note", 0, 500, &note)))
        return rc;
    int ok = 0;
    for (size_t i = 0; reasons[i]; i++)
        ok |= strcmp(reason, reasons[i]) == 0;
    if (!ok)
        return kt_fail(KT_EINVAL, "reason must be one of arrested, found, recovered, withdrawn,"
                                  " deceased, duplicate, other");
    if ((rc = set_status(ctx, req, "cleared", "record.clear", reason, note))) return rc;
    return http_reply(resp, 200, json_pack("{s:s,s:s}", "id", req->params[0], "status", "cleared"));
}

/* POST /api/v1/records/:id/expire {"note"} */
static int post_expire(void *ctx, struct http_request *req, struct http_response *resp)
{
    static const char *const allowed[] = {"note", NULL};
    const char *note;
    int rc;
    if ((rc = http_json_only(req->json, "expire", allowed)) ||
        (rc = http_json_str(req->json, "note", 0, 500, &note)))
        return rc;
    if ((rc = set_status(ctx, req, "expired", "record.expire", "expired by registrar", note)))
        return rc;
    return http_reply(resp, 200, json_pack("{s:s,s:s}", "id", req->params[0], "status", "expired"));
}

/* PATCH /api/v1/records/:id — a partial update; "version" (optional) guards against
 * overwriting a change made since the caller read the record. */
static int patch_record(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct records *r = ctx;
    const char *id = req->params[0];
    int t;
    uint32_t num;
    if (rec_id_parse(id, &t, &num)) return kt_fail(KT_ENOTFOUND, "no record %.16s", id);
    json_t *want = json_object_get(req->json, "version");
    if (want && !json_is_integer(want)) return kt_fail(KT_EINVAL, "version must be an integer");
    if (json_object_size(req->json) == (want ? 1u : 0u))
        return kt_fail(KT_EINVAL, "nothing to update");
    struct store_conn *c;
    store_get(r->st, &c);
    int rc = audit_tx_begin(r->au, c);
    if (rc) {
        store_put(r->st, c);
        return rc;
    }
    json_t *old = NULL, *data = NULL;
    long version = 0;
    if (!(rc = load_for_change(c, &req->user, id, &old, &version))) {
        if (want && json_integer_value(want) != version)
            rc = kt_fail(KT_ECONFLICT, "record %s is at version %ld, not %lld: reload it", id,
                         version, (long long)json_integer_value(want));
        json_t *body = json_deep_copy(req->json);
        json_object_del(body, "version");
        if (!rc && json_object_get(body, "kind") &&
            !json_equal(json_object_get(body, "kind"), json_object_get(old, "kind")))
            rc = kt_fail(KT_EINVAL, "kind cannot change; clear this record and register anew");
        if (!rc) rc = rec_validate(t, &req->user, body, old, &data);
        json_decref(body);
    }
    if (!rc) {
        struct rec_keys k;
        rec_keys_of(t, data, &k);
        char *text = json_dumps(data, JSON_COMPACT);
        char now[32];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        const char *p[] = {text, json_string_value(json_object_get(data, "expires_on")), now, id};
        long n = store_exec(c,
                            "UPDATE records SET data = ?, expires_on = ?, updated_at = ?,"
                            " version = version + 1 WHERE id = ?",
                            4, p, NULL);
        free(text);
        json_t *changed = json_object();
        const char *key;
        json_t *v;
        json_object_foreach(req->json, key, v)
        {
            if (strcmp(key, "version") != 0) json_object_set_new(changed, key, json_true());
        }
        json_t *d = json_pack("{s:o}", "fields", changed);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        const char *refs[] = {id};
        struct audit_entry e = {
            .action = "record.update", .target = id, .detail = detail, .refs = refs, .nrefs = 1};
        if (n < 0)
            rc = (int)n;
        else if (!(rc = rec_check_duplicates(c, &k, id)) && !(rc = rec_keys_store(c, id, &k)) &&
                 !(rc = rec_history_add(c, id, req->user.name, "update", detail)))
            rc = audit_append(r->au, c, &req->user, &e, NULL);
        free(detail);
    }
    json_decref(old);
    json_decref(data);
    rc = end_change(r, c, id, rc);
    if (rc) return rc;
    return http_reply(resp, 200,
                      json_pack("{s:s,s:I}", "id", id, "version", (json_int_t)version + 1));
}

int rec_routes_lifecycle(struct records *r, struct http_router *rt)
{
    int rc = 0;
    rc |= http_router_add(rt, "POST", "/api/v1/records/persons", post_person, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/records/vehicles", post_vehicle, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/records/firearms", post_firearm, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/records/documents", post_document, r, HTTP_AUTH);
    rc |= http_router_add(rt, "GET", "/api/v1/records/:id", get_record, r, HTTP_AUTH);
    rc |= http_router_add(rt, "PATCH", "/api/v1/records/:id", patch_record, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/records/:id/clear", post_clear, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/records/:id/expire", post_expire, r, HTTP_AUTH);
    return rc ? KT_EINTERNAL : 0;
}
