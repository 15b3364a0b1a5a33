/* NTFS: one MFT entry parsed into a file (attributes, data runs, names, times), following the
 * Sleuth Kit's reading of the same bytes so that listings agree; attribute lists pull in the
 * extension entries. Every offset and length is checked against the record. */
#include "base/err.h"
#include "forensics/ntfs_priv.h"

#include <stdlib.h>
#include <string.h>

struct forensics_time ntfs_time(uint64_t nt)
{
    /* As the Sleuth Kit 4.11 (the reference fls): seconds since 1970 truncated to 32 bits,
     * with the subtraction wrapping for times before 1970 (0 prints as 3373865674). */
    const uint64_t delta = 116444736000000000ULL; /* 1601 to 1970 in 100 ns */
    struct forensics_time t;
    t.sec = (int64_t)(uint32_t)((nt - delta) / 10000000);
    t.nsec = (uint32_t)(nt % 10000000) * 100;
    return t;
}

char *ntfs_utf16(const uint8_t *p, size_t units)
{
    char *out = malloc(units * 3 + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = le16(p + 2 * i);
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < units) {
            uint32_t c2 = le16(p + 2 * i + 2);
            if (c2 >= 0xdc00 && c2 < 0xe000) {
                c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
                i++;
            } else {
                c = '^';
            }
        } else if (c >= 0xd800 && c < 0xe000) {
            c = '^';
        }
        if (c < 0x20) c = '^';
        if (c < 0x80) {
            *o++ = (char)c;
        } else if (c < 0x800) {
            *o++ = (char)(0xc0 | c >> 6);
            *o++ = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            *o++ = (char)(0xe0 | c >> 12);
            *o++ = (char)(0x80 | ((c >> 6) & 0x3f));
            *o++ = (char)(0x80 | (c & 0x3f));
        } else {
            *o++ = (char)(0xf0 | c >> 18);
            *o++ = (char)(0x80 | ((c >> 12) & 0x3f));
            *o++ = (char)(0x80 | ((c >> 6) & 0x3f));
            *o++ = (char)(0x80 | (c & 0x3f));
        }
    }
    *o = '\0';
    return out;
}

void ntfs_file_free(struct ntfs_file *f)
{
    for (size_t i = 0; i < f->nattrs; i++) {
        free(f->attrs[i].name);
        free(f->attrs[i].runs);
    }
    free(f->attrs);
    for (size_t i = 0; i < f->nnames; i++)
        free(f->names[i].name);
    free(f->names);
    memset(f, 0, sizeof *f);
}

const struct ntfs_attr *ntfs_file_attr(const struct ntfs_file *f, uint32_t type, const char *name,
                                       int id)
{
    for (size_t i = 0; i < f->nattrs; i++) {
        const struct ntfs_attr *a = &f->attrs[i];
        if (a->type != type) continue;
        if (id >= 0) {
            if (a->id == id) return a;
        } else if (!name) {
            if (!a->name) return a;
        } else if (!*name || (a->name && strcmp(a->name, name) == 0)) {
            return a;
        }
    }
    return NULL;
}

/* An attribute list entry: which attribute lives in which extension record, and its new id. */
struct amap_ent {
    uint32_t type;
    const uint8_t *name; /* UTF-16LE inside the loaded list */
    uint8_t nlen;
    uint64_t mft;
    uint16_t new_id;
};
struct amap {
    struct amap_ent e[256];
    size_t n;
};

int ntfs_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : first;
    void *p = realloc(*(void **)arr, c * size);
    if (!p) return KT_ENOMEM;
    *(void **)arr = p;
    *cap = c;
    return 0;
}

static struct ntfs_attr *new_attr(struct ntfs_file *f)
{
    if (f->nattrs >= NTFS_MAX_ATTRS ||
        ntfs_grow(&f->attrs, &f->attrs_cap, f->nattrs, sizeof *f->attrs, 8))
        return NULL;
    struct ntfs_attr *a = &f->attrs[f->nattrs++];
    memset(a, 0, sizeof *a);
    return a;
}

static int add_run(struct ntfs_attr *a, uint64_t vcn, uint64_t lcn, uint64_t len, int sparse)
{
    if (a->nruns >= NTFS_MAX_RUNS ||
        ntfs_grow(&a->runs, &a->runs_cap, a->nruns, sizeof *a->runs, 4))
        return -1;
    size_t i = a->nruns;
    while (i > 0 && a->runs[i - 1].vcn > vcn)
        i--; /* keep VCN order across extensions */
    memmove(&a->runs[i + 1], &a->runs[i], (a->nruns - i) * sizeof *a->runs);
    a->runs[i] = (struct ntfs_run){vcn, lcn, len, sparse};
    a->nruns++;
    return 0;
}

