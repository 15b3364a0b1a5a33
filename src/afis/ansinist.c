/* ANSI/NIST-ITL 1-2011 traditional encoding: parser and writer (see ansinist.h). */
#include "afis/ansinist.h"
#include "base/buf.h"
#include "base/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TYPE4_HEADER 18
#define PX_PER_MM 19.685 /* 500 ppi */
#define MAX_OUT (64u * 1024 * 1024)

static int digits_value(const uint8_t *p, size_t n, long max, long *out)
{
    if (n == 0 || n > 10) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
        if (v > max) return -1;
    }
    *out = v;
    return 0;
}

/* Parses "T.NNN:" at p (n bytes available): the record type and field number, and the length
 * of the tag including ':' in *taglen. */
static int parse_tag(const uint8_t *p, size_t n, int *type, int *num, size_t *taglen)
{
    size_t i = 0;
    long t = 0, f = 0;
    while (i < n && i < 3 && p[i] >= '0' && p[i] <= '9')
        i++;
    if (i == 0 || i >= n || p[i] != '.' || digits_value(p, i, 99, &t)) return -1;
    size_t j = i + 1;
    while (j < n && j - i - 1 < 3 && p[j] >= '0' && p[j] <= '9')
        j++;
    if (j == i + 1 || j >= n || p[j] != ':' || digits_value(p + i + 1, j - i - 1, 999, &f))
        return -1;
    *type = (int)t;
    *num = (int)f;
    *taglen = j + 1;
    return 0;
}

const struct ansinist_field *ansinist_field(const struct ansinist *a,
                                            const struct ansinist_record *r, int num)
{
    for (int i = 0; i < r->nfields; i++)
        if (a->fields[r->first + i].num == num) return &a->fields[r->first + i];
    return NULL;
}

void ansinist_text(const struct ansinist *a, const struct ansinist_record *r, int num, char *out,
                   size_t cap)
{
    const struct ansinist_field *f = ansinist_field(a, r, num);
    size_t n = f ? f->len : 0;
    if (n >= cap) n = cap - 1;
    if (n) memcpy(out, f->val, n);
    out[n] = 0;
}

static int field_long(const struct ansinist *a, const struct ansinist_record *r, int num, long max,
                      long *v)
{
    const struct ansinist_field *f = ansinist_field(a, r, num);
    if (!f)
        return kt_fail(KT_EINVAL, "record type %d: field %d.%03d is missing", r->type, r->type,
                       num);
    if (digits_value(f->val, f->len, max, v))
        return kt_fail(KT_EINVAL, "record type %d: field %d.%03d is not a number up to %ld",
                       r->type, r->type, num, max);
    return 0;
}

/* One tagged record at data[o..]: fields into a, its length into *rlen. */
static int parse_tagged(struct ansinist *a, const uint8_t *data, size_t len, size_t o, int type,
                        struct ansinist_record *r, size_t *rlen)
{
    int t, num;
    size_t tl;
    if (parse_tag(data + o, len - o, &t, &num, &tl) || t != type || num != 1)
        return kt_fail(KT_EINVAL, "offset %zu: record type %d does not start with %d.001:", o, type,
                       type);
    size_t p = o + tl, q = p;
    while (q < len && data[q] != ANSINIST_GS && data[q] != ANSINIST_FS)
        q++;
    long rl;
    if (q >= len || digits_value(data + p, q - p, 100000000L, &rl))
        return kt_fail(KT_EINVAL, "offset %zu: record type %d has no valid LEN", o, type);
    if ((size_t)rl > len - o || (size_t)rl < tl + 2)
        return kt_fail(KT_EINVAL, "offset %zu: record type %d states %ld bytes, %zu remain", o,
                       type, rl, len - o);
    size_t end = o + (size_t)rl - 1; /* the FS */
    if (data[end] != ANSINIST_FS)
        return kt_fail(KT_EINVAL, "offset %zu: record type %d does not end with FS where LEN says",
                       end, type);
    r->type = type;
    r->first = a->nfields;
    r->nfields = 0;
    size_t f = o;
    int last = 0;
    while (f < end) {
        if (parse_tag(data + f, end - f, &t, &num, &tl) || t != type)
            return kt_fail(KT_EINVAL, "offset %zu: bad field tag in record type %d", f, type);
        if (num <= last)
            return kt_fail(KT_EINVAL, "offset %zu: field %d.%03d out of order or repeated", f, type,
                           num);
        last = num;
        size_t v = f + tl, w;
        if (num == 999 && type != 1 && type != 2) {
            w = end; /* binary image data runs to the end of the record */
            r->data = data + v;
            r->data_len = w - v;
        } else {
            w = v;
            while (w < end && data[w] != ANSINIST_GS)
                w++;
        }
        if (a->nfields == ANSINIST_MAX_FIELDS)
            return kt_fail(KT_EINVAL, "more than %d fields", ANSINIST_MAX_FIELDS);
        a->fields[a->nfields++] = (struct ansinist_field){num, data + v, w - v};
        r->nfields++;
        f = w < end ? w + 1 : end;
        if (w < end && f == end) return kt_fail(KT_EINVAL, "offset %zu: empty field before FS", w);
    }
    *rlen = (size_t)rl;
    if (type != 1) {
        long idc;
        int rc = field_long(a, r, 2, 99, &idc);
        if (rc) return rc;
        r->idc = (int)idc;
    }
    return 0;
}

