/* ext2/3/4 inodes: the inode-table cache, decoding (mode, 32-bit uid/gid, 64-bit sizes, times
 * with nanoseconds), symlink targets as fls shows them, TSK's mode text and the stat JSON. */
#include "forensics/ext.h"

#include "base/err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ICACHE_SLOTS 64
#define FLAG_EXTENTS 0x00080000u
#define FLAG_INLINE 0x10000000u
#define RO_LARGE_FILE 0x2u

/* Direct-mapped cache of inode-table blocks: walks read neighbouring inodes many times. */
struct ext_icache {
    uint64_t key[ICACHE_SLOTS]; /* block number + 1; 0 = empty */
    uint8_t *data;
};

int ext_icache_new(struct ext_fs *fs)
{
    fs->icache = calloc(1, sizeof *fs->icache);
    if (!fs->icache) return KT_ENOMEM;
    fs->icache->data = malloc((size_t)ICACHE_SLOTS * fs->block_size);
    return fs->icache->data ? 0 : KT_ENOMEM;
}

void ext_icache_free(struct ext_fs *fs)
{
    if (!fs->icache) return;
    free(fs->icache->data);
    free(fs->icache);
    fs->icache = NULL;
}

/* Reads n bytes of the inode table at volume byte offset off through the cache. */
static int icache_read(struct ext_fs *fs, uint64_t off, uint8_t *out, size_t n)
{
    uint64_t bs = fs->block_size, blk = off / bs;
    size_t in = (size_t)(off % bs);
    if (in + n > bs) return ext_read(fs, off, out, n);
    struct ext_icache *c = fs->icache;
    size_t slot = (size_t)(blk % ICACHE_SLOTS);
    uint8_t *d = c->data + slot * bs;
    if (c->key[slot] != blk + 1) {
        if (ext_read(fs, blk * bs, d, (size_t)bs) != 0) {
            c->key[slot] = 0;
            return ext_read(fs, off, out, n); /* the block may be cut short by the image's end */
        }
        c->key[slot] = blk + 1;
    }
    memcpy(out, d + in, n);
    return 0;
}

static int type_of(uint16_t mode)
{
    switch (mode & 0170000) {
    case 0100000:
        return EXT_T_REG;
    case 0040000:
        return EXT_T_DIR;
    case 0140000:
        return EXT_T_SOCK;
    case 0120000:
        return EXT_T_LNK;
    case 0060000:
        return EXT_T_BLK;
    case 0020000:
        return EXT_T_CHR;
    case 0010000:
        return EXT_T_FIFO;
    default:
        return EXT_T_UNDEF;
    }
}

/* The symlink target the way TSK reads it: only for block-mapped links shorter than 4096, from
 * the block pointers (fast links) or the first twelve blocks; control characters become '^'.
 * A block that cannot be read leaves what was read and the allocation state unknown. */
static void load_link(struct ext_fs *fs, struct ext_inode *in)
{
    if (in->type != EXT_T_LNK || (in->flags & (FLAG_EXTENTS | FLAG_INLINE)) ||
        in->size >= EXT_LINK_MAX)
        return;
    size_t size = (size_t)in->size, got = 0;
    char *l = calloc(1, size + 1);
    if (!l) return;
    if (size < sizeof in->iblock) {
        memcpy(l, in->iblock, size);
        got = size;
    } else {
        for (int i = 0; i < 12 && got < size; i++) {
            uint64_t blk = (uint64_t)(int64_t)(int32_t)le32(in->iblock + 4 * i);
            if (ext_read_block(fs, blk, fs->blockbuf) != 0) {
                forensics_diag_add(fs->diag, "ext: inode %u: symlink block %" PRIu64 " unreadable",
                                   in->ino, blk);
                in->alloc = EXT_ALLOC_UNKNOWN;
                in->link = l;
                return;
            }
            size_t n = size - got < fs->block_size ? size - got : fs->block_size;
            memcpy(l + got, fs->blockbuf, n);
            got += n;
        }
    }
    for (size_t i = 0; l[i]; i++)
        if ((unsigned char)l[i] < 0x20) l[i] = '^';
    in->link = l;
}

