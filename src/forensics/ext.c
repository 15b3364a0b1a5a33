/* ext2/3/4: the superblock, group descriptors (32- and 64-bit), allocation bitmaps, the
 * unallocated blocks and the ops table. Inodes and content are in ext_inode.c, directories and
 * the walk in ext_dir.c. */
#include "forensics/ext.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXT_MAGIC 0xEF53
#define COMPAT_HAS_JOURNAL 0x4
#define INCOMPAT_FILETYPE 0x2
#define INCOMPAT_EXTENTS 0x40
#define INCOMPAT_64BIT 0x80
#define GROUP_CACHE_MAX (1u << 20) /* groups whose descriptors and bitmaps are cached */

int ext_read(struct ext_fs *fs, uint64_t off, void *buf, size_t n)
{
    if (off > UINT64_MAX - fs->off) return KT_EIO;
    size_t got = 0;
    int rc = forensics_image_read(fs->img, fs->off + off, buf, n, &got);
    return rc == 0 && got == n ? 0 : KT_EIO;
}

int ext_read_block(struct ext_fs *fs, uint64_t blk, void *buf)
{
    if (blk >= fs->block_count || blk > UINT64_MAX / fs->block_size) return KT_EIO;
    return ext_read(fs, blk * fs->block_size, buf, fs->block_size);
}

/* One-slot caches for volumes with more groups than GROUP_CACHE_MAX. */
static int group_cached(const struct ext_fs *fs)
{
    return fs->groups <= GROUP_CACHE_MAX;
}

static void gd_decode(struct ext_fs *fs, const uint8_t *d, struct ext_gd *g)
{
    g->block_bitmap = le32(d);
    g->inode_bitmap = le32(d + 4);
    g->inode_table = le32(d + 8);
    g->flags = le16(d + 18);
    if (fs->gd64) {
        g->block_bitmap |= (uint64_t)le32(d + 0x20) << 32;
        g->inode_bitmap |= (uint64_t)le32(d + 0x24) << 32;
        g->inode_table |= (uint64_t)le32(d + 0x28) << 32;
    }
    uint64_t last = fs->block_count - 1;
    g->state = g->block_bitmap > last || g->inode_bitmap > last || g->inode_table > last ? -1 : 1;
}

const struct ext_gd *ext_group(struct ext_fs *fs, uint32_t g)
{
    if (g >= fs->groups) return NULL;
    struct ext_gd *e;
    if (group_cached(fs)) {
        e = &fs->gd[g];
    } else {
        e = fs->gd_slot;
        if (fs->gd_slot_g == g) return e->state == 1 ? e : NULL;
        e->state = 0;
        fs->gd_slot_g = g;
    }
    if (e->state == 0) {
        uint8_t d[64];
        size_t n = fs->gd_size < sizeof d ? fs->gd_size : sizeof d;
        memset(d, 0, sizeof d);
        if (ext_read(fs, fs->gd_off + (uint64_t)g * fs->gd_size, d, n) != 0) {
            e->state = -1;
            forensics_diag_add(fs->diag, "ext: group descriptor %u cannot be read", g);
        } else {
            gd_decode(fs, d, e);
            if (e->state < 0)
                forensics_diag_add(fs->diag, "ext: group descriptor %u points outside the volume",
                                   g);
        }
    }
    return e->state == 1 ? e : NULL;
}

/* The inode bitmap of group g (block_size bytes), or NULL. */
static const uint8_t *inode_bitmap(struct ext_fs *fs, uint32_t g)
{
    if (group_cached(fs) && fs->imap[g]) return fs->imap[g];
    if (!group_cached(fs) && fs->imap_slot && fs->imap_slot_g == g) return fs->imap_slot;
    const struct ext_gd *gd = ext_group(fs, g);
    if (!gd) return NULL;
    uint8_t *b = malloc(fs->block_size);
    if (!b) return NULL;
    if (ext_read_block(fs, gd->inode_bitmap, b) != 0) {
        forensics_diag_add(fs->diag, "ext: inode bitmap of group %u cannot be read", g);
        free(b);
        return NULL;
    }
    if (group_cached(fs)) {
        fs->imap[g] = b;
    } else {
        free(fs->imap_slot);
        fs->imap_slot = b;
        fs->imap_slot_g = g;
    }
    return b;
}

int ext_inode_alloc(struct ext_fs *fs, uint32_t ino)
{
    if (ino < 1 || ino > fs->inodes_count) return EXT_ALLOC_UNKNOWN;
    uint32_t g = (ino - 1) / fs->inodes_per_group;
    uint32_t bit = (ino - 1) % fs->inodes_per_group;
    if (bit >= fs->block_size * 8) return EXT_ALLOC_UNKNOWN;
    const uint8_t *map = inode_bitmap(fs, g);
    if (!map) return EXT_ALLOC_UNKNOWN;
    return map[bit / 8] & (1u << (bit % 8)) ? EXT_ALLOC_YES : EXT_ALLOC_NO;
}

