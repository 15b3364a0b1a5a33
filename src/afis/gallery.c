/* 1:N search: an in-memory gallery of compact fingers, the MCC-LSH index (index.c) voting on
 * all cores, the full matcher on the shortlist, and fusion over a tenprint's fingers. Galleries
 * no larger than the shortlist, and searches asking for it, compare every entry. */
#include "afis/afis_internal.h"
#include "base/err.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TWO_PI 6.283185307179586
#define DEFAULT_SHORTLIST 2000
#define MAX_THREADS 64

struct cmin {
    uint16_t x, y;
    uint8_t a, type; /* a in 256ths of a turn */
};

struct entry {
    char subject[AFIS_SUBJECT_MAX];
    uint16_t width, height;
    int8_t finger; /* -1: removed */
    uint8_t n;
    size_t off; /* first minutia in g->pool */
};

struct afis_gallery {
    pthread_rwlock_t lock;
    struct entry *e;
    size_t n, cap;
    struct cmin *pool;
    size_t npool, cappool;
    size_t live;
    struct afis_index *ix;
};

int afis_gallery_create(struct afis_gallery **out)
{
    struct afis_gallery *g = calloc(1, sizeof *g);
    if (!g) return KT_ENOMEM;
    if (afis_index_create(&g->ix)) {
        free(g);
        return KT_ENOMEM;
    }
    pthread_rwlock_init(&g->lock, NULL);
    *out = g;
    return 0;
}

void afis_gallery_free(struct afis_gallery *g)
{
    if (!g) return;
    pthread_rwlock_destroy(&g->lock);
    free(g->e);
    free(g->pool);
    afis_index_free(g->ix);
    free(g);
}

size_t afis_gallery_size(struct afis_gallery *g)
{
    pthread_rwlock_rdlock(&g->lock);
    size_t n = g->live;
    pthread_rwlock_unlock(&g->lock);
    return n;
}

static int grow(struct afis_gallery *g, int nmin)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 1024;
        struct entry *e = realloc(g->e, cap * sizeof *e);
        if (!e) return KT_ENOMEM;
        g->e = e;
        g->cap = cap;
    }
    if (g->npool + (size_t)nmin > g->cappool) {
        size_t cap = g->cappool ? g->cappool * 2 : 65536;
        while (cap < g->npool + (size_t)nmin)
            cap *= 2;
        struct cmin *p = realloc(g->pool, cap * sizeof *p);
        if (!p) return KT_ENOMEM;
        g->pool = p;
        g->cappool = cap;
    }
    return 0;
}

static void remove_locked(struct afis_gallery *g, const char *subject, int finger, int *count)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->e[i].finger >= 0 && (finger < 0 || g->e[i].finger == finger) &&
            strcmp(g->e[i].subject, subject) == 0) {
            g->e[i].finger = -1;
            g->live--;
            (*count)++;
        }
}

