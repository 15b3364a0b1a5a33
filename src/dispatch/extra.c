/* HTTP: messages and images on incidents, records queries from an incident, EIDO export and
 * import, CAP deployment alerts (緊急配備) and response-time reports (リスポンス・タイム). */
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "dispatch/dispatch_internal.h"
#include "dispatch/interop.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMAGE_MAX (700 * 1024)

static int image_magic_ok(const unsigned char *b, size_t n, const char *mime)
{
    if (strcmp(mime, "image/jpeg") == 0)
        return n > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
    if (strcmp(mime, "image/png") == 0) return n > 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
    return 0;
}

static const char *const msg_fields[] = {"text", "image", "mime", "caption", NULL};

/* POST /incidents/:id/messages: text, or an image (base64, JPEG or PNG) with a caption. */
static int post_message(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_VIEW))
        return kt_fail(KT_EFORBIDDEN, "role %s may not post to incidents", req->user.role);
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    const char *text = NULL, *image = NULL, *mime = NULL, *caption = NULL;
    int rc = http_json_only(req->json, "message", msg_fields);
    if (!rc) rc = http_json_str(req->json, "text", 0, 2000, &text);
    if (!rc) rc = http_json_str(req->json, "image", 0, HTTP_MAX_BODY, &image);
    if (!rc) rc = http_json_str(req->json, "mime", 0, 31, &mime);
    if (!rc) rc = http_json_str(req->json, "caption", 0, 200, &caption);
    if (rc) return rc;
    if (!!text == !!image) return kt_fail(KT_EINVAL, "send either text or image");
    if (text && (mime || caption)) return kt_fail(KT_EINVAL, "mime and caption go with an image");
    if (image) {
        if (!mime || (strcmp(mime, "image/jpeg") && strcmp(mime, "image/png")))
            return kt_fail(KT_EVALID, "mime must be image/jpeg or image/png");
        size_t len = strlen(image), bin_len = 0;
        if (len / 4 * 3 > IMAGE_MAX + 3)
            return kt_fail(KT_ETOOBIG, "image over %d KiB", IMAGE_MAX / 1024);
        unsigned char *bin = malloc(len / 4 * 3 + 3);
        if (!bin) return KT_ENOMEM;
        if (sodium_base642bin(bin, len / 4 * 3 + 3, image, len, "\r\n", &bin_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
            rc = kt_fail(KT_EINVAL, "image is not base64");
        else if (bin_len > IMAGE_MAX)
            rc = kt_fail(KT_ETOOBIG, "image over %d KiB", IMAGE_MAX / 1024);
        else if (!image_magic_ok(bin, bin_len, mime))
            rc = kt_fail(KT_EVALID, "image is not a %s", mime);
        free(bin);
        if (rc) return rc;
    }
    struct chg c;
    rc = chg_begin(d, &req->user, req->params[0], &c);
    long long att_id = 0;
    char ts[32];
    jtime_format_utc(jtime_now_ms(), ts, sizeof ts);
    if (!rc) {
        /* The attachment row goes in the same transaction as the timeline and audit: insert
         * it first through a plain write, then commit the change. */
        struct store_conn *conn;
        store_get(d->st, &conn);
        rc = audit_tx_begin(d->au, conn);
        if (!rc) {
            const char *p[] = {
                c.inc.id, ts,   req->user.name, image ? "image" : "text", image ? caption : text,
                mime,     image};
            struct store_rows *rows = NULL;
            long n = store_exec(conn,
                                "INSERT INTO incident_attachments (incident_id, ts, actor, kind,"
                                " text, mime, data) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                7, p, &rows);
            if (n == 1) att_id = strtoll(store_rows_get(rows, 0, 0), NULL, 10);
            store_rows_free(rows);
            rc = n == 1 ? 0 : (n < 0 ? (int)n : KT_ESTORE);
            char tltext[2100];
            snprintf(tltext, sizeof tltext, "%s%s", image ? "[写真] " : "",
                     image ? (caption ? caption : "") : text);
            if (!rc) rc = dsp_timeline(conn, c.inc.id, req->user.name, "message", tltext);
            char detail[64];
            snprintf(detail, sizeof detail, "{\"attachment\":%lld,\"kind\":\"%s\"}", att_id,
                     image ? "image" : "text");
            struct audit_entry e = {
                .action = "incident.message", .target = c.inc.id, .detail = detail};
            if (!rc) rc = audit_append(d->au, conn, &req->user, &e, NULL);
            rc = audit_tx_finish(d->au, conn, rc);
        }
        store_put(d->st, conn);
    }
    if (!rc) {
        struct bus_scope sc;
        memset(&sc, 0, sizeof sc);
        snprintf(sc.agency, sizeof sc.agency, "%s", c.inc.agency);
        snprintf(sc.station, sizeof sc.station, "%s", c.inc.station);
        snprintf(sc.incident, sizeof sc.incident, "%s", c.inc.id);
        dsp_publish(d, "message", &sc,
                    json_pack("{s:s,s:I,s:s,s:s?,s:s?,s:s?,s:s,s:s}", "incident", c.inc.id, "id",
                              (json_int_t)att_id, "kind", image ? "image" : "text", "text", text,
                              "mime", mime, "caption", caption, "by", req->user.name, "ts", ts));
    }
    chg_end(&c);
    return rc ? rc : http_reply(resp, 201, json_pack("{s:I}", "id", (json_int_t)att_id));
}

static int get_attachment(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    struct incident inc;
    int rc = dsp_inc_read(d, &req->user, req->params[0], &inc);
    if (rc) return rc;
    dsp_inc_free(&inc);
    struct store_conn *c;
    store_get(d->st, &c);
    struct store_rows *r = NULL;
    const char *p[] = {req->params[0], req->params[1]};
    long n = store_exec(c,
                        "SELECT kind, text, mime, data, actor, ts FROM incident_attachments"
                        " WHERE incident_id = ? AND CAST(id AS TEXT) = ?",
                        2, p, &r);
    store_put(d->st, c);
    if (n <= 0) {
        store_rows_free(r);
        return n < 0 ? (int)n : kt_fail(KT_ENOTFOUND, "no attachment %.20s", req->params[1]);
    }
    if (strcmp(store_rows_get(r, 0, 0), "image") == 0) {
        const char *b64 = store_rows_get(r, 0, 3);
        size_t len = strlen(b64), bin_len = 0;
        unsigned char *bin = malloc(len / 4 * 3 + 3);
        if (!bin || sodium_base642bin(bin, len / 4 * 3 + 3, b64, len, "\r\n", &bin_len, NULL,
                                      sodium_base64_VARIANT_ORIGINAL) != 0) {
            free(bin);
            store_rows_free(r);
            return kt_fail(KT_EINTERNAL, "stored image is damaged");
        }
        resp->status = 200;
        resp->raw = (char *)bin;
        resp->raw_len = bin_len;
        resp->content_type =
            strcmp(store_rows_get(r, 0, 2), "image/png") == 0 ? "image/png" : "image/jpeg";
        store_rows_free(r);
        return 0;
    }
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "kind", "text", "text", store_rows_get(r, 0, 1),
                          "by", store_rows_get(r, 0, 4), "ts", store_rows_get(r, 0, 5));
    store_rows_free(r);
    return http_reply(resp, 200, o);
}

/* POST /incidents/:id/query/:kind: the records query (照会) with the incident as its reason. */
static int post_query(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!d->records) return kt_fail(KT_EUNAVAIL, "records are not served here");
    if (!auth_can(&req->user, AUTH_QUERY))
        return kt_fail(KT_EFORBIDDEN, "role %s may not query records", req->user.role);
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    if (json_object_get(req->json, "reason"))
        return kt_fail(KT_EINVAL, "reason is the incident number here; leave it out");
    const char *kind = req->params[1];
    if (strcmp(kind, "person") && strcmp(kind, "vehicle") && strcmp(kind, "firearm") &&
        strcmp(kind, "document"))
        return kt_fail(KT_ENOTFOUND, "no query kind %.20s", kind);
    struct incident inc;
    int rc = dsp_inc_read(d, &req->user, req->params[0], &inc);
    if (rc) return rc;
    char reason[64];
    snprintf(reason, sizeof reason, "incident %s", inc.id);
    dsp_inc_free(&inc);
    json_t *body = json_deep_copy(req->json);
    if (!body) return KT_ENOMEM;
    json_object_set_new(body, "reason", json_string(reason));
    char *out = NULL;
    size_t len = 0;
    rc = records_query(d->records, &req->user, kind, body, &out, &len);
    json_decref(body);
    if (rc) return rc;
    /* The incident's timeline notes that a query was made (not what was asked). */
    struct store_conn *c;
    store_get(d->st, &c);
    if (!store_begin(c)) {
        char text[64];
        snprintf(text, sizeof text, "照会 (%s)", kind);
        if (dsp_timeline(c, req->params[0], req->user.name, "query", text) == 0)
            store_commit(c);
        else
            store_rollback(c);
    }
    store_put(d->st, c);
    resp->status = 200;
    resp->raw = out;
    resp->raw_len = len;
    resp->content_type = "application/json";
    return 0;
}