static void close_fs(void *h)
{
    struct ext_fs *fs = h;
    if (!fs) return;
    if (fs->imap)
        for (uint32_t g = 0; g < fs->groups; g++)
            free(fs->imap[g]);
    free(fs->imap);
    free(fs->gd);
    free(fs->gd_slot);
    free(fs->imap_slot);
    ext_icache_free(fs);
    free(fs->blockbuf);
    free(fs);
}

/* Checks the superblock fields everything else divides or multiplies by. */
static int check_geometry(struct ext_fs *fs)
{
    const uint8_t *sb = fs->sb;
    uint32_t log_bs = le32(sb + 24);
    if (log_bs > 6) return kt_fail(KT_EINVAL, "ext: block size 1024<<%u is not supported", log_bs);
    if (le32(sb + 24) != le32(sb + 28))
        return kt_fail(KT_EINVAL, "ext: fragments of a different size than blocks");
    fs->block_size = 1024u << log_bs;
    fs->block_count = le32(sb + 4);
    if (fs->feat_incompat & INCOMPAT_64BIT) fs->block_count |= (uint64_t)le32(sb + 336) << 32;
    fs->first_data_block = le32(sb + 20);
    fs->blocks_per_group = le32(sb + 32);
    fs->inodes_per_group = le32(sb + 40);
    fs->inodes_count = le32(sb + 0);
    fs->inode_size = le16(sb + 88);
    if (fs->inodes_count < 9 || fs->inodes_count > UINT32_MAX - 2)
        return kt_fail(KT_EINVAL, "ext: %u inodes", fs->inodes_count);
    if (!fs->blocks_per_group || !fs->inodes_per_group || !fs->block_count)
        return kt_fail(KT_EINVAL, "ext: zero blocks or inodes per group");
    if (fs->block_count > UINT64_MAX / fs->block_size || fs->block_count <= fs->first_data_block)
        return kt_fail(KT_EINVAL, "ext: %llu blocks", (unsigned long long)fs->block_count);
    if (fs->inode_size == 0) fs->inode_size = 128; /* revision 0 */
    if (fs->inode_size < 128 || fs->inode_size > fs->block_size)
        return kt_fail(KT_EINVAL, "ext: inode size %u", fs->inode_size);
    uint64_t groups =
        (fs->block_count - fs->first_data_block + fs->blocks_per_group - 1) / fs->blocks_per_group;
    if (groups > UINT32_MAX) return kt_fail(KT_EINVAL, "ext: too many groups");
    fs->groups = (uint32_t)groups;
    return 0;
}

static int open_fs(struct forensics_image *img, uint64_t off, struct forensics_diag *diag,
                   void **out)
{
    *out = NULL;
    uint8_t sb[1024];
    size_t got = 0;
    if (off > UINT64_MAX - 2048 || forensics_image_read(img, off + 1024, sb, sizeof sb, &got) ||
        got != sizeof sb || le16(sb + 56) != EXT_MAGIC)
        return KT_ENOTFOUND;
    struct ext_fs *fs = calloc(1, sizeof *fs);
    if (!fs) return KT_ENOMEM;
    fs->img = img;
    fs->off = off;
    fs->diag = diag;
    memcpy(fs->sb, sb, sizeof sb);
    fs->feat_compat = le32(sb + 92);
    fs->feat_incompat = le32(sb + 96);
    fs->feat_ro = le32(sb + 100);
    int rc = check_geometry(fs);
    if (rc != 0) {
        forensics_diag_add(diag, "%s", kt_errmsg());
        free(fs);
        return rc;
    }
    fs->is_ext4 = (fs->feat_incompat & INCOMPAT_EXTENTS) != 0;
    fs->type = fs->is_ext4 ? "ext4" : (fs->feat_compat & COMPAT_HAS_JOURNAL) ? "ext3" : "ext2";
    fs->dirent_v2 = (fs->feat_incompat & INCOMPAT_FILETYPE) != 0;
    uint32_t desc = le16(sb + 254);
    fs->gd64 = fs->is_ext4 && (fs->feat_incompat & INCOMPAT_64BIT) && desc >= 64;
    fs->gd_size = fs->gd64 ? desc : desc < 32 ? 32 : desc;
    if (fs->gd_size > 1024) fs->gd_size = 1024;
    fs->gd_off = fs->block_size > 2048 ? fs->block_size : 2048;
    /* Descriptors past the image's end cannot be read: the groups they describe are left out
     * (and with them the loops over groups that a lying block count would make endless). */
    uint64_t have = forensics_image_size(img) > off ? forensics_image_size(img) - off : 0;
    uint64_t fit = have > fs->gd_off ? (have - fs->gd_off) / fs->gd_size : 0;
    if (fit < fs->groups) {
        forensics_diag_add(diag, "ext: descriptors of groups %llu to %u lie past the image's end",
                           (unsigned long long)fit, fs->groups - 1);
        fs->groups = (uint32_t)fit;
    }
    uint64_t scan = (uint64_t)fs->groups * fs->inodes_per_group;
    fs->inodes_scan = scan < fs->inodes_count ? (uint32_t)scan : fs->inodes_count;
    if (group_cached(fs)) {
        fs->gd = calloc(fs->groups, sizeof *fs->gd);
        fs->imap = calloc(fs->groups, sizeof *fs->imap);
    } else {
        fs->gd_slot = calloc(1, sizeof *fs->gd_slot);
        fs->gd_slot_g = fs->imap_slot_g = UINT32_MAX;
    }
    fs->blockbuf = malloc(fs->block_size);
    if ((group_cached(fs) ? !fs->gd || !fs->imap : !fs->gd_slot) || !fs->blockbuf ||
        ext_icache_new(fs)) {
        close_fs(fs);
        return KT_ENOMEM;
    }
    if (have / fs->block_size < fs->block_count)
        forensics_diag_add(diag, "ext: the image holds %llu of the volume's %llu blocks",
                           (unsigned long long)(have / fs->block_size),
                           (unsigned long long)fs->block_count);
    *out = fs;
    return 0;
}

