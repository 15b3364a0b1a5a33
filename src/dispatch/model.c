/* The in-memory model of dispatch: units, stations and active incidents; loading from and
 * saving to the store; JSON views; publishing; need-to-know. */
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"
#include "dispatch/dispatch_internal.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const dispatch_inc_status_names[] = {"open", "dispatched", "on_scene", "closed",
                                                 "merged"};
const char *const dispatch_unit_status_names[] = {"available", "dispatched",   "en_route",
                                                  "on_scene",  "transporting", "out_of_service"};

int dsp_status_from_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

/* FNV-1a of a unit id. */
static size_t unit_hash(const char *id)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)h;
}

struct unit *dsp_unit_find(struct dispatch *d, const char *id)
{
    if (!id || !d->unit_nslots) return NULL;
    size_t mask = d->unit_nslots - 1;
    for (size_t i = unit_hash(id) & mask;; i = (i + 1) & mask) {
        int32_t k = d->unit_slots[i];
        if (k < 0) return NULL;
        if (strcmp(d->units[k].id, id) == 0) return &d->units[k];
    }
}

static void unit_slot_put(int32_t *slots, size_t nslots, const char *id, int32_t key)
{
    size_t i = unit_hash(id) & (nslots - 1);
    while (slots[i] >= 0)
        i = (i + 1) & (nslots - 1);
    slots[i] = key;
}

int dsp_unit_index_add(struct dispatch *d, int32_t key)
{
    assert(key >= 0 && (size_t)key < d->nunits);
    if (2 * d->nunits > d->unit_nslots) {
        size_t n = d->unit_nslots ? 2 * d->unit_nslots : 512;
        while (2 * d->nunits > n)
            n *= 2;
        int32_t *slots = malloc(n * sizeof *slots);
        if (!slots) return KT_ENOMEM;
        memset(slots, 0xff, n * sizeof *slots); /* -1 */
        for (size_t k = 0; k < d->nunits; k++)
            if ((int32_t)k != key) unit_slot_put(slots, n, d->units[k].id, (int32_t)k);
        free(d->unit_slots);
        d->unit_slots = slots;
        d->unit_nslots = n;
    }
    unit_slot_put(d->unit_slots, d->unit_nslots, d->units[key].id, key);
    return 0;
}

struct unit *dsp_unit_of_user(struct dispatch *d, const char *name)
{
    for (size_t i = 0; i < d->nunits; i++)
        if (d->units[i].signed_on[0] && strcmp(d->units[i].signed_on, name) == 0)
            return &d->units[i];
    return NULL;
}

struct incident *dsp_inc_find(struct dispatch *d, const char *id)
{
    for (size_t i = 0; id && i < d->nincs; i++)
        if (strcmp(d->incs[i]->id, id) == 0) return d->incs[i];
    return NULL;
}

int dsp_inc_add(struct dispatch *d, struct incident *inc)
{
    if (d->nincs == d->capincs) {
        size_t cap = d->capincs ? d->capincs * 2 : 64;
        struct incident **n = realloc(d->incs, cap * sizeof *n);
        if (!n) return KT_ENOMEM;
        d->incs = n;
        d->capincs = cap;
    }
    d->incs[d->nincs++] = inc;
    return 0;
}

