/* The carver's scan: large reads, one table lookup per position for every wanted signature at
 * once, a validator per candidate, and the scan resuming after each carved file. */
#include "forensics/carve.h"

#include "base/err.h"
#include "forensics/carve_fmt.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK ((size_t)4 << 20)
#define OVERLAP 64 /* bytes read past a block so that signatures straddling its end are seen */
#define MiB ((uint64_t)1 << 20)

static const char *const kind_names[CARVE_NKINDS] = {
    [CARVE_JPG] = "jpg",       [CARVE_PNG] = "png",   [CARVE_GIF] = "gif",   [CARVE_PDF] = "pdf",
    [CARVE_ZIP] = "zip",       [CARVE_DOCX] = "docx", [CARVE_XLSX] = "xlsx", [CARVE_PPTX] = "pptx",
    [CARVE_ODT] = "odt",       [CARVE_ODS] = "ods",   [CARVE_ODP] = "odp",   [CARVE_JAR] = "jar",
    [CARVE_SQLITE] = "sqlite", [CARVE_MP4] = "mp4",   [CARVE_MOV] = "mov",   [CARVE_3GP] = "3gp",
    [CARVE_BMP] = "bmp",       [CARVE_WAV] = "wav",   [CARVE_AVI] = "avi",   [CARVE_WEBP] = "webp",
    [CARVE_OGG] = "ogg",       [CARVE_MP3] = "mp3",
};

#define K(k) (UINT64_C(1) << (k))
#define ZIP_KINDS                                                                                  \
    (K(CARVE_ZIP) | K(CARVE_DOCX) | K(CARVE_XLSX) | K(CARVE_PPTX) | K(CARVE_ODT) | K(CARVE_ODS) |  \
     K(CARVE_ODP) | K(CARVE_JAR))

/* One signature family: its magic at byte anchor of the file, the kinds it yields, its cap.
 * ends: the format marks its own end (EOI, IEND, trailer, %%EOF, end record), so a file that
 * validates is whole and the scan resumes after it; a length taken from a header (MP4 boxes,
 * SQLite's page count, RIFF, BMP) also holds for a file cut short and followed by other data,
 * so the scan goes on inside it and finds the files it may hide. */
struct family {
    const char *name;
    const char *magic;
    size_t mlen, anchor;
    uint64_t kinds, cap;
    carve_check_fn check;
    int ends;
};

static const struct family families[] = {
    {"jpg", "\xFF\xD8\xFF", 3, 0, K(CARVE_JPG), 64 * MiB, carve_check_jpg, 1},
    {"png", "\x89PNG\r\n\x1A\n", 8, 0, K(CARVE_PNG), 64 * MiB, carve_check_png, 1},
    {"gif", "GIF8", 4, 0, K(CARVE_GIF), 32 * MiB, carve_check_gif, 1},
    {"pdf", "%PDF-", 5, 0, K(CARVE_PDF), 128 * MiB, carve_check_pdf, 1},
    {"zip", "PK\3\4", 4, 0, ZIP_KINDS, 256 * MiB, carve_check_zip, 1},
    {"sqlite", "SQLite format 3", 16, 0, K(CARVE_SQLITE), 1024 * MiB, carve_check_sqlite, 0},
    {"mp4", "ftyp", 4, 4, K(CARVE_MP4) | K(CARVE_MOV) | K(CARVE_3GP), 4096 * MiB, carve_check_mp4,
     0},
    {"bmp", "BM", 2, 0, K(CARVE_BMP), 64 * MiB, carve_check_bmp, 0},
    {"riff", "RIFF", 4, 0, K(CARVE_WAV) | K(CARVE_AVI) | K(CARVE_WEBP), 2048 * MiB,
     carve_check_riff, 0},
    {"ogg", "OggS", 4, 0, K(CARVE_OGG), 256 * MiB, carve_check_ogg, 0},
    {"mp3", "ID3", 3, 0, K(CARVE_MP3), 64 * MiB, carve_check_mp3, 0},
};
#define NFAM (sizeof families / sizeof families[0])

const char *forensics_carve_kind_name(enum forensics_carve_kind k)
{
    return (unsigned)k < CARVE_NKINDS ? kind_names[k] : "unknown";
}

