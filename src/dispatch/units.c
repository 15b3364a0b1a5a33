/* HTTP and logic for units (patrol cars, 白バイ, officers on foot, 交番, helicopters, boats):
 * registration, AVL positions, status changes, terminal sign-on and order acknowledgement;
 * and stations with their areas. */
#include "base/err.h"
#include "base/jtime.h"
#include "dispatch/body.h"
#include "dispatch/dispatch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statuses a unit (its terminal or station) may move to from each status by itself
 * (docs/dispatch.md). Leaving an assignment (→ available) is the dispatcher's release or the
 * incident's close; dispatched comes only from a dispatch. */
static const unsigned self_moves[UNIT_NSTATUS] = {
    [UNIT_AVAILABLE] = 1u << UNIT_OUT_OF_SERVICE,
    [UNIT_DISPATCHED] = 1u << UNIT_EN_ROUTE | 1u << UNIT_ON_SCENE,
    [UNIT_EN_ROUTE] = 1u << UNIT_ON_SCENE,
    [UNIT_ON_SCENE] = 1u << UNIT_TRANSPORTING,
    [UNIT_TRANSPORTING] = 1u << UNIT_ON_SCENE,
    [UNIT_OUT_OF_SERVICE] = 1u << UNIT_AVAILABLE,
};
/* A dispatcher may also release a unit (→ available) from any assigned status. */
static const unsigned order_moves = 1u << UNIT_AVAILABLE;

static int grow_units(struct dispatch *d)
{
    if (d->nunits < d->capunits) return 0;
    size_t cap = d->capunits ? d->capunits * 2 : 256;
    struct unit *n = realloc(d->units, cap * sizeof *n);
    if (!n) return KT_ENOMEM;
    d->units = n;
    d->capunits = cap;
    return 0;
}

/* Adds a unit to the model (under rw write lock). */
int dsp_unit_add(struct dispatch *d, const struct unit *u)
{
    if (grow_units(d)) return KT_ENOMEM;
    struct unit *n = &d->units[d->nunits];
    *n = *u;
    n->key = (int32_t)d->nunits;
    d->nunits++;
    if (dsp_unit_index_add(d, n->key)) {
        d->nunits--;
        return KT_ENOMEM;
    }
    if (n->has_fix)
        return geo_index_put(d->ix, n->key, n->lat, n->lon, 1u << n->kind, dsp_unit_eligible(n));
    return 0;
}

static int station_known(struct dispatch *d, const char *id)
{
    for (size_t i = 0; i < d->nstations; i++)
        if (strcmp(d->stations[i].id, id) == 0) return 1;
    return 0;
}

static const char *const unit_fields[] = {"callsign", "kind", "station", "lat", "lon", NULL};

int dsp_unit_create(struct dispatch *d, const struct auth_user *u, json_t *body, char *id_out,
                    size_t cap)
{
    if (!auth_can(u, AUTH_DISPATCH_ADMIN))
        return kt_fail(KT_EFORBIDDEN, "role %s may not register units", u->role);
    const char *callsign, *kind, *station;
    double lat = 0, lon = 0;
    int hl = 0, hn = 0;
    int rc = http_json_only(body, "unit", unit_fields);
    if (!rc) rc = http_json_str(body, "callsign", 1, 15, &callsign);
    if (!rc) rc = http_json_str(body, "kind", 1, 23, &kind);
    if (!rc) rc = http_json_str(body, "station", 1, 63, &station);
    if (!rc) rc = body_num(body, "lat", 0, -90, 90, &lat, &hl);
    if (!rc) rc = body_num(body, "lon", 0, -180, 180, &lon, &hn);
    if (rc) return rc;
    if (hl != hn) return kt_fail(KT_EINVAL, "lat and lon go together");
    struct unit un;
    memset(&un, 0, sizeof un);
    un.kind = dispatch_unit_kind_bit(kind);
    if (un.kind < 0)
        return kt_fail(KT_EVALID, "kind must be one of patrol_car, motorcycle, foot, koban,"
                                  " helicopter, boat");
    snprintf(un.callsign, sizeof un.callsign, "%s", callsign);
    snprintf(un.station, sizeof un.station, "%s", station);
    snprintf(un.agency, sizeof un.agency, "%s", u->agency);
    un.status = UNIT_AVAILABLE;
    if (hl) {
        un.has_fix = 1;
        un.lat = lat;
        un.lon = lon;
        un.fix_ms = jtime_now_ms();
    }
    struct chg c;
    chg_begin(d, u, NULL, &c);
    pthread_rwlock_rdlock(&d->rw);
    int known = station_known(d, station), dup = 0;
    for (size_t i = 0; i < d->nunits; i++)
        dup |= strcmp(d->units[i].callsign, callsign) == 0;
    pthread_rwlock_unlock(&d->rw);
    if (!known) rc = kt_fail(KT_EVALID, "no station %s (POST /api/v1/stations first)", station);
    if (!rc && dup) rc = kt_fail(KT_ECONFLICT, "callsign %s is taken", callsign);
    struct store_conn *conn;
    store_get(d->st, &conn);
    long num = 0;
    int began = 0;
    if (!rc) began = !(rc = audit_tx_begin(d->au, conn));
    if (!rc) rc = dsp_next_id(conn, "unit", &num);
    if (!rc) {
        snprintf(un.id, sizeof un.id, "U-%04ld", num);
        rc = dsp_unit_save(conn, &un, 1);
    }
    if (!rc) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"station\":\"%s\"}",
                 dispatch_unit_kinds[un.kind].code, un.station);
        struct audit_entry e = {.action = "unit.register", .target = un.id, .detail = detail};
        rc = audit_append(d->au, conn, u, &e, NULL);
        rc = audit_tx_finish(d->au, conn, rc);
    } else if (began) {
        /* Only a transaction this call began is ended: finishing releases the audit chain
         * lock, which another writer may hold otherwise. */
        audit_tx_finish(d->au, conn, rc);
    }
    store_put(d->st, conn);
    struct unit *live = NULL;
    if (!rc) {
        pthread_rwlock_wrlock(&d->rw);
        rc = dsp_unit_add(d, &un);
        live = rc ? NULL : &d->units[d->nunits - 1];
        pthread_rwlock_unlock(&d->rw);
    }
    if (live) dsp_publish_unit(d, live);
    chg_end(&c);
    if (!rc) snprintf(id_out, cap, "%s", un.id);
    return rc;
}

