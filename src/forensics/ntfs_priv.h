/* NTFS internals shared by ntfs*.c: the volume handle, MFT entries parsed into files and
 * attributes, data runs, and the directory listing that reproduces the Sleuth Kit's.
 *
 * The whole MFT is read once, in large sequential reads, into memory owned by the handle; every
 * record's update sequence (fixup) is applied to that copy, never to the image. Parsed files
 * point into that copy (resident content) and own only their arrays and names. */
#ifndef KEITSU_FORENSICS_NTFS_PRIV_H
#define KEITSU_FORENSICS_NTFS_PRIV_H

#include "forensics/fs.h"

#include <stddef.h>
#include <stdint.h>

enum {
    NTFS_AT_SI = 0x10,
    NTFS_AT_ATTRLIST = 0x20,
    NTFS_AT_FNAME = 0x30,
    NTFS_AT_DATA = 0x80,
    NTFS_AT_IDXROOT = 0x90,
    NTFS_AT_IDXALLOC = 0xA0,
    NTFS_AT_BITMAP = 0xB0,
};

/* Limits that keep hostile volumes bounded. */
#define NTFS_MAX_RUNS 1000000          /* runs per attribute */
#define NTFS_MAX_ATTRS 4096            /* attributes per file */
#define NTFS_MAX_IDXALLOC (128u << 20) /* bytes of $INDEX_ALLOCATION read per directory */
#define NTFS_MAX_DEPTH 128             /* directory depth, as the Sleuth Kit */
#define NTFS_MAX_PATH 4096
#define NTFS_MAX_COMP_UNIT (4u << 20) /* bytes of one compression unit (64 KiB in practice) */

struct ntfs_run {
    uint64_t vcn, lcn, len; /* clusters */
    int sparse;
};

struct ntfs_attr {
    uint32_t type;
    uint16_t id;    /* the Sleuth Kit's id (renumbered for attribute-list extensions) */
    uint16_t flags; /* 0x0001 compressed, 0x4000 encrypted, 0x8000 sparse */
    int resident;
    char *name;          /* UTF-8, owned; NULL when unnamed */
    const uint8_t *data; /* resident content, points into the MFT copy */
    uint32_t data_len;
    uint64_t size, alloc, init;
    uint32_t comp_size; /* compression unit in clusters (0 = none) */
    struct ntfs_run *runs;
    size_t nruns, runs_cap;
};

/* A $FILE_NAME other than a DOS one, in attribute order. */
struct ntfs_name {
    uint64_t par;
    uint16_t par_seq;
    char *name; /* UTF-8, owned */
};

struct ntfs_file {
    uint64_t addr;
    uint16_t seq, mft_flags;
    int alloc, is_dir, used;
    char mode[12]; /* "rrwxrwxrwx" as the Sleuth Kit's ls string */
    uint64_t uid;
    uint64_t size;
    struct forensics_time atime, mtime, ctime, crtime;             /* $STANDARD_INFORMATION */
    struct forensics_time fn_atime, fn_mtime, fn_ctime, fn_crtime; /* last non-DOS $FILE_NAME */
    uint64_t si_nt[4], fn_nt[4]; /* the same as stored: crtime, mtime, ctime, atime (100 ns) */
    uint16_t fn_id;
    uint32_t dos_flags;
    int si_has_owner; /* $STANDARD_INFORMATION of 72 bytes (NTFS 3.x), with an owner id */
    struct ntfs_attr *attrs;
    size_t nattrs, attrs_cap;
    struct ntfs_name *names;
    size_t nnames, names_cap;
};

struct ntfs_pmap;

struct ntfs_fs {
    struct forensics_image *img;
    uint64_t off; /* image byte offset of the volume */
    struct forensics_diag *diag;
    uint32_t sector_size, cluster_size, rec_size, idx_size;
    uint64_t total_clusters, mft_lcn, serial;
    uint8_t *mft;           /* nrec records, fixups applied */
    uint8_t *rec_ok;        /* per record: 1 if its update sequence was valid */
    uint64_t nrec;          /* MFT entries; nrec is also the $OrphanFiles address */
    struct ntfs_pmap *pmap; /* parent map, built on first listing */
    unsigned read_errors;
};

