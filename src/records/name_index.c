/* Name index: hash postings over normalised full-name keys (see name_index.h).
 *
 * All keys of all kinds share one open-addressing table. A slot holds a 32-bit fragment of the
 * key's 64-bit hash and either one entry number or, when several entries share the key, the
 * number of a posting list. Different keys whose fragments collide simply share a list: every
 * candidate is verified against the entry's stored keys, so the table may over-report but never
 * decides a score. Entries keep their own keys, which is also how removal finds the postings to
 * delete. */
#include "records/name_index.h"

#include "base/err.h"
#include "base/kana.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

#define KEY_MAX 96       /* bytes in one normalised full-name key */
#define QUERY_MAX 512    /* bytes in a query or a stored name */
#define TOKENS_MAX 8     /* name parts in one string */
#define POSTINGS_MAX 320 /* keys one entry can produce (see entry_hashes) */
#define LIST_FLAG 0x80000000u
#define NONE 0xFFFFFFFFu
#define FRAG_EMPTY 0
#define FRAG_TOMB 1
#define TYPO_PHON_MAX 0.90f
#define TYPO_PHON_MIN 0.80f
#define TYPO_KANJI_MAX 0.80f
#define TYPO_KANJI_MIN 0.60f

/* Key kinds; the tag is hashed in front of the key bytes. */
enum {
    TAG_PHON = 'P',      /* phonetic family+given or given+family */
    TAG_PHON_DEL = 'D',  /* one letter deleted from a TAG_PHON key */
    TAG_KANJI = 'K',     /* folded kanji family+given */
    TAG_KANJI_DEL = 'L', /* one character deleted from a TAG_KANJI key */
    TAG_MIX_KF = 'M',    /* kanji family, phonetic given */
    TAG_MIX_KG = 'N',    /* phonetic family, kanji given */
};

/* The six strings an entry keeps: phonetic family and given keys, the keys of the raw
 * concatenations (only when they differ from F+G / G+F: a long vowel across the boundary,
 * サトウ+ウタ), and the folded kanji parts. */
enum { K_F, K_G, K_FGRAW, K_GFRAW, K_KF, K_KG, K_COUNT };

struct keys {
    char s[K_COUNT][KEY_MAX + 1];
    size_t len[K_COUNT];
};

struct slot {
    uint32_t frag, val;
};

struct plist {
    uint32_t *v;
    uint32_t n, cap;
};

struct entry {
    char *keys; /* the K_COUNT strings, each NUL-terminated; NULL when the entry is free */
    uint32_t id;
    uint32_t next;  /* next entry of the same id, or next free entry */
    uint32_t birth; /* YYYYMMDD, 0 = unknown */
    uint8_t len[K_COUNT];
    char sex;
};

struct idslot {
    uint32_t id, head; /* head == NONE: empty */
};

struct name_index {
    struct slot *slots;
    uint32_t bits;
    size_t used, tomb;
    struct plist *lists;
    uint32_t nlists, caplists;
    uint32_t *free_lists;
    uint32_t nfree_lists, capfree_lists;
    struct entry *entries;
    uint32_t nentries, capentries, free_entry;
    size_t live;
    struct idslot *ids;
    uint32_t idbits;
    size_t idused;
};

/* ---- hashing ----------------------------------------------------------------------------- */

static uint64_t hash_start(int tag)
{
    return (0xcbf29ce484222325ull ^ (uint64_t)tag) * 0x100000001b3ull;
}

