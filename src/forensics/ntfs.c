/* NTFS file systems (forensics_ntfs_ops): the boot sector, then listing, content, metadata and
 * free clusters through the MFT held in memory (ntfs_mft.c). */
#include "base/err.h"
#include "forensics/ntfs_priv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* Record sizes in the boot sector: clusters when positive, 2^-v bytes when negative. */
static uint64_t rec_bytes(int8_t v, uint32_t cluster)
{
    if (v > 0) return (uint64_t)v * cluster;
    if (v < -31 || v == 0) return 0;
    return (uint64_t)1 << -v;
}

static void close_fs(void *h)
{
    struct ntfs_fs *fs = h;
    if (!fs) return;
    if (fs->pmap) ntfs_pmap_free(fs->pmap);
    free(fs->pmap);
    free(fs->mft);
    free(fs->rec_ok);
    free(fs);
}

static int open_fs(struct forensics_image *img, uint64_t off, struct forensics_diag *diag,
                   void **out)
{
    *out = NULL;
    uint8_t bs[512];
    size_t got = 0;
    if (forensics_image_read(img, off, bs, sizeof bs, &got) != 0 || got < sizeof bs ||
        memcmp(bs + 3, "NTFS    ", 8) != 0 || le16(bs + 510) != 0xAA55)
        return KT_ENOTFOUND;
    uint32_t bps = le16(bs + 11), spc = bs[13];
    if (spc > 0x80) spc = spc - 0x80 < 20 ? 1u << (256 - spc) : 0;
    uint64_t cs = (uint64_t)bps * spc;
    uint64_t rs = rec_bytes((int8_t)bs[64], (uint32_t)cs);
    uint64_t is = rec_bytes((int8_t)bs[68], (uint32_t)cs);
    uint64_t total = spc ? le64(bs + 40) / spc : 0;
    uint64_t mft = le64(bs + 48);
    if (bps < 256 || bps > 4096 || !pow2(bps) || !pow2(spc) || cs > (2u << 20) || !pow2(rs) ||
        rs < 512 || rs > 65536 || total == 0 || mft >= total)
        return kt_fail(KT_EINVAL, "ntfs: boot sector at byte %llu is inconsistent",
                       (unsigned long long)off);
    struct ntfs_fs *fs = calloc(1, sizeof *fs);
    if (!fs) return KT_ENOMEM;
    fs->img = img;
    fs->off = off;
    fs->diag = diag;
    fs->sector_size = bps;
    fs->cluster_size = (uint32_t)cs;
    fs->rec_size = (uint32_t)rs;
    fs->idx_size = (uint32_t)is;
    fs->total_clusters = total;
    fs->mft_lcn = mft;
    fs->serial = le64(bs + 72);
    int rc = ntfs_mft_load(fs);
    if (rc) {
        close_fs(fs);
        return rc;
    }
    *out = fs;
    return 0;
}

static const char *type_fs(void *h)
{
    (void)h;
    return "ntfs";
}

static int walk_fs(void *h, forensics_entry_fn fn, void *ctx)
{
    return ntfs_walk(h, fn, ctx);
}

/* icat's address: ENTRY, ENTRY-TYPE or ENTRY-TYPE-ID. */
static int parse_addr(const char *s, uint64_t *entry, long *type, long *id)
{
    unsigned long long v[3];
    int n = 0;
    const char *p = s;
    while (n < 3) {
        char *end;
        if (*p < '0' || *p > '9') return -1;
        errno = 0;
        v[n++] = strtoull(p, &end, 10);
        if (errno) return -1;
        if (*end == '\0') break;
        if (*end != '-') return -1;
        p = end + 1;
    }
    if (p[0] && strchr(p, '-')) return -1;
    *entry = v[0];
    *type = n > 1 ? (long)(v[1] & 0xffffffff) : -1;
    *id = n > 2 ? (long)(v[2] & 0xffff) : -1;
    return (n > 1 && v[1] > 0xffffffffULL) || (n > 2 && v[2] > 0xffff) ? -1 : 0;
}

/* The attribute icat reads for an address: the default $DATA (or $INDEX_ROOT of a directory),
 * else the lowest id of the type, or the exact type and id. */
