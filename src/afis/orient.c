/* Block fields of a print: orientation and coherence by least squares over the image
 * gradients (Hong, Wan & Jain 1998), smoothed in the doubled-angle domain; segmentation by
 * block contrast and coherence; ridge period from the oriented x-signature. */
#include "afis/pipeline.h"
#include "base/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define B FIELD_BLOCK
#define MIN_CONTRAST 8.0f  /* gray σ under which nothing is print */
#define MIN_COHERENCE 0.3f /* under this, gradients are noise */
#define SIG_LEN 32         /* x-signature: samples across the ridges … */
#define SIG_WIDTH 16       /* … each averaged along the ridge over this many */

void field_free(struct field *f)
{
    free(f->orient), free(f->coh), free(f->period), free(f->contrast), free(f->fg);
    memset(f, 0, sizeof *f);
}

/* Sums over the 3 × 3 blocks around each block (a 24-pixel window), in place via tmp. */
static void box3(float *v, float *tmp, int bw, int bh)
{
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            float s = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int x = bx + dx, y = by + dy;
                    if (x >= 0 && y >= 0 && x < bw && y < bh) s += v[y * bw + x];
                }
            tmp[by * bw + bx] = s;
        }
    memcpy(v, tmp, (size_t)bw * bh * sizeof *v);
}

/* Per-block gradient moments and gray sums (Sobel). */
static void moments(const float *g, int w, int h, int bw, float *gxx, float *gyy, float *gxy,
                    float *sum, float *sum2, float *cnt)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            int b = (y / B) * bw + x / B;
            sum[b] += g[i], sum2[b] += g[i] * g[i], cnt[b] += 1;
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1) continue;
            const float *p = g + i;
            float gx = (p[-w + 1] + 2 * p[1] + p[w + 1]) - (p[-w - 1] + 2 * p[-1] + p[w - 1]);
            float gy = (p[w - 1] + 2 * p[w] + p[w + 1]) - (p[-w - 1] + 2 * p[-w] + p[-w + 1]);
            gxx[b] += gx * gx, gyy[b] += gy * gy, gxy[b] += gx * gy;
        }
}

/* Labels the 4-connected regions of blocks equal to v; returns how many, with each one's size
 * and whether it touches the edge. label, size and edge have room for n blocks. */
static int regions(const uint8_t *fg, int bw, int bh, uint8_t v, int *label, int *stack, int *size,
                   uint8_t *edge)
{
    size_t n = (size_t)bw * bh;
    int count = 0;
    memset(label, 0, n * sizeof *label);
    for (size_t s = 0; s < n; s++) {
        if (fg[s] != v || label[s]) continue;
        int top = 0, id = ++count;
        size[id - 1] = 0, edge[id - 1] = 0;
        label[s] = id;
        stack[top++] = (int)s;
        while (top) {
            int c = stack[--top], cx = c % bw, cy = c / bw;
            size[id - 1]++;
            edge[id - 1] |= cx == 0 || cy == 0 || cx == bw - 1 || cy == bh - 1;
            static const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
            for (int k = 0; k < 4; k++) {
                int x = cx + nb[k][0], y = cy + nb[k][1];
                if (x < 0 || y < 0 || x >= bw || y >= bh) continue;
                int j = y * bw + x;
                if (fg[j] == v && !label[j]) label[j] = id, stack[top++] = j;
            }
        }
    }
    return count;
}

/* Keeps the largest 4-connected region of fg and fills its holes. */
static int segment_clean(uint8_t *fg, int bw, int bh)
{
    size_t n = (size_t)bw * bh;
    int *label = malloc(n * sizeof *label), *stack = malloc(n * sizeof *stack);
    int *size = malloc(n * sizeof *size);
    uint8_t *edge = malloc(n);
    if (!label || !stack || !size || !edge) {
        free(label), free(stack), free(size), free(edge);
        return kt_fail(KT_ENOMEM, "afis: out of memory for segmentation");
    }
    int count = regions(fg, bw, bh, 1, label, stack, size, edge), best = 0;
    for (int i = 0; i < count; i++)
        if (size[i] > size[best]) best = i;
    for (size_t j = 0; j < n; j++)
        fg[j] = count > 0 && label[j] == best + 1;
    regions(fg, bw, bh, 0, label, stack, size, edge);
    for (size_t j = 0; j < n; j++)
        if (!fg[j] && !edge[label[j] - 1]) fg[j] = 1; /* a hole inside the print */
    free(label), free(stack), free(size), free(edge);
    return 0;
}

