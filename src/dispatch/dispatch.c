/* The dispatch service: start (load from the store), the position writer, routes, demo data
 * and wide-area copies from other sites. */
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"
#include "dispatch/dispatch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEEP_CLOSED_MS (24LL * 3600 * 1000)

static int load_stations(struct dispatch *d, struct store_conn *c)
{
    struct store_rows *r = NULL;
    long n = store_exec(c, "SELECT id, name, agency, area FROM stations ORDER BY id", 0, NULL, &r);
    if (n < 0) return (int)n;
    d->stations = n ? calloc((size_t)n, sizeof *d->stations) : NULL;
    if (n && !d->stations) {
        store_rows_free(r);
        return KT_ENOMEM;
    }
    for (long i = 0; i < n; i++) {
        struct station *s = &d->stations[d->nstations];
        snprintf(s->id, sizeof s->id, "%s", store_rows_get(r, (size_t)i, 0));
        snprintf(s->name, sizeof s->name, "%s", store_rows_get(r, (size_t)i, 1));
        snprintf(s->agency, sizeof s->agency, "%s", store_rows_get(r, (size_t)i, 2));
        s->area_json = json_loads(store_rows_get(r, (size_t)i, 3), 0, NULL);
        if (!s->area_json || geo_area_parse(s->area_json, &s->area)) {
            kt_log_warn("dispatch: station %s has an unreadable area; skipped", s->id);
            json_decref(s->area_json);
            s->area_json = NULL;
            continue;
        }
        d->nstations++;
    }
    store_rows_free(r);
    return 0;
}

static int load_units(struct dispatch *d, struct store_conn *c)
{
    struct store_rows *r = NULL;
    long n = store_exec(c,
                        "SELECT id, callsign, kind, station, agency, status, incident, lat, lon,"
                        " fix_at, signed_on FROM units ORDER BY id",
                        0, NULL, &r);
    if (n < 0) return (int)n;
    int rc = 0;
    for (long i = 0; !rc && i < n; i++) {
        size_t k = (size_t)i;
        struct unit u;
        memset(&u, 0, sizeof u);
        snprintf(u.id, sizeof u.id, "%s", store_rows_get(r, k, 0));
        snprintf(u.callsign, sizeof u.callsign, "%s", store_rows_get(r, k, 1));
        u.kind = dispatch_unit_kind_bit(store_rows_get(r, k, 2));
        if (u.kind < 0) u.kind = 0;
        snprintf(u.station, sizeof u.station, "%s", store_rows_get(r, k, 3));
        snprintf(u.agency, sizeof u.agency, "%s", store_rows_get(r, k, 4));
        int st =
            dsp_status_from_name(dispatch_unit_status_names, UNIT_NSTATUS, store_rows_get(r, k, 5));
        u.status = st < 0 ? UNIT_OUT_OF_SERVICE : st;
        const char *inc = store_rows_get(r, k, 6);
        snprintf(u.incident, sizeof u.incident, "%s", inc ? inc : "");
        if (store_rows_get(r, k, 7) && store_rows_get(r, k, 8)) {
            u.has_fix = 1;
            u.lat = strtod(store_rows_get(r, k, 7), NULL);
            u.lon = strtod(store_rows_get(r, k, 8), NULL);
            if (store_rows_get(r, k, 9)) jtime_parse_utc(store_rows_get(r, k, 9), &u.fix_ms);
        }
        const char *so = store_rows_get(r, k, 10);
        snprintf(u.signed_on, sizeof u.signed_on, "%s", so ? so : "");
        rc = dsp_unit_add(d, &u);
    }
    store_rows_free(r);
    return rc;
}

static int load_incidents(struct dispatch *d, struct store_conn *c)
{
    char since[32];
    jtime_format_utc(jtime_now_ms() - KEEP_CLOSED_MS, since, sizeof since);
    struct store_rows *r = NULL;
    const char *p[] = {since};
    long n =
        store_exec(c,
                   "SELECT id FROM incidents WHERE status IN ('open', 'dispatched', 'on_scene')"
                   " OR closed_at >= ? ORDER BY created_at, id",
                   1, p, &r);
    if (n < 0) return (int)n;
    int rc = 0;
    for (long i = 0; !rc && i < n; i++) {
        struct incident *inc = calloc(1, sizeof *inc);
        if (!inc) {
            rc = KT_ENOMEM;
            break;
        }
        rc = dsp_inc_load(c, store_rows_get(r, (size_t)i, 0), inc);
        if (!rc) rc = dsp_inc_add(d, inc);
        if (rc) {
            dsp_inc_free(inc);
            free(inc);
        }
    }
    store_rows_free(r);
    return rc;
}