static uint64_t hash_feed(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

/* FNV alone leaves the high bits weak for short keys; the fragment comes from them. */
static uint64_t hash_end(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static uint64_t hash_key(int tag, const char *s, size_t n)
{
    return hash_end(hash_feed(hash_start(tag), s, n));
}

/* Hash of s with the bytes [at, at + del) left out. */
static uint64_t hash_deleted(int tag, const char *s, size_t n, size_t at, size_t del)
{
    uint64_t h = hash_feed(hash_start(tag), s, at);
    return hash_end(hash_feed(h, s + at + del, n - at - del));
}

static uint64_t hash_pair(int tag, const char *a, size_t al, const char *b, size_t bl)
{
    uint64_t h = hash_feed(hash_start(tag), a, al);
    h = hash_feed(h, "\x1f", 1);
    return hash_end(hash_feed(h, b, bl));
}

static uint32_t frag_of(uint64_t h)
{
    uint32_t f = (uint32_t)(h >> 32);
    return f <= FRAG_TOMB ? f + 2 : f;
}

static size_t home_of(uint32_t frag, uint32_t bits)
{
    return (uint32_t)(frag * 0x9E3779B1u) >> (32 - bits);
}

/* ---- posting table ----------------------------------------------------------------------- */

static size_t table_cap(const struct name_index *ix)
{
    return (size_t)1 << ix->bits;
}

static int table_rehash(struct name_index *ix, uint32_t bits)
{
    struct slot *ns = calloc((size_t)1 << bits, sizeof *ns);
    if (!ns) return kt_fail(KT_ENOMEM, "name index: out of memory");
    size_t mask = ((size_t)1 << bits) - 1;
    for (size_t i = 0, cap = table_cap(ix); i < cap; i++) {
        if (ix->slots[i].frag <= FRAG_TOMB) continue;
        size_t j = home_of(ix->slots[i].frag, bits);
        while (ns[j].frag != FRAG_EMPTY)
            j = (j + 1) & mask;
        ns[j] = ix->slots[i];
    }
    free(ix->slots);
    ix->slots = ns;
    ix->bits = bits;
    ix->tomb = 0;
    return 0;
}

/* Makes room for extra new slots so that inserts cannot need to grow the table: keeps the load,
 * tombstones included, under 70%. */
static int table_reserve(struct name_index *ix, size_t extra)
{
    size_t cap = table_cap(ix);
    if ((ix->used + ix->tomb + extra) * 10 <= cap * 7) return 0;
    uint32_t bits = ix->bits;
    while (((ix->used + extra) * 2 > ((size_t)1 << bits)) && bits < 31)
        bits++;
    if ((ix->used + extra) * 10 > ((size_t)7 << bits))
        return kt_fail(KT_ENOMEM, "name index: table full");
    return table_rehash(ix, bits);
}

static size_t table_find(const struct name_index *ix, uint32_t frag)
{
    size_t mask = table_cap(ix) - 1;
    for (size_t i = home_of(frag, ix->bits);; i = (i + 1) & mask) {
        if (ix->slots[i].frag == frag) return i;
        if (ix->slots[i].frag == FRAG_EMPTY) return NONE;
    }
}

static int list_new(struct name_index *ix, uint32_t a, uint32_t b, uint32_t *out)
{
    uint32_t li;
    int reused = ix->nfree_lists > 0;
    if (reused) {
        li = ix->free_lists[--ix->nfree_lists];
    } else {
        if (ix->nlists == ix->caplists) {
            uint32_t nc = ix->caplists ? ix->caplists * 2 : 1024;
            if (nc >= LIST_FLAG) return kt_fail(KT_ENOMEM, "name index: too many lists");
            struct plist *nl = realloc(ix->lists, (size_t)nc * sizeof *nl);
            if (!nl) return kt_fail(KT_ENOMEM, "name index: out of memory");
            ix->lists = nl;
            ix->caplists = nc;
        }
        li = ix->nlists++;
        ix->lists[li] = (struct plist){0};
    }
    struct plist *l = &ix->lists[li];
    l->v = malloc(4 * sizeof *l->v);
    if (!l->v) {
        if (reused)
            ix->free_lists[ix->nfree_lists++] = li; /* fits: it held li a moment ago */
        else
            ix->nlists--;
        return kt_fail(KT_ENOMEM, "name index: out of memory");
    }
    l->v[0] = a, l->v[1] = b, l->n = 2, l->cap = 4;
    *out = li;
    return 0;
}

static int list_release(struct name_index *ix, uint32_t li)
{
    if (ix->nfree_lists == ix->capfree_lists) {
        uint32_t nc = ix->capfree_lists ? ix->capfree_lists * 2 : 256;
        uint32_t *nf = realloc(ix->free_lists, (size_t)nc * sizeof *nf);
        if (!nf) return KT_ENOMEM; /* the list is merely not reused */
        ix->free_lists = nf;
        ix->capfree_lists = nc;
    }
    free(ix->lists[li].v);
    ix->lists[li] = (struct plist){0};
    ix->free_lists[ix->nfree_lists++] = li;
    return 0;
}

/* Adds entry e under frag. table_reserve() must have been called for this insert. */
static int table_insert(struct name_index *ix, uint32_t frag, uint32_t e)
{
    size_t mask = table_cap(ix) - 1, tomb = NONE, i;
    for (i = home_of(frag, ix->bits); ix->slots[i].frag != FRAG_EMPTY; i = (i + 1) & mask) {
        struct slot *s = &ix->slots[i];
        if (s->frag == FRAG_TOMB && tomb == NONE) tomb = i;
        if (s->frag != frag) continue;
        if (!(s->val & LIST_FLAG)) {
            uint32_t li = 0;
            int rc = list_new(ix, s->val, e, &li);
            if (rc) return rc;
            s->val = LIST_FLAG | li;
            return 0;
        }
        struct plist *l = &ix->lists[s->val & ~LIST_FLAG];
        if (l->n == l->cap) {
            uint32_t *nv = realloc(l->v, (size_t)l->cap * 2 * sizeof *nv);
            if (!nv) return kt_fail(KT_ENOMEM, "name index: out of memory");
            l->v = nv;
            l->cap *= 2;
        }
        l->v[l->n++] = e;
        return 0;
    }
    if (tomb != NONE) {
        i = tomb;
        ix->tomb--;
    }
    ix->slots[i].frag = frag;
    ix->slots[i].val = e;
    ix->used++;
    return 0;
}

/* Removes one posting of entry e under frag; a no-op if there is none (rollback relies on it). */
static void table_remove(struct name_index *ix, uint32_t frag, uint32_t e)
{
    size_t i = table_find(ix, frag);
    if (i == NONE) return;
    struct slot *s = &ix->slots[i];
    if (!(s->val & LIST_FLAG)) {
        if (s->val != e) return;
        s->frag = FRAG_TOMB;
        ix->used--;
        ix->tomb++;
        return;
    }
    uint32_t li = s->val & ~LIST_FLAG;
    struct plist *l = &ix->lists[li];
    for (uint32_t k = 0; k < l->n; k++) {
        if (l->v[k] != e) continue;
        l->v[k] = l->v[--l->n];
        if (l->n == 1) {
            uint32_t last = l->v[0];
            if (list_release(ix, li) == 0) s->val = last;
        }
        return;
    }
}

/* The postings under frag: a pointer into a list, or to *one for a single posting. */
static const uint32_t *table_get(const struct name_index *ix, uint32_t frag, uint32_t *one,
                                 uint32_t *n)
{
    size_t i = table_find(ix, frag);
    *n = 0;
    if (i == NONE) return NULL;
    uint32_t v = ix->slots[i].val;
    if (!(v & LIST_FLAG)) {
        *one = v;
        *n = 1;
        return one;
    }
    const struct plist *l = &ix->lists[v & ~LIST_FLAG];
    *n = l->n;
    return l->v;
}

/* ---- id map ------------------------------------------------------------------------------ */

static size_t id_home(uint32_t id, uint32_t bits)
{
    return (uint32_t)((id ^ (id >> 16)) * 0x9E3779B1u) >> (32 - bits);
}

static size_t ids_find(const struct name_index *ix, uint32_t id)
{
    size_t mask = ((size_t)1 << ix->idbits) - 1;
    for (size_t i = id_home(id, ix->idbits);; i = (i + 1) & mask) {
        if (ix->ids[i].head == NONE) return NONE;
        if (ix->ids[i].id == id) return i;
    }
}

static int ids_grow(struct name_index *ix)
{
    uint32_t bits = ix->idbits + 1;
    size_t cap = (size_t)1 << bits, mask = cap - 1;
    struct idslot *n = malloc(cap * sizeof *n);
    if (!n) return kt_fail(KT_ENOMEM, "name index: out of memory");
    for (size_t i = 0; i < cap; i++)
        n[i].head = NONE;
    for (size_t i = 0, old = (size_t)1 << ix->idbits; i < old; i++) {
        if (ix->ids[i].head == NONE) continue;
        size_t j = id_home(ix->ids[i].id, bits);
        while (n[j].head != NONE)
            j = (j + 1) & mask;
        n[j] = ix->ids[i];
    }
    free(ix->ids);
    ix->ids = n;
    ix->idbits = bits;
    return 0;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void ids_delete(struct name_index *ix, size_t i)
{
    size_t mask = ((size_t)1 << ix->idbits) - 1;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (ix->ids[j].head == NONE) break;
        size_t h = id_home(ix->ids[j].id, ix->idbits);
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        if ((i <= j) ? (i < h && h <= j) : (i < h || h <= j)) continue;
        ix->ids[i] = ix->ids[j];
        i = j;
    }
    ix->ids[i].head = NONE;
    ix->idused--;
}

/* ---- parsing names ----------------------------------------------------------------------- */

struct tok {
    const char *s;
    size_t len;
};

static int split_tokens(const char *s, size_t len, struct tok *t, size_t *n)
{
    size_t i = 0, start = 0, count = 0;
    while (i <= len) {
        uint32_t cp = 0;
        int m = 1;
        if (i < len) {
            m = utf8_decode(s + i, len - i, &cp);
            if (m <= 0 || cp == 0) return kt_fail(KT_EINVAL, "name is not valid UTF-8");
        }
        if (i == len || kana_is_separator(cp)) {
            if (i > start) {
                if (count == TOKENS_MAX) return kt_fail(KT_EINVAL, "name has too many parts");
                t[count].s = s + start;
                t[count].len = i - start;
                count++;
            }
            start = i + (size_t)m;
        }
        i += (size_t)m;
    }
    *n = count;
    return count ? 0 : kt_fail(KT_EINVAL, "empty name");
}

static int phon_key(const char *s, size_t len, char *out, size_t *outlen)
{
    int rc = kana_phonetic_key(s, len, out, KEY_MAX + 1, outlen);
    if (rc == KT_ETOOBIG) return kt_fail(KT_EINVAL, "name too long");
    return rc;
}

/* Phonetic key of tokens [a, b) written without separators. */
static int phon_key_joined(const struct tok *t, size_t a, size_t b, char *out, size_t *outlen)
{
    char raw[QUERY_MAX];
    size_t n = 0;
    for (size_t i = a; i < b; i++) {
        if (n + t[i].len > sizeof raw) return kt_fail(KT_EINVAL, "name too long");
        memcpy(raw + n, t[i].s, t[i].len);
        n += t[i].len;
    }
    return phon_key(raw, n, out, outlen);
}

static int append(char *dst, size_t *dlen, const char *src, size_t slen)
{
    if (*dlen + slen > KEY_MAX) return kt_fail(KT_EINVAL, "name too long");
    memcpy(dst + *dlen, src, slen);
    *dlen += slen;
    dst[*dlen] = 0;
    return 0;
}

/* Fills K_F, K_G and, when with_raw, K_FGRAW / K_GFRAW from a kana or romaji "FAMILY GIVEN".
 * The raw keys cost two more conversions, which an add skips for a romaji reading that turns
 * out to equal the kana one. */
static int keys_phonetic(const char *name, struct keys *k, int with_raw)
{
    struct tok t[TOKENS_MAX];
    size_t n;
    int rc = split_tokens(name, strlen(name), t, &n);
    if (rc) return rc;
    rc = phon_key(t[0].s, t[0].len, k->s[K_F], &k->len[K_F]);
    if (!rc && n > 1) rc = phon_key_joined(t, 1, n, k->s[K_G], &k->len[K_G]);
    if (rc) return rc;
    if (n == 1) k->s[K_G][0] = 0, k->len[K_G] = 0;
    if (k->len[K_F] + k->len[K_G] > KEY_MAX) return kt_fail(KT_EINVAL, "name too long");
    k->len[K_FGRAW] = k->len[K_GFRAW] = 0;
    k->s[K_FGRAW][0] = k->s[K_GFRAW][0] = 0;
    if (n == 1 || !with_raw) return 0;
    char fg[KEY_MAX + 1], gf[KEY_MAX + 1];
    size_t fgl = 0, gfl = 0;
    append(fg, &fgl, k->s[K_F], k->len[K_F]);
    append(fg, &fgl, k->s[K_G], k->len[K_G]);
    append(gf, &gfl, k->s[K_G], k->len[K_G]);
    append(gf, &gfl, k->s[K_F], k->len[K_F]);
    char raw[KEY_MAX + 1];
    size_t rl;
    if (phon_key_joined(t, 0, n, raw, &rl) == 0 && (rl != fgl || memcmp(raw, fg, rl) != 0))
        memcpy(k->s[K_FGRAW], raw, rl + 1), k->len[K_FGRAW] = rl;
    struct tok swapped[TOKENS_MAX];
    memcpy(swapped, t + 1, (n - 1) * sizeof *t);
    swapped[n - 1] = t[0];
    if (phon_key_joined(swapped, 0, n, raw, &rl) == 0 && (rl != gfl || memcmp(raw, gf, rl) != 0))
        memcpy(k->s[K_GFRAW], raw, rl + 1), k->len[K_GFRAW] = rl;
    return 0;
}

static int kanji_fold(const char *s, size_t len, char *out, size_t *outlen)
{
    int rc = kana_kanji_fold(s, len, out, KEY_MAX + 1, outlen);
    if (rc == KT_ETOOBIG) return kt_fail(KT_EINVAL, "name too long");
    return rc;
}

/* Fills K_KF and K_KG from a kanji "FAMILY GIVEN". */
static int keys_kanji(const char *name, struct keys *k)
{
    struct tok t[TOKENS_MAX];
    size_t n;
    int rc = split_tokens(name, strlen(name), t, &n);
    if (rc) return rc;
    rc = kanji_fold(t[0].s, t[0].len, k->s[K_KF], &k->len[K_KF]);
    if (rc) return rc;
    k->s[K_KG][0] = 0, k->len[K_KG] = 0;
    if (n > 1) {
        const char *g = t[1].s;
        rc = kanji_fold(g, (size_t)(t[n - 1].s + t[n - 1].len - g), k->s[K_KG], &k->len[K_KG]);
        if (rc) return rc;
    }
    if (k->len[K_KF] + k->len[K_KG] > KEY_MAX) return kt_fail(KT_EINVAL, "name too long");
    return 0;
}

static int parse_birth(const char *s, uint32_t *out)
{
    *out = 0;
    if (!s) return 0;
    static const char shape[] = "dddd-dd-dd";
    if (strlen(s) != 10) return kt_fail(KT_EINVAL, "birth_date: expected YYYY-MM-DD");
    uint32_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (shape[i] == '-') {
            if (s[i] != '-') return kt_fail(KT_EINVAL, "birth_date: expected YYYY-MM-DD");
            continue;
        }
        if (s[i] < '0' || s[i] > '9') return kt_fail(KT_EINVAL, "birth_date: expected YYYY-MM-DD");
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    uint32_t m = v / 100 % 100, d = v % 100;
    if (m < 1 || m > 12 || d < 1 || d > 31 || v / 10000 == 0)
        return kt_fail(KT_EINVAL, "birth_date: %s is not a date", s);
    *out = v;
    return 0;
}

static int check_sex(char sex)
{
    if (sex == 0 || sex == 'M' || sex == 'F' || sex == 'U') return 0;
    return kt_fail(KT_EINVAL, "sex: expected M, F or U");
}

/* ---- entries and their postings ---------------------------------------------------------- */

/* Keys viewed through pointers, either into a struct keys or into an entry's block. */
struct kview {
    const char *s[K_COUNT];
    size_t len[K_COUNT];
};

static void kview_of_entry(const struct entry *e, struct kview *v)
{
    const char *p = e->keys;
    for (int k = 0; k < K_COUNT; k++) {
        v->s[k] = p;
        v->len[k] = e->len[k];
        p += e->len[k] + 1;
    }
}

static void kview_of_keys(const struct keys *k, struct kview *v)
{
    for (int i = 0; i < K_COUNT; i++)
        v->s[i] = k->s[i], v->len[i] = k->len[i];
}

static size_t push_deletions(int tag, const char *s, size_t n, int utf8, uint64_t *h, size_t k)
{
    size_t prev_at = 0, prev_len = 0;
    for (size_t at = 0; at < n;) {
        size_t del = 1;
        if (utf8) {
            uint32_t cp;
            int m = utf8_decode(s + at, n - at, &cp);
            del = m > 0 ? (size_t)m : 1;
        }
        /* Deleting either letter of a doubled pair gives the same string. */
        if (!(at && del == prev_len && memcmp(s + prev_at, s + at, del) == 0))
            h[k++] = hash_deleted(tag, s, n, at, del);
        prev_at = at, prev_len = del;
        at += del;
    }
    return k;
}

static size_t utf8_count(const char *s, size_t n)
{
    long l = utf8_length(s, n);
    return l < 0 ? 0 : (size_t)l;
}

/* Minimum lengths for typo tolerance: shorter names are too easily one edit from another. */
#define PHON_TYPO_MIN 4  /* letters in the shorter key */
#define KANJI_TYPO_MIN 3 /* characters in the longer key */

/* Every key hash an entry is filed under, sorted and without duplicates; returns the count. */
static size_t entry_hashes(const struct kview *v, uint64_t *h)
{
    size_t k = 0;
    char fg[KEY_MAX + 1], gf[KEY_MAX + 1];
    size_t fgl = 0, gfl = 0;
    if (v->len[K_F]) {
        append(fg, &fgl, v->s[K_F], v->len[K_F]);
        append(fg, &fgl, v->s[K_G], v->len[K_G]);
        append(gf, &gfl, v->s[K_G], v->len[K_G]);
        append(gf, &gfl, v->s[K_F], v->len[K_F]);
        h[k++] = hash_key(TAG_PHON, fg, fgl);
        h[k++] = hash_key(TAG_PHON, gf, gfl);
        if (v->len[K_FGRAW]) h[k++] = hash_key(TAG_PHON, v->s[K_FGRAW], v->len[K_FGRAW]);
        if (v->len[K_GFRAW]) h[k++] = hash_key(TAG_PHON, v->s[K_GFRAW], v->len[K_GFRAW]);
        /* Deletions of family+given only: they are most of the postings, and a given-first
         * query is swapped before its typo lookups (name_index_search). */
        if (fgl > PHON_TYPO_MIN) k = push_deletions(TAG_PHON_DEL, fg, fgl, 0, h, k);
    }
    if (v->len[K_KF]) {
        char kfg[KEY_MAX + 1];
        size_t kl = 0;
        append(kfg, &kl, v->s[K_KF], v->len[K_KF]);
        append(kfg, &kl, v->s[K_KG], v->len[K_KG]);
        h[k++] = hash_key(TAG_KANJI, kfg, kl);
        if (utf8_count(kfg, kl) >= KANJI_TYPO_MIN)
            k = push_deletions(TAG_KANJI_DEL, kfg, kl, 1, h, k);
        if (v->len[K_G] && v->len[K_KG]) {
            h[k++] = hash_pair(TAG_MIX_KF, v->s[K_KF], v->len[K_KF], v->s[K_G], v->len[K_G]);
            h[k++] = hash_pair(TAG_MIX_KG, v->s[K_F], v->len[K_F], v->s[K_KG], v->len[K_KG]);
        }
    }
    /* Insertion sort: a few dozen keys, and qsort's call overhead showed in build profiles. */
    for (size_t i = 1; i < k; i++) {
        uint64_t x = h[i];
        size_t j = i;
        for (; j > 0 && h[j - 1] > x; j--)
            h[j] = h[j - 1];
        h[j] = x;
    }
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || h[u - 1] != h[i]) h[u++] = h[i];
    return u;
}

static void entry_unfile(struct name_index *ix, uint32_t e)
{
    struct kview v;
    kview_of_entry(&ix->entries[e], &v);
    uint64_t h[POSTINGS_MAX];
    size_t n = entry_hashes(&v, h);
    for (size_t i = 0; i < n; i++)
        table_remove(ix, frag_of(h[i]), e);
}

static void entry_release(struct name_index *ix, uint32_t e)
{
    struct entry *en = &ix->entries[e];
    free(en->keys);
    en->keys = NULL;
    en->next = ix->free_entry;
    ix->free_entry = e;
    ix->live--;
}

/* Creates an entry for id with keys k, files it and links it first in id's chain. */
static int entry_add(struct name_index *ix, uint32_t id, const struct keys *k, uint32_t birth,
                     char sex)
{
    size_t total = 0;
    for (int i = 0; i < K_COUNT; i++)
        total += k->len[i] + 1;
    char *block = malloc(total);
    if (!block) return kt_fail(KT_ENOMEM, "name index: out of memory");
    uint32_t e;
    if (ix->free_entry != NONE) {
        e = ix->free_entry;
        ix->free_entry = ix->entries[e].next;
    } else {
        if (ix->nentries == ix->capentries) {
            uint32_t nc = ix->capentries ? ix->capentries * 2 : 1024;
            struct entry *ne =
                nc < LIST_FLAG ? realloc(ix->entries, (size_t)nc * sizeof *ne) : NULL;
            if (!ne) {
                free(block);
                return kt_fail(KT_ENOMEM, "name index: out of memory");
            }
            ix->entries = ne;
            ix->capentries = nc;
        }
        e = ix->nentries++;
    }
    struct entry *en = &ix->entries[e];
    char *p = block;
    for (int i = 0; i < K_COUNT; i++) {
        memcpy(p, k->s[i], k->len[i] + 1);
        en->len[i] = (uint8_t)k->len[i];
        p += k->len[i] + 1;
    }
    en->keys = block;
    en->id = id;
    en->birth = birth;
    en->sex = sex;
    ix->live++;

    size_t slot = ids_find(ix, id);
    if (slot == NONE && (ix->idused + 1) * 2 > ((size_t)1 << ix->idbits) && ids_grow(ix)) {
        entry_release(ix, e);
        return KT_ENOMEM;
    }
    struct kview v;
    kview_of_keys(k, &v);
    uint64_t h[POSTINGS_MAX];
    size_t n = entry_hashes(&v, h);
    int rc = table_reserve(ix, n);
#if defined(__GNUC__)
    /* The inserts are random probes into a large table; issue the loads together. */
    for (size_t i = 0; i < n && !rc; i++)
        __builtin_prefetch(&ix->slots[home_of(frag_of(h[i]), ix->bits)], 1);
#endif
    for (size_t i = 0; i < n && !rc; i++)
        rc = table_insert(ix, frag_of(h[i]), e);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            table_remove(ix, frag_of(h[i]), e);
        entry_release(ix, e);
        return rc;
    }
    if (slot == NONE) {
        size_t mask = ((size_t)1 << ix->idbits) - 1;
        slot = id_home(id, ix->idbits);
        while (ix->ids[slot].head != NONE)
            slot = (slot + 1) & mask;
        ix->ids[slot].id = id;
        ix->ids[slot].head = NONE;
        ix->idused++;
    }
    en->next = ix->ids[slot].head;
    ix->ids[slot].head = e;
    return 0;
}

