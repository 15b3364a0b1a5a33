/* The minutiae matcher: local similarity of minutia cylinders (mcc.c), then global
 * consolidation — each of the best local pairs in turn fixes a rotation and translation, and
 * the pairs that agree with it (within a tolerance that grows with the distance from the
 * anchor, for skin distortion) are counted one-to-one — and last a calibration that turns the
 * raw score into an estimated false-match rate given how many minutiae each side has in the
 * common area (so partial latents and full rolled prints share one threshold). */
#include "afis/afis_internal.h"
#include "base/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.283185307179586
#define PI 3.141592653589793
#define PER_ROW 4        /* local pairs kept per minutia of the smaller template */
#define MIN_LOCAL 0.20   /* local similarity below which a pair is not considered */
#define ANCHORS 10       /* best local pairs tried as the alignment */
#define TOL_PX 14.0      /* position tolerance at the anchor … */
#define TOL_GROWTH 0.10  /* … growing by this per pixel of distance from it (distortion) */
#define TOL_ANGLE 0.45   /* direction tolerance, radians (≈ 26°) */
#define REFINE 3         /* the best anchors by the coarse pairing are refined … */
#define FIT_ROUNDS 2     /* … this many times: least-squares fit, then the fine pairing */
#define FINE_PX 7.0      /* position tolerance after the fit, at the paired minutiae's centre … */
#define FINE_GROWTH 0.03 /* … growing by this per pixel away from it */
#define FINE_ANGLE 0.35  /* direction tolerance after the fit, radians (≈ 20°) */
#define TYPE_MISMATCH 0.5 /* weight of a pair whose types (ending, bifurcation) differ */
#define MAX_PAIRS (AFIS_MAX_MINUTIAE * PER_ROW)

#if defined(__x86_64__)
#define HOT __attribute__((target("popcnt")))
#else
#define HOT
#endif

int afis_prepare(const struct afis_template *t, struct afis_prepared **out)
{
    *out = malloc(sizeof **out);
    if (!*out) return KT_ENOMEM;
    mcc_prepare(t, *out);
    return 0;
}

void afis_prepared_free(struct afis_prepared *p)
{
    free(p);
}

struct pair {
    float sim;
    uint8_t i, j; /* index in the smaller (s), in the larger (l) template */
};

/* Sorts pairs by similarity, best first, ties in their order (a stable radix sort on the
 * float's bits, which order positive floats as integers; qsort's calls cost more than the
 * sort itself at a few hundred pairs). */
static void sort_pairs(struct pair *p, int n, struct pair *tmp)
{
    struct pair *src = p, *dst = tmp;
    for (int shift = 0; shift < 32; shift += 8) {
        int cnt[257] = {0};
        for (int k = 0; k < n; k++) {
            uint32_t u;
            memcpy(&u, &src[k].sim, sizeof u);
            cnt[(255 - (u >> shift & 255)) + 1]++;
        }
        for (int b = 0; b < 256; b++)
            cnt[b + 1] += cnt[b];
        for (int k = 0; k < n; k++) {
            uint32_t u;
            memcpy(&u, &src[k].sim, sizeof u);
            dst[cnt[255 - (u >> shift & 255)]++] = src[k];
        }
        struct pair *x = src;
        src = dst;
        dst = x;
    }
    /* four passes: the result is back in p */
}

/* One row of the local pairs: the PER_ROW most similar cylinders of l to minutia i of s,
 * best first, ties in column order. A candidate is first tested against the row's current
 * bound (the PER_ROW-th best so far, or MIN_LOCAL) by a multiplication, with a margin so the
 * exact test that follows decides the ties; only the few that pass pay for a division. */
struct row {
    struct pair best[PER_ROW];
    int nb;
    float worst;
};