void dsp_inc_free(struct incident *inc)
{
    if (!inc) return;
    free(inc->address);
    free(inc->narrative);
    free(inc->disp_note);
    free(inc->asg);
    inc->address = inc->narrative = inc->disp_note = NULL;
    inc->asg = NULL;
    inc->nasg = 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int dsp_inc_copy(const struct incident *src, struct incident *dst)
{
    *dst = *src;
    dst->address = dup_or_null(src->address);
    dst->narrative = dup_or_null(src->narrative);
    dst->disp_note = dup_or_null(src->disp_note);
    dst->asg = NULL;
    if (src->nasg) {
        dst->asg = malloc(src->nasg * sizeof *dst->asg);
        if (dst->asg) memcpy(dst->asg, src->asg, src->nasg * sizeof *dst->asg);
    }
    if ((src->address && !dst->address) || (src->narrative && !dst->narrative) ||
        (src->disp_note && !dst->disp_note) || (src->nasg && !dst->asg)) {
        dsp_inc_free(dst);
        return KT_ENOMEM;
    }
    return 0;
}

int dsp_inc_remote(const struct dispatch *d, const struct incident *inc)
{
    return strcmp(inc->site, bus_site(d->bus)) != 0;
}

int dsp_unit_eligible(const struct unit *u)
{
    return u->status == UNIT_AVAILABLE && u->has_fix;
}

const char *dsp_station_at(struct dispatch *d, double lat, double lon)
{
    for (size_t i = 0; i < d->nstations; i++)
        if (d->stations[i].area && geo_area_contains(d->stations[i].area, lat, lon))
            return d->stations[i].id;
    return NULL;
}

/* ---- store ---- */

static void fmt_time(int64_t ms, char *out, size_t cap)
{
    if (ms > 0)
        jtime_format_utc(ms, out, cap);
    else
        out[0] = '\0';
}

static int64_t parse_time(const char *s)
{
    int64_t ms = 0;
    if (s && *s && jtime_parse_utc(s, &ms)) ms = 0;
    return ms;
}

static void fmt_double(double v, char *out, size_t cap)
{
    snprintf(out, cap, "%.7f", v);
}

int dsp_next_id(struct store_conn *c, const char *counter, long *out)
{
    const char *p[] = {counter};
    long n = store_exec(c,
                        "INSERT INTO id_counters (type, next) VALUES (?, 0)"
                        " ON CONFLICT (type) DO NOTHING",
                        1, p, NULL);
    if (n < 0) return (int)n;
    struct store_rows *rows = NULL;
    n = store_exec(c, "UPDATE id_counters SET next = next + 1 WHERE type = ? RETURNING next", 1, p,
                   &rows);
    if (n <= 0) {
        store_rows_free(rows);
        return n < 0 ? (int)n : kt_fail(KT_ESTORE, "id counter %s missing", counter);
    }
    *out = strtol(store_rows_get(rows, 0, 0), NULL, 10);
    store_rows_free(rows);
    return 0;
}

#define INC_COLS                                                                                   \
    "id, agency, site, ext_id, status, type, priority, caller_number, location_withheld, lat,"     \
    " lon, uncertainty_m, address, narrative, station, wide_area, merged_into, disposition,"       \
    " disposition_note, created_at, dispatched_at, on_scene_at, closed_at, created_by, version"

static const char *nz(const char *s)
{
    return s && *s ? s : NULL;
}

int dsp_inc_save(struct store_conn *c, const struct incident *inc, int insert)
{
    char prio[8], wd[4], pri[8], lat[32], lon[32], unc[32], ver[16];
    char ca[32], da[32], oa[32], cl[32];
    snprintf(prio, sizeof prio, "%d", inc->priority);
    snprintf(wd, sizeof wd, "%d", inc->withheld);
    snprintf(pri, sizeof pri, "%d", inc->wide);
    fmt_double(inc->lat, lat, sizeof lat);
    fmt_double(inc->lon, lon, sizeof lon);
    fmt_double(inc->unc_m, unc, sizeof unc);
    snprintf(ver, sizeof ver, "%d", inc->version);
    fmt_time(inc->created_ms, ca, sizeof ca);
    fmt_time(inc->dispatched_ms, da, sizeof da);
    fmt_time(inc->onscene_ms, oa, sizeof oa);
    fmt_time(inc->closed_ms, cl, sizeof cl);
    const char *p[] = {inc->agency,
                       inc->site,
                       nz(inc->ext_id),
                       dispatch_inc_status_names[inc->status],
                       inc->type,
                       prio,
                       nz(inc->caller),
                       wd,
                       inc->has_loc ? lat : NULL,
                       inc->has_loc ? lon : NULL,
                       inc->has_loc ? unc : NULL,
                       inc->address,
                       inc->narrative,
                       nz(inc->station),
                       pri,
                       nz(inc->merged_into),
                       nz(inc->disposition),
                       inc->disp_note,
                       ca,
                       nz(da),
                       nz(oa),
                       nz(cl),
                       inc->created_by,
                       ver,
                       inc->id};
    long n;
    if (insert)
        n = store_exec(
            c,
            "INSERT INTO incidents (agency, site, ext_id, status, type, priority,"
            " caller_number, location_withheld, lat, lon, uncertainty_m, address,"
            " narrative, station, wide_area, merged_into, disposition, disposition_note,"
            " created_at, dispatched_at, on_scene_at, closed_at, created_by, version, id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?)",
            25, p, NULL);
    else
        n = store_exec(
            c,
            "UPDATE incidents SET agency = ?, site = ?, ext_id = ?, status = ?, type = ?,"
            " priority = ?, caller_number = ?, location_withheld = ?, lat = ?, lon = ?,"
            " uncertainty_m = ?, address = ?, narrative = ?, station = ?,"
            " wide_area = ?, merged_into = ?, disposition = ?, disposition_note = ?,"
            " created_at = ?, dispatched_at = ?, on_scene_at = ?, closed_at = ?,"
            " created_by = ?, version = ? WHERE id = ?",
            25, p, NULL);
    if (n < 0) return (int)n;
    /* Assignments: rewrite the incident's rows (few per incident). */
    const char *pi[] = {inc->id};
    n = store_exec(c, "DELETE FROM incident_units WHERE incident_id = ?", 1, pi, NULL);
    if (n < 0) return (int)n;
    for (size_t i = 0; i < inc->nasg; i++) {
        const struct assignment *a = &inc->asg[i];
        char t0[32], t1[32], t2[32], t3[32];
        fmt_time(a->dispatched_ms, t0, sizeof t0);
        fmt_time(a->ack_ms, t1, sizeof t1);
        fmt_time(a->onscene_ms, t2, sizeof t2);
        fmt_time(a->released_ms, t3, sizeof t3);
        const char *pa[] = {inc->id, a->unit, t0, nz(t1), nz(t2), nz(t3)};
        n = store_exec(c,
                       "INSERT INTO incident_units (incident_id, unit_id, dispatched_at,"
                       " acknowledged_at, on_scene_at, released_at) VALUES (?, ?, ?, ?, ?, ?)",
                       6, pa, NULL);
        if (n < 0) return (int)n;
    }
    return 0;
}

static void copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = s ? strnlen(s, cap - 1) : 0;
    if (n) memcpy(dst, s, n);
    dst[n] = '\0';
}

