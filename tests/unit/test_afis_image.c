/* Fingerprint image reading: PGM and PNG that must load (with their size, pixels and ppi) and
 * ones that must be refused with a clear message (truncated, wrong depth, colour, palette,
 * huge or zero header sizes). The PNGs are written here with libpng. */
#include "afis/afis.h"
#include "base/err.h"
#include "tap.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- PGM ---- */

static const struct {
    const char *what;
    const char *text; /* header; the raster follows */
    size_t raster;    /* bytes of raster appended (value 7) */
    int rc;           /* expected return code */
    int w, h;
} pgms[] = {
    {"plain", "P5\n4 3\n255\n", 12, 0, 4, 3},
    {"comments everywhere", "P5 # scanner\n4 # w\n3\n# maxval next\n255\n", 12, 0, 4, 3},
    {"trailing bytes ignored", "P5 4 3 255\n", 20, 0, 4, 3},
    {"maxval 15 rescaled", "P5 2 2 15\n", 4, 0, 2, 2},
    {"truncated raster", "P5\n4 3\n255\n", 11, KT_EINVAL, 0, 0},
    {"truncated header", "P5\n4 3\n", 0, KT_EINVAL, 0, 0},
    {"no byte after maxval", "P5\n4 3\n255", 0, KT_EINVAL, 0, 0},
    {"16-bit", "P5\n4 3\n65535\n", 24, KT_EVALID, 0, 0},
    {"maxval 0", "P5\n4 3\n0\n", 12, KT_EINVAL, 0, 0},
    {"zero width", "P5\n0 3\n255\n", 0, KT_EINVAL, 0, 0},
    {"zero height", "P5\n3 0\n255\n", 0, KT_EINVAL, 0, 0},
    {"huge width", "P5\n5000 3\n255\n", 15000, KT_EINVAL, 0, 0},
    {"huge number", "P5\n99999999999999999999 3\n255\n", 10, KT_EINVAL, 0, 0},
    {"negative", "P5\n-4 3\n255\n", 12, KT_EINVAL, 0, 0},
    {"ascii PGM", "P2\n2 2\n255\n1 2 3 4\n", 0, KT_EVALID, 0, 0},
    {"colour PPM", "P6\n1 1\n255\n", 3, KT_EVALID, 0, 0},
    {"not an image", "GIF89a", 0, KT_EMEDIA, 0, 0},
    {"one byte", "P", 0, KT_EINVAL, 0, 0},
};

static void test_pgm(void)
{
    for (size_t i = 0; i < LEN(pgms); i++) {
        size_t hl = strlen(pgms[i].text), len = hl + pgms[i].raster;
        uint8_t *buf = malloc(len + 1);
        memcpy(buf, pgms[i].text, hl);
        memset(buf + hl, 7, pgms[i].raster);
        struct afis_image img;
        kt_err_clear();
        int rc = afis_image_read(buf, len, &img);
        CHECK(rc == pgms[i].rc, "pgm %s: rc %d, want %d (%s)", pgms[i].what, rc, pgms[i].rc,
              kt_errmsg());
        if (rc == 0) {
            CHECK(img.width == pgms[i].w && img.height == pgms[i].h, "pgm %s: %dx%d", pgms[i].what,
                  img.width, img.height);
            CHECK(img.pixels[0] == (strstr(pgms[i].text, " 15") ? 119 : 7), "pgm %s: pixel %d",
                  pgms[i].what, img.pixels[0]);
        } else {
            CHECK(kt_errmsg()[0] && !img.pixels, "pgm %s: no message or pixels left", pgms[i].what);
        }
        afis_image_free(&img);
        free(buf);
    }
}

static void test_pgm_roundtrip(void)
{
    struct afis_image img = {.width = 37, .height = 21, .ppi = 500, .pixels = malloc(37 * 21)};
    for (int i = 0; i < 37 * 21; i++)
        img.pixels[i] = (uint8_t)(i * 31);
    char path[] = "/tmp/keitsu-afis-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    close(fd);
    CHECK(afis_image_save_pgm(path, &img) == 0, "save: %s", kt_errmsg());
    struct afis_image back;
    CHECK(afis_image_load(path, &back) == 0, "load: %s", kt_errmsg());
    CHECK(back.width == 37 && back.height == 21 && back.pixels &&
              memcmp(back.pixels, img.pixels, 37 * 21) == 0,
          "round trip differs");
    afis_image_free(&back);
    afis_image_free(&img);
    unlink(path);
    CHECK(afis_image_load("/nonexistent/print.pgm", &back) == KT_EIO, "missing file: KT_EIO");
}

/* ---- PNG, written with libpng ---- */

struct membuf {
    uint8_t *data;
    size_t len, cap;
};