int afis_gallery_add(struct afis_gallery *g, const char *subject, const struct afis_template *t)
{
    if (!subject || !*subject || strlen(subject) >= AFIS_SUBJECT_MAX)
        return kt_fail(KT_EINVAL, "gallery subject must be 1..%d bytes", AFIS_SUBJECT_MAX - 1);
    if (t->finger < 0 || t->finger > 10 || t->n < 0 || t->n > AFIS_MAX_MINUTIAE)
        return kt_fail(KT_EINVAL, "template finger %d with %d minutiae", t->finger, t->n);
    /* the index keys are computed outside the lock */
    struct afis_prepared *p = malloc(sizeof *p);
    struct afis_index_key *keys = malloc(IX_MAX_KEYS * sizeof *keys);
    if (!p || !keys) {
        free(p);
        free(keys);
        return KT_ENOMEM;
    }
    mcc_points(t, p);
    int nkeys = afis_index_keys(p, keys);
    free(p);
    pthread_rwlock_wrlock(&g->lock);
    int removed = 0, rc = grow(g, t->n);
    if (!rc && g->n >= IX_MAX_ENTRIES) rc = kt_fail(KT_ENOMEM, "gallery full");
    /* replacing an entry in a big gallery would scan it all; the service replaces a
     * person's whole tenprint with afis_gallery_remove() first, so only small galleries
     * (or re-enrolments) pay for this */
    if (!rc && g->n < 200000) remove_locked(g, subject, t->finger, &removed);
    if (!rc) {
        struct entry *e = &g->e[g->n];
        memset(e, 0, sizeof *e);
        memcpy(e->subject, subject, strlen(subject) + 1);
        e->width = (uint16_t)(t->width > 0 && t->width < 65536 ? t->width : 0);
        e->height = (uint16_t)(t->height > 0 && t->height < 65536 ? t->height : 0);
        e->finger = (int8_t)t->finger;
        e->n = (uint8_t)t->n;
        e->off = g->npool;
        for (int i = 0; i < t->n; i++) {
            const struct afis_minutia *m = &t->m[i];
            double a = fmod(m->angle, TWO_PI);
            if (a < 0) a += TWO_PI;
            g->pool[g->npool++] =
                (struct cmin){.x = (uint16_t)(m->x < 0       ? 0
                                              : m->x > 65535 ? 65535
                                                             : m->x),
                              .y = (uint16_t)(m->y < 0       ? 0
                                              : m->y > 65535 ? 65535
                                                             : m->y),
                              .a = (uint8_t)((long)lround(a / TWO_PI * 256) & 255),
                              .type = (uint8_t)m->type};
        }
        rc = afis_index_add(g->ix, (uint32_t)g->n, keys, nkeys);
        if (!rc) {
            g->n++;
            g->live++;
        } else {
            g->npool -= (size_t)t->n;
        }
    }
    pthread_rwlock_unlock(&g->lock);
    free(keys);
    return rc;
}

int afis_gallery_remove(struct afis_gallery *g, const char *subject)
{
    int count = 0;
    pthread_rwlock_wrlock(&g->lock);
    remove_locked(g, subject, -1, &count);
    pthread_rwlock_unlock(&g->lock);
    return count;
}

static void entry_template(const struct afis_gallery *g, size_t idx, struct afis_template *t)
{
    const struct entry *e = &g->e[idx];
    t->width = e->width;
    t->height = e->height;
    t->resolution = 197;
    t->finger = e->finger;
    t->quality = 0;
    t->n = e->n;
    for (int i = 0; i < e->n; i++) {
        const struct cmin *c = &g->pool[e->off + (size_t)i];
        t->m[i] = (struct afis_minutia){
            .x = c->x, .y = c->y, .angle = c->a * (TWO_PI / 256), .type = c->type};
    }
}

/* ---- one probe finger against the gallery ---- */

struct hit {
    float score;
    uint32_t idx;
};

struct job {
    const struct afis_gallery *g;
    const struct afis_index_key *keys;
    int nkeys, finger; /* finger < 0: any */
    const struct afis_prepared *probe;
    size_t lo, hi;   /* range of entries (index phase) or of hits (match phase) */
    struct hit *top; /* index phase: this thread's shortlist (min-heap) */
    size_t k, ntop;
    int rc;
    struct hit *hits; /* match phase: shared list, each thread scores its range */
};

/* Heap order: lower score first, and at equal scores the later entry (so a shortlist does
 * not depend on how the threads split the gallery). */
static int hit_less(struct hit a, struct hit b)
{
    return a.score < b.score || (a.score == b.score && a.idx > b.idx);
}