/* Undoes the latest entry_add() for id (the head of its chain). */
static void entry_pop(struct name_index *ix, uint32_t id)
{
    size_t slot = ids_find(ix, id);
    uint32_t e = ix->ids[slot].head;
    ix->ids[slot].head = ix->entries[e].next;
    entry_unfile(ix, e);
    entry_release(ix, e);
    if (ix->ids[slot].head == NONE) ids_delete(ix, slot);
}

/* ---- public: lifecycle ------------------------------------------------------------------- */

int name_index_create(struct name_index **out)
{
    if (!out) return kt_fail(KT_EINVAL, "name_index_create: NULL argument");
    *out = NULL;
    struct name_index *ix = calloc(1, sizeof *ix);
    if (!ix) return kt_fail(KT_ENOMEM, "name index: out of memory");
    ix->bits = 10;
    ix->slots = calloc(table_cap(ix), sizeof *ix->slots);
    ix->idbits = 8;
    ix->ids = malloc(((size_t)1 << ix->idbits) * sizeof *ix->ids);
    ix->free_entry = NONE;
    if (!ix->slots || !ix->ids) {
        name_index_free(ix);
        return kt_fail(KT_ENOMEM, "name index: out of memory");
    }
    for (size_t i = 0; i < ((size_t)1 << ix->idbits); i++)
        ix->ids[i].head = NONE;
    *out = ix;
    return 0;
}

