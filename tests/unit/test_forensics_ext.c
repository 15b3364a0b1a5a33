/* ext2/3/4 parser on small images built here byte by byte: a sound one first (names, deleted
 * names in slack, orphans, content, symlinks, 32-bit uids), then hostile variants of it —
 * directory loops, lying sizes, self-referencing indirect blocks and extent trees, garbage
 * directory blocks, truncation, impossible geometry. Every walk must end, and report what it
 * could not read. With an argument DIR the images are also written there (the fuzz seeds). */
#include "base/err.h"
#include "forensics/body.h"
#include "forensics/fs.h"
#include "forensics/image.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BS 1024
#define NBLOCKS 12
#define NINODES 16
#define ITABLE 5

static uint8_t img[NBLOCKS * BS];

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}
static uint8_t *blk(uint32_t b)
{
    return img + (size_t)b * BS;
}
static uint8_t *inode(uint32_t ino)
{
    return blk(ITABLE) + (ino - 1) * 128;
}

static void set_inode(uint32_t ino, uint16_t mode, uint32_t size, uint32_t block0, int alloc)
{
    uint8_t *in = inode(ino);
    memset(in, 0, 128);
    put16(in, mode);
    put32(in + 4, size);
    put32(in + 8, 1600000000);  /* atime */
    put32(in + 12, 1600000001); /* ctime */
    put32(in + 16, 1600000002); /* mtime */
    put16(in + 26, 1);
    put32(in + 40, block0);
    if (alloc)
        blk(4)[(ino - 1) / 8] |= (uint8_t)(1u << ((ino - 1) % 8));
    else
        blk(4)[(ino - 1) / 8] &= (uint8_t) ~(1u << ((ino - 1) % 8));
}

/* A directory entry at off in block b; returns the next offset. */
static int dirent(uint32_t b, int off, uint32_t ino, uint16_t rec, const char *name, uint8_t type)
{
    uint8_t *p = blk(b) + off;
    put32(p, ino);
    put16(p + 4, rec);
    p[6] = (uint8_t)strlen(name);
    p[7] = type;
    memcpy(p + 8, name, strlen(name));
    return off + rec;
}

/* The sound image: /file (inode 12, "hello world"), /sub (13) holding /sub/link -> file (14),
 * a deleted name "old" (15, unallocated) in the slack after "file", and orphan inode 16. */
static void build(void)
{
    memset(img, 0, sizeof img);
    uint8_t *sb = img + 1024;
    put32(sb + 0, NINODES);
    put32(sb + 4, NBLOCKS);
    put32(sb + 20, 1);    /* first data block */
    put32(sb + 32, 8192); /* blocks per group */
    put32(sb + 40, NINODES);
    put16(sb + 56, 0xEF53);
    put32(sb + 76, 1); /* dynamic revision */
    put16(sb + 88, 128);
    put32(sb + 96, 0x2); /* filetype */
    put32(sb + 100, 0x2);
    put32(blk(2) + 0, 3);
    put32(blk(2) + 4, 4);
    put32(blk(2) + 8, ITABLE);
    memset(blk(3), 0xff, 2); /* blocks 1..16 in use... */
    blk(3)[1] = 0x03;        /* ...but 11 (bit 10) free */
    for (uint32_t i = 1; i <= 11; i++)
        blk(4)[(i - 1) / 8] |= (uint8_t)(1u << ((i - 1) % 8));
    set_inode(2, 040755, BS, 7, 1);
    int off = dirent(7, 0, 2, 12, ".", 2);
    off = dirent(7, off, 2, 12, "..", 2);
    off = dirent(7, off, 12, 12 + 16, "file", 1); /* slack after it holds "old" */
    dirent(7, off - 16, 15, 16, "old", 1);
    dirent(7, off, 13, BS - off, "sub", 2);
    set_inode(12, 0100644, 11, 9, 1);
    put16(inode(12) + 120, 1); /* uid high bits: 65536 + 1000 */
    put16(inode(12) + 2, 1000);
    memcpy(blk(9), "hello world", 11);
    set_inode(13, 040700, BS, 8, 1);
    off = dirent(8, 0, 13, 12, ".", 2);
    off = dirent(8, off, 2, 12, "..", 2);
    dirent(8, off, 14, BS - off, "link", 7);
    set_inode(14, 0120777, 4, 0, 1);
    memcpy(inode(14) + 40, "file", 4);
    set_inode(15, 0100600, 3, 10, 0);
    set_inode(16, 0100600, 5, 10, 0);
}

