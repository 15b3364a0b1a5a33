/* Hashes of evidence: MD5, SHA-1 and SHA-256 of a whole image in one pass, and SHA-256 of the
 * files an examination writes (for the case record). */
#ifndef KEITSU_FORENSICS_HASH_H
#define KEITSU_FORENSICS_HASH_H

#include "forensics/image.h"

#include <stddef.h>
#include <stdint.h>

struct forensics_hashes {
    char md5[33], sha1[41], sha256[65]; /* lowercase hex, NUL-terminated */
    uint64_t bytes;                     /* how many bytes were hashed */
};

/* Reads the whole image once, from byte 0 to its size, and hashes it with all three digests.
 * One thread reads ahead into a ring of large buffers while one thread per digest hashes, so
 * reading and the three digests overlap. 0 and *out; KT_EIO if the image could not be read to
 * its end (kt_errmsg() says where) or KT_ENOMEM. */
int forensics_hash_image(struct forensics_image *img, struct forensics_hashes *out);

/* SHA-256 of n bytes, as lowercase hex into hex[65]. */
void forensics_sha256_hex(const void *data, size_t n, char hex[65]);
/* SHA-256 of the file at path (read-only). 0, or KT_ENOTFOUND / KT_EIO. */
int forensics_sha256_file(const char *path, char hex[65]);

#endif