void name_index_free(struct name_index *ix)
{
    if (!ix) return;
    for (uint32_t i = 0; i < ix->nentries; i++)
        free(ix->entries[i].keys);
    for (uint32_t i = 0; i < ix->nlists; i++)
        free(ix->lists[i].v);
    free(ix->entries);
    free(ix->lists);
    free(ix->free_lists);
    free(ix->slots);
    free(ix->ids);
    free(ix);
}

size_t name_index_count(const struct name_index *ix)
{
    return ix ? ix->live : 0;
}

static int keys_same_phonetic(const struct keys *a, const struct keys *b)
{
    for (int i = K_F; i <= K_G; i++)
        if (a->len[i] != b->len[i] || memcmp(a->s[i], b->s[i], a->len[i]) != 0) return 0;
    return 1;
}

/* strlen() that stops looking after max + 1 bytes. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n])
        n++;
    return n;
}

static int name_len_ok(const char *s)
{
    return !s || bounded_len(s, QUERY_MAX) <= QUERY_MAX;
}

/* Whether every character of s belongs in a kana field (want_kana) or a romaji field: kana and
 * romaji are stored apart so that display and agreement checks can trust them. */
static int field_script_ok(const char *s, int want_kana)
{
    for (size_t i = 0, n = strlen(s); i < n;) {
        uint32_t cp;
        int m = utf8_decode(s + i, n - i, &cp);
        if (m <= 0) return 0;
        i += (size_t)m;
        if (kana_is_separator(cp)) continue;
        int wide = cp >= 0x3000 && !(cp >= 0xFF01 && cp <= 0xFF5E);
        if (want_kana ? !wide : wide) return 0;
    }
    return 1;
}

