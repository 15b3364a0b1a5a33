/* HTTP and logic for incidents: intake (110番受理), corrections, listing and reading with
 * need-to-know. Orders (dispatch, release, close, merge) and recommendations: orders.c. */
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "base/utf8.h"
#include "dispatch/body.h"
#include "dispatch/dispatch_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUP_RADIUS_M 300.0
#define DUP_WINDOW_MS (15 * 60 * 1000)

int dsp_inc_active(const struct incident *inc)
{
    return inc->status == INC_OPEN || inc->status == INC_DISPATCHED || inc->status == INC_ON_SCENE;
}

/* Caller numbers as the network delivers them: digits with an optional leading +; hyphens and
 * spaces typed by hand are dropped. */
static int caller_number(const json_t *body, char *out, size_t cap)
{
    const char *s;
    int rc = http_json_str(body, "caller_number", 0, 32, &s);
    if (rc || !s) return rc;
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '-' || *p == ' ') continue;
        if (!(isdigit((unsigned char)*p) || (*p == '+' && n == 0)) || n + 1 >= cap)
            return kt_fail(KT_EVALID, "caller_number must be a telephone number (digits, +)");
        out[n++] = *p;
    }
    out[n] = '\0';
    if (n < 3) return kt_fail(KT_EVALID, "caller_number is too short");
    return 0;
}

static int set_text(const json_t *body, const char *key, size_t max, char **field)
{
    const char *s;
    int rc = http_json_str(body, key, 0, max, &s);
    if (rc || !s) return rc;
    char *dup = strdup(s);
    if (!dup) return KT_ENOMEM;
    free(*field);
    *field = dup;
    return 0;
}

/* Location fields shared by intake and correction: lat/lon (+ uncertainty_m) or pidf_lo. */
static int location(const json_t *body, struct incident *inc, int *given)
{
    double lat = 0, lon = 0, unc = 0;
    int has_lat, has_lon, has_unc;
    int rc = body_num(body, "lat", 0, -90, 90, &lat, &has_lat);
    if (!rc) rc = body_num(body, "lon", 0, -180, 180, &lon, &has_lon);
    if (!rc) rc = body_num(body, "uncertainty_m", 0, 0, 100000, &unc, &has_unc);
    if (rc) return rc;
    const char *pidf = NULL;
    if ((rc = http_json_str(body, "pidf_lo", 0, 65536, &pidf))) return rc;
    *given = 0;
    if (has_lat != has_lon) return kt_fail(KT_EINVAL, "lat and lon go together");
    if (pidf && has_lat) return kt_fail(KT_EINVAL, "give lat/lon or pidf_lo, not both");
    if (pidf) {
        struct geo_fix fix;
        if ((rc = geo_pidf_parse(pidf, strlen(pidf), &fix))) return rc;
        lat = fix.lat;
        lon = fix.lon;
        unc = fix.radius_m;
        has_lat = 1;
    }
    if (!has_lat) {
        if (has_unc) return kt_fail(KT_EINVAL, "uncertainty_m needs lat and lon");
        return 0;
    }
    if (!geo_valid(lat, lon)) return kt_fail(KT_EVALID, "lat/lon out of range");
    inc->has_loc = 1;
    inc->lat = lat;
    inc->lon = lon;
    inc->unc_m = unc;
    *given = 1;
    return 0;
}

static int read_type(const json_t *body, int required, struct incident *inc, int *prio_default)
{
    const char *type;
    int rc = http_json_str(body, "type", required, 23, &type);
    if (rc || !type) return rc;
    const struct dispatch_type *t = dispatch_type_find(type);
    if (!t)
        return kt_fail(KT_EVALID, "type %s is not in the code table (GET /api/v1/dispatch/codes)",
                       type);
    snprintf(inc->type, sizeof inc->type, "%s", t->code);
    if (prio_default) *prio_default = t->priority;
    return 0;
}

static const char *const create_fields[] = {
    "caller_number", "lat",  "lon",      "uncertainty_m", "pidf_lo",   "location_withheld",
    "address",       "type", "priority", "narrative",     "wide_area", NULL};

/* Duplicates: open incidents of the same type near the new one, created lately (under rw). */
static json_t *duplicates_of(struct dispatch *d, const struct auth_user *u,
                             const struct incident *inc)
{
    json_t *arr = json_array();
    if (!inc->has_loc) return arr;
    for (size_t i = 0; i < d->nincs; i++) {
        const struct incident *o = d->incs[i];
        if (o == inc || !dsp_inc_active(o) || strcmp(o->type, inc->type) != 0 || !o->has_loc ||
            inc->created_ms - o->created_ms > DUP_WINDOW_MS || !dsp_can_see_inc(d, u, o))
            continue;
        double m = geo_distance_m(o->lat, o->lon, inc->lat, inc->lon);
        if (m > DUP_RADIUS_M) continue;
        json_array_append_new(arr, json_pack("{s:s,s:f,s:I,s:s,s:s?}", "id", o->id, "distance_m",
                                             round(m), "age_s",
                                             (json_int_t)((inc->created_ms - o->created_ms) / 1000),
                                             "type", o->type, "address", o->address));
    }
    return arr;
}

