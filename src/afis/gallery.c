/* 1:N search: an in-memory gallery of compact fingers, an index signature per finger scanned
 * on all cores, the full matcher on the shortlist, and fusion over a tenprint's fingers.
 *
 * The index: every pair of minutiae 15..100 px apart gives a feature (distance in 14 px
 * steps, the pair's direction relative to the first minutia in 30° sectors, their relative
 * direction in 30° sectors), hashed to one of 2048 bits (signature() can also set the
 * neighbouring cells near a boundary; measured no better, so both sides set one cell). The
 * probe leaves out bits most of the gallery shares. Rank = (common bits − chance) /
 * √(gallery bits). The recall this costs is measured by bench/bench_afis.c. */
#include "afis/afis_internal.h"
#include "base/err.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TWO_PI 6.283185307179586
#define SIG_BITS (SIG_WORDS * 64)
#define DEFAULT_SHORTLIST 2000
#define MAX_THREADS 64

#if defined(__x86_64__)
#define HOT __attribute__((target("popcnt")))
#else
#define HOT
#endif

struct cmin {
    uint16_t x, y;
    uint8_t a, type; /* a in 256ths of a turn */
};

struct entry {
    char subject[AFIS_SUBJECT_MAX];
    uint16_t width, height, bits;
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
    uint64_t *sig; /* n × SIG_WORDS */
    size_t live;
    uint32_t freq[SIG_BITS]; /* how many entries set each signature bit */
};

static uint32_t hash3(int d, int a, int b)
{
    uint32_t h = (uint32_t)(d * 144 + a * 12 + b) * 2654435761u;
    return h >> (32 - 11);
}

static void cell2(double pos, int count, int cyclic, int soft, int *c)
{
    int k = (int)pos;
    double f = pos - k;
    if (k >= count) k = cyclic ? k % count : count - 1;
    c[0] = k;
    c[1] = -1;
    if (!soft) return;
    int o = f < 0.25 ? k - 1 : f > 0.75 ? k + 1 : -2;
    if (o == -2) return;
    if (cyclic)
        o = (o + count) % count;
    else if (o < 0 || o >= count)
        o = -1;
    c[1] = o;
}

static void signature(const struct afis_template *t, uint64_t *sig, int soft)
{
    memset(sig, 0, SIG_WORDS * sizeof *sig);
    for (int i = 0; i < t->n; i++)
        for (int j = 0; j < t->n; j++) {
            if (i == j) continue;
            double dx = t->m[j].x - t->m[i].x, dy = -(double)(t->m[j].y - t->m[i].y);
            double d2 = dx * dx + dy * dy;
            if (d2 < 12 * 12 || d2 >= 75 * 75) continue;
            double al = mcc_atan2(dy, dx) - t->m[i].angle;
            al = fmod(al, TWO_PI);
            if (al < 0) al += TWO_PI;
            double be = fmod(t->m[j].angle - t->m[i].angle, TWO_PI);
            if (be < 0) be += TWO_PI;
            int cd[2], ca[2], cb[2];
            cell2(sqrt(d2) / 10.0, 8, 0, soft, cd);
            cell2(al / TWO_PI * 12, 12, 1, soft, ca);
            cell2(be / TWO_PI * 12, 12, 1, soft, cb);
            for (int p = 0; p < 2; p++)
                for (int q = 0; q < 2; q++)
                    for (int r = 0; r < 2; r++) {
                        if (cd[p] < 0 || ca[q] < 0 || cb[r] < 0) continue;
                        uint32_t h = hash3(cd[p], ca[q], cb[r]);
                        sig[h >> 6] |= 1ull << (h & 63);
                    }
        }
}

void afis_signature(const struct afis_template *t, uint64_t sig[SIG_WORDS])
{
    signature(t, sig, 0);
}