int name_index_add(struct name_index *ix, uint32_t id, const struct name_entry *e)
{
    if (!ix || !e) return kt_fail(KT_EINVAL, "name_index_add: NULL argument");
    if (!e->kanji && !e->kana && !e->romaji) return kt_fail(KT_EINVAL, "name: no form given");
    if (!name_len_ok(e->kanji) || !name_len_ok(e->kana) || !name_len_ok(e->romaji))
        return kt_fail(KT_EINVAL, "name too long");
    if (e->kana && !field_script_ok(e->kana, 1))
        return kt_fail(KT_EINVAL, "name_kana: only kana allowed");
    if (e->romaji && !field_script_ok(e->romaji, 0))
        return kt_fail(KT_EINVAL, "name_romaji: only Latin letters allowed");
    uint32_t birth;
    int rc = parse_birth(e->birth_date, &birth);
    if (!rc) rc = check_sex(e->sex);
    if (rc) return rc;
    if (ix->live >= (LIST_FLAG >> 1)) return kt_fail(KT_ENOMEM, "name index: full");

    struct keys *k = calloc(2, sizeof *k); /* k[0] main entry, k[1] romaji reading if different */
    if (!k) return kt_fail(KT_ENOMEM, "name index: out of memory");
    int second = 0;
    if (e->kana) rc = keys_phonetic(e->kana, &k[0], 1);
    if (!rc && e->romaji) {
        rc = keys_phonetic(e->romaji, e->kana ? &k[1] : &k[0], !e->kana);
        second = !rc && e->kana && !keys_same_phonetic(&k[0], &k[1]);
        if (second) rc = keys_phonetic(e->romaji, &k[1], 1);
    }
    if (!rc && e->kanji) rc = keys_kanji(e->kanji, &k[0]);
    if (!rc) rc = entry_add(ix, id, &k[0], birth, e->sex);
    if (!rc && second) {
        k[1].len[K_KF] = k[1].len[K_KG] = 0;
        rc = entry_add(ix, id, &k[1], birth, e->sex);
        if (rc) entry_pop(ix, id);
    }
    free(k);
    return rc;
}

int name_index_remove(struct name_index *ix, uint32_t id)
{
    if (!ix) return kt_fail(KT_EINVAL, "name_index_remove: NULL argument");
    size_t slot = ids_find(ix, id);
    if (slot == NONE) return kt_fail(KT_ENOTFOUND, "no names for id %u", (unsigned)id);
    for (uint32_t e = ix->ids[slot].head; e != NONE;) {
        uint32_t next = ix->entries[e].next;
        entry_unfile(ix, e);
        entry_release(ix, e);
        e = next;
    }
    ids_delete(ix, slot);
    return 0;
}

/* ---- search ------------------------------------------------------------------------------ */

#define QFORMS 2