static void heap_push(struct hit *h, size_t *n, size_t k, struct hit x)
{
    if (*n < k) {
        size_t i = (*n)++;
        while (i > 0 && hit_less(x, h[(i - 1) / 2])) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = x;
        return;
    }
    if (!hit_less(h[0], x)) return;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        struct hit mh = x;
        if (l < *n && hit_less(h[l], mh)) {
            m = l;
            mh = h[l];
        }
        if (r < *n && hit_less(h[r], mh)) m = r;
        if (m == i) break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

/* Index phase of one thread: votes for its range of entries, best k into its heap. */
static void *index_range(void *arg)
{
    struct job *j = arg;
    const struct afis_gallery *g = j->g;
    enum { CHUNK = 1 << 16 }; /* entries voted at a time: votes stay in cache */
    uint16_t *votes = malloc((size_t)CHUNK * IX_VOTES_PER_ENTRY * sizeof *votes);
    if (!votes) {
        j->rc = KT_ENOMEM;
        return NULL;
    }
    for (size_t lo = j->lo; lo < j->hi; lo += CHUNK) {
        size_t hi = lo + CHUNK < j->hi ? lo + CHUNK : j->hi;
        afis_index_votes(g->ix, j->keys, j->nkeys, g->live, (uint32_t)lo, (uint32_t)hi, votes);
        for (size_t i = lo; i < hi; i++) {
            const struct entry *e = &g->e[i];
            if (e->finger < 0 || (j->finger >= 0 && e->finger != j->finger)) continue;
            unsigned r = afis_index_rank(votes + (i - lo) * IX_VOTES_PER_ENTRY);
            heap_push(j->top, &j->ntop, j->k, (struct hit){(float)r, (uint32_t)i});
        }
    }
    free(votes);
    return NULL;
}

static void *match_range(void *arg)
{
    struct job *j = arg;
    struct afis_template *t = malloc(sizeof *t);
    struct afis_prepared *p = malloc(sizeof *p);
    if (!t || !p) {
        for (size_t i = j->lo; i < j->hi; i++)
            j->hits[i].score = 0;
    } else {
        for (size_t i = j->lo; i < j->hi; i++) {
            entry_template(j->g, j->hits[i].idx, t);
            mcc_prepare(t, p);
            j->hits[i].score = (float)afis_match_prepared(j->probe, p);
        }
    }
    free(t);
    free(p);
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void run_threads(int nt, struct job *jobs, void *(*fn)(void *))
{
    pthread_t th[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, fn, &jobs[t]) == 0;
    fn(&jobs[0]);
    for (int t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            fn(&jobs[t]);
    }
}

/* The index's best k entries for probe (of finger, or any when < 0) into a new *list. */
static int index_shortlist(const struct afis_gallery *g, const struct afis_template *probe,
                           int finger, size_t k, int nt, struct hit **list, size_t *nl)
{
    struct afis_prepared *pp = malloc(sizeof *pp);
    struct afis_index_key *keys = malloc(IX_MAX_KEYS * sizeof *keys);
    struct hit *tops = malloc((size_t)nt * k * sizeof *tops);
    *list = malloc(k * sizeof **list);
    int rc = pp && keys && tops && *list ? 0 : KT_ENOMEM;
    if (!rc) {
        mcc_points(probe, pp);
        int nkeys = afis_index_keys(pp, keys);
        struct job jobs[MAX_THREADS];
        for (int t = 0; t < nt; t++)
            jobs[t] = (struct job){.g = g,
                                   .keys = keys,
                                   .nkeys = nkeys,
                                   .finger = finger,
                                   .lo = g->n * (size_t)t / (size_t)nt,
                                   .hi = g->n * (size_t)(t + 1) / (size_t)nt,
                                   .top = tops + (size_t)t * k,
                                   .k = k};
        run_threads(nt, jobs, index_range);
        for (int t = 0; t < nt; t++) {
            rc = rc ? rc : jobs[t].rc;
            for (size_t i = 0; i < jobs[t].ntop; i++)
                heap_push(*list, nl, k, jobs[t].top[i]);
        }
    }
    free(pp);
    free(keys);
    free(tops);
    if (rc) {
        free(*list);
        *list = NULL;
        *nl = 0;
    }
    return rc;
}

/* Scores of one probe finger: the matched entries and their scores into *hits and *nhits. */
static int search_one(const struct afis_gallery *g, const struct afis_template *probe,
                      const struct afis_search_opts *o, int nt, struct hit **hits, size_t *nhits,
                      struct afis_search_stats *st)
{
    *hits = NULL;
    *nhits = 0;
    size_t k = o->shortlist ? o->shortlist : DEFAULT_SHORTLIST;
    int finger = o->same_finger && probe->finger > 0 ? probe->finger : -1;
    double t0 = now_ms();
    struct hit *list = NULL;
    size_t nl = 0;
    if (o->exhaustive || g->n <= k) {
        list = malloc((g->n ? g->n : 1) * sizeof *list);
        if (!list) return KT_ENOMEM;
        for (size_t i = 0; i < g->n; i++)
            if (g->e[i].finger >= 0 && (finger < 0 || g->e[i].finger == finger))
                list[nl++] = (struct hit){0, (uint32_t)i};
    } else {
        int rc = index_shortlist(g, probe, finger, k, nt, &list, &nl);
        if (rc) return rc;
    }
    double t1 = now_ms();
    struct afis_prepared *pp = malloc(sizeof *pp);
    if (!pp) {
        free(list);
        return KT_ENOMEM;
    }
    mcc_prepare(probe, pp);
    struct job jobs[MAX_THREADS];
    for (int t = 0; t < nt; t++)
        jobs[t] = (struct job){.g = g,
                               .probe = pp,
                               .hits = list,
                               .lo = nl * (size_t)t / (size_t)nt,
                               .hi = nl * (size_t)(t + 1) / (size_t)nt};
    run_threads(nt, jobs, match_range);
    free(pp);
    if (st) {
        st->entries += g->live;
        st->matched += nl;
        st->ms_index += t1 - t0;
        st->ms_match += now_ms() - t1;
    }
    *hits = list;
    *nhits = nl;
    return 0;
}

struct fused {
    uint32_t idx; /* an entry of the subject (for its name) */
    int finger, fingers;
    double score, best;
};

static int fused_cmp(const void *a, const void *b)
{
    double x = ((const struct fused *)a)->score, y = ((const struct fused *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

int afis_gallery_search(struct afis_gallery *g, const struct afis_template *probes, int nprobes,
                        const struct afis_search_opts *opts, struct afis_candidate *out, int max,
                        int *n, struct afis_search_stats *stats)
{
    *n = 0;
    struct afis_search_opts o = opts ? *opts : (struct afis_search_opts){0};
    int nt = o.threads > 0 ? o.threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nt < 1) nt = 1;
    if (nt > MAX_THREADS) nt = MAX_THREADS;
    if (stats) memset(stats, 0, sizeof *stats);
    if (nprobes < 1 || nprobes > 20) return kt_fail(KT_EINVAL, "1..20 probe fingers");
    pthread_rwlock_rdlock(&g->lock);
    /* entries added since the last search are merged into the index first */
    while (afis_index_pending(g->ix)) {
        pthread_rwlock_unlock(&g->lock);
        pthread_rwlock_wrlock(&g->lock);
        int frc = afis_index_flush(g->ix);
        pthread_rwlock_unlock(&g->lock);
        if (frc) return frc;
        pthread_rwlock_rdlock(&g->lock);
    }
    /* per subject: the sum over probe fingers of the best score of that finger */
    struct fused *f = NULL;
    size_t nf = 0, capf = 0;
    int rc = 0;
    for (int p = 0; p < nprobes && !rc; p++) {
        struct hit *hits;
        size_t nh;
        if ((rc = search_one(g, &probes[p], &o, nt, &hits, &nh, stats))) break;

        for (size_t i = 0; i < nh; i++) {
            if (hits[i].score <= 0 || hits[i].score < o.min_score) continue;
            const struct entry *e = &g->e[hits[i].idx];
            size_t k;
            for (k = 0; k < nf; k++)
                if (strcmp(g->e[f[k].idx].subject, e->subject) == 0) break;
            if (k == nf) {
                if (nf == capf) {
                    size_t c = capf ? capf * 2 : 64;
                    struct fused *nfz = realloc(f, c * sizeof *nfz);
                    if (!nfz) {
                        rc = KT_ENOMEM;
                        break;
                    }
                    f = nfz;
                    capf = c;
                }
                f[nf++] = (struct fused){.idx = hits[i].idx, .finger = e->finger};
                f[k].best = -1;
            }
            /* this probe finger's best for the subject: kept in .best until the next finger */
            if (hits[i].score > f[k].best) {
                f[k].best = hits[i].score;
                f[k].finger = f[k].score == 0 ? e->finger : f[k].finger;
            }
        }
        for (size_t k = 0; k < nf; k++)
            if (f[k].best > 0) {
                f[k].score += f[k].best;
                f[k].fingers++;
                f[k].best = -1;
            }
        free(hits);
    }
    if (!rc) {
        if (nf) qsort(f, nf, sizeof *f, fused_cmp);
        for (size_t k = 0; k < nf && *n < max; k++) {
            struct afis_candidate *c = &out[(*n)++];
            memcpy(c->subject, g->e[f[k].idx].subject, AFIS_SUBJECT_MAX);
            c->finger = f[k].finger;
            c->score = f[k].score;
            c->fingers = f[k].fingers;
        }
    }
    pthread_rwlock_unlock(&g->lock);
    free(f);
    return rc;
}