static inline void row_offer(struct row *r, const struct afis_prepared *l, int i, int bi, int j,
                             int inter)
{
    int den = bi + l->bits[j];
    if (!inter || 2.0f * (float)inter < r->worst * (float)den * 0.999f) return;
    float sim = 2.0f * (float)inter / (float)den;
    if (sim < MIN_LOCAL || l->bits[j] < MCC_MIN_BITS) return;
    int k;
    if (r->nb < PER_ROW)
        k = r->nb++;
    else if (sim > r->best[PER_ROW - 1].sim)
        k = PER_ROW - 1;
    else
        return;
    while (k > 0 && r->best[k - 1].sim < sim) {
        r->best[k] = r->best[k - 1];
        k--;
    }
    r->best[k] = (struct pair){sim, (uint8_t)i, (uint8_t)j};
    if (r->nb == PER_ROW) r->worst = r->best[PER_ROW - 1].sim;
}

HOT static void row_scalar(const struct afis_prepared *s, const struct afis_prepared *l, int i,
                           struct row *r)
{
    const int bi = s->bits[i];
    const uint64_t c0 = s->cyl[0][i], c1 = s->cyl[1][i], c2 = s->cyl[2][i], c3 = s->cyl[3][i];
    for (int j = 0; j < l->n; j++) {
        int inter =
            __builtin_popcountll(c0 & l->cyl[0][j]) + __builtin_popcountll(c1 & l->cyl[1][j]) +
            __builtin_popcountll(c2 & l->cyl[2][j]) + __builtin_popcountll(c3 & l->cyl[3][j]);
        row_offer(r, l, i, bi, j, inter);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_ROW_AVX512 1
/* The same row, 16 columns at a time: AND + VPOPCNTQ over the word-major cylinders, then the
 * bound test in 16 float lanes (with the bound as it stood at the block's start, which only
 * lets more candidates through to row_offer, in column order: the result is the scalar one). */
__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) static void
row_avx512(const struct afis_prepared *s, const struct afis_prepared *l, int i, struct row *r)
{
    const int bi = s->bits[i];
    const __m512i c0 = _mm512_set1_epi64((long long)s->cyl[0][i]),
                  c1 = _mm512_set1_epi64((long long)s->cyl[1][i]),
                  c2 = _mm512_set1_epi64((long long)s->cyl[2][i]),
                  c3 = _mm512_set1_epi64((long long)s->cyl[3][i]);
    const __m512i vbi = _mm512_set1_epi32(bi);
    int32_t inter[16];
    for (int j0 = 0; j0 < l->n; j0 += 16) {
        __m512i h[2];
        for (int k = 0; k < 2; k++) {
            int j = j0 + 8 * k;
            __m512i x = _mm512_popcnt_epi64(_mm512_and_si512(c0, _mm512_load_si512(&l->cyl[0][j])));
            x = _mm512_add_epi64(
                x, _mm512_popcnt_epi64(_mm512_and_si512(c1, _mm512_load_si512(&l->cyl[1][j]))));
            x = _mm512_add_epi64(
                x, _mm512_popcnt_epi64(_mm512_and_si512(c2, _mm512_load_si512(&l->cyl[2][j]))));
            h[k] = _mm512_add_epi64(
                x, _mm512_popcnt_epi64(_mm512_and_si512(c3, _mm512_load_si512(&l->cyl[3][j]))));
        }
        __m512i in = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(h[0])),
                                        _mm512_cvtepi64_epi32(h[1]), 1);
        __m512i bj = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)&l->bits[j0]));
        __m512 den = _mm512_cvtepi32_ps(_mm512_add_epi32(vbi, bj));
        __m512 lhs = _mm512_mul_ps(_mm512_set1_ps(2.0f), _mm512_cvtepi32_ps(in));
        __m512 rhs =
            _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(r->worst), den), _mm512_set1_ps(0.999f));
        unsigned m = _mm512_cmp_ps_mask(lhs, rhs, _CMP_GE_OQ) & _mm512_test_epi32_mask(in, in);
        if (l->n - j0 < 16) m &= (1u << (l->n - j0)) - 1;
        if (!m) continue;
        _mm512_storeu_si512(inter, in);
        while (m) {
            int k = __builtin_ctz(m);
            m &= m - 1;
            row_offer(r, l, i, bi, j0 + k, inter[k]);
        }
    }
}