static int parse_word(const char *w, size_t n, uint64_t *mask)
{
    static const struct {
        const char *name;
        uint64_t kinds;
    } aliases[] = {
        {"all", FORENSICS_CARVE_ALL},
        {"jpeg", K(CARVE_JPG)},
        {"office", K(CARVE_DOCX) | K(CARVE_XLSX) | K(CARVE_PPTX)},
        {"odf", K(CARVE_ODT) | K(CARVE_ODS) | K(CARVE_ODP)},
        {"db", K(CARVE_SQLITE)},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strlen(aliases[i].name) == n && memcmp(aliases[i].name, w, n) == 0) {
            *mask |= aliases[i].kinds;
            return 0;
        }
    for (size_t i = 0; i < NFAM; i++)
        if (strlen(families[i].name) == n && memcmp(families[i].name, w, n) == 0) {
            *mask |= families[i].kinds;
            return 0;
        }
    for (int k = 0; k < CARVE_NKINDS; k++)
        if (strlen(kind_names[k]) == n && memcmp(kind_names[k], w, n) == 0) {
            *mask |= K(k);
            return 0;
        }
    return kt_fail(KT_EINVAL, "--types: '%.*s' is not a carvable type", (int)n, w);
}

int forensics_carve_parse_types(const char *list, uint64_t *mask)
{
    *mask = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ", ");
        if (n && parse_word(p, n, mask) != 0) return KT_EINVAL;
        p += n;
        if (*p) p++;
    }
    return *mask ? 0 : kt_fail(KT_EINVAL, "--types names no type");
}

/* ---- the windowed reader ---- */

const uint8_t *carve_rd_at(struct carve_rd *r, uint64_t off, size_t n)
{
    if (n > CARVE_WIN || off > r->size || n > r->size - off) return NULL;
    if (off >= r->win_off && off - r->win_off <= r->win_len && n <= r->win_len - (off - r->win_off))
        return r->win + (off - r->win_off);
    if (r->eio) return NULL;
    /* Most candidates fail in their first bytes: read a little first, the whole window once a
     * walk asks for more or moves on. */
    size_t want = n > 65536 ? CARVE_WIN : off - r->win_off == r->win_len ? CARVE_WIN : 65536;
    size_t got = 0;
    if (forensics_image_read(r->img, off, r->win, want, &got) != 0) r->eio = 1;
    r->win_off = off;
    r->win_len = got;
    return n <= got ? r->win : NULL;
}

uint64_t carve_rd_find(struct carve_rd *r, uint64_t from, uint64_t to, const void *needle,
                       size_t nlen)
{
    if (to > r->size) to = r->size;
    while (from < to && to - from >= nlen) {
        size_t n = to - from < CARVE_WIN ? (size_t)(to - from) : CARVE_WIN;
        const uint8_t *b;
        /* Search what the window already holds when that is a fair stretch: walks call this
         * many times a window (JPEG scan data has a stuffed 0xFF every few hundred bytes). */
        if (from >= r->win_off && from - r->win_off < r->win_len &&
            r->win_len - (from - r->win_off) >= (n < 4096 ? n : 4096) &&
            r->win_len - (from - r->win_off) >= nlen) {
            size_t have = r->win_len - (size_t)(from - r->win_off);
            if (have < n) n = have;
            b = r->win + (from - r->win_off);
        } else if (!(b = carve_rd_at(r, from, n))) {
            return UINT64_MAX;
        }
        const uint8_t *m =
            nlen == 1 ? memchr(b, *(const uint8_t *)needle, n) : memmem(b, n, needle, nlen);
        if (m) return from + (uint64_t)(m - b);
        if (from + n >= to) break;
        from += n - (nlen - 1);
    }
    return UINT64_MAX;
}

/* ---- the scan ---- */

struct forensics_carver {
    struct carve_rd rd;
    struct forensics_carve_opts opts;
    forensics_carve_fn fn;
    void *ctx;
    uint8_t *buf;       /* block + OVERLAP */
    size_t block;       /* bytes scanned per read: BLOCK, less for a small image */
    uint16_t t0[65536]; /* families (bits) whose magic starts with these two bytes at anchor 0 */
    uint16_t t4[65536]; /* the same at anchor 4 */
    uint64_t next;      /* the end of the last carved file: no new file starts before it */
    struct forensics_carve_stats st;
};

