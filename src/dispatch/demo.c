/* Demo data for dispatch: four station areas around Shinjuku and their units, placed at
 * fixed pseudo-random positions (seeded) so every demo looks the same. */
#include "base/err.h"
#include "dispatch/dispatch_internal.h"

#include <stdio.h>
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