static const char *type_fs(void *h)
{
    return ((struct ext_fs *)h)->type;
}

/* Inode number from an icat-style address: decimal digits only. */
static int parse_addr(const struct ext_fs *fs, const char *addr, uint32_t *ino)
{
    uint64_t v = 0;
    if (!addr || !*addr) return KT_ENOTFOUND;
    for (const char *p = addr; *p; p++) {
        if (*p < '0' || *p > '9' || v > UINT32_MAX) return KT_ENOTFOUND;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v < 1 || v > fs->inodes_count) return KT_ENOTFOUND;
    *ino = (uint32_t)v;
    return 0;
}

static int read_fs(void *h, const char *addr, forensics_data_fn fn, void *ctx)
{
    uint32_t ino;
    if (parse_addr(h, addr, &ino)) return kt_fail(KT_ENOTFOUND, "ext: no inode %s", addr);
    return ext_read_file(h, ino, fn, ctx);
}

static int stat_fs(void *h, const char *addr, struct kt_buf *out)
{
    uint32_t ino;
    if (parse_addr(h, addr, &ino)) return kt_fail(KT_ENOTFOUND, "ext: no inode %s", addr);
    return ext_stat_json(h, ino, out);
}

static int walk_fs(void *h, forensics_entry_fn fn, void *ctx)
{
    return ext_walk(h, fn, ctx);
}

/* Hands a range of blocks to fn as image bytes, cut at the image's end. */
/* Blocks whose bit is clear in their group's block bitmap, merged into ranges, cut at the
 * image's end. */
static int unalloc_fs(void *h, forensics_range_fn fn, void *ctx)
{
    struct ext_fs *fs = h;
    struct forensics_runs runs = {.fn = fn, .ctx = ctx};
    uint64_t bs = fs->block_size, img_end = forensics_image_size(fs->img);
    for (uint32_t g = 0; g < fs->groups; g++) {
        const struct ext_gd *gd = ext_group(fs, g);
        if (!gd || ext_read_block(fs, gd->block_bitmap, fs->blockbuf) != 0) {
            forensics_diag_add(fs->diag, "ext: block bitmap of group %u cannot be read", g);
            continue;
        }
        uint64_t first = fs->first_data_block + (uint64_t)g * fs->blocks_per_group;
        uint64_t n = fs->block_count - first;
        if (n > fs->blocks_per_group) n = fs->blocks_per_group;
        if (n > (uint64_t)fs->block_size * 8) n = (uint64_t)fs->block_size * 8;
        for (uint64_t i = 0; i < n; i++) {
            if (fs->blockbuf[i / 8] & (1u << (i % 8))) continue;
            uint64_t start = fs->off + (first + i) * bs;
            if (start >= img_end) continue;
            int rc = forensics_runs_add(&runs, start, bs < img_end - start ? bs : img_end - start);
            if (rc) return rc;
        }
    }
    return forensics_runs_flush(&runs);
}

const struct forensics_fs_ops forensics_ext_ops = {
    .family = "ext",
    .open = open_fs,
    .type = type_fs,
    .walk = walk_fs,
    .read = read_fs,
    .stat = stat_fs,
    .unalloc = unalloc_fs,
    .close = close_fs,
};