static int get_eido(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    struct incident inc;
    int rc = dsp_inc_read(d, &req->user, req->params[0], &inc);
    if (rc) return rc;
    struct store_conn *c;
    store_get(d->st, &c);
    pthread_rwlock_rdlock(&d->rw);
    json_t *full = dsp_inc_json_full(d, c, &inc);
    pthread_rwlock_unlock(&d->rw);
    store_put(d->st, c);
    dsp_inc_free(&inc);
    if (!full) return KT_ENOMEM;
    json_t *eido = NULL;
    rc = dispatch_eido_from_incident(full, bus_site(d->bus), &eido);
    json_decref(full);
    return rc ? rc : http_reply(resp, 200, eido);
}

static int post_eido(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_INTAKE))
        return kt_fail(KT_EFORBIDDEN, "role %s may not import incidents", req->user.role);
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    json_t *body = NULL;
    char ext[96];
    int rc = dispatch_eido_to_incident(req->json, &body, ext, sizeof ext);
    if (rc) return rc;
    /* Imported incidents are handled here: they are not re-shared as wide-area, and the same
     * EIDO (its $id) is imported once. */
    json_object_del(body, "wide_area");
    if (ext[0]) {
        struct store_conn *c;
        store_get(d->st, &c);
        struct store_rows *r = NULL;
        const char *p[] = {ext};
        long n = store_exec(c, "SELECT id FROM incidents WHERE ext_id = ?", 1, p, &r);
        store_put(d->st, c);
        if (n > 0)
            rc = kt_fail(KT_ECONFLICT, "this EIDO was imported already as %s",
                         store_rows_get(r, 0, 0));
        else if (n < 0)
            rc = (int)n;
        store_rows_free(r);
        if (rc) {
            json_decref(body);
            return rc;
        }
    }
    json_t *ans = NULL;
    rc = dsp_incident_create(d, &req->user, body, ext[0] ? ext : "eido", NULL, &ans);
    json_decref(body);
    return rc ? rc : http_reply(resp, 201, ans);
}