/* Writes the positions reported since the last round in one transaction. */
static void flush_positions(struct dispatch *d)
{
    struct pos {
        char id[16];
        char lat[32], lon[32], fix[32];
    } *batch = NULL;
    size_t n = 0;
    pthread_rwlock_wrlock(&d->rw);
    for (size_t i = 0; i < d->nunits; i++)
        n += d->units[i].dirty;
    if (n) batch = malloc(n * sizeof *batch);
    size_t k = 0;
    for (size_t i = 0; batch && i < d->nunits; i++) {
        struct unit *u = &d->units[i];
        if (!u->dirty) continue;
        u->dirty = 0;
        snprintf(batch[k].id, sizeof batch[k].id, "%s", u->id);
        snprintf(batch[k].lat, sizeof batch[k].lat, "%.7f", u->lat);
        snprintf(batch[k].lon, sizeof batch[k].lon, "%.7f", u->lon);
        jtime_format_utc(u->fix_ms, batch[k].fix, sizeof batch[k].fix);
        k++;
    }
    pthread_rwlock_unlock(&d->rw);
    if (!k) {
        free(batch);
        return;
    }
    struct store_conn *c;
    store_get(d->st, &c);
    int rc = store_begin(c);
    for (size_t i = 0; !rc && i < k; i++) {
        const char *p[] = {batch[i].lat, batch[i].lon, batch[i].fix, batch[i].id};
        long m =
            store_exec(c, "UPDATE units SET lat = ?, lon = ?, fix_at = ? WHERE id = ?", 4, p, NULL);
        if (m < 0) rc = (int)m;
    }
    if (!rc)
        rc = store_commit(c);
    else
        store_rollback(c);
    store_put(d->st, c);
    if (rc) kt_log_warn("dispatch: writing %zu positions failed: %s", k, kt_errmsg());
    free(batch);
}

/* Forgets incidents closed more than a day ago (they stay in the store). */
static void evict_closed(struct dispatch *d)
{
    int64_t cut = jtime_now_ms() - KEEP_CLOSED_MS;
    pthread_mutex_lock(&d->wmu);
    pthread_rwlock_wrlock(&d->rw);
    size_t k = 0;
    for (size_t i = 0; i < d->nincs; i++) {
        struct incident *inc = d->incs[i];
        if ((inc->status == INC_CLOSED || inc->status == INC_MERGED) && inc->closed_ms &&
            inc->closed_ms < cut) {
            dsp_inc_free(inc);
            free(inc);
        } else {
            d->incs[k++] = inc;
        }
    }
    d->nincs = k;
    pthread_rwlock_unlock(&d->rw);
    pthread_mutex_unlock(&d->wmu);
}

static void *writer_main(void *arg)
{
    struct dispatch *d = arg;
    int rounds = 0;
    pthread_mutex_lock(&d->stop_mu);
    while (!d->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&d->stop_cv, &d->stop_mu, &ts);
        pthread_mutex_unlock(&d->stop_mu);
        if (d->simulate && rounds % 5 == 0) dsp_demo_step(d);
        flush_positions(d);
        if (++rounds % 600 == 0) evict_closed(d);
        pthread_mutex_lock(&d->stop_mu);
    }
    pthread_mutex_unlock(&d->stop_mu);
    flush_positions(d);
    return NULL;
}

int dispatch_open(struct store *st, struct audit *au, struct bus *bus,
                  const struct dispatch_config *cfg, struct dispatch **out)
{
    struct dispatch *d = calloc(1, sizeof *d);
    if (!d) return KT_ENOMEM;
    d->st = st;
    d->au = au;
    d->bus = bus;
    d->records = cfg ? cfg->records : NULL;
    d->stale_s = cfg && cfg->avl_stale_s > 0 ? cfg->avl_stale_s : 60;
    pthread_mutex_init(&d->wmu, NULL);
    pthread_rwlock_init(&d->rw, NULL);
    pthread_mutex_init(&d->stop_mu, NULL);
    pthread_cond_init(&d->stop_cv, NULL);
    int rc = geo_index_create(&d->ix);
    struct store_conn *c;
    store_get(st, &c);
    if (!rc) rc = load_stations(d, c);
    if (!rc) rc = load_units(d, c);
    if (!rc) rc = load_incidents(d, c);
    store_put(st, c);
    if (!rc) {
        if (pthread_create(&d->writer, NULL, writer_main, d) != 0)
            rc = kt_fail(KT_EINTERNAL, "cannot start the position writer");
        else
            d->writer_started = 1;
    }
    if (rc) {
        dispatch_close(d);
        return rc;
    }
    kt_log_info("dispatch: %zu stations, %zu units, %zu active or recent incidents", d->nstations,
                d->nunits, d->nincs);
    *out = d;
    return 0;
}

void dispatch_close(struct dispatch *d)
{
    if (!d) return;
    if (d->writer_started) {
        pthread_mutex_lock(&d->stop_mu);
        d->stopping = 1;
        pthread_cond_signal(&d->stop_cv);
        pthread_mutex_unlock(&d->stop_mu);
        pthread_join(d->writer, NULL);
    }
    for (size_t i = 0; i < d->nincs; i++) {
        dsp_inc_free(d->incs[i]);
        free(d->incs[i]);
    }
    free(d->incs);
    for (size_t i = 0; i < d->nstations; i++) {
        geo_area_free(d->stations[i].area);
        json_decref(d->stations[i].area_json);
    }
    free(d->stations);
    free(d->units);
    free(d->unit_slots);
    geo_index_free(d->ix);
    pthread_mutex_destroy(&d->wmu);
    pthread_rwlock_destroy(&d->rw);
    pthread_mutex_destroy(&d->stop_mu);
    pthread_cond_destroy(&d->stop_cv);
    free(d);
}

int dispatch_routes(struct dispatch *d, struct http_router *router)
{
    int rc = dsp_incident_routes(d, router);
    if (!rc) rc = dsp_unit_routes(d, router);
    if (!rc) rc = dsp_extra_routes(d, router);
    return rc;
}
