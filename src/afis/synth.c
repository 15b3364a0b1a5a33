/* Synthetic master prints in the manner of SFinGe (Cappelli, Maio & Maltoni): the finger's
 * area, an orientation field from singular points (Sherlock & Monro's zero-pole model; a
 * closed form for plain arches), a ridge density map, and ridges grown from random seeds by
 * iterated space-variant Gabor filtering until they stop changing. The ground truth is the
 * minutiae of the converged pattern's skeleton. */
#include "afis/pipeline.h"
#include "base/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GROW_MAX 30      /* iterations at most */
#define GROW_GAIN 2.5f   /* amplification before clipping: ridges grow, then saturate */
#define GROW_STILL 0.01f /* mean change per pixel under which the pattern has converged */

double synth_gauss(struct synth_rng *r)
{
    double u = synth_uniform(r, 1e-12, 1), v = synth_uniform(r, 0, 1);
    return sqrt(-2 * log(u)) * cos(2 * AFIS_PI * v);
}

struct singular {
    int ncore, ndelta;
    double cx[2], cy[2], dx[2], dy[2];
    double theta0; /* orientation far from the singularities */
};

static int pick_pattern(struct synth_rng *r)
{
    /* rough frequencies in the population */
    double u = synth_uniform(r, 0, 1);
    if (u < 0.04) return AFIS_PATTERN_ARCH;
    if (u < 0.07) return AFIS_PATTERN_TENTED_ARCH;
    if (u < 0.41) return AFIS_PATTERN_LEFT_LOOP;
    if (u < 0.73) return AFIS_PATTERN_RIGHT_LOOP;
    return AFIS_PATTERN_WHORL;
}

/* Singular points for a class, in pixels of a w × h master (y down). */
static void place_singular(struct synth_rng *r, int pattern, int w, int h, struct singular *s)
{
    double cx = w * synth_uniform(r, 0.44, 0.56), cy = h * synth_uniform(r, 0.36, 0.48);
    memset(s, 0, sizeof *s);
    s->theta0 = synth_uniform(r, -0.12, 0.12);
    switch (pattern) {
    case AFIS_PATTERN_TENTED_ARCH:
        s->ncore = s->ndelta = 1;
        s->cx[0] = cx, s->cy[0] = cy;
        s->dx[0] = cx + synth_uniform(r, -0.02, 0.02) * w;
        s->dy[0] = cy + synth_uniform(r, 0.1, 0.16) * h;
        break;
    case AFIS_PATTERN_LEFT_LOOP:
    case AFIS_PATTERN_RIGHT_LOOP: {
        double side = pattern == AFIS_PATTERN_LEFT_LOOP ? 1 : -1;
        s->ncore = s->ndelta = 1;
        s->cx[0] = cx - side * 0.05 * w, s->cy[0] = cy;
        s->dx[0] = cx + side * synth_uniform(r, 0.2, 0.3) * w;
        s->dy[0] = cy + synth_uniform(r, 0.2, 0.3) * h;
        break;
    }
    case AFIS_PATTERN_WHORL: {
        double gap = synth_uniform(r, 0.04, 0.1) * h, tilt = synth_uniform(r, -0.04, 0.04) * w;
        s->ncore = s->ndelta = 2;
        s->cx[0] = cx - tilt, s->cy[0] = cy - gap / 2;
        s->cx[1] = cx + tilt, s->cy[1] = cy + gap / 2;
        s->dx[0] = cx - synth_uniform(r, 0.24, 0.32) * w;
        s->dy[0] = cy + synth_uniform(r, 0.22, 0.3) * h;
        s->dx[1] = cx + synth_uniform(r, 0.24, 0.32) * w;
        s->dy[1] = cy + synth_uniform(r, 0.22, 0.3) * h;
        break;
    }
    default: /* plain arch: no singular points, see orientation() */
        s->cx[0] = cx, s->cy[0] = cy;
        break;
    }
}

