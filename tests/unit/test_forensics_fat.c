/* FAT parser on small FAT12 volumes built here byte by byte: the normal case pins TSK's slot
 * addresses, deleted names and content; the hostile cases (cluster-chain loops, chains and
 * clusters leaving the volume, directories that contain themselves or an ancestor, sizes that
 * lie, truncated and scrambled images) must end, stay bounded and say what was wrong. */
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
#define NSECT 200
#define ROOT 3 /* root directory sector; clusters start at sector 4 */

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

static uint8_t *clust(unsigned c)
{
    return img + (size_t)(4 + c - 2) * SECT;
}

static void fat_set(unsigned c, unsigned v)
{
    for (int f = 0; f < 2; f++) {
        uint8_t *fat = img + (size_t)(1 + f) * SECT;
        unsigned off = c + c / 2;
        unsigned cur = fat[off] | fat[off + 1] << 8;
        cur = (c & 1) ? (cur & 0x000f) | (v << 4) : (cur & 0xf000) | (v & 0xfff);
        put16(fat + off, cur);
    }
}

static void dent(uint8_t *d, const char *name11, uint8_t attr, unsigned cl, uint32_t size)
{
    memcpy(d, name11, 11);
    d[11] = attr;
    put16(d + 14, 12u << 11);                   /* 12:00:00 */
    put16(d + 16, (40u << 9) | (1u << 5) | 2u); /* created 2020-01-02 */
    put16(d + 18, (40u << 9) | (1u << 5) | 3u); /* accessed 2020-01-03 */
    put16(d + 22, (13u << 11) | (30u << 5));    /* 13:30:00 */
    put16(d + 24, (40u << 9) | (1u << 5) | 4u); /* written 2020-01-04 */
    put16(d + 26, cl);
    put32(d + 28, size);
}

/* The normal volume: label, FILE.TXT (clusters 2-3), SUB/ (5) with INNER.TXT (6), a deleted
 * ONE.TXT (10, free). */
