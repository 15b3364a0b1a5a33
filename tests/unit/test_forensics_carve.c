/* The carver over memory images: Debian's sample files (forensics-samples-all's
 * original-files) and small hand-made files planted in noise at aligned and unaligned offsets
 * must come back byte-exact with their kind; truncated, corrupted and lying copies must not; and
 * thousands of random mutations must neither crash nor yield a file outside the image. */
#include "base/err.h"
#include "forensics/carve.h"
#include "forensics/image.h"
#include "tap.h"

#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define ORIG "/usr/share/forensics-samples/original-files/"

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}
static void noise(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)rnd();
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(l > 0 ? (size_t)l : 1);
    *n = b && l > 0 ? fread(b, 1, (size_t)l, f) : 0;
    fclose(f);
    return b;
}

struct found {
    struct forensics_carve_hit h[64];
    size_t n;
};

static int collect(void *ctx, const struct forensics_carve_hit *h)
{
    struct found *f = ctx;
    if (f->n < 64) f->h[f->n++] = *h;
    return 0;
}

/* Carves img[0, n) with the given alignment and kinds (0: all). */
static struct forensics_carve_stats carve(const uint8_t *img, size_t n, uint32_t align,
                                          uint64_t kinds, struct found *out)
{
    memset(out, 0, sizeof *out);
    struct forensics_image *im;
    struct forensics_carver *c;
    struct forensics_carve_stats st = {0};
    if (forensics_image_open_mem(img, n, &im) != 0) return st;
    struct forensics_carve_opts o = {kinds, align};
    if (forensics_carver_new(im, &o, collect, out, &c) == 0) {
        forensics_carver_range(c, 0, n);
        st = *forensics_carver_stats(c);
        forensics_carver_free(c);
    }
    forensics_image_close(im);
    return st;
}

/* Is there a hit at off of exactly len bytes and kind k? */
static int has(const struct found *f, uint64_t off, uint64_t len, enum forensics_carve_kind k)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->h[i].offset == off && f->h[i].length == len && f->h[i].kind == k) return 1;
    return 0;
}
static int any_at(const struct found *f, uint64_t off)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->h[i].offset == off) return 1;
    return 0;
}

/* ---- hand-made files ---- */

static const uint8_t gif1x1[] = {
    'G',  'I', 'F',  '8',  '9', 'a', 1,   0,   1,   0,
    0x80, 0,   0,    0,    0,   0,   255, 255, 255,    /* two-colour table */
    0x2C, 0,   0,    0,    0,   1,   0,   1,   0,   0, /* image descriptor */
    2,    2,   0x44, 0x01, 0,                          /* LZW size, one sub-block, end */
    0x3B};

static size_t make_bmp(uint8_t *b)
{
    memset(b, 0, 70);
    b[0] = 'B';
    b[1] = 'M';
    b[2] = 70;  /* file size */
    b[10] = 54; /* pixel data offset */
    b[14] = 40; /* BITMAPINFOHEADER */
    b[18] = 2;  /* width 2 */
    b[22] = 2;  /* height 2 */
    b[26] = 1;  /* planes */
    b[28] = 24; /* bits per pixel: rows of 6 bytes padded to 8 */
    return 70;
}

static size_t make_wav(uint8_t *b)
{
    static const uint8_t h[] = {'R',  'I',  'F', 'F', 40,   0,    0, 0, 'W', 'A', 'V', 'E',
                                'f',  'm',  't', ' ', 16,   0,    0, 0, 1,   0,   1,   0,
                                0x44, 0xAC, 0,   0,   0x88, 0x58, 1, 0, 2,   0,   16,  0,
                                'd',  'a',  't', 'a', 4,    0,    0, 0, 1,   2,   3,   4};
    memcpy(b, h, sizeof h);
    return sizeof h;
}

/* ---- cases ---- */

struct sample {
    const char *file;
    enum forensics_carve_kind kind;
};

static const struct sample samples[] = {
    {ORIG "pic1/debian_logo.jpg", CARVE_JPG},
    {ORIG "pic1/empty.jpg", CARVE_JPG},
    {ORIG "pic1/IMG-20191006-WA0002.jpg", CARVE_JPG}, /* progressive */
    {ORIG "pic1/debian_logo.png", CARVE_PNG},
    {ORIG "pic1/debian.png", CARVE_PNG},
    {ORIG "text1/a-text.pdf", CARVE_PDF},
    {ORIG "text1/a-text.docx", CARVE_DOCX},
    {ORIG "text1/a-text.odt", CARVE_ODT},
    {ORIG "audio1/debian.wav", CARVE_WAV},
    {ORIG "audio1/debian.ogg", CARVE_OGG},
    {ORIG "audio1/debian.mp3", CARVE_MP3},
    {ORIG "movie1/VID_20191220_170832.mp4", CARVE_MP4},
    {ORIG "movie2/movie-hello.avi", CARVE_AVI},
};

