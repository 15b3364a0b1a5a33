/* Hit confirmation (ヒット確認): a hit is not yet an arrest. The querying side asks the owning
 * agency to confirm the record is current; the owning agency's registrar confirms or denies.
 * Both steps land on the record's history and in the audit trail. */
#include "base/err.h"
#include "base/jtime.h"
#include "records/records_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *row_json(struct store_rows *rows, size_t i)
{
    json_t *o = json_object();
    static const char *const cols[] = {
        "id",     "record_id", "status",       "requested_by", "requesting_agency", "requested_at",
        "reason", "query_id",  "responded_by", "responded_at", "response",          "agency"};
    for (int j = 0; j < (int)(sizeof cols / sizeof cols[0]); j++) {
        const char *v = store_rows_get(rows, i, j);
        if (!v) continue;
        if (j == 0 || j == 7)
            json_object_set_new(o, cols[j], json_integer(strtoll(v, NULL, 10)));
        else
            json_object_set_new(o, cols[j], json_string(v));
    }
    return o;
}

#define HIT_COLUMNS                                                                                \
    "h.id, h.record_id, h.status, h.requested_by, h.requesting_agency, h.requested_at,"            \
    " h.reason, h.query_seq, h.responded_by, h.responded_at, h.response, r.agency"

/* POST /api/v1/records/:id/hit-requests {"reason", "query_id"?, "note"?} */
static int post_request(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct records *r = ctx;
    static const char *const allowed[] = {"reason", "query_id", "note", NULL};
    const char *reason, *note;
    int rc;
    if (!auth_can(&req->user, AUTH_HIT_REQUEST))
        return kt_fail(KT_EFORBIDDEN, "role %s may not request hit confirmation", req->user.role);
    if ((rc = http_json_only(req->json, "hit request", allowed)) ||
        (rc = http_json_str(req->json, "reason", 1, 200, &reason)) ||
        (rc = http_json_str(req->json, "note", 0, 500, &note)))
        return rc;
    json_t *qid = json_object_get(req->json, "query_id");
    if (qid && (!json_is_integer(qid) || json_integer_value(qid) < 1))
        return kt_fail(KT_EINVAL, "query_id must be the positive query_id of the query");
    const char *id = req->params[0];
    int t;
    uint32_t num;
    if (rec_id_parse(id, &t, &num)) return kt_fail(KT_ENOTFOUND, "no record %.16s", id);
    char qs[24] = "";
    if (qid) snprintf(qs, sizeof qs, "%lld", (long long)json_integer_value(qid));
    struct store_conn *c;
    store_get(r->st, &c);
    if ((rc = audit_tx_begin(r->au, c))) {
        store_put(r->st, c);
        return rc;
    }
    json_t *data = NULL;
    char status[16], agency[96], created[32];
    long version;
    long hid = 0;
    rc = rec_load(c, id, &data, status, agency, created, &version);
    json_decref(data);
    if (!rc && strcmp(status, "active") != 0)
        rc = kt_fail(KT_ECONFLICT, "record %s is %s: nothing to confirm", id, status);
    if (!rc) {
        char now[32];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        const char *p[] = {id, req->user.name, req->user.agency, now, reason, qid ? qs : NULL};
        struct store_rows *rows = NULL;
        long n = store_exec(c,
                            "INSERT INTO hit_confirmations (record_id, status, requested_by,"
                            " requesting_agency, requested_at, reason, query_seq)"
                            " VALUES (?, 'pending', ?, ?, ?, ?, ?) RETURNING id",
                            6, p, &rows);
        if (n < 0)
            rc = (int)n;
        else
            hid = strtol(store_rows_get(rows, 0, 0), NULL, 10);
        store_rows_free(rows);
    }
    if (!rc) {
        json_t *d = json_pack("{s:i,s:s,s:s?,s:O?}", "hit_request", (int)hid, "requesting_agency",
                              req->user.agency, "note", note, "query_id", qid);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        const char *refs[] = {id};
        struct audit_entry e = {.action = "hit.request",
                                .target = id,
                                .reason = reason,
                                .detail = detail,
                                .refs = refs,
                                .nrefs = 1};
        if (!(rc = rec_history_add(c, id, req->user.name, "hit_request", detail)))
            rc = audit_append(r->au, c, &req->user, &e, NULL);
        free(detail);
    }
    rc = audit_tx_finish(r->au, c, rc);
    store_put(r->st, c);
    if (rc) return rc;
    return http_reply(resp, 201,
                      json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)hid, "record_id", id,
                                "status", "pending", "owning_agency", agency));
}

/* GET /api/v1/hit-requests?status=pending — registrars see requests on their agency's
 * records; requesters see their own. */