/* Ridge orientation at (x, y) in image coordinates, [0, π) up to a multiple of π. */
static double orientation(const struct singular *s, int pattern, int w, int h, double x, double y)
{
    if (pattern == AFIS_PATTERN_ARCH) {
        /* ridges y = -A exp(-(x-cx)²/s²) g(y): a hump over the centre fading away from it */
        double u = (x - s->cx[0]) / (0.28 * w), v = (y - s->cy[0]) / (0.3 * h);
        double slope = 1.6 * u * exp(-u * u) * exp(-v * v) * (v < 0 ? 1 : 0.6);
        return s->theta0 + atan(slope);
    }
    double t = s->theta0;
    for (int i = 0; i < s->ndelta; i++)
        t -= 0.5 * atan2(y - s->dy[i], x - s->dx[i]);
    for (int i = 0; i < s->ncore; i++)
        t += 0.5 * atan2(y - s->cy[i], x - s->cx[i]);
    return t;
}

/* The finger's silhouette: a rounded top, straighter sides, a flatter bottom. */
static void make_area(struct synth_rng *r, int w, int h, uint8_t *area)
{
    double cx = w * synth_uniform(r, 0.48, 0.52), cy = h * synth_uniform(r, 0.5, 0.54);
    double ax = w * synth_uniform(r, 0.38, 0.46), ay = h * synth_uniform(r, 0.4, 0.46);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u = fabs(x - cx) / ax, v = fabs(y - cy) / ay;
            double e = y < cy ? 2.0 : 3.5;
            area[(size_t)y * w + x] = pow(u, 2.4) + pow(v, e) <= 1;
        }
}

/* Ridge period map: a mean with smooth random variation of about ±10 %. */
static double period_at(const double wave[3][4], double mean, double x, double y)
{
    double p = 1;
    for (int k = 0; k < 3; k++)
        p += wave[k][0] * sin(wave[k][1] * x + wave[k][2] * y + wave[k][3]);
    return mean * p;
}

/* Ridges are grown only over the finger and a margin around it (the impressions sample a
 * little outside the silhouette); outside stays 0. */
static int grow_region(const uint8_t *area, int w, int h, uint8_t *region)
{
    size_t n = (size_t)w * h;
    uint16_t *out = malloc(n * sizeof *out);
    if (!out) return kt_fail(KT_ENOMEM, "synth: out of memory");
    for (size_t i = 0; i < n; i++)
        region[i] = !area[i];
    mask_distance(region, w, h, out); /* distance from the finger, outside it */
    for (size_t i = 0; i < n; i++)
        region[i] = area[i] || out[i] <= GABOR_R;
    free(out);
    return 0;
}

static int grow(struct synth_rng *r, int w, int h, const uint16_t *kid, const uint8_t *area,
                float *v)
{
    size_t n = (size_t)w * h;
    float *next = malloc(n * sizeof *next);
    uint8_t *region = malloc(n);
    int rc = next && region ? grow_region(area, w, h, region)
                            : kt_fail(KT_ENOMEM, "synth: out of memory");
    if (rc) {
        free(next), free(region);
        return rc;
    }
    /* Seeds: small blots of ridge and valley scattered over the whole master. */
    memset(v, 0, n * sizeof *v);
    int seeds = (int)(n / 900);
    for (int i = 0; i < seeds; i++) {
        int sx = (int)synth_uniform(r, 0, w), sy = (int)synth_uniform(r, 0, h);
        float val = synth_uniform(r, 0, 1) < 0.5 ? -1.0f : 1.0f;
        for (int y = sy - 1; y <= sy + 1; y++)
            for (int x = sx - 1; x <= sx + 1; x++)
                if (x >= 0 && y >= 0 && x < w && y < h) v[(size_t)y * w + x] = val;
    }
    for (int it = 0; it < GROW_MAX; it++) {
        rc = gabor_filter(v, next, w, h, kid, region);
        if (rc) break;
        double change = 0;
        for (size_t i = 0; i < n; i++) {
            float g = next[i] * GROW_GAIN;
            g = g > 1 ? 1 : g < -1 ? -1 : g;
            change += fabsf(g - v[i]);
            v[i] = g;
        }
        if (it > 8 && change / (double)n < GROW_STILL) break;
    }
    free(next), free(region);
    return rc;
}