static int wide = -1; /* -1 not yet known; every thread computes the same value */

static int wide_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
}

int afis_match_wide(int want)
{
    int v = __atomic_load_n(&wide, __ATOMIC_RELAXED);
    if (want >= 0 || v < 0) {
        v = want >= 0 ? want && wide_supported()
                      : wide_supported() && !getenv("KEITSU_AFIS_NO_AVX512");
        __atomic_store_n(&wide, v, __ATOMIC_RELAXED);
    }
    return v;
}
#else
int afis_match_wide(int want)
{
    (void)want;
    return 0;
}
#endif

/* For each minutia of s, its PER_ROW most similar cylinders in l; all pairs best first. */
static int local_pairs(const struct afis_prepared *s, const struct afis_prepared *l,
                       struct pair *out)
{
    int np = 0;
#ifdef HAVE_ROW_AVX512
    int vec = afis_match_wide(-1);
#endif
    for (int i = 0; i < s->n; i++) {
        if (s->bits[i] < MCC_MIN_BITS) continue;
        struct row r = {.nb = 0, .worst = MIN_LOCAL};
#ifdef HAVE_ROW_AVX512
        if (vec)
            row_avx512(s, l, i, &r);
        else
#endif
            row_scalar(s, l, i, &r);
        for (int k = 0; k < r.nb; k++)
            out[np++] = r.best[k];
    }
    struct pair tmp[MAX_PAIRS];
    sort_pairs(out, np, tmp);
    return np;
}

/* |a - b| on the circle; a and b within a few turns of each other (no fmod: this is the
 * consolidation's inner loop). */
static double angle_diff(double a, double b)
{
    double d = a - b;
    while (d < 0)
        d += TWO_PI;
    while (d >= TWO_PI)
        d -= TWO_PI;
    return d > PI ? TWO_PI - d : d;
}

/* margin[k] = -8 px × the length of the outline's edge k: a point up to 8 px outside the
 * outline still counts (minutiae sit near its edge). */
static void hull_margins(const float *hx, const float *hy, int nh, double *margin)
{
    for (int k = 0; k < nh; k++) {
        int k2 = k + 1 == nh ? 0 : k + 1;
        double ex = hx[k2] - hx[k], ey = hy[k2] - hy[k];
        margin[k] = -8.0 * sqrt(ex * ex + ey * ey);
    }
}

static int inside_hull(const float *hx, const float *hy, const double *margin, int nh, double x,
                       double y)
{
    if (nh < 3) return 1; /* no outline: everything counts */
    for (int k = 0; k < nh; k++) {
        int k2 = k + 1 == nh ? 0 : k + 1;
        double ex = hx[k2] - hx[k], ey = hy[k2] - hy[k];
        double c = ex * (y - hy[k]) - ey * (x - hx[k]);
        if (c < margin[k]) return 0;
    }
    return 1;
}

struct align {
    double c, sn, tx, ty, rot; /* l = R(rot) s + t */
    double ox, oy;             /* in s: where the alignment is best known */
};

static void align_anchor(const struct afis_prepared *s, const struct afis_prepared *l, int i0,
                         int j0, struct align *al)
{
    double rot = l->a[j0] - s->a[i0];
    al->rot = rot;
    al->c = cos(rot);
    al->sn = sin(rot);
    al->tx = l->x[j0] - (al->c * s->x[i0] - al->sn * s->y[i0]);
    al->ty = l->y[j0] - (al->sn * s->x[i0] + al->c * s->y[i0]);
    al->ox = s->x[i0];
    al->oy = s->y[i0];
}