int forensics_carver_new(struct forensics_image *img, const struct forensics_carve_opts *opts,
                         forensics_carve_fn fn, void *ctx, struct forensics_carver **out)
{
    struct forensics_carver *c = calloc(1, sizeof *c);
    if (!c) return KT_ENOMEM;
    c->rd.img = img;
    c->rd.size = forensics_image_size(img);
    c->rd.win = malloc(CARVE_WIN);
    c->block = c->rd.size < BLOCK ? (size_t)c->rd.size : BLOCK;
    c->buf = malloc(c->block + OVERLAP);
    if (!c->rd.win || !c->buf) {
        forensics_carver_free(c);
        return KT_ENOMEM;
    }
    c->opts = *opts;
    if (!c->opts.kinds) c->opts.kinds = FORENSICS_CARVE_ALL;
    if (!c->opts.alignment) c->opts.alignment = 1;
    c->fn = fn;
    c->ctx = ctx;
    for (size_t f = 0; f < NFAM; f++) {
        if (!(families[f].kinds & c->opts.kinds)) continue;
        uint16_t *t = families[f].anchor ? c->t4 : c->t0;
        const uint8_t *m = (const uint8_t *)families[f].magic;
        t[m[0] | m[1] << 8] |= (uint16_t)(1u << f);
    }
    *out = c;
    return 0;
}

void forensics_carver_free(struct forensics_carver *c)
{
    if (!c) return;
    free(c->rd.win);
    free(c->buf);
    free(c);
}

const struct forensics_carve_stats *forensics_carver_stats(const struct forensics_carver *c)
{
    return &c->st;
}

/* Validates the candidates for families fams at image offset start (b: its bytes in the block,
 * at least OVERLAP of them). 0 and *carved (0 if none held), or the callback's value. */
static int try_at(struct forensics_carver *c, unsigned fams, uint64_t start, const uint8_t *b,
                  uint64_t *carved)
{
    *carved = 0;
    for (size_t f = 0; f < NFAM; f++) {
        if (!(fams & (1u << f))) continue;
        const struct family *fam = &families[f];
        if (memcmp(b + fam->anchor, fam->magic, fam->mlen) != 0) continue;
        c->st.candidates++;
        uint64_t max = c->rd.size - start < fam->cap ? c->rd.size - start : fam->cap;
        uint64_t len = 0;
        enum forensics_carve_kind kind = CARVE_NKINDS;
        if (!fam->check(&c->rd, start, max, &len, &kind) || len == 0 || len > max ||
            !(c->opts.kinds & K(kind))) {
            c->st.rejected++;
            continue;
        }
        c->st.carved++;
        c->st.by_kind[kind]++;
        struct forensics_carve_hit h = {start, len, kind};
        int rc = c->fn ? c->fn(c->ctx, &h) : 0;
        *carved = fam->ends ? len : 0;
        return rc;
    }
    return 0;
}

int forensics_carver_range(struct forensics_carver *c, uint64_t off, uint64_t len)
{
    uint64_t size = c->rd.size, step = c->opts.alignment;
    uint64_t end = off > size || len > size - off ? size : off + len;
    uint64_t p = off > c->next ? off : c->next;
    if (p % step) p += step - p % step;
    while (p < end) {
        size_t chunk = end - p < c->block ? (size_t)(end - p) : c->block, got = 0;
        int rc = forensics_image_read(c->rd.img, p, c->buf, chunk + OVERLAP, &got);
        if (rc != 0 && got < chunk)
            return kt_fail(KT_EIO, "image read failed at byte %llu", (unsigned long long)(p + got));
        memset(c->buf + got, 0, chunk + OVERLAP - got); /* no stale bytes past the image */
        c->st.scanned += chunk;
        uint64_t next_p = p + chunk;
        const uint8_t *b = c->buf;
        for (size_t i = 0; i < chunk;) {
            unsigned fams = c->t0[b[i] | b[i + 1] << 8] | c->t4[b[i + 4] | b[i + 5] << 8];
            if (!fams) {
                i += step;
                continue;
            }
            uint64_t carved = 0;
            if ((rc = try_at(c, fams, p + i, b + i, &carved)) != 0) return rc;
            if (!carved) {
                i += step;
                continue;
            }
            c->next = p + i + carved;
            uint64_t n = c->next;
            if (n % step) n += step - n % step;
            if (n >= p + chunk) {
                next_p = n;
                break;
            }
            i = (size_t)(n - p);
        }
        p = next_p;
    }
    return 0;
}
