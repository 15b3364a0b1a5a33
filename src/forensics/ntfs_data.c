/* NTFS: an attribute's content, resident or along its data runs; sparse runs and bytes past the
 * initialised size read as zeros; compressed attributes are decompressed (LZNT1) one
 * compression unit at a time. */
#include "base/err.h"
#include "forensics/ntfs_priv.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK ((size_t)1 << 20)

size_t ntfs_lznt1(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
{
    size_t ip = 0, op = 0;
    while (ip + 2 <= inlen && op < outlen) {
        uint16_t h = (uint16_t)(in[ip] | in[ip + 1] << 8);
        ip += 2;
        if (h == 0) break;
        size_t clen = (size_t)(h & 0x0fff) + 1;
        if (clen > inlen - ip) clen = inlen - ip;
        size_t block = op, bend = op + 4096 < outlen ? op + 4096 : outlen;
        if (!(h & 0x8000)) { /* stored */
            size_t k = clen < bend - op ? clen : bend - op;
            memcpy(out + op, in + ip, k);
            op += k;
        } else {
            size_t cp = ip, cend = ip + clen;
            while (cp < cend && op < bend) {
                uint8_t tags = in[cp++];
                for (int b = 0; b < 8 && cp < cend && op < bend; b++, tags >>= 1) {
                    if (!(tags & 1)) {
                        out[op++] = in[cp++];
                        continue;
                    }
                    if (cp + 2 > cend) {
                        cp = cend;
                        break;
                    }
                    uint16_t t = (uint16_t)(in[cp] | in[cp + 1] << 8);
                    cp += 2;
                    if (op == block) { /* nothing to copy from yet: corrupt */
                        cp = cend;
                        break;
                    }
                    unsigned lbits = 12;
                    for (size_t i = op - block - 1; i >= 0x10; i >>= 1)
                        lbits--;
                    size_t len = (size_t)(t & (0xffffu >> (16 - lbits))) + 3;
                    size_t back = (size_t)(t >> lbits) + 1;
                    if (back > op - block) { /* points before the chunk: corrupt */
                        cp = cend;
                        break;
                    }
                    for (size_t i = 0; i < len && op < bend; i++, op++)
                        out[op] = out[op - back];
                }
            }
        }
        ip += clen;
        if (op < bend && (h & 0x8000)) { /* a short compressed chunk: the rest is zeros */
            memset(out + op, 0, bend - op);
            op = bend;
        }
    }
    return op;
}

/* The run holding vcn, or NULL (a hole). */
static const struct ntfs_run *find_run(const struct ntfs_attr *a, uint64_t vcn, size_t *hint)
{
    size_t i = *hint < a->nruns ? *hint : 0;
    if (i < a->nruns && a->runs[i].vcn > vcn) i = 0;
    for (; i < a->nruns; i++) {
        const struct ntfs_run *r = &a->runs[i];
        if (vcn >= r->vcn && vcn - r->vcn < r->len) {
            *hint = i;
            return r;
        }
        if (r->vcn > vcn) break;
    }
    return NULL;
}

/* Reads clusters [vcn, vcn+n) into buf: sparse and holes as zeros. */
static void read_clusters(struct ntfs_fs *fs, const struct ntfs_attr *a, uint64_t vcn, size_t n,
                          uint8_t *buf, size_t *hint)
{
    size_t cs = fs->cluster_size;
    while (n > 0) {
        const struct ntfs_run *r = find_run(a, vcn, hint);
        size_t k = 1;
        if (r) {
            uint64_t left = r->len - (vcn - r->vcn);
            k = left < n ? (size_t)left : n;
            if (r->sparse)
                memset(buf, 0, k * cs);
            else
                ntfs_read_vol(fs, (r->lcn + (vcn - r->vcn)) * cs, buf, k * cs);
        } else {
            memset(buf, 0, cs);
        }
        buf += k * cs;
        vcn += k;
        n -= k;
    }
}

static int read_compressed(struct ntfs_fs *fs, const struct ntfs_attr *a, uint64_t total,
                           forensics_data_fn fn, void *ctx)
{
    size_t cs = fs->cluster_size, unit = a->comp_size, ub = unit * cs;
    uint8_t *raw = malloc(ub), *out = malloc(ub);
    int rc = 0;
    if (!raw || !out) rc = KT_ENOMEM;
    size_t hint = 0;
    for (uint64_t vcn = 0, off = 0; rc == 0 && off < total; vcn += unit, off += ub) {
        size_t sparse = 0, stored = 0;
        for (size_t i = 0; i < unit; i++) {
            const struct ntfs_run *r = find_run(a, vcn + i, &hint);
            if (!r || r->sparse)
                sparse++;
            else
                stored++;
        }
        const uint8_t *src = out;
        if (stored == 0) {
            memset(out, 0, ub);
        } else {
            read_clusters(fs, a, vcn, unit, raw, &hint);
            if (sparse == 0)
                src = raw;
            else {
                size_t got = ntfs_lznt1(raw, stored * cs, out, ub);
                memset(out + got, 0, ub - got);
            }
        }
        size_t k = total - off < ub ? (size_t)(total - off) : ub;
        rc = fn(ctx, off, src, k);
    }
    free(raw);
    free(out);
    return rc;
}

int ntfs_attr_read(struct ntfs_fs *fs, const struct ntfs_attr *a, int slack, forensics_data_fn fn,
                   void *ctx)
{
    if (a->resident) return a->data_len ? fn(ctx, 0, a->data, a->data_len) : 0;
    if (a->nruns == 0) return 0; /* as icat: no runs (e.g. $BadClus:$Bad), no content */
    uint64_t total = slack ? a->alloc : a->size;
    uint64_t extent = a->nruns ? a->runs[a->nruns - 1].vcn + a->runs[a->nruns - 1].len : 0;
    if (extent < fs->total_clusters) extent = fs->total_clusters;
    if (total / fs->cluster_size > extent) { /* a size no run list or volume supports */
        forensics_diag_add(fs->diag, "ntfs: attribute %u of %llu bytes cut to %llu", a->type,
                           (unsigned long long)total,
                           (unsigned long long)(extent * fs->cluster_size));
        total = extent * fs->cluster_size;
    }
    if (a->comp_size && !slack) return read_compressed(fs, a, total, fn, ctx);
    size_t cs = fs->cluster_size, per = CHUNK / cs ? CHUNK / cs : 1;
    uint8_t *buf = malloc(per * cs);
    if (!buf) return KT_ENOMEM;
    int rc = 0;
    size_t hint = 0;
    for (uint64_t off = 0, vcn = 0; rc == 0 && off < total; off += per * cs, vcn += per) {
        uint64_t left = total - off;
        size_t bytes = left < per * cs ? (size_t)left : per * cs;
        read_clusters(fs, a, vcn, (bytes + cs - 1) / cs, buf, &hint);
        if (!slack && off + bytes > a->init) { /* past the initialised size: zeros */
            size_t keep = a->init > off ? (size_t)(a->init - off) : 0;
            memset(buf + keep, 0, bytes - keep);
        }
        rc = fn(ctx, off, buf, bytes);
    }
    free(buf);
    return rc;
}

struct load_ctx {
    uint8_t *buf;
    size_t n, max;
};

static int load_cb(void *ctx, uint64_t off, const void *data, size_t n)
{
    (void)off;
    struct load_ctx *l = ctx;
    if (n > l->max - l->n) n = l->max - l->n;
    memcpy(l->buf + l->n, data, n);
    l->n += n;
    return l->n == l->max ? 1 : 0;
}

int ntfs_attr_load(struct ntfs_fs *fs, const struct ntfs_attr *a, int slack, size_t max,
                   uint8_t **out, size_t *n)
{
    uint64_t want = a->resident ? a->data_len : slack ? a->alloc : a->size;
    if (want < max) max = (size_t)want;
    struct load_ctx l = {malloc(max ? max : 1), 0, max};
    *out = NULL;
    *n = 0;
    if (!l.buf) return KT_ENOMEM;
    int rc = max ? ntfs_attr_read(fs, a, slack, load_cb, &l) : 0;
    if (rc < 0) {
        free(l.buf);
        return rc;
    }
    *out = l.buf;
    *n = l.n;
    return 0;
}
