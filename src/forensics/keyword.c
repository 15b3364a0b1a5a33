/* Keyword patterns through iconv and a streaming byte search with carry-over between pieces. */
#include "forensics/keyword.h"

#include "base/err.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATTERN 64 /* bytes of a keyword in its widest encoding; the carry holds one less */

struct pattern {
    const char *keyword; /* owned copy, shared by its patterns (freed with the first) */
    const char *encoding;
    uint8_t bytes[MAX_PATTERN];
    size_t n;
    int owns_keyword;
};

struct forensics_keywords {
    struct pattern *p;
    size_t n;
    int nocase; /* ASCII letters match either case */
};

static uint8_t fold(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Whether the n bytes at a equal pattern bytes p (already folded when nocase). */
static int same(const uint8_t *a, const uint8_t *p, size_t n, int nocase)
{
    if (!nocase) return memcmp(a, p, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (fold(a[i]) != p[i]) return 0;
    return 1;
}

/* The first match of p in b[0, n) at or after start, or NULL. */
static const uint8_t *find(const uint8_t *b, size_t n, size_t start, const struct pattern *p,
                           int nocase)
{
    if (!nocase) return memmem(b + start, n - start, p->bytes, p->n);
    for (size_t at = start; at + p->n <= n; at++)
        if (fold(b[at]) == p->bytes[0] && same(b + at, p->bytes, p->n, 1)) return b + at;
    return NULL;
}

void forensics_keywords_ignore_case(struct forensics_keywords *kw)
{
    if (kw->nocase) return;
    kw->nocase = 1;
    for (size_t i = 0; i < kw->n; i++)
        for (size_t j = 0; j < kw->p[i].n; j++)
            kw->p[i].bytes[j] = fold(kw->p[i].bytes[j]);
}

static const struct {
    const char *name, *iconv;
} encodings[] = {
    {"utf-8", "UTF-8"},
    {"utf-16le", "UTF-16LE"},
    {"shift_jis", "CP932"},
};

/* Converts word into encoding to; 0 and *n, -1 if it cannot be represented, -2 if too long. */
static int convert(const char *word, const char *to, uint8_t *out, size_t *n)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    if (cd == (iconv_t)-1) return -1;
    char *in = (char *)word, *o = (char *)out;
    size_t inleft = strlen(word), outleft = MAX_PATTERN;
    size_t rc = iconv(cd, &in, &inleft, &o, &outleft);
    int e = errno;
    iconv_close(cd);
    if (rc == (size_t)-1 && e == E2BIG) return -2;
    if (rc == (size_t)-1 || inleft) return -1;
    *n = MAX_PATTERN - outleft;
    return *n ? 0 : -1;
}

int forensics_keywords_new(const char *const *words, size_t n, struct forensics_keywords **out)
{
    size_t nenc = sizeof encodings / sizeof encodings[0];
    struct forensics_keywords *kw = calloc(1, sizeof *kw);
    if (!kw || !(kw->p = calloc(n * nenc + 1, sizeof *kw->p))) {
        free(kw);
        return KT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        char *copy = strdup(words[i]);
        if (!copy) {
            forensics_keywords_free(kw);
            return KT_ENOMEM;
        }
        int owned = 0;
        for (size_t e = 0; e < nenc; e++) {
            struct pattern *p = &kw->p[kw->n];
            int rc = convert(words[i], encodings[e].iconv, p->bytes, &p->n);
            if (rc != 0) {
                if (e == 0 || rc == -2) {   /* not UTF-8 itself, or empty, or too long */
                    if (!owned) free(copy); /* else the list owns it now */
                    forensics_keywords_free(kw);
                    return kt_fail(KT_EINVAL, "keyword '%s' is empty, too long or not UTF-8",
                                   words[i]);
                }
                continue; /* not representable in this encoding (no such kanji in CP932) */
            }
            int dup = 0;
            for (size_t k = 0; k < kw->n; k++)
                if (kw->p[k].n == p->n && memcmp(kw->p[k].bytes, p->bytes, p->n) == 0) dup = 1;
            if (dup) continue;
            p->keyword = copy;
            p->encoding = encodings[e].name;
            p->owns_keyword = !owned;
            owned = 1;
            kw->n++;
        }
        if (!owned) free(copy);
    }
    *out = kw;
    return 0;
}

void forensics_keywords_free(struct forensics_keywords *kw)
{
    if (!kw) return;
    for (size_t i = 0; i < kw->n; i++)
        if (kw->p[i].owns_keyword) free((char *)kw->p[i].keyword);
    free(kw->p);
    free(kw);
}

size_t forensics_keywords_patterns(const struct forensics_keywords *kw)
{
    return kw->n;
}

void forensics_kw_stream_init(struct forensics_kw_stream *s, const struct forensics_keywords *kw,
                              forensics_keyword_fn fn, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->kw = kw;
    s->fn = fn;
    s->ctx = ctx;
}

/* Reports the matches of every pattern in b[0, n); base: the stream offset of b[0]. */
static int search(struct forensics_kw_stream *s, const uint8_t *b, size_t n, uint64_t base)
{
    for (size_t i = 0; i < s->kw->n; i++) {
        const struct pattern *p = &s->kw->p[i];
        size_t start = 0;
        while (start + p->n <= n) {
            const uint8_t *m = find(b, n, start, p, s->kw->nocase);
            if (!m) break;
            size_t at = (size_t)(m - b);
            int rc = s->fn(s->ctx, p->keyword, p->encoding, base + at);
            if (rc) return rc;
            start = at + 1;
        }
    }
    return 0;
}

int forensics_kw_stream_feed(struct forensics_kw_stream *s, const void *data, size_t n)
{
    const uint8_t *d = data;
    int rc;
    if (s->ncarry && n) {
        /* The junction: the carry and the first bytes of data; only matches that use both. */
        uint8_t j[2 * MAX_PATTERN];
        size_t take = n < MAX_PATTERN - 1 ? n : MAX_PATTERN - 1;
        memcpy(j, s->carry, s->ncarry);
        memcpy(j + s->ncarry, d, take);
        size_t jn = s->ncarry + take;
        for (size_t i = 0; i < s->kw->n; i++) {
            const struct pattern *p = &s->kw->p[i];
            for (size_t at = s->ncarry >= p->n ? s->ncarry - p->n + 1 : 0;
                 at < s->ncarry && at + p->n <= jn; at++)
                if (same(j + at, p->bytes, p->n, s->kw->nocase) &&
                    (rc = s->fn(s->ctx, p->keyword, p->encoding, s->pos - s->ncarry + at)) != 0)
                    return rc;
        }
    }
    if ((rc = search(s, d, n, s->pos)) != 0) return rc;
    /* Keep the last bytes for the next piece. */
    if (n >= MAX_PATTERN - 1) {
        memcpy(s->carry, d + n - (MAX_PATTERN - 1), MAX_PATTERN - 1);
        s->ncarry = MAX_PATTERN - 1;
    } else {
        size_t keep = s->ncarry + n > MAX_PATTERN - 1 ? MAX_PATTERN - 1 - n : s->ncarry;
        memmove(s->carry, s->carry + s->ncarry - keep, keep);
        memcpy(s->carry + keep, d, n);
        s->ncarry = keep + n;
    }
    s->pos += n;
    return 0;
}