struct query {
    char phon[QFORMS][KEY_MAX + 1]; /* phonetic key of the tokens in order / joined raw */
    size_t phon_len[QFORMS];
    size_t nphon;
    char swapped[KEY_MAX + 1]; /* keys of the tokens in reverse order, for typo lookups */
    size_t swapped_len;
    char kanji[QFORMS][KEY_MAX + 1]; /* folded kanji in order / tokens reversed */
    size_t kanji_len[QFORMS];
    size_t nkanji;
    char mix_k[KEY_MAX + 1], mix_p[KEY_MAX + 1]; /* one kanji run + the reading of the rest */
    size_t mix_k_len, mix_p_len;
    int mixed;
    int typos; /* whether typo scores can reach min_score */
};

static int add_form(char forms[][KEY_MAX + 1], size_t *lens, size_t *n, const char *s, size_t l)
{
    for (size_t i = 0; i < *n; i++)
        if (lens[i] == l && memcmp(forms[i], s, l) == 0) return 0;
    memcpy(forms[*n], s, l + 1);
    lens[(*n)++] = l;
    return 0;
}

/* Splits the query's kanji-bearing text into runs of ideographs and of other letters, for
 * "山田タロウ" or "山田 たろう". Sets the mixed form when there is exactly one ideograph run. */
static void query_mixed(struct query *q, const struct tok *t, size_t n)
{
    char phon_raw[QUERY_MAX];
    size_t praw = 0, kruns = 0;
    const char *krun = NULL;
    size_t krun_len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = 0;
        while (at < t[i].len) {
            uint32_t cp;
            int m = utf8_decode(t[i].s + at, t[i].len - at, &cp);
            if (m <= 0) return;
            int ideo = kana_is_ideograph(cp);
            size_t start = at;
            while (at < t[i].len) {
                m = utf8_decode(t[i].s + at, t[i].len - at, &cp);
                if (m <= 0 || kana_is_ideograph(cp) != ideo) break;
                at += (size_t)m;
            }
            if (ideo) {
                kruns++;
                krun = t[i].s + start, krun_len = at - start;
            } else {
                if (praw + (at - start) > sizeof phon_raw) return;
                memcpy(phon_raw + praw, t[i].s + start, at - start);
                praw += at - start;
            }
        }
    }
    if (kruns != 1 || praw == 0) return;
    if (kanji_fold(krun, krun_len, q->mix_k, &q->mix_k_len)) return;
    if (phon_key(phon_raw, praw, q->mix_p, &q->mix_p_len)) return;
    q->mixed = 1;
}

static int query_parse(const char *s, struct query *q)
{
    size_t len = bounded_len(s, QUERY_MAX);
    if (len > QUERY_MAX) return kt_fail(KT_EINVAL, "query too long");
    struct tok t[TOKENS_MAX];
    size_t n;
    int rc = split_tokens(s, len, t, &n);
    if (rc) return rc;
    int any_kanji = 0;
    for (size_t i = 0; i < n; i++) {
        enum kana_script sc = kana_classify(t[i].s, t[i].len);
        if (sc == KANA_SCRIPT_INVALID)
            return kt_fail(KT_EINVAL, "query: \"%.*s\" is not a name", (int)t[i].len, t[i].s);
        any_kanji |= sc == KANA_SCRIPT_KANJI;
    }
    char buf[KEY_MAX + 1];
    size_t bl;
    if (!any_kanji) {
        char cat[KEY_MAX + 1];
        size_t cl = 0;
        for (size_t i = 0; i < n; i++) {
            rc = phon_key(t[i].s, t[i].len, buf, &bl);
            if (!rc) rc = append(cat, &cl, buf, bl);
            if (rc) return rc;
        }
        add_form(q->phon, q->phon_len, &q->nphon, cat, cl);
        if (n > 1 && phon_key_joined(t, 0, n, buf, &bl) == 0)
            add_form(q->phon, q->phon_len, &q->nphon, buf, bl);
        for (size_t i = n; n > 1 && i-- > 0;) {
            phon_key(t[i].s, t[i].len, buf, &bl);
            append(q->swapped, &q->swapped_len, buf, bl);
        }
        return 0;
    }
    for (int pass = 0; pass < (n > 1 ? 2 : 1); pass++) {
        char cat[KEY_MAX + 1];
        size_t cl = 0;
        for (size_t i = 0; i < n; i++) {
            const struct tok *ti = &t[pass ? n - 1 - i : i];
            rc = kanji_fold(ti->s, ti->len, buf, &bl);
            if (!rc) rc = append(cat, &cl, buf, bl);
            if (rc) return rc;
        }
        add_form(q->kanji, q->kanji_len, &q->nkanji, cat, cl);
    }
    query_mixed(q, t, n);
    return 0;
}

/* Whether a and b (arrays of code points) are at most one edit apart, counting a swap of two
 * adjacent elements as one edit. */
static int within_one(const uint32_t *a, size_t al, const uint32_t *b, size_t bl)
{
    if (al > bl) {
        const uint32_t *t = a;
        a = b, b = t;
        size_t tl = al;
        al = bl, bl = tl;
    }
    if (bl - al > 1) return 0;
    size_t i = 0;
    while (i < al && a[i] == b[i])
        i++;
    if (al == bl) {
        if (i == al) return 1;
        if (memcmp(a + i + 1, b + i + 1, (al - i - 1) * sizeof *a) == 0) return 1;
        return i + 1 < al && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, (al - i - 2) * sizeof *a) == 0;
    }
    return memcmp(a + i, b + i + 1, (al - i) * sizeof *a) == 0;
}

static size_t to_cps(const char *s, size_t n, uint32_t *out)
{
    size_t k = 0, i = 0;
    while (i < n && k < KEY_MAX) {
        int m = utf8_decode(s + i, n - i, &out[k]);
        if (m <= 0) break;
        i += (size_t)m, k++;
    }
    return k;
}

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int eq(const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && memcmp(a, b, al) == 0;
}

static int eq2(const char *q, size_t ql, const char *a, size_t al, const char *b, size_t bl)
{
    return ql == al + bl && memcmp(q, a, al) == 0 && memcmp(q + al, b, bl) == 0;
}

static float typo_score(const char *q, size_t ql, const char *k, size_t kl, int kanji)
{
    uint32_t a[KEY_MAX], b[KEY_MAX];
    size_t an = to_cps(q, ql, a), bn = to_cps(k, kl, b);
    size_t lo = an < bn ? an : bn, hi = an < bn ? bn : an;
    if (kanji ? (hi < KANJI_TYPO_MIN || lo < KANJI_TYPO_MIN - 1)
              : (hi < PHON_TYPO_MIN + 1 || lo < PHON_TYPO_MIN))
        return 0;
    if (!within_one(a, an, b, bn)) return 0;
    float s = 1.0f - 1.0f / (float)hi;
    return kanji ? clampf(s, TYPO_KANJI_MIN, TYPO_KANJI_MAX)
                 : clampf(s, TYPO_PHON_MIN, TYPO_PHON_MAX);
}

