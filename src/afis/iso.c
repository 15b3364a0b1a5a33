/* ISO/IEC 19794-2:2005 and ANSI/INCITS 378-2004 finger minutiae records (FMR), read and
 * written byte-exact; the layout is in afis.h. Readers check every field before they return
 * anything, so a truncated or lying record is an error and never a partial template. */
#include "afis/afis.h"
#include "base/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.283185307179586
#define ISO_HEADER 24
#define ANSI_HEADER 26
#define ANSI_HEADER_LONG 30
#define VIEW_HEADER 4
#define MINUTIA_BYTES 6
#define MAX_VIEWS 32 /* ten fingers plus repeats; more is not a tenprint */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Angle in radians → the format's byte, rounded to the nearest step. */
static unsigned angle_code(double a, enum afis_format fmt)
{
    int steps = fmt == AFIS_ISO_19794_2 ? 256 : 180;
    double x = fmod(a, TWO_PI);
    if (x < 0) x += TWO_PI;
    long c = lround(x / TWO_PI * steps);
    return (unsigned)(c % steps);
}

static double angle_rad(unsigned code, enum afis_format fmt)
{
    int steps = fmt == AFIS_ISO_19794_2 ? 256 : 180;
    return (double)code * TWO_PI / steps;
}

int afis_template_write_views(const struct afis_template *views, int n, enum afis_format fmt,
                              uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (fmt != AFIS_ISO_19794_2 && fmt != AFIS_ANSI_378) return kt_fail(KT_EINVAL, "format");
    if (n < 1 || n > 255) return kt_fail(KT_EINVAL, "a record holds 1..255 views, not %d", n);
    size_t body = 0;
    for (int v = 0; v < n; v++) {
        const struct afis_template *t = &views[v];
        if (t->n < 0 || t->n > AFIS_MAX_MINUTIAE)
            return kt_fail(KT_EINVAL, "view %d: %d minutiae", v, t->n);
        if (t->finger < 0 || t->finger > 10)
            return kt_fail(KT_EINVAL, "view %d: finger position %d", v, t->finger);
        for (int i = 0; i < t->n; i++) {
            const struct afis_minutia *m = &t->m[i];
            if (m->x < 0 || m->y < 0 || m->x > 0x3FFF || m->y > 0x3FFF)
                return kt_fail(KT_EINVAL, "view %d minutia %d: (%d, %d) out of range", v, i, m->x,
                               m->y);
        }
        body += VIEW_HEADER + (size_t)t->n * MINUTIA_BYTES + 2;
    }
    const struct afis_template *h = &views[0];
    if (h->width < 0 || h->width > 0xFFFF || h->height < 0 || h->height > 0xFFFF)
        return kt_fail(KT_EINVAL, "image size %dx%d", h->width, h->height);
    size_t header = ISO_HEADER;
    if (fmt == AFIS_ANSI_378) header = ANSI_HEADER + body > 0xFFFF ? ANSI_HEADER_LONG : ANSI_HEADER;
    size_t total = header + body;
    uint8_t *b = calloc(1, total);
    if (!b) return KT_ENOMEM;
    memcpy(b, "FMR\0 20\0", 8);
    size_t o = 8;
    if (fmt == AFIS_ISO_19794_2) {
        put32(b + o, (uint32_t)total);
        o += 4;
    } else {
        if (header == ANSI_HEADER_LONG) {
            put16(b + o, 0);
            put32(b + o + 2, (uint32_t)total);
            o += 6;
        } else {
            put16(b + o, (unsigned)total);
            o += 2;
        }
        put16(b + o, 0); /* CBEFF product identifier owner */
        put16(b + o + 2, 0);
        o += 4;
    }
    put16(b + o, 0); /* capture equipment: no certification, device 0 */
    put16(b + o + 2, (unsigned)h->width);
    put16(b + o + 4, (unsigned)h->height);
    unsigned res = h->resolution > 0 && h->resolution <= 0xFFFF ? (unsigned)h->resolution : 197;
    put16(b + o + 6, res);
    put16(b + o + 8, res);
    b[o + 10] = (uint8_t)n;
    b[o + 11] = 0;
    o += 12;
    for (int v = 0; v < n; v++) {
        const struct afis_template *t = &views[v];
        int view_no = 0;
        for (int w = 0; w < v; w++)
            view_no += views[w].finger == t->finger;
        b[o] = (uint8_t)t->finger;
        b[o + 1] = (uint8_t)((view_no & 0xF) << 4); /* impression 0: live-scan plain */
        b[o + 2] = (uint8_t)(t->quality < 0 ? 0 : t->quality > 100 ? 100 : t->quality);
        b[o + 3] = (uint8_t)t->n;
        o += VIEW_HEADER;
        for (int i = 0; i < t->n; i++) {
            const struct afis_minutia *m = &t->m[i];
            unsigned type = m->type == AFIS_ENDING ? 1 : m->type == AFIS_BIFURCATION ? 2 : 0;
            put16(b + o, type << 14 | (unsigned)m->x);
            put16(b + o + 2, (unsigned)m->y);
            b[o + 4] = (uint8_t)angle_code(m->angle, fmt);
            b[o + 5] = (uint8_t)(m->quality < 0 ? 0 : m->quality > 100 ? 100 : m->quality);
            o += MINUTIA_BYTES;
        }
        put16(b + o, 0); /* no extended data */
        o += 2;
    }
    *out = b;
    *len = total;
    return 0;
}