/* Plants each sample in noise unaligned and aligned; both must come back byte-exact. */
static void planted_samples(void)
{
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t n;
        uint8_t *f = slurp(samples[i].file, &n);
        if (!f || !n) {
            printf("# SKIP %s not installed (forensics-samples-all)\n", samples[i].file);
            free(f);
            continue;
        }
        size_t size = n + 8192;
        uint8_t *img = malloc(size);
        noise(img, size);
        memcpy(img + 777, f, n);
        struct found fd;
        carve(img, size, 1, 0, &fd);
        CHECK(has(&fd, 777, n, samples[i].kind), "%s at byte 777, any offset (%zu hits)",
              samples[i].file, fd.n);
        carve(img, size, 512, 0, &fd);
        CHECK(!any_at(&fd, 777), "%s at byte 777 is not carved sector-aligned", samples[i].file);
        noise(img, size);
        memcpy(img + 1024, f, n);
        carve(img, size, 512, 0, &fd);
        CHECK(has(&fd, 1024, n, samples[i].kind), "%s at sector 2, sector-aligned",
              samples[i].file);
        /* Truncated where the image ends: nothing at that offset. */
        memset(img, 0, size);
        memcpy(img + 1024, f, n * 2 / 3);
        carve(img, 1024 + n * 2 / 3, 512, 0, &fd);
        CHECK(!any_at(&fd, 1024), "%s truncated to 2/3 is rejected", samples[i].file);
        free(img);
        free(f);
    }
}

static void handmade(void)
{
    uint8_t img[16384], b[256];
    struct found fd;
    memset(img, 0, sizeof img);
    memcpy(img + 4096, gif1x1, sizeof gif1x1);
    size_t bl = make_bmp(b);
    memcpy(img + 8192, b, bl);
    size_t wl = make_wav(b);
    memcpy(img + 8192 + 513, b, wl);
    carve(img, sizeof img, 1, 0, &fd);
    CHECK(has(&fd, 4096, sizeof gif1x1, CARVE_GIF), "GIF 1x1");
    CHECK(has(&fd, 8192, bl, CARVE_BMP), "BMP 2x2");
    CHECK(has(&fd, 8192 + 513, wl, CARVE_WAV), "WAV");
    CHECK(fd.n == 3, "three files, no more (%zu)", fd.n);

    /* The type filter: only GIF. */
    carve(img, sizeof img, 1, UINT64_C(1) << CARVE_GIF, &fd);
    CHECK(fd.n == 1 && fd.h[0].kind == CARVE_GIF, "--types gif carves only the GIF");

    /* GIF without its trailer, BMP whose size lies past the image, RIFF chunk overrun. */
    img[4096 + sizeof gif1x1 - 1] = 0;
    img[8192 + 2] = 0xFF;
    img[8192 + 3] = 0xFF;
    img[8192 + 513 + 16] = 200;
    struct forensics_carve_stats st = carve(img, sizeof img, 1, 0, &fd);
    CHECK(fd.n == 0 && st.rejected >= 3, "corrupt GIF, BMP, WAV rejected (%zu hits, %llu rejected)",
          fd.n, (unsigned long long)st.rejected);
}

static void corrupt_png_and_zip(void)
{
    size_t n;
    uint8_t *f = slurp(ORIG "pic1/debian_logo.png", &n);
    if (f && n > 200) {
        uint8_t *img = calloc(1, n + 4096);
        memcpy(img + 512, f, n);
        img[512 + 100] ^= 1; /* inside a chunk: its CRC no longer holds */
        struct found fd;
        carve(img, n + 4096, 512, 0, &fd);
        CHECK(!any_at(&fd, 512), "PNG with a bad chunk CRC is rejected");
        free(img);
    }
    free(f);
    f = slurp(ORIG "text1/a-text.docx", &n);
    if (f && n > 22) {
        uint8_t *img = calloc(1, n + 4096);
        memcpy(img + 512, f, n);
        img[512 + n - 22 + 16] ^= 4; /* central directory offset in the end record */
        struct found fd;
        carve(img, n + 4096, 512, 0, &fd);
        CHECK(!any_at(&fd, 512), "ZIP whose end record misplaces its directory is rejected");
        free(img);
    }
    free(f);
}