static int parse_type4(const uint8_t *data, size_t len, size_t o, struct ansinist_record *r,
                       size_t *rlen)
{
    if (len - o < TYPE4_HEADER) return kt_fail(KT_EINVAL, "offset %zu: Type-4 record truncated", o);
    const uint8_t *p = data + o;
    uint32_t rl = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (rl < TYPE4_HEADER || rl > len - o)
        return kt_fail(KT_EINVAL, "offset %zu: Type-4 states %u bytes, %zu remain", o, rl, len - o);
    r->type = 4;
    r->first = r->nfields = 0;
    r->idc = p[4];
    r->imp = p[5];
    r->fgp = p[6];
    r->isr = p[12];
    r->hll = p[13] << 8 | p[14];
    r->vll = p[15] << 8 | p[16];
    r->gca = p[17];
    r->data = p + TYPE4_HEADER;
    r->data_len = rl - TYPE4_HEADER;
    if (r->fgp > 15 || r->imp > 29)
        return kt_fail(KT_EINVAL, "offset %zu: Type-4 finger %d / impression %d", o, r->fgp,
                       r->imp);
    if (r->gca == 0 && (size_t)r->hll * (size_t)r->vll != r->data_len)
        return kt_fail(KT_EINVAL, "offset %zu: Type-4 %dx%d image but %zu bytes of data", o, r->hll,
                       r->vll, r->data_len);
    *rlen = rl;
    return 0;
}

/* CNT (1.003): the types and IDCs of the records after Type-1. */
static int parse_cnt(const struct ansinist *a, const struct ansinist_record *r1, int *types,
                     int *idcs, int *n)
{
    const struct ansinist_field *f = ansinist_field(a, r1, 3);
    if (!f) return kt_fail(KT_EINVAL, "Type-1 has no CNT (1.003)");
    size_t i = 0, k = 0;
    long count = -1;
    *n = 0;
    while (i <= f->len) {
        size_t j = i;
        while (j < f->len && f->val[j] != ANSINIST_RS)
            j++;
        size_t us = i;
        while (us < j && f->val[us] != ANSINIST_US)
            us++;
        long x, y;
        if (us >= j || digits_value(f->val + i, us - i, 99, &x) ||
            digits_value(f->val + us + 1, j - us - 1, k == 0 ? 999 : 99, &y))
            return kt_fail(KT_EINVAL, "CNT subfield %zu is not \"type<US>number\"", k + 1);
        if (k == 0) {
            if (x != 1) return kt_fail(KT_EINVAL, "CNT must start with 1<US>count");
            count = y;
        } else {
            if (*n == ANSINIST_MAX_RECORDS - 1)
                return kt_fail(KT_EINVAL, "more than %d records", ANSINIST_MAX_RECORDS);
            types[*n] = (int)x;
            idcs[*n] = (int)y;
            (*n)++;
        }
        k++;
        i = j + 1;
    }
    if (count != *n)
        return kt_fail(KT_EINVAL, "CNT says %ld records follow Type-1 but lists %d", count, *n);
    return 0;
}

