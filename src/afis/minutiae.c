/* Minutiae on a one-pixel skeleton: crossing number (1 ending, 3 bifurcation), direction by
 * tracing the ridges away from the point, and the usual false-minutiae rules: near the print's
 * edge, spurs, short islands, bridges, broken ridges (facing endings) and clusters. */
#include "afis/pipeline.h"
#include "base/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RAW_MAX 8192
#define DIR_LEN 12 /* pixels traced for a direction */

/* Neighbour offsets clockwise from north, as in thin.c. */
static const int DX[8] = {0, 1, 1, 1, 0, -1, -1, -1};
static const int DY[8] = {-1, -1, 0, 1, 1, 1, 0, -1};

double angle_norm(double a)
{
    a = fmod(a, 2 * AFIS_PI);
    if (a < 0) a += 2 * AFIS_PI;
    if (a >= 2 * AFIS_PI) a = 0;
    return a;
}

double angle_diff(double a, double b)
{
    double d = fabs(angle_norm(a) - angle_norm(b));
    return d > AFIS_PI ? 2 * AFIS_PI - d : d;
}

void mask_distance(const uint8_t *mask, int w, int h, uint16_t *dist)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            int d = mask[i] ? 60000 : 0;
            if (d) {
                /* the image edge counts as outside */
                int e = 3 * (1 + (x < y ? x : y));
                int r = 3 * (w - x < h - y ? w - x : h - y);
                d = e < r ? e : r;
                if (y > 0 && dist[i - w] + 3 < d) d = dist[i - w] + 3;
                if (x > 0 && dist[i - 1] + 3 < d) d = dist[i - 1] + 3;
                if (y > 0 && x > 0 && dist[i - w - 1] + 4 < d) d = dist[i - w - 1] + 4;
                if (y > 0 && x < w - 1 && dist[i - w + 1] + 4 < d) d = dist[i - w + 1] + 4;
            }
            dist[i] = (uint16_t)d;
        }
    for (int y = h - 1; y >= 0; y--)
        for (int x = w - 1; x >= 0; x--) {
            size_t i = (size_t)y * w + x;
            int d = dist[i];
            if (!d) continue;
            if (y < h - 1 && dist[i + w] + 3 < d) d = dist[i + w] + 3;
            if (x < w - 1 && dist[i + 1] + 3 < d) d = dist[i + 1] + 3;
            if (y < h - 1 && x < w - 1 && dist[i + w + 1] + 4 < d) d = dist[i + w + 1] + 4;
            if (y < h - 1 && x > 0 && dist[i + w - 1] + 4 < d) d = dist[i + w - 1] + 4;
            dist[i] = (uint16_t)d;
        }
    for (size_t i = 0; i < (size_t)w * h; i++)
        dist[i] = (uint16_t)((dist[i] + 1) / 3);
}

struct sk {
    const uint8_t *s, *mask;
    int w, h;
};

static int on(const struct sk *k, int x, int y)
{
    return x >= 0 && y >= 0 && x < k->w && y < k->h && k->s[(size_t)y * k->w + x];
}

enum { STOP_LENGTH, STOP_END, STOP_JUNCTION, STOP_OUTSIDE };

struct trace {
    int len, x, y, stop;
    int dx, dy; /* from the start to the point DIR_LEN along (or the last one) */
};

/* Follows the ridge from (x0, y0) through its neighbour (x1, y1) for at most max pixels. */
static void trace_ridge(const struct sk *k, int x0, int y0, int x1, int y1, int max,
                        struct trace *t)
{
    int px = x0, py = y0, cx = x1, cy = y1;
    t->len = 1;
    t->stop = STOP_LENGTH;
    t->dx = x1 - x0, t->dy = y1 - y0;
    for (;;) {
        if (t->len <= DIR_LEN) t->dx = cx - x0, t->dy = cy - y0;
        if (k->mask && !k->mask[(size_t)cy * k->w + cx]) {
            t->stop = STOP_OUTSIDE;
            break;
        }
        if (t->len >= max) break;
        int nx = 0, ny = 0, n = 0;
        for (int d = 0; d < 8; d++) {
            int qx = cx + DX[d], qy = cy + DY[d];
            if (!on(k, qx, qy) || (qx == x0 && qy == y0)) continue;
            if (abs(qx - px) <= 1 && abs(qy - py) <= 1)
                continue; /* back, or beside where we were */
            nx = qx, ny = qy, n++;
        }
        if (n != 1) {
            t->stop = n == 0 ? STOP_END : STOP_JUNCTION;
            break;
        }
        px = cx, py = cy, cx = nx, cy = ny;
        t->len++;
    }
    t->x = cx, t->y = cy;
}

