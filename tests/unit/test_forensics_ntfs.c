/* NTFS parser on volumes built here, byte by byte: a small well-formed volume (resident and
 * non-resident data, an alternate data stream, a directory with an index allocation, a deleted
 * file found through its parent, free clusters), then hostile variants of it: directory loops,
 * broken update sequences, lying sizes, run lists past the volume, attribute lists that point
 * at themselves, truncation and random corruption. Every walk must end, and what could not be
 * read must be reported.
 *
 * test_forensics_ntfs --write-seeds DIR writes the volumes as the fuzzer's seed corpus. */
#include "base/buf.h"
#include "base/err.h"
#include "forensics/body.h"
#include "forensics/fs.h"
#include "forensics/image.h"
#include "forensics/ntfs_priv.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CS 512u  /* cluster = sector */
#define RS 1024u /* MFT record */
#define NCL 96u  /* clusters in the volume */
#define MFT_LCN 2u
#define NREC 16u
#define IDX_LCN 40u /* 8 clusters: one 4096-byte index record of "sub" */
#define DATA_LCN 36u
#define NT_2020 132223104000000000ULL /* 2020-01-01 in 100 ns since 1601 */

static uint8_t vol[NCL * CS];

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t *rec(unsigned n)
{
    return vol + MFT_LCN * CS + n * RS;
}

/* Update sequence: the last two bytes of each 512-byte sector go to the array. */
static void protect(uint8_t *r, size_t len, uint16_t usn)
{
    uint16_t off = (uint16_t)(r[4] | r[5] << 8), cnt = (uint16_t)(r[6] | r[7] << 8);
    put16(r + off, usn);
    for (unsigned i = 1; i < cnt && i * 512 <= len; i++) {
        memcpy(r + off + 2 * i, r + i * 512 - 2, 2);
        put16(r + i * 512 - 2, usn);
    }
}

struct recb {
    uint8_t *r;
    size_t used;
};

static struct recb rec_begin(unsigned n, uint16_t flags, uint16_t seq, uint64_t base)
{
    uint8_t *r = rec(n);
    memset(r, 0, RS);
    memcpy(r, "FILE", 4);
    put16(r + 4, 42);
    put16(r + 6, RS / 512 + 1);
    put16(r + 16, seq);
    put16(r + 18, 1);
    put16(r + 20, 56);
    put16(r + 22, flags);
    put32(r + 28, RS);
    put64(r + 32, base);
    put32(r + 44, n);
    return (struct recb){r, 56};
}

static void rec_end(struct recb *b)
{
    put32(b->r + b->used, 0xffffffff);
    put32(b->r + 24, (uint32_t)b->used + 8);
    protect(b->r, RS, 0x0101);
}

static uint8_t *attr_res(struct recb *b, uint32_t type, uint16_t id, const char *name,
                         const void *data, uint32_t len)
{
    size_t nl = name ? strlen(name) : 0, hdr = 24 + 2 * nl;
    hdr = (hdr + 7) & ~(size_t)7;
    size_t total = (hdr + len + 7) & ~(size_t)7;
    uint8_t *a = b->r + b->used;
    memset(a, 0, total);
    put32(a, type);
    put32(a + 4, (uint32_t)total);
    a[9] = (uint8_t)nl;
    put16(a + 10, 24);
    put16(a + 14, id);
    for (size_t i = 0; i < nl; i++)
        put16(a + 24 + 2 * i, (uint8_t)name[i]);
    put32(a + 16, len);
    put16(a + 20, (uint16_t)hdr);
    if (len) memcpy(a + hdr, data, len);
    b->used += total;
    return a + hdr;
}

static void attr_nonres(struct recb *b, uint32_t type, uint16_t id, const char *name,
                        const uint8_t *runs, size_t rlen, uint64_t size, uint64_t alloc)
{
    size_t nl = name ? strlen(name) : 0, hdr = 64 + 2 * nl;
    hdr = (hdr + 7) & ~(size_t)7;
    size_t total = (hdr + rlen + 1 + 7) & ~(size_t)7;
    uint8_t *a = b->r + b->used;
    memset(a, 0, total);
    put32(a, type);
    put32(a + 4, (uint32_t)total);
    a[8] = 1;
    a[9] = (uint8_t)nl;
    put16(a + 10, 64);
    put16(a + 14, id);
    for (size_t i = 0; i < nl; i++)
        put16(a + 64 + 2 * i, (uint8_t)name[i]);
    uint64_t last = alloc / CS ? alloc / CS - 1 : 0;
    put64(a + 24, last);
    put16(a + 32, (uint16_t)hdr);
    put64(a + 40, alloc);
    put64(a + 48, size);
    put64(a + 56, size);
    memcpy(a + hdr, runs, rlen);
    b->used += total;
}

