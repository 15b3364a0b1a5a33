/* NTFS: the names of one directory, loaded as the Sleuth Kit loads them so that fls's order and
 * deleted names come out the same: the entries of $INDEX_ROOT, then every index record of
 * $INDEX_ALLOCATION in on-disk order including the slack after each record's used part (where
 * names of deleted files linger), then the entries whose $FILE_NAME names this directory as
 * parent but that no index lists (from the parent map). */
#include "base/err.h"
#include "forensics/ntfs_priv.h"

#include <stdlib.h>
#include <string.h>

uint32_t ntfs_name_hash(const char *s)
{
    uint32_t h = 5381; /* djb2 without '/', as tsk_fs_dir_hash */
    for (; *s; s++)
        if (*s != '/') h = h * 33 + (uint8_t)*s;
    return h;
}

static uint32_t slot_hash(uint64_t meta, const char *name)
{
    return ntfs_name_hash(name) ^ (uint32_t)(meta * 0x9E3779B97F4A7C15ULL >> 32);
}

void ntfs_dir_free(struct ntfs_dir *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->e[i].name);
    free(d->e);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

static int rehash(struct ntfs_dir *d)
{
    size_t ns = d->nslots ? d->nslots * 2 : 64;
    uint32_t *s = calloc(ns, sizeof *s);
    if (!s) return KT_ENOMEM;
    for (size_t i = 0; i < d->n; i++) {
        size_t h = slot_hash(d->e[i].meta, d->e[i].name) & (ns - 1);
        while (s[h])
            h = (h + 1) & (ns - 1);
        s[h] = (uint32_t)i + 1;
    }
    free(d->slots);
    d->slots = s;
    d->nslots = ns;
    return 0;
}

/* As tsk_fs_dir_add: a (meta, name) pair already present is kept, except that an allocated
 * name replaces a deleted one in place. */
int ntfs_dir_add(struct ntfs_dir *d, const char *name, uint64_t meta, uint16_t seq, uint8_t type,
                 uint8_t alloc)
{
    if (d->n >= 1000000) return KT_ETOOBIG; /* the Sleuth Kit's MAX_DIR_SIZE_TO_PROCESS */
    if ((d->n + 1) * 2 > d->nslots && rehash(d)) return KT_ENOMEM;
    size_t h = slot_hash(meta, name) & (d->nslots - 1);
    for (; d->slots[h]; h = (h + 1) & (d->nslots - 1)) {
        struct ntfs_dent *e = &d->e[d->slots[h] - 1];
        if (e->meta != meta || strcmp(e->name, name) != 0) continue;
        if (!e->alloc && alloc) {
            e->seq = seq;
            e->type = type;
            e->alloc = 1;
        }
        return 0;
    }
    if (ntfs_grow(&d->e, &d->cap, d->n, sizeof *d->e, 32)) return KT_ENOMEM;
    char *copy = strdup(name);
    if (!copy) return KT_ENOMEM;
    d->e[d->n] = (struct ntfs_dent){copy, meta, seq, type, alloc};
    d->slots[h] = (uint32_t)++d->n;
    return 0;
}

/* (meta, name hash, allocated) of the names listed so far, sorted, for the Sleuth Kit's
 * tsk_fs_dir_contains() test in n log n. */
struct seen {
    uint64_t meta;
    uint32_t hash;
    uint8_t alloc;
};

static int seen_cmp(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    if (x->meta != y->meta) return x->meta < y->meta ? -1 : 1;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return (int)y->alloc - (int)x->alloc; /* allocated first */
}