static int post_unit(void *ctx, struct http_request *req, struct http_response *resp)
{
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    char id[16];
    int rc = dsp_unit_create(ctx, &req->user, req->json, id, sizeof id);
    return rc ? rc : http_reply(resp, 201, json_pack("{s:s}", "id", id));
}

static int list_units(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_VIEW))
        return kt_fail(KT_EFORBIDDEN, "role %s may not see units", req->user.role);
    json_t *arr = json_array();
    pthread_rwlock_rdlock(&d->rw);
    for (size_t i = 0; i < d->nunits; i++)
        if (dsp_can_see_unit(d, &req->user, &d->units[i]))
            json_array_append_new(arr, dsp_unit_json(d, &d->units[i]));
    pthread_rwlock_unlock(&d->rw);
    return http_reply(resp, 200, json_pack("{s:o}", "units", arr));
}

static int get_unit(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    pthread_rwlock_rdlock(&d->rw);
    const struct unit *u = dsp_unit_find(d, req->params[0]);
    json_t *o = u && dsp_can_see_unit(d, &req->user, u) ? dsp_unit_json(d, u) : NULL;
    pthread_rwlock_unlock(&d->rw);
    if (!o) return kt_fail(KT_ENOTFOUND, "no unit %.40s", req->params[0]);
    return http_reply(resp, 200, o);
}

/* May user u work unit un as its terminal or station (under rw)? Dispatchers may too. */
static int may_work(const struct auth_user *u, const struct unit *un)
{
    if (auth_can(u, AUTH_DISPATCH_ORDER)) return strcmp(un->agency, u->agency) == 0;
    if (strcmp(u->role, "station") == 0) return u->station[0] && !strcmp(un->station, u->station);
    if (strcmp(u->role, "officer") == 0) return strcmp(un->signed_on, u->name) == 0;
    return 0;
}

static const char *const pos_fields[] = {"lat", "lon", "accuracy_m", "heading", "speed_kmh", NULL};