int ext_inode_load(struct ext_fs *fs, uint32_t ino, struct ext_inode *in)
{
    memset(in, 0, sizeof *in);
    if (ino < 1 || ino > fs->inodes_count) return KT_ENOTFOUND;
    uint32_t g = (ino - 1) / fs->inodes_per_group;
    const struct ext_gd *gd = ext_group(fs, g);
    if (!gd) return KT_EIO;
    uint64_t rel = (uint64_t)(ino - 1) - (uint64_t)g * fs->inodes_per_group;
    if (gd->inode_table > (UINT64_MAX / 2) / fs->block_size) return KT_EIO;
    uint64_t off = gd->inode_table * fs->block_size + rel * fs->inode_size;
    in->raw_len = fs->inode_size < EXT_INODE_MAX ? fs->inode_size : EXT_INODE_MAX;
    if (icache_read(fs, off, in->raw, in->raw_len) != 0) {
        forensics_diag_add(fs->diag, "ext: inode %u cannot be read", ino);
        return KT_EIO;
    }
    const uint8_t *r = in->raw;
    in->ino = ino;
    in->mode = le16(r);
    in->type = type_of(in->mode);
    in->uid = le16(r + 2) | (uint32_t)le16(r + 120) << 16;
    in->gid = le16(r + 24) | (uint32_t)le16(r + 122) << 16;
    in->size = le32(r + 4);
    if (in->type == EXT_T_REG && (fs->feat_ro & RO_LARGE_FILE))
        in->size += (uint64_t)le32(r + 108) << 32;
    in->atime = le32(r + 8);
    in->ctime = le32(r + 12);
    in->mtime = le32(r + 16);
    in->dtime = le32(r + 20);
    in->links = le16(r + 26);
    in->blocks = le32(r + 28) | (uint64_t)le16(r + 116) << 32;
    in->flags = le32(r + 32);
    memcpy(in->iblock, r + 40, sizeof in->iblock);
    in->generation = le32(r + 100);
    in->file_acl = le32(r + 104) | (uint64_t)le16(r + 118) << 32;
    if (in->raw_len > 128) in->extra_isize = le16(r + 128);
    /* TSK reads the extra time fields on ext4 whatever i_extra_isize says (zero in 128-byte
     * inodes); elsewhere only where the inode says it stores them, and never crtime. */
    int extra = fs->is_ext4 || (in->raw_len >= 144 && in->extra_isize >= 16);
    if (extra) {
        in->ctime_ns = le32(r + 132) >> 2;
        in->mtime_ns = le32(r + 136) >> 2;
        in->atime_ns = le32(r + 140) >> 2;
    }
    if (fs->is_ext4) {
        in->crtime = le32(r + 144);
        in->crtime_ns = le32(r + 148) >> 2;
    }
    in->alloc = ext_inode_alloc(fs, ino);
    load_link(fs, in);
    return 0;
}

void ext_inode_clear(struct ext_inode *in)
{
    free(in->link);
    in->link = NULL;
}

void ext_mode_string(const struct ext_inode *in, char out[11])
{
    static const char types[] = "-rdpcblshwvV";
    memcpy(out, "----------", 11);
    if (in->type >= 0 && in->type < 12) out[0] = types[in->type];
    uint16_t m = in->mode;
    if (m & 0400) out[1] = 'r';
    if (m & 0200) out[2] = 'w';
    if (m & 04000)
        out[3] = (m & 0100) ? 's' : 'S';
    else if (m & 0100)
        out[3] = 'x';
    if (m & 040) out[4] = 'r';
    if (m & 020) out[5] = 'w';
    if (m & 02000)
        out[6] = (m & 010) ? 's' : 'S';
    else if (m & 010)
        out[6] = 'x';
    if (m & 04) out[7] = 'r';
    if (m & 02) out[8] = 'w';
    if (m & 01000)
        out[9] = (m & 01) ? 't' : 'T';
    else if (m & 01)
        out[9] = 'x';
}