/* A SQLite database made here: its header's page count gives its length. */
static void sqlite_db(void)
{
    char path[] = "/tmp/keitsu-carve-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return;
    close(fd);
    unlink(path);
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK &&
              sqlite3_exec(db,
                           "CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
                           "SELECT i+1 FROM c WHERE i<2000) INSERT INTO t SELECT hex(i) FROM c",
                           NULL, NULL, NULL) == SQLITE_OK,
          "made a database");
    sqlite3_close(db);
    size_t n;
    uint8_t *f = slurp(path, &n);
    unlink(path);
    if (!f) return;
    uint8_t *img = calloc(1, n + 8192);
    memcpy(img + 4096, f, n);
    struct found fd2;
    carve(img, n + 8192, 512, 0, &fd2);
    CHECK(has(&fd2, 4096, n, CARVE_SQLITE), "SQLite database of %zu bytes", n);
    carve(img, 4096 + n - 100, 512, 0, &fd2); /* the image ends inside it */
    CHECK(!any_at(&fd2, 4096), "SQLite database cut by the image end is rejected");
    free(img);
    free(f);
}

/* A file straddling the carver's 4 MiB read blocks, and one starting in the overlap. */
static void block_edges(void)
{
    size_t n;
    uint8_t *f = slurp(ORIG "pic1/debian_logo.jpg", &n);
    if (!f) return;
    size_t size = (9u << 20);
    uint8_t *img = calloc(1, size);
    size_t a = (4u << 20) - 3, b = (8u << 20) + 1;
    memcpy(img + a, f, n);
    memcpy(img + b, f, n);
    struct found fd;
    carve(img, size, 1, 0, &fd);
    CHECK(has(&fd, a, n, CARVE_JPG) && has(&fd, b, n, CARVE_JPG), "JPEGs across block edges");
    free(img);
    free(f);
}

/* Random damage to planted samples: any hit must lie inside the image. */
static void mutations(void)
{
    int rounds = SANITIZED ? 60 : 600;
    size_t bad = 0, total = 0;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t n;
        uint8_t *f = slurp(samples[i].file, &n);
        if (!f || n > (1u << 20)) {
            free(f);
            continue;
        }
        size_t size = n + 1024;
        uint8_t *img = malloc(size);
        for (int r = 0; r < rounds; r++) {
            noise(img, size);
            memcpy(img + 100, f, n);
            int flips = 1 + (int)(rnd() % 8);
            for (int k = 0; k < flips; k++)
                img[100 + rnd() % (n < 4096 ? n : 4096)] = (uint8_t)rnd();
            size_t cut = 100 + rnd() % (n + 1000);
            struct found fd;
            carve(img, cut < size ? cut : size, 1, 0, &fd);
            for (size_t h = 0; h < fd.n; h++, total++)
                if (fd.h[h].offset + fd.h[h].length > size || fd.h[h].length == 0) bad++;
        }
        free(img);
        free(f);
    }
    CHECK(bad == 0, "mutated samples: %zu of %zu hits outside the image", bad, total);
}

static void types(void)
{
    uint64_t m;
    CHECK(forensics_carve_parse_types("jpg,png", &m) == 0 &&
              m == ((UINT64_C(1) << CARVE_JPG) | (UINT64_C(1) << CARVE_PNG)),
          "jpg,png");
    CHECK(forensics_carve_parse_types("office", &m) == 0 && (m & (UINT64_C(1) << CARVE_DOCX)) &&
              !(m & (UINT64_C(1) << CARVE_ZIP)),
          "office: docx, xlsx, pptx");
    CHECK(forensics_carve_parse_types("zip", &m) == 0 && (m & (UINT64_C(1) << CARVE_ODT)),
          "zip: every ZIP-based kind");
    CHECK(forensics_carve_parse_types("all", &m) == 0 && m == FORENSICS_CARVE_ALL, "all");
    CHECK(forensics_carve_parse_types("jpg,exe", &m) == KT_EINVAL && strstr(kt_errmsg(), "exe"),
          "unknown type named: %s", kt_errmsg());
    CHECK(forensics_carve_parse_types(",,", &m) == KT_EINVAL, "empty list");
    CHECK(strcmp(forensics_carve_kind_name(CARVE_SQLITE), "sqlite") == 0, "kind names");
}

int main(void)
{
    types();
    handmade();
    planted_samples();
    corrupt_png_and_zip();
    sqlite_db();
    block_edges();
    mutations();
    return tap_done();
}
