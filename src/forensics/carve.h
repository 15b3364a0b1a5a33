/* Signature carving (ファイルカービング): files found by their own structure in an image's bytes,
 * whatever the file system says.
 *
 * One pass reads the image in large blocks and looks for every wanted type's signature at once
 * (a table over each position's first two bytes; only sector starts when sector-aligned). Each
 * candidate is then validated by walking its format (JPEG markers to EOI, PNG chunks with their
 * CRCs to IEND, GIF blocks to the trailer, PDF to the last %%EOF whose startxref holds, ZIP local
 * headers against the central directory and its end record, SQLite's header page count, MP4 box
 * sizes, BMP and RIFF sizes, Ogg pages); what does not validate is counted and skipped, and what
 * validates gives the file's exact length. A carved file is not searched again for embedded
 * files (a JPEG's thumbnail, a PDF's images): the scan goes on after its end.
 *
 * The image is only read, through forensics_image_read(); nothing is trusted: every length is
 * checked against the image and against a cap per type. */
#ifndef KEITSU_FORENSICS_CARVE_H
#define KEITSU_FORENSICS_CARVE_H

#include "forensics/image.h"

#include <stddef.h>
#include <stdint.h>

/* What a carved file is: its extension ("jpg", "docx"), the unit of --types. */
enum forensics_carve_kind {
    CARVE_JPG,
    CARVE_PNG,
    CARVE_GIF,
    CARVE_PDF,
    CARVE_ZIP,
    CARVE_DOCX,
    CARVE_XLSX,
    CARVE_PPTX,
    CARVE_ODT,
    CARVE_ODS,
    CARVE_ODP,
    CARVE_JAR,
    CARVE_SQLITE,
    CARVE_MP4,
    CARVE_MOV,
    CARVE_3GP,
    CARVE_BMP,
    CARVE_WAV,
    CARVE_AVI,
    CARVE_WEBP,
    CARVE_OGG,
    CARVE_MP3,
    CARVE_NKINDS
};
#define FORENSICS_CARVE_ALL ((UINT64_C(1) << CARVE_NKINDS) - 1)

/* The extension of kind k ("jpg"); never NULL for k < CARVE_NKINDS. */
const char *forensics_carve_kind_name(enum forensics_carve_kind k);

/* Parses a comma-separated type list ("jpg,png,office"): each word is an extension (docx), a
 * family naming all its extensions (zip = every ZIP-based kind, office = docx,xlsx,pptx, riff =
 * wav,avi,webp, mp4 = mp4,mov,3gp) or "all". 0 and *mask, or KT_EINVAL naming the word. */
int forensics_carve_parse_types(const char *list, uint64_t *mask);

struct forensics_carve_opts {
    uint64_t kinds;     /* bit (1 << kind) for each wanted kind; 0 means all */
    uint32_t alignment; /* files start only at multiples of this (the sector size); 1 = any byte */
};

/* One carved file: bytes [offset, offset + length) of the image. */
struct forensics_carve_hit {
    uint64_t offset, length;
    enum forensics_carve_kind kind;
};
/* Called for each carved file in ascending offset; non-zero stops the carve. */
typedef int (*forensics_carve_fn)(void *ctx, const struct forensics_carve_hit *h);

struct forensics_carve_stats {
    uint64_t scanned;    /* bytes looked at */
    uint64_t candidates; /* signatures found */
    uint64_t carved;     /* files that validated */
    uint64_t rejected;   /* candidates whose structure did not hold (corrupt, truncated) */
    uint64_t by_kind[CARVE_NKINDS];
};

struct forensics_carver;

/* A carver over img (borrowed, must outlive it). 0 and *out, or KT_ENOMEM. */
int forensics_carver_new(struct forensics_image *img, const struct forensics_carve_opts *opts,
                         forensics_carve_fn fn, void *ctx, struct forensics_carver **out);
/* Carves files starting in [off, off + len) of the image (a file may run past the range: the
 * unallocated clusters of a file system are not always contiguous with the file's tail). Ranges
 * must come in ascending order; a file carved in one range is not searched again in the next.
 * 0, KT_EIO if the image cannot be read, or the callback's non-zero value. */
int forensics_carver_range(struct forensics_carver *c, uint64_t off, uint64_t len);
/* The counts so far (borrowed). */
const struct forensics_carve_stats *forensics_carver_stats(const struct forensics_carver *c);
void forensics_carver_free(struct forensics_carver *c);

#endif
