/* Inside the carver: a windowed reader over the image and one validator per format family
 * (carve_fmt.c). Not for use outside carve*.c. */
#ifndef KEITSU_FORENSICS_CARVE_FMT_H
#define KEITSU_FORENSICS_CARVE_FMT_H

#include "forensics/carve.h"
#include "forensics/image.h"

#include <stddef.h>
#include <stdint.h>

#define CARVE_WIN ((size_t)1 << 20) /* the reader's window: the most carve_rd_at() returns */

/* Positional reads through one cached window, so that format walks can ask for a few bytes at a
 * time. The window is owned; the image is borrowed. */
struct carve_rd {
    struct forensics_image *img;
    uint64_t size; /* of the image */
    uint8_t *win;
    uint64_t win_off;
    size_t win_len;
    int eio; /* a read failed: what follows reads as absent */
    /* No ZIP end record starts in [zip_none_from, zip_none_to): found by an earlier search. */
    uint64_t zip_none_from, zip_none_to;
};

/* A pointer to the n bytes (n <= CARVE_WIN) at image offset off, valid until the next call, or
 * NULL if they are not all in the image. */
const uint8_t *carve_rd_at(struct carve_rd *r, uint64_t off, size_t n);
/* The first offset in [from, to) where the nlen bytes of needle start (the match must end
 * before to), or UINT64_MAX. */
uint64_t carve_rd_find(struct carve_rd *r, uint64_t from, uint64_t to, const void *needle,
                       size_t nlen);

/* A validator: is there a file of its family at off, no longer than max bytes? 1 and *len and
 * *kind (the exact kind: docx rather than zip), or 0. It may read anywhere in [off, off + max)
 * and nowhere else. */
typedef int (*carve_check_fn)(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                              enum forensics_carve_kind *kind);

int carve_check_jpg(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);
int carve_check_png(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);
int carve_check_gif(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);
int carve_check_pdf(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);
int carve_check_zip(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);
int carve_check_sqlite(struct carve_rd *, uint64_t, uint64_t, uint64_t *,
                       enum forensics_carve_kind *);
int carve_check_mp4(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);
int carve_check_bmp(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);
int carve_check_riff(struct carve_rd *, uint64_t, uint64_t, uint64_t *,
                     enum forensics_carve_kind *);
int carve_check_ogg(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);
int carve_check_mp3(struct carve_rd *, uint64_t, uint64_t, uint64_t *, enum forensics_carve_kind *);

#endif