static json_t *prior_calls(struct store_conn *c, const struct incident *inc)
{
    json_t *arr = json_array();
    if (!inc->caller[0] && !inc->address) return arr;
    struct store_rows *r = NULL;
    const char *p[] = {inc->caller[0] ? inc->caller : "", inc->address ? inc->address : "", inc->id,
                       inc->agency};
    long n = store_exec(c,
                        "SELECT id, created_at, type, address, status FROM incidents"
                        " WHERE (caller_number = ? OR address = ?) AND id <> ? AND agency = ?"
                        " ORDER BY created_at DESC LIMIT 10",
                        4, p, &r);
    for (long i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s?,s:s}", "id",
                                             store_rows_get(r, (size_t)i, 0), "created_at",
                                             store_rows_get(r, (size_t)i, 1), "type",
                                             store_rows_get(r, (size_t)i, 2), "address",
                                             store_rows_get(r, (size_t)i, 3), "status",
                                             store_rows_get(r, (size_t)i, 4)));
    store_rows_free(r);
    return arr;
}

int dsp_incident_create(struct dispatch *d, const struct auth_user *u, json_t *body,
                        const char *ext_id, const char *site, json_t **answer)
{
    int rc = http_json_only(body, "incident", create_fields);
    struct incident inc;
    memset(&inc, 0, sizeof inc);
    int prio = 3, given = 0;
    long lp = 0;
    if (!rc) rc = caller_number(body, inc.caller, sizeof inc.caller);
    if (!rc) rc = body_bool(body, "location_withheld", &inc.withheld);
    if (!rc) rc = location(body, &inc, &given);
    if (!rc) rc = read_type(body, 1, &inc, &prio);
    if (!rc && (lp = prio, 1)) rc = body_int(body, "priority", 0, 1, 3, &lp);
    if (!rc) rc = set_text(body, "address", 200, &inc.address);
    if (!rc) rc = set_text(body, "narrative", 4000, &inc.narrative);
    if (!rc) rc = body_bool(body, "wide_area", &inc.wide);
    if (!rc && inc.withheld && inc.caller[0])
        rc = kt_fail(KT_EINVAL, "a 184 call (location_withheld) carries no caller_number");
    if (rc) {
        dsp_inc_free(&inc);
        return rc;
    }
    inc.priority = (int)lp;
    inc.status = INC_OPEN;
    inc.created_ms = jtime_now_ms();
    snprintf(inc.agency, sizeof inc.agency, "%s", u->agency);
    snprintf(inc.site, sizeof inc.site, "%s", site ? site : bus_site(d->bus));
    snprintf(inc.ext_id, sizeof inc.ext_id, "%s", ext_id ? ext_id : "");
    snprintf(inc.created_by, sizeof inc.created_by, "%s", u->name);

    struct chg c;
    chg_begin(d, u, NULL, &c);
    /* The id: I-YYYYMMDD-NNNN, numbered per JST day. */
    char day[16], counter[32];
    jtime_today_jst(day, sizeof day); /* YYYY-MM-DD */
    char ymd[9] = {day[0], day[1], day[2], day[3], day[5], day[6], day[8], day[9], 0};
    snprintf(counter, sizeof counter, "incident-%s", ymd);
    struct store_conn *conn;
    store_get(d->st, &conn);
    long num = 0;
    rc = dsp_next_id(conn, counter, &num);
    store_put(d->st, conn);
    if (rc) {
        dsp_inc_free(&inc);
        chg_end(&c);
        return rc;
    }
    snprintf(inc.id, sizeof inc.id, "I-%s-%04ld", ymd, num);
    pthread_rwlock_rdlock(&d->rw);
    const char *st = inc.has_loc ? dsp_station_at(d, inc.lat, inc.lon) : NULL;
    snprintf(inc.station, sizeof inc.station, "%s", st ? st : "");
    pthread_rwlock_unlock(&d->rw);
    c.inc = inc;
    c.new_inc = 1;
    char detail[160];
    snprintf(detail, sizeof detail, "{\"type\":\"%s\",\"priority\":%d,\"ext\":%s}", inc.type,
             inc.priority, ext_id ? "true" : "false");
    struct kt_buf tl;
    kt_buf_init(&tl, 512);
    const struct dispatch_type *t = dispatch_type_find(inc.type);
    kt_buf_printf(&tl, "%s %s",
                  !ext_id                              ? "110番受理"
                  : strcmp(inc.site, bus_site(d->bus)) ? "他県事案受信"
                                                       : "EIDO取込",
                  t ? t->label : inc.type);
    if (inc.withheld) kt_buf_puts(&tl, " (184 非通知)");
    char *tltext = kt_buf_take(&tl, NULL);
    rc = chg_commit(&c, ext_id ? "incident.import" : "incident.create", "created",
                    tltext ? tltext : "", "created", detail);
    free(tltext);
    if (!rc) {
        store_get(d->st, &conn);
        pthread_rwlock_rdlock(&d->rw);
        json_t *dups = duplicates_of(d, u, c.live);
        pthread_rwlock_unlock(&d->rw);
        *answer = json_pack("{s:s,s:o,s:o,s:o}", "id", c.live->id, "station",
                            c.live->station[0] ? json_string(c.live->station) : json_null(),
                            "duplicates", dups, "prior_calls", prior_calls(conn, c.live));
        store_put(d->st, conn);
    }
    chg_end(&c);
    return rc;
}