static void inc_from_row(struct store_rows *r, size_t i, struct incident *inc)
{
    memset(inc, 0, sizeof *inc);
    copy_str(inc->id, sizeof inc->id, store_rows_get(r, i, 0));
    copy_str(inc->agency, sizeof inc->agency, store_rows_get(r, i, 1));
    copy_str(inc->site, sizeof inc->site, store_rows_get(r, i, 2));
    copy_str(inc->ext_id, sizeof inc->ext_id, store_rows_get(r, i, 3));
    int st = dsp_status_from_name(dispatch_inc_status_names, 5, store_rows_get(r, i, 4));
    inc->status = st < 0 ? INC_OPEN : st;
    copy_str(inc->type, sizeof inc->type, store_rows_get(r, i, 5));
    inc->priority = (int)strtol(store_rows_get(r, i, 6), NULL, 10);
    copy_str(inc->caller, sizeof inc->caller, store_rows_get(r, i, 7));
    inc->withheld = strcmp(store_rows_get(r, i, 8), "0") != 0;
    if (store_rows_get(r, i, 9) && store_rows_get(r, i, 10)) {
        inc->has_loc = 1;
        inc->lat = strtod(store_rows_get(r, i, 9), NULL);
        inc->lon = strtod(store_rows_get(r, i, 10), NULL);
        inc->unc_m = store_rows_get(r, i, 11) ? strtod(store_rows_get(r, i, 11), NULL) : 0;
    }
    inc->address = dup_or_null(store_rows_get(r, i, 12));
    inc->narrative = dup_or_null(store_rows_get(r, i, 13));
    copy_str(inc->station, sizeof inc->station, store_rows_get(r, i, 14));
    inc->wide = strcmp(store_rows_get(r, i, 15), "0") != 0;
    copy_str(inc->merged_into, sizeof inc->merged_into, store_rows_get(r, i, 16));
    copy_str(inc->disposition, sizeof inc->disposition, store_rows_get(r, i, 17));
    inc->disp_note = dup_or_null(store_rows_get(r, i, 18));
    inc->created_ms = parse_time(store_rows_get(r, i, 19));
    inc->dispatched_ms = parse_time(store_rows_get(r, i, 20));
    inc->onscene_ms = parse_time(store_rows_get(r, i, 21));
    inc->closed_ms = parse_time(store_rows_get(r, i, 22));
    copy_str(inc->created_by, sizeof inc->created_by, store_rows_get(r, i, 23));
    inc->version = (int)strtol(store_rows_get(r, i, 24), NULL, 10);
}