/* Ridge period at block (bx, by) from the x-signature across the ridges; 0 if none. */
static float block_period(const float *g, int w, int h, int bx, int by, float orient)
{
    float cx = bx * B + B / 2.0f, cy = by * B + B / 2.0f;
    float tx = cosf(orient), ty = sinf(orient), nx = -ty, ny = tx;
    float sig[SIG_LEN];
    for (int k = 0; k < SIG_LEN; k++) {
        float s = 0;
        int c = 0;
        for (int d = 0; d < SIG_WIDTH; d++) {
            float u = (float)k - SIG_LEN / 2.0f, v = (float)d - SIG_WIDTH / 2.0f;
            float fx = cx + u * nx + v * tx + 0.5f, fy = cy + u * ny + v * ty + 0.5f;
            if (fx < 0 || fy < 0 || fx >= w || fy >= h) continue;
            int x = (int)fx, y = (int)fy;
            s += g[(size_t)y * w + x], c++;
        }
        sig[k] = c ? s / c : 0;
    }
    /* peaks (valleys of the print) of the lightly smoothed signature */
    float sm[SIG_LEN];
    for (int k = 0; k < SIG_LEN; k++)
        sm[k] = (sig[k > 0 ? k - 1 : k] + 2 * sig[k] + sig[k < SIG_LEN - 1 ? k + 1 : k]) / 4;
    int first = -1, last = -1, peaks = 0;
    float lo = sm[0], hi = sm[0];
    for (int k = 0; k < SIG_LEN; k++)
        lo = sm[k] < lo ? sm[k] : lo, hi = sm[k] > hi ? sm[k] : hi;
    if (hi - lo < 4) return 0;
    for (int k = 1; k < SIG_LEN - 1; k++)
        if (sm[k] > sm[k - 1] && sm[k] >= sm[k + 1] && sm[k] > (lo + hi) / 2) {
            if (first < 0) first = k;
            last = k, peaks++;
        }
    if (peaks < 2) return 0;
    float p = (float)(last - first) / (peaks - 1);
    return p >= 4 && p <= 16 ? p : 0;
}

/* Fills blocks without a period from their neighbours, then smooths. */
static void period_fill(struct field *f, float *tmp)
{
    int bw = f->bw, bh = f->bh;
    for (int round = 0; round < 8; round++) {
        int missing = 0;
        for (int b = 0; b < bw * bh; b++) {
            tmp[b] = f->period[b];
            if (f->period[b] > 0 || !f->fg[b]) continue;
            float s = 0;
            int c = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int x = b % bw + dx, y = b / bw + dy;
                    if (x >= 0 && y >= 0 && x < bw && y < bh && f->period[y * bw + x] > 0)
                        s += f->period[y * bw + x], c++;
                }
            if (c)
                tmp[b] = s / c;
            else
                missing++;
        }
        memcpy(f->period, tmp, (size_t)bw * bh * sizeof *tmp);
        if (!missing) break;
    }
    for (int b = 0; b < bw * bh; b++)
        if (!(f->period[b] > 0)) f->period[b] = 9;
    for (int b = 0; b < bw * bh; b++) {
        float s = 0;
        int c = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int x = b % bw + dx, y = b / bw + dy;
                if (x >= 0 && y >= 0 && x < bw && y < bh) s += f->period[y * bw + x], c++;
            }
        tmp[b] = s / c;
    }
    memcpy(f->period, tmp, (size_t)bw * bh * sizeof *tmp);
}