/* Little-endian fields of on-disk structures (callers check the bounds). */
static inline uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}
static inline uint64_t le48(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le16(p + 4) << 32;
}
static inline uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Makes room for one more element in *arr (n used, *cap allocated, elements of size bytes),
 * doubling from first; 0 or KT_ENOMEM (*arr unchanged then). */
int ntfs_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first);

/* ntfs_mft.c */
int ntfs_mft_load(struct ntfs_fs *fs);
/* The record of entry n with its fixups applied, or NULL if out of range or invalid. */
const uint8_t *ntfs_rec(const struct ntfs_fs *fs, uint64_t n);
/* Applies an update sequence array to buf (len bytes) in place; 0 or -1. */
int ntfs_fixup(uint8_t *buf, size_t len);
/* Reads n bytes at volume offset off; short reads and errors are zero-filled and reported. */
void ntfs_read_vol(struct ntfs_fs *fs, uint64_t off, void *buf, size_t n);

/* ntfs_attr.c */
/* Parses MFT entry addr into f (released with ntfs_file_free). 0, KT_ENOTFOUND when the entry
 * is out of range or its update sequence is broken, KT_ENOMEM. */
int ntfs_file_load(struct ntfs_fs *fs, uint64_t addr, struct ntfs_file *f);
void ntfs_file_free(struct ntfs_file *f);
/* The first attribute of type (and name, NULL = unnamed; "" = any) or with id if id >= 0. */
const struct ntfs_attr *ntfs_file_attr(const struct ntfs_file *f, uint32_t type, const char *name,
                                       int id);
/* NT time (100 ns since 1601) as the Sleuth Kit 4.11 converts it (32-bit seconds). */
struct forensics_time ntfs_time(uint64_t nt);
/* UTF-16LE to UTF-8 (lenient: bad units become '^'), control characters as '^'. Owned. */
char *ntfs_utf16(const uint8_t *p, size_t units);

/* ntfs_data.c */
/* Streams an attribute's content (size bytes; sparse and past-initialised parts as zeros;
 * compressed units decompressed). slack != 0 reads up to the allocated size. */
int ntfs_attr_read(struct ntfs_fs *fs, const struct ntfs_attr *a, int slack, forensics_data_fn fn,
                   void *ctx);
/* The whole content into a malloc'ed buffer of *n bytes (at most max). */
int ntfs_attr_load(struct ntfs_fs *fs, const struct ntfs_attr *a, int slack, size_t max,
                   uint8_t **out, size_t *n);
/* Decompresses one LZNT1 compression unit; returns bytes produced (<= outlen). */
size_t ntfs_lznt1(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen);

/* ntfs_index.c: the names of one directory as the Sleuth Kit loads them. */
enum { NTFS_NT_UNDEF = 0, NTFS_NT_DIR = 3, NTFS_NT_REG = 5, NTFS_NT_VDIR = 11 };
struct ntfs_dent {
    char *name; /* owned */
    uint64_t meta;
    uint16_t seq;
    uint8_t type;  /* NTFS_NT_* */
    uint8_t alloc; /* 1 allocated name, 0 deleted */
};
struct ntfs_dir {
    struct ntfs_dent *e;
    size_t n, cap;
    /* hash index over (meta, name) for duplicate checks */
    uint32_t *slots;
    size_t nslots;
};
void ntfs_dir_free(struct ntfs_dir *d);
int ntfs_dir_add(struct ntfs_dir *d, const char *name, uint64_t meta, uint16_t seq, uint8_t type,
                 uint8_t alloc);
/* Fills d with the names of directory f (an opened directory entry). */
int ntfs_dir_load(struct ntfs_fs *fs, const struct ntfs_file *f, struct ntfs_dir *d);

/* ntfs_walk.c */
int ntfs_walk(struct ntfs_fs *fs, forensics_entry_fn fn, void *ctx);
/* Parent map: children (by $FILE_NAME) of directory par at sequence seq, in entry order. */
struct ntfs_child {
    uint64_t par, addr;
    uint16_t par_seq, seq;
    uint32_t hash;
};
struct ntfs_pmap {
    struct ntfs_child *c; /* sorted by (par, par_seq, order) */
    size_t n;
};
int ntfs_pmap_build(struct ntfs_fs *fs, struct ntfs_pmap *m);
void ntfs_pmap_free(struct ntfs_pmap *m);
uint32_t ntfs_name_hash(const char *s);

#endif