static void si(struct recb *b, uint32_t dos)
{
    uint8_t s[72] = {0};
    for (int i = 0; i < 4; i++)
        put64(s + 8 * i, NT_2020 + 10000000ULL * (uint64_t)(i + 1));
    put32(s + 32, dos);
    attr_res(b, 0x10, 0, NULL, s, sizeof s);
}

/* A $FILE_NAME value (also an index key); returns its length. */
static size_t fname(uint8_t *f, uint64_t parent, uint16_t pseq, const char *name, int dir,
                    uint8_t nspace, uint64_t size)
{
    size_t nl = strlen(name);
    memset(f, 0, 66 + 2 * nl);
    put64(f, parent | (uint64_t)pseq << 48);
    for (int i = 0; i < 4; i++)
        put64(f + 8 + 8 * i, NT_2020 + 50000000ULL);
    put64(f + 40, (size + 7) & ~7ULL);
    put64(f + 48, size);
    put32(f + 56, dir ? 0x10000000 : 0x20);
    f[64] = (uint8_t)nl;
    f[65] = nspace;
    for (size_t i = 0; i < nl; i++)
        put16(f + 66 + 2 * i, (uint8_t)name[i]);
    return 66 + 2 * nl;
}

static void fn_attr(struct recb *b, uint16_t id, uint64_t parent, const char *name, int dir,
                    uint64_t size)
{
    uint8_t f[600];
    size_t n = fname(f, parent, 1, name, dir, 3, size);
    attr_res(b, 0x30, id, NULL, f, (uint32_t)n);
}

/* An index entry for name -> entry; returns its length. */
static size_t idx_entry(uint8_t *e, uint64_t entry, uint64_t parent, const char *name, int dir)
{
    size_t kl = fname(e + 16, parent, 1, name, dir, 3, 5);
    size_t len = (16 + kl + 7) & ~(size_t)7;
    put64(e, entry | (uint64_t)1 << 48);
    put16(e + 8, (uint16_t)len);
    put16(e + 10, (uint16_t)kl);
    return len;
}

static size_t idx_end(uint8_t *e)
{
    memset(e, 0, 16);
    put16(e + 8, 16);
    e[12] = 2;
    return 16;
}

struct ent {
    uint64_t entry;
    const char *name;
    int dir;
};

/* $INDEX_ROOT of a directory listing ents (sorted by the caller). */
static void idx_root(struct recb *b, uint16_t id, uint64_t self, const struct ent *ents, size_t n,
                     int has_alloc)
{
    uint8_t v[400] = {0};
    put32(v, 0x30);
    put32(v + 4, 1);
    put32(v + 8, 4096);
    v[12] = 8;
    size_t off = 32;
    for (size_t i = 0; i < n; i++)
        off += idx_entry(v + off, ents[i].entry, self, ents[i].name, ents[i].dir);
    off += idx_end(v + off);
    put32(v + 16, 16);
    put32(v + 20, (uint32_t)off - 16);
    put32(v + 24, (uint32_t)off - 16);
    if (has_alloc) v[28] = 1;
    attr_res(b, 0x90, id, "$I30", v, (uint32_t)off);
}

