/* Evidence images (証拠イメージ): raw, split raw and E01, opened read-only.
 *
 * An image is never written: files are opened O_RDONLY and nothing in this module has a write
 * path to them. Reads are positional, so one image may be read from several threads at once
 * (formats whose library keeps a cursor, such as libewf, serialise internally). */
#ifndef KEITSU_FORENSICS_IMAGE_H
#define KEITSU_FORENSICS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct forensics_image;

/* Opens the image at path: a raw file or block device; the first segment of a split raw image
 * (NAME.001, NAME.aa, NAME.raw.000 …: the following segments are found by name); an E01 (its
 * E02… segments are found by libewf). 0 and *out (freed with forensics_image_close()), or
 * KT_ENOTFOUND / KT_EIO / KT_EINVAL with kt_errmsg() saying why. */
int forensics_image_open(const char *path, struct forensics_image **out);

/* An image over n bytes in memory (borrowed; they must outlive the image): for tests and fuzz
 * targets. 0 and *out, or KT_ENOMEM. */
int forensics_image_open_mem(const void *data, size_t n, struct forensics_image **out);

/* Reads up to n bytes at byte offset off into buf. *got is the number read: n, fewer only where
 * the image ends (0 at or past its end). 0, or KT_EIO if the medium failed (*got then says how
 * much of buf is valid). */
int forensics_image_read(struct forensics_image *img, uint64_t off, void *buf, size_t n,
                         size_t *got);

/* The image's logical size in bytes (the media size for E01). */
uint64_t forensics_image_size(const struct forensics_image *img);
/* "raw", "split" or "ewf"; never NULL; valid while img is open. */
const char *forensics_image_format(const struct forensics_image *img);
/* Number of segment files, and the path of segment i (borrowed, valid while img is open). */
size_t forensics_image_segments(const struct forensics_image *img);
const char *forensics_image_segment(const struct forensics_image *img, size_t i);
/* Sector size in bytes (512 unless the container says otherwise). */
uint32_t forensics_image_sector_size(const struct forensics_image *img);

void forensics_image_close(struct forensics_image *img);

#endif
