/* 指掌紋自動識別 (AFIS): the shared types of the fingerprint engine — grayscale images,
 * minutiae and templates. The parts:
 *   image.c / extract.c   images (PGM, PNG) → minutiae with quality (afis_extract)
 *   synth.c               synthetic master prints and impressions (evaluation data)
 *   iso.c                 ISO/IEC 19794-2:2005 and ANSI/INCITS 378-2004 records
 *   match.c               minutiae matcher (similarity score)
 *   gallery.c             1:N search over an in-memory gallery on all cores
 *   ansinist.c            ANSI/NIST-ITL 1-2011 transactions
 *
 * Coordinates are in pixels of a 500 ppi image, x to the right, y down, origin top-left.
 * Angles are radians in [0, 2π), measured counter-clockwise from the x axis as ISO 19794-2
 * defines the minutia direction (for a ridge ending the direction of the ridge going away
 * from the ending; for a bifurcation that of the valley ending). */
#ifndef KEITSU_AFIS_AFIS_H
#define KEITSU_AFIS_AFIS_H

#include <stddef.h>
#include <stdint.h>

/* Largest width and height afis_image_read accepts. */
#define AFIS_IMAGE_MAX 4096

/* An 8-bit grayscale image, row-major, 0 = black (ridge), 255 = white. */
struct afis_image {
    int width, height;
    int ppi;         /* 500 expected; 0 = unknown (treated as 500) */
    uint8_t *pixels; /* owned: width * height bytes */
};

/* Reads a binary PGM (P5, maxval 255) or an 8-bit grayscale PNG (libpng) from len bytes at
 * data (outside data: sizes checked, at most 4096 × 4096). *img owns its pixels. KT_EINVAL /
 * KT_EVALID with the reason (wrong depth, colour PNG, truncated …). */
int afis_image_read(const uint8_t *data, size_t len, struct afis_image *img);
/* Reads the file at path (same rules; KT_EIO when it cannot be read). */
int afis_image_load(const char *path, struct afis_image *img);
/* Writes img as binary PGM to path. */
int afis_image_save_pgm(const char *path, const struct afis_image *img);
/* Frees img's pixels and zeroes it; NULL and a zeroed image are fine. */
void afis_image_free(struct afis_image *img);

enum afis_minutia_type { AFIS_OTHER = 0, AFIS_ENDING = 1, AFIS_BIFURCATION = 2 };

struct afis_minutia {
    int x, y;     /* pixels */
    double angle; /* radians [0, 2π) */
    int type;     /* enum afis_minutia_type */
    int quality;  /* 0..100 (ISO 19794-2), 0 = not reported */
};

#define AFIS_MAX_MINUTIAE 255

/* One finger's template. */
struct afis_template {
    int width, height; /* image size in pixels */
    int resolution;    /* pixels per centimetre as ISO stores it (197 for 500 ppi) */
    int finger;        /* finger position 0..10 (ISO/ANSI codes; 0 unknown) */
    int quality;       /* finger quality 0..100 */
    int n;
    struct afis_minutia m[AFIS_MAX_MINUTIAE];
};

/* Extracts minutiae from img into t (segmentation, orientation and ridge frequency, Gabor
 * enhancement, binarisation, thinning, endings and bifurcations with direction and quality,
 * false-minutiae removal at borders and in noisy regions) and the finger's quality score.
 * Reentrant (no global state; the Gabor tables are built once, thread-safely). img must be
 * 500 ppi (ppi 0 is taken as 500; 450..550 accepted) and at least 64 × 64 pixels, otherwise
 * KT_EINVAL / KT_EVALID with the reason; KT_ENOMEM. t is filled in full (t->finger = 0); at
 * most AFIS_MAX_MINUTIAE minutiae, the best-quality ones kept. A blank image yields n = 0 and
 * quality 0. */
int afis_extract(const struct afis_image *img, struct afis_template *t);

/* Similarity of two templates: 0 (no match) .. 1 (identical); reentrant, no global state.
 * The score is calibrated so that a threshold means the same false-match rate whatever the
 * number of minutiae (see docs/benchmarks.md for thresholds at FMR 1/100, 1/1000, 1/10000). */
double afis_match(const struct afis_template *probe, const struct afis_template *candidate);

/* ---- synthetic prints (synth.c, impress.c): evaluation data in the manner of SFinGe ----
 *
 * A master print is a finger's ridge pattern: an orientation field from singular points
 * (Sherlock–Monro zero-pole model; arch, tented arch, left and right loop, whorl), a ridge
 * density map, and ridges grown from random seeds by iterated space-variant Gabor filtering
 * until they converge. Its minutiae are the ground truth. An impression is one capture of the
 * master: displaced, rotated, elastically distorted, pressed harder or softer, noisy, and
 * possibly cut to a partial or latent print; its ground truth is the master's minutiae mapped
 * the same way and kept where the impression shows them. Everything is a pure function of the
 * seeds and parameters (same seed, same print, on any thread). */

enum afis_pattern {
    AFIS_PATTERN_ANY = 0, /* chosen from the seed with natural frequencies */
    AFIS_PATTERN_ARCH,
    AFIS_PATTERN_TENTED_ARCH,
    AFIS_PATTERN_LEFT_LOOP,
    AFIS_PATTERN_RIGHT_LOOP,
    AFIS_PATTERN_WHORL,
};

struct afis_synth_params {
    int width, height; /* master size; 0 → 400 × 500 (20 × 25 mm at 500 ppi) */
    int pattern;       /* enum afis_pattern */
    double period;     /* mean ridge period in pixels; 0 → 9 (random ±10 %) */
};

struct afis_synth_master {
    int width, height;
    int pattern;                /* enum afis_pattern actually drawn */
    float *ridges;              /* owned: width × height, -1 ridge .. +1 valley */
    uint8_t *area;              /* owned: width × height, 1 inside the finger */
    struct afis_template truth; /* the master's minutiae */
};

/* Makes the master print for seed; params may be NULL for the defaults. out owns its
 * buffers: free them with afis_synth_master_free. KT_EINVAL for bad parameters, KT_ENOMEM. */
int afis_synth_master(uint32_t seed, const struct afis_synth_params *params,
                      struct afis_synth_master *out);
void afis_synth_master_free(struct afis_synth_master *m);

struct afis_impression_params {
    int width, height;          /* impression size; 0 → the master's */
    double max_shift;           /* pixels, uniform in ±max_shift on each axis (default 0) */
    double max_rotation;        /* radians, uniform in ±max_rotation (e.g. 30° = 0.5236) */
    double distortion;          /* elastic distortion: largest displacement in pixels (≈ 0..12) */
    double noise;               /* gray-level noise σ (0..40) */
    double pressure;            /* -1 (light: thin, broken ridges) .. +1 (heavy: thick, merged) */
    double damage;              /* share 0..0.2 of the print with scars / dry blotches */
    double keep;                /* partial print: share 0.3..1 of the finger kept (1 = whole) */
    int latent_min, latent_max; /* latent crop: 0, or keep a blob holding min..max truth
                                   minutiae (e.g. 12..25) on a noisy background */
};

/* Renders one impression of m for seed into img (owned by the caller: afis_image_free) and
 * its ground-truth minutiae into truth (those of m inside the visible print, transformed;
 * may be NULL). p may be NULL: an undistorted full print. 500 ppi. KT_EINVAL, KT_ENOMEM. */
int afis_synth_impression(const struct afis_synth_master *m, uint32_t seed,
                          const struct afis_impression_params *p, struct afis_image *img,
                          struct afis_template *truth);

#endif
