/* Licence point assessment benchmark: assessments per second in-process over a generated
 * population of driving histories (0–20 events each: violations drawn from the code table,
 * accidents on some violation days, now and then a disposition), through the C API
 * (licence_assess) and through the JSON form (licence_assess_json) that the CLI and the API use.
 *
 *   bench_assess [N]     N histories (default 200,000; env BENCH_N too), assessed once each */
#include "base/jtime.h"
#include "licence/points.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_EV 20

struct history {
    struct licence_event ev[MAX_EV];
    int n;
};

static uint64_t rng = 20261123;
static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void generate(struct history *h, long as_of, const struct licence_code **viol, int nviol,
                     const struct licence_code **acc, int nacc)
{
    h->n = (int)(next() % (MAX_EV + 1));
    long day = as_of - 5 * 365 + (long)(next() % 365);
    for (int i = 0; i < h->n; i++) {
        struct licence_event *e = &h->ev[i];
        memset(e, 0, sizeof *e);
        day += 1 + (long)(next() % 200);
        if (day > as_of) day = as_of;
        e->day = day;
        uint32_t r = next() % 100;
        if (r < 8 && i > 0) {
            e->type = LICENCE_EV_DISPOSITION;
            e->revocation = r == 0;
            e->days = e->revocation ? 0 : 30;
            e->end_day = day + e->days;
            if (e->end_day > as_of) e->end_day = as_of;
        } else if (r < 15 && i > 0 && h->ev[i - 1].type == LICENCE_EV_VIOLATION) {
            e->type = LICENCE_EV_ACCIDENT;
            e->day = h->ev[i - 1].day;
            snprintf(e->code, sizeof e->code, "%s", acc[next() % (uint32_t)nacc]->code);
            if (licence_code_find(h->ev[i - 1].code)->no_accident) { /* keep it valid */
                e->type = LICENCE_EV_VIOLATION;
                snprintf(e->code, sizeof e->code, "signal_red");
            }
        } else {
            /* Mostly the everyday 1–3 point violations, as in real records. */
            const struct licence_code *c;
            do c = viol[next() % (uint32_t)nviol];
            while (c->points > 3 && next() % 10 != 0);
            e->type = LICENCE_EV_VIOLATION;
            snprintf(e->code, sizeof e->code, "%s", c->code);
        }
    }
}

static json_t *to_json(const struct history *h, const char *as_of)
{
    json_t *evs = json_array();
    for (int i = 0; i < h->n; i++) {
        const struct licence_event *e = &h->ev[i];
        int y, m, d;
        char date[40];
        /* day number back to a date: walk from the epoch year by year (setup only). */
        long left = e->day;
        for (y = 1970;; y++) {
            int len = (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365;
            if (left < len) break;
            left -= len;
        }
        for (m = 1;; m++) {
            int len = (int)(jtime_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
                            jtime_days(y, m, 1));
            if (left < len) break;
            left -= len;
        }
        d = (int)left + 1;
        snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
        static const char *const types[] = {"violation", "accident", "disposition"};
        json_t *o = json_pack("{s:s,s:s}", "date", date, "type", types[e->type]);
        if (e->type == LICENCE_EV_DISPOSITION)
            json_object_set_new(o, "disposition",
                                json_string(e->revocation ? "revocation" : "suspension"));
        else
            json_object_set_new(o, "code", json_string(e->code));
        json_array_append_new(evs, o);
    }
    return json_pack("{s:s,s:o}", "as_of", as_of, "events", evs);
}

int main(int argc, char **argv)
{
    long n = 200000;
    const char *env = getenv("BENCH_N");
    if (argc > 1) n = strtol(argv[1], NULL, 10);
    else if (env) n = strtol(env, NULL, 10);
    if (n < 1 || n > 10000000) {
        fprintf(stderr, "bench_assess: N must be 1..10000000\n");
        return 2;
    }
    const struct licence_code *viol[128], *acc[32];
    int nviol = 0, nacc = 0;
    for (const struct licence_code *c = licence_codes; c->code; c++) {
        if (c->accident && nacc < 32) acc[nacc++] = c;
        else if (!c->accident && nviol < 128) viol[nviol++] = c;
    }
    long as_of = jtime_days(2026, 11, 23);
    struct history *pop = malloc((size_t)n * sizeof *pop);
    if (!pop) return 1;
    long events = 0;
    for (long i = 0; i < n; i++) {
        generate(&pop[i], as_of, viol, nviol, acc, nacc);
        events += pop[i].n;
    }

    long dispo[3] = {0, 0, 0}, failed = 0;
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        struct licence_assessment a;
        if (licence_assess(pop[i].ev, (size_t)pop[i].n, as_of, &a)) failed++;
        else dispo[a.disposition]++;
    }
    double c_s = now_s() - t0;

    long nj = n < 50000 ? n : 50000;
    json_t **docs = malloc((size_t)nj * sizeof *docs);
    if (!docs) return 1;
    for (long i = 0; i < nj; i++) docs[i] = to_json(&pop[i], "2026-11-23");
    t0 = now_s();
    long jfailed = 0;
    for (long i = 0; i < nj; i++) {
        json_t *out = NULL;
        if (licence_assess_json(docs[i], &out)) jfailed++;
        json_decref(out);
    }
    double j_s = now_s() - t0;
    for (long i = 0; i < nj; i++) json_decref(docs[i]);
    free(docs);
    free(pop);

    printf("bench_assess: %ld histories, %.1f events each on average\n", n, (double)events / n);
    printf("  outcomes: none %ld, suspension %ld, revocation %ld, rejected %ld\n", dispo[0],
           dispo[1], dispo[2], failed);
    printf("  licence_assess       %10.0f assessments/s (%.2f us each)\n", n / c_s, c_s / n * 1e6);
    printf("  licence_assess_json  %10.0f assessments/s (%.2f us each, %ld histories, %ld "
           "rejected)\n",
           nj / j_s, j_s / nj * 1e6, nj, jfailed);
    return failed || jfailed ? 1 : 0;
}
