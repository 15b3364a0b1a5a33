/* Minutiae-level synthetic fingers: masters from a zero-pole ridge-flow model and impressions
 * with pose, distortion, cropping and extraction noise (see afis.h). Deterministic per seed. */
#include "afis/afis.h"

#include <math.h>
#include <string.h>

#define TWO_PI 6.283185307179586
#define PI 3.141592653589793
#define W 416
#define H 560

const struct afis_minsynth_params afis_minsynth_plain = {
    .rotation_deg = 25,
    .shift_px = 40,
    .distortion_px = 7,
    .jitter_px = 2.5,
    .angle_jitter_deg = 7,
    .drop = 0.15,
    .spurious = 0.10,
    .keep_area = 0.75,
};
const struct afis_minsynth_params afis_minsynth_latent = {
    .rotation_deg = 60,
    .shift_px = 60,
    .distortion_px = 9,
    .jitter_px = 3.5,
    .angle_jitter_deg = 10,
    .drop = 0.25,
    .spurious = 0.20,
    .keep_area = 0.25,
};

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uni(struct rng *r) /* [0, 1) */
{
    return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static double gauss(struct rng *r)
{
    double u = uni(r), v = uni(r);
    return sqrt(-2.0 * log(u + 1e-300)) * cos(TWO_PI * v);
}

/* Ridge flow (radians, modulo π) at (x, y) for the singular points of a pattern. */
struct pattern {
    int ncore, ndelta;
    double cx[2], cy[2], dx[2], dy[2], base;
};

static double flow(const struct pattern *p, double x, double y)
{
    double t = p->base;
    for (int k = 0; k < p->ndelta; k++)
        t += 0.5 * atan2(y - p->dy[k], x - p->dx[k]);
    for (int k = 0; k < p->ncore; k++)
        t -= 0.5 * atan2(y - p->cy[k], x - p->cx[k]);
    return t;
}

static void make_pattern(struct rng *r, struct pattern *p)
{
    memset(p, 0, sizeof *p);
    double kind = uni(r);
    double cx = W / 2.0 + 40 * (uni(r) - 0.5), cy = H * 0.42 + 40 * (uni(r) - 0.5);
    p->base = (uni(r) - 0.5) * 0.4;
    if (kind < 0.1) { /* arch: a gentle bend with no singular point inside */
        p->ncore = 1;
        p->cx[0] = cx;
        p->cy[0] = -400;
        p->ndelta = 1;
        p->dx[0] = cx;
        p->dy[0] = -700;
    } else if (kind < 0.7) { /* loop, left or right */
        double side = uni(r) < 0.5 ? -1 : 1;
        p->ncore = 1;
        p->cx[0] = cx;
        p->cy[0] = cy;
        p->ndelta = 1;
        p->dx[0] = cx + side * (110 + 40 * uni(r));
        p->dy[0] = cy + 150 + 40 * uni(r);
    } else { /* whorl */
        p->ncore = 2;
        p->cx[0] = cx - 15;
        p->cy[0] = cy - 20;
        p->cx[1] = cx + 15;
        p->cy[1] = cy + 20;
        p->ndelta = 2;
        p->dx[0] = cx - 150;
        p->dy[0] = cy + 170;
        p->dx[1] = cx + 150;
        p->dy[1] = cy + 170;
    }
}

static int in_tip(double x, double y, double cx, double cy, double rx, double ry)
{
    double u = (x - cx) / rx, v = (y - cy) / ry;
    return u * u + v * v <= 1.0;
}

void afis_minsynth_master(uint64_t seed, struct afis_template *m)
{
    struct rng r = {seed * 0x2545F4914F6CDD1Dull + 1};
    struct pattern p;
    make_pattern(&r, &p);
    memset(m, 0, sizeof *m);
    m->width = W;
    m->height = H;
    m->resolution = 197;
    m->quality = 80;
    int want = 45 + (int)(uni(&r) * 35); /* 45..79 minutiae over the whole fingertip */
    for (int tries = 0; m->n < want && tries < 4000; tries++) {
        double x = 20 + uni(&r) * (W - 40), y = 20 + uni(&r) * (H - 40);
        if (!in_tip(x, y, W / 2.0, H / 2.0, W * 0.46, H * 0.47)) continue;
        int ok = 1;
        for (int k = 0; k < m->n && ok; k++) {
            double ddx = m->m[k].x - x, ddy = m->m[k].y - y;
            ok = ddx * ddx + ddy * ddy >= 12.0 * 12.0;
        }
        if (!ok) continue;
        /* image y grows downwards; ISO angles are counter-clockwise as seen */
        double a = -flow(&p, x, y) + (uni(&r) < 0.5 ? PI : 0);
        a = fmod(a, TWO_PI);
        if (a < 0) a += TWO_PI;
        m->m[m->n++] =
            (struct afis_minutia){.x = (int)x,
                                  .y = (int)y,
                                  .angle = a,
                                  .type = uni(&r) < 0.55 ? AFIS_ENDING : AFIS_BIFURCATION,
                                  .quality = 40 + (int)(uni(&r) * 60)};
    }
}

void afis_minsynth_impression(const struct afis_template *master, uint64_t seed,
                              const struct afis_minsynth_params *p, struct afis_template *out)
{
    struct rng r = {seed * 0x9E3779B97F4A7C15ull + 7};
    memset(out, 0, sizeof *out);
    out->width = master->width;
    out->height = master->height;
    out->resolution = master->resolution;
    out->finger = master->finger;
    out->quality = 60 + (int)(uni(&r) * 40);
    double rot = (uni(&r) * 2 - 1) * p->rotation_deg * PI / 180;
    double tx = (uni(&r) * 2 - 1) * p->shift_px, ty = (uni(&r) * 2 - 1) * p->shift_px;
    double ph1 = uni(&r) * TWO_PI, ph2 = uni(&r) * TWO_PI;
    double amp = p->distortion_px * (0.5 + 0.5 * uni(&r));
    /* the visible part: an ellipse of the given area share around a shifted centre */
    double k = sqrt(p->keep_area > 0 && p->keep_area <= 1 ? p->keep_area : 1);
    double rx = master->width * 0.46 * k, ry = master->height * 0.47 * k;
    double cx = master->width / 2.0 + (1 - k) * (uni(&r) * 2 - 1) * master->width * 0.35;
    double cy = master->height / 2.0 + (1 - k) * (uni(&r) * 2 - 1) * master->height * 0.35;
    double c = cos(rot), s = sin(rot), mx = master->width / 2.0, my = master->height / 2.0;
    for (int i = 0; i < master->n; i++) {
        const struct afis_minutia *m = &master->m[i];
        if (!in_tip(m->x, m->y, cx, cy, rx, ry) || uni(&r) < p->drop) continue;
        /* smooth distortion: displacement growing away from the centre of contact */
        double u = (m->x - cx) / (rx + 1), v = (m->y - cy) / (ry + 1);
        double dx = amp * (u * u * sin(ph1) + sin(PI * v + ph2) * 0.5);
        double dy = amp * (v * v * cos(ph2) + sin(PI * u + ph1) * 0.5);
        double x = m->x + dx - mx, y = m->y + dy - my;
        /* rotation as seen on the image: counter-clockwise for positive rot */
        double xr = c * x + s * y + mx + tx + gauss(&r) * p->jitter_px;
        double yr = -s * x + c * y + my + ty + gauss(&r) * p->jitter_px;
        if (xr < 0 || yr < 0 || xr >= out->width || yr >= out->height) continue;
        double a = m->angle + rot + gauss(&r) * p->angle_jitter_deg * PI / 180;
        a = fmod(a, TWO_PI);
        if (a < 0) a += TWO_PI;
        int type = m->type;
        if (uni(&r) < 0.15) type = type == AFIS_ENDING ? AFIS_BIFURCATION : AFIS_ENDING;
        out->m[out->n++] = (struct afis_minutia){
            .x = (int)xr, .y = (int)yr, .angle = a, .type = type, .quality = m->quality};
    }
    int add = (int)(out->n * p->spurious + uni(&r));
    for (int tries = 0; add > 0 && tries < 200 && out->n < AFIS_MAX_MINUTIAE; tries++) {
        double x = cx + (uni(&r) * 2 - 1) * rx, y = cy + (uni(&r) * 2 - 1) * ry;
        if (!in_tip(x, y, cx, cy, rx, ry)) continue;
        double xs = c * (x - mx) + s * (y - my) + mx + tx,
               ys = -s * (x - mx) + c * (y - my) + my + ty;
        if (xs < 0 || ys < 0 || xs >= out->width || ys >= out->height) continue;
        out->m[out->n++] = (struct afis_minutia){.x = (int)xs,
                                                 .y = (int)ys,
                                                 .angle = uni(&r) * TWO_PI,
                                                 .type = uni(&r) < 0.5 ? 1 : 2,
                                                 .quality = 20 + (int)(uni(&r) * 40)};
        add--;
    }
}