int afis_template_write(const struct afis_template *t, enum afis_format fmt, uint8_t **out,
                        size_t *len)
{
    return afis_template_write_views(t, 1, fmt, out, len);
}

int afis_template_detect(const uint8_t *data, size_t len)
{
    if (len < 8 || memcmp(data, "FMR\0 20\0", 8) != 0)
        return kt_fail(KT_EINVAL, "not a finger minutiae record (no \"FMR\\0 20\\0\")");
    if (len >= ISO_HEADER && get32(data + 8) == len) return AFIS_ISO_19794_2;
    if (len >= ANSI_HEADER && get16(data + 8) == len) return AFIS_ANSI_378;
    if (len >= ANSI_HEADER_LONG && get16(data + 8) == 0 && get32(data + 10) == len)
        return AFIS_ANSI_378;
    if (len < ISO_HEADER) return kt_fail(KT_EINVAL, "record truncated: %zu bytes", len);
    return kt_fail(KT_EINVAL, "record length field (%u) does not match the %zu bytes given",
                   (unsigned)get32(data + 8), len);
}

/* Checks the extended data block of len bytes at p: a sequence of (type id, length including
 * its 4 header bytes, data) that fills it exactly. */
static int check_extended(const uint8_t *p, size_t len, size_t at)
{
    size_t o = 0;
    while (o < len) {
        if (len - o < 4)
            return kt_fail(KT_EINVAL, "offset %zu: extended data item header truncated", at + o);
        unsigned l = get16(p + o + 2);
        if (l < 4 || l > len - o)
            return kt_fail(KT_EINVAL, "offset %zu: extended data item length %u does not fit",
                           at + o, l);
        o += l;
    }
    return 0;
}

