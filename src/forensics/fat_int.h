/* FAT12/16/32 and exFAT: what the two parsers share (internal to fat*.c and exfat*.c).
 *
 * Both families are read the way the Sleuth Kit reads them, so that a walk yields the lines of
 * `fls -r -m /`: a file's metadata address is the address of its directory entry (the "slot"),
 * counted in 32-byte entries from the first sector of the data area plus 3; the root is 2; the
 * last four (three with one FAT, exFAT) addresses are the virtual files $MBR, $FAT1, $FAT2 and
 * the $OrphanFiles directory. Deleted directories are read from their first cluster; files no
 * name reaches any more are found by scanning unallocated clusters for directory entries.
 *
 * Nothing read from the image is trusted: cluster numbers are checked against the volume,
 * chains carry a visited set, directory recursion a stack of addresses and a depth limit, and
 * every buffer is bounded. What cannot be read goes to the diagnostics and the walk carries on. */
#ifndef KEITSU_FORENSICS_FAT_INT_H
#define KEITSU_FORENSICS_FAT_INT_H

#include "base/buf.h"
#include "forensics/fs.h"

#include <stddef.h>
#include <stdint.h>

enum fat_kind { FAT_12 = 12, FAT_16 = 16, FAT_32 = 32, FAT_EXFAT = 64 };

/* TSK's meta and name types, as their one-letter codes. */
enum fat_meta_type { FMT_UNDEF = 0, FMT_REG, FMT_DIR, FMT_VIRT, FMT_VIRT_DIR };
enum fat_name_type { FNT_UNDEF = 0, FNT_REG, FNT_DIR, FNT_VIRT, FNT_VIRT_DIR };

#define FAT_ROOT_INUM 2
#define FAT_FIRST_NORMINO 3
#define FAT_NAME_MAX 1024 /* bytes of a UTF-8 name, as TSK's FATFS_MAXNAMLEN_UTF8 */
#define FAT_DEPTH_MAX 128 /* directory recursion, as fls */
#define FAT_PATH_MAX 4096

/* Permission bits of a meta entry (POSIX layout). */
#define FAT_MODE_X 0111
#define FAT_MODE_R 0444
#define FAT_MODE_W 0222

/* One metadata entry (a directory entry set, or a virtual file). */
struct fat_meta {
    uint64_t addr;
    enum fat_meta_type type;
    unsigned mode;
    int alloc;            /* 1 allocated, 0 unallocated */
    uint64_t size;        /* bytes */
    uint64_t first_clust; /* exFAT virtual entries: the cluster; FAT12/16 root: 1 */
    int contiguous;       /* exFAT "no FAT chain": clusters follow each other */
    uint64_t valid_len;   /* exFAT valid data length (== size for FAT) */
    struct forensics_time atime, mtime, ctime, crtime;
    uint8_t attrib;           /* FAT attribute byte (exFAT: the low byte of its attributes) */
    char name2[FAT_NAME_MAX]; /* the name stored in the entry itself, for orphans; may be "" */
};

/* One name found in a directory. */
struct fat_name {
    char *name; /* owned */
    uint64_t meta_addr;
    enum fat_name_type type;
    int alloc;
};

struct fat_names {
    struct fat_name *v;
    size_t n, cap;
};

/* A run of sectors of a file (sector addresses relative to the volume). */
struct fat_run {
    uint64_t sect, len;
};

struct fat_runs {
    struct fat_run *v;
    size_t n, cap;
    uint64_t total; /* sectors */
};

struct fatfs;

/* What differs between FAT12/16/32 and exFAT; the walk, the orphan hunt, reads and stat are
 * shared. d points to the 32 bytes of one directory entry. */
struct fat_family {
    /* Whether d looks like a directory entry (TSK's is_dentry: basic tests only or in depth). */
    int (*is_dentry)(struct fatfs *fs, const uint8_t *d, int alloc, int basic);
    /* Metadata of entry inum from its bytes d; 0, or -1 if it is not usable. */
    int (*dinode_copy)(struct fatfs *fs, uint64_t inum, const uint8_t *d, int alloc,
                       struct fat_meta *m);
    /* For the orphan hunt: whether entry d at inum is skipped (not a file's first entry). */
    int (*skip_dentry)(struct fatfs *fs, uint64_t inum, const uint8_t *d, int alloc);
    /* Adds the names found in a directory's content buf (len bytes, sector addresses secs) to
     * out; dir is the directory's address. 0, or -1 if the content is unusable. */
    int (*parse_dir)(struct fatfs *fs, uint64_t dir, const uint8_t *buf, size_t len,
                     const uint64_t *secs, struct fat_names *out);
    /* Whether cluster c is allocated: 1, 0, or -1 if that cannot be known. */
    int (*cluster_alloc)(struct fatfs *fs, uint64_t c);
    /* Metadata for a normal address (not root or virtual); 0 or -1. */
    int (*inode_lookup)(struct fatfs *fs, uint64_t inum, struct fat_meta *m);
};

struct fatfs {
    struct forensics_image *img;
    uint64_t off; /* image byte offset of the volume */
    struct forensics_diag *diag;
    const struct fat_family *fam;
    enum fat_kind kind;

    uint32_t ssize, ssize_sh, csize; /* bytes per sector, sectors per cluster */
    uint32_t numfat;
    uint64_t firstfatsect, sectperfat;
    uint64_t firstdatasect, firstclustsect;
    uint64_t clustcnt, lastclust;
    uint64_t rootsect;
    uint32_t mask;
    uint64_t block_count, last_block, last_block_act;
    uint64_t dentry_cnt_se;
    uint64_t last_inum, mbr_inum, fat1_inum, fat2_inum, orphan_inum;

