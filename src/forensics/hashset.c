/* Hashes of file content, case hash lists and the NSRL RDSv3 database. */
#include "forensics/hashset.h"

#include "base/err.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- hasher ---- */

struct forensics_hasher {
    EVP_MD_CTX *md5, *sha1, *sha256;
};

void forensics_hasher_reset(struct forensics_hasher *h)
{
    EVP_DigestInit_ex(h->md5, EVP_md5(), NULL);
    EVP_DigestInit_ex(h->sha1, EVP_sha1(), NULL);
    EVP_DigestInit_ex(h->sha256, EVP_sha256(), NULL);
}

int forensics_hasher_new(struct forensics_hasher **out)
{
    struct forensics_hasher *h = calloc(1, sizeof *h);
    if (!h) return KT_ENOMEM;
    h->md5 = EVP_MD_CTX_new();
    h->sha1 = EVP_MD_CTX_new();
    h->sha256 = EVP_MD_CTX_new();
    if (!h->md5 || !h->sha1 || !h->sha256) {
        forensics_hasher_free(h);
        return KT_ENOMEM;
    }
    forensics_hasher_reset(h);
    *out = h;
    return 0;
}

void forensics_hasher_update(struct forensics_hasher *h, const void *data, size_t n)
{
    EVP_DigestUpdate(h->md5, data, n);
    EVP_DigestUpdate(h->sha1, data, n);
    EVP_DigestUpdate(h->sha256, data, n);
}

void forensics_hasher_final(struct forensics_hasher *h, struct forensics_digests *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(h->md5, md, &n);
    sodium_bin2hex(out->md5, sizeof out->md5, md, n);
    EVP_DigestFinal_ex(h->sha1, md, &n);
    sodium_bin2hex(out->sha1, sizeof out->sha1, md, n);
    EVP_DigestFinal_ex(h->sha256, md, &n);
    sodium_bin2hex(out->sha256, sizeof out->sha256, md, n);
    forensics_hasher_reset(h);
}

void forensics_hasher_free(struct forensics_hasher *h)
{
    if (!h) return;
    EVP_MD_CTX_free(h->md5);
    EVP_MD_CTX_free(h->sha1);
    EVP_MD_CTX_free(h->sha256);
    free(h);
}

/* ---- hash lists: sorted arrays of binary digests, one per length ---- */

struct digest_list {
    uint8_t *d;
    size_t n, cap, width; /* width: bytes per digest (16, 20, 32) */
    int sorted;
};

struct forensics_hashset {
    struct digest_list lists[3];
};

int forensics_hashset_new(struct forensics_hashset **out)
{
    struct forensics_hashset *hs = calloc(1, sizeof *hs);
    if (!hs) return KT_ENOMEM;
    hs->lists[0].width = 16;
    hs->lists[1].width = 20;
    hs->lists[2].width = 32;
    *out = hs;
    return 0;
}

static int unhex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i += 2) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[i + k];
            int x = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (x < 0) return -1;
            v = v << 4 | x;
        }
        out[i / 2] = (uint8_t)v;
    }
    return 0;
}

static struct digest_list *list_for(struct forensics_hashset *hs, size_t hexlen)
{
    for (int i = 0; i < 3; i++)
        if (hs->lists[i].width * 2 == hexlen) return &hs->lists[i];
    return NULL;
}

static int list_add(struct digest_list *l, const uint8_t *d)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        uint8_t *p = realloc(l->d, cap * l->width);
        if (!p) return KT_ENOMEM;
        l->d = p;
        l->cap = cap;
    }
    memcpy(l->d + l->n++ * l->width, d, l->width);
    l->sorted = 0;
    return 0;
}

int forensics_hashset_add_text(struct forensics_hashset *hs, const char *text, size_t n)
{
    size_t line = 0;
    for (size_t p = 0; p < n;) {
        const char *s = text + p;
        const char *nl = memchr(s, '\n', n - p);
        size_t l = nl ? (size_t)(nl - s) : n - p;
        p += l + (nl ? 1 : 0);
        line++;
        size_t i = 0;
        while (i < l && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i == l || s[i] == '#') continue;
        size_t j = i;
        while (j < l && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '#')
            j++;
        struct digest_list *dl = list_for(hs, j - i);
        uint8_t d[32];
        if (!dl || unhex(s + i, j - i, d) != 0)
            return kt_fail(KT_EINVAL, "hash list line %zu: '%.*s' is not an MD5, SHA-1 or SHA-256",
                           line, (int)(j - i > 80 ? 80 : j - i), s + i);
        if (list_add(dl, d) != 0) return KT_ENOMEM;
    }
    return 0;
}

