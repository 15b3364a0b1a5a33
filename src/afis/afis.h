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
/* ---- Templates: ISO/IEC 19794-2:2005 and ANSI/INCITS 378-2004 finger minutiae records ----
 * Both are big-endian: "FMR\0", " 20\0", the record length (ISO: 4 bytes; ANSI: 2 bytes, or
 * 0x0000 then 4 bytes when over 65535), ANSI only: the CBEFF product identifier (owner, type:
 * 2 + 2 bytes), capture equipment (4 bits certification/compliance, 12 bits device id), image
 * width, height, x and y resolution (pixels per cm), number of views, a reserved 0 byte
 * (header 24 bytes ISO, 26 or 30 ANSI). Per view: finger position, view number (4 bits) and
 * impression type (4 bits), finger quality, number of minutiae; per minutia 6 bytes: type
 * (2 bits: 01 ending, 10 bifurcation, 00 other) + x (14 bits), 2 reserved bits + y (14 bits),
 * angle (ISO: units of 360/256 degrees; ANSI: units of 2 degrees, 0..179), quality (0..100);
 * then the extended data block length (2 bytes) and that many bytes of extended data (blocks
 * of type id, length, data). See docs/afis.md for the byte-by-byte vectors. */
enum afis_format { AFIS_ISO_19794_2 = 1, AFIS_ANSI_378 = 2 };

/* Writes t as a one-view record in fmt into a new buffer *out (caller frees) of *len bytes.
 * ANSI records carry CBEFF product owner/type 0 unless set with afis_template_write_views().
 * KT_EINVAL if t does not fit the format (coordinates over 16383, more than 255 minutiae). */
int afis_template_write(const struct afis_template *t, enum afis_format fmt, uint8_t **out,
                        size_t *len);
/* Writes n views (one per template; all share the header's image size and resolution, taken
 * from views[0]) as one record. */
int afis_template_write_views(const struct afis_template *views, int n, enum afis_format fmt,
                              uint8_t **out, size_t *len);
/* Which format len bytes at data are, by their stated length: AFIS_ISO_19794_2, AFIS_ANSI_378,
 * or KT_EINVAL when they are neither (not "FMR\0 20\0", or no length field agrees). */
int afis_template_detect(const uint8_t *data, size_t len);
/* Reads the views of a record (fmt 0 = detect) into views[0..max-1], writing their count to
 * *nviews. The whole record is checked before anything is returned: identifier and version,
 * the stated record length against len, reserved bytes, finger positions (0..10), impression
 * types, qualities (0..100), minutia types, ANSI angles (0..179), coordinates inside the
 * stated image (when it states one), extended data block lengths. A truncated or lying
 * record is KT_EINVAL with the offset and the reason in kt_errmsg(). */
int afis_template_read_views(const uint8_t *data, size_t len, int fmt, struct afis_template *views,
                             int max, int *nviews);
/* Reads the first view of a record (fmt 0 = detect). */
int afis_template_read(const uint8_t *data, size_t len, int fmt, struct afis_template *t);

/* ---- Matching ----
 * A prepared template holds what the matcher precomputes per finger (local structures);
 * prepare once, compare many times. Prepared templates are immutable and may be shared
 * between threads. */
struct afis_prepared;
/* Prepares t (borrowed) into a new *out; free with afis_prepared_free(). */
int afis_prepare(const struct afis_template *t, struct afis_prepared **out);
void afis_prepared_free(struct afis_prepared *p);
/* Calibrated similarity of two prepared templates (as afis_match()): symmetric, 0..1, and
 * score s means an estimated false-match rate of 10^(-AFIS_SCORE_DECADES * s) whatever the
 * number of minutiae, so 0.375 is FMR 1/1000. */
#define AFIS_SCORE_DECADES 8.0
double afis_match_prepared(const struct afis_prepared *a, const struct afis_prepared *b);
/* The details of a comparison, for examiners and the benchmark. */
struct afis_match_detail {
    double score;  /* calibrated, as afis_match() */
    double raw;    /* the uncalibrated consolidation score */
    int paired;    /* minutiae paired by the global consolidation */
    int overlap_a; /* minutiae of a and b inside the common area */
    int overlap_b;
    int pairs[AFIS_MAX_MINUTIAE][2]; /* paired (index in a, index in b) */
};
double afis_match_detail(const struct afis_prepared *a, const struct afis_prepared *b,
                         struct afis_match_detail *d);