static int load_assignments(struct store_conn *c, struct incident *inc)
{
    struct store_rows *r = NULL;
    const char *p[] = {inc->id};
    long n =
        store_exec(c,
                   "SELECT unit_id, dispatched_at, acknowledged_at, on_scene_at, released_at"
                   " FROM incident_units WHERE incident_id = ? ORDER BY dispatched_at, unit_id",
                   1, p, &r);
    if (n < 0) return (int)n;
    if (n > 0) {
        inc->asg = calloc((size_t)n, sizeof *inc->asg);
        if (!inc->asg) {
            store_rows_free(r);
            return KT_ENOMEM;
        }
    }
    for (long i = 0; i < n; i++) {
        struct assignment *a = &inc->asg[i];
        copy_str(a->unit, sizeof a->unit, store_rows_get(r, (size_t)i, 0));
        a->dispatched_ms = parse_time(store_rows_get(r, (size_t)i, 1));
        a->ack_ms = parse_time(store_rows_get(r, (size_t)i, 2));
        a->onscene_ms = parse_time(store_rows_get(r, (size_t)i, 3));
        a->released_ms = parse_time(store_rows_get(r, (size_t)i, 4));
    }
    inc->nasg = (size_t)n;
    store_rows_free(r);
    return 0;
}

int dsp_inc_load(struct store_conn *c, const char *id, struct incident *out)
{
    struct store_rows *r = NULL;
    const char *p[] = {id};
    long n = store_exec(c, "SELECT " INC_COLS " FROM incidents WHERE id = ?", 1, p, &r);
    if (n < 0) return (int)n;
    if (n == 0) {
        store_rows_free(r);
        return kt_fail(KT_ENOTFOUND, "no incident %.40s", id);
    }
    inc_from_row(r, 0, out);
    store_rows_free(r);
    int rc = load_assignments(c, out);
    if (rc) dsp_inc_free(out);
    return rc;
}