int ansinist_parse(const uint8_t *data, size_t len, struct ansinist **out)
{
    *out = NULL;
    struct ansinist *a = calloc(1, sizeof *a);
    if (!a) return KT_ENOMEM;
    size_t o = 0, rl;
    int rc = parse_tagged(a, data, len, 0, 1, &a->rec[0], &rl);
    int types[ANSINIST_MAX_RECORDS], idcs[ANSINIST_MAX_RECORDS], n = 0;
    if (!rc) {
        a->nrec = 1;
        o = rl;
        rc = parse_cnt(a, &a->rec[0], types, idcs, &n);
    }
    if (!rc) {
        char ver[8];
        ansinist_text(a, &a->rec[0], 2, ver, sizeof ver);
        if (strlen(ver) != 4 || strspn(ver, "0123456789") != 4)
            rc = kt_fail(KT_EINVAL, "Type-1 version (1.002) \"%s\" is not four digits", ver);
    }
    for (int i = 0; i < n && !rc; i++) {
        struct ansinist_record *r = &a->rec[a->nrec];
        memset(r, 0, sizeof *r);
        if (o >= len) {
            rc = kt_fail(KT_EINVAL, "CNT lists %d records, the transaction ends after %d", n, i);
            break;
        }
        switch (types[i]) {
        case 4:
            rc = parse_type4(data, len, o, r, &rl);
            break;
        case 2:
        case 9:
        case 10:
        case 13:
        case 14:
        case 15:
            rc = parse_tagged(a, data, len, o, types[i], r, &rl);
            break;
        default:
            rc = kt_fail(KT_EINVAL, "record type %d is not supported", types[i]);
        }
        if (!rc && r->idc != idcs[i])
            rc = kt_fail(KT_EINVAL, "record %d (type %d) has IDC %d, CNT says %d", i + 2, types[i],
                         r->idc, idcs[i]);
        if (!rc) {
            a->nrec++;
            o += rl;
        }
    }
    if (!rc && o != len)
        rc = kt_fail(KT_EINVAL, "%zu bytes after the last record CNT lists", len - o);
    if (rc) {
        free(a);
        return rc;
    }
    *out = a;
    return 0;
}