static const struct ntfs_attr *pick(const struct ntfs_file *f, long type, long id)
{
    if (id >= 0) return ntfs_file_attr(f, (uint32_t)type, NULL, (int)id);
    uint32_t t = type >= 0 ? (uint32_t)type : f->is_dir ? NTFS_AT_IDXROOT : NTFS_AT_DATA;
    if (t == NTFS_AT_DATA) {
        const struct ntfs_attr *a = ntfs_file_attr(f, t, NULL, -1);
        if (a) return a;
    }
    const struct ntfs_attr *best = NULL;
    for (size_t i = 0; i < f->nattrs; i++)
        if (f->attrs[i].type == t && (!best || f->attrs[i].id < best->id)) best = &f->attrs[i];
    return best;
}

static int open_addr(struct ntfs_fs *fs, const char *addr, struct ntfs_file *f, long *type,
                     long *id)
{
    uint64_t entry;
    if (parse_addr(addr, &entry, type, id) != 0)
        return kt_fail(KT_EINVAL, "ntfs: '%s' is not an address (ENTRY[-TYPE[-ID]])", addr);
    if (ntfs_file_load(fs, entry, f) != 0)
        return kt_fail(KT_ENOTFOUND, "ntfs: no MFT entry %s", addr);
    return 0;
}

static int read_fs(void *h, const char *addr, forensics_data_fn fn, void *ctx)
{
    struct ntfs_fs *fs = h;
    struct ntfs_file f;
    long type, id;
    int rc = open_addr(fs, addr, &f, &type, &id);
    if (rc) return rc;
    const struct ntfs_attr *a = pick(&f, type, id);
    if (!a)
        rc = kt_fail(KT_ENOTFOUND, "ntfs: entry %s has no such attribute", addr);
    else
        rc = ntfs_attr_read(fs, a, 0, fn, ctx);
    ntfs_file_free(&f);
    return rc > 0 ? 0 : rc;
}

/* An NT time as ISO 8601 UTC with its 100-ns digits; null when not recorded (0). Unlike the
 * body file, the full 64-bit range is kept. */
static void json_time(struct kt_buf *b, const char *key, uint64_t nt)
{
    char s[64] = "null";
    const uint64_t delta = 116444736000000000ULL;
    int64_t secs = nt >= delta ? (int64_t)((nt - delta) / 10000000)
                               : -(int64_t)((delta - nt + 9999999) / 10000000);
    uint32_t frac = (uint32_t)((nt + 10000000 - delta % 10000000) % 10000000);
    time_t sec = (time_t)secs;
    struct tm tm;
    if (nt && gmtime_r(&sec, &tm)) {
        size_t n = strftime(s + 1, sizeof s - 16, "%Y-%m-%dT%H:%M:%S", &tm);
        s[0] = '"';
        snprintf(s + 1 + n, sizeof s - 1 - n, ".%07uZ\"", (unsigned)frac);
    }
    kt_buf_printf(b, "\"%s\":%s", key, s);
}

/* crtime, mtime, ctime, atime as stored */
static void json_times(struct kt_buf *b, const char *key, const uint64_t nt[4])
{
    static const char *names[] = {"created", "modified", "mft_modified", "accessed"};
    kt_buf_printf(b, ",\"%s\":{", key);
    for (int i = 0; i < 4; i++) {
        if (i) kt_buf_puts(b, ",");
        json_time(b, names[i], nt[i]);
    }
    kt_buf_puts(b, "}");
}

