/* Driver-licence registry benchmark (運転者管理): bulk load of N generated holders (one licence
 * each, a tenth with violations, some suspended or revoked) through the batched import path,
 * the time to rebuild the check index from the store, validity checks per second in-process
 * (the index lookup alone, and the full audited licence_check), and assessments per second
 * from stored events (licence_assessment_get: events read from the store, licence_assess,
 * audited).
 *
 *   bench_licence             N from BENCH_LICENCE_N (default 10,000,000)
 *
 * Environment: BENCH_LICENCE_N, BENCH_THREADS (check/assess threads, default 32),
 * BENCH_SECONDS (per timed phase, default 5), BENCH_DIR (keep the data directory; default a
 * temporary one removed at exit), KEITSU_BENCH_LICENCE_PG (a postgresql:// URL of an empty
 * database: load there instead of SQLite), BENCH_LICENCE_BODIES=FILE (only write 20,000 check
 * request bodies for N demo holders to FILE, one a line, for wrk, and exit). Output: one line
 * per figure. */
#include "auth/audit.h"
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"
#include "licence/licence.h"
#include "store/store.h"

#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEED 20261123u

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_entry(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

struct job {
    struct licence *l;
    struct audit *au;
    uint32_t n;
    int mode; /* 0 lookup, 1 audited check, 2 assessment */
    double until;
    atomic_long *done;
    atomic_long *valid;
    unsigned seed;
};

static const struct auth_user officer = {
    .id = 1, .name = "bench-officer", .role = "officer", .agency = "警視庁"};
static const struct auth_user disposer = {
    .id = 2, .name = "bench-disposer", .role = "disposition_officer", .agency = "警視庁"};

static void *worker(void *arg)
{
    struct job *j = arg;
    unsigned s = j->seed;
    long done = 0, valid = 0;
    long today = (long)((time(NULL) + 9 * 3600) / 86400);
    char num[16];
    while (now_s() < j->until) {
        for (int k = 0; k < 256; k++) {
            s = s * 1103515245u + 12345u;
            uint32_t i = (uint32_t)(((uint64_t)s * 2654435761u) % j->n);
            if (j->mode == 2) {
                char id[16];
                json_t *out = NULL;
                snprintf(id, sizeof id, "H-%08u", i + 1);
                if (licence_assessment_get(j->l, &disposer, id, "bench", &out) == 0) valid++;
                json_decref(out);
                done++;
                continue;
            }
            licence_demo_number(SEED, i, num, sizeof num);
            if (j->mode == 0) {
                struct licence_check_result r;
                if (licence_check_lookup(j->l, num, 12, today, &r) == 0 && r.state == LICENCE_VALID)
                    valid++;
            } else {
                json_t *b = json_pack("{s:s,s:s}", "number", num, "reason", "bench");
                char *text = NULL;
                size_t len;
                if (licence_check(j->l, &officer, b, &text, &len) == 0 && strstr(text, "\"valid\""))
                    valid++;
                free(text);
                json_decref(b);
            }
            done++;
        }
    }
    atomic_fetch_add(j->done, done);
    atomic_fetch_add(j->valid, valid);
    return NULL;
}

static void timed(struct licence *l, uint32_t n, int mode, int threads, double secs,
                  const char *label)
{
    atomic_long done = 0, valid = 0;
    pthread_t t[256];
    struct job jobs[256];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (struct job){l, NULL, n, mode, t0 + secs, &done, &valid, 7919u * (unsigned)i + 1};
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double el = now_s() - t0;
    printf("%-44s %10.0f /s  (%ld in %.1f s, %d threads, %.1f%% valid/ok)\n", label,
           (double)done / el, (long)done, el, threads, done ? 100.0 * (double)valid / done : 0);
    fflush(stdout);
}

int main(void)
{
    const char *ns = getenv("BENCH_LICENCE_N");
    long n = ns ? strtol(ns, NULL, 10) : 10000000L;
    int threads = getenv("BENCH_THREADS") ? atoi(getenv("BENCH_THREADS")) : 32;
    double secs = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 5;
    if (n < 1 || n > 20000000L || threads < 1 || threads > 256) {
        fprintf(stderr, "bench_licence: BENCH_LICENCE_N 1..20000000, BENCH_THREADS 1..256\n");
        return 2;
    }
    kt_log_set_level(1);
    const char *bodies = getenv("BENCH_LICENCE_BODIES");
    if (bodies) {
        FILE *f = fopen(bodies, "w");
        if (!f) return 1;
        unsigned x = 1;
        for (int i = 0; i < 20000; i++) {
            char num[16];
            x = x * 1103515245u + 12345u;
            licence_demo_number(SEED, (uint32_t)(((uint64_t)x * 2654435761u) % (uint64_t)n), num,
                                sizeof num);
            fprintf(f, "{\"number\":\"%s\",\"reason\":\"R8-110-bench\"}\n", num);
        }
        return fclose(f) ? 1 : 0;
    }
    const char *pg = getenv("KEITSU_BENCH_LICENCE_PG");
    char tmp[] = "/tmp/keitsu-bench-licence-XXXXXX";
    const char *dir = getenv("BENCH_DIR");
    int own = !dir;
    if (own && !mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    if (own) dir = tmp;
    char db[1100], anchor[1100];
    snprintf(db, sizeof db, "%s/keitsu.db", dir);
    snprintf(anchor, sizeof anchor, "%s/audit.anchor", dir);
    struct store *st = NULL;
    struct audit *au = NULL;
    struct licence *l = NULL;
    /* Checks need no connection (the index is in memory; the audit writer has its own), so
     * on PostgreSQL the pool stays under the server's max_connections (100) whatever the
     * threads; assessments then wait their turn for a connection. */
    int pool = threads + 8;
    if (pg && pool > 48) pool = 48;
    int rc = store_open(pg ? pg : db, pool, &st);
    if (!rc) rc = store_migrate(st);
    if (!rc) rc = audit_open(st, anchor, &au);
    if (!rc) rc = licence_open(st, au, &l);
    if (rc) {
        fprintf(stderr, "bench_licence: %s\n", kt_errmsg());
        return 1;
    }
    printf("keitsu licence registry benchmark: N = %ld holders, store %s, %ld CPUs\n", n,
           pg ? "PostgreSQL" : "SQLite", sysconf(_SC_NPROCESSORS_ONLN));
    const struct auth_user loader = {
        .name = "bench-loader", .role = "licence_examiner", .agency = "警察庁"};
    double t0 = now_s();
    rc = licence_bulk_load(l, &loader, SEED, 0, (uint32_t)n);
    double el = now_s() - t0;
    if (rc) {
        fprintf(stderr, "bench_licence: load: %s\n", kt_errmsg());
        return 1;
    }
    printf("%-44s %10.0f /s  (%ld holders + licences in %.1f s, incl. index rebuild)\n",
           "bulk load", (double)n / el, n, el);
    licence_close(l);
    t0 = now_s();
    if ((rc = licence_open(st, au, &l))) return 1;
    printf("%-44s %10.1f s   (%zu licences)\n", "check index rebuilt from the store", now_s() - t0,
           licence_index_count(l));
    timed(l, (uint32_t)n, 0, 1, secs, "check: index lookup, 1 thread");
    timed(l, (uint32_t)n, 0, threads, secs, "check: index lookup");
    timed(l, (uint32_t)n, 1, threads, secs, "check: licence_check, audited");
    timed(l, (uint32_t)n, 2, threads, secs, "assessment from stored events, audited");
    licence_close(l);
    audit_close(au);
    store_close(st);
    if (own) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