/* The first pixel of each run of neighbours (4-neighbour preferred): the branches at (x, y). */
static int branches(const struct sk *k, int x, int y, int bx[4], int by[4])
{
    int p[8], n = 0;
    for (int d = 0; d < 8; d++)
        p[d] = on(k, x + DX[d], y + DY[d]);
    int start = 0;
    while (start < 8 && p[start])
        start++;
    if (start == 8) return 0;
    for (int j = 1; j <= 8; j++) {
        int d = (start + j) & 7;
        if (!p[d] || p[(d + 7) & 7]) continue; /* not the first of a run */
        int pick = d;
        if (d & 1) /* diagonal first: take the following 4-neighbour if it is in the run */
            if (p[(d + 1) & 7]) pick = (d + 1) & 7;
        if (n < 4) bx[n] = x + DX[pick], by[n] = y + DY[pick];
        n++;
    }
    return n;
}

static double iso_angle(int dx, int dy)
{
    return angle_norm(atan2(-(double)dy, (double)dx));
}

struct raw {
    int x, y, type, dead;
    double angle;
};

/* The live minutia of the given type nearest (x, y) within r pixels, or -1. */
static int nearest(const struct raw *m, int n, int x, int y, int type, int r, int except)
{
    int best = -1, bd = r * r + 1;
    for (int i = 0; i < n; i++) {
        if (i == except || m[i].dead || (type && m[i].type != type)) continue;
        int d = (m[i].x - x) * (m[i].x - x) + (m[i].y - y) * (m[i].y - y);
        if (d < bd) bd = d, best = i;
    }
    return best;
}

static int detect(const struct sk *k, const uint16_t *dist, int border, struct raw *m)
{
    int n = 0;
    for (int y = 1; y < k->h - 1 && n < RAW_MAX; y++)
        for (int x = 1; x < k->w - 1 && n < RAW_MAX; x++) {
            size_t i = (size_t)y * k->w + x;
            if (!k->s[i] || dist[i] < border) continue;
            int p[8], cn = 0;
            for (int d = 0; d < 8; d++)
                p[d] = on(k, x + DX[d], y + DY[d]);
            for (int d = 0; d < 8; d++)
                cn += p[d] != p[(d + 1) & 7];
            cn /= 2;
            if (cn != 1 && cn != 3) continue;
            int type = cn == 1 ? AFIS_ENDING : AFIS_BIFURCATION;
            /* a junction can be two adjacent pixels of crossing number 3: keep the first */
            if (type == AFIS_BIFURCATION && nearest(m, n, x, y, type, 2, -1) >= 0) continue;
            m[n++] = (struct raw){.x = x, .y = y, .type = type};
        }
    return n;
}