struct listing {
    char text[16384];
    size_t len, lines;
    size_t stop_after;
};

static int on_entry(void *ctx, const struct forensics_entry *e)
{
    struct listing *l = ctx;
    struct kt_buf b;
    kt_buf_init(&b, 1 << 16);
    forensics_body_line(&b, e);
    if (b.data && l->len + b.len < sizeof l->text) {
        memcpy(l->text + l->len, b.data, b.len);
        l->len += b.len;
        l->text[l->len] = 0;
    }
    kt_buf_free(&b);
    l->lines++;
    return l->stop_after && l->lines >= l->stop_after;
}

struct content {
    uint8_t data[4096];
    uint64_t total;
    size_t limit;
};

static int on_data(void *ctx, uint64_t off, const void *d, size_t n)
{
    struct content *c = ctx;
    if (off < sizeof c->data) {
        size_t k = n < sizeof c->data - off ? n : (size_t)(sizeof c->data - off);
        memcpy(c->data + off, d, k);
    }
    c->total += n;
    return c->limit && c->total >= c->limit;
}

/* Opens the image (first size bytes), walks it and reads inodes 12..16. */
static int examine(size_t size, struct listing *l, struct forensics_diag *diag, int *walk_rc)
{
    struct forensics_image *im;
    memset(l, 0, sizeof *l);
    forensics_diag_init(diag, 100);
    if (forensics_image_open_mem(img, size, &im)) return -1;
    struct forensics_fs fs;
    int rc = forensics_fs_open(im, 0, diag, &fs);
    if (rc == 0) {
        *walk_rc = fs.ops->walk(fs.h, on_entry, l);
        for (int ino = 1; ino <= NINODES + 2; ino++) {
            char addr[8];
            snprintf(addr, sizeof addr, "%d", ino);
            struct content c = {.limit = 1 << 20};
            fs.ops->read(fs.h, addr, on_data, &c);
            struct kt_buf b;
            kt_buf_init(&b, 1 << 20);
            fs.ops->stat(fs.h, addr, &b);
            kt_buf_free(&b);
        }
        forensics_fs_close(&fs);
    }
    forensics_image_close(im);
    return rc;
}

struct ranges {
    uint64_t v[8][2];
    size_t n;
};

static int on_range(void *ctx, uint64_t off, uint64_t len)
{
    struct ranges *r = ctx;
    if (r->n < 8) {
        r->v[r->n][0] = off;
        r->v[r->n][1] = len;
    }
    r->n++;
    return 0;
}

static void dump(const char *dir, const char *name, size_t size)
{
    if (!dir) return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(img, 1, size, f);
    fclose(f);
}