int afis_gallery_create(struct afis_gallery **out)
{
    struct afis_gallery *g = calloc(1, sizeof *g);
    if (!g) return KT_ENOMEM;
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
    free(g->sig);
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
        uint64_t *s = realloc(g->sig, cap * SIG_WORDS * sizeof *s);
        if (!s) return KT_ENOMEM;
        g->sig = s;
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
    uint64_t sig[SIG_WORDS];
    signature(t, sig, 0);
    pthread_rwlock_wrlock(&g->lock);
    int removed = 0, rc = grow(g, t->n);
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
        int bits = 0;
        for (int w = 0; w < SIG_WORDS; w++)
            bits += __builtin_popcountll(sig[w]);
        e->bits = (uint16_t)bits;
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
        memcpy(g->sig + g->n * SIG_WORDS, sig, sizeof sig);
        for (int b = 0; b < SIG_BITS; b++)
            g->freq[b] += (uint32_t)(sig[b >> 6] >> (b & 63) & 1);
        g->n++;
        g->live++;
    }
    pthread_rwlock_unlock(&g->lock);
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
    const uint64_t *psig;
    int pbits, finger; /* finger < 0: any */
    const struct afis_prepared *probe;
    size_t lo, hi;   /* range of entries (index phase) or of hits (match phase) */
    struct hit *top; /* index phase: this thread's shortlist (min-heap) */
    size_t k, ntop;
    struct hit *hits; /* match phase: shared list, each thread scores its range */
};

static void heap_push(struct hit *h, size_t *n, size_t k, struct hit x)
{
    if (*n < k) {
        size_t i = (*n)++;
        while (i > 0 && h[(i - 1) / 2].score > x.score) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = x;
        return;
    }
    if (x.score <= h[0].score) return;
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        float ms = x.score;
        if (l < *n && h[l].score < ms) {
            m = l;
            ms = h[l].score;
        }
        if (r < *n && h[r].score < ms) m = r;
        if (m == i) break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

HOT static void *index_scan(void *arg)
{
    struct job *j = arg;
    const struct afis_gallery *g = j->g;
    double chance = j->pbits / (double)SIG_BITS;
    for (size_t i = j->lo; i < j->hi; i++) {
        const struct entry *e = &g->e[i];
        if (e->finger < 0 || (j->finger >= 0 && e->finger != j->finger)) continue;
        const uint64_t *s = g->sig + i * SIG_WORDS;
        int inter = 0;
        for (int w = 0; w < SIG_WORDS; w++)
            inter += __builtin_popcountll(s[w] & j->psig[w]);
        float sc = (float)((inter - chance * e->bits) / sqrt(e->bits + 1.0));
        heap_push(j->top, &j->ntop, j->k, (struct hit){sc, (uint32_t)i});
    }
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
        uint64_t psig[SIG_WORDS];
        signature(probe, psig, 0);
        /* features most fingers share (smooth ridge flow makes some pairs common) say
         * little: the probe leaves out the bits set in over twice the average share */
        double mean = 0;
        for (int b = 0; b < SIG_BITS; b++)
            mean += g->freq[b];
        mean /= SIG_BITS;
        for (int b = 0; b < SIG_BITS; b++)
            if (g->freq[b] > 2 * mean + 1) psig[b >> 6] &= ~(1ull << (b & 63));
        int pbits = 0;
        for (int w = 0; w < SIG_WORDS; w++)
            pbits += __builtin_popcountll(psig[w]);
        struct job jobs[MAX_THREADS];
        struct hit *tops = malloc((size_t)nt * k * sizeof *tops);
        if (!tops) return KT_ENOMEM;
        for (int t = 0; t < nt; t++)
            jobs[t] = (struct job){.g = g,
                                   .psig = psig,
                                   .pbits = pbits,
                                   .finger = finger,
                                   .lo = g->n * (size_t)t / (size_t)nt,
                                   .hi = g->n * (size_t)(t + 1) / (size_t)nt,
                                   .top = tops + (size_t)t * k,
                                   .k = k};
        run_threads(nt, jobs, index_scan);
        list = malloc(k * sizeof *list);
        if (!list) {
            free(tops);
            return KT_ENOMEM;
        }
        for (int t = 0; t < nt; t++)
            for (size_t i = 0; i < jobs[t].ntop; i++)
                heap_push(list, &nl, k, jobs[t].top[i]);
        free(tops);
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