/* Best score of one entry against the query (0 if it does not match at all). */
static float entry_score(const struct entry *e, const struct query *q)
{
    struct kview v;
    kview_of_entry(e, &v);
    const size_t *L = v.len;
    for (size_t i = 0; i < q->nphon && L[K_F]; i++) {
        const char *p = q->phon[i];
        size_t pl = q->phon_len[i];
        if (eq2(p, pl, v.s[K_F], L[K_F], v.s[K_G], L[K_G]) ||
            eq2(p, pl, v.s[K_G], L[K_G], v.s[K_F], L[K_F]) ||
            (L[K_FGRAW] && eq(p, pl, v.s[K_FGRAW], L[K_FGRAW])) ||
            (L[K_GFRAW] && eq(p, pl, v.s[K_GFRAW], L[K_GFRAW])))
            return 1.0f;
    }
    for (size_t i = 0; i < q->nkanji && L[K_KF]; i++)
        if (eq2(q->kanji[i], q->kanji_len[i], v.s[K_KF], L[K_KF], v.s[K_KG], L[K_KG])) return 1.0f;
    if (q->mixed && L[K_KF] && L[K_F]) {
        if (eq(q->mix_k, q->mix_k_len, v.s[K_KF], L[K_KF]) &&
            eq(q->mix_p, q->mix_p_len, v.s[K_G], L[K_G]))
            return 1.0f;
        if (eq(q->mix_k, q->mix_k_len, v.s[K_KG], L[K_KG]) &&
            eq(q->mix_p, q->mix_p_len, v.s[K_F], L[K_F]))
            return 1.0f;
    }
    if (!q->typos) return 0;
    float best = 0;
    if (L[K_F]) {
        char fg[KEY_MAX + 1], gf[KEY_MAX + 1];
        size_t fgl = 0, gfl = 0;
        append(fg, &fgl, v.s[K_F], L[K_F]);
        append(fg, &fgl, v.s[K_G], L[K_G]);
        append(gf, &gfl, v.s[K_G], L[K_G]);
        append(gf, &gfl, v.s[K_F], L[K_F]);
        for (size_t i = 0; i < q->nphon; i++) {
            float s = typo_score(q->phon[i], q->phon_len[i], fg, fgl, 0);
            if (s > best) best = s;
            s = typo_score(q->phon[i], q->phon_len[i], gf, gfl, 0);
            if (s > best) best = s;
        }
    }
    if (L[K_KF]) {
        char kfg[KEY_MAX + 1];
        size_t kl = 0;
        append(kfg, &kl, v.s[K_KF], L[K_KF]);
        append(kfg, &kl, v.s[K_KG], L[K_KG]);
        for (size_t i = 0; i < q->nkanji; i++) {
            float s = typo_score(q->kanji[i], q->kanji_len[i], kfg, kl, 1);
            if (s > best) best = s;
        }
    }
    return best;
}

/* Per-call scratch: entries already looked at, and hits found. Starts on the stack. */
struct search {
    const struct name_index *ix;
    const struct query *q;
    uint32_t birth;
    char sex;
    float min_score;
    uint32_t *seen;
    size_t seen_cap, seen_n;
    struct name_hit *hits;
    size_t hits_cap, hits_n;
    int err;
    uint32_t seen_local[512];
    struct name_hit hits_local[128];
};

static int seen_add(struct search *s, uint32_t e)
{
    if ((s->seen_n + 1) * 2 > s->seen_cap) {
        size_t nc = s->seen_cap * 2;
        uint32_t *n = malloc(nc * sizeof *n);
        if (!n) {
            s->err = KT_ENOMEM;
            return 0;
        }
        memset(n, 0xFF, nc * sizeof *n);
        for (size_t i = 0; i < s->seen_cap; i++) {
            if (s->seen[i] == NONE) continue;
            size_t j = id_home(s->seen[i], 32) & (nc - 1);
            while (n[j] != NONE)
                j = (j + 1) & (nc - 1);
            n[j] = s->seen[i];
        }
        if (s->seen != s->seen_local) free(s->seen);
        s->seen = n;
        s->seen_cap = nc;
    }
    size_t j = id_home(e, 32) & (s->seen_cap - 1);
    while (s->seen[j] != NONE) {
        if (s->seen[j] == e) return 0;
        j = (j + 1) & (s->seen_cap - 1);
    }
    s->seen[j] = e;
    s->seen_n++;
    return 1;
}

static void hit_add(struct search *s, uint32_t id, float score)
{
    if (s->hits_n == s->hits_cap) {
        size_t nc = s->hits_cap * 2;
        struct name_hit *n = malloc(nc * sizeof *n);
        if (!n) {
            s->err = KT_ENOMEM;
            return;
        }
        memcpy(n, s->hits, s->hits_n * sizeof *n);
        if (s->hits != s->hits_local) free(s->hits);
        s->hits = n;
        s->hits_cap = nc;
    }
    s->hits[s->hits_n++] = (struct name_hit){id, score};
}

static int passes_filters(const struct search *s, const struct entry *e)
{
    if (s->birth && e->birth && e->birth != s->birth) return 0;
    return !((s->sex == 'M' || s->sex == 'F') && (e->sex == 'M' || e->sex == 'F') &&
             e->sex != s->sex);
}

#define VISIT_BATCH 16

static void visit(struct search *s, uint64_t h)
{
    uint32_t one, n;
    const uint32_t *p = table_get(s->ix, frag_of(h), &one, &n);
    const struct entry *entries = s->ix->entries;
    /* Long lists (a common full name) are scattered over memory: fetch each batch's entries,
     * then their key blocks, before scoring, so the cache misses overlap. */
    for (uint32_t b = 0; b < n && !s->err; b += VISIT_BATCH) {
        uint32_t m = n - b < VISIT_BATCH ? n - b : VISIT_BATCH;
        const struct entry *todo[VISIT_BATCH];
        uint32_t k = 0;
#if defined(__GNUC__)
        if (m > 1)
            for (uint32_t i = 0; i < m; i++)
                __builtin_prefetch(&entries[p[b + i]]);
#endif
        for (uint32_t i = 0; i < m; i++) {
            if (!seen_add(s, p[b + i])) continue;
            const struct entry *e = &entries[p[b + i]];
            if (!passes_filters(s, e)) continue;
#if defined(__GNUC__)
            __builtin_prefetch(e->keys);
#endif
            todo[k++] = e;
        }
        for (uint32_t i = 0; i < k; i++) {
            float score = entry_score(todo[i], s->q);
            if (score > 0 && score >= s->min_score) hit_add(s, todo[i]->id, score);
        }
    }
}

static int hit_by_id(const void *a, const void *b)
{
    const struct name_hit *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return x->score > y->score ? -1 : x->score < y->score;
}