static void test_sound(const char *dir)
{
    build();
    dump(dir, "sound", sizeof img);
    struct listing l;
    struct forensics_diag d;
    int wrc = -1;
    CHECK(examine(sizeof img, &l, &d, &wrc) == 0 && wrc == 0, "sound image opens and walks");
    CHECK(strstr(l.text, "0|/file|12|r/rrw-r--r--|66536|0|11|1600000000|1600000002|1600000001|0\n"),
          "file line, uid with high 16 bits: %s", l.text);
    CHECK(strstr(l.text, "0|/old (deleted)|15|r/rrw-------|0|0|3|"), "deleted name from slack");
    CHECK(strstr(l.text, "0|/sub/link -> file|14|l/lrwxrwxrwx|"), "fast symlink target");
    CHECK(strstr(l.text, "0|/$OrphanFiles|17|V/V---------|0|0|0|0|0|0|0\n"), "orphan directory");
    CHECK(strstr(l.text, "0|/$OrphanFiles/OrphanFile-16 (deleted)|16|-/rrw-------|"),
          "unnamed unallocated inode is an orphan");
    CHECK(!strstr(l.text, "OrphanFile-15"), "a named deleted inode is no orphan");
    CHECK(d.n == 0, "no diagnostics on the sound image (%zu)", d.n);
    forensics_diag_free(&d);

    struct forensics_image *im;
    struct forensics_fs fs;
    forensics_diag_init(&d, 10);
    forensics_image_open_mem(img, sizeof img, &im);
    forensics_fs_open(im, 0, &d, &fs);
    struct content c = {0};
    CHECK(fs.ops->read(fs.h, "12", on_data, &c) == 0 && c.total == 11 &&
              !memcmp(c.data, "hello world", 11),
          "cat of the file");
    CHECK(fs.ops->read(fs.h, "99", on_data, &c) == KT_ENOTFOUND, "no such inode");
    CHECK(fs.ops->read(fs.h, "1x", on_data, &c) == KT_ENOTFOUND, "bad address");
    struct kt_buf b;
    kt_buf_init(&b, 1 << 16);
    CHECK(fs.ops->stat(fs.h, "12", &b) == 0 && strstr(b.data, "\"uid\":66536") &&
              strstr(b.data, "\"runs\":[{\"lblk\":0,\"pblk\":9,\"len\":1}]"),
          "stat: %s", b.data);
    kt_buf_free(&b);
    struct ranges u = {0};
    CHECK(fs.ops->unalloc(fs.h, on_range, &u) == 0 && u.n == 1 && u.v[0][0] == 11 * BS &&
              u.v[0][1] == BS,
          "unallocated: block 11 only (%zu ranges)", u.n);
    CHECK(strcmp(fs.ops->type(fs.h), "ext2") == 0, "type ext2");
    forensics_fs_close(&fs);
    forensics_image_close(im);
    forensics_diag_free(&d);
}

/* Each case damages the sound image; the walk must end and stay within bounds. */
static void damage_loop(void)
{
    dirent(8, 24, 13, BS - 24, "self", 2); /* /sub/self -> /sub */
    dirent(8, 24, 2, BS - 24, "up", 2);    /* /sub/up -> / */
}
static void damage_self_loop(void)
{
    dirent(8, 24, 13, BS - 24, "again", 2);
}
static void damage_huge_size(void)
{
    put32(inode(12) + 4, 0xffffffffu);
    put32(inode(12) + 108, 0xffffu); /* i_size_high: 2^48 bytes */
}
static void damage_indirect_loop(void)
{
    put32(inode(12) + 4, 0xffffffffu);
    put32(inode(12) + 40 + 13 * 4, 10); /* double indirect: block 10 ... */
    for (int i = 0; i < BS / 4; i++)
        put32(blk(10) + 4 * i, 10); /* ... pointing at itself */
}
static void damage_extent_loop(void)
{
    uint8_t *in = inode(12);
    put32(in + 32, 0x80000); /* extents */
    put32(in + 4, 1 << 30);
    uint8_t *h = in + 40;
    put16(h, 0xF30A);
    put16(h + 2, 1);
    put16(h + 4, 4);
    put16(h + 6, 1);
    put32(h + 12 + 4, 10); /* index -> block 10 */
    uint8_t *n = blk(10);
    put16(n, 0xF30A);
    put16(n + 2, 84);
    put16(n + 4, 84);
    put16(n + 6, 1);
    for (int i = 0; i < 84; i++)
        put32(n + 12 + 12 * i + 4, 10); /* every index -> itself */
}
static void damage_dir_garbage(void)
{
    for (int i = 0; i < BS; i++)
        blk(7)[i] = (uint8_t)(i * 37 + 5);
}
static void damage_reclen_zero(void)
{
    put16(blk(7) + 4, 0);
}
static void damage_dir_size_lies(void)
{
    put32(inode(2) + 4, 0x7ffffc00u);
}
static void damage_gd_outside(void)
{
    put32(blk(2) + 8, 0xfffffff0u);
}
static void damage_inode_table_outside(void)
{
    put32(blk(2) + 8, 11);
}
static void damage_orphan_dir_loop(void)
{
    set_inode(16, 040755, BS, 8, 0); /* the orphan is a directory: /sub's block */
}