int afis_template_read_views(const uint8_t *data, size_t len, int fmt, struct afis_template *views,
                             int max, int *nviews)
{
    *nviews = 0;
    int detected = afis_template_detect(data, len);
    if (detected < 0) return detected;
    if (fmt && fmt != detected)
        return kt_fail(KT_EINVAL, "record is %s, not %s",
                       detected == AFIS_ISO_19794_2 ? "ISO/IEC 19794-2" : "ANSI/INCITS 378",
                       fmt == AFIS_ISO_19794_2 ? "ISO/IEC 19794-2" : "ANSI/INCITS 378");
    fmt = detected;
    size_t o = 8;
    if (fmt == AFIS_ISO_19794_2)
        o += 4;
    else
        o += get16(data + 8) == 0 ? 6 + 4 : 2 + 4; /* length, CBEFF product identifier */
    if (len < o + 12) return kt_fail(KT_EINVAL, "record truncated in its header");
    unsigned width = get16(data + o + 2), height = get16(data + o + 4);
    unsigned xres = get16(data + o + 6), yres = get16(data + o + 8);
    unsigned nv = data[o + 10];
    if (data[o + 11] != 0) return kt_fail(KT_EINVAL, "offset %zu: reserved byte is not 0", o + 11);
    if (xres == 0 || yres == 0) return kt_fail(KT_EINVAL, "resolution is 0");
    if (nv == 0) return kt_fail(KT_EINVAL, "record has no finger views");
    if (nv > MAX_VIEWS) return kt_fail(KT_EINVAL, "record states %u finger views", nv);
    o += 12;
    int kept = 0;
    for (unsigned v = 0; v < nv; v++) {
        if (len - o < VIEW_HEADER)
            return kt_fail(KT_EINVAL, "offset %zu: view %u truncated", o, v + 1);
        unsigned finger = data[o], imp = data[o + 1] & 0xF, fq = data[o + 2], nm = data[o + 3];
        if (finger > 10)
            return kt_fail(KT_EINVAL, "offset %zu: finger position %u (0..10)", o, finger);
        if (imp > 8 || (fmt == AFIS_ANSI_378 && imp > 3 && imp != 8))
            return kt_fail(KT_EINVAL, "offset %zu: impression type %u", o + 1, imp);
        if (fq > 100) return kt_fail(KT_EINVAL, "offset %zu: finger quality %u", o + 2, fq);
        o += VIEW_HEADER;
        if ((len - o) / MINUTIA_BYTES < nm)
            return kt_fail(KT_EINVAL, "offset %zu: view %u states %u minutiae, record ends first",
                           o, v + 1, nm);
        struct afis_template *t = kept < max ? &views[kept] : NULL;
        if (t) {
            memset(t, 0, sizeof *t);
            t->width = (int)width;
            t->height = (int)height;
            t->resolution = (int)xres;
            t->finger = (int)finger;
            t->quality = (int)fq;
            t->n = (int)nm;
        }
        for (unsigned i = 0; i < nm; i++, o += MINUTIA_BYTES) {
            unsigned tx = get16(data + o), ry = get16(data + o + 2);
            unsigned type = tx >> 14, x = tx & 0x3FFF, y = ry & 0x3FFF;
            unsigned angle = data[o + 4], q = data[o + 5];
            if (type == 3) return kt_fail(KT_EINVAL, "offset %zu: minutia type 11 is reserved", o);
            if (ry >> 14) return kt_fail(KT_EINVAL, "offset %zu: reserved bits are not 0", o + 2);
            if ((width && x >= width) || (height && y >= height))
                return kt_fail(KT_EINVAL, "offset %zu: minutia (%u, %u) outside the %ux%u image", o,
                               x, y, width, height);
            if (fmt == AFIS_ANSI_378 && angle > 179)
                return kt_fail(KT_EINVAL, "offset %zu: angle %u (0..179)", o + 4, angle);
            if (q > 100) return kt_fail(KT_EINVAL, "offset %zu: minutia quality %u", o + 5, q);
            if (t)
                t->m[i] = (struct afis_minutia){.x = (int)x,
                                                .y = (int)y,
                                                .angle = angle_rad(angle, fmt),
                                                .type = type == 1   ? AFIS_ENDING
                                                        : type == 2 ? AFIS_BIFURCATION
                                                                    : AFIS_OTHER,
                                                .quality = (int)q};
        }
        if (len - o < 2) return kt_fail(KT_EINVAL, "offset %zu: extended data length truncated", o);
        unsigned ext = get16(data + o);
        o += 2;
        if (ext > len - o)
            return kt_fail(KT_EINVAL, "offset %zu: extended data of %u bytes, record ends first",
                           o - 2, ext);
        int rc = check_extended(data + o, ext, o);
        if (rc) return rc;
        o += ext;
        if (t) kept++;
    }
    if (o != len)
        return kt_fail(KT_EINVAL, "%zu bytes after the last view (record length lies)", len - o);
    *nviews = kept;
    return 0;
}

int afis_template_read(const uint8_t *data, size_t len, int fmt, struct afis_template *t)
{
    int n;
    return afis_template_read_views(data, len, fmt, t, 1, &n);
}