static const char *const alert_fields[] = {"incident", "headline", "description", "area_desc",
                                           "polygon",  "circle",   NULL};

static int post_alert(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_ORDER))
        return kt_fail(KT_EFORBIDDEN, "role %s may not issue deployment alerts", req->user.role);
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    const char *incident = NULL, *headline = NULL, *desc = NULL, *area = NULL;
    int rc = http_json_only(req->json, "alert", alert_fields);
    if (!rc) rc = http_json_str(req->json, "incident", 0, 31, &incident);
    if (!rc) rc = http_json_str(req->json, "headline", 1, 160, &headline);
    if (!rc) rc = http_json_str(req->json, "description", 1, 4000, &desc);
    if (!rc) rc = http_json_str(req->json, "area_desc", 0, 200, &area);
    if (rc) return rc;
    if (incident) {
        struct incident inc;
        if ((rc = dsp_inc_read(d, &req->user, incident, &inc))) return rc;
        dsp_inc_free(&inc);
    }
    int64_t now = jtime_now_ms();
    char ident[96], sender[96], sent[32];
    snprintf(ident, sizeof ident, "keitsu-%s-%lld", bus_site(d->bus), (long long)now);
    snprintf(sender, sizeof sender, "%s@keitsu", bus_site(d->bus));
    jtime_format_utc(now, sent, sizeof sent);
    json_t *alert = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:s}", "identifier", ident, "sender",
                              sender, "sent", sent, "headline", headline, "description", desc,
                              "incident", incident, "area_desc", area ? area : "緊急配備区域");
    if (!alert) return KT_ENOMEM;
    json_t *poly = json_object_get(req->json, "polygon"),
           *circ = json_object_get(req->json, "circle");
    if (poly) json_object_set(alert, "polygon", poly);
    if (circ) json_object_set(alert, "circle", circ);
    char *xml = NULL;
    size_t len = 0;
    rc = dispatch_cap_build(alert, &xml, &len);
    if (!rc) {
        struct store_conn *c;
        store_get(d->st, &c);
        rc = audit_tx_begin(d->au, c);
        if (!rc && incident) rc = dsp_timeline(c, incident, req->user.name, "alert", headline);
        struct audit_entry e = {.action = "alert.deployment", .target = ident, .reason = incident};
        if (!rc) rc = audit_append(d->au, c, &req->user, &e, NULL);
        rc = audit_tx_finish(d->au, c, rc);
        store_put(d->st, c);
    }
    if (!rc) {
        struct bus_scope sc;
        memset(&sc, 0, sizeof sc);
        snprintf(sc.agency, sizeof sc.agency, "%s", req->user.agency);
        sc.wide = 1; /* neighbouring prefectures join a deployment */
        dsp_publish(d, "alert", &sc,
                    json_pack("{s:s,s:s,s:s,s:s?,s:s}", "id", ident, "headline", headline,
                              "description", desc, "incident", incident, "cap", xml));
    }
    json_decref(alert);
    if (rc) {
        free(xml);
        return rc;
    }
    resp->status = 201;
    resp->raw = xml;
    resp->raw_len = len;
    resp->content_type = "application/cap+xml; charset=utf-8";
    return 0;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static json_t *stats(double *v, size_t n)
{
    if (n == 0) return json_pack("{s:i,s:n,s:n,s:n}", "n", 0, "mean", "p50", "p90");
    qsort(v, n, sizeof *v, cmp_dbl);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    return json_pack("{s:I,s:f,s:f,s:f}", "n", (json_int_t)n, "mean", sum / (double)n, "p50",
                     v[(n - 1) / 2], "p90", v[(size_t)((double)(n - 1) * 0.9)]);
}