static void build(void)
{
    memset(vol, 0, sizeof vol);
    uint8_t *bs = vol;
    bs[0] = 0xeb;
    memcpy(bs + 3, "NTFS    ", 8);
    put16(bs + 11, 512);
    bs[13] = 1;
    put64(bs + 40, NCL);
    put64(bs + 48, MFT_LCN);
    put64(bs + 56, MFT_LCN);
    bs[64] = 0xf6; /* 2^10 = 1024-byte records */
    bs[68] = 0xf4; /* 4096-byte index records */
    put64(bs + 72, 0x1234);
    put16(bs + 510, 0xAA55);

    /* 0: $MFT */
    struct recb b = rec_begin(0, 1, 1, 0);
    si(&b, 6);
    fn_attr(&b, 2, 5, "$MFT", 0, NREC * RS);
    uint8_t mruns[] = {0x11, NREC * RS / CS, MFT_LCN, 0};
    attr_nonres(&b, 0x80, 1, NULL, mruns, sizeof mruns, NREC * RS, NREC * RS);
    rec_end(&b);

    /* 5: root: ".", a.txt, sub */
    b = rec_begin(5, 3, 1, 0);
    si(&b, 6);
    fn_attr(&b, 1, 5, ".", 1, 0);
    struct ent root[] = {{5, ".", 1}, {12, "a.txt", 0}, {13, "sub", 1}};
    idx_root(&b, 3, 5, root, 3, 0);
    rec_end(&b);

    /* 6: $Bitmap, resident: clusters 0..49 used, 50..95 free except 60..61 */
    b = rec_begin(6, 1, 6, 0);
    si(&b, 6);
    fn_attr(&b, 2, 5, "$Bitmap", 0, 12);
    uint8_t bm[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 0x30, 0, 0, 0, 0};
    attr_res(&b, 0x80, 1, NULL, bm, sizeof bm);
    rec_end(&b);

    /* 12: a.txt, resident "hello" */
    b = rec_begin(12, 1, 1, 0);
    si(&b, 0x20);
    fn_attr(&b, 2, 5, "a.txt", 0, 5);
    attr_res(&b, 0x80, 1, NULL, "hello", 5);
    rec_end(&b);

    /* 13: sub, with an index allocation holding b.txt */
    b = rec_begin(13, 3, 1, 0);
    si(&b, 0x10);
    fn_attr(&b, 2, 5, "sub", 1, 0);
    idx_root(&b, 3, 13, NULL, 0, 1);
    uint8_t iruns[] = {0x11, 8, IDX_LCN, 0};
    attr_nonres(&b, 0xa0, 4, "$I30", iruns, sizeof iruns, 4096, 4096);
    rec_end(&b);
    uint8_t *ix = vol + IDX_LCN * CS;
    memcpy(ix, "INDX", 4);
    put16(ix + 4, 40);
    put16(ix + 6, 9);
    size_t off = 64;
    off += idx_entry(ix + off, 14, 13, "b.txt", 0);
    off += idx_end(ix + off);
    put32(ix + 24, 40);
    put32(ix + 28, (uint32_t)off - 24);
    put32(ix + 32, 4096 - 24);
    protect(ix, 4096, 0x0202);

    /* 14: sub/b.txt, 1000 bytes in 2 clusters, and a stream "s" in a sparse run */
    b = rec_begin(14, 1, 1, 0);
    si(&b, 0x20);
    fn_attr(&b, 2, 13, "b.txt", 0, 1000);
    uint8_t druns[] = {0x11, 2, DATA_LCN, 0};
    attr_nonres(&b, 0x80, 1, NULL, druns, sizeof druns, 1000, 1024);
    uint8_t sruns[] = {0x01, 1, 0};
    attr_nonres(&b, 0x80, 3, "s", sruns, sizeof sruns, 100, 512);
    rec_end(&b);
    for (unsigned i = 0; i < 1000; i++)
        vol[DATA_LCN * CS + i] = (uint8_t)('a' + i % 26);

    /* 15: a deleted file of the root that no index lists */
    b = rec_begin(15, 0, 2, 0);
    si(&b, 0x20);
    fn_attr(&b, 2, 5, "gone.txt", 0, 3);
    attr_res(&b, 0x80, 1, NULL, "bye", 3);
    rec_end(&b);
}

struct out {
    struct kt_buf b;
    size_t lines;
};

static int collect(void *ctx, const struct forensics_entry *e)
{
    struct out *o = ctx;
    o->lines++;
    return o->lines > 100000 ? 1 : forensics_body_line(&o->b, e);
}

static int cat_cb(void *ctx, uint64_t off, const void *data, size_t n)
{
    (void)off;
    return kt_buf_append(ctx, data, n);
}

static int range_cb(void *ctx, uint64_t off, uint64_t len)
{
    struct kt_buf *b = ctx;
    return kt_buf_printf(b, "%llu+%llu ", (unsigned long long)off, (unsigned long long)len);
}

/* Opens buf as NTFS at offset 0 and lists it; returns the walk's status (-100 if not opened). */
static int list(const uint8_t *buf, size_t n, struct out *o, struct forensics_diag *d)
{
    struct forensics_image *img;
    struct forensics_fs fs;
    kt_buf_init(&o->b, 1 << 24);
    o->lines = 0;
    forensics_diag_init(d, 100);
    if (forensics_image_open_mem(buf, n, &img)) return -100;
    int rc = forensics_ntfs_ops.open(img, 0, d, &fs.h);
    if (rc == 0) {
        rc = forensics_ntfs_ops.walk(fs.h, collect, o);
        forensics_ntfs_ops.close(fs.h);
    } else {
        rc = -100;
    }
    forensics_image_close(img);
    return rc;
}