int dsp_unit_save(struct store_conn *c, const struct unit *u, int insert)
{
    char lat[32], lon[32], fix[32], now[32];
    fmt_double(u->lat, lat, sizeof lat);
    fmt_double(u->lon, lon, sizeof lon);
    fmt_time(u->fix_ms, fix, sizeof fix);
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    if (insert) {
        const char *p[] = {u->id,
                           u->callsign,
                           dispatch_unit_kinds[u->kind].code,
                           u->station,
                           u->agency,
                           dispatch_unit_status_names[u->status],
                           u->has_fix ? lat : NULL,
                           u->has_fix ? lon : NULL,
                           u->has_fix ? fix : NULL,
                           now};
        long n = store_exec(c,
                            "INSERT INTO units (id, callsign, kind, station, agency, status, lat,"
                            " lon, fix_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            10, p, NULL);
        return n < 0 ? (int)n : 0;
    }
    const char *p[] = {dispatch_unit_status_names[u->status],
                       nz(u->incident),
                       u->has_fix ? lat : NULL,
                       u->has_fix ? lon : NULL,
                       u->has_fix ? fix : NULL,
                       nz(u->signed_on),
                       u->id};
    long n = store_exec(c,
                        "UPDATE units SET status = ?, incident = ?, lat = ?, lon = ?, fix_at = ?,"
                        " signed_on = ? WHERE id = ?",
                        7, p, NULL);
    return n < 0 ? (int)n : 0;
}

int dsp_timeline(struct store_conn *c, const char *incident, const char *actor, const char *kind,
                 const char *text)
{
    char now[32];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    const char *p[] = {incident, now, actor, kind, text ? text : ""};
    long n = store_exec(c,
                        "INSERT INTO incident_timeline (incident_id, ts, actor, kind, text)"
                        " VALUES (?, ?, ?, ?, ?)",
                        5, p, NULL);
    return n < 0 ? (int)n : 0;
}

/* ---- JSON ---- */

static json_t *time_or_null(int64_t ms)
{
    if (ms <= 0) return json_null();
    char t[32];
    jtime_format_utc(ms, t, sizeof t);
    return json_string(t);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

json_t *dsp_unit_json(const struct dispatch *d, const struct unit *u)
{
    int stale = !u->has_fix || jtime_now_ms() - u->fix_ms > (int64_t)d->stale_s * 1000;
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:b,s:o,s:o}", "id", u->id, "callsign",
                     u->callsign, "kind", dispatch_unit_kinds[u->kind].code, "station", u->station,
                     "status", dispatch_unit_status_names[u->status], "lat",
                     u->has_fix ? json_real(u->lat) : json_null(), "lon",
                     u->has_fix ? json_real(u->lon) : json_null(), "fix_at",
                     u->has_fix ? time_or_null(u->fix_ms) : json_null(), "stale", stale, "incident",
                     str_or_null(u->incident), "signed_on", str_or_null(u->signed_on));
}

json_t *dsp_inc_json(const struct dispatch *d, const struct incident *inc)
{
    const struct dispatch_type *t = dispatch_type_find(inc->type);
    json_t *loc = inc->has_loc ? json_pack("{s:f,s:f,s:f}", "lat", inc->lat, "lon", inc->lon,
                                           "uncertainty_m", inc->unc_m)
                               : json_null();
    json_t *disp = json_null();
    if (inc->disposition[0]) {
        const struct dispatch_named *dn =
            dispatch_named_find(dispatch_dispositions, inc->disposition);
        disp = json_pack("{s:s,s:s,s:o}", "code", inc->disposition, "label",
                         dn ? dn->label : inc->disposition, "note", str_or_null(inc->disp_note));
    }
    json_t *units = json_array();
    for (size_t i = 0; i < inc->nasg; i++) {
        const struct assignment *a = &inc->asg[i];
        const struct unit *u = dsp_unit_find((struct dispatch *)d, a->unit);
        json_array_append_new(units, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o}", "id", a->unit,
                                               "callsign", u ? u->callsign : a->unit, "kind",
                                               u ? dispatch_unit_kinds[u->kind].code : "", "status",
                                               u ? dispatch_unit_status_names[u->status] : "",
                                               "dispatched_at", time_or_null(a->dispatched_ms),
                                               "acknowledged_at", time_or_null(a->ack_ms),
                                               "on_scene_at", time_or_null(a->onscene_ms),
                                               "released_at", time_or_null(a->released_ms)));
    }
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:i,s:o,s:b,s:o,s:o,s:o,s:o,s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:o,"
        "s:s,s:i,s:o,s:o}",
        "id", inc->id, "status", dispatch_inc_status_names[inc->status], "type", inc->type,
        "type_label", t ? t->label : inc->type, "category", t ? t->category : "", "priority",
        inc->priority, "caller_number", str_or_null(inc->caller), "location_withheld",
        inc->withheld, "location", loc, "address", str_or_null(inc->address), "narrative",
        str_or_null(inc->narrative), "station", str_or_null(inc->station), "agency", inc->agency,
        "site", inc->site, "wide_area", inc->wide, "merged_into", str_or_null(inc->merged_into),
        "disposition", disp, "created_at", time_or_null(inc->created_ms), "dispatched_at",
        time_or_null(inc->dispatched_ms), "on_scene_at", time_or_null(inc->onscene_ms), "closed_at",
        time_or_null(inc->closed_ms), "created_by", inc->created_by, "version", inc->version,
        "units", units, "ext_id", str_or_null(inc->ext_id));
}

