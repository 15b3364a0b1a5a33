/* ext2/3/4 internals shared by ext.c (superblock, group descriptors, bitmaps, the ops table),
 * ext_inode.c (inodes, block maps, extent trees, content) and ext_dir.c (directories, the
 * fls-compatible walk, orphans). Not a public interface: only these files include it.
 *
 * The parser follows the Sleuth Kit's reading of an ext volume wherever fls's output depends on
 * it (which inodes count as orphans, how deleted names are found in directory slack, the order
 * names come out in), and bounds every count and offset it reads from the image. */
#ifndef KEITSU_FORENSICS_EXT_H
#define KEITSU_FORENSICS_EXT_H

#include "forensics/fs.h"

#include <stddef.h>
#include <stdint.h>

/* Little-endian fields of on-disk structures. */
static inline uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* TSK's metadata types (the first letter of the mode string comes from this order). */
enum ext_meta_type {
    EXT_T_UNDEF = 0,
    EXT_T_REG = 1,
    EXT_T_DIR = 2,
    EXT_T_FIFO = 3,
    EXT_T_CHR = 4,
    EXT_T_BLK = 5,
    EXT_T_LNK = 6,
    EXT_T_SOCK = 8,
    EXT_T_VIRT_DIR = 11,
};

/* Allocation state of an inode from the inode bitmap. */
enum ext_alloc { EXT_ALLOC_UNKNOWN = 0, EXT_ALLOC_YES = 1, EXT_ALLOC_NO = 2 };

#define EXT_INODE_MAX 1024 /* largest inode record read (bigger ones are cut to this) */
#define EXT_LINK_MAX 4096  /* TSK's EXT2FS_MAXPATHLEN */

/* One inode, decoded. */
struct ext_inode {
    uint32_t ino;
    uint16_t mode, links;
    int type; /* enum ext_meta_type */
    uint32_t uid, gid, flags, generation;
    uint64_t size, blocks, file_acl;
    uint32_t atime, mtime, ctime, crtime, dtime;
    uint32_t atime_ns, mtime_ns, ctime_ns, crtime_ns;
    uint16_t extra_isize;
    uint8_t iblock[60];
    int alloc;  /* enum ext_alloc */
    char *link; /* symlink target as fls shows it (owned; NULL if none) */
    uint8_t raw[EXT_INODE_MAX];
    size_t raw_len;
};

/* A run of a file's blocks: logical block lblk.. maps to physical pblk.. (0 and sparse: zeros). */
struct ext_run {
    uint64_t lblk, pblk, len;
    int sparse;
};

struct ext_runs {
    struct ext_run *v;
    size_t n, cap;
    uint8_t *inline_data; /* inline-data files: their bytes (owned), inline_len of them */
    size_t inline_len;
    int is_inline;
    int tsk_unreadable; /* TSK fails on this map (an extent tree of two or more blocks) */
};

struct ext_icache; /* inode-table block cache (ext_inode.c) */

struct ext_fs {
    struct forensics_image *img;
    uint64_t off; /* image byte offset of the volume */
    struct forensics_diag *diag;
    uint8_t sb[1024];
    const char *type; /* "ext2", "ext3", "ext4" */
    int is_ext4;
    uint32_t block_size;
    uint64_t block_count; /* blocks the superblock claims */
    uint32_t inodes_count, inodes_per_group, blocks_per_group, first_data_block;
    uint32_t groups;      /* groups whose descriptors lie within the image */
    uint32_t inodes_scan; /* inodes in those groups (at most inodes_count) */
    uint32_t inode_size;
    uint32_t feat_compat, feat_incompat, feat_ro;
    int dirent_v2; /* directory entries carry a file type byte */
    int gd64;      /* 64-bit group descriptors */
    uint32_t gd_size;
    uint64_t gd_off; /* byte offset of the descriptor table in the volume */
    /* caches: per group descriptor fields and the inode bitmaps (lazily, groups <= cap) */
    struct ext_gd *gd;
    uint8_t **imap;
    struct ext_gd *gd_slot; /* one-slot caches when there are too many groups to cache */
    uint32_t gd_slot_g, imap_slot_g;
    uint8_t *imap_slot;
    struct ext_icache *icache;
    uint8_t *blockbuf;   /* one block of scratch */
    uint64_t dir_budget; /* directory blocks a walk may still read */
};

struct ext_gd {
    int state; /* 0 unread, 1 good, -1 unusable */
    uint64_t block_bitmap, inode_bitmap, inode_table;
    uint16_t flags;
};

/* ext.c */
/* Reads n bytes at volume byte offset off; 0 only if all n were read. */
int ext_read(struct ext_fs *fs, uint64_t off, void *buf, size_t n);
/* Reads block blk (must be below block_count) into buf (block_size bytes); 0 or KT_EIO. */
int ext_read_block(struct ext_fs *fs, uint64_t blk, void *buf);
/* The group's descriptor, or NULL if it cannot be read or points outside the volume. */
const struct ext_gd *ext_group(struct ext_fs *fs, uint32_t g);
/* Allocation state of inode ino from its group's bitmap. */
int ext_inode_alloc(struct ext_fs *fs, uint32_t ino);

/* ext_inode.c */
int ext_icache_new(struct ext_fs *fs);
void ext_icache_free(struct ext_fs *fs);
/* Loads and decodes inode ino (1..inodes_count). 0, or KT_ENOTFOUND (out of range) / KT_EIO.
 * On success free with ext_inode_clear(). */
int ext_inode_load(struct ext_fs *fs, uint32_t ino, struct ext_inode *in);
void ext_inode_clear(struct ext_inode *in);
/* The file's block runs the way TSK loads them (block map or extent tree, inline data).
 * 0, or KT_EINVAL if the map cannot be followed (TSK then reads nothing). */
int ext_runs_load(struct ext_fs *fs, const struct ext_inode *in, struct ext_runs *r);
void ext_runs_free(struct ext_runs *r);
/* Reads the file's bytes [off, off+n) into buf through its runs (sparse as zeros).
 * 0 only if every byte came from a readable block. */
int ext_runs_read(struct ext_fs *fs, const struct ext_runs *r, uint64_t size, uint64_t off,
                  void *buf, size_t n);
/* If logical block b is in a hole, the first block after the hole; otherwise b. */
uint64_t ext_runs_hole(const struct ext_runs *r, uint64_t b);
/* TSK's mode text "rrw-r--r--" (10 characters and NUL) for an inode. */
void ext_mode_string(const struct ext_inode *in, char out[11]);
int ext_read_file(struct ext_fs *fs, uint32_t ino, forensics_data_fn fn, void *ctx);
int ext_stat_json(struct ext_fs *fs, uint32_t ino, struct kt_buf *out);

/* ext_dir.c */
int ext_walk(struct ext_fs *fs, forensics_entry_fn fn, void *ctx);

#endif