static int has(const struct out *o, const char *s)
{
    return o->b.data && strstr(o->b.data, s);
}

static void test_good(void)
{
    build();
    struct out o;
    struct forensics_diag d;
    CHECK(list(vol, sizeof vol, &o, &d) == 0, "well-formed volume lists");
    CHECK(has(&o,
              "0|/a.txt|12-128-1|r/rrwxrwxrwx|0|0|5|1577836804|1577836802|1577836803|1577836801\n"),
          "resident file line: %s", o.b.data);
    CHECK(has(&o, "0|/a.txt ($FILE_NAME)|12-48-2|r/rrwxrwxrwx|0|0|76|1577836805|"),
          "$FILE_NAME line with its own times");
    CHECK(has(&o, "0|/sub|13-144-3|d/drwxrwxrwx|"), "directory line is its $INDEX_ROOT");
    CHECK(has(&o, "0|/sub/b.txt|14-128-1|r/rrwxrwxrwx|0|0|1000|"), "file in index allocation");
    CHECK(has(&o, "0|/sub/b.txt:s|14-128-3|r/rrwxrwxrwx|0|0|100|"), "alternate data stream");
    CHECK(has(&o, "0|/gone.txt (deleted)|15-128-1|-/rrwxrwxrwx|"), "deleted file via parent map");
    CHECK(!has(&o, "/$OrphanFiles/gone.txt"), "a deleted file with its parent is no orphan");
    CHECK(has(&o, "0|/$OrphanFiles|16|V/V---------|0|0|0|0|0|0|0\n"), "orphan directory");
    CHECK(d.n == 0, "no diagnostics on a clean volume (%zu: %s)", d.n, d.n ? d.msgs[0] : "");
    kt_buf_free(&o.b);
    forensics_diag_free(&d);

    struct forensics_image *img;
    void *h;
    forensics_diag_init(&d, 100);
    forensics_image_open_mem(vol, sizeof vol, &img);
    CHECK(forensics_ntfs_ops.open(img, 0, &d, &h) == 0, "opens");
    static const struct {
        const char *addr, *want;
        size_t len;
    } cats[] = {{"12", "hello", 5},
                {"12-128-1", "hello", 5},
                {"14", "abcdefghijklmnop", 1000},
                {"14-128-3", "\0\0\0\0", 100},
                {"15", "bye", 3}};
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++) {
        struct kt_buf b;
        kt_buf_init(&b, 1 << 20);
        int rc = forensics_ntfs_ops.read(h, cats[i].addr, cat_cb, &b);
        CHECK(rc == 0 && b.len == cats[i].len &&
                  memcmp(b.data, cats[i].want, strlen(cats[i].want) ? strlen(cats[i].want) : 4) ==
                      0,
              "cat %s: rc %d, %zu bytes", cats[i].addr, rc, b.len);
        kt_buf_free(&b);
    }
    static const char *bad_addr[] = {
        "99", "12-128-9", "x", "12--1", "", "1-2-3-4", "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad_addr / sizeof bad_addr[0]; i++) {
        struct kt_buf b;
        kt_buf_init(&b, 1 << 20);
        CHECK(forensics_ntfs_ops.read(h, bad_addr[i], cat_cb, &b) < 0, "cat '%s' fails",
              bad_addr[i]);
        kt_buf_free(&b);
    }
    struct kt_buf b;
    kt_buf_init(&b, 1 << 20);
    CHECK(forensics_ntfs_ops.stat(h, "14", &b) == 0 && strstr(b.data, "\"name\":\"b.txt\"") &&
              strstr(b.data, "\"lcn\":36"),
          "stat: %s", b.data ? b.data : "");
    b.len = 0;
    CHECK(forensics_ntfs_ops.unalloc(h, range_cb, &b) == 0 &&
              strcmp(b.data, "25600+5120 31744+17408 ") == 0,
          "unalloc: %s", b.data ? b.data : "");
    kt_buf_free(&b);
    forensics_ntfs_ops.close(h);
    forensics_image_close(img);
    forensics_diag_free(&d);
}

/* Rewrites record n's index root after editing: rebuild from scratch by the given entries. */
static void set_root(unsigned n, uint64_t self, const struct ent *ents, size_t k, uint16_t flags)
{
    struct recb b = rec_begin(n, flags, 1, 0);
    si(&b, 0x10);
    fn_attr(&b, 2, 5, n == 5 ? "." : "sub", 1, 0);
    idx_root(&b, 3, self, ents, k, 0);
    rec_end(&b);
}