static void test_hostile(const char *dir)
{
    static const struct {
        const char *name;
        void (*damage)(void);
    } cases[] = {
        {"loop", damage_loop},
        {"self_loop", damage_self_loop},
        {"huge_size", damage_huge_size},
        {"indirect_loop", damage_indirect_loop},
        {"extent_loop", damage_extent_loop},
        {"dir_garbage", damage_dir_garbage},
        {"reclen_zero", damage_reclen_zero},
        {"dir_size_lies", damage_dir_size_lies},
        {"gd_outside", damage_gd_outside},
        {"itable_outside", damage_inode_table_outside},
        {"orphan_dir_loop", damage_orphan_dir_loop},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        build();
        cases[i].damage();
        dump(dir, cases[i].name, sizeof img);
        struct listing l;
        struct forensics_diag d;
        int wrc = 0;
        int rc = examine(sizeof img, &l, &d, &wrc);
        CHECK(rc == 0 || rc == KT_EINVAL, "%s: opens or declines (%d)", cases[i].name, rc);
        CHECK(l.lines < 2000, "%s: walk ends (%zu lines)", cases[i].name, l.lines);
        forensics_diag_free(&d);
    }
    /* the loop case lists /sub/up/ (the root again) once, not forever */
    build();
    damage_loop();
    struct listing l;
    struct forensics_diag d;
    int wrc = 0;
    examine(sizeof img, &l, &d, &wrc);
    CHECK(strstr(l.text, "0|/sub/up/file|12|"), "a name back to the root is walked once");
    CHECK(!strstr(l.text, "/sub/up/sub/up/"), "and not again");
    forensics_diag_free(&d);
}

static void test_truncated(const char *dir)
{
    for (size_t cut = 0; cut <= sizeof img; cut += 512) {
        build();
        if (cut == 4096) dump(dir, "truncated", cut);
        struct listing l;
        struct forensics_diag d;
        int wrc = 0;
        int rc = examine(cut, &l, &d, &wrc);
        if (cut < 2048)
            CHECK(rc == KT_ENOTFOUND, "cut at %zu: no superblock, not ext", cut);
        else if (cut < sizeof img)
            CHECK(d.n > 0, "cut at %zu: says what is missing", cut);
        forensics_diag_free(&d);
    }
}

static void test_geometry(void)
{
    static const struct {
        size_t off;
        uint32_t v;
        int width;
    } bad[] = {
        {24, 40, 32},   /* block size 1024 << 40 */
        {32, 0, 32},    /* no blocks per group */
        {40, 0, 32},    /* no inodes per group */
        {0, 3, 32},     /* too few inodes */
        {88, 64, 16},   /* inode smaller than 128 */
        {88, 4096, 16}, /* inode larger than a block */
        {4, 0, 32},     /* no blocks */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        build();
        if (bad[i].width == 16)
            put16(img + 1024 + bad[i].off, bad[i].v);
        else
            put32(img + 1024 + bad[i].off, bad[i].v);
        struct listing l;
        struct forensics_diag d;
        int wrc = 0;
        int rc = examine(sizeof img, &l, &d, &wrc);
        CHECK(rc == KT_EINVAL, "bad geometry %zu declined (%d)", i, rc);
        forensics_diag_free(&d);
    }
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : NULL;
    test_sound(dir);
    test_hostile(dir);
    test_truncated(dir);
    test_geometry();
    return tap_done();
}
