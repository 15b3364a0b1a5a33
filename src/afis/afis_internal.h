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
#define MCC_COLS 256   /* AFIS_MAX_MINUTIAE rounded up to a multiple of 16 */
_Static_assert(MCC_COLS >= AFIS_MAX_MINUTIAE && MCC_COLS % 16 == 0,
               "the AVX-512 local pairs read 16 columns at a time");
#define HULL_MAX 64

struct afis_prepared {
    int n;
    int width, height;
    float x[AFIS_MAX_MINUTIAE], y[AFIS_MAX_MINUTIAE]; /* y grows upwards (y = -row) */
    float a[AFIS_MAX_MINUTIAE];                       /* direction, radians [0, 2π) */
    /* word w of minutia i's cylinder at cyl[w][i] (word-major, so a vector unit reads the same
     * word of 8 minutiae at once); columns n..MCC_COLS-1 are zero */
    _Alignas(64) uint64_t cyl[MCC_WORDS][MCC_COLS];
    uint8_t bits[MCC_COLS];       /* set cells per cylinder; 0 past n */
    uint8_t t[AFIS_MAX_MINUTIAE]; /* minutia type */
    int nh;                       /* convex hull of the minutiae, counter-clockwise */
    float hx[HULL_MAX], hy[HULL_MAX];
};

/* Fills p from t (no allocation): cylinders and hull. */
void mcc_prepare(const struct afis_template *t, struct afis_prepared *p);
/* Fills only p's minutiae (n, size, x, y, a, t): what the index needs. */
void mcc_points(const struct afis_template *t, struct afis_prepared *p);
/* A cylinder's geometry: rings of ring_px × position sectors × relative-direction sectors;
 * a neighbour sets its cell and, within `soft` (share of a cell) of an edge, the next one. */
struct mcc_grid {
    int rings, sectors, dirs;
    double ring_px, soft;
};
/* Minutia i's cylinder on grid g into cyl (rings × sectors × dirs bits, zeroed first; bit
 * (ring × sectors + sector) × dirs + dir); the number of set cells. */
int mcc_grid_cylinder(const struct afis_prepared *p, int i, const struct mcc_grid *g,
                      uint64_t *cyl);
/* The matcher's local pairs on AVX-512 (AND + VPOPCNTQ over 16 cylinders at a time) where
 * the CPU has AVX512F and AVX512_VPOPCNTDQ, else scalar; both give the same scores. want 1
 * asks for the vector path (if the CPU has it), 0 for the scalar one, -1 leaves the choice
 * (first call: the CPU's, unless KEITSU_AFIS_NO_AVX512 is set). Returns 1 when the vector
 * path is in use. Process-wide; for tests and benchmarks. */
int afis_match_wide(int want);
/* Fast atan2 in radians [0, 2π), error below 0.002 rad. */
double mcc_atan2(double y, double x);

/* The 1:N index (index.c): LSH of minutia cylinders. A gallery entry's keys go in with
 * afis_index_add (entries in increasing order); a search computes the probe's keys and asks
 * each thread's range of entries for its votes. Not thread-safe by itself: the gallery adds
 * and flushes under its write lock and searches under its read lock, after a flush. */
#define IX_TABLES 32
#define IX_MAX_ENTRIES (1u << 27)
struct afis_index;
struct afis_index_key {
    uint8_t table, dir; /* dir: the minutia's direction in 32nds of a turn */
    uint32_t bucket;
};
/* Most keys a template can give. */
#define IX_MAX_KEYS (AFIS_MAX_MINUTIAE * IX_TABLES)
/* The keys of a prepared template into keys[IX_MAX_KEYS]; their count. */
int afis_index_keys(const struct afis_prepared *p, struct afis_index_key *keys);
int afis_index_create(struct afis_index **out);
void afis_index_free(struct afis_index *ix);
/* Adds entry's keys (entry above every earlier one, below 2^27); may merge. KT_ENOMEM. */
int afis_index_add(struct afis_index *ix, uint32_t entry, const struct afis_index_key *keys,
                   int nkeys);
/* 1 when added keys wait to be merged (afis_index_flush) before a search. */
int afis_index_pending(const struct afis_index *ix);
int afis_index_flush(struct afis_index *ix);
/* Postings held (memory: 4 bytes each, plus 4 MB of offsets per table). */
size_t afis_index_postings(const struct afis_index *ix);
/* Votes of the probe's keys for entries lo..hi-1 (live: live entries in the gallery, for the
 * keys' rarity) into votes[(hi - lo) * 8] (8 rotation bins each); the keys used. */
int afis_index_votes(const struct afis_index *ix, const struct afis_index_key *keys, int nkeys,
                     size_t live, uint32_t lo, uint32_t hi, uint16_t *votes);
/* An entry's rank from its 8 votes (the best rotation bin). */
unsigned afis_index_rank(const uint16_t *votes);
#define IX_VOTES_PER_ENTRY 8

#endif