/* Least-squares rotation and translation of the paired minutiae (2-D Procrustes). */
static void align_fit(const struct afis_prepared *s, const struct afis_prepared *l,
                      uint8_t (*paired)[2], int k, struct align *al)
{
    if (k < 3) return;
    double sx = 0, sy = 0, lx = 0, ly = 0;
    for (int p = 0; p < k; p++) {
        sx += s->x[paired[p][0]], sy += s->y[paired[p][0]];
        lx += l->x[paired[p][1]], ly += l->y[paired[p][1]];
    }
    sx /= k, sy /= k, lx /= k, ly /= k;
    double num = 0, den = 0;
    for (int p = 0; p < k; p++) {
        double ax = s->x[paired[p][0]] - sx, ay = s->y[paired[p][0]] - sy;
        double bx = l->x[paired[p][1]] - lx, by = l->y[paired[p][1]] - ly;
        num += ax * by - ay * bx;
        den += ax * bx + ay * by;
    }
    double rot = atan2(num, den);
    al->rot = rot;
    al->c = cos(rot);
    al->sn = sin(rot);
    al->tx = lx - (al->c * sx - al->sn * sy);
    al->ty = ly - (al->sn * sx + al->c * sy);
    al->ox = sx;
    al->oy = sy;
}

struct tol {
    double px, growth, angle;
};

/* Pairs one-to-one, best local similarity first, the pairs consistent with al; writes the
 * pairing and returns the summed (type-weighted) similarity. */
static double consolidate(const struct afis_prepared *s, const struct afis_prepared *l,
                          const struct pair *pairs, int np, const struct align *al,
                          const struct tol *t, int *count, uint8_t (*paired)[2])
{
    uint8_t used_s[AFIS_MAX_MINUTIAE] = {0}, used_l[AFIS_MAX_MINUTIAE] = {0};
    /* each minutia of s appears in up to PER_ROW pairs: map it and its tolerance once */
    uint8_t mapped[AFIS_MAX_MINUTIAE] = {0};
    double mx[AFIS_MAX_MINUTIAE], my[AFIS_MAX_MINUTIAE], mtol2[AFIS_MAX_MINUTIAE];
    double w = 0;
    int k = 0;
    for (int p = 0; p < np; p++) {
        int i = pairs[p].i, j = pairs[p].j;
        if (used_s[i] || used_l[j]) continue;
        if (!mapped[i]) {
            mapped[i] = 1;
            mx[i] = al->c * s->x[i] - al->sn * s->y[i] + al->tx;
            my[i] = al->sn * s->x[i] + al->c * s->y[i] + al->ty;
            double ax = s->x[i] - al->ox, ay = s->y[i] - al->oy;
            double tol = t->px + t->growth * sqrt(ax * ax + ay * ay);
            mtol2[i] = tol * tol;
        }
        double dx = mx[i] - l->x[j], dy = my[i] - l->y[j];
        if (dx * dx + dy * dy > mtol2[i]) continue;
        if (angle_diff(s->a[i] + al->rot, l->a[j]) > t->angle) continue;
        used_s[i] = used_l[j] = 1;
        paired[k][0] = (uint8_t)i;
        paired[k][1] = (uint8_t)j;
        k++;
        int same = s->t[i] == l->t[j] || !s->t[i] || !l->t[j];
        w += pairs[p].sim * (same ? 1.0 : TYPE_MISMATCH);
    }
    *count = k;
    return w;
}