/* Decodes a run list into a; -1 when it is corrupt (what was decoded stays). */
static int decode_runs(struct ntfs_fs *fs, struct ntfs_attr *a, const uint8_t *p, size_t n,
                       uint64_t vcn, uint64_t recno)
{
    uint64_t prev = 0;
    size_t pos = 0, first = a->nruns, added = 0;
    while (pos < n && (p[pos] & 0x0f) != 0) {
        unsigned lsz = p[pos] & 0x0f, osz = p[pos] >> 4;
        if (lsz > 8 || lsz > n - pos - 1 || osz > 8 || osz > n - pos - 1 - lsz) return -1;
        uint64_t len = 0;
        for (unsigned i = 0; i < lsz; i++)
            len |= (uint64_t)p[pos + 1 + i] << (8 * i);
        if (len > fs->total_clusters) return -1;
        int64_t delta = 0;
        for (unsigned i = 0; i < osz; i++)
            delta |= (int64_t)((uint64_t)p[pos + 1 + lsz + i] << (8 * i));
        if (osz && osz < 8 && (p[pos + lsz + osz] & 0x80))
            delta |= (int64_t)(~(uint64_t)0 << (8 * osz));
        int sparse = 0;
        uint64_t lcn = 0;
        if (delta == -1 && prev == 0) {
            sparse = 1;
        } else if (delta != 0 || recno == 7) {
            lcn = prev + (uint64_t)delta;
            prev = lcn;
            if (lcn > fs->total_clusters || len > fs->total_clusters - lcn) return -1;
        } else {
            sparse = 1;
        }
        if (add_run(a, vcn, lcn, len, sparse)) return -1;
        added++;
        if (len > UINT64_MAX - vcn) return -1;
        vcn += len;
        pos += 1 + lsz + osz;
    }
    /* $BadClus: one sparse run over the whole volume means no bad clusters. */
    if (added == 1 && a->nruns == first + 1 && a->runs[first].sparse &&
        a->runs[first].len == fs->total_clusters) {
        a->nruns = first;
    }
    return 0;
}

static void set_mode(struct ntfs_file *f, uint32_t dos)
{
    char m[10] = "--x--x--x";
    if (!(dos & 0x1)) m[0] = m[3] = m[6] = 'r';
    if (!(dos & 0x2)) m[1] = m[4] = m[7] = 'w';
    memcpy(f->mode + 1, m, 9);
}

static int add_name(struct ntfs_file *f, uint64_t par, uint16_t par_seq, char *name)
{
    if (ntfs_grow(&f->names, &f->names_cap, f->nnames, sizeof *f->names, 2)) return -1;
    f->names[f->nnames++] = (struct ntfs_name){par, par_seq, name};
    return 0;
}

static void proc_si(struct ntfs_file *f, const uint8_t *rec, size_t rec_size, const uint8_t *at,
                    uint32_t alen)
{
    uint16_t soff = le16(at + 20);
    if (soff < 16 || soff >= alen || alen < 48 || soff > alen - 48) return;
    const uint8_t *si = at + soff;
    for (int i = 0; i < 4; i++)
        f->si_nt[i] = le64(si + 8 * i);
    f->crtime = ntfs_time(le64(si));
    f->mtime = ntfs_time(le64(si + 8));
    f->ctime = ntfs_time(le64(si + 16));
    f->atime = ntfs_time(le64(si + 24));
    f->dos_flags = le32(si + 32);
    f->si_has_owner = le32(at + 16) >= 72;
    /* The owner id of a 72-byte $STANDARD_INFORMATION; the Sleuth Kit reads it even from a
     * 48-byte one (whatever follows), and so do we, within the record. */
    size_t o = (size_t)(si - rec) + 48;
    f->uid = o + 4 <= rec_size ? le32(rec + o) : 0;
    set_mode(f, f->dos_flags);
}

static int proc_fname(struct ntfs_file *f, const uint8_t *at, uint32_t alen, uint16_t id)
{
    uint16_t soff = le16(at + 20);
    if (soff < 16 || soff >= alen || alen < 66 || soff > alen - 66) return 0;
    const uint8_t *fn = at + soff;
    if (fn[65] == 2) return 0; /* DOS name */
    for (int i = 0; i < 4; i++)
        f->fn_nt[i] = le64(fn + 8 + 8 * i);
    f->fn_crtime = ntfs_time(le64(fn + 8));
    f->fn_mtime = ntfs_time(le64(fn + 16));
    f->fn_ctime = ntfs_time(le64(fn + 24));
    f->fn_atime = ntfs_time(le64(fn + 32));
    f->fn_id = id;
    uint8_t nlen = fn[64];
    if (nlen > alen - 66 || soff + 66 + 2u * nlen > alen) return 0;
    char *name = ntfs_utf16(fn + 66, nlen);
    if (!name || add_name(f, le48(fn), le16(fn + 6), name)) {
        free(name);
        return KT_ENOMEM;
    }
    return 0;
}

