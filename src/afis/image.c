/* Fingerprint images: binary PGM (P5) and 8-bit grayscale PNG in, PGM out. Header sizes are
 * never trusted: every size is checked against the limits and against the bytes present. */
#include "afis/afis.h"
#include "base/err.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file larger than this cannot be a sane image of at most AFIS_IMAGE_MAX² pixels. */
#define FILE_MAX ((size_t)64 << 20)

static int check_size(long w, long h)
{
    if (w <= 0 || h <= 0) return kt_fail(KT_EINVAL, "image: size %ld x %ld is empty", w, h);
    if (w > AFIS_IMAGE_MAX || h > AFIS_IMAGE_MAX)
        return kt_fail(KT_EINVAL, "image: size %ld x %ld is over %d x %d", w, h, AFIS_IMAGE_MAX,
                       AFIS_IMAGE_MAX);
    return 0;
}

/* ---- PGM ---- */

/* Skips whitespace and '#' comments (to the end of the line) from *pos. */
static void pgm_skip(const uint8_t *d, size_t len, size_t *pos)
{
    while (*pos < len) {
        if (d[*pos] == '#') {
            while (*pos < len && d[*pos] != '\n' && d[*pos] != '\r')
                (*pos)++;
        } else if (d[*pos] == ' ' || d[*pos] == '\t' || d[*pos] == '\n' || d[*pos] == '\r' ||
                   d[*pos] == '\v' || d[*pos] == '\f') {
            (*pos)++;
        } else {
            return;
        }
    }
}

/* Reads one decimal header field (at most 65535, which is all PGM allows for maxval and more
 * than any size we accept). */
static int pgm_number(const uint8_t *d, size_t len, size_t *pos, const char *what, long *out)
{
    pgm_skip(d, len, pos);
    if (*pos >= len) return kt_fail(KT_EINVAL, "PGM: truncated header before %s", what);
    if (d[*pos] < '0' || d[*pos] > '9') return kt_fail(KT_EINVAL, "PGM: %s is not a number", what);
    long v = 0;
    while (*pos < len && d[*pos] >= '0' && d[*pos] <= '9') {
        v = v * 10 + (d[*pos] - '0');
        if (v > 65535) return kt_fail(KT_EINVAL, "PGM: %s is too large", what);
        (*pos)++;
    }
    *out = v;
    return 0;
}

static int pgm_read(const uint8_t *d, size_t len, struct afis_image *img)
{
    size_t pos = 2;
    long w, h, maxval;
    int rc;
    if ((rc = pgm_number(d, len, &pos, "width", &w)) ||
        (rc = pgm_number(d, len, &pos, "height", &h)) ||
        (rc = pgm_number(d, len, &pos, "maxval", &maxval)))
        return rc;
    if ((rc = check_size(w, h))) return rc;
    if (maxval > 255)
        return kt_fail(KT_EVALID, "PGM: maxval %ld means 16-bit samples; only 8-bit gray is read",
                       maxval);
    if (maxval < 1) return kt_fail(KT_EINVAL, "PGM: maxval 0");
    /* Exactly one whitespace byte separates the header from the raster. */
    if (pos >= len) return kt_fail(KT_EINVAL, "PGM: truncated header after maxval");
    pos++;
    size_t n = (size_t)w * (size_t)h;
    if (len - pos < n)
        return kt_fail(KT_EINVAL, "PGM: truncated raster: %zu of %zu bytes", len - pos, n);
    uint8_t *px = malloc(n);
    if (!px) return kt_fail(KT_ENOMEM, "PGM: out of memory for %zu bytes", n);
    for (size_t i = 0; i < n; i++) {
        unsigned v = d[pos + i];
        /* A sample above maxval is malformed; clamp rather than refuse a whole print. */
        if (v > (unsigned)maxval) v = (unsigned)maxval;
        px[i] = maxval == 255 ? (uint8_t)v
                              : (uint8_t)((v * 255u + (unsigned)maxval / 2) / (unsigned)maxval);
    }
    img->width = (int)w;
    img->height = (int)h;
    img->ppi = 0;
    img->pixels = px;
    return 0;
}

/* ---- PNG ---- */

struct png_ctx {
    const uint8_t *data;
    size_t len, pos;
    char msg[160];
    uint8_t *pixels; /* freed on a longjmp */
    png_bytep *rows;
};

static void png_error_fn(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_read_fn(png_structp png, png_bytep out, size_t n)
{
    struct png_ctx *c = png_get_io_ptr(png);
    if (c->len - c->pos < n) png_error(png, "truncated file");
    memcpy(out, c->data + c->pos, n);
    c->pos += n;
}

/* Checks the header once libpng has read it; 0 or a KT_E* code with the message set. */
static int png_check_header(png_structp png, png_infop info, struct afis_image *img)
{
    png_uint_32 w, h;
    int depth, colour, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &colour, &interlace, NULL, NULL);
    int rc = check_size((long)w, (long)h);
    if (rc) return rc;
    if (colour != PNG_COLOR_TYPE_GRAY) {
        const char *what = colour == PNG_COLOR_TYPE_PALETTE      ? "palette"
                           : colour == PNG_COLOR_TYPE_GRAY_ALPHA ? "gray with alpha"
                                                                 : "colour";
        return kt_fail(KT_EVALID, "PNG: %s image; only 8-bit grayscale is read", what);
    }
    if (depth != 8)
        return kt_fail(KT_EVALID, "PNG: %d-bit gray; only 8-bit grayscale is read", depth);
    img->width = (int)w;
    img->height = (int)h;
    img->ppi = 0;
    png_uint_32 rx, ry;
    int unit;
    if (png_get_pHYs(png, info, &rx, &ry, &unit) && unit == PNG_RESOLUTION_METER && rx == ry &&
        rx > 0 && rx < 1000000)
        img->ppi = (int)((rx * 254u + 5000u) / 10000u);
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    return 0;
}

