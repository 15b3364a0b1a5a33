/* Demo data for dispatch: four station areas around Shinjuku and their units, placed at
 * fixed pseudo-random positions (seeded) so every demo looks the same. */
#include "base/err.h"
#include "base/jtime.h"
#include "dispatch/dispatch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *id, *name, *prefix, *koban;
    double lat0, lat1, lon0, lon1;
} stations[] = {
    {"S-shinjuku", "新宿警察署", "新宿", "歌舞伎町交番", 35.680, 35.700, 139.690, 139.715},
    {"S-yotsuya", "四谷警察署", "四谷", "四谷三丁目交番", 35.680, 35.700, 139.715, 139.740},
    {"S-totsuka", "戸塚警察署", "戸塚", "高田馬場交番", 35.700, 35.720, 139.690, 139.715},
    {"S-ushigome", "牛込警察署", "牛込", "神楽坂交番", 35.700, 35.720, 139.715, 139.740},
};

static uint32_t next_rand(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static double between(uint32_t *s, double a, double b)
{
    return a + (b - a) * (double)(next_rand(s) % 10000) / 10000.0;
}

int dispatch_demo_load(struct dispatch *d, const struct auth_user *u)
{
    pthread_rwlock_rdlock(&d->rw);
    int have = d->nstations > 0 || d->nunits > 0;
    pthread_rwlock_unlock(&d->rw);
    if (have) return 0;
    uint32_t seed = 20261123u;
    for (size_t i = 0; i < sizeof stations / sizeof stations[0]; i++) {
        double a0 = stations[i].lat0, a1 = stations[i].lat1;
        double o0 = stations[i].lon0, o1 = stations[i].lon1;
        json_t *body = json_pack("{s:s,s:s,s:{s:s,s:[[[f,f],[f,f],[f,f],[f,f],[f,f]]]}}", "id",
                                 stations[i].id, "name", stations[i].name, "area", "type",
                                 "Polygon", "coordinates", o0, a0, o1, a0, o1, a1, o0, a1, o0, a0);
        int rc = body ? dsp_station_create(d, u, body) : KT_ENOMEM;
        json_decref(body);
        if (rc) return rc;
        static const struct {
            const char *kind, *suffix;
            int count;
        } fleet[] = {{"patrol_car", "", 3}, {"motorcycle", "白バイ", 1}, {"foot", "徒歩", 2}};
        for (size_t f = 0; f < sizeof fleet / sizeof fleet[0]; f++) {
            for (int k = 1; k <= fleet[f].count; k++) {
                char callsign[64];
                snprintf(callsign, sizeof callsign, "%s%s%d", stations[i].prefix, fleet[f].suffix,
                         k);
                json_t *ub = json_pack("{s:s,s:s,s:s,s:f,s:f}", "callsign", callsign, "kind",
                                       fleet[f].kind, "station", stations[i].id, "lat",
                                       between(&seed, a0, a1), "lon", between(&seed, o0, o1));
                char id[16];
                rc = ub ? dsp_unit_create(d, u, ub, id, sizeof id) : KT_ENOMEM;
                json_decref(ub);
                if (rc) return rc;
            }
        }
        json_t *kb =
            json_pack("{s:s,s:s,s:s,s:f,s:f}", "callsign", stations[i].koban, "kind", "koban",
                      "station", stations[i].id, "lat", (a0 + a1) / 2, "lon", (o0 + o1) / 2);
        char id[16];
        rc = kb ? dsp_unit_create(d, u, kb, id, sizeof id) : KT_ENOMEM;
        json_decref(kb);
        if (rc) return rc;
    }
    json_t *heli = json_pack("{s:s,s:s,s:s,s:f,s:f}", "callsign", "はやぶさ1", "kind", "helicopter",
                             "station", "S-shinjuku", "lat", 35.690, "lon", 139.700);
    char id[16];
    int rc = heli ? dsp_unit_create(d, u, heli, id, sizeof id) : KT_ENOMEM;
    json_decref(heli);
    return rc;
}

void dispatch_demo_simulate(struct dispatch *d)
{
    pthread_mutex_lock(&d->stop_mu);
    d->simulate = 1;
    d->sim_seed = 20261123u;
    pthread_mutex_unlock(&d->stop_mu);
}

void dsp_demo_step(struct dispatch *d)
{
    struct moved {
        char id[16], agency[96], station[64];
        double lat, lon;
    } *mv = NULL;
    size_t n = 0;
    int64_t now = jtime_now_ms();
    pthread_rwlock_wrlock(&d->rw);
    if (d->nunits) mv = malloc(d->nunits * sizeof *mv);
    for (size_t i = 0; mv && i < d->nunits; i++) {
        struct unit *u = &d->units[i];
        if (!u->has_fix || u->kind == 3 /* koban */ || u->status == UNIT_OUT_OF_SERVICE ||
            u->status == UNIT_ON_SCENE)
            continue;
        const struct incident *inc = u->incident[0] ? dsp_inc_find(d, u->incident) : NULL;
        if (inc && inc->has_loc) {
            /* Driving to the incident: a quarter of the way each step, at least 50 m. */
            double dist = geo_distance_m(u->lat, u->lon, inc->lat, inc->lon);
            double f = dist < 50 ? 1.0 : fmax(0.25, 50.0 / dist);
            u->lat += (inc->lat - u->lat) * f;
            u->lon += (inc->lon - u->lon) * f;
        } else if (u->status == UNIT_AVAILABLE) {
            /* Patrolling: a few tens of metres in a random direction. */
            u->lat += (between(&d->sim_seed, -1, 1)) * 0.0003;
            u->lon += (between(&d->sim_seed, -1, 1)) * 0.0004;
        } else {
            continue;
        }
        u->fix_ms = now;
        u->dirty = 1;
        geo_index_put(d->ix, u->key, u->lat, u->lon, 1u << u->kind, dsp_unit_eligible(u));
        snprintf(mv[n].id, sizeof mv[n].id, "%s", u->id);
        snprintf(mv[n].agency, sizeof mv[n].agency, "%s", u->agency);
        snprintf(mv[n].station, sizeof mv[n].station, "%s", u->station);
        mv[n].lat = u->lat;
        mv[n].lon = u->lon;
        n++;
    }
    pthread_rwlock_unlock(&d->rw);
    char ts[32];
    jtime_format_utc(now, ts, sizeof ts);
    for (size_t i = 0; i < n; i++) {
        struct bus_scope sc;
        memset(&sc, 0, sizeof sc);
        snprintf(sc.agency, sizeof sc.agency, "%s", mv[i].agency);
        snprintf(sc.station, sizeof sc.station, "%s", mv[i].station);
        snprintf(sc.unit, sizeof sc.unit, "%s", mv[i].id);
        dsp_publish(d, "position", &sc,
                    json_pack("{s:s,s:f,s:f,s:s}", "unit", mv[i].id, "lat", mv[i].lat, "lon",
                              mv[i].lon, "ts", ts));
    }
    free(mv);
}