json_t *dsp_inc_json_full(struct dispatch *d, struct store_conn *c, const struct incident *inc)
{
    json_t *o = dsp_inc_json(d, inc);
    if (!o) return NULL;
    json_t *tl = json_array(), *att = json_array();
    struct store_rows *r = NULL;
    const char *p[] = {inc->id};
    long n = store_exec(c,
                        "SELECT ts, actor, kind, text FROM incident_timeline WHERE incident_id = ?"
                        " ORDER BY id",
                        1, p, &r);
    for (long i = 0; i < n; i++)
        json_array_append_new(
            tl, json_pack("{s:s,s:s,s:s,s:s}", "ts", store_rows_get(r, (size_t)i, 0), "actor",
                          store_rows_get(r, (size_t)i, 1), "kind", store_rows_get(r, (size_t)i, 2),
                          "text", store_rows_get(r, (size_t)i, 3)));
    store_rows_free(r);
    r = NULL;
    n = store_exec(c,
                   "SELECT id, kind, text, mime, actor, ts FROM incident_attachments"
                   " WHERE incident_id = ? ORDER BY id",
                   1, p, &r);
    for (long i = 0; i < n; i++)
        json_array_append_new(
            att, json_pack("{s:I,s:s,s:o,s:o,s:s,s:s}", "id",
                           (json_int_t)strtoll(store_rows_get(r, (size_t)i, 0), NULL, 10), "kind",
                           store_rows_get(r, (size_t)i, 1), "text",
                           str_or_null(store_rows_get(r, (size_t)i, 2)), "mime",
                           str_or_null(store_rows_get(r, (size_t)i, 3)), "by",
                           store_rows_get(r, (size_t)i, 4), "ts", store_rows_get(r, (size_t)i, 5)));
    store_rows_free(r);
    json_object_set_new(o, "timeline", tl);
    json_object_set_new(o, "attachments", att);
    return o;
}

/* ---- events ---- */

