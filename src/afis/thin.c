/* Thinning of binarised ridges to a one-pixel skeleton: Zhang–Suen (1984), then the
 * staircase pixels it leaves are removed where that keeps 8-connectivity (Yokoi's connectivity
 * number), so every line pixel has exactly two neighbours and crossing numbers are exact. */
#include "afis/pipeline.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

/* Neighbours P2..P9 clockwise from north, as Zhang–Suen number them. */
static void neighbours(const uint8_t *img, int w, size_t i, int p[8])
{
    p[0] = img[i - w];
    p[1] = img[i - w + 1];
    p[2] = img[i + 1];
    p[3] = img[i + w + 1];
    p[4] = img[i + w];
    p[5] = img[i + w - 1];
    p[6] = img[i - 1];
    p[7] = img[i - w - 1];
}

/* Yokoi's 8-connectivity number: 1 means removing the pixel keeps its neighbours connected. */
static int connectivity8(const int p[8])
{
    int n = 0;
    for (int k = 0; k < 8; k += 2) {
        int a = !p[k], b = !p[(k + 1) & 7], c = !p[(k + 2) & 7];
        n += a - a * b * c;
    }
    return n;
}

static int zs_pass(uint8_t *img, uint8_t *del, int w, int h, int second)
{
    int changed = 0;
    memset(del, 0, (size_t)w * h);
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            size_t i = (size_t)y * w + x;
            if (!img[i]) continue;
            int p[8];
            neighbours(img, w, i, p);
            int b = 0, a = 0;
            for (int k = 0; k < 8; k++) {
                b += p[k];
                a += !p[k] && p[(k + 1) & 7];
            }
            if (b < 2 || b > 6 || a != 1) continue;
            if (!second && ((p[0] && p[2] && p[4]) || (p[2] && p[4] && p[6]))) continue;
            if (second && ((p[0] && p[2] && p[6]) || (p[0] && p[4] && p[6]))) continue;
            del[i] = 1;
            changed = 1;
        }
    if (changed)
        for (size_t i = 0; i < (size_t)w * h; i++)
            if (del[i]) img[i] = 0;
    return changed;
}

int thin_skeleton(uint8_t *img, int w, int h)
{
    if (w < 3 || h < 3) {
        memset(img, 0, (size_t)w * h);
        return 0;
    }
    for (int x = 0; x < w; x++)
        img[x] = img[(size_t)(h - 1) * w + x] = 0;
    for (int y = 0; y < h; y++)
        img[(size_t)y * w] = img[(size_t)y * w + w - 1] = 0;
    uint8_t *del = malloc((size_t)w * h);
    if (!del) return kt_fail(KT_ENOMEM, "afis: out of memory for thinning");
    for (int changed = 1; changed;) {
        changed = zs_pass(img, del, w, h, 0);
        changed |= zs_pass(img, del, w, h, 1);
    }
    free(del);
    /* Staircases: a pixel with two perpendicular 4-neighbours is redundant when its removal
     * keeps them connected (through their shared diagonal). */
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            size_t i = (size_t)y * w + x;
            if (!img[i]) continue;
            int p[8];
            neighbours(img, w, i, p);
            int corner = (p[0] && p[2]) || (p[2] && p[4]) || (p[4] && p[6]) || (p[6] && p[0]);
            if (corner && connectivity8(p) == 1) img[i] = 0;
        }
    return 0;
}
