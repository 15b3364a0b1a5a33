/* Local structures of the matcher: binary minutia cylinders and the convex hull of the
 * minutiae (the area a template covers, for the overlap of a partial latent). */
#include "afis/afis_internal.h"

#include <math.h>
#include <string.h>

#define TWO_PI 6.283185307179586
#define PI 3.141592653589793

double mcc_atan2(double y, double x)
{
    double ax = fabs(x), ay = fabs(y);
    if (ax == 0 && ay == 0) return 0;
    double mn = ax < ay ? ax : ay, mx = ax < ay ? ay : ax;
    double a = mn / mx, s = a * a;
    /* minimax polynomial for atan on [0, 1] */
    double r = ((-0.0464964749 * s + 0.15931422) * s - 0.327622764) * s * a + a;
    if (ay > ax) r = PI / 2 - r;
    if (x < 0) r = PI - r;
    if (y < 0) r = TWO_PI - r;
    return r >= TWO_PI ? r - TWO_PI : r;
}

/* The cell index along one axis and, within `soft` of a cell's edge, the neighbouring one
 * (-1 if none; on a cyclic axis the neighbour wraps around). */
static void cells(double pos, int count, int cyclic, double soft, int *c)
{
    int k = (int)pos;
    double f = pos - k;
    if (k >= count) k = cyclic ? k - count : count - 1;
    c[0] = k;
    if (f < soft)
        c[1] = k - 1;
    else if (f > 1 - soft)
        c[1] = k + 1;
    else {
        c[1] = -1;
        return;
    }
    if (c[1] < 0 || c[1] >= count) c[1] = cyclic ? (c[1] + count) % count : -1;
}

int mcc_grid_cylinder(const struct afis_prepared *p, int i, const struct mcc_grid *g, uint64_t *cyl)
{
    const double rmax = g->rings * g->ring_px;
    int words = (g->rings * g->sectors * g->dirs + 63) / 64;
    memset(cyl, 0, (size_t)words * sizeof *cyl);
    for (int j = 0; j < p->n; j++) {
        if (j == i) continue;
        double dx = p->x[j] - p->x[i], dy = p->y[j] - p->y[i];
        double d2 = dx * dx + dy * dy;
        if (d2 < 36 || d2 >= rmax * rmax) continue;
        double phi = mcc_atan2(dy, dx) - p->a[i];
        if (phi < 0) phi += TWO_PI;
        double psi = p->a[j] - p->a[i];
        if (psi < 0) psi += TWO_PI;
        int r[2], s[2], d[2];
        cells(sqrt(d2) / g->ring_px, g->rings, 0, g->soft, r);
        cells(phi / TWO_PI * g->sectors, g->sectors, 1, g->soft, s);
        cells(psi / TWO_PI * g->dirs, g->dirs, 1, g->soft, d);
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                for (int c = 0; c < 2; c++)
                    if (r[a] >= 0 && s[b] >= 0 && d[c] >= 0) {
                        int bit = (r[a] * g->sectors + s[b]) * g->dirs + d[c];
                        cyl[bit >> 6] |= 1ull << (bit & 63);
                    }
    }
    int bits = 0;
    for (int w = 0; w < words; w++)
        bits += __builtin_popcountll(cyl[w]);
    return bits;
}

static double cross(double ox, double oy, double ax, double ay, double bx, double by)
{
    return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);
}

/* Andrew's monotone chain over the minutiae, counter-clockwise. */
static void hull(struct afis_prepared *p)
{
    int n = p->n, idx[AFIS_MAX_MINUTIAE];
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int i = 1; i < n; i++) { /* insertion sort by (x, y): n is small */
        int k = idx[i], j = i - 1;
        while (j >= 0 &&
               (p->x[idx[j]] > p->x[k] || (p->x[idx[j]] == p->x[k] && p->y[idx[j]] > p->y[k]))) {
            idx[j + 1] = idx[j];
            j--;
        }
        idx[j + 1] = k;
    }
    int h[2 * AFIS_MAX_MINUTIAE + 2], m = 0;
    for (int i = 0; i < n; i++) {
        while (m >= 2 && cross(p->x[h[m - 2]], p->y[h[m - 2]], p->x[h[m - 1]], p->y[h[m - 1]],
                               p->x[idx[i]], p->y[idx[i]]) <= 0)
            m--;
        h[m++] = idx[i];
    }
    for (int i = n - 2, lo = m + 1; i >= 0; i--) {
        while (m >= lo && cross(p->x[h[m - 2]], p->y[h[m - 2]], p->x[h[m - 1]], p->y[h[m - 1]],
                                p->x[idx[i]], p->y[idx[i]]) <= 0)
            m--;
        h[m++] = idx[i];
    }
    if (m > 1) m--; /* the last point repeats the first */
    if (n < 3) m = 0;
    /* keep at most HULL_MAX vertices (evenly), enough for a fingertip's outline */
    int step = m > HULL_MAX ? (m + HULL_MAX - 1) / HULL_MAX : 1;
    p->nh = 0;
    for (int i = 0; i < m && p->nh < HULL_MAX; i += step) {
        p->hx[p->nh] = p->x[h[i]];
        p->hy[p->nh] = p->y[h[i]];
        p->nh++;
    }
}

void mcc_points(const struct afis_template *t, struct afis_prepared *p)
{
    int n = t->n < 0 ? 0 : t->n > AFIS_MAX_MINUTIAE ? AFIS_MAX_MINUTIAE : t->n;
    p->n = n;
    p->width = t->width;
    p->height = t->height;
    for (int i = 0; i < n; i++) {
        p->x[i] = (float)t->m[i].x;
        p->y[i] = (float)-t->m[i].y;
        double a = fmod(t->m[i].angle, TWO_PI);
        p->a[i] = (float)(a < 0 ? a + TWO_PI : a);
        p->t[i] = (uint8_t)t->m[i].type;
    }
}

void mcc_prepare(const struct afis_template *t, struct afis_prepared *p)
{
    mcc_points(t, p);
    int n = p->n;
    static const struct mcc_grid grid = {MCC_RINGS, MCC_SECTORS, MCC_DIRS, MCC_RING_PX, 0.25};
    memset(p->cyl, 0, sizeof p->cyl);
    memset(p->bits, 0, sizeof p->bits);
    for (int i = 0; i < n; i++) {
        uint64_t c[MCC_WORDS];
        int b = mcc_grid_cylinder(p, i, &grid, c);
        for (int w = 0; w < MCC_WORDS; w++)
            p->cyl[w][i] = c[w];
        p->bits[i] = (uint8_t)(b > 255 ? 255 : b);
    }
    hull(p);
}