static int list_requests(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct records *r = ctx;
    if (!auth_can(&req->user, AUTH_HIT_REQUEST) && !auth_can(&req->user, AUTH_HIT_RESPOND))
        return kt_fail(KT_EFORBIDDEN, "role %s may not see hit requests", req->user.role);
    const char *status = http_query_arg(req, "status");
    if (status && strcmp(status, "pending") && strcmp(status, "confirmed") &&
        strcmp(status, "denied"))
        return kt_fail(KT_EINVAL, "status must be pending, confirmed or denied");
    struct store_conn *c;
    store_get(r->st, &c);
    const char *p[] = {req->user.agency, req->user.name, status, status};
    struct store_rows *rows = NULL;
    long n =
        store_exec(c,
                   "SELECT " HIT_COLUMNS " FROM hit_confirmations h"
                   " JOIN records r ON r.id = h.record_id"
                   " WHERE (r.agency = ? OR h.requested_by = ?)"
                   " AND (CAST(? AS TEXT) IS NULL OR h.status = ?) ORDER BY h.id DESC LIMIT 200",
                   4, p, &rows);
    store_put(r->st, c);
    if (n < 0) return (int)n;
    json_t *arr = json_array();
    for (long i = 0; i < n; i++)
        json_array_append_new(arr, row_json(rows, (size_t)i));
    store_rows_free(rows);
    return http_reply(resp, 200, json_pack("{s:o}", "requests", arr));
}

/* POST /api/v1/hit-requests/:hid/respond {"decision": confirmed|denied, "note"} */
static int post_respond(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct records *r = ctx;
    static const char *const allowed[] = {"decision", "note", NULL};
    const char *decision, *note;
    int rc;
    if (!auth_can(&req->user, AUTH_HIT_RESPOND))
        return kt_fail(KT_EFORBIDDEN, "role %s may not answer hit requests", req->user.role);
    if ((rc = http_json_only(req->json, "hit response", allowed)) ||
        (rc = http_json_str(req->json, "decision", 1, 16, &decision)) ||
        (rc = http_json_str(req->json, "note", 0, 500, &note)))
        return rc;
    if (strcmp(decision, "confirmed") && strcmp(decision, "denied"))
        return kt_fail(KT_EINVAL, "decision must be confirmed or denied");
    char *end;
    long hid = strtol(req->params[0], &end, 10);
    if (*end || hid < 1) return kt_fail(KT_ENOTFOUND, "no hit request %.20s", req->params[0]);
    struct store_conn *c;
    store_get(r->st, &c);
    if ((rc = audit_tx_begin(r->au, c))) {
        store_put(r->st, c);
        return rc;
    }
    struct store_rows *rows = NULL;
    const char *p[] = {req->params[0]};
    long n = store_exec(c,
                        "SELECT " HIT_COLUMNS " FROM hit_confirmations h"
                        " JOIN records r ON r.id = h.record_id WHERE h.id = ?",
                        1, p, &rows);
    char record_id[16] = "";
    if (n < 0)
        rc = (int)n;
    else if (n == 0)
        rc = kt_fail(KT_ENOTFOUND, "no hit request %ld", hid);
    else {
        snprintf(record_id, sizeof record_id, "%s", store_rows_get(rows, 0, 1));
        if (strcmp(store_rows_get(rows, 0, 11), req->user.agency) != 0)
            rc = kt_fail(KT_EFORBIDDEN, "only %s, which owns %s, may answer this request",
                         store_rows_get(rows, 0, 11), record_id);
        else if (strcmp(store_rows_get(rows, 0, 2), "pending") != 0)
            rc = kt_fail(KT_ECONFLICT, "hit request %ld was already answered: %s", hid,
                         store_rows_get(rows, 0, 2));
    }
    store_rows_free(rows);
    if (!rc) {
        char now[32];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        const char *q[] = {decision, req->user.name, now, note, req->params[0]};
        n = store_exec(c,
                       "UPDATE hit_confirmations SET status = ?, responded_by = ?,"
                       " responded_at = ?, response = ? WHERE id = ? AND status = 'pending'",
                       5, q, NULL);
        if (n < 0)
            rc = (int)n;
        else if (n == 0)
            rc = kt_fail(KT_ECONFLICT, "hit request %ld was already answered", hid);
    }
    if (!rc) {
        json_t *d = json_pack("{s:i,s:s,s:s?}", "hit_request", (int)hid, "decision", decision,
                              "note", note);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        char action[32];
        snprintf(action, sizeof action, "hit_%s", decision);
        const char *refs[] = {record_id};
        struct audit_entry e = {.action =
                                    strcmp(decision, "confirmed") ? "hit.deny" : "hit.confirm",
                                .target = record_id,
                                .detail = detail,
                                .refs = refs,
                                .nrefs = 1};
        if (!(rc = rec_history_add(c, record_id, req->user.name, action, detail)))
            rc = audit_append(r->au, c, &req->user, &e, NULL);
        free(detail);
    }
    rc = audit_tx_finish(r->au, c, rc);
    store_put(r->st, c);
    if (rc) return rc;
    return http_reply(resp, 200,
                      json_pack("{s:I,s:s,s:s}", "id", (json_int_t)hid, "record_id", record_id,
                                "status", decision));
}

int rec_routes_hits(struct records *r, struct http_router *rt)
{
    int rc = 0;
    rc |=
        http_router_add(rt, "POST", "/api/v1/records/:id/hit-requests", post_request, r, HTTP_AUTH);
    rc |= http_router_add(rt, "GET", "/api/v1/hit-requests", list_requests, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/hit-requests/:hid/respond", post_respond, r,
                          HTTP_AUTH);
    return rc ? KT_EINTERNAL : 0;
}
