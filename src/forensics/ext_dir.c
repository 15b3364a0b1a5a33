/* ext2/3/4 directories read the way the Sleuth Kit reads them: every block of the directory
 * file in order (htree index blocks included, they hold no valid entries), each block scanned
 * for entries by record length and, in the slack a record leaves after its name, for the
 * deleted entries that used to be there. Names are de-duplicated per directory by inode and
 * name as TSK does (an allocated name replaces a deleted one). */
#include "forensics/ext_dir.h"

#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#define DIRSIZ(len) (((len) + 8 + 3) & ~3)
#define NAME_MAX_LEN 255
#define DIR_NAMES_MAX 1000000 /* TSK's MAX_DIR_SIZE_TO_PROCESS */

void ext_dlist_free(struct ext_dlist *l)
{
    free(l->v);
    free(l->pool);
    free(l->ht);
    memset(l, 0, sizeof *l);
}

const char *ext_dname(const struct ext_dlist *l, const struct ext_dname *d)
{
    return l->pool + d->name_off;
}

static uint32_t hash_name(uint32_t ino, const char *s, size_t n)
{
    uint32_t h = 2166136261u ^ ino;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return (h ^ ino) * 0x9E3779B1u;
}

static int ht_grow(struct ext_dlist *l)
{
    size_t cap = l->ht_cap ? l->ht_cap * 2 : 256;
    uint32_t *ht = malloc(cap * sizeof *ht);
    if (!ht) return KT_ENOMEM;
    memset(ht, 0xff, cap * sizeof *ht);
    for (size_t i = 0; i < l->n; i++) {
        const struct ext_dname *d = &l->v[i];
        size_t h = hash_name(d->ino, l->pool + d->name_off, d->name_len) & (cap - 1);
        while (ht[h] != UINT32_MAX)
            h = (h + 1) & (cap - 1);
        ht[h] = (uint32_t)i;
    }
    free(l->ht);
    l->ht = ht;
    l->ht_cap = cap;
    return 0;
}

int ext_dlist_add(struct ext_dlist *l, const char *name, size_t len, uint32_t ino, uint8_t type,
                  int unalloc)
{
    if (l->n * 2 >= l->ht_cap && ht_grow(l)) return KT_ENOMEM;
    size_t mask = l->ht_cap - 1, h = hash_name(ino, name, len) & mask;
    for (; l->ht[h] != UINT32_MAX; h = (h + 1) & mask) {
        struct ext_dname *d = &l->v[l->ht[h]];
        if (d->ino != ino || d->name_len != len || memcmp(l->pool + d->name_off, name, len))
            continue;
        if (d->unalloc && !unalloc) { /* the allocated name wins, in the deleted one's place */
            d->type = type;
            d->unalloc = 0;
        }
        return 0;
    }
    if (l->n >= DIR_NAMES_MAX) return KT_ETOOBIG;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct ext_dname *v = realloc(l->v, cap * sizeof *v);
        if (!v) return KT_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    if (l->pool_len + len + 1 > l->pool_cap) {
        size_t cap = l->pool_cap ? l->pool_cap * 2 : 4096;
        while (cap < l->pool_len + len + 1)
            cap *= 2;
        char *p = realloc(l->pool, cap);
        if (!p) return KT_ENOMEM;
        l->pool = p;
        l->pool_cap = cap;
    }
    memcpy(l->pool + l->pool_len, name, len);
    l->pool[l->pool_len + len] = 0;
    l->v[l->n] = (struct ext_dname){.name_off = l->pool_len,
                                    .name_len = (uint16_t)len,
                                    .ino = ino,
                                    .type = type,
                                    .unalloc = (uint8_t)unalloc};
    l->ht[h] = (uint32_t)l->n++;
    l->pool_len += len + 1;
    return 0;
}

/* Directory-entry file type to TSK's name type. */
static uint8_t name_type(uint8_t t)
{
    static const uint8_t map[8] = {EXT_N_UNDEF, EXT_N_REG,  EXT_N_DIR,  EXT_N_CHR,
                                   EXT_N_BLK,   EXT_N_FIFO, EXT_N_SOCK, EXT_N_LNK};
    return t < 8 ? map[t] : EXT_N_UNDEF;
}