/* The master's minutiae: skeleton of the ridges inside the finger. */
static int master_truth(struct afis_synth_master *m)
{
    size_t n = (size_t)m->width * m->height;
    uint8_t *skel = malloc(n);
    uint16_t *dist = malloc(n * sizeof *dist);
    if (!skel || !dist) {
        free(skel), free(dist);
        return kt_fail(KT_ENOMEM, "synth: out of memory");
    }
    mask_distance(m->area, m->width, m->height, dist);
    for (size_t i = 0; i < n; i++)
        skel[i] = m->area[i] && m->ridges[i] < 0;
    int rc = thin_skeleton(skel, m->width, m->height);
    static const struct skel_params truth_rules = {
        .border = 8, .spur = 10, .island = 14, .bridge = 8, .gap = 0, .cluster = 0};
    if (!rc)
        rc = skel_minutiae(skel, m->area, dist, m->width, m->height, &truth_rules, m->truth.m,
                           AFIS_MAX_MINUTIAE);
    free(skel), free(dist);
    if (rc < 0) return rc;
    m->truth.n = rc;
    m->truth.width = m->width;
    m->truth.height = m->height;
    m->truth.resolution = 197;
    m->truth.quality = 100;
    for (int i = 0; i < rc; i++)
        m->truth.m[i].quality = 100;
    return 0;
}

int afis_synth_master(uint32_t seed, const struct afis_synth_params *params,
                      struct afis_synth_master *out)
{
    static const struct afis_synth_params defaults = {0};
    const struct afis_synth_params *p = params ? params : &defaults;
    memset(out, 0, sizeof *out);
    int w = p->width ? p->width : 400, h = p->height ? p->height : 500;
    if (w < 64 || h < 64 || w > 2048 || h > 2048)
        return kt_fail(KT_EINVAL, "synth: master size %d x %d not in 64..2048", w, h);
    if (p->pattern < AFIS_PATTERN_ANY || p->pattern > AFIS_PATTERN_WHORL)
        return kt_fail(KT_EINVAL, "synth: unknown pattern %d", p->pattern);
    if (p->period != 0 && !(p->period >= 5 && p->period <= 14))
        return kt_fail(KT_EINVAL, "synth: ridge period %g not in 5..14 pixels", p->period);
    struct synth_rng r = {.s = 0x5eed0000ULL ^ ((uint64_t)seed << 20) ^ seed};
    size_t n = (size_t)w * h;
    out->width = w, out->height = h;
    out->pattern = p->pattern ? p->pattern : pick_pattern(&r);
    out->ridges = malloc(n * sizeof *out->ridges);
    out->area = malloc(n);
    uint16_t *kid = malloc(n * sizeof *kid);
    if (!out->ridges || !out->area || !kid) {
        free(kid);
        afis_synth_master_free(out);
        return kt_fail(KT_ENOMEM, "synth: out of memory");
    }
    make_area(&r, w, h, out->area);
    struct singular s;
    place_singular(&r, out->pattern, w, h, &s);
    double mean = (p->period ? p->period : 9.0) * synth_uniform(&r, 0.9, 1.1), wave[3][4];
    for (int k = 0; k < 3; k++) {
        wave[k][0] = synth_uniform(&r, 0.02, 0.05);
        wave[k][1] = synth_uniform(&r, -0.02, 0.02);
        wave[k][2] = synth_uniform(&r, -0.02, 0.02);
        wave[k][3] = synth_uniform(&r, 0, 2 * AFIS_PI);
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            kid[(size_t)y * w + x] = gabor_index(orientation(&s, out->pattern, w, h, x, y),
                                                 period_at((const double(*)[4])wave, mean, x, y));
    int rc = grow(&r, w, h, kid, out->area, out->ridges);
    free(kid);
    if (!rc) rc = master_truth(out);
    if (rc) afis_synth_master_free(out);
    return rc;
}

void afis_synth_master_free(struct afis_synth_master *m)
{
    if (!m) return;
    free(m->ridges);
    free(m->area);
    memset(m, 0, sizeof *m);
}
