/* HTTP and logic for orders on incidents: dispatch (指令), release, close with a disposition,
 * merge of duplicates, and the nearest-unit recommendation. */
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "dispatch/body.h"
#include "dispatch/dispatch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An order's body {"units":[ID…]} for a dispatcher: *arr is borrowed from req->json. */
static int order_units(const struct http_request *req, const char *what, json_t **arr)
{
    if (!auth_can(&req->user, AUTH_DISPATCH_ORDER))
        return kt_fail(KT_EFORBIDDEN, "role %s may not %s units", req->user.role, what);
    static const char *const f[] = {"units", NULL};
    int rc = req->json ? http_json_only(req->json, what, f) : kt_fail(KT_EINVAL, "body required");
    if (!rc) rc = body_str_array(req->json, "units", CHG_MAXU, 15, arr);
    return rc;
}

/* POST /incidents/:id/dispatch {"units":[…]}: every unit must be available, or nothing
 * changes. Sends each unit its order. */
static int post_dispatch(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    json_t *arr = NULL;
    int rc = order_units(req, "dispatch", &arr);
    if (rc) return rc;
    struct chg c;
    rc = chg_begin(d, &req->user, req->params[0], &c);
    if (!rc && dsp_inc_remote(d, &c.inc))
        rc = kt_fail(KT_ECONFLICT, "a copy of another site's incident is read-only");
    if (!rc && !dsp_inc_active(&c.inc))
        rc = kt_fail(KT_ECONFLICT, "incident %s is %s", c.inc.id,
                     dispatch_inc_status_names[c.inc.status]);
    /* Closing releases every assigned unit in one change, which holds CHG_MAXU units. */
    size_t assigned = 0;
    for (size_t k = 0; !rc && k < c.inc.nasg; k++)
        assigned += !c.inc.asg[k].released_ms;
    if (!rc && assigned + json_array_size(arr) > CHG_MAXU)
        rc = kt_fail(KT_ECONFLICT, "incident %s would have over %d units; release some first",
                     c.inc.id, CHG_MAXU);
    int64_t now = jtime_now_ms();
    struct kt_buf tl;
    kt_buf_init(&tl, 1024);
    kt_buf_puts(&tl, "指令:");
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (rc) break;
        struct unit *un;
        if ((rc = chg_unit(&c, json_string_value(e), &un))) break;
        if (un->status != UNIT_AVAILABLE) {
            rc = kt_fail(KT_ECONFLICT, "unit %s (%s) is %s, not available", un->id, un->callsign,
                         dispatch_unit_status_names[un->status]);
            break;
        }
        struct assignment *na = realloc(c.inc.asg, (c.inc.nasg + 1) * sizeof *na);
        if (!na) {
            rc = KT_ENOMEM;
            break;
        }
        c.inc.asg = na;
        memset(&na[c.inc.nasg], 0, sizeof *na);
        snprintf(na[c.inc.nasg].unit, sizeof na->unit, "%s", un->id);
        na[c.inc.nasg].dispatched_ms = now;
        c.inc.nasg++;
        un->status = UNIT_DISPATCHED;
        snprintf(un->incident, sizeof un->incident, "%s", c.inc.id);
        kt_buf_printf(&tl, " %s", un->callsign);
    }
    char *text = kt_buf_take(&tl, NULL);
    if (!rc) {
        if (c.inc.status == INC_OPEN) c.inc.status = INC_DISPATCHED;
        if (!c.inc.dispatched_ms) c.inc.dispatched_ms = now;
        char *units = json_dumps(arr, JSON_COMPACT);
        char detail[700];
        snprintf(detail, sizeof detail, "{\"units\":%s}", units ? units : "[]");
        free(units);
        rc = chg_commit(&c, "incident.dispatch", "dispatched", text ? text : "指令", "dispatched",
                        detail);
    }
    free(text);
    if (!rc) {
        /* The orders: one event per unit, which its terminal receives. */
        for (int k = 0; k < c.nu; k++) {
            struct bus_scope sc;
            memset(&sc, 0, sizeof sc);
            snprintf(sc.agency, sizeof sc.agency, "%s", c.ucopy[k].agency);
            snprintf(sc.station, sizeof sc.station, "%s", c.ucopy[k].station);
            snprintf(sc.unit, sizeof sc.unit, "%s", c.ucopy[k].id);
            snprintf(sc.incident, sizeof sc.incident, "%s", c.live->id);
            pthread_rwlock_rdlock(&d->rw);
            json_t *o =
                json_pack("{s:o,s:s}", "incident", dsp_inc_json(d, c.live), "unit", c.ucopy[k].id);
            pthread_rwlock_unlock(&d->rw);
            dsp_publish(d, "order", &sc, o);
        }
    }
    chg_end(&c);
    return rc ? rc : dsp_reply_live(d, resp, req->params[0]);
}

