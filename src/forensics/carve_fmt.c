/* The carver's validators: each walks one format's structure from a signature and says whether a
 * whole, consistent file is there and how long it is. They read only through carve_rd_at() and
 * carve_rd_find() and never beyond off + max, so a lying length fails rather than reads out of
 * bounds; every loop is bounded by the bytes it consumes or by a count. */
#include "forensics/carve_fmt.h"

#include <pthread.h>
#include <string.h>

static uint16_t be16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}
static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static uint64_t be64(const uint8_t *b)
{
    return (uint64_t)be32(b) << 32 | be32(b + 4);
}
static uint16_t le16(const uint8_t *b)
{
    return (uint16_t)(b[1] << 8 | b[0]);
}
static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

/* Bytes [off, off + n) lie inside the candidate [.., end) and the image: a pointer, or NULL. */
static const uint8_t *get(struct carve_rd *r, uint64_t off, size_t n, uint64_t end)
{
    if (off > end || n > end - off) return NULL;
    return carve_rd_at(r, off, n);
}

/* ---- JPEG: SOI, marker segments, entropy-coded scans, EOI ---- */

/* The offset of the marker that ends an entropy-coded segment starting at p, or UINT64_MAX. */
static uint64_t jpg_scan_end(struct carve_rd *r, uint64_t p, uint64_t end)
{
    for (;;) {
        uint64_t q = carve_rd_find(r, p, end, "\xFF", 1);
        if (q == UINT64_MAX) return q;
        const uint8_t *b = get(r, q, 2, end);
        if (!b) return UINT64_MAX;
        if (b[1] == 0x00 || (b[1] >= 0xD0 && b[1] <= 0xD7)) /* stuffed byte, restart marker */
            p = q + 2;
        else if (b[1] == 0xFF) /* fill byte before a marker */
            p = q + 1;
        else
            return q;
    }
}

int carve_check_jpg(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    uint64_t end = off + max, p = off + 2;
    const uint8_t *b = get(r, off, 3, end);
    if (!b || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF) return 0;
    int sof = 0, sos = 0, tables = 0;
    for (int segs = 0; segs < 1 << 20; segs++) {
        if (!(b = get(r, p, 4, end))) return 0;
        if (b[0] != 0xFF) return 0;
        uint8_t m = b[1];
        if (m == 0xFF) { /* fill */
            p++;
            continue;
        }
        if (m == 0xD9) {
            if (!sof || !sos || !tables) return 0;
            *len = p + 2 - off;
            *kind = CARVE_JPG;
            return 1;
        }
        if (m == 0x00 || m == 0xD8) return 0;
        if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) {
            p += 2;
            continue;
        }
        uint16_t l = be16(b + 2);
        if (l < 2) return 0;
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) sof = 1;
        if (m == 0xDB || m == 0xC4) tables = 1;
        p += 2 + (uint64_t)l;
        if (m == 0xDA) {
            if (!sof) return 0;
            sos = 1;
            if ((p = jpg_scan_end(r, p, end)) == UINT64_MAX) return 0;
        }
    }
    return 0;
}