/* 2 if an allocated name with that meta and hash is listed, else 0 (or 1 for deleted). */
static int dir_contains(const struct seen *s, size_t n, uint64_t meta, uint32_t hash)
{
    size_t lo = 0, hi = n;
    struct seen key = {meta, hash, 1};
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (seen_cmp(&s[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && s[lo].meta == meta && s[lo].hash == hash) return s[lo].alloc ? 2 : 1;
    return 0;
}

static int is_time(uint64_t t)
{
    const uint64_t from = (uint64_t)(369 * 365 + 89) * 24 * 36;
    const uint64_t to = from + (uint64_t)(50 * 365 + 6) * 24 * 36;
    t /= 1000000000;
    return t && t >= from && t <= to;
}

struct idx_ctx {
    struct ntfs_fs *fs;
    struct ntfs_dir *d;
    uint64_t dir;
    int is_del;
};

static int add_entry(struct idx_ctx *c, const uint8_t *e, const uint8_t *end, uint8_t alloc)
{
    const uint8_t *fn = e + 16;
    size_t nlen = fn[64];
    if (fn + 66 + 2 * nlen >= end) return 0;
    char *name = ntfs_utf16(fn + 66, nlen);
    if (!name) return KT_ENOMEM;
    uint8_t type = (le64(fn + 56) & 0x10000000) ? NTFS_NT_DIR : NTFS_NT_REG;
    int rc = ntfs_dir_add(c->d, name, le48(e), le16(e + 6), type, alloc);
    free(name);
    return rc;
}

/* The entries of one index node, as the Sleuth Kit's ntfs_proc_idxentry: the used part and
 * the slack after it, stepping 4 bytes over whatever does not look like an entry. */
static int proc_entries(struct idx_ctx *c, const uint8_t *e, size_t len, size_t used)
{
    if (len < used) return -1;
    const uint8_t *end = e + len, *end_used = e + used;
    const uint8_t *prev = NULL; /* a long name waiting for its DOS twin */
    uint8_t prev_alloc = 0;
    int rc = 0;
    while (rc == 0 && end - e > 16 + 67) {
        const uint8_t *fn = e + 16;
        uint64_t ref = le48(e);
        uint16_t ilen = le16(e + 8), slen = le16(e + 10);
        if (ref >= c->fs->nrec + 1 || ilen <= slen || ilen % 4 || ilen > len) {
            e += 4;
            continue;
        }
        if (le48(fn) != c->dir) {
            e += 4;
            continue;
        }
        int beyond = slen == 0 || ilen > (size_t)(end_used - e) || e > end_used;
        if (beyond) {
            if (fn[65] > 3 || le64(fn + 40) < le64(fn + 48) || fn[64] == 0 || fn[66] == 0 ||
                !is_time(le64(fn + 8)) || !is_time(le64(fn + 32)) || !is_time(le64(fn + 16))) {
                e += 4;
                continue;
            }
        }
        uint8_t nspace = fn[65];
        if (nspace == 2) { /* DOS: the short twin of the previous long name, or alone */
            if (prev) rc = add_entry(c, prev, end, prev_alloc);
            prev = NULL;
        } else {
            if (prev) rc = add_entry(c, prev, end, prev_alloc);
            prev = NULL;
            uint8_t alloc = !(c->is_del || beyond);
            if (rc == 0 && fn + 66 + 2 * (size_t)fn[64] < end) {
                if (nspace == 3)
                    rc = add_entry(c, e, end, alloc);
                else {
                    prev = e;
                    prev_alloc = alloc;
                }
            }
        }
        if (slen == 0) {
            size_t step = ((size_t)(16 + 66 + 2 * fn[64] + 3) / 4) * 4;
            e += step;
        } else {
            e += ilen;
        }
    }
    if (rc == 0 && prev) rc = add_entry(c, prev, end, prev_alloc);
    return rc;
}

/* The attribute of type with the lowest id, as tsk_fs_attrlist_get. */
static const struct ntfs_attr *lowest(const struct ntfs_file *f, uint32_t type)
{
    const struct ntfs_attr *best = NULL;
    for (size_t i = 0; i < f->nattrs; i++)
        if (f->attrs[i].type == type && (!best || f->attrs[i].id < best->id)) best = &f->attrs[i];
    return best;
}

/* One index record (fixed up in place) between rec and rec + len. */
static int proc_record(struct idx_ctx *c, uint8_t *rec, size_t len, int last)
{
    if (len < 40 || ntfs_fixup(rec, len)) return -1;
    uint8_t *list = rec + 24;
    uint32_t begin = le32(list), seqend = le32(list + 4);
    if (begin > len - 24) return -1;
    uint8_t *e = list + begin;
    size_t list_len = (size_t)(rec + len - e);
    if (last ? (list_len > len || 24 + (size_t)seqend > len) : (24 + (size_t)seqend > len))
        return -1;
    if (seqend < begin) return -1;
    return proc_entries(c, e, list_len, seqend - begin);
}

static int load_alloc(struct idx_ctx *c, const struct ntfs_attr *ia)
{
    if (ia->resident || ia->alloc > NTFS_MAX_IDXALLOC) return -1;
    uint8_t *buf;
    size_t n;
    int rc = ntfs_attr_load(c->fs, ia, 1, (size_t)ia->alloc, &buf, &n);
    if (rc) return rc;
    size_t cs = c->fs->cluster_size, prev = SIZE_MAX;
    for (size_t off = 0; rc == 0 && off < n; off += cs) {
        if (n < 40 || off > n - 40) {
            rc = -1;
            break;
        }
        if (memcmp(buf + off, "INDX", 4) != 0) continue;
        if (prev != SIZE_MAX) rc = proc_record(c, buf + prev, off - prev, 0);
        prev = off;
    }
    if (rc == 0 && prev != SIZE_MAX) rc = proc_record(c, buf + prev, n - prev, 1);
    free(buf);
    return rc;
}

/* The children the parent map knows that the index did not list as allocated. */
static int add_from_map(struct ntfs_fs *fs, const struct ntfs_file *f, struct ntfs_dir *d)
{
    const struct ntfs_pmap *m = fs->pmap;
    uint16_t seq = f->seq;
    if (!f->alloc && seq > 0) seq--;
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct ntfs_child *k = &m->c[mid];
        if (k->par < f->addr || (k->par == f->addr && k->par_seq < seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= m->n || m->c[lo].par != f->addr || m->c[lo].par_seq != seq) return 0;
    struct seen *s = malloc((d->n ? d->n : 1) * sizeof *s);
    if (!s) return KT_ENOMEM;
    size_t ns = d->n;
    for (size_t i = 0; i < ns; i++)
        s[i] = (struct seen){d->e[i].meta, ntfs_name_hash(d->e[i].name), d->e[i].alloc};
    qsort(s, ns, sizeof *s, seen_cmp);
    int rc = 0;
    for (size_t i = lo; rc == 0 && i < m->n && m->c[i].par == f->addr && m->c[i].par_seq == seq;
         i++) {
        if (dir_contains(s, ns, m->c[i].addr, m->c[i].hash) == 2) continue;
        struct ntfs_file cf;
        if (ntfs_file_load(fs, m->c[i].addr, &cf) != 0) continue;
        uint16_t cseq = cf.alloc ? cf.seq : (uint16_t)(cf.seq - 1);
        for (size_t k = 0; rc == 0 && k < cf.nnames; k++)
            if (cf.names[k].par == f->addr)
                rc = ntfs_dir_add(d, cf.names[k].name, cf.addr, cseq, NTFS_NT_UNDEF,
                                  (uint8_t)cf.alloc);
        ntfs_file_free(&cf);
    }
    free(s);
    return rc;
}

int ntfs_dir_load(struct ntfs_fs *fs, const struct ntfs_file *f, struct ntfs_dir *d)
{
    struct idx_ctx c = {fs, d, f->addr, !f->alloc};
    const struct ntfs_attr *root = lowest(f, NTFS_AT_IDXROOT);
    if (!root || !root->resident || root->data_len < 32 || le32(root->data) != NTFS_AT_FNAME)
        return -1;
    const uint8_t *list = root->data + 16;
    uint32_t begin = le32(list), seqend = le32(list + 4), bufend = le32(list + 8);
    if (seqend < begin || bufend < seqend || (uint64_t)16 + bufend > root->data_len) return -1;
    int rc = proc_entries(&c, list + begin, bufend - begin, seqend - begin);
    if (rc) return rc;
    const struct ntfs_attr *ia = lowest(f, NTFS_AT_IDXALLOC);
    if (!ia && (le32(list + 12) & 1)) return -1;
    if (ia && (rc = load_alloc(&c, ia)) != 0) return rc;
    if (fs->pmap && (rc = add_from_map(fs, f, d)) != 0) return rc;
    return 0;
}
