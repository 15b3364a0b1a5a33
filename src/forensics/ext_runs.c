/* ext2/3/4 file content: block maps (direct, single, double, triple indirect), extent trees
 * (bounded in depth and node count), inline data (i_block plus the system.data attribute), and
 * reading through them with holes and uninitialised extents as zeros. Where the Sleuth Kit gives
 * up on a map (an indirect block outside the volume, a bad extent header), so do we: the
 * directory walk and cat must agree with fls and icat. */
#include "forensics/ext.h"

#include "base/err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define FLAG_EXTENTS 0x00080000u
#define FLAG_INLINE 0x10000000u
#define EXTENT_MAGIC 0xF30A
#define EXTENT_DEPTH_MAX 32        /* TSK's limit */
#define EXTENT_NODES_MAX 1000000   /* index and leaf blocks read for one file */
#define INDIRECT_READS_MAX 2000000 /* indirect blocks read for one file */
#define INLINE_MAX (1024 - 156)    /* TSK's bound on inline files */
#define READ_CHUNK (1u << 18)

void ext_runs_free(struct ext_runs *r)
{
    free(r->v);
    free(r->inline_data);
    memset(r, 0, sizeof *r);
}

/* Appends a run, merging it with the previous one where they continue each other. */
static int add_run(struct ext_runs *r, uint64_t lblk, uint64_t pblk, uint64_t len, int sparse)
{
    if (!len) return 0;
    if (r->n) {
        struct ext_run *p = &r->v[r->n - 1];
        if (p->sparse == sparse && p->lblk + p->len == lblk &&
            (sparse || p->pblk + p->len == pblk)) {
            p->len += len;
            return 0;
        }
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct ext_run *v = realloc(r->v, cap * sizeof *v);
        if (!v) return KT_ENOMEM;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] =
        (struct ext_run){.lblk = lblk, .pblk = sparse ? 0 : pblk, .len = len, .sparse = sparse};
    return 0;
}

/* ---- block maps ---- */

struct bmap {
    struct ext_fs *fs;
    struct ext_runs *r;
    uint64_t next, total; /* next logical block, blocks the size covers */
    uint64_t per;         /* pointers per block */
    size_t reads;
    uint8_t *bufs[3];
};

/* Maps the blocks under pointer p at indirection level (0 = data block). */
static int bmap_ptr(struct bmap *m, uint32_t p, int level)
{
    if (m->next >= m->total) return 0;
    uint64_t span = 1;
    for (int i = 0; i < level; i++)
        span *= m->per;
    if (p == 0) { /* a hole, however deep */
        uint64_t n = m->total - m->next < span ? m->total - m->next : span;
        int rc = add_run(m->r, m->next, 0, n, 1);
        m->next += n;
        return rc;
    }
    if (level == 0) return add_run(m->r, m->next++, p, 1, 0);
    if (p >= m->fs->block_count) {
        forensics_diag_add(m->fs->diag, "ext: indirect block %" PRIu32 " outside the volume", p);
        return KT_EINVAL;
    }
    if (++m->reads > INDIRECT_READS_MAX) return KT_EINVAL;
    uint8_t *b = m->bufs[level - 1];
    if (ext_read_block(m->fs, p, b) != 0) {
        forensics_diag_add(m->fs->diag, "ext: indirect block %" PRIu32 " unreadable", p);
        return KT_EINVAL;
    }
    for (uint64_t i = 0; i < m->per && m->next < m->total; i++) {
        int rc = bmap_ptr(m, le32(b + 4 * i), level - 1);
        if (rc) return rc;
    }
    return 0;
}

static int load_blockmap(struct ext_fs *fs, const struct ext_inode *in, struct ext_runs *r)
{
    struct bmap m = {.fs = fs, .r = r, .per = fs->block_size / 4};
    m.total = in->size / fs->block_size + (in->size % fs->block_size != 0);
    /* fast symlinks keep their target in the pointers; TSK then reads zeros */
    int fast_link = in->link && in->size < sizeof in->iblock;
    int rc = 0;
    for (int i = 0; i < 12 && rc == 0; i++)
        rc = bmap_ptr(&m, fast_link ? 0 : le32(in->iblock + 4 * i), 0);
    for (int level = 1; level <= 3 && rc == 0 && m.next < m.total; level++) {
        if (!m.bufs[level - 1]) {
            for (int k = 0; k < level; k++) {
                if (m.bufs[k]) continue;
                m.bufs[k] = malloc(fs->block_size);
                if (!m.bufs[k]) rc = KT_ENOMEM;
            }
        }
        if (rc == 0) rc = bmap_ptr(&m, fast_link ? 0 : le32(in->iblock + 44 + 4 * level), level);
    }
    for (int k = 0; k < 3; k++)
        free(m.bufs[k]);
    return rc;
}