/* ---- PNG: signature, chunks with CRC-32 to IEND ---- */

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc_update(uint32_t crc, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ b[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

static int is_alpha4(const uint8_t *t)
{
    for (int i = 0; i < 4; i++)
        if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z'))) return 0;
    return 1;
}

int carve_check_png(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    uint64_t end = off + max, p = off + 8;
    const uint8_t *b = get(r, off, 8, end);
    if (!b || memcmp(b, sig, 8) != 0) return 0;
    pthread_once(&crc_once, crc_init);
    for (int n = 0; n < 1 << 20; n++) {
        if (!(b = get(r, p, 8, end))) return 0;
        uint32_t l = be32(b);
        char type[4];
        memcpy(type, b + 4, 4);
        if (l > 0x7FFFFFFFu || !is_alpha4(b + 4)) return 0;
        if (n == 0 && (memcmp(type, "IHDR", 4) != 0 || l != 13)) return 0;
        uint32_t crc = crc_update(0xFFFFFFFFu, (const uint8_t *)type, 4);
        for (uint64_t done = 0; done < l;) {
            size_t k = l - done < CARVE_WIN ? (size_t)(l - done) : CARVE_WIN;
            if (!(b = get(r, p + 8 + done, k, end))) return 0;
            crc = crc_update(crc, b, k);
            done += k;
        }
        if (!(b = get(r, p + 8 + l, 4, end)) || be32(b) != (crc ^ 0xFFFFFFFFu)) return 0;
        p += 12 + (uint64_t)l;
        if (memcmp(type, "IEND", 4) == 0) {
            *len = p - off;
            *kind = CARVE_PNG;
            return 1;
        }
    }
    return 0;
}

/* ---- GIF: header, colour tables, blocks to the trailer ---- */

static int gif_subblocks(struct carve_rd *r, uint64_t *p, uint64_t end)
{
    for (int n = 0; n < 1 << 24; n++) {
        const uint8_t *b = get(r, *p, 1, end);
        if (!b) return 0;
        *p += 1 + (uint64_t)b[0];
        if (b[0] == 0) return 1;
    }
    return 0;
}

int carve_check_gif(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    uint64_t end = off + max, p = off + 13;
    const uint8_t *b = get(r, off, 13, end);
    if (!b || (memcmp(b, "GIF87a", 6) != 0 && memcmp(b, "GIF89a", 6) != 0)) return 0;
    if (le16(b + 6) == 0 || le16(b + 8) == 0) return 0;
    if (b[10] & 0x80) p += 3u << ((b[10] & 7) + 1);
    int images = 0;
    for (int n = 0; n < 1 << 20; n++) {
        if (!(b = get(r, p, 1, end))) return 0;
        if (b[0] == 0x3B) {
            if (!images) return 0;
            *len = p + 1 - off;
            *kind = CARVE_GIF;
            return 1;
        }
        if (b[0] == 0x21) {
            p += 2;
        } else if (b[0] == 0x2C) {
            if (!(b = get(r, p, 11, end))) return 0;
            uint8_t flags = b[9], lzw = b[10];
            p += 10;
            if (flags & 0x80) {
                p += 3u << ((flags & 7) + 1);
                if (!(b = get(r, p, 1, end))) return 0;
                lzw = b[0];
            }
            if (lzw < 2 || lzw > 12) return 0;
            p++;
            images++;
        } else {
            return 0;
        }
        if (!gif_subblocks(r, &p, end)) return 0;
    }
    return 0;
}

/* ---- PDF: header to the last %%EOF whose startxref points at a cross-reference ---- */

static int is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}
static int is_space(uint8_t c)
{
    return c == ' ' || c == '\r' || c == '\n' || c == '\t' || c == '\f' || c == 0;
}

/* Does the startxref before the %%EOF at q point at "xref" or an "N G obj" inside the file? */
static int pdf_startxref_ok(struct carve_rd *r, uint64_t off, uint64_t q, uint64_t end)
{
    uint64_t from = q - off > 1024 ? q - 1024 : off;
    uint64_t s = UINT64_MAX;
    for (uint64_t x = from; (x = carve_rd_find(r, x, q, "startxref", 9)) != UINT64_MAX; x++)
        s = x;
    if (s == UINT64_MAX) return 0;
    const uint8_t *b = get(r, s + 9, (size_t)(q - s - 9), end);
    if (!b) return 0;
    size_t n = (size_t)(q - s - 9), i = 0;
    while (i < n && is_space(b[i]))
        i++;
    uint64_t x = 0;
    size_t digits = 0;
    for (; i < n && is_digit(b[i]) && digits < 15; i++, digits++)
        x = x * 10 + (b[i] - '0');
    if (!digits || x >= q - off) return 0;
    if (!(b = get(r, off + x, 4, end))) return 0;
    return memcmp(b, "xref", 4) == 0 || is_digit(b[0]);
}

int carve_check_pdf(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    uint64_t end = off + max;
    const uint8_t *b = get(r, off, 8, end);
    if (!b || memcmp(b, "%PDF-", 5) != 0 || !is_digit(b[5]) || b[6] != '.' || !is_digit(b[7]))
        return 0;
    uint64_t best = 0;
    for (uint64_t p = off + 8;;) {
        /* The next %%EOF, a window at a time, unless another PDF's header comes first. */
        uint64_t stop = end - p > CARVE_WIN ? p + CARVE_WIN : end;
        uint64_t q = carve_rd_find(r, p, stop, "%%EOF", 5);
        if (carve_rd_find(r, p, q == UINT64_MAX ? stop : q, "%PDF-", 5) != UINT64_MAX) break;
        if (q == UINT64_MAX) {
            if (stop == end) break;
            p = stop - 4;
            continue;
        }
        uint64_t e = q + 5;
        if ((b = get(r, e, 1, end)) && (b[0] == '\r' || b[0] == '\n')) {
            e++;
            if (b[0] == '\r' && (b = get(r, e, 1, end)) && b[0] == '\n') e++;
        }
        if (pdf_startxref_ok(r, off, q, end)) best = e;
        /* An incremental update follows directly; anything else ends the file. */
        size_t i = 0;
        b = NULL;
        for (; i < 64 && (b = get(r, e + i, 1, end)) &&
               (b[0] == ' ' || b[0] == '\r' || b[0] == '\n' || b[0] == '\t');
             i++)
            ;
        if (!b || !(is_digit(b[0]) || b[0] == 'x' || b[0] == '%')) break;
        p = e;
    }
    if (!best) return 0;
    *len = best - off;
    *kind = CARVE_PDF;
    return 1;
}

/* ---- ZIP and the formats built on it: local headers, central directory, end record ---- */

static enum forensics_carve_kind zip_kind_by_name(const uint8_t *n, size_t l,
                                                  enum forensics_carve_kind k)
{
#define PREFIX(s) (l >= sizeof s - 1 && memcmp(n, s, sizeof s - 1) == 0)
    if (k != CARVE_ZIP && k != CARVE_JAR) return k; /* the first decisive name wins */
    if (PREFIX("word/")) return CARVE_DOCX;
    if (PREFIX("xl/")) return CARVE_XLSX;
    if (PREFIX("ppt/")) return CARVE_PPTX;
    if (PREFIX("META-INF/MANIFEST.MF")) return CARVE_JAR;
    return k;
#undef PREFIX
}

/* An OpenDocument file starts with a stored entry "mimetype" naming its kind. */
static enum forensics_carve_kind zip_odf_kind(struct carve_rd *r, uint64_t off, uint64_t end)
{
    const uint8_t *b = get(r, off, 30, end);
    if (!b || le16(b + 8) != 0 || le16(b + 26) != 8) return CARVE_ZIP;
    uint32_t size = le32(b + 18);
    uint64_t data = off + 30 + 8 + le16(b + 28);
    if (!(b = get(r, off + 30, 8, end)) || memcmp(b, "mimetype", 8) != 0 || size > 128)
        return CARVE_ZIP;
    if (!(b = get(r, data, size, end))) return CARVE_ZIP;
    static const char odf[] = "application/vnd.oasis.opendocument.";
    if (size < sizeof odf - 1 || memcmp(b, odf, sizeof odf - 1) != 0) return CARVE_ZIP;
    const uint8_t *t = b + sizeof odf - 1;
    size_t tl = size - (sizeof odf - 1);
    if (tl == 4 && memcmp(t, "text", 4) == 0) return CARVE_ODT;
    if (tl == 11 && memcmp(t, "spreadsheet", 11) == 0) return CARVE_ODS;
    if (tl == 12 && memcmp(t, "presentation", 12) == 0) return CARVE_ODP;
    return CARVE_ZIP;
}

/* Does the end record at q close a ZIP that starts at off? Walks its central directory. */
static int zip_eocd_ok(struct carve_rd *r, uint64_t off, uint64_t q, uint64_t end, uint64_t *len,
                       enum forensics_carve_kind *kind)
{
    const uint8_t *b = get(r, q, 22, end);
    if (!b) return 0;
    uint16_t disk = le16(b + 4), cd_disk = le16(b + 6), n_disk = le16(b + 8), n = le16(b + 10);
    uint32_t cd_size = le32(b + 12), cd_off = le32(b + 16);
    uint16_t comment = le16(b + 20);
    if (disk || cd_disk || n != n_disk || n == 0 || (uint64_t)cd_off + cd_size != q - off ||
        (uint64_t)n * 46 > cd_size) /* each directory entry is at least 46 bytes */
        return 0;
    if (!get(r, q + 22, comment, end)) return 0;
    enum forensics_carve_kind k = CARVE_ZIP;
    int first = 0;
    uint64_t p = off + cd_off;
    for (uint16_t i = 0; i < n; i++) {
        if (!(b = get(r, p, 46, end)) || memcmp(b, "PK\1\2", 4) != 0) return 0;
        uint16_t nl = le16(b + 28), xl = le16(b + 30), cl = le16(b + 32);
        uint32_t lho = le32(b + 42);
        if (lho >= cd_off) return 0;
        if (lho == 0) first = 1;
        const uint8_t *name = get(r, p + 46, nl, end);
        if (!name) return 0;
        k = zip_kind_by_name(name, nl, k);
        p += 46 + (uint64_t)nl + xl + cl;
        if (p > q) return 0;
    }
    if (p != q || !first) return 0;
    if (k == CARVE_ZIP) k = zip_odf_kind(r, off, end);
    *len = q + 22 + comment - off;
    *kind = k;
    return 1;
}

/* The next local header, central directory entry or data descriptor signature at or after p
 * (for an entry whose size is only in the data descriptor after its data), or UINT64_MAX. */
static uint64_t zip_next_sig(struct carve_rd *r, uint64_t p, uint64_t end)
{
    for (int n = 0; n < 1 << 20; n++, p++) {
        if ((p = carve_rd_find(r, p, end, "PK", 2)) == UINT64_MAX) return p;
        const uint8_t *b = get(r, p, 4, end);
        if (!b) return UINT64_MAX;
        if ((b[2] == 3 && b[3] == 4) || (b[2] == 1 && b[3] == 2) || (b[2] == 7 && b[3] == 8))
            return p;
    }
    return UINT64_MAX;
}

/* Follows the local headers from off: the offset of the end record the central directory after
 * them leads to, 0 if the chain breaks (a cut or damaged archive), UINT64_MAX for ZIP64 (then
 * the end record must be searched for). */
static uint64_t zip_follow(struct carve_rd *r, uint64_t off, uint64_t end)
{
    uint64_t p = off;
    const uint8_t *b;
    for (int n = 0; n < 1 << 20; n++) {
        if (!(b = get(r, p, 30, end))) return 0;
        if (memcmp(b, "PK\1\2", 4) == 0) break;
        if (memcmp(b, "PK\x07\x08", 4) == 0) { /* a data descriptor with its signature */
            p += 16;
            continue;
        }
        if (memcmp(b, "PK\3\4", 4) != 0) return 0;
        uint32_t csize = le32(b + 18);
        if (csize == 0xFFFFFFFFu) return UINT64_MAX; /* ZIP64 */
        uint64_t data = p + 30 + (uint64_t)le16(b + 26) + le16(b + 28);
        if (le16(b + 6) & 8) { /* sizes in a data descriptor after the data */
            if ((p = zip_next_sig(r, data, end)) == UINT64_MAX) return 0;
            continue;
        }
        p = data + csize;
    }
    for (int n = 0; n < 1 << 20; n++) { /* the central directory */
        if (!(b = get(r, p, 46, end))) return 0;
        if (memcmp(b, "PK\1\2", 4) != 0) break;
        p += 46 + (uint64_t)le16(b + 28) + le16(b + 30) + le16(b + 32);
    }
    return (b = get(r, p, 4, end)) && memcmp(b, "PK\5\6", 4) == 0 ? p : 0;
}

int carve_check_zip(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    uint64_t end = off + max;
    const uint8_t *b = get(r, off, 30, end);
    if (!b || memcmp(b, "PK\3\4", 4) != 0 || le16(b + 26) == 0) return 0;
    uint64_t q = zip_follow(r, off, end);
    if (q != UINT64_MAX) return q && zip_eocd_ok(r, off, q, end, len, kind);
    q = off + 30;
    /* A ZIP with many entries offers many local headers; if one found no end record at all up to
     * some offset, none of the following needs to look there again. */
    if (q >= r->zip_none_from && q < r->zip_none_to) q = r->zip_none_to;
    uint64_t first = UINT64_MAX, from = q;
    for (int tries = 0; tries < 4096; tries++, q++) {
        q = carve_rd_find(r, q, end, "PK\5\6", 4);
        if (q == UINT64_MAX) break;
        if (first == UINT64_MAX) first = q;
        if (zip_eocd_ok(r, off, q, end, len, kind)) return 1;
    }
    if (first == UINT64_MAX && end > 3) {
        r->zip_none_from = from;
        r->zip_none_to = end - 3;
    }
    return 0;
}

/* ---- SQLite: the header's page size times its page count ---- */

int carve_check_sqlite(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                       enum forensics_carve_kind *kind)
{
    uint64_t end = off + max;
    const uint8_t *b = get(r, off, 101, end);
    if (!b || memcmp(b, "SQLite format 3", 16) != 0) return 0;
    uint32_t ps = be16(b + 16);
    if (ps == 1) ps = 65536;
    if (ps < 512 || (ps & (ps - 1)) != 0) return 0;
    if (b[18] < 1 || b[18] > 2 || b[19] < 1 || b[19] > 2) return 0;
    if (b[21] != 64 || b[22] != 32 || b[23] != 32) return 0;
    uint32_t pages = be32(b + 28);
    if (pages == 0 || be32(b + 24) != be32(b + 92)) return 0; /* size not recorded (pre-3.7) */
    if (b[100] != 0x0D && b[100] != 0x05) return 0;           /* page 1 is a table b-tree */
    uint64_t l = (uint64_t)pages * ps;
    if (l > max || !get(r, off + l - 1, 1, end)) return 0;
    /* Every other page is a b-tree page (its type byte) or an overflow, freelist or pointer-map
     * page (a page number first): a database cut short and followed by other data shows. */
    for (uint32_t i = 1; i < pages && i < (1u << 20); i++) {
        if (!(b = get(r, off + (uint64_t)i * ps, 4, end))) return 0;
        if (b[0] != 2 && b[0] != 5 && b[0] != 10 && b[0] != 13 && be32(b) > pages) return 0;
    }
    *len = l;
    *kind = CARVE_SQLITE;
    return 1;
}

/* ---- MP4 / QuickTime / 3GP: top-level boxes from ftyp ---- */

static int mp4_top_box(const uint8_t *t)
{
    static const char known[][5] = {"ftyp", "moov", "mdat", "free", "skip", "wide", "uuid",
                                    "meta", "moof", "mfra", "pdin", "styp", "sidx", "udta"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (memcmp(t, known[i], 4) == 0) return 1;
    return 0;
}

int carve_check_mp4(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    uint64_t end = off + max, p = off;
    const uint8_t *b = get(r, off, 16, end);
    if (!b || memcmp(b + 4, "ftyp", 4) != 0 || be32(b) < 16 || be32(b) > 4096) return 0;
    enum forensics_carve_kind k = CARVE_MP4;
    if (memcmp(b + 8, "qt  ", 4) == 0) k = CARVE_MOV;
    if (memcmp(b + 8, "3gp", 3) == 0 || memcmp(b + 8, "3g2", 3) == 0) k = CARVE_3GP;
    int moov = 0, mdat = 0;
    for (int n = 0; n < 100000; n++) {
        if (!(b = get(r, p, 8, end)) || !mp4_top_box(b + 4)) break;
        uint64_t sz = be32(b);
        int is_moov = memcmp(b + 4, "moov", 4) == 0, is_mdat = memcmp(b + 4, "mdat", 4) == 0;
        if (sz == 1) {
            if (!(b = get(r, p + 8, 8, end))) break;
            sz = be64(b);
            if (sz < 16) break;
        } else if (sz < 8) {
            break;
        }
        if (sz > end - p) return 0; /* truncated */
        moov |= is_moov;
        mdat |= is_mdat;
        p += sz;
    }
    if (!moov || !mdat) return 0;
    *len = p - off;
    *kind = k;
    return 1;
}

/* ---- BMP: file header and DIB header agree with the size ---- */

int carve_check_bmp(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    const uint8_t *b = get(r, off, 54, off + max);
    if (!b || b[0] != 'B' || b[1] != 'M' || le32(b + 6) != 0) return 0;
    uint32_t size = le32(b + 2), data = le32(b + 10), dib = le32(b + 14);
    if (dib != 12 && dib != 40 && dib != 52 && dib != 56 && dib != 64 && dib != 108 && dib != 124)
        return 0;
    int64_t w, h;
    uint32_t planes, bpp, comp = 0;
    if (dib == 12) {
        w = le16(b + 18);
        h = le16(b + 20);
        planes = le16(b + 22);
        bpp = le16(b + 24);
    } else {
        w = (int32_t)le32(b + 18);
        h = (int32_t)le32(b + 22);
        planes = le16(b + 26);
        bpp = le16(b + 28);
        comp = le32(b + 30);
    }
    if (h < 0) h = -h;
    if (planes != 1 || w <= 0 || w > 65536 || h == 0 || h > 65536) return 0;
    if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) return 0;
    if (data < 14 + dib || data >= size || size > max) return 0;
    if (comp == 0 && (uint64_t)data + (uint64_t)((bpp * w + 31) / 32 * 4) * h > size) return 0;
    if (!get(r, off + size - 1, 1, off + max)) return 0;
    *len = size;
    *kind = CARVE_BMP;
    return 1;
}

/* ---- RIFF (WAV, AVI, WebP): the chunks tile the declared size ---- */

int carve_check_riff(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                     enum forensics_carve_kind *kind)
{
    const uint8_t *b = get(r, off, 12, off + max);
    if (!b || memcmp(b, "RIFF", 4) != 0) return 0;
    enum forensics_carve_kind k;
    if (memcmp(b + 8, "WAVE", 4) == 0)
        k = CARVE_WAV;
    else if (memcmp(b + 8, "AVI ", 4) == 0)
        k = CARVE_AVI;
    else if (memcmp(b + 8, "WEBP", 4) == 0)
        k = CARVE_WEBP;
    else
        return 0;
    uint64_t total = (uint64_t)le32(b + 4) + 8, end = off + total, p = off + 12;
    if (total < 20 || total > max) return 0;
    int n = 0;
    while (p + 8 <= end && n < 1 << 20) {
        if (!(b = get(r, p, 8, end))) return 0;
        for (int i = 0; i < 4; i++)
            if (b[i] < 0x20 || b[i] > 0x7E) return 0;
        uint64_t cs = le32(b + 4);
        p += 8 + cs + (cs & 1);
        n++;
    }
    if (n == 0 || p < end || p > end + 1) return 0;
    *len = total;
    *kind = k;
    return 1;
}

/* ---- Ogg: pages from a beginning-of-stream page to an end-of-stream page ---- */

int carve_check_ogg(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    uint64_t end = off + max, p = off;
    uint8_t last = 0;
    int pages = 0;
    for (; pages < 1 << 22; pages++) {
        const uint8_t *b = get(r, p, 27, end);
        if (!b || memcmp(b, "OggS", 4) != 0 || b[4] != 0) break;
        uint8_t flags = b[5], nseg = b[26];
        if (pages == 0 && !(flags & 2)) return 0;
        if (pages > 0 && (flags & 2) && (last & 4)) break; /* the next file's first page */
        if (!(b = get(r, p + 27, nseg, end))) return 0;
        uint64_t body = 0;
        for (int i = 0; i < nseg; i++)
            body += b[i];
        if (27 + nseg + body > end - p) return 0;
        p += 27 + nseg + body;
        last = flags;
    }
    if (pages < 2 || !(last & 4)) return 0;
    *len = p - off;
    *kind = CARVE_OGG;
    return 1;
}

/* ---- MP3: an ID3v2 tag, then MPEG audio layer III frames, then perhaps an ID3v1 tag ---- */

static uint64_t mp3_frame_len(uint32_t h, uint32_t want)
{
    static const uint16_t br1[16] = {0,   32,  40,  48,  56,  64,  80,  96,
                                     112, 128, 160, 192, 224, 256, 320, 0};
    static const uint16_t br2[16] = {0,  8,  16, 24,  32,  40,  48,  56,
                                     64, 80, 96, 112, 128, 144, 160, 0};
    static const uint32_t sr[3] = {44100, 48000, 32000};
    if ((h >> 21) != 0x7FF || ((h >> 17) & 3) != 1) return 0;        /* sync, layer III */
    if (want && (h & 0xFFFE0C00u) != (want & 0xFFFE0C00u)) return 0; /* same stream */
    uint32_t ver = (h >> 19) & 3, bri = (h >> 12) & 15, sri = (h >> 10) & 3, pad = (h >> 9) & 1;
    if (ver == 1 || sri == 3 || bri == 0 || bri == 15) return 0;
    uint32_t rate = sr[sri] >> (ver == 3 ? 0 : ver == 2 ? 1 : 2);
    uint32_t kbps = ver == 3 ? br1[bri] : br2[bri];
    return (uint64_t)(ver == 3 ? 144000 : 72000) * kbps / rate + pad;
}

/* The byte count of the Xing or Info header in the first frame (at p, fl bytes), or 0. */
static uint64_t mp3_xing_bytes(struct carve_rd *r, uint64_t p, uint64_t fl, uint64_t end)
{
    size_t n = fl < 64 ? (size_t)fl : 64;
    const uint8_t *b = get(r, p, n, end);
    if (!b) return 0;
    for (size_t i = 4; i + 16 <= n; i++) {
        if (memcmp(b + i, "Xing", 4) != 0 && memcmp(b + i, "Info", 4) != 0) continue;
        uint32_t flags = be32(b + i + 4);
        size_t at = i + 8 + (flags & 1 ? 4 : 0);
        if (!(flags & 2) || at + 4 > n) return 0;
        return be32(b + at);
    }
    return 0;
}

int carve_check_mp3(struct carve_rd *r, uint64_t off, uint64_t max, uint64_t *len,
                    enum forensics_carve_kind *kind)
{
    uint64_t end = off + max;
    const uint8_t *b = get(r, off, 10, end);
    if (!b || memcmp(b, "ID3", 3) != 0 || b[3] < 2 || b[3] > 4 || b[4] == 0xFF) return 0;
    if ((b[6] | b[7] | b[8] | b[9]) & 0x80) return 0;
    uint64_t p = off + 10 + ((uint64_t)b[6] << 21 | b[7] << 14 | b[8] << 7 | b[9]);
    if (b[5] & 0x10) p += 10;
    /* Some writers pad the tag with zeros beyond its declared size. */
    for (int i = 0; i < 4096 && (b = get(r, p, 1, end)) && b[0] == 0; i++)
        p++;
    uint32_t first = 0;
    uint64_t audio = p, xing_bytes = 0;
    int frames = 0;
    for (; frames < 1 << 22; frames++) {
        if (!(b = get(r, p, 4, end))) break;
        uint64_t fl = mp3_frame_len(be32(b), first);
        if (fl < 4 || fl > end - p) break;
        if (!frames) {
            first = be32(b);
            xing_bytes = mp3_xing_bytes(r, p, fl, end);
        }
        p += fl;
    }
    if (frames < 8) return 0;
    /* A Xing/Info header (LAME) says how long the audio is: a cut file shows. */
    if (xing_bytes && p - audio != xing_bytes) return 0;
    if ((b = get(r, p, 128, end)) && memcmp(b, "TAG", 3) == 0) p += 128;
    *len = p - off;
    *kind = CARVE_MP3;
    return 1;
}