int ansinist_type9_template(const struct ansinist *a, const struct ansinist_record *r,
                            int img_height, struct afis_template *t)
{
    if (r->type != 9) return kt_fail(KT_EINVAL, "record type %d is not Type-9", r->type);
    char fmt[4];
    ansinist_text(a, r, 4, fmt, sizeof fmt);
    if (strcmp(fmt, "S") != 0)
        return kt_fail(KT_EINVAL, "Type-9 IDC %d: only the standard format (9.004 S) is read",
                       r->idc);
    long count, fgp = 0;
    int rc = field_long(a, r, 10, AFIS_MAX_MINUTIAE, &count);
    if (rc) return rc;
    const struct ansinist_field *fg = ansinist_field(a, r, 6);
    if (fg) {
        size_t n = 0;
        while (n < fg->len && fg->val[n] != ANSINIST_RS)
            n++;
        if (digits_value(fg->val, n, 15, &fgp))
            return kt_fail(KT_EINVAL, "Type-9 IDC %d: finger position 9.006", r->idc);
    }
    const struct ansinist_field *f = ansinist_field(a, r, 12);
    if (!f && count > 0) return kt_fail(KT_EINVAL, "Type-9 IDC %d: no minutiae (9.012)", r->idc);
    memset(t, 0, sizeof *t);
    t->resolution = 197;
    t->finger = fgp <= 10 ? (int)fgp : 0;
    double ys[AFIS_MAX_MINUTIAE];
    size_t i = 0;
    int k = 0;
    while (f && i <= f->len && f->len) {
        size_t j = i;
        while (j < f->len && f->val[j] != ANSINIST_RS)
            j++;
        if (k >= count)
            return kt_fail(KT_EINVAL, "Type-9 IDC %d: more minutiae than 9.010 says (%ld)", r->idc,
                           count);
        /* items: index, XXXXYYYYTTT, quality, type, ridge counts … */
        const uint8_t *v = f->val + i;
        size_t vl = j - i, u1 = 0;
        while (u1 < vl && v[u1] != ANSINIST_US)
            u1++;
        size_t u2 = u1 + 1;
        while (u2 < vl && v[u2] != ANSINIST_US)
            u2++;
        size_t u3 = u2 + 1;
        while (u3 < vl && v[u3] != ANSINIST_US)
            u3++;
        long x, y, th, q = 0;
        if (u1 >= vl || u2 > vl || u2 - u1 - 1 != 11 || digits_value(v + u1 + 1, 4, 9999, &x) ||
            digits_value(v + u1 + 5, 4, 9999, &y) || digits_value(v + u1 + 8 + 1, 3, 359, &th))
            return kt_fail(KT_EINVAL, "Type-9 IDC %d: minutia %d is not index<US>XXXXYYYYTTT",
                           r->idc, k + 1);
        if (u2 < vl && u3 > u2 + 1 && digits_value(v + u2 + 1, u3 - u2 - 1, 100, &q))
            return kt_fail(KT_EINVAL, "Type-9 IDC %d: minutia %d quality", r->idc, k + 1);
        char type = u3 + 1 < vl ? (char)v[u3 + 1] : 'D';
        if (type != 'A' && type != 'B' && type != 'C' && type != 'D')
            return kt_fail(KT_EINVAL, "Type-9 IDC %d: minutia %d type %c", r->idc, k + 1, type);
        struct afis_minutia *m = &t->m[k];
        m->x = (int)lround(x * PX_PER_MM / 100);
        ys[k] = y * PX_PER_MM / 100;
        m->angle = fmod((double)(th + 180) * 3.141592653589793 / 180, 6.283185307179586);
        m->type = type == 'A' ? AFIS_ENDING : type == 'B' ? AFIS_BIFURCATION : AFIS_OTHER;
        m->quality = (int)q;
        k++;
        i = j + 1;
    }
    if (k != count)
        return kt_fail(KT_EINVAL, "Type-9 IDC %d: 9.010 says %ld minutiae, 9.012 has %d", r->idc,
                       count, k);
    double maxy = 0, maxx = 0;
    for (int m = 0; m < k; m++) {
        maxy = ys[m] > maxy ? ys[m] : maxy;
        maxx = t->m[m].x > maxx ? t->m[m].x : maxx;
    }
    int h = img_height > 0 ? img_height : (int)maxy + 1;
    for (int m = 0; m < k; m++) {
        int yy = (int)lround(h - 1 - ys[m]);
        t->m[m].y = yy < 0 ? 0 : yy;
    }
    t->n = k;
    t->height = h;
    t->width = (int)maxx + 1;
    return 0;
}

int ansinist_image(const struct ansinist *a, const struct ansinist_record *r,
                   struct afis_image *img)
{
    memset(img, 0, sizeof *img);
    long w, h;
    if (r->type == 4) {
        if (r->gca != 0)
            return kt_fail(KT_EINVAL, "Type-4 IDC %d: compressed (GCA %d) images are not read",
                           r->idc, r->gca);
        w = r->hll;
        h = r->vll;
    } else if (r->type == 13 || r->type == 14) {
        char cga[16], bpx[8];
        ansinist_text(a, r, 11, cga, sizeof cga);
        ansinist_text(a, r, 12, bpx, sizeof bpx);
        if (strcmp(cga, "NONE") != 0 && strcmp(cga, "0") != 0)
            return kt_fail(KT_EINVAL, "Type-%d IDC %d: compression %s is not read", r->type, r->idc,
                           cga);
        if (strcmp(bpx, "8") != 0)
            return kt_fail(KT_EINVAL, "Type-%d IDC %d: %s bits per pixel", r->type, r->idc, bpx);
        int rc;
        if ((rc = field_long(a, r, 6, 4096, &w)) || (rc = field_long(a, r, 7, 4096, &h))) return rc;
        if (!r->data) return kt_fail(KT_EINVAL, "Type-%d IDC %d: no image (999)", r->type, r->idc);
    } else {
        return kt_fail(KT_EINVAL, "record type %d holds no image", r->type);
    }
    if (w < 1 || h < 1 || w > 4096 || h > 4096 || (size_t)(w * h) != r->data_len)
        return kt_fail(KT_EINVAL, "Type-%d IDC %d: %ldx%ld image but %zu bytes", r->type, r->idc, w,
                       h, r->data_len);
    img->pixels = malloc(r->data_len);
    if (!img->pixels) return KT_ENOMEM;
    memcpy(img->pixels, r->data, r->data_len);
    img->width = (int)w;
    img->height = (int)h;
    img->ppi = 500;
    return 0;
}

