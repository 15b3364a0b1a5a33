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

static int pair_cmp(const void *a, const void *b)
{
    float x = ((const struct pair *)a)->sim, y = ((const struct pair *)b)->sim;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* For each minutia of s, its PER_ROW most similar cylinders in l. */
HOT static int local_pairs(const struct afis_prepared *s, const struct afis_prepared *l,
                           struct pair *out)
{
    int np = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->bits[i] < MCC_MIN_BITS) continue;
        struct pair best[PER_ROW];
        int nb = 0;
        const uint64_t *ci = s->cyl[i];
        for (int j = 0; j < l->n; j++) {
            const uint64_t *cj = l->cyl[j];
            int inter = __builtin_popcountll(ci[0] & cj[0]) + __builtin_popcountll(ci[1] & cj[1]) +
                        __builtin_popcountll(ci[2] & cj[2]) + __builtin_popcountll(ci[3] & cj[3]);
            if (!inter) continue;
            float sim = 2.0f * (float)inter / (float)(s->bits[i] + l->bits[j]);
            if (sim < MIN_LOCAL || l->bits[j] < MCC_MIN_BITS) continue;
            if (nb < PER_ROW) {
                int k = nb++;
                while (k > 0 && best[k - 1].sim < sim) {
                    best[k] = best[k - 1];
                    k--;
                }
                best[k] = (struct pair){sim, (uint8_t)i, (uint8_t)j};
            } else if (sim > best[PER_ROW - 1].sim) {
                int k = PER_ROW - 1;
                while (k > 0 && best[k - 1].sim < sim) {
                    best[k] = best[k - 1];
                    k--;
                }
                best[k] = (struct pair){sim, (uint8_t)i, (uint8_t)j};
            }
        }
        for (int k = 0; k < nb; k++)
            out[np++] = best[k];
    }
    qsort(out, (size_t)np, sizeof *out, pair_cmp);
    return np;
}

static double angle_diff(double a, double b)
{
    double d = fmod(a - b, TWO_PI);
    if (d < 0) d += TWO_PI;
    return d > PI ? TWO_PI - d : d;
}

static int inside_hull(const float *hx, const float *hy, int nh, double x, double y)
{
    if (nh < 3) return 1; /* no outline: everything counts */
    for (int k = 0; k < nh; k++) {
        int k2 = k + 1 == nh ? 0 : k + 1;
        /* a margin of 8 px outside the outline still counts (minutiae sit near its edge) */
        double ex = hx[k2] - hx[k], ey = hy[k2] - hy[k];
        double c = ex * (y - hy[k]) - ey * (x - hx[k]);
        if (c < -8.0 * sqrt(ex * ex + ey * ey)) return 0;
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
    double w = 0;
    int k = 0;
    for (int p = 0; p < np; p++) {
        int i = pairs[p].i, j = pairs[p].j;
        if (used_s[i] || used_l[j]) continue;
        double px = al->c * s->x[i] - al->sn * s->y[i] + al->tx;
        double py = al->sn * s->x[i] + al->c * s->y[i] + al->ty;
        double dx = px - l->x[j], dy = py - l->y[j];
        double ax = s->x[i] - al->ox, ay = s->y[i] - al->oy;
        double tol = t->px + t->growth * sqrt(ax * ax + ay * ay);
        if (dx * dx + dy * dy > tol * tol) continue;
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
    int a = 0, b = 0;
    for (int i = 0; i < s->n; i++) {
        double px = al->c * s->x[i] - al->sn * s->y[i] + al->tx;
        double py = al->sn * s->x[i] + al->c * s->y[i] + al->ty;
        a += inside_hull(l->hx, l->hy, l->nh, px, py);
    }
    for (int j = 0; j < l->n; j++)
        b += inside_hull(hx, hy, s->nh, l->x[j], l->y[j]);
    *os = a;
    *ol = b;
}

/* Calibration. Impostor raw scores (the summed local similarity of the consolidated pairs)
 * were measured on the generated sets of bench/bench_afis.c (`bench_afis --calibrate`) in
 * classes of m = min(minutiae of each side in the common area). Above its 99th percentile the
 * impostor tail falls off exponentially: the raw score gains CAL_DEC(m) per decade of
 * false-match rate, from CAL_MU(m) at FMR 1/100, both close to linear in m (m = 4 .. 44 gave
 * 99th percentiles 2.7 .. 6.3 and decades 0.6 .. 1.6). The score is -log10 of the estimated
 * FMR over AFIS_SCORE_DECADES, clamped to 0..1; below the 99th percentile it rises linearly
 * from 0 at raw 0. */
#define CAL_MU0 1.50
#define CAL_MU1 0.165
#define CAL_DEC0 0.50
#define CAL_DEC1 0.022

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

static double match(const struct afis_prepared *a, const struct afis_prepared *b,
                    struct afis_match_detail *d)
{
    /* the smaller side drives the search; the result does not depend on the order */
    int swap = a->n > b->n ||
               (a->n == b->n && memcmp(a->cyl, b->cyl, sizeof a->cyl[0] * (size_t)a->n) > 0);
    const struct afis_prepared *s = swap ? b : a, *l = swap ? a : b;
    if (d) memset(d, 0, sizeof *d);
    if (s->n < 2 || l->n < 2) return 0;
    struct pair pairs[MAX_PAIRS];
    int np = local_pairs(s, l, pairs);
    if (!np) return 0;
    const struct tol coarse = {TOL_PX, TOL_GROWTH, TOL_ANGLE};
    const struct tol fine = {FINE_PX, FINE_GROWTH, FINE_ANGLE};
    uint8_t paired[AFIS_MAX_MINUTIAE][2];
    double top_w[REFINE] = {0};
    int top_a[REFINE], ntop = 0;
    for (int a0 = 0; a0 < np && a0 < ANCHORS; a0++) {
        struct align al;
        int k;
        align_anchor(s, l, pairs[a0].i, pairs[a0].j, &al);
        double w = consolidate(s, l, pairs, np, &al, &coarse, &k, paired);
        if (k < 2) continue;
        int q = ntop < REFINE ? ntop++ : REFINE - 1;
        if (q == REFINE - 1 && ntop == REFINE && w <= top_w[q]) continue;
        while (q > 0 && top_w[q - 1] < w) {
            top_w[q] = top_w[q - 1];
            top_a[q] = top_a[q - 1];
            q--;
        }
        top_w[q] = w;
        top_a[q] = a0;
    }
    double best = 0;
    int best_k = 0, best_a = -1;
    struct align best_al = {0};
    for (int q = 0; q < ntop; q++) {
        struct align al;
        int k;
        align_anchor(s, l, pairs[top_a[q]].i, pairs[top_a[q]].j, &al);
        double w = consolidate(s, l, pairs, np, &al, &coarse, &k, paired);
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