int forensics_hashset_load(struct forensics_hashset *hs, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return kt_fail(KT_EIO, "%s: cannot open", path);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;
    for (;;) {
        if (cap - len < 65536) {
            char *p = realloc(buf, cap + (1 << 20));
            if (!p) {
                rc = KT_ENOMEM;
                break;
            }
            buf = p;
            cap += 1 << 20;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) rc = kt_fail(KT_EIO, "%s: read failed", path);
    fclose(f);
    if (rc == 0) rc = forensics_hashset_add_text(hs, buf, len);
    free(buf);
    return rc;
}

size_t forensics_hashset_count(const struct forensics_hashset *hs)
{
    return hs->lists[0].n + hs->lists[1].n + hs->lists[2].n;
}

static int cmp16(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}
static int cmp20(const void *a, const void *b)
{
    return memcmp(a, b, 20);
}
static int cmp32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

static int list_has(struct digest_list *l, const char *hexd)
{
    if (!l->n) return 0;
    if (!l->sorted) {
        qsort(l->d, l->n, l->width, l->width == 16 ? cmp16 : l->width == 20 ? cmp20 : cmp32);
        l->sorted = 1;
    }
    uint8_t d[32];
    if (unhex(hexd, l->width * 2, d) != 0) return 0;
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(l->d + mid * l->width, d, l->width);
        if (c == 0) return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

const char *forensics_hashset_match(struct forensics_hashset *hs, const struct forensics_digests *d)
{
    if (list_has(&hs->lists[2], d->sha256)) return "sha256";
    if (list_has(&hs->lists[1], d->sha1)) return "sha1";
    if (list_has(&hs->lists[0], d->md5)) return "md5";
    return NULL;
}

void forensics_hashset_free(struct forensics_hashset *hs)
{
    if (!hs) return;
    for (int i = 0; i < 3; i++)
        free(hs->lists[i].d);
    free(hs);
}

/* ---- NSRL RDSv3 ---- */

struct forensics_nsrl {
    sqlite3 *db;
    sqlite3_stmt *by_sha256;
};

int forensics_nsrl_open(const char *path, struct forensics_nsrl **out)
{
    struct forensics_nsrl *n = calloc(1, sizeof *n);
    if (!n) return KT_ENOMEM;
    int rc = sqlite3_open_v2(path, &n->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        rc = kt_fail(KT_EIO, "%s: cannot open as SQLite: %s", path,
                     n->db ? sqlite3_errmsg(n->db) : "out of memory");
        forensics_nsrl_close(n);
        return rc;
    }
    if (sqlite3_prepare_v2(n->db, "SELECT 1 FROM FILE WHERE sha256 = ? LIMIT 1", -1, &n->by_sha256,
                           NULL) != SQLITE_OK) {
        rc = kt_fail(KT_EINVAL, "%s: not an NSRL RDSv3 database (%s)", path, sqlite3_errmsg(n->db));
        forensics_nsrl_close(n);
        return rc;
    }
    *out = n;
    return 0;
}

int forensics_nsrl_known(struct forensics_nsrl *n, const struct forensics_digests *d)
{
    char up[65];
    for (int i = 0; i < 65; i++)
        up[i] =
            d->sha256[i] >= 'a' && d->sha256[i] <= 'f' ? (char)(d->sha256[i] - 32) : d->sha256[i];
    sqlite3_reset(n->by_sha256);
    sqlite3_bind_text(n->by_sha256, 1, up, 64, SQLITE_TRANSIENT);
    int rc = sqlite3_step(n->by_sha256);
    sqlite3_reset(n->by_sha256);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    return kt_fail(KT_ESTORE, "NSRL lookup: %s", sqlite3_errmsg(n->db));
}

void forensics_nsrl_close(struct forensics_nsrl *n)
{
    if (!n) return;
    sqlite3_finalize(n->by_sha256);
    sqlite3_close(n->db);
    free(n);
}