static int post_incident(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_INTAKE))
        return kt_fail(KT_EFORBIDDEN, "role %s may not take calls", req->user.role);
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    json_t *ans = NULL;
    int rc = dsp_incident_create(d, &req->user, req->json, NULL, NULL, &ans);
    if (rc) return rc;
    return http_reply(resp, 201, ans);
}

/* Reads an incident the user may see: from memory if active or recent, else from the store.
 * On success *out is a full JSON (timeline, attachments). */
int dsp_inc_read(struct dispatch *d, const struct auth_user *u, const char *id,
                 struct incident *copy)
{
    pthread_rwlock_rdlock(&d->rw);
    struct incident *live = dsp_inc_find(d, id);
    int rc = 1;
    if (live) rc = dsp_can_see_inc(d, u, live) ? dsp_inc_copy(live, copy) : KT_ENOTFOUND;
    pthread_rwlock_unlock(&d->rw);
    if (rc == KT_ENOTFOUND) return kt_fail(KT_ENOTFOUND, "no incident %.40s", id);
    if (rc != 1) return rc;
    struct store_conn *c;
    store_get(d->st, &c);
    rc = dsp_inc_load(c, id, copy);
    store_put(d->st, c);
    if (rc) return rc;
    pthread_rwlock_rdlock(&d->rw);
    int ok = dsp_can_see_inc(d, u, copy);
    pthread_rwlock_unlock(&d->rw);
    if (!ok) {
        dsp_inc_free(copy);
        return kt_fail(KT_ENOTFOUND, "no incident %.40s", id);
    }
    return 0;
}

int dsp_reply_incident(struct dispatch *d, struct http_response *resp, int status,
                       const struct incident *inc)
{
    struct store_conn *c;
    store_get(d->st, &c);
    pthread_rwlock_rdlock(&d->rw);
    json_t *o = dsp_inc_json_full(d, c, inc);
    pthread_rwlock_unlock(&d->rw);
    store_put(d->st, c);
    if (!o) return KT_ENOMEM;
    return http_reply(resp, status, o);
}

static int get_incident(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    struct incident inc;
    int rc = dsp_inc_read(d, &req->user, req->params[0], &inc);
    if (rc) return rc;
    rc = dsp_reply_incident(d, resp, 200, &inc);
    dsp_inc_free(&inc);
    return rc;
}

/* Replies with the incident as it now is in the model. */
int dsp_reply_live(struct dispatch *d, struct http_response *resp, const char *id)
{
    struct incident inc;
    pthread_rwlock_rdlock(&d->rw);
    struct incident *live = dsp_inc_find(d, id);
    int rc = live ? dsp_inc_copy(live, &inc) : KT_ENOTFOUND;
    pthread_rwlock_unlock(&d->rw);
    if (rc) return rc;
    rc = dsp_reply_incident(d, resp, 200, &inc);
    dsp_inc_free(&inc);
    return rc;
}