/* Everything after setjmp, in its own frame so no local of png_read changes before a longjmp. */
static int png_read_body(png_structp png, png_infop info, struct png_ctx *c, struct afis_image *img)
{
    /* libpng refuses larger headers itself and caps what ancillary chunks may allocate. */
    png_set_user_limits(png, AFIS_IMAGE_MAX, AFIS_IMAGE_MAX);
    png_set_chunk_malloc_max(png, (png_alloc_size_t)8 << 20);
    png_set_chunk_cache_max(png, 128);
    png_set_read_fn(png, c, png_read_fn);
    png_read_info(png, info);
    int rc = png_check_header(png, info, img);
    if (rc) return rc;
    png_read_update_info(png, info);
    size_t w = (size_t)img->width, h = (size_t)img->height;
    if (png_get_rowbytes(png, info) != w) png_error(png, "unexpected row size");
    c->pixels = malloc(w * h);
    c->rows = malloc(h * sizeof *c->rows);
    if (!c->pixels || !c->rows) png_error(png, "out of memory");
    for (size_t y = 0; y < h; y++)
        c->rows[y] = c->pixels + y * w;
    png_read_image(png, c->rows);
    png_read_end(png, NULL);
    img->pixels = c->pixels;
    c->pixels = NULL;
    return 0;
}

static int png_read(const uint8_t *d, size_t len, struct afis_image *img)
{
    struct png_ctx c = {.data = d, .len = len, .pos = 0, .msg = "", .pixels = NULL, .rows = NULL};
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, png_error_fn, png_warning_fn);
    if (!png) return kt_fail(KT_ENOMEM, "PNG: out of memory");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return kt_fail(KT_ENOMEM, "PNG: out of memory");
    }
    int rc = KT_EINVAL;
    if (setjmp(png_jmpbuf(png)))
        rc = kt_fail(KT_EINVAL, "PNG: %s", c.msg[0] ? c.msg : "malformed");
    else
        rc = png_read_body(png, info, &c, img);
    png_destroy_read_struct(&png, &info, NULL);
    free(c.rows);
    free(c.pixels);
    if (rc) memset(img, 0, sizeof *img);
    return rc;
}

/* ---- public ---- */

int afis_image_read(const uint8_t *data, size_t len, struct afis_image *img)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memset(img, 0, sizeof *img);
    if (!data || len < 2) return kt_fail(KT_EINVAL, "image: empty or too short");
    if (data[0] == 'P' && data[1] == '5') return pgm_read(data, len, img);
    if (len >= 8 && memcmp(data, png_sig, 8) == 0) return png_read(data, len, img);
    if (data[0] == 'P' && data[1] >= '1' && data[1] <= '7')
        return kt_fail(KT_EVALID, "image: netpbm P%c; only binary gray PGM (P5) is read", data[1]);
    return kt_fail(KT_EMEDIA, "image: neither PGM (P5) nor PNG");
}

int afis_image_load(const char *path, struct afis_image *img)
{
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f) return kt_fail(KT_EIO, "image: cannot open %s", path);
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        if (len == cap) {
            if (cap >= FILE_MAX) {
                rc = kt_fail(KT_ETOOBIG, "image: %s is over %zu bytes", path, FILE_MAX);
                break;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (!rc && !buf) rc = kt_fail(KT_ENOMEM, "image: out of memory reading %s", path);
    if (!rc && ferror(f)) rc = kt_fail(KT_EIO, "image: error reading %s", path);
    fclose(f);
    if (!rc) rc = afis_image_read(buf, len, img);
    free(buf);
    return rc;
}

int afis_image_save_pgm(const char *path, const struct afis_image *img)
{
    if (!img->pixels || check_size(img->width, img->height))
        return kt_fail(KT_EINVAL, "image: nothing to save");
    FILE *f = fopen(path, "wb");
    if (!f) return kt_fail(KT_EIO, "image: cannot create %s", path);
    size_t n = (size_t)img->width * (size_t)img->height;
    int ok = fprintf(f, "P5\n# %d ppi\n%d %d\n255\n", img->ppi ? img->ppi : 500, img->width,
                     img->height) > 0 &&
             fwrite(img->pixels, 1, n, f) == n;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : kt_fail(KT_EIO, "image: error writing %s", path);
}

void afis_image_free(struct afis_image *img)
{
    if (!img) return;
    free(img->pixels);
    img->pixels = NULL;
    img->width = img->height = 0;
}
