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
/* "raw", "split", "ewf" or "mem" (forensics_image_open_mem); never NULL, static. */
const char *forensics_image_format(const struct forensics_image *img);
/* Number of segment files, and the path of segment i (borrowed, valid while img is open). */
size_t forensics_image_segments(const struct forensics_image *img);
const char *forensics_image_segment(const struct forensics_image *img, size_t i);
/* Sector size in bytes (512 unless the container says otherwise). */
uint32_t forensics_image_sector_size(const struct forensics_image *img);

/* What the container recorded at acquisition, as key/value pairs (E01: "case_number",
 * "examiner_name", "description", "acquiry_date", …, and the stored hashes "md5" and "sha1" in
 * lowercase hex). Pair i (from 0): 0 with *key and *value borrowed while img is open, or
 * KT_ENOTFOUND past the last (raw and split images have none). */
int forensics_image_meta(const struct forensics_image *img, size_t i, const char **key,
                         const char **value);
/* The value of metadata key, or NULL (borrowed, valid while img is open). */
const char *forensics_image_meta_get(const struct forensics_image *img, const char *key);

void forensics_image_close(struct forensics_image *img);

/* Split raw segment names. A split image's segments share a stem and differ in a numeric
 * extension of 2 to 6 digits ("x.001", "x.002" …; "x.raw.000" …) or an alphabetic one of 2 to 6
 * lowercase letters ("x.aa", "x.ab" …, as split(1) makes with a "x." prefix).
 *
 * forensics_image_split_first(): 1 if name is the first segment of such a series (extension
 * all '0' or ending in 1 after zeros, e.g. ".000", ".001", ".00"; or all 'a'), else 0.
 * forensics_image_split_next(): the name of the segment after name, written to out (cap bytes
 * with the NUL): 0; KT_ENOTFOUND if name is no segment name or its extension is the last one
 * ("x.999", "x.zz"); KT_ETOOBIG if out is too small (out is then ""). */
int forensics_image_split_first(const char *name);
int forensics_image_split_next(const char *name, char *out, size_t cap);

#endif