static void json_time(struct kt_buf *b, const char *k, uint32_t sec, uint32_t nsec, int last)
{
    kt_buf_printf(b, "\"%s\":{\"sec\":%" PRIu32 ",\"nsec\":%" PRIu32 "}%s", k, sec, nsec,
                  last ? "" : ",");
}

#define STAT_RUNS_MAX 10000

int ext_stat_json(struct ext_fs *fs, uint32_t ino, struct kt_buf *b)
{
    struct ext_inode in;
    int rc = ext_inode_load(fs, ino, &in);
    if (rc != 0) return kt_fail(rc, "ext: inode %u cannot be read", ino);
    char mode[11];
    ext_mode_string(&in, mode);
    const char *alloc = in.alloc == EXT_ALLOC_YES  ? "true"
                        : in.alloc == EXT_ALLOC_NO ? "false"
                                                   : "null";
    kt_buf_printf(b,
                  "{\"fs\":\"%s\",\"inode\":%" PRIu32 ",\"allocated\":%s,\"mode\":\"%s\","
                  "\"mode_octal\":\"%06o\",\"links\":%u,\"uid\":%" PRIu32 ",\"gid\":%" PRIu32
                  ",\"size\":%" PRIu64 ",\"blocks_512\":%" PRIu64 ",\"flags\":\"0x%08" PRIx32
                  "\",\"generation\":%" PRIu32 ",\"file_acl\":%" PRIu64 ",\"extra_isize\":%u,",
                  fs->type, ino, alloc, mode, (unsigned)in.mode, (unsigned)in.links, in.uid, in.gid,
                  in.size, in.blocks, in.flags, in.generation, in.file_acl,
                  (unsigned)in.extra_isize);
    kt_buf_puts(b, "\"times\":{");
    json_time(b, "atime", in.atime, in.atime_ns, 0);
    json_time(b, "mtime", in.mtime, in.mtime_ns, 0);
    json_time(b, "ctime", in.ctime, in.ctime_ns, 0);
    json_time(b, "crtime", in.crtime, in.crtime_ns, 0);
    json_time(b, "dtime", in.dtime, 0, 1);
    kt_buf_puts(b, "},");
    if (in.link) {
        kt_buf_puts(b, "\"link\":");
        kt_buf_json_str(b, in.link);
        kt_buf_puts(b, ",");
    }
    const char *content = (in.flags & FLAG_EXTENTS)  ? "extents"
                          : (in.flags & FLAG_INLINE) ? "inline"
                                                     : "blockmap";
    kt_buf_printf(b, "\"content\":\"%s\",\"runs\":[", content);
    struct ext_runs runs;
    int rrc = ext_runs_load(fs, &in, &runs);
    for (size_t i = 0; rrc == 0 && i < runs.n && i < STAT_RUNS_MAX; i++) {
        const struct ext_run *r = &runs.v[i];
        kt_buf_printf(b, "%s{\"lblk\":%" PRIu64 ",\"pblk\":%" PRIu64 ",\"len\":%" PRIu64 "%s}",
                      i ? "," : "", r->lblk, r->pblk, r->len, r->sparse ? ",\"sparse\":true" : "");
    }
    kt_buf_puts(b, "]");
    if (rrc != 0)
        kt_buf_puts(b, ",\"runs_error\":\"the block map cannot be followed\"");
    else if (runs.n > STAT_RUNS_MAX)
        kt_buf_printf(b, ",\"runs_total\":%zu", runs.n);
    if (rrc == 0 && runs.is_inline) kt_buf_printf(b, ",\"inline_len\":%zu", runs.inline_len);
    if (in.alloc == EXT_ALLOC_NO && (in.flags & FLAG_EXTENTS) == 0 && in.type == EXT_T_REG &&
        in.blocks && !memcmp(in.iblock, (uint8_t[60]){0}, 60))
        kt_buf_puts(b, ",\"note\":\"deleted: block pointers zeroed by ext3/4, content lost\"");
    kt_buf_puts(b, "}");
    ext_runs_free(&runs);
    ext_inode_clear(&in);
    return b->failed ? KT_ENOMEM : 0;
}
