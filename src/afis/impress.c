/* Impressions of a synthetic master print: where the finger touched (displacement, rotation,
 * an elastic displacement field), how hard (ridge thickness), what the sensor added (noise,
 * uneven contrast, scars and dry blotches) and how much was left (partial prints, latent
 * crops). Rendering maps each impression pixel back into the master; the ground-truth minutiae
 * are mapped forwards by the same transform (the elastic part inverted by fixed-point
 * iteration, which converges because the field is smooth and small). */
#include "afis/pipeline.h"
#include "base/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BUMPS 4
#define TRUTH_MARGIN 8 /* truth minutiae this close to the visible edge are left out */

struct warp {
    double mcx, mcy; /* master centre */
    double icx, icy; /* where it lands in the impression (centre + shift) */
    double cs, sn;   /* rotation, counter-clockwise on screen */
    double bx[BUMPS], by[BUMPS], vx[BUMPS], vy[BUMPS], rho2;
};

/* Elastic displacement at impression point (x, y): a sum of broad Gaussian bumps. */
static void warp_disp(const struct warp *w, double x, double y, double *dx, double *dy)
{
    *dx = *dy = 0;
    for (int k = 0; k < BUMPS; k++) {
        double e = exp(-((x - w->bx[k]) * (x - w->bx[k]) + (y - w->by[k]) * (y - w->by[k])) /
                       (2 * w->rho2));
        *dx += w->vx[k] * e;
        *dy += w->vy[k] * e;
    }
}

/* Impression → master. */
static void warp_back(const struct warp *w, double qx, double qy, double *px, double *py)
{
    double dx, dy;
    warp_disp(w, qx, qy, &dx, &dy);
    double ux = qx - dx - w->icx, uy = qy - dy - w->icy;
    *px = w->mcx + ux * w->cs - uy * w->sn;
    *py = w->mcy + ux * w->sn + uy * w->cs;
}

/* Master → impression: q = c + R(p − m) + d(q), solved by iteration. */
static void warp_fwd(const struct warp *w, double px, double py, double *qx, double *qy)
{
    double ux = px - w->mcx, uy = py - w->mcy;
    double rx = w->icx + ux * w->cs + uy * w->sn, ry = w->icy - ux * w->sn + uy * w->cs;
    double x = rx, y = ry;
    for (int it = 0; it < 20; it++) {
        double dx, dy;
        warp_disp(w, x, y, &dx, &dy);
        x = rx + dx, y = ry + dy;
    }
    *qx = x, *qy = y;
}

static void warp_make(struct synth_rng *r, const struct afis_synth_master *m, int iw, int ih,
                      const struct afis_impression_params *p, struct warp *w)
{
    double rot = synth_uniform(r, -1, 1) * p->max_rotation;
    w->mcx = m->width / 2.0, w->mcy = m->height / 2.0;
    w->icx = iw / 2.0 + synth_uniform(r, -1, 1) * p->max_shift;
    w->icy = ih / 2.0 + synth_uniform(r, -1, 1) * p->max_shift;
    w->cs = cos(rot), w->sn = sin(rot);
    w->rho2 = pow(synth_uniform(r, 70, 110), 2);
    for (int k = 0; k < BUMPS; k++) {
        w->bx[k] = synth_uniform(r, 0.15, 0.85) * iw;
        w->by[k] = synth_uniform(r, 0.15, 0.85) * ih;
        double a = synth_uniform(r, 0, 2 * AFIS_PI), len = synth_uniform(r, 0.3, 1) * p->distortion;
        w->vx[k] = len * cos(a), w->vy[k] = len * sin(a);
    }
}

/* Master truth mapped into the impression (positions may fall outside it). */
static void truth_map(const struct warp *w, const struct afis_template *in,
                      struct afis_template *out)
{
    *out = *in;
    for (int i = 0; i < in->n; i++) {
        const struct afis_minutia *a = &in->m[i];
        double qx, qy, tx, ty;
        warp_fwd(w, a->x, a->y, &qx, &qy);
        warp_fwd(w, a->x + 6 * cos(a->angle), a->y - 6 * sin(a->angle), &tx, &ty);
        out->m[i].x = (int)lround(qx);
        out->m[i].y = (int)lround(qy);
        out->m[i].angle = angle_norm(atan2(-(ty - qy), tx - qx));
    }
}