/* POST /units/:id/position: applied in memory at once, written to the store by the writer. */
static int post_position(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    double lat, lon, x;
    int rc = http_json_only(req->json, "position", pos_fields);
    if (!rc) rc = body_num(req->json, "lat", 1, -90, 90, &lat, NULL);
    if (!rc) rc = body_num(req->json, "lon", 1, -180, 180, &lon, NULL);
    if (!rc) rc = body_num(req->json, "accuracy_m", 0, 0, 100000, &x, NULL);
    if (!rc) rc = body_num(req->json, "heading", 0, 0, 360, &x, NULL);
    if (!rc) rc = body_num(req->json, "speed_kmh", 0, 0, 1000, &x, NULL);
    if (rc) return rc;
    int64_t now = jtime_now_ms();
    struct bus_scope sc;
    memset(&sc, 0, sizeof sc);
    pthread_rwlock_wrlock(&d->rw);
    struct unit *u = dsp_unit_find(d, req->params[0]);
    if (!u || !dsp_can_see_unit(d, &req->user, u))
        rc = kt_fail(KT_ENOTFOUND, "no unit %.40s", req->params[0]);
    else if (!may_work(&req->user, u))
        rc = kt_fail(KT_EFORBIDDEN, "only the unit's signed-on terminal reports its position");
    else {
        u->has_fix = 1;
        u->lat = lat;
        u->lon = lon;
        u->fix_ms = now;
        u->dirty = 1;
        rc = geo_index_put(d->ix, u->key, lat, lon, 1u << u->kind, dsp_unit_eligible(u));
        snprintf(sc.agency, sizeof sc.agency, "%s", u->agency);
        snprintf(sc.station, sizeof sc.station, "%s", u->station);
        snprintf(sc.unit, sizeof sc.unit, "%s", u->id);
    }
    pthread_rwlock_unlock(&d->rw);
    if (rc) return rc;
    char ts[32];
    jtime_format_utc(now, ts, sizeof ts);
    dsp_publish(d, "position", &sc,
                json_pack("{s:s,s:f,s:f,s:s}", "unit", sc.unit, "lat", lat, "lon", lon, "ts", ts));
    return http_reply(resp, 200, json_pack("{s:b}", "ok", 1));
}

static int post_status(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    static const char *const f[] = {"status", NULL};
    const char *name = NULL;
    int rc =
        req->json ? http_json_only(req->json, "status", f) : kt_fail(KT_EINVAL, "body required");
    if (!rc) rc = http_json_str(req->json, "status", 1, 23, &name);
    if (rc) return rc;
    int to = dsp_status_from_name(dispatch_unit_status_names, UNIT_NSTATUS, name);
    if (to < 0)
        return kt_fail(KT_EVALID, "status must be one of available, dispatched, en_route,"
                                  " on_scene, transporting, out_of_service");
    struct chg c;
    chg_begin(d, &req->user, NULL, &c);
    struct unit *un = NULL;
    rc = chg_unit(&c, req->params[0], &un);
    if (!rc && !may_work(&req->user, un))
        rc = kt_fail(KT_EFORBIDDEN, "role %s may not change the status of %s", req->user.role,
                     un->id);
    int from = un ? un->status : 0;
    if (!rc && to != from) {
        unsigned allowed = self_moves[from];
        if (auth_can(&req->user, AUTH_DISPATCH_ORDER) && un->incident[0]) allowed |= order_moves;
        if (!(allowed >> to & 1u))
            rc = kt_fail(KT_ECONFLICT, "a unit that is %s cannot become %s%s",
                         dispatch_unit_status_names[from], name,
                         to == UNIT_DISPATCHED ? " (dispatch it to an incident instead)" : "");
    }
    /* The incident follows its units: first arrival puts it on scene; available ends the
     * unit's assignment. */
    char incident[32] = "";
    if (!rc && to != from && un->incident[0]) {
        snprintf(incident, sizeof incident, "%s", un->incident);
        pthread_rwlock_rdlock(&d->rw);
        struct incident *live = dsp_inc_find(d, incident);
        if (live) rc = dsp_inc_copy(live, &c.inc);
        pthread_rwlock_unlock(&d->rw);
        if (!rc && live) c.live = live;
    }
    if (!rc && to != from) {
        int64_t now = jtime_now_ms();
        if (c.live) {
            struct assignment *a = chg_asg_active(&c.inc, un->id);
            if (a && to == UNIT_ON_SCENE && !a->onscene_ms) a->onscene_ms = now;
            if (a && to == UNIT_AVAILABLE) a->released_ms = now;
            if (to == UNIT_ON_SCENE && !c.inc.onscene_ms) c.inc.onscene_ms = now;
            if (to == UNIT_ON_SCENE && c.inc.status == INC_DISPATCHED) c.inc.status = INC_ON_SCENE;
        }
        un->status = to;
        if (to == UNIT_AVAILABLE) un->incident[0] = '\0';
        const char *labels[] = {"待機", "指令済", "出向中", "現着", "搬送中", "非稼働"};
        char text[128], detail[96];
        snprintf(text, sizeof text, "%s: %s", un->callsign, labels[to]);
        snprintf(detail, sizeof detail, "{\"from\":\"%s\",\"to\":\"%s\"}",
                 dispatch_unit_status_names[from], name);
        rc = chg_commit(&c, "unit.status", "status", text,
                        to == UNIT_ON_SCENE ? "on_scene" : "updated", detail);
    }
    json_t *o = NULL;
    if (!rc) {
        pthread_rwlock_rdlock(&d->rw);
        o = dsp_unit_json(d, c.ulive[0]);
        pthread_rwlock_unlock(&d->rw);
    }
    chg_end(&c);
    return rc ? rc : http_reply(resp, 200, o);
}

