/* exFAT parser on a small volume built here byte by byte: the normal case pins TSK's entry-set
 * addresses, the special entries and both kinds of data runs; the hostile cases (FAT-chain
 * loops, contiguous runs leaving the volume, directories that contain themselves or the root,
 * sizes and name lengths that lie, truncated and scrambled images) must end, stay bounded and
 * say what was wrong. */
#include "base/buf.h"
#include "base/err.h"
#include "forensics/fat_int.h"
#include "forensics/fs.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECT 512
#define NSECT 256
#define FATOFF 24
#define HEAP 32
#define NCLUST 200

static uint8_t img[SECT * NSECT];

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t *clust(unsigned c)
{
    return img + (size_t)(HEAP + c - 2) * SECT;
}

static void fat_set(unsigned c, uint32_t v)
{
    put32(img + FATOFF * SECT + 4 * c, v);
}

static void bitmap_set(unsigned c)
{
    clust(2)[(c - 2) / 8] |= (uint8_t)(1u << ((c - 2) % 8));
}

/* A file entry set at d: file, stream, names; returns the bytes used. */
static size_t fileset(uint8_t *d, int deleted, uint8_t attr, const char *name, uint32_t cl,
                      uint64_t size, int contiguous)
{
    size_t len = strlen(name), nnames = (len + 14) / 15;
    memset(d, 0, 32 * (2 + nnames));
    d[0] = deleted ? 0x05 : 0x85;
    d[1] = (uint8_t)(1 + nnames);
    d[4] = attr;
    uint16_t date = (40u << 9) | (1u << 5) | 4u, time = (13u << 11) | (30u << 5);
    put16(d + 8, time);
    put16(d + 10, date);
    put16(d + 12, time);
    put16(d + 14, date);
    put16(d + 16, time);
    put16(d + 18, date);
    uint8_t *s = d + 32;
    s[0] = deleted ? 0x40 : 0xc0;
    s[1] = contiguous ? 0x03 : 0x01;
    s[3] = (uint8_t)len;
    put64(s + 8, size);
    put32(s + 20, cl);
    put64(s + 24, size);
    for (size_t k = 0; k < nnames; k++) {
        uint8_t *n = d + 64 + 32 * k;
        n[0] = deleted ? 0x41 : 0xc1;
        for (size_t i = 0; i < 15 && k * 15 + i < len; i++)
            n[2 + 2 * i] = (uint8_t)name[k * 15 + i];
    }
    return 32 * (2 + nnames);
}

/* Label, bitmap (cluster 2), up-case table (3), root (4): FILE.TXT (5-6 by the FAT),
 * CONT.BIN (7-8, no FAT chain), SUB/ (9) with INNER.TXT (10), a deleted GONE.TXT (12, free). */
static void build(void)
{
    memset(img, 0, sizeof img);
    uint8_t *bs = img;
    memcpy(bs,
           "\xeb\x76\x90"
           "EXFAT   ",
           11);
    put64(bs + 72, NSECT);
    put32(bs + 80, FATOFF);
    put32(bs + 84, 8);
    put32(bs + 88, HEAP);
    put32(bs + 92, NCLUST);
    put32(bs + 96, 4);
    bs[108] = 9;
    bs[109] = 0;
    bs[110] = 1;
    bs[510] = 0x55;
    bs[511] = 0xaa;
    fat_set(0, 0xfffffff8);
    fat_set(1, 0xffffffff);
    unsigned used[] = {2, 3, 4, 5, 6, 7, 8, 9, 10};
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++)
        bitmap_set(used[i]);
    fat_set(2, 0xffffffff);
    fat_set(3, 0xffffffff);
    fat_set(4, 0xffffffff);
    fat_set(5, 6);
    fat_set(6, 0xffffffff);
    fat_set(9, 0xffffffff);
    fat_set(10, 0xffffffff);
    uint8_t *r = clust(4);
    r[0] = 0x83;
    r[1] = 6;
    for (int i = 0; i < 6; i++)
        r[2 + 2 * i] = (uint8_t) "KEITSU"[i];
    r += 32;
    r[0] = 0x81;
    put32(r + 20, 2);
    put64(r + 24, (NCLUST + 7) / 8);
    r += 32;
    r[0] = 0x82;
    put32(r + 20, 3);
    put64(r + 24, 128);
    r += 32;
    r += fileset(r, 0, 0x20, "FILE.TXT", 5, 1000, 0);
    r += fileset(r, 0, 0x20, "CONT.BIN", 7, 700, 1);
    r += fileset(r, 0, 0x10, "SUB", 9, 512, 1);
    fileset(r, 1, 0x20, "GONE.TXT", 12, 100, 0);
    fileset(clust(9), 0, 0x20, "INNER.TXT", 10, 10, 0);
    for (int i = 0; i < 1024; i++)
        clust(5)[i] = (uint8_t)(i * 13);
    for (int i = 0; i < 1024; i++)
        clust(7)[i] = (uint8_t)(i * 5 + 1);
    memcpy(clust(10), "inner data", 10);
    memset(clust(12), 'G', 100);
}