static void test_loops(void)
{
    struct out o;
    struct forensics_diag d;
    /* sub lists itself, the root and the root's parent link: every walk must end. */
    build();
    struct ent loop[] = {{5, "back", 1}, {13, "self", 1}};
    set_root(13, 13, loop, 2, 3);
    int rc = list(vol, sizeof vol, &o, &d);
    CHECK(rc == 0 && o.lines < 200, "directory loops end (%d, %zu lines)", rc, o.lines);
    CHECK(has(&o, "/sub/self|13-144-3"), "a loop's name is still listed");
    kt_buf_free(&o.b);
    forensics_diag_free(&d);

    /* A deleted directory that is its own parent, reachable only as an orphan. */
    build();
    struct recb b = rec_begin(15, 2, 2, 0);
    si(&b, 0x10);
    fn_attr(&b, 2, 15, "ring", 1, 0);
    struct ent self[] = {{15, "ring", 1}};
    idx_root(&b, 3, 15, self, 1, 0);
    rec_end(&b);
    rc = list(vol, sizeof vol, &o, &d);
    CHECK(rc == 0 && o.lines < 200, "self-parented orphan directory ends (%zu lines)", o.lines);
    kt_buf_free(&o.b);
    forensics_diag_free(&d);
}

static uint8_t *find_attr(uint8_t *r, uint32_t type)
{
    uint8_t *a = r + 56;
    while ((uint32_t)(a[0] | a[1] << 8) != type)
        a += a[4] | a[5] << 8;
    return a;
}

static void test_hostile(void)
{
    struct out o;
    struct forensics_diag d;

    build(); /* b.txt's record with a broken update sequence */
    put16(rec(14) + RS - 2, 0x9999);
    CHECK(list(vol, sizeof vol, &o, &d) == 0 &&
              has(&o, "0|/sub/b.txt|14|r/----------|0|0|0|0|0|0|0\n"),
          "entry with broken fixup: name without metadata");
    kt_buf_free(&o.b);
    forensics_diag_free(&d);

    build(); /* index record with a broken update sequence: sub is not listed, reported */
    put16(vol + IDX_LCN * CS + 511, 0x7777);
    CHECK(list(vol, sizeof vol, &o, &d) == 0 && !has(&o, "b.txt|") && d.n > 0,
          "corrupt index record reported (%zu)", d.n);
    kt_buf_free(&o.b);
    forensics_diag_free(&d);

    build(); /* $DATA of b.txt claims 2^60 bytes; its runs go past the volume */
    struct recb b = rec_begin(14, 1, 1, 0);
    si(&b, 0x20);
    fn_attr(&b, 2, 13, "b.txt", 0, 1000);
    uint8_t runs[] = {0x21, 2, 0x00, 0x7f, 0};
    attr_nonres(&b, 0x80, 1, NULL, runs, sizeof runs, 1ULL << 60, 1ULL << 60);
    rec_end(&b);
    CHECK(list(vol, sizeof vol, &o, &d) == 0 && d.n > 0, "run past the volume reported");
    struct forensics_image *img;
    void *h;
    forensics_image_open_mem(vol, sizeof vol, &img);
    CHECK(forensics_ntfs_ops.open(img, 0, &d, &h) == 0, "opens");
    struct kt_buf cat;
    kt_buf_init(&cat, 1 << 20);
    int rc = forensics_ntfs_ops.read(h, "14", cat_cb, &cat);
    CHECK(rc == 0 && cat.len == 0, "lying size with no valid run reads nothing (%d, %zu)", rc,
          cat.len);
    kt_buf_free(&cat);
    forensics_ntfs_ops.close(h);
    forensics_image_close(img);
    kt_buf_free(&o.b);
    forensics_diag_free(&d);

    build(); /* an attribute list in a.txt naming a.txt itself and an extension of nobody */
    b = rec_begin(12, 1, 1, 0);
    si(&b, 0x20);
    uint8_t al[64] = {0};
    put32(al, 0x80);
    put16(al + 4, 32);
    put64(al + 16, 12 | (uint64_t)1 << 48);
    put32(al + 32, 0x80);
    put16(al + 36, 32);
    put64(al + 48, 3 | (uint64_t)1 << 48);
    attr_res(&b, 0x20, 4, NULL, al, 64);
    fn_attr(&b, 2, 5, "a.txt", 0, 5);
    attr_res(&b, 0x80, 1, NULL, "hello", 5);
    rec_end(&b);
    CHECK(list(vol, sizeof vol, &o, &d) == 0 && has(&o, "/a.txt|12-128-1|"),
          "self-referencing attribute list");
    kt_buf_free(&o.b);
    forensics_diag_free(&d);

    build(); /* the $MFT's $DATA claims 2^40 bytes */
    put64(find_attr(rec(0), 0x80) + 48, 1ULL << 40);
    rc = list(vol, sizeof vol, &o, &d);
    CHECK(rc == 0 || rc == -100, "lying $MFT size handled (%d)", rc);
    kt_buf_free(&o.b);
    forensics_diag_free(&d);

    build(); /* truncated images: every cut opens or declines, and every walk ends */
    int bad = 0;
    for (size_t cut = 0; cut <= sizeof vol; cut += 256) {
        rc = list(vol, cut, &o, &d);
        if (rc != 0 && rc != -100) bad++;
        if (cut > 512 && cut < 2 * CS + NREC * RS && rc == 0 && d.n == 0) bad++;
        kt_buf_free(&o.b);
        forensics_diag_free(&d);
    }
    CHECK(bad == 0, "truncated images: %d cuts misbehaved", bad);

    /* random corruption of the metadata area */
    uint32_t seed = 12345;
    int n = SANITIZED ? 300 : 3000;
    for (int i = 0; i < n; i++) {
        build();
        for (int k = 0; k < 8; k++) {
            seed = seed * 1103515245 + 12345;
            size_t at = (seed >> 8) % (60 * CS);
            seed = seed * 1103515245 + 12345;
            vol[at] = (uint8_t)(seed >> 16);
        }
        rc = list(vol, sizeof vol, &o, &d);
        if (o.lines > 10000) bad++;
        kt_buf_free(&o.b);
        forensics_diag_free(&d);
    }
    CHECK(bad == 0, "random corruption: walks end");
}