/* POST /units/:id/signon: an officer's terminal takes the unit (one terminal per unit, one
 * unit per officer; signing on again elsewhere moves it). */
static int post_signon(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_TERMINAL))
        return kt_fail(KT_EFORBIDDEN, "only an officer's terminal signs on to a unit");
    static const char *const f[] = {NULL};
    if (req->json) {
        int rc = http_json_only(req->json, "signon", f);
        if (rc) return rc;
    }
    struct chg c;
    chg_begin(d, &req->user, NULL, &c);
    pthread_rwlock_rdlock(&d->rw);
    struct unit *prev = dsp_unit_of_user(d, req->user.name);
    char prev_id[16] = "";
    if (prev) snprintf(prev_id, sizeof prev_id, "%s", prev->id);
    pthread_rwlock_unlock(&d->rw);
    struct unit *un = NULL, *old = NULL;
    int rc = chg_unit(&c, req->params[0], &un);
    if (!rc && (!req->user.station[0] || strcmp(un->station, req->user.station) != 0))
        rc = kt_fail(KT_EFORBIDDEN, "unit %s belongs to another station", un->id);
    if (!rc && un->signed_on[0] && strcmp(un->signed_on, req->user.name) != 0)
        rc = kt_fail(KT_ECONFLICT, "unit %s is signed on by %s", un->id, un->signed_on);
    if (!rc && prev_id[0] && strcmp(prev_id, un->id) != 0 && !(rc = chg_unit(&c, prev_id, &old)))
        old->signed_on[0] = '\0';
    if (!rc) {
        snprintf(un->signed_on, sizeof un->signed_on, "%s", req->user.name);
        rc = chg_commit(&c, "unit.signon", NULL, NULL, NULL, NULL);
    }
    json_t *o = NULL;
    if (!rc) {
        pthread_rwlock_rdlock(&d->rw);
        o = dsp_unit_json(d, dsp_unit_find(d, req->params[0]));
        pthread_rwlock_unlock(&d->rw);
    }
    chg_end(&c);
    return rc ? rc : http_reply(resp, 200, o);
}

