/* FAT and exFAT: a file's content (icat), one entry's metadata (istat, as JSON) and the
 * unallocated clusters (blkls), shared by both families. */
#include "forensics/fat_int.h"

#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 20)

static int parse_addr(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

static int lookup(struct fatfs *fs, const char *addr, struct fat_meta *m)
{
    uint64_t a;
    if (parse_addr(addr, &a) || fat_meta_get(fs, a, m))
        return kt_fail(KT_ENOTFOUND, "%s: no entry at address %s", fat_op_type(fs), addr);
    return 0;
}

int fat_op_read(void *h, const char *addr, forensics_data_fn fn, void *ctx)
{
    struct fatfs *fs = h;
    struct fat_meta m;
    int rc = lookup(fs, addr, &m);
    if (rc) return rc;
    struct fat_runs r;
    if (fat_runs_get(fs, &m, &r)) return 0; /* nothing recoverable: an empty file, as icat */
    uint8_t *buf = malloc(CHUNK);
    if (!buf) {
        fat_runs_free(&r);
        return KT_ENOMEM;
    }
    /* As icat: the whole size, also past an exFAT valid data length (stale bytes are evidence). */
    uint64_t off = 0, size = m.size;
    for (size_t i = 0; i < r.n && off < size && rc == 0; i++) {
        uint64_t pos = r.v[i].sect * fs->ssize, left = r.v[i].len * fs->ssize;
        while (left && off < size && rc == 0) {
            size_t n = (size_t)(left < CHUNK ? left : CHUNK);
            if (n > size - off) n = (size_t)(size - off);
            if (fat_read(fs, pos, buf, n)) {
                forensics_diag_add(fs->diag,
                                   "%s: entry %s: data at sector %llu is beyond the "
                                   "image; zeros given",
                                   fat_op_type(fs), addr, (unsigned long long)(pos / fs->ssize));
                memset(buf, 0, n);
            }
            rc = fn(ctx, off, buf, n);
            off += n;
            pos += n;
            left -= n;
        }
    }
    if (off < size && rc == 0) {
        forensics_diag_add(fs->diag, "%s: entry %s: %llu bytes beyond its clusters; zeros given",
                           fat_op_type(fs), addr, (unsigned long long)(size - off));
        memset(buf, 0, CHUNK);
        while (off < size && rc == 0) {
            size_t n = (size_t)(size - off < CHUNK ? size - off : CHUNK);
            rc = fn(ctx, off, buf, n);
            off += n;
        }
    }
    free(buf);
    fat_runs_free(&r);
    return rc;
}

static void json_time(struct kt_buf *b, const char *key, struct forensics_time t)
{
    kt_buf_printf(b, ",\"%s\":{\"sec\":%lld,\"nsec\":%u}", key, (long long)t.sec, t.nsec);
}

int fat_op_stat(void *h, const char *addr, struct kt_buf *out)
{
    struct fatfs *fs = h;
    struct fat_meta m;
    int rc = lookup(fs, addr, &m);
    if (rc) return rc;
    static const char *types[] = {"undefined", "regular", "directory", "virtual",
                                  "virtual_directory"};
    kt_buf_printf(out, "{\"fs\":\"%s\",\"addr\":%llu,\"name\":", fat_op_type(fs),
                  (unsigned long long)m.addr);
    kt_buf_json_str(out, m.name2);
    kt_buf_printf(out, ",\"type\":\"%s\",\"allocated\":%s,\"mode\":\"%03o\",\"size\":%llu",
                  types[m.type], m.alloc ? "true" : "false", m.mode, (unsigned long long)m.size);
    if (fs->kind == FAT_EXFAT)
        kt_buf_printf(out, ",\"valid_data_length\":%llu,\"no_fat_chain\":%s",
                      (unsigned long long)m.valid_len, m.contiguous ? "true" : "false");
    if (m.type == FMT_REG || m.type == FMT_DIR) {
        kt_buf_printf(out, ",\"attributes\":\"0x%02x\",\"attribute_names\":[", m.attrib);
        static const char *an[] = {"read_only",    "hidden",    "system",
                                   "volume_label", "directory", "archive"};
        int first = 1;
        for (int i = 0; i < 6; i++)
            if (m.attrib & (1u << i)) {
                kt_buf_printf(out, "%s\"%s\"", first ? "" : ",", an[i]);
                first = 0;
            }
        kt_buf_printf(out, "],\"first_cluster\":%llu", (unsigned long long)m.first_clust);
    }
    json_time(out, "written", m.mtime);
    json_time(out, "accessed", m.atime);
    json_time(out, "created", m.crtime);
    kt_buf_puts(out, ",\"sectors\":[");
    struct fat_runs r;
    if (fat_runs_get(fs, &m, &r) == 0) {
        for (size_t i = 0; i < r.n; i++)
            kt_buf_printf(out, "%s[%llu,%llu]", i ? "," : "", (unsigned long long)r.v[i].sect,
                          (unsigned long long)r.v[i].len);
        fat_runs_free(&r);
    }
    kt_buf_puts(out, "]}");
    return out->failed ? KT_ETOOBIG : 0;
}

int fat_op_unalloc(void *h, forensics_range_fn fn, void *ctx)
{
    struct fatfs *fs = h;
    struct forensics_runs runs = {.fn = fn, .ctx = ctx};
    uint64_t ss = fs->ssize;
    int rc = 0;
    uint64_t end = fs->firstclustsect + fs->csize * fs->clustcnt;
    /* Only what the image holds: a boot sector may claim far more than was imaged. */
    uint64_t lastc = fs->lastclust, lastb = fs->last_block_act;
    if (lastb + 1 < end) {
        lastc = lastb >= fs->firstclustsect ? fat_sect_to_clust(fs, lastb) : 1;
        if (lastc > fs->lastclust) lastc = fs->lastclust;
        forensics_diag_add(fs->diag, "%s: unallocated space listed up to the image's end",
                           fat_op_type(fs));
    }
    for (uint64_t c = 2; c <= lastc && rc == 0; c++) {
        int a = fs->fam->cluster_alloc(fs, c);
        if (a != 0) continue;
        rc = forensics_runs_add(&runs, fs->off + fat_clust_to_sect(fs, c) * ss, fs->csize * ss);
    }
    /* Sectors after the last whole cluster belong to no file. */
    if (rc == 0 && end <= lastb)
        rc = forensics_runs_add(&runs, fs->off + end * ss, (lastb + 1 - end) * ss);
    return rc ? rc : forensics_runs_flush(&runs);
}
