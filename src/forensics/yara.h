/* YARA rules (libyara) over the content of every file of an image, allocated and deleted, or
 * over the raw image when no file system is known. A match is a "yara" hit (triage.h) with the
 * rule's name and tags and the offset of its first string match. */
#ifndef KEITSU_FORENSICS_YARA_H
#define KEITSU_FORENSICS_YARA_H

#include "forensics/triage.h"

#include <stddef.h>

#define FORENSICS_YARA_MAX_FILE ((size_t)256 << 20) /* bytes of one file scanned; more is noted */

struct forensics_yara;

/* Compiles the rules in the file at path, or in the NUL-terminated text src (for tests and fuzz
 * targets). 0 and *out (freed with forensics_yara_free()), KT_EINVAL with the first compiler
 * error in kt_errmsg(), KT_EIO, KT_ENOMEM. */
int forensics_yara_load(const char *path, struct forensics_yara **out);
int forensics_yara_load_text(const char *src, struct forensics_yara **out);
void forensics_yara_free(struct forensics_yara *y);

/* Scans n bytes as one file named path/addr (may be NULL), adding a hit per matching rule with
 * base added to match offsets. 0 or an error. */
int forensics_yara_scan_mem(struct forensics_yara *y, const void *data, size_t n, const char *path,
                            const char *addr, uint64_t base, struct forensics_hits *hits,
                            struct forensics_triage_stats *st);

/* Scans every file of fs; with fs NULL, the whole image in overlapping blocks. */
int forensics_yara_scan(struct forensics_yara *y, const struct forensics_fs *fs,
                        struct forensics_image *img, struct forensics_hits *hits,
                        struct forensics_diag *diag, struct forensics_triage_stats *st);

#endif