static int list_incidents(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_VIEW))
        return kt_fail(KT_EFORBIDDEN, "role %s may not see incidents", req->user.role);
    const char *which = http_query_arg(req, "status");
    if (which && strcmp(which, "active") && strcmp(which, "closed") && strcmp(which, "all"))
        return kt_fail(KT_EINVAL, "status must be active, closed or all");
    int want_active = !which || strcmp(which, "closed") != 0;
    int want_closed = which && strcmp(which, "active") != 0;
    json_t *arr = json_array();
    pthread_rwlock_rdlock(&d->rw);
    for (size_t i = 0; i < d->nincs; i++) {
        const struct incident *inc = d->incs[i];
        int a = dsp_inc_active(inc);
        if (((a && want_active) || (!a && want_closed)) && dsp_can_see_inc(d, &req->user, inc))
            json_array_append_new(arr, dsp_inc_json(d, inc));
    }
    pthread_rwlock_unlock(&d->rw);
    return http_reply(resp, 200, json_pack("{s:o}", "incidents", arr));
}

static const char *const patch_fields[] = {"address", "type",    "priority",      "narrative",
                                           "lat",     "lon",     "uncertainty_m", "wide_area",
                                           "station", "pidf_lo", "version",       NULL};

static int patch_incident(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_INTAKE))
        return kt_fail(KT_EFORBIDDEN, "role %s may not correct incidents", req->user.role);
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    int rc = http_json_only(req->json, "incident", patch_fields);
    if (rc) return rc;
    struct chg c;
    rc = chg_begin(d, &req->user, req->params[0], &c);
    struct incident *w = &c.inc;
    int given = 0, wide = w->wide;
    long prio = w->priority, version = -1;
    const char *station = NULL;
    if (!rc) rc = body_int(req->json, "version", 0, 0, 2147483647L, &version);
    if (!rc && version >= 0 && version != w->version)
        rc = kt_fail(KT_ECONFLICT, "incident %s is at version %d, not %ld: reload and retry", w->id,
                     w->version, version);
    if (!rc && dsp_inc_remote(d, w))
        rc = kt_fail(KT_ECONFLICT, "a copy of another site's incident is read-only");
    if (!rc && !dsp_inc_active(w))
        rc =
            kt_fail(KT_ECONFLICT, "incident %s is %s", w->id, dispatch_inc_status_names[w->status]);
    if (!rc) rc = set_text(req->json, "address", 200, &w->address);
    if (!rc) rc = set_text(req->json, "narrative", 4000, &w->narrative);
    if (!rc) rc = read_type(req->json, 0, w, NULL);
    if (!rc) rc = body_int(req->json, "priority", 0, 1, 3, &prio);
    if (!rc) rc = location(req->json, w, &given);
    if (!rc) rc = body_bool(req->json, "wide_area", &wide);
    if (!rc) rc = http_json_str(req->json, "station", 0, 63, &station);
    if (!rc && (wide != w->wide || station) && !auth_can(&req->user, AUTH_DISPATCH_ORDER))
        rc = kt_fail(KT_EFORBIDDEN, "only a dispatcher or supervisor changes wide_area or station");
    if (!rc && station) {
        pthread_rwlock_rdlock(&d->rw);
        int found = 0;
        for (size_t i = 0; i < d->nstations; i++)
            found |= strcmp(d->stations[i].id, station) == 0;
        pthread_rwlock_unlock(&d->rw);
        if (!found)
            rc = kt_fail(KT_EVALID, "no station %s", station);
        else
            snprintf(w->station, sizeof w->station, "%s", station);
    }
    if (!rc && given && !station) {
        pthread_rwlock_rdlock(&d->rw);
        const char *st = dsp_station_at(d, w->lat, w->lon);
        snprintf(w->station, sizeof w->station, "%s", st ? st : "");
        pthread_rwlock_unlock(&d->rw);
    }
    if (!rc) {
        w->priority = (int)prio;
        w->wide = wide;
        char *fields = json_dumps(req->json, JSON_COMPACT);
        struct kt_buf tl;
        kt_buf_init(&tl, 600);
        kt_buf_puts(&tl, "訂正:");
        const char *key;
        json_t *v;
        json_object_foreach(req->json, key, v)
        {
            if (strcmp(key, "version") != 0) kt_buf_printf(&tl, " %s", key);
        }
        char *text = kt_buf_take(&tl, NULL);
        rc = chg_commit(&c, "incident.update", "updated", text ? text : "訂正", "updated",
                        fields ? fields : "{}");
        free(text);
        free(fields);
    }
    chg_end(&c);
    return rc ? rc : dsp_reply_live(d, resp, req->params[0]);
}

int dsp_incident_routes(struct dispatch *d, struct http_router *r)
{
    int rc = 0;
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/incidents", post_incident, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/incidents", list_incidents, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/incidents/:id", get_incident, d, HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "PATCH", "/api/v1/incidents/:id", patch_incident, d, HTTP_AUTH);
    if (!rc) rc = dsp_order_routes(d, r);
    return rc;
}