/* Doubled-angle smoothing of the orientation: a 5 × 5 Gaussian over unit vectors weighted by
 * coherence, so noisy blocks borrow from their coherent neighbours. */
static void orient_smooth(struct field *f, const float *c2, const float *s2)
{
    static const float k[5] = {0.25f, 0.6f, 1.0f, 0.6f, 0.25f};
    int bw = f->bw, bh = f->bh;
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            float sc = 0, ss = 0;
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++) {
                    int x = bx + dx, y = by + dy;
                    if (x < 0 || y < 0 || x >= bw || y >= bh) continue;
                    float wgt = k[dx + 2] * k[dy + 2];
                    sc += wgt * c2[y * bw + x], ss += wgt * s2[y * bw + x];
                }
            /* ridge orientation is the gradient's plus π/2 */
            float t = 0.5f * atan2f(ss, sc) + (float)(AFIS_PI / 2);
            if (t >= (float)AFIS_PI) t -= (float)AFIS_PI;
            f->orient[by * bw + bx] = t;
        }
}

int field_compute(const float *g, int w, int h, struct field *f)
{
    memset(f, 0, sizeof *f);
    int bw = (w + B - 1) / B, bh = (h + B - 1) / B;
    size_t n = (size_t)bw * bh;
    f->bw = bw, f->bh = bh;
    f->orient = malloc(n * sizeof(float));
    f->coh = malloc(n * sizeof(float));
    f->period = malloc(n * sizeof(float));
    f->contrast = malloc(n * sizeof(float));
    f->fg = malloc(n);
    float *work = calloc(n * 7, sizeof(float));
    if (!f->orient || !f->coh || !f->period || !f->contrast || !f->fg || !work) {
        free(work);
        field_free(f);
        return kt_fail(KT_ENOMEM, "afis: out of memory for the orientation field");
    }
    float *gxx = work, *gyy = work + n, *gxy = work + 2 * n, *sum = work + 3 * n,
          *sum2 = work + 4 * n, *cnt = work + 5 * n, *tmp = work + 6 * n;
    moments(g, w, h, bw, gxx, gyy, gxy, sum, sum2, cnt);
    float *v[6] = {gxx, gyy, gxy, sum, sum2, cnt};
    for (int k = 0; k < 6; k++)
        box3(v[k], tmp, bw, bh);
    float cmax = 0;
    for (size_t b = 0; b < n; b++) {
        float d = gxx[b] - gyy[b], e = gxx[b] + gyy[b];
        float mag = sqrtf(d * d + 4 * gxy[b] * gxy[b]);
        f->coh[b] = e > 1e-3f ? mag / e : 0;
        float mean = sum[b] / cnt[b], var = sum2[b] / cnt[b] - mean * mean;
        f->contrast[b] = var > 0 ? sqrtf(var) : 0;
        cmax = f->contrast[b] > cmax ? f->contrast[b] : cmax;
        /* unit doubled-angle gradient vector, weighted by coherence (into gxx/gyy) */
        gxx[b] = mag > 1e-6f ? d / mag * f->coh[b] : 0;
        gyy[b] = mag > 1e-6f ? 2 * gxy[b] / mag * f->coh[b] : 0;
    }
    float cmin = MIN_CONTRAST > 0.25f * cmax ? MIN_CONTRAST : 0.25f * cmax;
    for (size_t b = 0; b < n; b++)
        f->fg[b] = f->contrast[b] >= cmin && f->coh[b] >= MIN_COHERENCE;
    int rc = segment_clean(f->fg, bw, bh);
    if (rc) {
        free(work);
        field_free(f);
        return rc;
    }
    orient_smooth(f, gxx, gyy);
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            int b = by * bw + bx;
            f->period[b] = f->fg[b] ? block_period(g, w, h, bx, by, f->orient[b]) : 0;
        }
    period_fill(f, tmp);
    free(work);
    return 0;
}
