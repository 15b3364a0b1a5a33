/* File systems inside an evidence image: one interface, one parser per family.
 *
 * A parser (fat.c, exfat.c, ntfs.c, ext.c) reads the image only through forensics_image_read()
 * and never trusts what it reads: sizes, counts, offsets and links are checked against the
 * volume before use, directory walks carry a visited set and a depth limit so that loops end,
 * and whatever cannot be read is reported in the diagnostics while the walk carries on.
 *
 * What a walk yields is shaped after the Sleuth Kit, so that forensics_body_line() (body.h)
 * prints for each entry exactly the line `fls -r -m /` prints for it, in the same order. */
#ifndef KEITSU_FORENSICS_FS_H
#define KEITSU_FORENSICS_FS_H

#include "base/buf.h"
#include "forensics/image.h"

#include <stddef.h>
#include <stdint.h>

/* A time from the file system: seconds since 1970-01-01 UTC and nanoseconds. sec == 0 and
 * nsec == 0 means not recorded (fls prints 0). */
struct forensics_time {
    int64_t sec;
    uint32_t nsec;
};

enum forensics_name_state {
    FORENSICS_ALLOCATED = 0,
    FORENSICS_DELETED = 1,         /* fls -m appends " (deleted)" to the name */
    FORENSICS_DELETED_REALLOC = 2, /* fls -m appends " (deleted-realloc)" */
};

/* One name found by a walk: one line of `fls -r -m /`. All pointers are borrowed from the
 * parser and valid only during the callback. */
struct forensics_entry {
    const char *path; /* from the root with a leading '/', UTF-8, as fls prints it before any
                         " (deleted)" suffix: "/dir/a.txt", "/$MFT", "/a.txt:stream",
                         "/$AttrDef ($FILE_NAME)", "/$OrphanFiles/OrphanFile-42" */
    const char *addr; /* the metadata address as fls prints it: "12", "4-128-1" */
    uint64_t meta;    /* the numeric metadata address (inode, MFT entry, directory-entry
                         address) */
    enum forensics_name_state state;
    char mode[16]; /* TSK's mode text: name type '/' meta type and permissions,
                      "r/rrwxrwxrwx", "d/drwxr-xr-x", "-/rrwxrwxrwx" */
    uint64_t uid, gid;
    uint64_t size;
    struct forensics_time atime, mtime, ctime, crtime;
    int is_dir; /* the metadata is a directory */
};

/* Walk callback: return 0 to go on, non-zero to stop the walk (the walk returns that value). */
typedef int (*forensics_entry_fn)(void *ctx, const struct forensics_entry *e);
/* Content callback: n bytes of a file at file offset off; non-zero stops. */
typedef int (*forensics_data_fn)(void *ctx, uint64_t off, const void *data, size_t n);
/* Byte range of the image (absolute offset); non-zero stops. */
typedef int (*forensics_range_fn)(void *ctx, uint64_t off, uint64_t len);

/* Merges byte ranges given in ascending order into maximal runs before they reach fn: the
 * parsers' unalloc ops add one free unit (cluster, block) at a time. */
struct forensics_runs {
    forensics_range_fn fn;
    void *ctx;
    uint64_t start, len; /* the pending run; len 0 = none */
};
/* Adds [off, off + len): extends the pending run if it continues it, else hands the pending run
 * to fn first. Returns fn's non-zero result, or 0. */
int forensics_runs_add(struct forensics_runs *r, uint64_t off, uint64_t len);
/* Hands the pending run, if any, to fn. Returns fn's result, or 0. */
int forensics_runs_flush(struct forensics_runs *r);

/* What a parser could not read, in words for the examiner: bounded, the rest counted. */
struct forensics_diag {
    char **msgs; /* owned */
    size_t n, cap, max;
    size_t dropped;
};
void forensics_diag_init(struct forensics_diag *d, size_t max);
void forensics_diag_add(struct forensics_diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void forensics_diag_free(struct forensics_diag *d);

/* One file-system family. fs is the parser's own handle. */
struct forensics_fs_ops {
    const char *family; /* "fat", "exfat", "ntfs", "ext" */
    /* Opens the file system whose first byte is at image offset off. KT_ENOTFOUND if the bytes
     * there are not this family (no diagnostics then); 0 and *fs otherwise; other codes if it
     * is this family but cannot be used at all. diag is borrowed for the handle's lifetime. */
    int (*open)(struct forensics_image *img, uint64_t off, struct forensics_diag *diag, void **fs);
    /* The exact type: "fat12", "fat16", "fat32", "exfat", "ntfs", "ext2", "ext3", "ext4". */
    const char *(*type)(void *fs);
    /* Every name, allocated and deleted, recursively from the root, in fls's order. */
    int (*walk)(void *fs, forensics_entry_fn fn, void *ctx);
    /* The content of the file at addr (icat syntax: "12", "35-128-3" for an NTFS attribute) in
     * order; sparse runs as zeros. KT_ENOTFOUND if there is no such address. */
    int (*read)(void *fs, const char *addr, forensics_data_fn fn, void *ctx);
    /* One entry's full metadata (istat-like) as a JSON object appended to out. */
    int (*stat)(void *fs, const char *addr, struct kt_buf *out);
    /* The unallocated data units (clusters, blocks) as image byte ranges, ascending. */
    int (*unalloc)(void *fs, forensics_range_fn fn, void *ctx);
    void (*close)(void *fs);
};

extern const struct forensics_fs_ops forensics_fat_ops;
extern const struct forensics_fs_ops forensics_exfat_ops;
extern const struct forensics_fs_ops forensics_ntfs_ops;
extern const struct forensics_fs_ops forensics_ext_ops;

/* An opened file system: which family and its handle. */
struct forensics_fs {
    const struct forensics_fs_ops *ops;
    void *h;
    uint64_t offset; /* image byte offset of the volume */
};

/* Tries each family at image offset off (bytes). 0 and *out filled (close with
 * forensics_fs_close()); KT_ENOTFOUND if no family recognises it. diag must outlive *out. */
int forensics_fs_open(struct forensics_image *img, uint64_t off, struct forensics_diag *diag,
                      struct forensics_fs *out);
void forensics_fs_close(struct forensics_fs *fs);

#endif
