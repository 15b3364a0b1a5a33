/* Triage (初動解析) of an image's files: hashes against known-file sets, keywords, YARA rules
 * (yara.h). Every allocated and deleted file is read through its file system's read op; what
 * cannot be read is noted in the diagnostics and the rest goes on.
 *
 * Hits are collected as the JSON document the HTML report reads:
 *   {"hits":[{"kind":"hash|keyword|yara","path":..,"addr":..,"offset":..,"detail":..}]}
 * path and addr name the file (path as fls prints it, " (deleted)" appended for deleted names),
 * or are null for hits in unallocated space or in an image without a known file system; offset
 * is then the image byte offset, and the offset inside the file otherwise. */
#ifndef KEITSU_FORENSICS_TRIAGE_H
#define KEITSU_FORENSICS_TRIAGE_H

#include "base/buf.h"
#include "forensics/fs.h"
#include "forensics/hashset.h"
#include "forensics/image.h"
#include "forensics/keyword.h"

#include <stddef.h>
#include <stdint.h>

#define FORENSICS_HITS_MAX 100000 /* hits kept; the rest are counted in dropped */

struct forensics_hits {
    struct kt_buf json; /* the document so far, without its closing "]}" */
    size_t n, dropped;
};

void forensics_hits_init(struct forensics_hits *h);
/* Adds a hit; path, addr and detail may be NULL (written as null). 0 or KT_ENOMEM. */
int forensics_hits_add(struct forensics_hits *h, const char *kind, const char *path,
                       const char *addr, uint64_t offset, const char *detail);
/* Writes the whole document to path. 0 or KT_EIO / KT_ENOMEM. */
int forensics_hits_write(struct forensics_hits *h, const char *path);
void forensics_hits_free(struct forensics_hits *h);

/* The files of a walk, in walk order (directories left out). Owned by the list. */
struct forensics_triage_file {
    char *path; /* as fls prints it, with " (deleted)" for a deleted name */
    char *addr;
    uint64_t size;
};
struct forensics_triage_files {
    struct forensics_triage_file *f;
    size_t n, cap;
};
/* Walks fs and lists its files. 0, KT_ENOMEM, or the walk's error (the files listed so far are
 * kept: free them either way). */
int forensics_triage_list(const struct forensics_fs *fs, struct forensics_triage_files *out);
void forensics_triage_files_free(struct forensics_triage_files *files);

struct forensics_triage_stats {
    uint64_t files, bytes; /* files read and their bytes (or image bytes searched) */
    uint64_t unreadable;   /* files whose content could not be read */
    uint64_t known;        /* files filtered out as known-good (NSRL) */
    uint64_t flagged;      /* hits added */
};

/* Counts a file whose content could not be read and, unless rc is KT_ENOTFOUND (no content
 * stream at all), says so in diag. For the triage passes (here and yara.c). */
void forensics_triage_unreadable(struct forensics_diag *diag, struct forensics_triage_stats *st,
                                 const char *path, const char *addr, int rc);

/* Hashes every file of fs (MD5, SHA-1, SHA-256), leaves out those nsrl knows (nsrl may be NULL)
 * and adds a "hash" hit for each in bad (may be NULL). 0 or an error that stopped it. */
int forensics_triage_hashes(const struct forensics_fs *fs, struct forensics_nsrl *nsrl,
                            struct forensics_hashset *bad, struct forensics_hits *hits,
                            struct forensics_diag *diag, struct forensics_triage_stats *st);

/* Searches for the keywords in every file of fs (allocated and deleted) and in its unallocated
 * space; with fs NULL, in the whole image img. Adds a "keyword" hit per match. */
int forensics_triage_keywords(const struct forensics_fs *fs, struct forensics_image *img,
                              const struct forensics_keywords *kw, struct forensics_hits *hits,
                              struct forensics_diag *diag, struct forensics_triage_stats *st);

#endif