void dsp_publish(struct dispatch *d, const char *type, const struct bus_scope *scope, json_t *data)
{
    if (!data) return;
    char *text = json_dumps(data, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(data);
    if (!text) return;
    if (bus_publish(d->bus, "dispatch", type, scope, text, NULL))
        kt_log_warn("dispatch: publishing %s failed: %s", type, kt_errmsg());
    free(text);
}

void dsp_publish_incident(struct dispatch *d, const struct incident *inc, const char *change)
{
    struct bus_scope sc;
    memset(&sc, 0, sizeof sc);
    copy_str(sc.agency, sizeof sc.agency, inc->agency);
    copy_str(sc.station, sizeof sc.station, inc->station);
    copy_str(sc.incident, sizeof sc.incident, inc->id);
    /* Copies of other sites' incidents are never re-exported. */
    sc.wide = inc->wide && !dsp_inc_remote(d, inc);
    pthread_rwlock_rdlock(&d->rw);
    json_t *o = dsp_inc_json(d, inc);
    pthread_rwlock_unlock(&d->rw);
    if (o) json_object_set_new(o, "change", json_string(change));
    dsp_publish(d, "incident", &sc, o);
}

void dsp_publish_unit(struct dispatch *d, const struct unit *live)
{
    pthread_rwlock_rdlock(&d->rw);
    struct unit snap = *live;
    pthread_rwlock_unlock(&d->rw);
    const struct unit *u = &snap;
    struct bus_scope sc;
    memset(&sc, 0, sizeof sc);
    copy_str(sc.agency, sizeof sc.agency, u->agency);
    copy_str(sc.station, sizeof sc.station, u->station);
    copy_str(sc.unit, sizeof sc.unit, u->id);
    copy_str(sc.incident, sizeof sc.incident, u->incident);
    dsp_publish(d, "unit", &sc, dsp_unit_json(d, u));
}

/* ---- need-to-know ---- */

static int is_role(const struct auth_user *u, const char *role)
{
    return strcmp(u->role, role) == 0;
}

static int inc_has_unit(const struct incident *inc, const char *unit)
{
    for (size_t i = 0; unit && i < inc->nasg; i++)
        if (strcmp(inc->asg[i].unit, unit) == 0) return 1;
    return 0;
}

static int inc_has_station_unit(struct dispatch *d, const struct incident *inc, const char *st)
{
    for (size_t i = 0; i < inc->nasg; i++) {
        const struct unit *un = dsp_unit_find(d, inc->asg[i].unit);
        if (un && strcmp(un->station, st) == 0) return 1;
    }
    return 0;
}

int dsp_can_see_inc(struct dispatch *d, const struct auth_user *u, const struct incident *inc)
{
    if (!auth_can(u, AUTH_DISPATCH_VIEW)) return 0;
    if (is_role(u, "station"))
        return u->station[0] &&
               (strcmp(inc->station, u->station) == 0 || inc_has_station_unit(d, inc, u->station));
    if (is_role(u, "officer")) {
        const struct unit *mine = dsp_unit_of_user(d, u->name);
        return mine && inc_has_unit(inc, mine->id);
    }
    /* Command-room roles: their agency's incidents and wide-area ones from other sites. */
    return strcmp(inc->agency, u->agency) == 0 || inc->wide;
}

int dsp_can_see_unit(struct dispatch *d, const struct auth_user *u, const struct unit *un)
{
    (void)d;
    if (!auth_can(u, AUTH_DISPATCH_VIEW)) return 0;
    if (is_role(u, "station")) return u->station[0] && strcmp(un->station, u->station) == 0;
    if (is_role(u, "officer"))
        return strcmp(un->signed_on, u->name) == 0 ||
               (u->station[0] && strcmp(un->station, u->station) == 0);
    return strcmp(un->agency, u->agency) == 0;
}

int dispatch_sse_filter(void *ctx, const struct auth_user *u, const struct bus_event *ev)
{
    struct dispatch *d = ctx;
    if (strcmp(ev->module, "dispatch") != 0) return 0;
    if (!auth_can(u, AUTH_DISPATCH_VIEW)) return 0;
    int ok = 0;
    pthread_rwlock_rdlock(&d->rw);
    if (ev->scope.incident[0] && strcmp(ev->type, "unit") != 0 && strcmp(ev->type, "order") != 0) {
        const struct incident *inc = dsp_inc_find(d, ev->scope.incident);
        ok = inc ? dsp_can_see_inc(d, u, inc) : 0;
    } else if (ev->scope.unit[0]) {
        const struct unit *un = dsp_unit_find(d, ev->scope.unit);
        if (un && strcmp(u->role, "officer") == 0)
            /* A terminal's stream: only its own unit's status, positions and orders. */
            ok = strcmp(un->signed_on, u->name) == 0;
        else
            ok = un ? dsp_can_see_unit(d, u, un) : 0;
    } else {
        /* Alerts and other agency-wide events. */
        ok = !ev->scope.agency[0] || strcmp(ev->scope.agency, u->agency) == 0 || ev->scope.wide;
    }
    pthread_rwlock_unlock(&d->rw);
    return ok;
}