static void build(void)
{
    memset(img, 0, sizeof img);
    uint8_t *bs = img;
    memcpy(bs, "\xeb\x3c\x90mkfs.fat", 11);
    put16(bs + 11, SECT);
    bs[13] = 1;
    put16(bs + 14, 1);
    bs[16] = 2;
    put16(bs + 17, 16);
    put16(bs + 19, NSECT);
    bs[21] = 0xf8;
    put16(bs + 22, 1);
    bs[510] = 0x55;
    bs[511] = 0xaa;
    fat_set(0, 0xff8);
    fat_set(1, 0xfff);
    uint8_t *root = img + ROOT * SECT;
    dent(root, "KEITSU     ", 0x08, 0, 0);
    dent(root + 32, "FILE    TXT", 0x20, 2, 600);
    fat_set(2, 3);
    fat_set(3, 0xfff);
    for (int i = 0; i < 600; i++)
        clust(2)[i] = (uint8_t)(i * 7);
    dent(root + 64, "SUB        ", 0x10, 5, 0);
    fat_set(5, 0xfff);
    dent(clust(5), ".          ", 0x10, 5, 0);
    dent(clust(5) + 32, "..         ", 0x10, 0, 0);
    dent(clust(5) + 64, "INNER   TXT", 0x20, 6, 10);
    fat_set(6, 0xfff);
    memcpy(clust(6), "inner data", 10);
    dent(root + 96, "\xe5ONE    TXT", 0x20, 10, 100);
    memset(clust(10), 'D', 100);
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

/* Body lines of the volume (caller frees) and the number of diagnostics. */
static char *body_of(size_t n, size_t *diags)
{
    struct kt_buf b;
    kt_buf_init(&b, 1 << 22);
    struct fat_exercise r = {.body = &b, .max_reads = 1000};
    fat_exercise(&forensics_fat_ops, img, n, &r);
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
        if (forensics_fat_ops.open(im, 0, &d, &fs) == 0) {
            forensics_fat_ops.read(fs, addr, collect, &g);
            forensics_fat_ops.close(fs);
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
    char *body = body_of(sizeof img, &diags);
    /* 2020-01-04 13:30:00 UTC = 1578144600; accessed 2020-01-03 = 1578009600; created
     * 2020-01-02 12:00:00 = 1577966400. */
    CHECK(strstr(body, "0|/KEITSU      (Volume Label Entry)|3|r/rrwxrwxrwx|0|0|0|") != NULL,
          "label line:\n%s", body);
    CHECK(strstr(body, "0|/FILE.TXT|4|r/rrwxrwxrwx|0|0|600|1578009600|1578144600|0|1577966400\n"),
          "file line:\n%s", body);
    CHECK(strstr(body, "0|/SUB|5|d/drwxrwxrwx|0|0|512|") != NULL, "dir line:\n%s", body);
    /* SUB's cluster 5 is sector 7: slots (7-3)*16+3 = 67.., INNER.TXT is the third. */
    CHECK(strstr(body, "0|/SUB/INNER.TXT|69|r/rrwxrwxrwx|0|0|10|") != NULL, "inner:\n%s", body);
    CHECK(strstr(body, "0|/_ONE.TXT (deleted)|6|r/rrwxrwxrwx|0|0|100|") != NULL, "deleted:\n%s",
          body);
    CHECK(strstr(body, "0|/$MBR|") && strstr(body, "0|/$FAT1|") && strstr(body, "0|/$FAT2|") &&
              strstr(body, "0|/$OrphanFiles|"),
          "virtual files:\n%s", body);
    CHECK(diags == 0, "no diagnostics on a sound volume (%zu)", diags);
    free(body);

    struct got g = read_addr("4", NULL);
    CHECK(g.n == 600 && g.data && memcmp(g.data, clust(2), 600) == 0, "FILE.TXT content (%zu)",
          g.n);
    free(g.data);
    g = read_addr("6", NULL);
    CHECK(g.n == 100 && g.data && g.data[0] == 'D' && g.data[99] == 'D',
          "deleted file recovered from its first cluster (%zu)", g.n);
    free(g.data);
}

/* An entry in a free cluster that no directory reaches: an orphan, named by its 8.3 name. */
static void test_orphan(void)
{
    build();
    dent(clust(20), "\xe5RPHAN  TXT", 0x20, 21, 700);
    /* Cluster 20 is sector 22: slot (22-3)*16+3 = 307. */
    char *body = body_of(sizeof img, NULL);
    CHECK(strstr(body, "0|/$OrphanFiles/_RPHAN.TXT (deleted)|307|-/rrwxrwxrwx|0|0|700|") != NULL,
          "orphan:\n%s", body);
    free(body);
}

static void test_chain_loop(void)
{
    build();
    put32(img + ROOT * SECT + 32 + 28, 5000); /* FILE.TXT claims 10 clusters */
    fat_set(3, 2);                            /* 2 -> 3 -> 2 -> ... */
    size_t diags;
    struct got g = read_addr("4", &diags);
    CHECK(g.n == 5000, "a looping chain reads as its size, the rest zeros (%zu)", g.n);
    CHECK(g.data && memcmp(g.data, clust(2), 1024) == 0, "the two real clusters come first");
    CHECK(diags > 0, "the loop is reported");
    free(g.data);
    free(body_of(sizeof img, NULL));
}

static void test_chain_leaves_volume(void)
{
    build();
    fat_set(3, 0xff0); /* past the last cluster: TSK reads it as free, the chain ends */
    struct got g = read_addr("4", NULL);
    CHECK(g.n == 600, "chain cut short: size still honoured (%zu)", g.n);
    free(g.data);
    /* A first cluster past the volume: not a directory entry at all. */
    put16(img + ROOT * SECT + 32 + 26, 0xff0);
    char *body = body_of(sizeof img, NULL);
    CHECK(strstr(body, "FILE.TXT") == NULL, "entry with an impossible cluster is dropped");
    free(body);
}

static void test_dir_loops(void)
{
    build();
    /* SUB contains itself ... */
    dent(clust(5) + 96, "SELF       ", 0x10, 5, 0);
    /* ... and DEEP (cluster 8), which contains UP pointing back at SUB. */
    dent(clust(5) + 128, "DEEP       ", 0x10, 8, 0);
    fat_set(8, 0xfff);
    dent(clust(8), ".          ", 0x10, 8, 0);
    dent(clust(8) + 32, "..         ", 0x10, 5, 0);
    dent(clust(8) + 64, "UP         ", 0x10, 5, 0);
    size_t diags;
    char *body = body_of(sizeof img, &diags);
    size_t lines = 0;
    for (const char *p = body; *p; p++)
        lines += *p == '\n';
    CHECK(lines < 40, "directory loops end (%zu lines)", lines);
    CHECK(strstr(body, "0|/SUB/SELF|") != NULL, "the looping entry is listed once:\n%s", body);
    CHECK(strstr(body, "0|/SUB/DEEP/UP|") != NULL, "the ancestor link is listed:\n%s", body);
    CHECK(diags > 0, "loops are reported");
    free(body);
    /* A cluster chain of a directory that loops on itself. */
    build();
    fat_set(5, 5);
    body = body_of(sizeof img, &diags);
    CHECK(strstr(body, "0|/SUB|5|d/drwxrwxrwx|0|0|512|") != NULL,
          "looping dir chain sized "
          "once:\n%s",
          body);
    free(body);
}

static void test_lying_sizes(void)
{
    build();
    put32(img + ROOT * SECT + 32 + 28, 0x7fffffff); /* larger than the data area */
    char *body = body_of(sizeof img, NULL);
    CHECK(strstr(body, "FILE.TXT") == NULL, "impossible size: not an entry");
    free(body);
    build();
    put32(img + ROOT * SECT + 32 + 28, 90000); /* within the volume, beyond the chain */
    size_t diags;
    struct got g = read_addr("4", &diags);
    CHECK(g.n == 90000, "size beyond the chain: zeros after the clusters (%zu)", g.n);
    CHECK(diags > 0, "the short chain is reported");
    free(g.data);
}

static void test_truncated(void)
{
    build();
    for (size_t cut = 0; cut <= sizeof img; cut += cut < 4096 ? 97 : 1531) {
        struct fat_exercise r = {.max_reads = 200};
        fat_exercise(&forensics_fat_ops, img, cut, &r);
        CHECK(r.malformed == 0, "truncated at %zu: contract kept", cut);
        CHECK(r.entries < 1000, "truncated at %zu: bounded (%zu)", cut, r.entries);
        if (cut >= 4 * SECT && cut < sizeof img)
            CHECK(r.opened && r.diags > 0, "truncated at %zu: opened and reported", cut);
    }
}

static void test_scrambled(void)
{
    uint32_t x = 12345;
    int rounds = SANITIZED ? 150 : 1500;
    for (int i = 0; i < rounds; i++) {
        build();
        int flips = 1 + i % 40;
        for (int k = 0; k < flips; k++) {
            x = x * 1103515245u + 12345u;
            size_t at = (x >> 8) % (12 * SECT); /* boot, FATs, root and the first clusters */
            x = x * 1103515245u + 12345u;
            img[at] = (uint8_t)(x >> 16);
        }
        struct fat_exercise r = {.max_reads = 100};
        fat_exercise(&forensics_fat_ops, img, sizeof img, &r);
        CHECK(r.malformed == 0, "scrambled %d: contract kept", i);
        CHECK(r.entries < 100000, "scrambled %d: bounded", i);
    }
}

static void test_unalloc_and_fat32_root(void)
{
    build();
    struct fat_exercise r = {.max_reads = 10};
    fat_exercise(&forensics_fat_ops, img, sizeof img, &r);
    /* 196 clusters, 4 in use (2, 3, 5, 6): 192 free sectors. */
    CHECK(r.unalloc_bytes == 192u * SECT, "unallocated clusters (%llu bytes)",
          (unsigned long long)r.unalloc_bytes);
    CHECK(!strcmp(r.type, "fat12"), "type %s", r.type);
    /* Not FAT: exFAT, NTFS and zeros are declined without a word. */
    memset(img, 0, sizeof img);
    struct fat_exercise z = {0};
    CHECK(fat_exercise(&forensics_fat_ops, img, sizeof img, &z) == KT_ENOTFOUND && z.diags == 0,
          "zeros are not FAT");
}

int main(void)
{
    test_normal();
    test_orphan();
    test_chain_loop();
    test_chain_leaves_volume();
    test_dir_loops();
    test_lying_sizes();
    test_truncated();
    test_scrambled();
    test_unalloc_and_fat32_root();
    return tap_done();
}
