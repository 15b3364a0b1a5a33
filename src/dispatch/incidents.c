/* HTTP and logic for incidents: intake (110番受理), corrections, merge, dispatch, release,
 * close, listing and reading with need-to-know. */
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

static int active(const struct incident *inc)
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
        if (o == inc || !active(o) || strcmp(o->type, inc->type) != 0 || !o->has_loc ||
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
static int reply_live(struct dispatch *d, struct http_response *resp, const char *id)
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
        int a = active(inc);
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
    if (!rc && !active(w))
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
    return rc ? rc : reply_live(d, resp, req->params[0]);
}

/* POST /incidents/:id/dispatch {"units":[…]}: every unit must be available, or nothing
 * changes. Sends each unit its order. */
static int post_dispatch(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_ORDER))
        return kt_fail(KT_EFORBIDDEN, "role %s may not dispatch", req->user.role);
    static const char *const f[] = {"units", NULL};
    json_t *arr = NULL;
    int rc =
        req->json ? http_json_only(req->json, "dispatch", f) : kt_fail(KT_EINVAL, "body required");
    if (!rc) rc = body_str_array(req->json, "units", CHG_MAXU, 15, &arr);
    if (rc) return rc;
    struct chg c;
    rc = chg_begin(d, &req->user, req->params[0], &c);
    if (!rc && dsp_inc_remote(d, &c.inc))
        rc = kt_fail(KT_ECONFLICT, "a copy of another site's incident is read-only");
    if (!rc && !active(&c.inc))
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
    return rc ? rc : reply_live(d, resp, req->params[0]);
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
    if (!auth_can(&req->user, AUTH_DISPATCH_ORDER))
        return kt_fail(KT_EFORBIDDEN, "role %s may not release units", req->user.role);
    static const char *const f[] = {"units", NULL};
    json_t *arr = NULL;
    int rc =
        req->json ? http_json_only(req->json, "release", f) : kt_fail(KT_EINVAL, "body required");
    if (!rc) rc = body_str_array(req->json, "units", CHG_MAXU, 15, &arr);
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
    return rc ? rc : reply_live(d, resp, req->params[0]);
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
    if (!rc && !active(&c.inc))
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
    return rc ? rc : reply_live(d, resp, req->params[0]);
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
    if (!rc && !active(&c.inc))
        rc = kt_fail(KT_ECONFLICT, "incident %s is %s", c.inc.id,
                     dispatch_inc_status_names[c.inc.status]);
    for (size_t i = 0; !rc && i < c.inc.nasg; i++)
        if (!c.inc.asg[i].released_ms)
            rc = kt_fail(KT_ECONFLICT, "release the units of %s before merging it", c.inc.id);
    if (!rc) {
        /* The survivor is written in the same change, so it must be one u may change. */
        pthread_rwlock_rdlock(&d->rw);
        struct incident *t = dsp_inc_find(d, into);
        int ok = t && active(t) && dsp_can_see_inc(d, &req->user, t) && !dsp_inc_remote(d, t) &&
                 strcmp(t->agency, req->user.agency) == 0;
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
    return rc ? rc : reply_live(d, resp, into);
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

int dsp_incident_routes(struct dispatch *d, struct http_router *r)
{
    int rc = 0;
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/incidents", post_incident, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/incidents", list_incidents, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/incidents/:id", get_incident, d, HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "PATCH", "/api/v1/incidents/:id", patch_incident, d, HTTP_AUTH);
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
