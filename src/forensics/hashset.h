/* File hashes and the known-file sets they are matched against (triage, 既知ファイルの除外と検出).
 *
 * - forensics_hasher: MD5, SHA-1 and SHA-256 of a stream in one pass (OpenSSL's EVP).
 * - forensics_hashset: a case's list of hashes to flag (known-bad): one hash a line, MD5, SHA-1 or
 *   SHA-256 told apart by length, '#' starts a comment, anything after the hash on a line (a file
 *   name, as md5sum prints it) is ignored.
 * - forensics_nsrl: NIST's NSRL RDS version 3 in its SQLite form (table FILE with columns sha256,
 *   sha1, md5 as upper-case hex, file_name, file_size, package_id), known-good files to filter
 *   out. Opened read-only. */
#ifndef KEITSU_FORENSICS_HASHSET_H
#define KEITSU_FORENSICS_HASHSET_H

#include <stddef.h>
#include <stdint.h>

/* Lower-case hex digests, NUL-terminated. */
struct forensics_digests {
    char md5[33], sha1[41], sha256[65];
};

struct forensics_hasher;
/* 0 and *out (freed with forensics_hasher_free()), or KT_ENOMEM. */
int forensics_hasher_new(struct forensics_hasher **out);
/* Starts over: the next updates hash a new stream. */
void forensics_hasher_reset(struct forensics_hasher *h);
void forensics_hasher_update(struct forensics_hasher *h, const void *data, size_t n);
/* The digests of what was given since the last reset; resets. */
void forensics_hasher_final(struct forensics_hasher *h, struct forensics_digests *out);
void forensics_hasher_free(struct forensics_hasher *h);

struct forensics_hashset;
int forensics_hashset_new(struct forensics_hashset **out);
/* Adds the hashes in text (n bytes, the format above). 0, KT_ENOMEM, or KT_EINVAL naming the
 * first line that is neither blank, a comment, nor a hash (the hashes before it are kept). */
int forensics_hashset_add_text(struct forensics_hashset *hs, const char *text, size_t n);
/* The same from a file: also KT_EIO if it cannot be read. */
int forensics_hashset_load(struct forensics_hashset *hs, const char *path);
size_t forensics_hashset_count(const struct forensics_hashset *hs);
/* Which of d's digests is in the set: "md5", "sha1", "sha256", or NULL for none. */
const char *forensics_hashset_match(struct forensics_hashset *hs,
                                    const struct forensics_digests *d);
void forensics_hashset_free(struct forensics_hashset *hs);

struct forensics_nsrl;
/* Opens the RDSv3 database at path read-only and checks that it has table FILE with the sha256
 * column. 0 and *out, or KT_EIO / KT_EINVAL with kt_errmsg(). */
int forensics_nsrl_open(const char *path, struct forensics_nsrl **out);
/* 1 if d's SHA-256 is a known file, 0 if not, KT_ESTORE if the lookup failed. */
int forensics_nsrl_known(struct forensics_nsrl *n, const struct forensics_digests *d);
void forensics_nsrl_close(struct forensics_nsrl *n);

#endif