struct got {
    uint8_t *data;
    size_t n;
};

static int collect(void *ctx, uint64_t off, const void *data, size_t n)
{
    struct got *g = ctx;
    (void)off;
    uint8_t *p = realloc(g->data, g->n + n);
    if (!p) return KT_ENOMEM;
    memcpy(p + g->n, data, n);
    g->data = p;
    g->n += n;
    return 0;
}

static char *body_of(size_t *diags)
{
    struct kt_buf b;
    kt_buf_init(&b, 1 << 22);
    struct fat_exercise r = {.body = &b, .max_reads = 1000};
    fat_exercise(&forensics_exfat_ops, img, sizeof img, &r);
    CHECK(r.malformed == 0, "contract kept (%zu malformed answers)", r.malformed);
    if (diags) *diags = r.diags;
    char *s = kt_buf_take(&b, NULL);
    return s ? s : calloc(1, 1);
}

static struct got read_addr(const char *addr, size_t *diags)
{
    struct got g = {0};
    struct forensics_image *im;
    struct forensics_diag d;
    forensics_diag_init(&d, 16);
    void *fs = NULL;
    if (forensics_image_open_mem(img, sizeof img, &im) == 0) {
        if (forensics_exfat_ops.open(im, 0, &d, &fs) == 0) {
            forensics_exfat_ops.read(fs, addr, collect, &g);
            forensics_exfat_ops.close(fs);
        }
        forensics_image_close(im);
    }
    if (diags) *diags = d.n;
    forensics_diag_free(&d);
    return g;
}

static void test_normal(void)
{
    build();
    size_t diags;
    char *body = body_of(&diags);
    /* Root cluster 4 is heap sector 2: slots 35.. (label 35, bitmap 36, up-case 37, FILE.TXT
     * 38, CONT.BIN 41, SUB 44, GONE.TXT 47); SUB's cluster 9 starts at slot 115. Times:
     * 2020-01-04 13:30:00 UTC = 1578144600. */
    CHECK(strstr(body, "0|/KEITSU (Volume Label Entry)|35|r/r--x--x--x|0|0|0|0|0|0|0\n"),
          "label:\n%s", body);
    CHECK(strstr(body, "0|/$ALLOC_BITMAP|36|r/r--x--x--x|0|0|25|0|0|0|0\n"), "bitmap:\n%s", body);
    CHECK(strstr(body, "0|/$UPCASE_TABLE|37|r/r--x--x--x|0|0|128|0|0|0|0\n"), "upcase:\n%s", body);
    CHECK(strstr(body, "0|/FILE.TXT|38|r/rrwxrwxrwx|0|0|1000|1578144600|1578144600|0|1578144600"
                       "\n"),
          "file:\n%s", body);
    CHECK(strstr(body, "0|/CONT.BIN|41|r/rrwxrwxrwx|0|0|700|"), "contiguous:\n%s", body);
    CHECK(strstr(body, "0|/SUB|44|d/drwxrwxrwx|0|0|512|"), "dir:\n%s", body);
    CHECK(strstr(body, "0|/SUB/INNER.TXT|115|r/rrwxrwxrwx|0|0|10|"), "inner:\n%s", body);
    CHECK(strstr(body, "0|/GONE.TXT (deleted)|47|r/rrwxrwxrwx|0|0|100|"), "deleted:\n%s", body);
    CHECK(strstr(body, "0|/$MBR|") && strstr(body, "0|/$FAT1|") && !strstr(body, "$FAT2") &&
              strstr(body, "0|/$OrphanFiles|"),
          "virtual files:\n%s", body);
    CHECK(diags == 0, "no diagnostics on a sound volume (%zu)", diags);
    free(body);
    struct got g = read_addr("38", NULL);
    CHECK(g.n == 1000 && g.data && memcmp(g.data, clust(5), 1000) == 0, "FAT chain (%zu)", g.n);
    free(g.data);
    g = read_addr("41", NULL);
    CHECK(g.n == 700 && g.data && memcmp(g.data, clust(7), 700) == 0, "no FAT chain (%zu)", g.n);
    free(g.data);
    g = read_addr("47", NULL);
    CHECK(g.n == 100 && g.data && g.data[0] == 'G', "deleted file recovered (%zu)", g.n);
    free(g.data);
    g = read_addr("36", NULL);
    CHECK(g.n == 25 && g.data && g.data[0] == 0xff, "the bitmap reads (%zu)", g.n);
    free(g.data);
}