/* GET /reports/response-times?from=YYYY-MM-DD&to=YYYY-MM-DD (JST days, inclusive). */
static int get_response_times(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_ADMIN))
        return kt_fail(KT_EFORBIDDEN, "role %s may not read reports", req->user.role);
    const char *from = http_query_arg(req, "from"), *to = http_query_arg(req, "to");
    int y1, m1, d1, y2, m2, d2;
    int rc = jtime_parse_date("from", from ? from : "", &y1, &m1, &d1);
    if (!rc) rc = jtime_parse_date("to", to ? to : "", &y2, &m2, &d2);
    if (rc) return rc;
    /* JST midnight is 15:00 UTC the day before. */
    int64_t lo = (jtime_days(y1, m1, d1) * 86400 - 9 * 3600) * 1000;
    int64_t hi = ((jtime_days(y2, m2, d2) + 1) * 86400 - 9 * 3600) * 1000;
    if (hi <= lo) return kt_fail(KT_EVALID, "to is before from");
    char los[32], his[32];
    jtime_format_utc(lo, los, sizeof los);
    jtime_format_utc(hi, his, sizeof his);
    struct store_conn *c;
    store_get(d->st, &c);
    struct store_rows *r = NULL;
    const char *p[] = {req->user.agency, bus_site(d->bus), los, his};
    long n = store_exec(c,
                        "SELECT created_at, dispatched_at, on_scene_at FROM incidents"
                        " WHERE agency = ? AND site = ? AND created_at >= ? AND created_at < ?"
                        " AND ext_id IS NULL AND status <> 'merged'",
                        4, p, &r);
    store_put(d->st, c);
    if (n < 0) return (int)n;
    size_t cap = (size_t)n + 1;
    double *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b), *t = malloc(cap * sizeof *t);
    size_t na = 0, nb = 0, nt = 0;
    if (!a || !b || !t) rc = KT_ENOMEM;
    for (long i = 0; !rc && i < n; i++) {
        int64_t cr = 0, di = 0, on = 0;
        jtime_parse_utc(store_rows_get(r, (size_t)i, 0), &cr);
        const char *ds = store_rows_get(r, (size_t)i, 1), *os = store_rows_get(r, (size_t)i, 2);
        if (ds && !jtime_parse_utc(ds, &di)) a[na++] = (double)(di - cr) / 1000.0;
        if (ds && os && !jtime_parse_utc(os, &on) && di) b[nb++] = (double)(on - di) / 1000.0;
        if (os && on) t[nt++] = (double)(on - cr) / 1000.0;
    }
    store_rows_free(r);
    json_t *o =
        rc ? NULL
           : json_pack("{s:s,s:s,s:I,s:o,s:o,s:o}", "from", from, "to", to, "count", (json_int_t)n,
                       "call_to_dispatch_s", stats(a, na), "dispatch_to_arrival_s", stats(b, nb),
                       "call_to_arrival_s", stats(t, nt));
    free(a);
    free(b);
    free(t);
    return rc ? rc : http_reply(resp, 200, o);
}

int dsp_extra_routes(struct dispatch *d, struct http_router *r)
{
    int rc = 0;
    if (!rc)
        rc = http_router_add(r, "POST", "/api/v1/incidents/:id/messages", post_message, d,
                             HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "GET", "/api/v1/incidents/:id/attachments/:n", get_attachment, d,
                             HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "POST", "/api/v1/incidents/:id/query/:kind", post_query, d,
                             HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/incidents/:id/eido", get_eido, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/eido", post_eido, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/alerts", post_alert, d, HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "GET", "/api/v1/reports/response-times", get_response_times, d,
                             HTTP_AUTH);
    return rc;
}