static int hit_by_score(const void *a, const void *b)
{
    const struct name_hit *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Keeps each id once, with its best score; returns how many have score 1. */
static size_t hits_compact(struct search *s)
{
    qsort(s->hits, s->hits_n, sizeof *s->hits, hit_by_id);
    size_t u = 0, exact = 0;
    for (size_t i = 0; i < s->hits_n; i++) {
        if (u && s->hits[u - 1].id == s->hits[i].id) continue;
        s->hits[u++] = s->hits[i];
        exact += s->hits[i].score >= 1.0f;
    }
    s->hits_n = u;
    return exact;
}

static void lookup_exact(struct search *s)
{
    const struct query *q = s->q;
    for (size_t i = 0; i < q->nphon; i++)
        visit(s, hash_key(TAG_PHON, q->phon[i], q->phon_len[i]));
    for (size_t i = 0; i < q->nkanji; i++)
        visit(s, hash_key(TAG_KANJI, q->kanji[i], q->kanji_len[i]));
    if (q->mixed) {
        visit(s, hash_pair(TAG_MIX_KF, q->mix_k, q->mix_k_len, q->mix_p, q->mix_p_len));
        visit(s, hash_pair(TAG_MIX_KG, q->mix_p, q->mix_p_len, q->mix_k, q->mix_k_len));
    }
}

/* Symmetric delete: the query itself against indexed deletions (query lacks a letter), and each
 * deletion of the query against indexed keys (query has an extra letter) and against indexed
 * deletions (one letter differs, or two adjacent letters are swapped). */
static void lookup_typos(struct search *s, const char *k, size_t kl, int exact_tag, int del_tag,
                         int utf8, size_t min_len)
{
    size_t n = utf8 ? utf8_count(k, kl) : kl;
    if (n < min_len) return;
    visit(s, hash_key(del_tag, k, kl));
    if (n < min_len + 1) return;
    size_t prev_at = 0, prev_len = 0;
    for (size_t at = 0; at < kl && !s->err;) {
        size_t del = 1;
        if (utf8) {
            uint32_t cp;
            int m = utf8_decode(k + at, kl - at, &cp);
            del = m > 0 ? (size_t)m : 1;
        }
        if (!(at && del == prev_len && memcmp(k + prev_at, k + at, del) == 0)) {
            visit(s, hash_deleted(exact_tag, k, kl, at, del));
            visit(s, hash_deleted(del_tag, k, kl, at, del));
        }
        prev_at = at, prev_len = del;
        at += del;
    }
}

int name_index_search(const struct name_index *ix, const char *query, const char *birth_date,
                      char sex, float min_score, struct name_hit *hits, size_t max, size_t *nhits)
{
    if (nhits) *nhits = 0;
    if (!ix || !query || !nhits || (max && !hits))
        return kt_fail(KT_EINVAL, "name_index_search: NULL argument");
    struct search *s = malloc(sizeof *s);
    struct query *q = calloc(1, sizeof *q);
    if (!s || !q) {
        free(s);
        free(q);
        return kt_fail(KT_ENOMEM, "name index: out of memory");
    }
    int rc = parse_birth(birth_date, &s->birth);
    if (!rc) rc = check_sex(sex);
    if (!rc) rc = query_parse(query, q);
    if (rc || max == 0) {
        free(s);
        free(q);
        return rc;
    }
    q->typos = min_score <= TYPO_PHON_MAX;
    s->ix = ix, s->q = q, s->sex = sex, s->min_score = min_score, s->err = 0;
    s->seen = s->seen_local, s->seen_cap = sizeof s->seen_local / sizeof *s->seen_local;
    s->seen_n = 0;
    memset(s->seen_local, 0xFF, sizeof s->seen_local);
    s->hits = s->hits_local, s->hits_cap = sizeof s->hits_local / sizeof *s->hits_local;
    s->hits_n = 0;

    lookup_exact(s);
    /* Typo hits rank below every exact hit, so skip them when exact hits already fill max. */
    if (!s->err && q->typos && hits_compact(s) < max) {
        for (size_t i = 0; i < q->nphon; i++)
            lookup_typos(s, q->phon[i], q->phon_len[i], TAG_PHON, TAG_PHON_DEL, 0, PHON_TYPO_MIN);
        if (q->swapped_len)
            lookup_typos(s, q->swapped, q->swapped_len, TAG_PHON, TAG_PHON_DEL, 0, PHON_TYPO_MIN);
        for (size_t i = 0; i < q->nkanji; i++)
            lookup_typos(s, q->kanji[i], q->kanji_len[i], TAG_KANJI, TAG_KANJI_DEL, 1,
                         KANJI_TYPO_MIN - 1);
    }
    if (!s->err) {
        hits_compact(s);
        qsort(s->hits, s->hits_n, sizeof *s->hits, hit_by_score);
        size_t n = s->hits_n < max ? s->hits_n : max;
        memcpy(hits, s->hits, n * sizeof *hits);
        *nhits = n;
    }
    rc = s->err ? kt_fail(s->err, "name index: out of memory") : 0;
    if (s->seen != s->seen_local) free(s->seen);
    if (s->hits != s->hits_local) free(s->hits);
    free(s);
    free(q);
    return rc;
}

/* ---- script agreement -------------------------------------------------------------------- */

int name_scripts_agree(const char *kana, const char *romaji)
{
    if (!kana || !romaji) return kt_fail(KT_EINVAL, "name_scripts_agree: NULL argument");
    if (!name_len_ok(kana) || !name_len_ok(romaji)) return kt_fail(KT_EINVAL, "name too long");
    char tmp[QUERY_MAX * 2];
    size_t tl;
    int rc = kana_to_romaji(kana, strlen(kana), tmp, sizeof tmp, &tl);
    if (rc) return kt_fail(KT_EINVAL, "kana: %s", kt_errmsg());
    if (!field_script_ok(romaji, 0))
        return kt_fail(KT_EINVAL, "romaji: only Latin letters allowed");
    struct keys *k = calloc(2, sizeof *k);
    if (!k) return kt_fail(KT_ENOMEM, "out of memory");
    rc = keys_phonetic(kana, &k[0], 0);
    if (!rc) rc = keys_phonetic(romaji, &k[1], 0);
    if (!rc) {
        const struct keys *a = &k[0], *b = &k[1];
        const size_t *al = a->len, *bl = b->len;
        rc = keys_same_phonetic(a, b) ||
             (al[K_G] && eq(a->s[K_F], al[K_F], b->s[K_G], bl[K_G]) &&
              eq(a->s[K_G], al[K_G], b->s[K_F], bl[K_F])) ||
             eq2(a->s[K_F], al[K_F], b->s[K_F], bl[K_F], b->s[K_G], bl[K_G]) ||
             eq2(b->s[K_F], bl[K_F], a->s[K_F], al[K_F], a->s[K_G], al[K_G]);
    }
    free(k);
    return rc;
}