/* Keeps the share keep of the visible print on one side of a random straight cut. */
static int cut_partial(struct synth_rng *r, uint8_t *vis, int w, int h, double keep)
{
    double a = synth_uniform(r, 0, 2 * AFIS_PI), nx = cos(a), ny = sin(a);
    enum { BINS = 1024 };
    long hist[BINS] = {0}, total = 0;
    double span = fabs(nx) * w + fabs(ny) * h, lo = (nx < 0 ? nx * w : 0) + (ny < 0 ? ny * h : 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (vis[(size_t)y * w + x]) {
                int b = (int)((x * nx + y * ny - lo) / span * (BINS - 1));
                hist[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
                total++;
            }
    long want = (long)(keep * total), acc = 0;
    int cut = BINS;
    for (int b = 0; b < BINS; b++)
        if ((acc += hist[b]) >= want) {
            cut = b;
            break;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int b = (int)((x * nx + y * ny - lo) / span * (BINS - 1));
            if (b > cut) vis[(size_t)y * w + x] = 0;
        }
    return 0;
}

/* Irregular blob: radius rad modulated by angle. */
struct blob {
    double cx, cy, rad, a2, p2, a3, p3;
};

static int in_blob(const struct blob *b, double x, double y)
{
    double t = atan2(y - b->cy, x - b->cx);
    double rr = b->rad * (1 + b->a2 * sin(2 * t + b->p2) + b->a3 * sin(3 * t + b->p3));
    return (x - b->cx) * (x - b->cx) + (y - b->cy) * (y - b->cy) <= rr * rr;
}

static int blob_count(const struct blob *b, const struct afis_template *t, const uint8_t *vis,
                      int w, int h)
{
    int c = 0;
    for (int i = 0; i < t->n; i++) {
        int x = t->m[i].x, y = t->m[i].y;
        if (x >= 0 && y >= 0 && x < w && y < h && vis[(size_t)y * w + x] && in_blob(b, x, y) &&
            in_blob(b, x + TRUTH_MARGIN * 1.5, y) && in_blob(b, x - TRUTH_MARGIN * 1.5, y))
            c++;
    }
    return c;
}

/* A latent: only a blob around some minutiae survives, grown until it holds the target. */
static void cut_latent(struct synth_rng *r, uint8_t *vis, int w, int h,
                       const struct afis_template *t, int lo, int hi)
{
    int target = lo + (int)synth_uniform(r, 0, hi - lo + 1), first = -1, count = 0;
    for (int i = 0; i < t->n; i++) {
        int x = t->m[i].x, y = t->m[i].y;
        if (x >= 0 && y >= 0 && x < w && y < h && vis[(size_t)y * w + x]) count++;
    }
    int pick = count ? (int)synth_uniform(r, 0, count) : 0;
    for (int i = 0, c = 0; i < t->n && first < 0; i++) {
        int x = t->m[i].x, y = t->m[i].y;
        if (x >= 0 && y >= 0 && x < w && y < h && vis[(size_t)y * w + x] && c++ == pick) first = i;
    }
    struct blob b = {.cx = w / 2.0,
                     .cy = h / 2.0,
                     .a2 = synth_uniform(r, 0, 0.2),
                     .p2 = synth_uniform(r, 0, 6.3),
                     .a3 = synth_uniform(r, 0, 0.12),
                     .p3 = synth_uniform(r, 0, 6.3)};
    if (first >= 0)
        b.cx = t->m[first].x + synth_uniform(r, -20, 20),
        b.cy = t->m[first].y + synth_uniform(r, -20, 20);
    for (b.rad = 30; b.rad < w + h; b.rad += 4)
        if (blob_count(&b, t, vis, w, h) >= target) break;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (!in_blob(&b, x, y)) vis[(size_t)y * w + x] = 0;
}

static float bilinear(const float *v, int w, int h, double x, double y)
{
    int x0 = (int)floor(x), y0 = (int)floor(y);
    if (x0 < 0 || y0 < 0 || x0 >= w - 1 || y0 >= h - 1) return 1;
    double fx = x - x0, fy = y - y0;
    const float *p = v + (size_t)y0 * w + x0;
    return (float)((p[0] * (1 - fx) + p[1] * fx) * (1 - fy) +
                   (p[w] * (1 - fx) + p[w + 1] * fx) * fy);
}

/* Ridges as gray levels: pressure moves the ridge/valley threshold, contrast varies slowly. */
static void render(struct synth_rng *r, const struct afis_synth_master *m, const struct warp *wp,
                   const struct afis_impression_params *p, const uint8_t *vis, int latent, float *g,
                   int w, int h)
{
    double thr = 0.45 * p->pressure, ridge = synth_uniform(r, 15, 70);
    double valley = synth_uniform(r, 185, 235),
           bg = latent ? synth_uniform(r, 150, 200) : synth_uniform(r, 215, 245);
    double fa = synth_uniform(r, 0, 6.3), fb = synth_uniform(r, 0.005, 0.015);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (!vis[i]) {
                g[i] = (float)bg;
                continue;
            }
            double px, py;
            warp_back(wp, x, y, &px, &py);
            double v = bilinear(m->ridges, m->width, m->height, px, py);
            double t = 0.5 + 0.5 * tanh(2.5 * (v - thr));
            double contrast = (latent ? 0.45 : 0.85) + 0.15 * sin(fb * (x + y) + fa);
            double mid = (ridge + valley) / 2, half = (valley - ridge) / 2 * contrast;
            g[i] = (float)(mid - half + 2 * half * t);
        }
}

/* Scars and dry blotches: small ellipses of valley (dry) or ridge (smudge) gray. */
static void damage(struct synth_rng *r, float *g, const uint8_t *vis, int w, int h, double share)
{
    long area = 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        area += vis[i];
    int blots = (int)(share * (double)area / 40.0);
    float lo = 255, hi = 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        if (vis[i]) lo = g[i] < lo ? g[i] : lo, hi = g[i] > hi ? g[i] : hi;
    for (int k = 0; k < blots; k++) {
        int cx = (int)synth_uniform(r, 0, w), cy = (int)synth_uniform(r, 0, h);
        double rx = synth_uniform(r, 1.5, 5), ry = synth_uniform(r, 1.5, 5);
        float val = synth_uniform(r, 0, 1) < 0.75 ? hi : lo;
        for (int y = cy - 5; y <= cy + 5; y++)
            for (int x = cx - 5; x <= cx + 5; x++)
                if (x >= 0 && y >= 0 && x < w && y < h && vis[(size_t)y * w + x] &&
                    (x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry) <= 1)
                    g[(size_t)y * w + x] = val;
    }
}

static int check_params(const struct afis_impression_params *p)
{
    if (!(p->max_shift >= 0 && p->max_shift <= 1000) ||
        !(p->max_rotation >= 0 && p->max_rotation <= AFIS_PI) ||
        !(p->distortion >= 0 && p->distortion <= 30) || !(p->noise >= 0 && p->noise <= 100) ||
        !(p->pressure >= -1 && p->pressure <= 1) || !(p->damage >= 0 && p->damage <= 0.5) ||
        !(p->keep == 0 || (p->keep >= 0.1 && p->keep <= 1)))
        return kt_fail(KT_EINVAL, "synth: impression parameter out of range");
    if (p->latent_min < 0 || p->latent_max < p->latent_min || p->latent_max > AFIS_MAX_MINUTIAE)
        return kt_fail(KT_EINVAL, "synth: latent minutiae %d..%d", p->latent_min, p->latent_max);
    if (p->width < 0 || p->height < 0 || p->width > AFIS_IMAGE_MAX || p->height > AFIS_IMAGE_MAX ||
        (p->width && p->width < 64) || (p->height && p->height < 64))
        return kt_fail(KT_EINVAL, "synth: impression size %d x %d", p->width, p->height);
    return 0;
}

int afis_synth_impression(const struct afis_synth_master *m, uint32_t seed,
                          const struct afis_impression_params *p, struct afis_image *img,
                          struct afis_template *truth)
{
    static const struct afis_impression_params none = {0};
    memset(img, 0, sizeof *img);
    if (!p) p = &none;
    if (!m || !m->ridges || !m->area) return kt_fail(KT_EINVAL, "synth: no master");
    int rc = check_params(p);
    if (rc) return rc;
    int w = p->width ? p->width : m->width, h = p->height ? p->height : m->height;
    size_t n = (size_t)w * h;
    struct synth_rng r = {.s = 0x1337ULL ^ ((uint64_t)seed << 24) ^ (uint64_t)seed * 0x2545f491ULL};
    uint8_t *vis = malloc(n);
    float *g = malloc(n * sizeof *g);
    uint16_t *dist = malloc(n * sizeof *dist);
    struct afis_template *mapped = malloc(sizeof *mapped);
    uint8_t *px = malloc(n);
    if (!vis || !g || !dist || !mapped || !px) {
        free(vis), free(g), free(dist), free(mapped), free(px);
        return kt_fail(KT_ENOMEM, "synth: out of memory");
    }
    struct warp wp;
    warp_make(&r, m, w, h, p, &wp);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double mx, my;
            warp_back(&wp, x, y, &mx, &my);
            int ix = (int)lround(mx), iy = (int)lround(my);
            vis[(size_t)y * w + x] = ix >= 0 && iy >= 0 && ix < m->width && iy < m->height &&
                                     m->area[(size_t)iy * m->width + ix];
        }
    truth_map(&wp, &m->truth, mapped);
    if (p->keep > 0 && p->keep < 1) cut_partial(&r, vis, w, h, p->keep);
    int latent = p->latent_max > 0;
    if (latent) cut_latent(&r, vis, w, h, mapped, p->latent_min, p->latent_max);
    render(&r, m, &wp, p, vis, latent, g, w, h);
    if (p->damage > 0) damage(&r, g, vis, w, h, p->damage);
    double sigma = p->noise + (latent ? 8 : 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            /* a light 3 × 3 blur softens the rendered edges, as optics do */
            double s = 0;
            int c = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (x + dx >= 0 && y + dy >= 0 && x + dx < w && y + dy < h)
                        s += g[(size_t)(y + dy) * w + x + dx], c++;
            double v = s / c + (sigma > 0 ? sigma * synth_gauss(&r) : 0);
            px[(size_t)y * w + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
        }
    if (truth) {
        mask_distance(vis, w, h, dist);
        *truth = *mapped;
        truth->width = w, truth->height = h, truth->n = 0;
        for (int i = 0; i < mapped->n; i++) {
            const struct afis_minutia *a = &mapped->m[i];
            if (a->x >= 0 && a->y >= 0 && a->x < w && a->y < h &&
                dist[(size_t)a->y * w + a->x] >= TRUTH_MARGIN)
                truth->m[truth->n++] = *a;
        }
    }
    img->width = w, img->height = h, img->ppi = 500, img->pixels = px;
    free(vis), free(g), free(dist), free(mapped);
    return 0;
}
