/* Nearest-unit benchmark (dispatch recommendation): geo_index_nearest k = 5 over units spread
 * across the Tokyo metro area, and PostGIS KNN (GiST, ORDER BY <-> LIMIT 5) on the same units
 * and the same queries, with the share of queries where both name the same nearest unit.
 *
 *   bench_geo
 *
 * Environment:
 *   BENCH_GEO_N      units (default 10,000)
 *   BENCH_GEO_Q      in-process queries per scenario (default 200,000)
 *   BENCH_GEO_PG_Q   queries PostgreSQL answers (default 5,000)
 *   KEITSU_BENCH_GEO_PG, else KEITSU_BENCH_PG   postgresql:// URL of a database where the
 *                    benchmark may create the postgis extension and the table
 *                    keitsu_bench_geo_units; the PostGIS part is skipped when neither is set.
 *
 * Units: lat 35.5..35.9, lon 139.4..139.95 uniformly, one of six kinds, 70 % eligible; seeded,
 * so every run asks the same. A query is a uniform point in the same box with kind mask 0 (any
 * kind) half the time and one kind the other half, the way a recommendation filters by the
 * incident type's unit kinds. */
#include "bench_util.h"
#include "dispatch/geo.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define K 5
#define KINDS 6

struct unit {
    double lat, lon;
    uint32_t kinds;
    int eligible;
};

struct q {
    double lat, lon;
    uint32_t mask;
};

static uint64_t rng_state = 20261123;

static uint64_t rnd(void)
{
    return bench_rng_next(&rng_state);
}

static double uniform(double lo, double hi)
{
    return bench_uniform(&rng_state, lo, hi);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct stats {
    double p50, p99, mean; /* ns */
};

static struct stats summarise(double *lat, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    qsort(lat, n, sizeof *lat, dbl_cmp);
    return (struct stats){lat[n / 2], lat[(n * 99) / 100], sum / (double)n};
}

static struct q random_query(void)
{
    struct q q = {uniform(35.5, 35.9), uniform(139.4, 139.95), 0};
    if (rnd() % 2) q.mask = 1u << (rnd() % KINDS);
    return q;
}

/* Times nq queries one by one; first[i] gets the nearest key (-1: none). */
static struct stats time_index(const struct geo_index *ix, const struct q *qs, size_t nq,
                               int32_t *first, double *lat)
{
    struct geo_hit hits[K];
    for (size_t i = 0; i < nq && i < 1000; i++) /* warm-up */
        geo_index_nearest(ix, qs[i].lat, qs[i].lon, qs[i].mask, 0, K, hits);
    for (size_t i = 0; i < nq; i++) {
        double t0 = now_ns();
        size_t n = geo_index_nearest(ix, qs[i].lat, qs[i].lon, qs[i].mask, 0, K, hits);
        lat[i] = now_ns() - t0;
        if (first) first[i] = n ? hits[0].key : -1;
    }
    return summarise(lat, nq);
}

/* ---- PostGIS ---- */

static int pg_cmd(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(res);
    int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    if (!ok) fprintf(stderr, "bench_geo: pg: %s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    return ok ? 0 : -1;
}

static int pg_load(PGconn *c, const struct unit *u, size_t n)
{
    if (pg_cmd(c, "SET client_min_messages = warning") ||
        pg_cmd(c, "CREATE EXTENSION IF NOT EXISTS postgis") ||
        pg_cmd(c, "DROP TABLE IF EXISTS keitsu_bench_geo_units") ||
        pg_cmd(c, "CREATE TABLE keitsu_bench_geo_units (id int PRIMARY KEY, kinds int NOT NULL, "
                  "eligible bool NOT NULL, geog geography(Point, 4326) NOT NULL, "
                  "geom geometry(Point, 4326) NOT NULL)"))
        return -1;
    PGresult *res = PQexec(c, "COPY keitsu_bench_geo_units FROM STDIN");
    int ok = PQresultStatus(res) == PGRES_COPY_IN;
    PQclear(res);
    if (!ok) return -1;
    for (size_t i = 0; i < n && ok; i++) {
        char line[256];
        int len = snprintf(line, sizeof line,
                           "%zu\t%u\t%s\tSRID=4326;POINT(%.17g %.17g)\tSRID=4326;POINT(%.17g "
                           "%.17g)\n",
                           i, u[i].kinds, u[i].eligible ? "t" : "f", u[i].lon, u[i].lat, u[i].lon,
                           u[i].lat);
        ok = len > 0 && (size_t)len < sizeof line && PQputCopyData(c, line, len) == 1;
    }
    ok = PQputCopyEnd(c, ok ? NULL : "bench_geo failed") == 1 && ok;
    while ((res = PQgetResult(c))) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "bench_geo: pg copy: %s", PQresultErrorMessage(res));
            ok = 0;
        }
        PQclear(res);
    }
    if (!ok) return -1;
    return pg_cmd(c, "CREATE INDEX ON keitsu_bench_geo_units USING gist (geog)") ||
                   pg_cmd(c, "CREATE INDEX ON keitsu_bench_geo_units USING gist (geom)") ||
                   pg_cmd(c, "ANALYZE keitsu_bench_geo_units")
               ? -1
               : 0;
}