/* ---- writing ---- */

static int ndigits(size_t v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Appends a tagged record: "T.001:LEN" + GS + body (fields already joined by GS) + FS. */
static int put_record(struct kt_buf *b, int type, const char *body, size_t body_len)
{
    char tag[16];
    int tl = snprintf(tag, sizeof tag, "%d.001:", type);
    size_t len = (size_t)tl + 1 + 1 + body_len + 1, d = 1;
    for (int i = 0; i < 3; i++) { /* the length counts its own digits */
        len = (size_t)tl + d + 1 + body_len + 1;
        d = (size_t)ndigits(len);
    }
    kt_buf_append(b, tag, (size_t)tl);
    kt_buf_printf(b, "%zu", len);
    kt_buf_append(b, "\x1D", 1);
    kt_buf_append(b, body, body_len);
    return kt_buf_append(b, "\x1C", 1);
}

static void field(struct kt_buf *f, int type, int num, const char *value)
{
    kt_buf_printf(f, "%s%d.%03d:%s", f->len ? "\x1D" : "", type, num, value);
}

static int type9(struct kt_buf *b, const struct afis_template *t, int idc)
{
    struct kt_buf f;
    kt_buf_init(&f, MAX_OUT);
    char v[64];
    snprintf(v, sizeof v, "%d", idc);
    field(&f, 9, 2, v);
    field(&f, 9, 3, "0");
    field(&f, 9, 4, "S");
    field(&f, 9, 5,
          "KEITSU\x1F"
          "A");
    snprintf(v, sizeof v, "%02d", t->finger);
    field(&f, 9, 6, v);
    field(&f, 9, 7, "T\x1FUN");
    snprintf(v, sizeof v, "%d", t->n);
    field(&f, 9, 10, v);
    field(&f, 9, 11, "0");
    int h = t->height;
    for (int i = 0; i < t->n; i++)
        h = t->m[i].y + 1 > h ? t->m[i].y + 1 : h;
    if (t->n) {
        kt_buf_puts(&f, "\x1D"
                        "9.012:");
        for (int i = 0; i < t->n; i++) {
            const struct afis_minutia *m = &t->m[i];
            long x = lround(m->x * 100 / PX_PER_MM), y = lround((h - 1 - m->y) * 100 / PX_PER_MM);
            long th = (lround(m->angle * 180 / 3.141592653589793) + 180) % 360;
            char ty = m->type == AFIS_ENDING ? 'A' : m->type == AFIS_BIFURCATION ? 'B' : 'D';
            kt_buf_printf(&f, "%s%03d\x1F%04ld%04ld%03ld\x1F%d\x1F%c", i ? "\x1E" : "", i + 1,
                          x > 9999 ? 9999 : x,
                          y < 0      ? 0
                          : y > 9999 ? 9999
                                     : y,
                          th, m->quality, ty);
        }
    }
    int rc = f.failed ? KT_ETOOBIG : put_record(b, 9, f.data, f.len);
    kt_buf_free(&f);
    return rc;
}

static int type14(struct kt_buf *b, const struct afis_image *img, int fgp, int idc, const char *src,
                  const char *date)
{
    struct kt_buf f;
    kt_buf_init(&f, MAX_OUT);
    char v[64];
    snprintf(v, sizeof v, "%d", idc);
    field(&f, 14, 2, v);
    field(&f, 14, 3, "0");
    field(&f, 14, 4, src);
    field(&f, 14, 5, date);
    snprintf(v, sizeof v, "%d", img->width);
    field(&f, 14, 6, v);
    snprintf(v, sizeof v, "%d", img->height);
    field(&f, 14, 7, v);
    field(&f, 14, 8, "1");
    field(&f, 14, 9, "500");
    field(&f, 14, 10, "500");
    field(&f, 14, 11, "NONE");
    field(&f, 14, 12, "8");
    snprintf(v, sizeof v, "%d", fgp);
    field(&f, 14, 13, v);
    kt_buf_puts(&f, "\x1D"
                    "14.999:");
    kt_buf_append(&f, (const char *)img->pixels, (size_t)img->width * (size_t)img->height);
    int rc = f.failed ? KT_ETOOBIG : put_record(b, 14, f.data, f.len);
    kt_buf_free(&f);
    return rc;
}

int ansinist_write(const struct ansinist_spec *s, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int nrec = (s->ntype2 > 0 ? 1 : 0) + s->nminutiae + s->nimages;
    if (nrec + 1 > ANSINIST_MAX_RECORDS) return kt_fail(KT_EINVAL, "too many records");
    char date[16];
    if (s->date)
        snprintf(date, sizeof date, "%s", s->date);
    else {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(date, sizeof date, "%Y%m%d", &tm);
    }
    struct kt_buf t1, out_b;
    kt_buf_init(&t1, 1 << 20);
    kt_buf_init(&out_b, MAX_OUT);
    field(&t1, 1, 2, "0500");
    kt_buf_printf(&t1,
                  "\x1D"
                  "1.003:1\x1F%d",
                  nrec);
    int idc = 0;
    if (s->ntype2 > 0)
        kt_buf_printf(&t1,
                      "\x1E"
                      "2\x1F%02d",
                      idc);
    for (int i = 0; i < s->nminutiae; i++)
        kt_buf_printf(&t1,
                      "\x1E"
                      "9\x1F%02d",
                      ++idc);
    for (int i = 0; i < s->nimages; i++)
        kt_buf_printf(&t1,
                      "\x1E"
                      "14\x1F%02d",
                      ++idc);
    field(&t1, 1, 4, s->tot ? s->tot : "SRE");
    field(&t1, 1, 5, date);
    field(&t1, 1, 7, s->dai ? s->dai : "UNKNOWN");
    field(&t1, 1, 8, s->ori ? s->ori : "KEITSU");
    field(&t1, 1, 9, s->tcn ? s->tcn : "0");
    if (s->tcr) field(&t1, 1, 10, s->tcr);
    field(&t1, 1, 11, s->nimages ? "19.69" : "00.00");
    field(&t1, 1, 12, s->nimages ? "19.69" : "00.00");
    int rc = t1.failed ? KT_ETOOBIG : put_record(&out_b, 1, t1.data, t1.len);
    kt_buf_free(&t1);
    idc = 0;
    if (!rc && s->ntype2 > 0) {
        struct kt_buf f;
        kt_buf_init(&f, 1 << 20);
        field(&f, 2, 2, "00");
        for (int i = 0; i < s->ntype2; i++)
            field(&f, 2, s->type2[i].num, s->type2[i].value);
        rc = f.failed ? KT_ETOOBIG : put_record(&out_b, 2, f.data, f.len);
        kt_buf_free(&f);
    }
    for (int i = 0; i < s->nminutiae && !rc; i++)
        rc = type9(&out_b, &s->minutiae[i], ++idc);
    for (int i = 0; i < s->nimages && !rc; i++)
        rc = type14(&out_b, &s->images[i], s->image_fgp ? s->image_fgp[i] : 0, ++idc,
                    s->ori ? s->ori : "KEITSU", date);
    if (!rc && out_b.failed) rc = KT_ETOOBIG;
    if (rc) {
        kt_buf_free(&out_b);
        return rc;
    }
    *out = (uint8_t *)kt_buf_take(&out_b, len);
    return *out ? 0 : KT_ENOMEM;
}