static void mem_write(png_structp png, png_bytep p, size_t n)
{
    struct membuf *b = png_get_io_ptr(png);
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

/* Writes a w × h PNG of the given colour type and depth (pixels a gradient); ppi 0 = no pHYs. */
static struct membuf png_make(int w, int h, int colour, int depth, int interlace, int ppi)
{
    struct membuf b = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) abort();
    png_set_write_fn(png, &b, mem_write, mem_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, colour,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (colour == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[2] = {{0, 0, 0}, {255, 255, 255}};
        png_set_PLTE(png, info, pal, 2);
    }
    if (ppi) {
        png_uint_32 ppm = (png_uint_32)(ppi / 0.0254 + 0.5);
        png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    }
    png_write_info(png, info);
    int channels = colour == PNG_COLOR_TYPE_RGB ? 3 : colour == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    size_t rowbytes = ((size_t)w * (size_t)channels * (size_t)depth + 7) / 8;
    uint8_t *row = calloc(rowbytes, 1);
    int passes = interlace ? png_set_interlace_handling(png) : 1;
    for (int p = 0; p < passes; p++)
        for (int y = 0; y < h; y++) {
            for (size_t x = 0; x < rowbytes; x++)
                row[x] =
                    (uint8_t)(depth == 8 && colour != PNG_COLOR_TYPE_PALETTE ? x * 3 + (size_t)y
                                                                             : 0);
            png_write_row(png, row);
        }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return b;
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

/* Rewrites the IHDR's width and height (and its CRC, so only the size is wrong). */
static void png_patch_size(struct membuf *b, uint32_t w, uint32_t h)
{
    uint8_t *ihdr = b->data + 8; /* length(4) "IHDR" data(13) crc(4) */
    put32(ihdr + 8, w);
    put32(ihdr + 12, h);
    put32(ihdr + 8 + 13, crc32_of(ihdr + 4, 17));
}

static const struct {
    const char *what;
    int w, h, colour, depth, interlace, ppi;
    uint32_t patch_w, patch_h; /* 0: keep the real size */
    int rc, want_ppi;
} pngs[] = {
    {"gray 8-bit", 40, 30, PNG_COLOR_TYPE_GRAY, 8, 0, 0, 0, 0, 0, 0},
    {"gray 8-bit 500 ppi", 40, 30, PNG_COLOR_TYPE_GRAY, 8, 0, 500, 0, 0, 0, 500},
    {"gray 8-bit 1000 ppi", 40, 30, PNG_COLOR_TYPE_GRAY, 8, 0, 1000, 0, 0, 0, 1000},
    {"interlaced", 33, 17, PNG_COLOR_TYPE_GRAY, 8, 1, 0, 0, 0, 0, 0},
    {"gray 16-bit", 40, 30, PNG_COLOR_TYPE_GRAY, 16, 0, 0, 0, 0, KT_EVALID, 0},
    {"gray 1-bit", 40, 30, PNG_COLOR_TYPE_GRAY, 1, 0, 0, 0, 0, KT_EVALID, 0},
    {"RGB", 40, 30, PNG_COLOR_TYPE_RGB, 8, 0, 0, 0, 0, KT_EVALID, 0},
    {"gray+alpha", 40, 30, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0, 0, 0, KT_EVALID, 0},
    {"palette", 40, 30, PNG_COLOR_TYPE_PALETTE, 8, 0, 0, 0, 0, KT_EVALID, 0},
    {"width over the limit", 40, 30, PNG_COLOR_TYPE_GRAY, 8, 0, 0, 5000, 30, KT_EINVAL, 0},
    {"huge header size", 40, 30, PNG_COLOR_TYPE_GRAY, 8, 0, 0, 0x7fffffff, 0x7fffffff, KT_EINVAL,
     0},
    {"zero width", 40, 30, PNG_COLOR_TYPE_GRAY, 8, 0, 0, 0, 30, KT_EINVAL, 0},
    {"size larger than the data", 40, 30, PNG_COLOR_TYPE_GRAY, 8, 0, 0, 4000, 4000, KT_EINVAL, 0},
};

static void test_png(void)
{
    for (size_t i = 0; i < LEN(pngs); i++) {
        struct membuf b = png_make(pngs[i].w, pngs[i].h, pngs[i].colour, pngs[i].depth,
                                   pngs[i].interlace, pngs[i].ppi);
        if (pngs[i].patch_w || pngs[i].patch_h)
            png_patch_size(&b, pngs[i].patch_w, pngs[i].patch_h);
        struct afis_image img;
        kt_err_clear();
        int rc = afis_image_read(b.data, b.len, &img);
        CHECK(rc == pngs[i].rc, "png %s: rc %d, want %d (%s)", pngs[i].what, rc, pngs[i].rc,
              kt_errmsg());
        if (rc == 0) {
            CHECK(img.width == pngs[i].w && img.height == pngs[i].h && img.ppi == pngs[i].want_ppi,
                  "png %s: %dx%d %d ppi", pngs[i].what, img.width, img.height, img.ppi);
            int y = pngs[i].h - 1, x = pngs[i].w - 1;
            CHECK(img.pixels[y * img.width + x] == (uint8_t)(x * 3 + y), "png %s: last pixel %d",
                  pngs[i].what, img.pixels[y * img.width + x]);
        } else {
            CHECK(kt_errmsg()[0] && !img.pixels, "png %s: no message or pixels left", pngs[i].what);
        }
        afis_image_free(&img);
        free(b.data);
    }
}

/* Every prefix of a good PNG is refused cleanly (or read, for the full file). */
static void test_png_truncated(void)
{
    struct membuf b = png_make(64, 48, PNG_COLOR_TYPE_GRAY, 8, 0, 500);
    int refused = 0;
    for (size_t n = 0; n < b.len; n++) {
        struct afis_image img;
        kt_err_clear();
        int rc = afis_image_read(b.data, n, &img);
        if (rc != 0 && kt_errmsg()[0] && !img.pixels) refused++;
        afis_image_free(&img);
    }
    CHECK(refused == (int)b.len, "truncated PNG: %d of %zu prefixes refused", refused, b.len);
    free(b.data);
}

int main(void)
{
    test_pgm();
    test_pgm_roundtrip();
    test_png();
    test_png_truncated();
    return tap_done();
}