/* geography: <-> is the sphere distance, the same order as ours. geometry: <-> is the planar
 * distance in degrees, which the issue names; it ranks east-west neighbours too far. */
static const char *const pg_sql[2] = {
    "SELECT id FROM keitsu_bench_geo_units WHERE eligible AND ($3 = 0 OR (kinds & $3) <> 0) "
    "ORDER BY geog <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography LIMIT 5",
    "SELECT id FROM keitsu_bench_geo_units WHERE eligible AND ($3 = 0 OR (kinds & $3) <> 0) "
    "ORDER BY geom <-> ST_SetSRID(ST_MakePoint($1, $2), 4326) LIMIT 5",
};

static int pg_time(PGconn *c, int which, const struct q *qs, size_t nq, const int32_t *ours,
                   struct stats *st, double *agree)
{
    char name[8];
    snprintf(name, sizeof name, "q%d", which);
    PGresult *res = PQprepare(c, name, pg_sql[which], 3, NULL);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) fprintf(stderr, "bench_geo: pg prepare: %s", PQresultErrorMessage(res));
    PQclear(res);
    if (!ok) return -1;
    double *lat = malloc(nq * sizeof *lat);
    if (!lat) return -1;
    size_t same = 0;
    for (size_t i = 0; i < nq + 200 && ok; i++) {
        size_t j = i < 200 ? i : i - 200; /* the first 200 warm up */
        char lon_s[32], lat_s[32], mask_s[16];
        snprintf(lon_s, sizeof lon_s, "%.17g", qs[j].lon);
        snprintf(lat_s, sizeof lat_s, "%.17g", qs[j].lat);
        snprintf(mask_s, sizeof mask_s, "%u", qs[j].mask);
        const char *params[3] = {lon_s, lat_s, mask_s};
        double t0 = now_ns();
        res = PQexecPrepared(c, name, 3, params, NULL, NULL, 0);
        double t = now_ns() - t0;
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok) fprintf(stderr, "bench_geo: pg query: %s", PQresultErrorMessage(res));
        if (ok && i >= 200) {
            lat[j] = t;
            long id = PQntuples(res) ? strtol(PQgetvalue(res, 0, 0), NULL, 10) : -1;
            same += id == ours[j];
        }
        PQclear(res);
    }
    if (ok) {
        *st = summarise(lat, nq);
        *agree = (double)same / (double)nq;
    }
    free(lat);
    return ok ? 0 : -1;
}