static int stat_fs(void *h, const char *addr, struct kt_buf *b)
{
    struct ntfs_fs *fs = h;
    struct ntfs_file f;
    long type, id;
    int rc = open_addr(fs, addr, &f, &type, &id);
    if (rc) return rc;
    kt_buf_printf(b,
                  "{\"entry\":%" PRIu64 ",\"sequence\":%u,\"allocated\":%s,\"type\":\"%s\","
                  "\"mode\":\"%c%s\",\"dos_flags\":%u,\"size\":%" PRIu64,
                  f.addr, f.seq, f.alloc ? "true" : "false", f.is_dir ? "dir" : "file",
                  f.is_dir ? 'd' : 'r', f.mode + 1, f.dos_flags, f.size);
    if (f.si_has_owner)
        kt_buf_printf(b, ",\"owner_id\":%" PRIu64, f.uid);
    else
        kt_buf_puts(b, ",\"owner_id\":null");
    json_times(b, "standard_information", f.si_nt);
    json_times(b, "file_name", f.fn_nt);
    kt_buf_puts(b, ",\"names\":[");
    for (size_t i = 0; i < f.nnames; i++) {
        kt_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        kt_buf_json_str(b, f.names[i].name);
        kt_buf_printf(b, ",\"parent\":%" PRIu64 ",\"parent_sequence\":%u}", f.names[i].par,
                      f.names[i].par_seq);
    }
    kt_buf_puts(b, "],\"attributes\":[");
    for (size_t i = 0; i < f.nattrs; i++) {
        const struct ntfs_attr *a = &f.attrs[i];
        kt_buf_printf(b, "%s{\"type\":%u,\"id\":%u,\"name\":", i ? "," : "", a->type, a->id);
        if (a->name)
            kt_buf_json_str(b, a->name);
        else
            kt_buf_puts(b, "null");
        kt_buf_printf(b,
                      ",\"resident\":%s,\"flags\":%u,\"size\":%" PRIu64 ",\"allocated\":%" PRIu64
                      ",\"initialized\":%" PRIu64 ",\"runs\":[",
                      a->resident ? "true" : "false", a->flags, a->size, a->alloc, a->init);
        for (size_t r = 0; r < a->nruns && r < 10000; r++) {
            const struct ntfs_run *u = &a->runs[r];
            if (u->sparse)
                kt_buf_printf(b, "%s{\"vcn\":%" PRIu64 ",\"clusters\":%" PRIu64 ",\"sparse\":true}",
                              r ? "," : "", u->vcn, u->len);
            else
                kt_buf_printf(
                    b, "%s{\"vcn\":%" PRIu64 ",\"lcn\":%" PRIu64 ",\"clusters\":%" PRIu64 "}",
                    r ? "," : "", u->vcn, u->lcn, u->len);
        }
        kt_buf_puts(b, "]}");
    }
    kt_buf_puts(b, "]}");
    ntfs_file_free(&f);
    return b->failed ? KT_ETOOBIG : 0;
}

struct bitmap_ctx {
    struct ntfs_fs *fs;
    struct forensics_runs runs;
};

static int bitmap_cb(void *ctx, uint64_t off, const void *data, size_t n)
{
    struct bitmap_ctx *c = ctx;
    const uint8_t *p = data;
    uint64_t cs = c->fs->cluster_size;
    for (size_t i = 0; i < n; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            uint64_t lcn = (off + i) * 8 + bit;
            if (lcn >= c->fs->total_clusters) return 1;
            if (p[i] & (1u << bit)) continue;
            int rc = forensics_runs_add(&c->runs, c->fs->off + lcn * cs, cs);
            if (rc) return rc;
        }
    }
    return 0;
}

static int unalloc_fs(void *h, forensics_range_fn fn, void *ctx)
{
    struct ntfs_fs *fs = h;
    struct ntfs_file f;
    if (ntfs_file_load(fs, 6, &f) != 0) return kt_fail(KT_ENOTFOUND, "ntfs: $Bitmap unreadable");
    const struct ntfs_attr *a = ntfs_file_attr(&f, NTFS_AT_DATA, NULL, -1);
    struct bitmap_ctx c = {fs, {.fn = fn, .ctx = ctx}};
    int rc = a ? ntfs_attr_read(fs, a, 0, bitmap_cb, &c)
               : kt_fail(KT_ENOTFOUND, "ntfs: $Bitmap has no $DATA");
    ntfs_file_free(&f);
    if (rc < 0) return rc;
    if (rc == 0 || rc == 1) rc = forensics_runs_flush(&c.runs); /* 1: past the last cluster */
    return rc;
}

const struct forensics_fs_ops forensics_ntfs_ops = {
    .family = "ntfs",
    .open = open_fs,
    .type = type_fs,
    .walk = walk_fs,
    .read = read_fs,
    .stat = stat_fs,
    .unalloc = unalloc_fs,
    .close = close_fs,
};