/* ---- extent trees ---- */

struct etree {
    struct ext_fs *fs;
    struct ext_runs *r;
    size_t nodes;
};

static int extent_leaf(struct etree *t, const uint8_t *e)
{
    uint64_t lblk = le32(e);
    uint16_t len = le16(e + 4);
    uint64_t start = (uint64_t)le16(e + 6) << 32 | le32(e + 8);
    if (len > 0x8000) return add_run(t->r, lblk, 0, len - 0x8000u, 1); /* uninitialised */
    return add_run(t->r, lblk, start, len, 0);
}

/* Walks the node in buf (header first, room bytes long); depth counts recursion. */
static int extent_node(struct etree *t, const uint8_t *buf, size_t room, int depth)
{
    if (le16(buf) != EXTENT_MAGIC) return KT_EINVAL;
    uint16_t n = le16(buf + 2), node_depth = le16(buf + 6);
    if (n > (room - 12) / 12) return KT_EINVAL;
    if (node_depth == 0) {
        for (uint16_t i = 0; i < n; i++) {
            int rc = extent_leaf(t, buf + 12 + 12 * i);
            if (rc) return rc;
        }
        return 0;
    }
    if (depth >= EXTENT_DEPTH_MAX) return KT_EINVAL;
    uint8_t *child = malloc(t->fs->block_size);
    if (!child) return KT_ENOMEM;
    int rc = 0;
    for (uint16_t i = 0; i < n && rc == 0; i++) {
        const uint8_t *ix = buf + 12 + 12 * i;
        uint64_t blk = (uint64_t)le16(ix + 8) << 32 | le32(ix + 4);
        if (++t->nodes > EXTENT_NODES_MAX || ext_read_block(t->fs, blk, child) != 0) {
            forensics_diag_add(t->fs->diag, "ext: extent block %" PRIu64 " unreadable", blk);
            rc = KT_EINVAL;
        } else {
            rc = extent_node(t, child, t->fs->block_size, depth + 1);
        }
    }
    free(child);
    return rc;
}

static int cmp_run(const void *a, const void *b)
{
    const struct ext_run *x = a, *y = b;
    return x->lblk < y->lblk ? -1 : x->lblk > y->lblk;
}

static int load_extents(struct ext_fs *fs, const struct ext_inode *in, struct ext_runs *r)
{
    struct etree t = {.fs = fs, .r = r};
    int rc = extent_node(&t, in->iblock, sizeof in->iblock, 0);
    if (rc) {
        forensics_diag_add(fs->diag, "ext: inode %u: extent tree cannot be followed", in->ino);
        return rc;
    }
    /* The Sleuth Kit (4.12) cannot add the runs of a tree with two or more index or leaf
     * blocks ("fs_attr_add_run: No filler entry"): fls then lists nothing in such a directory
     * and icat prints nothing. The walk copies that; cat reads the file. */
    r->tsk_unreadable = t.nodes >= 2;
    if (r->n > 1) qsort(r->v, r->n, sizeof *r->v, cmp_run);
    uint64_t total = in->size / fs->block_size + (in->size % fs->block_size != 0);
    uint64_t end = r->n ? r->v[r->n - 1].lblk + r->v[r->n - 1].len : 0;
    return end < total ? add_run(r, end, 0, total - end, 1) : 0;
}

/* ---- inline data ---- */

/* The system.data extended attribute in the inode's extra space, as TSK finds it. */
static void inline_ea(const struct ext_inode *in, const uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    if (in->raw_len <= 160) return;
    const uint8_t *ea = in->raw + 160;
    size_t n = in->raw_len - 160;
    if (n <= 4 + 17 || le32(ea) != 0xEA020000u) return;
    size_t i = 4;
    while (ea[i] != 0 || ea[i + 1] != 0) {
        uint8_t nlen = ea[i], nidx = ea[i + 1];
        if (nidx == 7 && nlen == 4 && i + 17 + 4 < n && memcmp(ea + i + 16, "data", 4) == 0) {
            size_t off = le16(ea + i + 2);
            uint32_t size = le32(ea + i + 8);
            if (off < n - 4 && size <= n - 4 - off) {
                *data = ea + 4 + off;
                *len = size;
                return;
            }
        }
        i += 16 + (size_t)nlen;
        if (i + 17 + 4 > n) return;
    }
}

static int load_inline(const struct ext_inode *in, struct ext_runs *r)
{
    if (in->size == 0 || in->size > INLINE_MAX) return KT_EINVAL;
    size_t size = (size_t)in->size;
    r->inline_data = calloc(1, size);
    if (!r->inline_data) return KT_ENOMEM;
    size_t first = size < sizeof in->iblock ? size : sizeof in->iblock;
    memcpy(r->inline_data, in->iblock, first);
    const uint8_t *ea;
    size_t ea_len;
    inline_ea(in, &ea, &ea_len);
    if (size > first && ea_len)
        memcpy(r->inline_data + first, ea, ea_len < size - first ? ea_len : size - first);
    r->inline_len = size;
    r->is_inline = 1;
    return 0;
}