static int post_ack(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    static const char *const f[] = {"incident", NULL};
    const char *incident = NULL;
    int rc = req->json ? http_json_only(req->json, "ack", f) : kt_fail(KT_EINVAL, "body required");
    if (!rc) rc = http_json_str(req->json, "incident", 1, 31, &incident);
    if (rc) return rc;
    struct chg c;
    chg_begin(d, &req->user, NULL, &c);
    struct unit *un = NULL;
    rc = chg_unit(&c, req->params[0], &un);
    if (!rc && !may_work(&req->user, un))
        rc = kt_fail(KT_EFORBIDDEN, "only the unit's terminal acknowledges its orders");
    if (!rc && strcmp(un->incident, incident) != 0)
        rc = kt_fail(KT_ECONFLICT, "unit %s has no order for %s", un->id, incident);
    if (!rc) {
        pthread_rwlock_rdlock(&d->rw);
        struct incident *live = dsp_inc_find(d, incident);
        if (live) rc = dsp_inc_copy(live, &c.inc);
        pthread_rwlock_unlock(&d->rw);
        if (!live)
            rc = kt_fail(KT_ENOTFOUND, "no incident %.40s", incident);
        else if (!rc)
            c.live = live;
    }
    struct assignment *a = rc ? NULL : chg_asg_active(&c.inc, un->id);
    if (!rc && !a) rc = kt_fail(KT_ECONFLICT, "unit %s has no order for %s", un->id, incident);
    if (!rc && a->ack_ms) rc = kt_fail(KT_ECONFLICT, "already acknowledged");
    if (!rc) {
        a->ack_ms = jtime_now_ms();
        char text[96];
        snprintf(text, sizeof text, "%s: 指令受領", un->callsign);
        c.nu = 0; /* the unit itself does not change */
        rc = chg_commit(&c, "unit.ack", "acknowledged", text, "updated", NULL);
    }
    chg_end(&c);
    return rc ? rc : http_reply(resp, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- stations ---- */

static const char *const station_fields[] = {"id", "name", "area", NULL};

int dsp_station_create(struct dispatch *d, const struct auth_user *u, json_t *body)
{
    if (!auth_can(u, AUTH_DISPATCH_ADMIN))
        return kt_fail(KT_EFORBIDDEN, "role %s may not register stations", u->role);
    const char *id, *name;
    int rc = http_json_only(body, "station", station_fields);
    if (!rc) rc = http_json_str(body, "id", 1, 63, &id);
    if (!rc) rc = http_json_str(body, "name", 1, 60, &name);
    if (rc) return rc;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("._-", *p)))
            return kt_fail(KT_EVALID, "station id must be [A-Za-z0-9._-]");
    json_t *area = json_object_get(body, "area");
    if (!area) return kt_fail(KT_EINVAL, "area is required (a GeoJSON Polygon or MultiPolygon)");
    struct geo_area *ga = NULL;
    if ((rc = geo_area_parse(area, &ga))) return rc;
    char *area_text = json_dumps(area, JSON_COMPACT);
    struct chg c;
    chg_begin(d, u, NULL, &c);
    pthread_rwlock_rdlock(&d->rw);
    int dup = station_known(d, id);
    pthread_rwlock_unlock(&d->rw);
    if (dup) rc = kt_fail(KT_ECONFLICT, "station %s exists", id);
    if (!rc && !area_text) rc = KT_ENOMEM;
    struct store_conn *conn;
    store_get(d->st, &conn);
    if (!rc && !(rc = audit_tx_begin(d->au, conn))) {
        char now[32];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        const char *p[] = {id, name, u->agency, area_text, now};
        long n = store_exec(conn,
                            "INSERT INTO stations (id, name, agency, area, created_at)"
                            " VALUES (?, ?, ?, ?, ?)",
                            5, p, NULL);
        rc = n < 0 ? (int)n : 0;
        struct audit_entry e = {.action = "station.register", .target = id};
        if (!rc) rc = audit_append(d->au, conn, u, &e, NULL);
        rc = audit_tx_finish(d->au, conn, rc);
    }
    store_put(d->st, conn);
    free(area_text);
    if (!rc) {
        pthread_rwlock_wrlock(&d->rw);
        struct station *ns = realloc(d->stations, (d->nstations + 1) * sizeof *ns);
        if (ns) {
            d->stations = ns;
            struct station *s = &ns[d->nstations++];
            memset(s, 0, sizeof *s);
            snprintf(s->id, sizeof s->id, "%s", id);
            snprintf(s->name, sizeof s->name, "%s", name);
            snprintf(s->agency, sizeof s->agency, "%s", u->agency);
            s->area = ga;
            s->area_json = json_deep_copy(area);
            ga = NULL;
        } else {
            rc = KT_ENOMEM;
        }
        pthread_rwlock_unlock(&d->rw);
    }
    geo_area_free(ga);
    chg_end(&c);
    return rc;
}

static int post_station(void *ctx, struct http_request *req, struct http_response *resp)
{
    if (!req->json) return kt_fail(KT_EINVAL, "a JSON body is required");
    int rc = dsp_station_create(ctx, &req->user, req->json);
    return rc ? rc
              : http_reply(resp, 201, json_pack("{s:O}", "id", json_object_get(req->json, "id")));
}

static int list_stations(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct dispatch *d = ctx;
    if (!auth_can(&req->user, AUTH_DISPATCH_VIEW))
        return kt_fail(KT_EFORBIDDEN, "role %s may not see stations", req->user.role);
    json_t *arr = json_array();
    pthread_rwlock_rdlock(&d->rw);
    for (size_t i = 0; i < d->nstations; i++)
        json_array_append_new(arr,
                              json_pack("{s:s,s:s,s:O}", "id", d->stations[i].id, "name",
                                        d->stations[i].name, "area", d->stations[i].area_json));
    pthread_rwlock_unlock(&d->rw);
    return http_reply(resp, 200, json_pack("{s:o}", "stations", arr));
}

static int get_codes(void *ctx, struct http_request *req, struct http_response *resp)
{
    (void)ctx;
    (void)req;
    return http_reply(resp, 200, dispatch_codes_json());
}

int dsp_unit_routes(struct dispatch *d, struct http_router *r)
{
    int rc = 0;
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/units", post_unit, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/units", list_units, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/units/:id", get_unit, d, HTTP_AUTH);
    if (!rc)
        rc = http_router_add(r, "POST", "/api/v1/units/:id/position", post_position, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/units/:id/status", post_status, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/units/:id/signon", post_signon, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/units/:id/ack", post_ack, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "POST", "/api/v1/stations", post_station, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/stations", list_stations, d, HTTP_AUTH);
    if (!rc) rc = http_router_add(r, "GET", "/api/v1/dispatch/codes", get_codes, d, HTTP_AUTH);
    return rc;
}
