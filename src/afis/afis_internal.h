/* Inside the matcher: the prepared template (local structures per minutia) shared by mcc.c,
 * match.c and gallery.c. Not part of the contract. */
#ifndef KEITSU_AFIS_AFIS_INTERNAL_H
#define KEITSU_AFIS_AFIS_INTERNAL_H

#include "afis/afis.h"

#include <stdint.h>

/* A minutia cylinder in polar cells around the minutia, relative to its direction (so the
 * code is rotation- and translation-invariant): 4 rings of 24 px × 8 sectors of the
 * neighbour's position × 8 sectors of the neighbour's direction = 256 bits. Each neighbour
 * within 96 px sets its cell and, near a cell boundary, the next cell too (the hard-cell form
 * of MCC's Gaussian contributions, Cappelli et al. 2010). */
#define MCC_WORDS 4
#define MCC_RINGS 4
#define MCC_RING_PX 24.0
#define MCC_SECTORS 8
#define MCC_DIRS 8
#define MCC_MIN_BITS 4 /* a cylinder with fewer set cells is not used as an anchor */
#define HULL_MAX 64

struct afis_prepared {
    int n;
    int width, height;
    float x[AFIS_MAX_MINUTIAE], y[AFIS_MAX_MINUTIAE]; /* y grows upwards (y = -row) */
    float a[AFIS_MAX_MINUTIAE];                       /* direction, radians [0, 2π) */
    uint64_t cyl[AFIS_MAX_MINUTIAE][MCC_WORDS];
    uint8_t bits[AFIS_MAX_MINUTIAE];
    uint8_t t[AFIS_MAX_MINUTIAE]; /* minutia type */
    int nh;                       /* convex hull of the minutiae, counter-clockwise */
    float hx[HULL_MAX], hy[HULL_MAX];
};

/* Fills p from t (no allocation): cylinders and hull. */
void mcc_prepare(const struct afis_template *t, struct afis_prepared *p);
/* Fast atan2 in radians [0, 2π), error below 0.002 rad. */
double mcc_atan2(double y, double x);

/* The index signature of a template for the 1:N prefilter: pair features (distance, the
 * pair's direction relative to each minutia, relative direction) hashed into 2048 bits. */
#define SIG_WORDS 32
void afis_signature(const struct afis_template *t, uint64_t sig[SIG_WORDS]);

#endif