/* LZNT1 chunks: a back reference, a stored chunk, references before the start, truncation. */
static void test_lznt1(void)
{
    static uint8_t out[8192];
    const uint8_t abc[] = {0x05, 0xb0, 0x08, 'a', 'b', 'c', 0x03, 0x20, 0, 0};
    size_t n = ntfs_lznt1(abc, sizeof abc, out, sizeof out);
    CHECK(n == 4096 && memcmp(out, "abcabcabc", 9) == 0 && out[9] == 0 && out[4095] == 0,
          "compressed chunk with a back reference (%zu)", n);
    uint8_t stored[2 + 4096];
    put16(stored, 0x3fff);
    memset(stored + 2, 'x', 4096);
    n = ntfs_lznt1(stored, sizeof stored, out, sizeof out);
    CHECK(n == 4096 && out[0] == 'x' && out[4095] == 'x', "stored chunk (%zu)", n);
    const uint8_t before[] = {0x03, 0xb0, 0x01, 0xff, 0xff};
    const uint8_t past[] = {0x04, 0xb0, 0x02, 'a', 0xff, 0xff};
    const uint8_t cut[] = {0xff, 0xbf, 0x00, 'a', 'b'};
    CHECK(ntfs_lznt1(before, sizeof before, out, sizeof out) <= 4096, "reference at the start");
    CHECK(ntfs_lznt1(past, sizeof past, out, sizeof out) <= 4096 && out[0] == 'a',
          "reference before the chunk");
    CHECK(ntfs_lznt1(cut, sizeof cut, out, sizeof out) <= 4096, "chunk longer than the input");
    CHECK(ntfs_lznt1(abc, 1, out, sizeof out) == 0, "header cut");
    CHECK(ntfs_lznt1(abc, sizeof abc, out, 5) == 5 && memcmp(out, "abcab", 5) == 0,
          "output bounded");
}

static int write_seeds(const char *dir)
{
    char path[1024];
    const char *names[] = {"good", "loop"};
    for (int i = 0; i < 2; i++) {
        build();
        if (i == 1) {
            struct ent loop[] = {{5, "back", 1}, {13, "self", 1}};
            set_root(13, 13, loop, 2, 3);
        }
        snprintf(path, sizeof path, "%s/%s.img", dir, names[i]);
        FILE *f = fopen(path, "wb");
        if (!f) return 1;
        fwrite(vol, 1, 50 * CS, f); /* up to the data clusters the fuzzer needs */
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) return write_seeds(argv[2]);
    test_good();
    test_loops();
    test_hostile();
    test_lznt1();
    return tap_done();
}