/* One record's attribute sequence, as the Sleuth Kit's ntfs_proc_attrseq. *attrlist receives
 * the index of the $ATTRIBUTE_LIST attribute (base record only). */
static int proc_attrseq(struct ntfs_fs *fs, struct ntfs_file *f, const uint8_t *rec, uint64_t recno,
                        const struct amap *map, long *attrlist)
{
    uint16_t aoff = le16(rec + 20);
    if (aoff > fs->rec_size) return 0;
    const uint8_t *p = rec + aoff, *end = rec + fs->rec_size;
    while (end - p >= 16) {
        uint32_t type = le32(p), alen = le32(p + 4);
        if (alen == 0 || type == 0xffffffff || alen > (size_t)(end - p)) break;
        uint16_t name_off = le16(p + 10);
        uint8_t nlen = p[9];
        if (name_off > alen) break;
        uint16_t id = le16(p + 14), id_new = id;
        if (map) {
            for (size_t i = 0; i < map->n; i++) {
                size_t cmp = (size_t)nlen * 2;
                if (map->e[i].type == type && name_off + cmp <= alen &&
                    (cmp == 0 || memcmp(map->e[i].name, p + name_off, cmp) == 0)) {
                    id_new = map->e[i].new_id;
                    break;
                }
            }
        }
        char *name = NULL;
        if (nlen && name_off + (uint32_t)nlen * 2 < alen) {
            name = ntfs_utf16(p + name_off, nlen);
            if (!name) return KT_ENOMEM;
        }
        if (p[8] == 0) { /* resident */
            if (end - p < 24) {
                free(name);
                break;
            }
            uint16_t soff = le16(p + 20);
            uint32_t ssize = le32(p + 16);
            if ((size_t)soff + ssize > (size_t)(end - p)) {
                free(name);
                forensics_diag_add(fs->diag, "ntfs: entry %llu: resident attribute %u too long",
                                   (unsigned long long)f->addr, type);
                break;
            }
            struct ntfs_attr *a = new_attr(f);
            if (!a) {
                free(name);
                return KT_ENOMEM;
            }
            *a = (struct ntfs_attr){.type = type,
                                    .id = id_new,
                                    .flags = le16(p + 12),
                                    .resident = 1,
                                    .name = name,
                                    .data = p + soff,
                                    .data_len = ssize,
                                    .size = ssize,
                                    .alloc = ssize,
                                    .init = ssize};
            if (f->is_dir && type == NTFS_AT_IDXROOT)
                f->size = ssize;
            else if (!f->is_dir && type == NTFS_AT_DATA && !name)
                f->size = ssize;
        } else {
            if (end - p < 64) {
                free(name);
                break;
            }
            uint16_t run_off = le16(p + 32);
            if (run_off < 48 || run_off >= alen) {
                free(name);
                break;
            }
            uint16_t flags = le16(p + 12);
            if (id_new == 0) {
                for (size_t i = 0; i < f->nattrs; i++) {
                    const struct ntfs_attr *o = &f->attrs[i];
                    if (o->type == type &&
                        ((!name && !o->name) || (name && o->name && strcmp(name, o->name) == 0))) {
                        id_new = o->id;
                        break;
                    }
                }
            }
            uint16_t cu = le16(p + 34);
            if (cu > 16) {
                free(name);
                forensics_diag_add(fs->diag, "ntfs: entry %llu: compression unit 2^%u too large",
                                   (unsigned long long)f->addr, cu);
                break;
            }
            struct ntfs_attr *a = (struct ntfs_attr *)ntfs_file_attr(f, type, NULL, id_new);
            int fresh = a == NULL;
            if (fresh) {
                a = new_attr(f);
                if (!a) {
                    free(name);
                    return KT_ENOMEM;
                }
                a->type = type;
                a->id = id_new;
                a->name = name;
                name = NULL;
                a->flags = flags;
                a->alloc = le64(p + 40);
                a->size = le64(p + 48);
                a->init = le64(p + 56);
                a->comp_size = cu && (flags & 1) ? 1u << cu : 0;
                if ((uint64_t)a->comp_size * fs->cluster_size > NTFS_MAX_COMP_UNIT) {
                    forensics_diag_add(fs->diag,
                                       "ntfs: entry %llu: compression unit of %u clusters "
                                       "not supported, read as stored",
                                       (unsigned long long)f->addr, a->comp_size);
                    a->comp_size = 0;
                }
            }
            free(name);
            if (decode_runs(fs, a, p + run_off, alen - run_off, le64(p + 16), recno))
                forensics_diag_add(fs->diag, "ntfs: entry %llu: corrupt run list in attribute %u",
                                   (unsigned long long)f->addr, type);
            if (fresh) {
                if (a->size == 0 && a->nruns) {
                    const struct ntfs_run *last = &a->runs[a->nruns - 1];
                    a->size = (last->vcn + last->len) * fs->cluster_size;
                }
                if (a->alloc == 0) a->alloc = a->size;
                if (!f->is_dir && type == NTFS_AT_DATA && !a->name) f->size = a->size;
            }
        }
        if (type == NTFS_AT_SI && p[8] == 0) {
            proc_si(f, rec, fs->rec_size, p, alen);
        } else if (type == NTFS_AT_FNAME && p[8] == 0) {
            int rc = proc_fname(f, p, alen, id);
            if (rc) return rc;
        } else if (type == NTFS_AT_ATTRLIST && attrlist && *attrlist < 0) {
            *attrlist = (long)f->nattrs - 1;
        }
        p += alen;
    }
    return 0;
}