/* Releases unit copy un from the working incident (assignment ends, unit available). */
static void release_unit(struct incident *inc, struct unit *un, int64_t now)
{
    struct assignment *a = chg_asg_active(inc, un->id);
    if (a) a->released_ms = now;
    if (strcmp(un->incident, inc->id) == 0) {
        un->incident[0] = '\0';
        un->status = UNIT_AVAILABLE;
    }
}

static int post_release(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    json_t *arr = NULL;
    int rc = order_units(req, "release", &arr);
    if (rc) return rc;
    struct chg c;
    rc = chg_begin(d, &req->user, req->params[0], &c);
    int64_t now = jtime_now_ms();
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        if (rc) break;
        struct unit *un;
        if ((rc = chg_unit(&c, json_string_value(e), &un))) break;
        if (!chg_asg_active(&c.inc, un->id))
            rc = kt_fail(KT_ECONFLICT, "unit %s is not assigned to %s", un->id, c.inc.id);
        else
            release_unit(&c.inc, un, now);
    }
    if (!rc) rc = chg_commit(&c, "incident.release", "released", "解除", "updated", NULL);
    chg_end(&c);
    return rc ? rc : dsp_reply_live(d, resp, req->params[0]);
}

static int post_close(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_ORDER))
        return kt_fail(KT_EFORBIDDEN, "role %s may not close incidents", req->user.role);
    static const char *const f[] = {"disposition", "note", NULL};
    const char *code = NULL, *note = NULL;
    int rc =
        req->json ? http_json_only(req->json, "close", f) : kt_fail(KT_EINVAL, "body required");
    if (!rc) rc = http_json_str(req->json, "disposition", 1, 23, &code);
    if (!rc) rc = http_json_str(req->json, "note", 0, 2000, &note);
    if (rc) return rc;
    const struct dispatch_named *dn = dispatch_named_find(dispatch_dispositions, code);
    if (!dn) return kt_fail(KT_EVALID, "disposition %s is not in the code table", code);
    struct chg c;
    rc = chg_begin(d, &req->user, req->params[0], &c);
    if (!rc && dsp_inc_remote(d, &c.inc))
        rc = kt_fail(KT_ECONFLICT, "a copy of another site's incident is read-only");
    if (!rc && !dsp_inc_active(&c.inc))
        rc = kt_fail(KT_ECONFLICT, "incident %s is already %s", c.inc.id,
                     dispatch_inc_status_names[c.inc.status]);
    int64_t now = jtime_now_ms();
    for (size_t i = 0; !rc && i < c.inc.nasg; i++) {
        if (c.inc.asg[i].released_ms) continue;
        struct unit *un;
        int urc = chg_unit(&c, c.inc.asg[i].unit, &un);
        if (urc == 0)
            release_unit(&c.inc, un, now);
        else if (urc == KT_ENOTFOUND)
            c.inc.asg[i].released_ms = now; /* unit gone: end the assignment anyway */
        else
            rc = urc; /* never close leaving a unit assigned to a closed incident */
    }
    if (!rc) {
        c.inc.status = INC_CLOSED;
        c.inc.closed_ms = now;
        snprintf(c.inc.disposition, sizeof c.inc.disposition, "%s", dn->code);
        free(c.inc.disp_note);
        c.inc.disp_note = note ? strdup(note) : NULL;
        char text[160];
        snprintf(text, sizeof text, "終結: %s", dn->label);
        char detail[64];
        snprintf(detail, sizeof detail, "{\"disposition\":\"%s\"}", dn->code);
        rc = chg_commit(&c, "incident.close", "closed", text, "closed", detail);
    }
    chg_end(&c);
    return rc ? rc : dsp_reply_live(d, resp, req->params[0]);
}