static void test_chain_loop(void)
{
    build();
    fat_set(6, 5);
    put64(clust(4) + 3 * 32 + 32 + 24, 3000); /* FILE.TXT's stream: 6 clusters */
    size_t diags;
    struct got g = read_addr("38", &diags);
    CHECK(g.n == 3000, "looping chain: size honoured, rest zeros (%zu)", g.n);
    CHECK(diags > 0, "the loop is reported");
    free(g.data);
}

static void test_run_leaves_volume(void)
{
    build();
    uint8_t *s = clust(4) + 6 * 32 + 32; /* CONT.BIN's stream */
    put32(s + 20, NCLUST);               /* the last cluster ... */
    put64(s + 24, 50 * SECT);            /* ... and 49 after it */
    size_t diags;
    struct got g = read_addr("41", &diags);
    CHECK(g.n == 50 * SECT, "run past the volume: zeros (%zu)", g.n);
    CHECK(diags > 0, "reported");
    free(g.data);
}

static void test_dir_loops(void)
{
    build();
    size_t used = fileset(clust(9) + 96, 0, 0x10, "SELF", 9, 512, 1);
    fileset(clust(9) + 96 + used, 0, 0x10, "UP", 4, 512, 0);
    size_t diags;
    char *body = body_of(&diags);
    size_t lines = 0;
    for (const char *p = body; *p; p++)
        lines += *p == '\n';
    CHECK(lines < 60, "directory loops end (%zu lines)", lines);
    CHECK(strstr(body, "0|/SUB/SELF|") != NULL, "self link listed:\n%s", body);
    CHECK(strstr(body, "0|/SUB/UP/FILE.TXT|") != NULL, "root link followed once:\n%s", body);
    CHECK(diags > 0, "loops are reported");
    free(body);
}

static void test_lying(void)
{
    build();
    put64(clust(4) + 3 * 32 + 32 + 24, 1ull << 40); /* FILE.TXT larger than the heap */
    uint8_t *s = clust(4) + 6 * 32 + 32;
    s[3] = 255;                /* CONT.BIN claims a 255-character name in one name entry */
    clust(4)[9 * 32 + 1] = 18; /* SUB claims 17 more entries than it has */
    char *body = body_of(NULL);
    CHECK(strstr(body, "FILE.TXT") == NULL, "impossible size: not a file");
    CHECK(strstr(body, "0|/CONT.BIN|41|") != NULL, "lying name length: what is there:\n%s", body);
    free(body);
}

static void test_truncated_and_scrambled(void)
{
    build();
    for (size_t cut = 0; cut <= sizeof img; cut += cut < 20000 ? 211 : 3001) {
        struct fat_exercise r = {.max_reads = 200};
        fat_exercise(&forensics_exfat_ops, img, cut, &r);
        CHECK(r.malformed == 0, "truncated at %zu: contract kept", cut);
        CHECK(r.entries < 1000, "truncated at %zu: bounded", cut);
    }
    uint32_t x = 777;
    int rounds = SANITIZED ? 150 : 1500;
    for (int i = 0; i < rounds; i++) {
        build();
        for (int k = 0; k < 1 + i % 40; k++) {
            x = x * 1103515245u + 12345u;
            size_t at = (x >> 8) % (44 * SECT);
            x = x * 1103515245u + 12345u;
            img[at] = (uint8_t)(x >> 16);
        }
        struct fat_exercise r = {.max_reads = 100};
        fat_exercise(&forensics_exfat_ops, img, sizeof img, &r);
        CHECK(r.malformed == 0, "scrambled %d: contract kept", i);
    }
}

static void test_unalloc(void)
{
    build();
    struct fat_exercise r = {.max_reads = 10};
    fat_exercise(&forensics_exfat_ops, img, sizeof img, &r);
    CHECK(!strcmp(r.type, "exfat"), "type %s", r.type);
    /* 200 clusters, 9 in use; the 24 sectors after the heap belong to no cluster. */
    CHECK(r.unalloc_bytes == (191u + 24u) * SECT, "unallocated (%llu)",
          (unsigned long long)r.unalloc_bytes);
    struct fat_exercise f = {0};
    CHECK(fat_exercise(&forensics_fat_ops, img, sizeof img, &f) == KT_ENOTFOUND,
          "the FAT parser declines exFAT");
}

int main(void)
{
    test_normal();
    test_chain_loop();
    test_run_leaves_volume();
    test_dir_loops();
    test_lying();
    test_truncated_and_scrambled();
    test_unalloc();
    return tap_done();
}