int ext_runs_load(struct ext_fs *fs, const struct ext_inode *in, struct ext_runs *r)
{
    memset(r, 0, sizeof *r);
    int rc;
    if (in->flags & FLAG_EXTENTS)
        rc = load_extents(fs, in, r);
    else if (in->flags & FLAG_INLINE)
        rc = load_inline(in, r);
    else
        rc = load_blockmap(fs, in, r);
    if (rc) ext_runs_free(r);
    return rc;
}

/* Index of the first run ending after logical block b (r->n if none). */
static size_t find_run(const struct ext_runs *r, uint64_t b)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->v[mid].lblk + r->v[mid].len <= b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t ext_runs_hole(const struct ext_runs *r, uint64_t b)
{
    if (r->is_inline) return b;
    size_t i = find_run(r, b);
    if (i == r->n) return UINT64_MAX;
    if (r->v[i].lblk > b) return r->v[i].lblk;
    return r->v[i].sparse ? r->v[i].lblk + r->v[i].len : b;
}

/* Fills buf with n bytes of the file from logical byte off, n never crossing out of one run
 * or gap: sets *span to how many bytes that is (at most n). */
static int read_span(struct ext_fs *fs, const struct ext_runs *r, uint64_t off, uint8_t *buf,
                     size_t n, size_t *span)
{
    uint64_t bs = fs->block_size, b = off / bs;
    size_t i = find_run(r, b);
    uint64_t end; /* first logical byte past this run or gap */
    int hole = 1;
    const struct ext_run *run = i < r->n ? &r->v[i] : NULL;
    if (run && run->lblk <= b) {
        end = (run->lblk + run->len) * bs;
        hole = run->sparse;
    } else {
        end = run ? run->lblk * bs : UINT64_MAX;
    }
    size_t k = end - off < n ? (size_t)(end - off) : n;
    *span = k;
    if (hole) {
        memset(buf, 0, k);
        return 0;
    }
    uint64_t p = run->pblk + (b - run->lblk);
    uint64_t last = (p * bs + (off % bs) + k + bs - 1) / bs; /* blocks touched must exist */
    if (p >= fs->block_count || last > fs->block_count) return KT_EIO;
    return ext_read(fs, p * bs + off % bs, buf, k);
}

int ext_runs_read(struct ext_fs *fs, const struct ext_runs *r, uint64_t size, uint64_t off,
                  void *buf, size_t n)
{
    uint8_t *out = buf;
    if (off > size || n > size - off) return KT_EIO;
    if (r->is_inline) {
        memcpy(out, r->inline_data + off, n);
        return 0;
    }
    while (n) {
        size_t k;
        int rc = read_span(fs, r, off, out, n, &k);
        if (rc) return rc;
        out += k;
        off += k;
        n -= k;
    }
    return 0;
}

int ext_read_file(struct ext_fs *fs, uint32_t ino, forensics_data_fn fn, void *ctx)
{
    struct ext_inode in;
    int rc = ext_inode_load(fs, ino, &in);
    if (rc) return kt_fail(rc == KT_ENOTFOUND ? rc : KT_EIO, "ext: inode %u cannot be read", ino);
    /* fast symlinks: the target (icat prints as many zero bytes) */
    if (in.link && in.size < sizeof in.iblock) {
        rc = fn(ctx, 0, in.link, strlen(in.link));
        ext_inode_clear(&in);
        return rc;
    }
    struct ext_runs r;
    rc = ext_runs_load(fs, &in, &r);
    if (rc) {
        ext_inode_clear(&in);
        return kt_fail(KT_EIO, "ext: inode %u: its block map cannot be followed", ino);
    }
    uint8_t *buf = malloc(READ_CHUNK);
    if (!buf) rc = KT_ENOMEM;
    uint64_t off = 0;
    while (rc == 0 && off < in.size) {
        size_t want = in.size - off < READ_CHUNK ? (size_t)(in.size - off) : READ_CHUNK, k = want;
        if (r.is_inline)
            memcpy(buf, r.inline_data + off, want);
        else if (read_span(fs, &r, off, buf, want, &k) != 0) {
            forensics_diag_add(fs->diag, "ext: inode %u: data at byte %" PRIu64 " unreadable", ino,
                               off);
            rc = kt_fail(KT_EIO, "ext: inode %u: data at byte %" PRIu64 " unreadable", ino, off);
            break;
        }
        rc = fn(ctx, off, buf, k);
        off += k;
    }
    free(buf);
    ext_runs_free(&r);
    ext_inode_clear(&in);
    return rc;
}
