/* Minutiae extraction: block fields and segmentation (orient.c), Gabor enhancement tuned to
 * the local orientation and period (enhance.c), binarisation by the sign of the filter's
 * response, thinning (thin.c), minutiae on the skeleton with false-minutiae removal
 * (minutiae.c), then quality per minutia and per finger. */
#include "afis/pipeline.h"
#include "base/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SIDE 64
#define NOMINAL_AREA 90000.0 /* pixels of print for full marks on area (≈ 15 × 15 mm) */
#define MIN_QUALITY 15       /* minutiae below this are taken for noise */

static const struct skel_params rules = {
    .border = 12, .spur = 12, .island = 16, .bridge = 10, .gap = 14, .cluster = 10};

struct work {
    float *g, *enh;
    uint16_t *kid, *dist;
    uint8_t *mask, *skel;
};

static void work_free(struct work *k)
{
    free(k->g), free(k->enh), free(k->kid), free(k->dist), free(k->mask), free(k->skel);
}

static int clamp100(double v)
{
    return v < 0 ? 0 : v > 100 ? 100 : (int)lround(v);
}

/* Quality of a minutia from its block's coherence and contrast and its distance to the edge
 * of the print. */
static int minutia_quality(const struct field *f, const struct afis_minutia *m,
                           const uint16_t *dist, int w)
{
    int b = (m->y / FIELD_BLOCK) * f->bw + m->x / FIELD_BLOCK;
    double coh = f->coh[b] / 0.7, con = f->contrast[b] / 40.0,
           edge = dist[(size_t)m->y * w + m->x] / 32.0;
    if (coh > 1) coh = 1;
    if (con > 1) con = 1;
    if (edge > 1) edge = 1;
    return clamp100(100 * coh * (0.4 + 0.6 * con) * (0.5 + 0.5 * edge));
}

/* NFIQ-like finger quality: area of print, mean coherence and contrast over it. */
static int finger_quality(const struct field *f)
{
    double coh = 0, con = 0;
    long blocks = 0;
    for (int b = 0; b < f->bw * f->bh; b++)
        if (f->fg[b]) coh += f->coh[b], con += f->contrast[b], blocks++;
    if (!blocks) return 0;
    coh /= blocks, con /= blocks;
    double area = blocks * FIELD_BLOCK * FIELD_BLOCK / NOMINAL_AREA;
    if (area > 1) area = 1;
    double c = coh / 0.9, k = con / 60;
    if (c > 1) c = 1;
    if (k > 1) k = 1;
    return clamp100(100 * sqrt(area) * c * (0.3 + 0.7 * k));
}

static int by_quality(const void *a, const void *b)
{
    const struct afis_minutia *x = a, *y = b;
    if (x->quality != y->quality) return y->quality - x->quality;
    if (x->y != y->y) return x->y - y->y;
    return x->x - y->x;
}

static int check_image(const struct afis_image *img)
{
    if (!img || !img->pixels) return kt_fail(KT_EINVAL, "afis: no image");
    if (img->width < MIN_SIDE || img->height < MIN_SIDE || img->width > AFIS_IMAGE_MAX ||
        img->height > AFIS_IMAGE_MAX)
        return kt_fail(KT_EINVAL, "afis: image %d x %d; a print needs %d..%d pixels a side",
                       img->width, img->height, MIN_SIDE, AFIS_IMAGE_MAX);
    if (img->ppi != 0 && (img->ppi < 450 || img->ppi > 550))
        return kt_fail(KT_EVALID, "afis: image at %d ppi; the extractor needs 500 ppi", img->ppi);
    return 0;
}

/* Gabor enhancement inside the print, then ridges = negative response. */
static int enhance(const struct afis_image *img, const struct field *f, struct work *k)
{
    int w = img->width, h = img->height;
    size_t n = (size_t)w * h;
    double mean = 0;
    long cnt = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            int b = (y / FIELD_BLOCK) * f->bw + x / FIELD_BLOCK;
            k->mask[i] = f->fg[b];
            k->kid[i] = gabor_index(f->orient[b], f->period[b]);
            if (k->mask[i]) mean += img->pixels[i], cnt++;
        }
    mean = cnt ? mean / cnt : 128;
    for (size_t i = 0; i < n; i++)
        k->g[i] = (float)(img->pixels[i] - mean);
    int rc = gabor_filter(k->g, k->enh, w, h, k->kid, k->mask);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
        k->skel[i] = k->mask[i] && k->enh[i] < 0;
    return thin_skeleton(k->skel, w, h);
}

int afis_extract(const struct afis_image *img, struct afis_template *t)
{
    memset(t, 0, sizeof *t);
    int rc = check_image(img);
    if (rc) return rc;
    int w = img->width, h = img->height;
    size_t n = (size_t)w * h;
    t->width = w, t->height = h, t->resolution = 197;
    struct work k = {.g = malloc(n * sizeof(float)),
                     .enh = malloc(n * sizeof(float)),
                     .kid = malloc(n * sizeof(uint16_t)),
                     .dist = malloc(n * sizeof(uint16_t)),
                     .mask = malloc(n),
                     .skel = malloc(n)};
    struct afis_minutia *found = malloc(4 * AFIS_MAX_MINUTIAE * sizeof *found);
    if (!k.g || !k.enh || !k.kid || !k.dist || !k.mask || !k.skel || !found) {
        work_free(&k);
        free(found);
        return kt_fail(KT_ENOMEM, "afis: out of memory for a %d x %d image", w, h);
    }
    for (size_t i = 0; i < n; i++)
        k.g[i] = img->pixels[i];
    struct field f;
    rc = field_compute(k.g, w, h, &f);
    if (!rc) rc = enhance(img, &f, &k);
    int c = 0;
    if (!rc) {
        mask_distance(k.mask, w, h, k.dist);
        rc = c = skel_minutiae(k.skel, k.mask, k.dist, w, h, &rules, found, 4 * AFIS_MAX_MINUTIAE);
    }
    if (rc >= 0) {
        int kept = 0;
        for (int i = 0; i < c; i++) {
            found[i].quality = minutia_quality(&f, &found[i], k.dist, w);
            if (found[i].quality >= MIN_QUALITY) found[kept++] = found[i];
        }
        qsort(found, (size_t)kept, sizeof *found, by_quality);
        t->n = kept < AFIS_MAX_MINUTIAE ? kept : AFIS_MAX_MINUTIAE;
        memcpy(t->m, found, (size_t)t->n * sizeof *found);
        t->quality = t->n ? finger_quality(&f) : 0;
        rc = 0;
    }
    field_free(&f);
    work_free(&k);
    free(found);
    return rc;
}