/* Reads the attribute list and processes the extension records it names. */
static int proc_attrlist(struct ntfs_fs *fs, struct ntfs_file *f, size_t idx)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    struct ntfs_attr list = f->attrs[idx]; /* copy: f->attrs may move */
    int rc = ntfs_attr_load(fs, &list, 0, 1 << 20, &buf, &n);
    if (rc) return rc == KT_ENOMEM ? rc : 0;
    struct amap *map = calloc(1, sizeof *map);
    uint64_t todo[256];
    size_t ntodo = 0;
    if (!map) {
        free(buf);
        return KT_ENOMEM;
    }
    uint16_t nextid = list.id;
    for (size_t off = 0; off + 26 <= n;) {
        const uint8_t *e = buf + off;
        uint16_t len = le16(e + 4);
        uint8_t nlen = e[6];
        if (len == 0 || len > n - off || 26 + 2 * (size_t)nlen > n - off) break;
        uint32_t type = le32(e);
        uint64_t mft = le48(e + 16);
        uint16_t id = le16(e + 24);
        if (id > nextid) nextid = id;
        int found = 0;
        for (size_t i = 0; i < map->n && !found; i++)
            found = map->e[i].type == type && map->e[i].nlen == nlen &&
                    memcmp(map->e[i].name, e + 26, 2 * (size_t)nlen) == 0;
        if (!found && map->n < 256)
            map->e[map->n++] = (struct amap_ent){type, e + 26, nlen, mft, 0};
        if (mft != f->addr) {
            found = 0;
            for (size_t i = 0; i < ntodo && !found; i++)
                found = todo[i] == mft;
            if (!found && ntodo < 256) todo[ntodo++] = mft;
        }
        off += len;
    }
    for (size_t i = 0; i < map->n; i++)
        if (map->e[i].mft != f->addr) map->e[i].new_id = ++nextid;
    for (size_t i = 0; i < ntodo && rc == 0; i++) {
        const uint8_t *rec = todo[i] ? ntfs_rec(fs, todo[i]) : NULL;
        if (!rec || le48(rec + 32) != f->addr) continue;
        rc = proc_attrseq(fs, f, rec, todo[i], map, NULL);
    }
    free(map);
    free(buf);
    return rc;
}

int ntfs_file_load(struct ntfs_fs *fs, uint64_t addr, struct ntfs_file *f)
{
    memset(f, 0, sizeof *f);
    const uint8_t *rec = ntfs_rec(fs, addr);
    if (!rec) return KT_ENOTFOUND;
    f->addr = addr;
    f->seq = le16(rec + 16);
    f->mft_flags = le16(rec + 22);
    f->alloc = (f->mft_flags & 1) != 0;
    f->is_dir = (f->mft_flags & 2) != 0;
    memcpy(f->mode, "----------", 11);
    long attrlist = -1;
    int rc = proc_attrseq(fs, f, rec, addr, NULL, &attrlist);
    if (rc == 0 && attrlist >= 0) rc = proc_attrlist(fs, f, (size_t)attrlist);
    if (rc) {
        ntfs_file_free(f);
        return rc;
    }
    f->used = f->nattrs > 0;
    return 0;
}