/* How many minutiae of each side lie in the other's area under the alignment. */
static void overlap(const struct afis_prepared *s, const struct afis_prepared *l,
                    const struct align *al, int *os, int *ol)
{
    float hx[HULL_MAX], hy[HULL_MAX]; /* s's outline in l's frame */
    for (int k = 0; k < s->nh; k++) {
        hx[k] = (float)(al->c * s->hx[k] - al->sn * s->hy[k] + al->tx);
        hy[k] = (float)(al->sn * s->hx[k] + al->c * s->hy[k] + al->ty);
    }
    double ml[HULL_MAX], ms[HULL_MAX];
    hull_margins(l->hx, l->hy, l->nh, ml);
    hull_margins(hx, hy, s->nh, ms);
    int a = 0, b = 0;
    for (int i = 0; i < s->n; i++) {
        double px = al->c * s->x[i] - al->sn * s->y[i] + al->tx;
        double py = al->sn * s->x[i] + al->c * s->y[i] + al->ty;
        a += inside_hull(l->hx, l->hy, ml, l->nh, px, py);
    }
    for (int j = 0; j < l->n; j++)
        b += inside_hull(hx, hy, ms, s->nh, l->x[j], l->y[j]);
    *os = a;
    *ol = b;
}

/* Calibration. Impostor raw scores (the summed local similarity of the consolidated pairs)
 * were measured on image-extracted templates of bench/bench_afis.c (`bench_afis --images
 * --calibrate`: 500 fingers × 4 plain impressions and 500 latents of 12..25 minutiae, 249,500
 * impostor pairs; BENCH_AFIS_CAL_DUMP writes them out). Above its 99th percentile CAL_MU the
 * impostor tail falls off exponentially, CAL_DEC of raw score per decade of false-match rate,
 * both close to linear in m = min(minutiae of each side in the common area). The four
 * constants were fitted so that the observed impostor share above the 1/100 and 1/1000
 * thresholds comes close to the nominal one in every class of the smaller template's minutiae
 * (latents ≤ 25; plain 26..40, 41..60, 61..80), on one half of the pairs, and were checked on
 * the other half and on the 1,000-finger sets of docs/benchmarks.md. (A fit with the share of
 * the smaller template in the common area as well matched the classes better on images but
 * favoured alignments that hang off the other print, which cost rank-1 on sparse minutiae.)
 * The score is -log10 of the estimated FMR over AFIS_SCORE_DECADES, clamped to 0..1; below the
 * 99th percentile it rises linearly from 0 at raw 0. */
#define CAL_MU0 1.798
#define CAL_MU1 0.1304
#define CAL_DEC0 0.649
#define CAL_DEC1 0.0225

