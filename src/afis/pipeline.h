/* Internals shared by the extractor (extract.c, orient.c) and the generator (synth.c,
 * impress.c): the Gabor filter bank, thinning and the skeleton's minutiae. Not part of the
 * engine's contract (afis.h). Orientations here are ridge directions in image coordinates
 * (x right, y down, angle clockwise on screen) in [0, π). */
#ifndef KEITSU_AFIS_PIPELINE_H
#define KEITSU_AFIS_PIPELINE_H

#include "afis/afis.h"

#include <stdint.h>

#define AFIS_PI 3.14159265358979323846

/* ---- block fields (orient.c) ---- */

#define FIELD_BLOCK 8 /* pixels per block side */

/* Per block of FIELD_BLOCK² pixels: ridge orientation, coherence, period, gray contrast, and
 * whether the block is print (foreground). Owned arrays of bw × bh; field_free frees them. */
struct field {
    int bw, bh;
    float *orient;   /* ridge orientation [0, π), smoothed */
    float *coh;      /* coherence 0..1 of the gradients (before smoothing) */
    float *period;   /* ridge period in pixels */
    float *contrast; /* gray standard deviation */
    uint8_t *fg;     /* 1 = print */
};

/* Computes the fields of the w × h gray image g (0..255) and segments the print: blocks with
 * enough contrast and coherent gradients, holes filled, the largest region kept. Orientation
 * by least squares over the gradients of a 24-pixel window, smoothed as a doubled-angle vector
 * field (Hong, Wan & Jain 1998); period from the oriented x-signature. KT_ENOMEM. */
int field_compute(const float *g, int w, int h, struct field *f);
void field_free(struct field *f);

/* ---- Gabor bank (enhance.c) ---- */

#define GABOR_R 6 /* kernels are (2R+1)² */
#define GABOR_ORIENTS 24
#define GABOR_PERIODS 25 /* periods 4, 4.5 … 16 pixels */

/* Kernel index for a ridge orientation (radians, any value; taken mod π) and period (pixels,
 * clamped to 4..16). */
uint16_t gabor_index(double orient, double period);

/* dst[i] = Σ kernel(kid[i]) · src around i for every pixel with mask[i] (mask NULL: all);
 * other pixels get 0. src is outside the image 0 (callers pass zero-mean data). The bank is
 * built on first use (pthread_once). KT_ENOMEM. */
int gabor_filter(const float *src, float *dst, int w, int h, const uint16_t *kid,
                 const uint8_t *mask);

/* ---- thinning (thin.c) ---- */

/* Thins the binary image img (1 = ridge, 0 = else) in place to an 8-connected skeleton one
 * pixel wide (Zhang–Suen, then staircase pixels removed). The outermost pixel frame is
 * cleared. KT_ENOMEM. */
int thin_skeleton(uint8_t *img, int w, int h);

/* ---- minutiae on a skeleton (minutiae.c) ---- */

struct skel_params {
    int border;  /* minutiae closer than this to the mask's edge are dropped (pixels) */
    int spur;    /* ending-to-bifurcation ridges shorter than this are spurs */
    int island;  /* ending-to-ending ridges shorter than this are dropped */
    int bridge;  /* bifurcation-to-bifurcation ridges shorter than this are bridges */
    int gap;     /* facing endings closer than this are a broken ridge */
    int cluster; /* radius: a minutia with ≥ 3 others this close is noise */
};

/* Finds the endings and bifurcations of skel (1 = ridge, thinned) inside mask (1 = print),
 * whose mask_distance is dist, by crossing number, their directions by tracing the ridges (ISO
 * convention of afis.h), and removes false ones per p. Writes at most max into out, quality
 * 0; returns the count or KT_ENOMEM. skel is left as it was. */
int skel_minutiae(const uint8_t *skel, const uint8_t *mask, const uint16_t *dist, int w, int h,
                  const struct skel_params *p, struct afis_minutia *out, int max);

/* Distance in pixels from every pixel inside mask to the nearest pixel outside it or the
 * image's edge (chamfer 3-4, rounded); 0 outside. dist has w × h entries. */
void mask_distance(const uint8_t *mask, int w, int h, uint16_t *dist);

/* ---- the generator's random numbers: splitmix64, a pure function of the seed ---- */

struct synth_rng {
    uint64_t s;
};

static inline uint64_t synth_next(struct synth_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static inline double synth_uniform(struct synth_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(synth_next(r) >> 11) / 9007199254740992.0);
}

/* Standard normal (Box–Muller, one of the pair). */
double synth_gauss(struct synth_rng *r);

/* Angle in [0, 2π). */
double angle_norm(double a);
/* Absolute difference of two angles, 0..π. */
double angle_diff(double a, double b);

#endif
