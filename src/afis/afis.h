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
/* Reads the file at path (same rules). */
int afis_image_load(const char *path, struct afis_image *img);
/* Writes img as binary PGM to path. */
int afis_image_save_pgm(const char *path, const struct afis_image *img);
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
 * false-minutiae removal at borders and in noisy regions) and the finger's quality score. */
int afis_extract(const struct afis_image *img, struct afis_template *t);

/* Similarity of two templates: 0 (no match) .. 1 (identical); reentrant, no global state.
 * The score is calibrated so that a threshold means the same false-match rate whatever the
 * number of minutiae (see docs/benchmarks.md for thresholds at FMR 1/100, 1/1000, 1/10000). */
double afis_match(const struct afis_template *probe, const struct afis_template *candidate);

#endif