/* The score meaning FMR 10^-decades (e.g. afis_threshold(3) = 0.375). */
double afis_threshold(double decades);

/* ---- 1:N search over an in-memory gallery ----
 * Entries are (subject, finger): a subject is a person's tenprint id or a latent id. The
 * gallery keeps each finger compact (minutiae in 6 bytes each) plus its postings in the MCC
 * locality-sensitive index (4 bytes per minutia and hash table, about 4 KB per finger), and
 * prepares only the fingers a search shortlists. Thread-safe: searches run concurrently
 * (read lock), additions and removals take the write lock (a search first merges fingers
 * added since the last one into the index). */
#define AFIS_SUBJECT_MAX 40
struct afis_gallery;
struct afis_candidate {
    char subject[AFIS_SUBJECT_MAX];
    int finger;   /* finger position of the gallery entry that matched best */
    double score; /* calibrated; for multi-finger searches the fused score */
    int fingers;  /* how many probe fingers contributed */
};
struct afis_search_opts {
    int threads;      /* 0 = number of online CPUs */
    int same_finger;  /* 1: compare only entries of the probe's finger position (when known) */
    size_t shortlist; /* entries the index passes to the matcher; 0 = default (2000) */
    double min_score; /* candidates below are left out; 0 keeps all */
    int exhaustive;   /* 1: no index, match every entry */
};
struct afis_search_stats {
    size_t entries;  /* gallery entries considered */
    size_t matched;  /* entries compared by the full matcher */
    double ms_index; /* time in the index scan */
    double ms_match; /* time in the matcher */
};
int afis_gallery_create(struct afis_gallery **out);
void afis_gallery_free(struct afis_gallery *g);
/* Adds (or replaces) the entry (subject, t->finger); t is copied. */
int afis_gallery_add(struct afis_gallery *g, const char *subject, const struct afis_template *t);
/* Removes every entry of subject; the count removed. */
int afis_gallery_remove(struct afis_gallery *g, const char *subject);
size_t afis_gallery_size(struct afis_gallery *g);
/* Searches the fingers probes[0..nprobes-1] (one person's tenprint or one latent): each probe
 * finger is compared with the gallery; a subject's score is the sum of its best score per
 * probe finger (fused over fingers, so ten agreeing fingers outrank one). Writes up to max
 * candidates, best first, to out and their count to *n. opts and stats may be NULL. */
int afis_gallery_search(struct afis_gallery *g, const struct afis_template *probes, int nprobes,
                        const struct afis_search_opts *opts, struct afis_candidate *out, int max,
                        int *n, struct afis_search_stats *stats);

/* ---- Minutiae-level synthetic fingers (minsynth.c) ----
 * For unit tests and the speed and accuracy benchmark without images: a master finger is a
 * set of minutiae placed at least 12 px apart inside an elliptical fingertip, directed along
 * a ridge flow from a zero-pole model (arch, loop or whorl; Sherlock and Monro 1993); an
 * impression of it is a rotated, shifted, non-linearly distorted, cropped copy with jitter,
 * lost and spurious minutiae and type flips. The image-level generator is synth.c. */
struct afis_minsynth_params {
    double rotation_deg;     /* uniform in ±this */
    double shift_px;         /* uniform in ±this, each axis */
    double distortion_px;    /* amplitude of the smooth displacement field */
    double jitter_px;        /* Gaussian σ of positions */
    double angle_jitter_deg; /* Gaussian σ of directions */
    double drop;             /* fraction of minutiae lost */
    double spurious;         /* spurious minutiae, as a fraction of those kept */
    double keep_area;        /* fraction of the fingertip's area visible (1 full, 0.25 latent) */
};
/* Typical plain impressions and typical latents. */
extern const struct afis_minsynth_params afis_minsynth_plain, afis_minsynth_latent;
void afis_minsynth_master(uint64_t seed, struct afis_template *master);
void afis_minsynth_impression(const struct afis_template *master, uint64_t seed,
                              const struct afis_minsynth_params *p, struct afis_template *out);

#endif