int main(void)
{
    size_t n = (size_t)bench_env_long("BENCH_GEO_N", 10000, 1, 100000000);
    size_t nq = (size_t)bench_env_long("BENCH_GEO_Q", 200000, 1, 100000000);
    size_t npg = (size_t)bench_env_long("BENCH_GEO_PG_Q", 5000, 1, 100000000);
    if (npg > nq) npg = nq;
    const char *url = getenv("KEITSU_BENCH_GEO_PG");
    if (!url || !*url) url = getenv("KEITSU_BENCH_PG");

    struct unit *u = malloc(n * sizeof *u);
    struct q *qs = malloc(nq * sizeof *qs);
    int32_t *ours = malloc(nq * sizeof *ours);
    double *lat = malloc(nq * sizeof *lat);
    struct geo_index *ix = NULL;
    if (!u || !qs || !ours || !lat || geo_index_create(&ix)) {
        fprintf(stderr, "bench_geo: out of memory\n");
        return 1;
    }
    double t0 = now_ns();
    for (size_t i = 0; i < n; i++) {
        u[i] = (struct unit){uniform(35.5, 35.9), uniform(139.4, 139.95), 1u << (rnd() % KINDS),
                             rnd() % 100 < 70};
        if (geo_index_put(ix, (int32_t)i, u[i].lat, u[i].lon, u[i].kinds, u[i].eligible)) {
            fprintf(stderr, "bench_geo: put failed\n");
            return 1;
        }
    }
    double build_ms = (now_ns() - t0) / 1e6;
    for (size_t i = 0; i < nq; i++)
        qs[i] = random_query();

    printf("nearest unit: %zu units over 35.5-35.9N 139.4-139.95E, %d kinds, k = %d\n", n, KINDS,
           K);
    char load[64] = "?";
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (!fgets(load, sizeof load, lf)) snprintf(load, sizeof load, "?");
        load[strcspn(load, "\n")] = '\0';
        fclose(lf);
    }
    printf("  load average at start: %s (the figures are only as quiet as the machine)\n", load);
    printf("  index build (%zu puts)                     %8.2f ms\n", n, build_ms);
    struct stats st = time_index(ix, qs, nq, ours, lat);
    printf("  keitsu geo_index_nearest, 70%% eligible     p50 %7.2f us  p99 %7.2f us  mean %7.2f "
           "us  (%zu queries)\n",
           st.p50 / 1e3, st.p99 / 1e3, st.mean / 1e3, nq);
    struct stats main_st = st;

    /* Moves: every unit reports a new position once (AVL churn), timed as a whole. */
    t0 = now_ns();
    for (size_t i = 0; i < n; i++)
        geo_index_put(ix, (int32_t)i, u[i].lat + 1e-4, u[i].lon - 1e-4, u[i].kinds, u[i].eligible);
    printf("  position updates                           %8.1f ns each\n", (now_ns() - t0) / n);
    for (size_t i = 0; i < n; i++)
        geo_index_put(ix, (int32_t)i, u[i].lat, u[i].lon, u[i].kinds, u[i].eligible);

    /* Sparse: 1 % eligible, as when most units are out on calls. */
    for (size_t i = 0; i < n; i++)
        geo_index_set_eligible(ix, (int32_t)i, rnd() % 100 == 0);
    st = time_index(ix, qs, nq, NULL, lat);
    printf("  keitsu geo_index_nearest, 1%% eligible      p50 %7.2f us  p99 %7.2f us  mean %7.2f "
           "us\n",
           st.p50 / 1e3, st.p99 / 1e3, st.mean / 1e3);
    for (size_t i = 0; i < n; i++)
        geo_index_set_eligible(ix, (int32_t)i, u[i].eligible);

    if (!url || !*url) {
        printf("  PostGIS: skipped (set KEITSU_BENCH_PG or KEITSU_BENCH_GEO_PG to a postgresql:// "
               "URL)\n");
    } else {
        PGconn *c = PQconnectdb(url);
        if (PQstatus(c) != CONNECTION_OK) {
            fprintf(stderr, "bench_geo: pg connect: %s", PQerrorMessage(c));
            PQfinish(c);
            return 1;
        }
        t0 = now_ns();
        if (pg_load(c, u, n)) {
            PQfinish(c);
            return 1;
        }
        PGresult *res = PQexec(c, "SELECT version(), postgis_lib_version()");
        if (PQresultStatus(res) == PGRES_TUPLES_OK)
            printf("  %s, PostGIS %s\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
        PQclear(res);
        printf("  PostGIS load + 2 GiST indexes              %8.2f ms\n", (now_ns() - t0) / 1e6);
        static const char *const label[2] = {"geography", "geometry "};
        for (int w = 0; w < 2; w++) {
            double agree;
            if (pg_time(c, w, qs, npg, ours, &st, &agree)) {
                PQfinish(c);
                return 1;
            }
            printf("  PostGIS %s <-> LIMIT 5 (libpq, prepared) p50 %7.2f us  p99 %7.2f us  mean "
                   "%7.2f us  (%zu queries)  same nearest unit %.2f %%\n",
                   label[w], st.p50 / 1e3, st.p99 / 1e3, st.mean / 1e3, npg, agree * 100);
            printf("    ratio PostGIS / keitsu: p50 %.0fx  p99 %.0fx  mean %.0fx\n",
                   st.p50 / main_st.p50, st.p99 / main_st.p99, st.mean / main_st.mean);
        }
        PQfinish(c);
    }
    geo_index_free(ix);
    free(u);
    free(qs);
    free(ours);
    free(lat);
    return 0;
}