    /* FAT table cache: windows of the first FAT. */
    uint8_t *fatc;
    uint64_t fatc_sect[8];
    int fatc_ok[8];
    unsigned fatc_next;

    /* exFAT allocation bitmap (one bit per cluster from 2), and where it and the up-case table
     * are. */
    uint8_t *bitmap;
    uint64_t bitmap_len;
    uint64_t bitmap_clust, upcase_clust, upcase_len;

    /* Orphan list, made once on first use. */
    struct fat_names orphans;
    int orphans_done;
    uint64_t *named; /* sorted addresses of unallocated entries reached by a name */
    size_t named_n, named_cap;
    int named_done;
};

/* A set of addresses or cluster numbers (never 0), open addressing; zero-initialise. */
struct fat_aset {
    uint64_t *v;
    size_t cap, n;
};
int fat_aset_has(const struct fat_aset *s, uint64_t a);
int fat_aset_add(struct fat_aset *s, uint64_t a); /* 0, or -1 out of memory */
void fat_aset_free(struct fat_aset *s);

/* --- fat_core.c ------------------------------------------------------------------------- */

/* Reads n bytes at volume byte offset off; 0, or -1 if the image does not hold them all. */
int fat_read(struct fatfs *fs, uint64_t off, void *buf, size_t n);
uint16_t fat_u16(const uint8_t *p);
uint32_t fat_u32(const uint8_t *p);
uint64_t fat_u64(const uint8_t *p);

uint64_t fat_clust_to_sect(const struct fatfs *fs, uint64_t c);
uint64_t fat_sect_to_clust(const struct fatfs *fs, uint64_t s);
uint64_t fat_sect_to_inode(const struct fatfs *fs, uint64_t s);
uint64_t fat_inode_to_sect(const struct fatfs *fs, uint64_t i);
int fat_is_eof(uint64_t v, uint32_t mask);

/* Sets the inode numbering from the geometry fields (firstdatasect, ssize, numfat …). */
void fat_set_inodes(struct fatfs *fs);
/* The FAT entry of cluster c (0 for values out of range, as TSK); 0 or -1. */
int fat_get(struct fatfs *fs, uint64_t c, uint64_t *value);
/* Whether sector s is allocated: 1, 0, -1. */
int fat_sect_alloc(struct fatfs *fs, uint64_t s);

/* DOS date and time (local time, taken as UTC as fls does with TZ unset) to Unix seconds;
 * 0 if date is 0. tenths is 0..199. */
int64_t fat_dos_time(uint16_t date, uint16_t time, uint8_t tenths);
int fat_dos_date_ok(uint16_t date);
int fat_dos_time_ok(uint16_t time);
/* UTF-16LE units in[0..n) to UTF-8 in out (cap bytes, NUL-terminated), leniently as TSK
 * (unpaired surrogates become '^'). 0, or -1 if a high surrogate ends the input. */
int fat_utf16_to_utf8(const uint8_t *in, size_t n, char *out, size_t cap);

/* Bytes in the cluster chain from c, as TSK sizes directories: up to a loop or EOF. */
uint64_t fat_dir_chain_bytes(struct fatfs *fs, uint64_t c);
/* Metadata of any address, root and virtual files included; 0 or -1 (not a file). */
int fat_meta_get(struct fatfs *fs, uint64_t inum, struct fat_meta *m);
/* The sectors holding a file's content (TSK's data runs, recovery mode for deleted files);
 * slack 1 includes the rest of the last cluster. 0 or -1. */
int fat_runs_get(struct fatfs *fs, const struct fat_meta *m, struct fat_runs *r);
void fat_runs_free(struct fat_runs *r);

int fat_names_add(struct fat_names *ns, const char *name, uint64_t meta, enum fat_name_type type,
                  int alloc);
void fat_names_free(struct fat_names *ns);

/* Names in directory inum (the root gets the virtual entries); 0, or -1 if it cannot be read
 * (reported). */
int fat_dir_open(struct fatfs *fs, uint64_t inum, struct fat_names *out);

/* Ops shared by both families (fs is a struct fatfs *). */
int fat_op_walk(void *fs, forensics_entry_fn fn, void *ctx);
int fat_op_read(void *fs, const char *addr, forensics_data_fn fn, void *ctx);
int fat_op_stat(void *fs, const char *addr, struct kt_buf *out);
int fat_op_unalloc(void *fs, forensics_range_fn fn, void *ctx);
const char *fat_op_type(void *fs);
void fat_op_close(void *fs);

/* --- fat_walk.c ------------------------------------------------------------------------- */

/* The orphan files (names in $OrphanFiles), found once. */
int fat_orphans(struct fatfs *fs, const struct fat_names **out);

/* --- fat_check.c ------------------------------------------------------------------------ */

/* What fat_exercise() saw; body (optional, borrowed) receives the body lines. */
struct fat_exercise {
    struct kt_buf *body;
    size_t max_reads; /* read and stat at most this many of the listed addresses */
    int opened;
    size_t entries, diags, malformed; /* malformed: an answer that breaks the fs.h contract */
    uint64_t bytes, unalloc_bytes;
    uint64_t last_end, range_end;
    char type[8];
};

/* Opens the n bytes at data with ops (fat or exfat), walks, reads and stats the listed
 * addresses, lists the unallocated ranges and closes: for tests and fuzz targets. Returns what
 * open returned. */
int fat_exercise(const struct forensics_fs_ops *ops, const void *data, size_t n,
                 struct fat_exercise *r);

#endif
