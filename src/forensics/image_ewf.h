/* E01 (Expert Witness Format) images through libewf: internal to image.c. */
#ifndef KEITSU_FORENSICS_IMAGE_EWF_H
#define KEITSU_FORENSICS_IMAGE_EWF_H

#include <stddef.h>
#include <stdint.h>

struct image_ewf;

/* 1 if the file at path starts with an EWF signature, 0 if not, negative on error. */
int image_ewf_check(const char *path);
/* Opens the E01 at path with all its segments (found by libewf_glob), read-only. 0 and *out,
 * or KT_EIO / KT_EINVAL / KT_ENOMEM with kt_errmsg(). */
int image_ewf_open(const char *path, struct image_ewf **out);
uint64_t image_ewf_size(const struct image_ewf *e);
uint32_t image_ewf_sector_size(const struct image_ewf *e);
size_t image_ewf_segments(const struct image_ewf *e);
const char *image_ewf_segment(const struct image_ewf *e, size_t i);
/* Metadata pair i: 0, or KT_ENOTFOUND past the last. */
int image_ewf_meta(const struct image_ewf *e, size_t i, const char **key, const char **value);
/* Reads n bytes at off (serialised: libewf keeps a cursor). 0 and *got, or KT_EIO. */
int image_ewf_read(struct image_ewf *e, uint64_t off, void *buf, size_t n, size_t *got);
void image_ewf_close(struct image_ewf *e);

#endif