/* TSK's ext2fs_dent_parse_block: steps by the length a name needs rather than the record
 * length, so that names in the slack after a record come out as deleted. */
static int parse_block(struct ext_fs *fs, struct ext_dlist *l, int is_del, const uint8_t *buf,
                       int len)
{
    int dellen = 0, minreclen = 4;
    for (int idx = 0; idx <= len - DIRSIZ(1); idx += minreclen) {
        const uint8_t *p = buf + idx;
        uint32_t ino = le32(p);
        unsigned reclen = le16(p + 4);
        unsigned namelen = fs->dirent_v2 ? p[6] : le16(p + 6);
        minreclen = DIRSIZ((int)namelen);
        if ((uint64_t)ino > (uint64_t)fs->inodes_count + 1 || namelen > NAME_MAX_LEN ||
            namelen == 0 || reclen < (unsigned)minreclen || reclen % 4 || idx + (int)reclen > len) {
            minreclen = 4;
            if (dellen > 0) dellen -= 4;
            continue;
        }
        if (dellen && dellen < minreclen) {
            minreclen = 4;
            dellen -= 4;
            continue;
        }
        /* the name as TSK copies it: up to the first NUL */
        const char *name = (const char *)p + 8;
        size_t n = strnlen(name, namelen);
        uint8_t type = fs->dirent_v2 ? name_type(p[7]) : EXT_N_UNDEF;
        int unalloc = dellen > 0 || ino == 0 || is_del;
        if (unalloc && dellen > 0) dellen -= minreclen;
        int rc = ext_dlist_add(l, name, n, ino, type, unalloc);
        if (rc) return rc;
        if (dellen <= 0) {
            if ((int)reclen - minreclen >= DIRSIZ(1))
                dellen = (int)reclen - minreclen;
            else
                minreclen = (int)reclen;
        }
    }
    return 0;
}

int ext_dir_load(struct ext_fs *fs, uint32_t ino, struct ext_dlist *l)
{
    struct ext_inode in;
    int rc = ext_inode_load(fs, ino, &in);
    if (rc) return rc;
    int is_del = in.alloc == EXT_ALLOC_NO;
    struct ext_runs r;
    rc = ext_runs_load(fs, &in, &r);
    uint64_t size = in.size, bs = fs->block_size;
    ext_inode_clear(&in);
    if (rc) return rc == KT_EINVAL && (in.flags & 0x10000000u) && size == 0 ? 0 : rc;
    uint64_t total = r.is_inline ? size : (size + bs - 1) / bs * bs;
    /* TSK reads whole blocks: a size that is not a multiple of the block fails the last read */
    if (!r.is_inline && (size == 0 || size > INT64_MAX - bs || size % bs)) rc = KT_EINVAL;
    if (r.tsk_unreadable) {
        forensics_diag_add(
            fs->diag, "ext: directory %u: extent tree of several blocks, not listed (as fls)", ino);
        rc = KT_EINVAL;
    }
    uint8_t *buf = rc ? NULL : malloc(bs);
    if (!rc && !buf) rc = KT_ENOMEM;
    for (uint64_t off = 0; rc == 0 && off < total; off += bs) {
        uint64_t next = ext_runs_hole(&r, off / bs); /* holes read as zeros: no entries */
        if (next != off / bs) {
            if (next >= total / bs) break;
            off = next * bs - bs;
            continue;
        }
        size_t n = total - off < bs ? (size_t)(total - off) : (size_t)bs;
        if (fs->dir_budget == 0) {
            forensics_diag_add(fs->diag,
                               "ext: directory %u: more directory data than the "
                               "volume holds, walk cut short",
                               ino);
            rc = KT_ETOOBIG;
            break;
        }
        fs->dir_budget--;
        if (ext_runs_read(fs, &r, size, off, buf, n) != 0) {
            forensics_diag_add(fs->diag, "ext: directory %u: block at byte %llu unreadable", ino,
                               (unsigned long long)off);
            rc = KT_EIO;
        } else {
            rc = parse_block(fs, l, is_del, buf, (int)n);
        }
    }
    free(buf);
    ext_runs_free(&r);
    return rc;
}