/* Direction of each minutia; the spur, island and bridge rules, which need the traces. */
static void directions(const struct sk *k, const struct skel_params *p, struct raw *m, int n)
{
    int max = p->spur > p->island ? p->spur : p->island;
    if (max < DIR_LEN) max = DIR_LEN;
    if (p->bridge > max) max = p->bridge;
    for (int i = 0; i < n; i++) {
        int bx[4], by[4], nb = branches(k, m[i].x, m[i].y, bx, by);
        if (m[i].type == AFIS_ENDING) {
            if (nb != 1) {
                m[i].dead = 1;
                continue;
            }
            struct trace t;
            trace_ridge(k, m[i].x, m[i].y, bx[0], by[0], max, &t);
            m[i].angle = iso_angle(t.dx, t.dy);
            if (t.stop == STOP_JUNCTION && t.len < p->spur) {
                int j = nearest(m, n, t.x, t.y, AFIS_BIFURCATION, 3, i);
                m[i].dead = 1;
                if (j >= 0) m[j].dead = 2; /* still traced below, then dropped */
            } else if (t.stop == STOP_END && t.len < p->island) {
                int j = nearest(m, n, t.x, t.y, AFIS_ENDING, 2, i);
                m[i].dead = 1;
                if (j >= 0) m[j].dead = 1;
            }
            continue;
        }
        if (nb != 3) {
            m[i].dead = 1;
            continue;
        }
        struct trace t[3];
        for (int b = 0; b < 3; b++) {
            trace_ridge(k, m[i].x, m[i].y, bx[b], by[b], max, &t[b]);
            if (t[b].stop == STOP_JUNCTION && t[b].len < p->bridge) {
                int j = nearest(m, n, t[b].x, t[b].y, AFIS_BIFURCATION, 3, i);
                if (j >= 0) {
                    m[i].dead = 1;
                    m[j].dead = 1;
                }
            }
        }
        /* The two branches closest in direction enclose the valley ending; the minutia points
         * between them, away from the fork. */
        double a[3], best = 10;
        int bi = 0;
        for (int b = 0; b < 3; b++)
            a[b] = atan2((double)t[b].dy, (double)t[b].dx);
        for (int b = 0; b < 3; b++) {
            double d = angle_diff(a[b], a[(b + 1) % 3]);
            if (d < best) best = d, bi = b;
        }
        double ux = cos(a[bi]) + cos(a[(bi + 1) % 3]), uy = sin(a[bi]) + sin(a[(bi + 1) % 3]);
        m[i].angle = angle_norm(atan2(-uy, ux));
    }
}

/* Two endings facing each other across a short gap are one broken ridge. */
static void gaps(const struct skel_params *p, struct raw *m, int n)
{
    for (int i = 0; i < n; i++) {
        if (m[i].dead || m[i].type != AFIS_ENDING) continue;
        for (int j = i + 1; j < n; j++) {
            if (m[j].dead || m[j].type != AFIS_ENDING) continue;
            int dx = m[j].x - m[i].x, dy = m[j].y - m[i].y;
            if (dx * dx + dy * dy > p->gap * p->gap) continue;
            if (angle_diff(m[i].angle, m[j].angle) < AFIS_PI * 2 / 3) continue;
            /* i points into its own ridge, so j lies behind it */
            double toward = iso_angle(dx, dy);
            if (angle_diff(toward, m[i].angle + AFIS_PI) > AFIS_PI / 4) continue;
            m[i].dead = m[j].dead = 1;
            break;
        }
    }
}

static void clusters(const struct skel_params *p, struct raw *m, int n)
{
    int r2 = p->cluster * p->cluster;
    uint8_t *crowd = calloc((size_t)n + 1, 1);
    if (!crowd) return;
    for (int i = 0; i < n; i++) {
        if (m[i].dead) continue;
        int c = 0;
        for (int j = 0; j < n && c < 3; j++) {
            if (j == i || m[j].dead) continue;
            int dx = m[j].x - m[i].x, dy = m[j].y - m[i].y;
            c += dx * dx + dy * dy <= r2;
        }
        crowd[i] = c >= 3;
    }
    for (int i = 0; i < n; i++)
        if (crowd[i]) m[i].dead = 1;
    free(crowd);
}

int skel_minutiae(const uint8_t *skel, const uint8_t *mask, const uint16_t *dist, int w, int h,
                  const struct skel_params *p, struct afis_minutia *out, int max)
{
    struct raw *m = malloc(RAW_MAX * sizeof *m);
    if (!m) return kt_fail(KT_ENOMEM, "afis: out of memory for minutiae");
    struct sk k = {.s = skel, .mask = mask, .w = w, .h = h};
    int n = detect(&k, dist, p->border, m);
    directions(&k, p, m, n);
    if (p->gap > 0) gaps(p, m, n);
    if (p->cluster > 0) clusters(p, m, n);
    int c = 0;
    for (int i = 0; i < n && c < max; i++)
        if (!m[i].dead)
            out[c++] = (struct afis_minutia){
                .x = m[i].x, .y = m[i].y, .angle = m[i].angle, .type = m[i].type, .quality = 0};
    free(m);
    return c;
}