static int post_merge(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_INTAKE))
        return kt_fail(KT_EFORBIDDEN, "role %s may not merge incidents", req->user.role);
    static const char *const f[] = {"into", NULL};
    const char *into = NULL;
    int rc =
        req->json ? http_json_only(req->json, "merge", f) : kt_fail(KT_EINVAL, "body required");
    if (!rc) rc = http_json_str(req->json, "into", 1, 31, &into);
    if (rc) return rc;
    if (strcmp(into, req->params[0]) == 0)
        return kt_fail(KT_EINVAL, "an incident cannot merge into itself");
    struct chg c;
    rc = chg_begin(d, &req->user, req->params[0], &c);
    if (!rc && dsp_inc_remote(d, &c.inc))
        rc = kt_fail(KT_ECONFLICT, "a copy of another site's incident is read-only");
    if (!rc && !dsp_inc_active(&c.inc))
        rc = kt_fail(KT_ECONFLICT, "incident %s is %s", c.inc.id,
                     dispatch_inc_status_names[c.inc.status]);
    for (size_t i = 0; !rc && i < c.inc.nasg; i++)
        if (!c.inc.asg[i].released_ms)
            rc = kt_fail(KT_ECONFLICT, "release the units of %s before merging it", c.inc.id);
    if (!rc) {
        /* The survivor is written in the same change, so it must be one u may change. */
        pthread_rwlock_rdlock(&d->rw);
        struct incident *t = dsp_inc_find(d, into);
        int ok = t && dsp_inc_active(t) && dsp_can_see_inc(d, &req->user, t) &&
                 !dsp_inc_remote(d, t) && strcmp(t->agency, req->user.agency) == 0;
        pthread_rwlock_unlock(&d->rw);
        if (!ok)
            rc = kt_fail(KT_ENOTFOUND, "no active incident %.40s of yours to merge into", into);
        else
            c.also = t;
    }
    char also_text[96];
    snprintf(also_text, sizeof also_text, "統合: %s を併合", req->params[0]);
    c.also_text = also_text;
    if (!rc) {
        c.inc.status = INC_MERGED;
        c.inc.closed_ms = jtime_now_ms();
        snprintf(c.inc.merged_into, sizeof c.inc.merged_into, "%s", into);
        char text[96], detail[96];
        snprintf(text, sizeof text, "統合: %s へ", into);
        snprintf(detail, sizeof detail, "{\"into\":\"%s\"}", into);
        rc = chg_commit(&c, "incident.merge", "merged", text, "merged", detail);
    }
    chg_end(&c);
    return rc ? rc : dsp_reply_live(d, resp, into);
}

/* ---- recommendation ---- */

static double speed_mps(int kind)
{
    static const double kmh[] = {30, 35, 4.5, 4.5, 180, 30}; /* effective urban speeds */
    return (kind >= 0 && kind < 6 ? kmh[kind] : 20) / 3.6;
}

static int get_recommendations(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_VIEW))
        return kt_fail(KT_EFORBIDDEN, "role %s may not see recommendations", req->user.role);
    long limit = 5;
    const char *l = http_query_arg(req, "limit");
    if (l) {
        char *end;
        limit = strtol(l, &end, 10);
        if (*end || end == l || limit < 1 || limit > 50)
            return kt_fail(KT_EINVAL, "limit must be 1 to 50");
    }
    struct geo_hit hits[50];
    json_t *units = json_array();
    pthread_rwlock_rdlock(&d->rw);
    const struct incident *inc = dsp_inc_find(d, req->params[0]);
    int rc = 0;
    if (!inc || !dsp_can_see_inc(d, &req->user, inc))
        rc = kt_fail(KT_ENOTFOUND, "no active incident %.40s", req->params[0]);
    else if (!inc->has_loc)
        rc = kt_fail(KT_ECONFLICT, "incident %s has no location yet; correct it first", inc->id);
    json_t *o = NULL;
    if (!rc) {
        const struct dispatch_type *t = dispatch_type_find(inc->type);
        size_t n = geo_index_nearest(d->ix, inc->lat, inc->lon, t ? t->unit_kinds : 0, 0,
                                     (size_t)limit, hits);
        for (size_t i = 0; i < n; i++) {
            const struct unit *u = &d->units[hits[i].key];
            double eta = hits[i].distance_m * (u->kind == 4 ? 1.0 : 1.3) / speed_mps(u->kind) +
                         (u->kind == 4 ? 300 : 30);
            json_array_append_new(
                units,
                json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:I}", "id", u->id, "callsign", u->callsign,
                          "kind", dispatch_unit_kinds[u->kind].code, "station", u->station,
                          "status", dispatch_unit_status_names[u->status], "distance_m",
                          round(hits[i].distance_m), "eta_s", (json_int_t)eta));
        }
        o = json_pack("{s:s,s:o,s:O}", "incident", inc->id, "station",
                      inc->station[0] ? json_string(inc->station) : json_null(), "units", units);
    }
    pthread_rwlock_unlock(&d->rw);
    json_decref(units);
    if (rc) return rc;
    return http_reply(resp, 200, o);
}

int dsp_order_routes(struct dispatch *d, struct http_router *r)
{
    int rc = 0;
    if (!rc)
        rc = http_router_add(r, "POST", "/api/v1/incidents/:id/dispatch", post_dispatch, d,
                             HTTP_AUTH);
    if (!rc)
        rc =
            http_router_add(r, "POST", "/api/v1/incidents/:id/release", post_release, d, HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "POST", "/api/v1/incidents/:id/close", post_close, d, HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "POST", "/api/v1/incidents/:id/merge", post_merge, d, HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "GET", "/api/v1/incidents/:id/recommendations", get_recommendations,
                             d, HTTP_AUTH);
    return rc;
}