static double calibrate(double raw, int m)
{
    if (m < 1) m = 1;
    double mu = CAL_MU0 + CAL_MU1 * m, dec = CAL_DEC0 + CAL_DEC1 * m;
    double decades = raw >= mu ? 2.0 + (raw - mu) / dec : raw <= 0 ? 0 : 2.0 * raw / mu;
    double s = decades / AFIS_SCORE_DECADES;
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

double afis_threshold(double decades)
{
    return decades / AFIS_SCORE_DECADES;
}

/* Orders two templates of equal size by their cylinders' bytes, minutia by minutia (the
 * tie-break that makes the score symmetric). */
static int cyl_cmp(const struct afis_prepared *a, const struct afis_prepared *b)
{
    for (int i = 0; i < a->n; i++)
        for (int w = 0; w < MCC_WORDS; w++) {
            int c = memcmp(&a->cyl[w][i], &b->cyl[w][i], sizeof a->cyl[w][i]);
            if (c) return c;
        }
    return 0;
}

static double match(const struct afis_prepared *a, const struct afis_prepared *b,
                    struct afis_match_detail *d)
{
    /* the smaller side drives the search; the result does not depend on the order */
    int swap = a->n > b->n || (a->n == b->n && cyl_cmp(a, b) > 0);
    const struct afis_prepared *s = swap ? b : a, *l = swap ? a : b;
    if (d) memset(d, 0, sizeof *d);
    if (s->n < 2 || l->n < 2) return 0;
    struct pair pairs[MAX_PAIRS];
    int np = local_pairs(s, l, pairs);
    if (!np) return 0;
    const struct tol coarse = {TOL_PX, TOL_GROWTH, TOL_ANGLE};
    const struct tol fine = {FINE_PX, FINE_GROWTH, FINE_ANGLE};
    uint8_t paired[AFIS_MAX_MINUTIAE][2];
    /* the REFINE best anchors by the coarse pairing, with that pairing (slot REFINE is the
     * scratch one the next anchor is paired into) */
    uint8_t top_p[REFINE + 1][AFIS_MAX_MINUTIAE][2];
    double top_w[REFINE] = {0};
    int top_a[REFINE], top_k[REFINE], top_slot[REFINE], ntop = 0, scratch = REFINE;
    for (int a0 = 0; a0 < np && a0 < ANCHORS; a0++) {
        struct align al;
        int k;
        align_anchor(s, l, pairs[a0].i, pairs[a0].j, &al);
        double w = consolidate(s, l, pairs, np, &al, &coarse, &k, top_p[scratch]);
        if (k < 2) continue;
        int full = ntop == REFINE;
        if (full && w <= top_w[REFINE - 1]) continue;
        /* a full list drops its last entry, whose slot becomes the scratch one */
        int freed = full ? top_slot[REFINE - 1] : -1;
        int q = full ? REFINE - 1 : ntop++;
        while (q > 0 && top_w[q - 1] < w) {
            top_w[q] = top_w[q - 1];
            top_a[q] = top_a[q - 1];
            top_k[q] = top_k[q - 1];
            top_slot[q] = top_slot[q - 1];
            q--;
        }
        top_w[q] = w;
        top_a[q] = a0;
        top_k[q] = k;
        top_slot[q] = scratch;
        if (freed >= 0) {
            scratch = freed;
        } else { /* ntop ≤ REFINE slots are taken: one of the REFINE + 1 is free */
            int taken[REFINE + 1] = {0};
            for (int t = 0; t < ntop; t++)
                taken[top_slot[t]] = 1;
            for (scratch = 0; taken[scratch]; scratch++)
                ;
        }
    }
    double best = 0;
    int best_k = 0, best_a = -1;
    struct align best_al = {0};
    for (int q = 0; q < ntop; q++) {
        struct align al;
        int k;
        align_anchor(s, l, pairs[top_a[q]].i, pairs[top_a[q]].j, &al);
        double w = top_w[q];
        k = top_k[q];
        memcpy(paired, top_p[top_slot[q]], sizeof paired[0] * (size_t)k);
        for (int it = 0; it < FIT_ROUNDS; it++) {
            align_fit(s, l, paired, k, &al);
            w = consolidate(s, l, pairs, np, &al, &fine, &k, paired);
        }
        if (w > best) {
            best = w;
            best_k = k;
            best_a = q;
            best_al = al;
        }
    }
    if (best_a < 0 || best_k < 2) return 0;
    int os, ol;
    overlap(s, l, &best_al, &os, &ol);
    int m = os < ol ? os : ol;
    double score = calibrate(best, m);
    if (d) {
        int k;
        consolidate(s, l, pairs, np, &best_al, &fine, &k, paired);
        d->score = score;
        d->raw = best;
        d->paired = k;
        d->overlap_a = swap ? ol : os;
        d->overlap_b = swap ? os : ol;
        for (int p = 0; p < k; p++) {
            d->pairs[p][0] = swap ? paired[p][1] : paired[p][0];
            d->pairs[p][1] = swap ? paired[p][0] : paired[p][1];
        }
    }
    return score;
}

double afis_match_prepared(const struct afis_prepared *a, const struct afis_prepared *b)
{
    return match(a, b, NULL);
}

double afis_match_detail(const struct afis_prepared *a, const struct afis_prepared *b,
                         struct afis_match_detail *d)
{
    return match(a, b, d);
}

double afis_match(const struct afis_template *probe, const struct afis_template *candidate)
{
    struct afis_prepared *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    double s = 0;
    if (a && b) {
        mcc_prepare(probe, a);
        mcc_prepare(candidate, b);
        s = match(a, b, NULL);
    }
    free(a);
    free(b);
    return s;
}
