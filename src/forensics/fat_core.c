/* FAT and exFAT: geometry, the FAT, times, names, data runs and directory loading, shared by
 * fat.c and exfat.c (see fat_int.h). */
#include "forensics/fat_int.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FATC_WIN 65536u
#define FATC_SLOTS 8u

int fat_read(struct fatfs *fs, uint64_t off, void *buf, size_t n)
{
    size_t got = 0;
    if (off > UINT64_MAX - fs->off) return -1;
    int rc = forensics_image_read(fs->img, fs->off + off, buf, n, &got);
    return rc == 0 && got == n ? 0 : -1;
}

uint16_t fat_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t fat_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t fat_u64(const uint8_t *p)
{
    return (uint64_t)fat_u32(p) | (uint64_t)fat_u32(p + 4) << 32;
}

uint64_t fat_clust_to_sect(const struct fatfs *fs, uint64_t c)
{
    return fs->firstclustsect + (((c & fs->mask) - 2) * fs->csize);
}

uint64_t fat_sect_to_clust(const struct fatfs *fs, uint64_t s)
{
    return 2 + (s - fs->firstclustsect) / fs->csize;
}

uint64_t fat_sect_to_inode(const struct fatfs *fs, uint64_t s)
{
    return (s - fs->firstdatasect) * fs->dentry_cnt_se + FAT_FIRST_NORMINO;
}

uint64_t fat_inode_to_sect(const struct fatfs *fs, uint64_t i)
{
    return (i - FAT_FIRST_NORMINO) / fs->dentry_cnt_se + fs->firstdatasect;
}

int fat_is_eof(uint64_t v, uint32_t mask)
{
    return v >= (0x0ffffff8u & mask) && v <= 0x0fffffffu;
}

void fat_set_inodes(struct fatfs *fs)
{
    fs->dentry_cnt_se = fs->ssize / 32;
    uint64_t nvirt = fs->numfat + 2;
    fs->last_inum = (fat_sect_to_inode(fs, fs->last_block_act + 1) - 1) + nvirt;
    fs->mbr_inum = fs->last_inum - nvirt + 1;
    fs->fat1_inum = fs->mbr_inum + 1;
    fs->fat2_inum = fs->numfat == 2 ? fs->fat1_inum + 1 : fs->fat1_inum;
    fs->orphan_inum = fs->last_inum;
}

/* Two (FAT12) or four bytes of the first FAT at byte offset off, through the window cache. */
static int fat_bytes(struct fatfs *fs, uint64_t off, uint8_t *out, size_t n)
{
    if (!fs->fatc) {
        fs->fatc = malloc((size_t)FATC_WIN * FATC_SLOTS);
        if (!fs->fatc) return -1;
    }
    uint64_t base = fs->firstfatsect * fs->ssize;
    for (size_t k = 0; k < n; k++) {
        uint64_t o = off + k, win = o / FATC_WIN;
        unsigned slot = FATC_SLOTS;
        for (unsigned i = 0; i < FATC_SLOTS; i++)
            if (fs->fatc_ok[i] && fs->fatc_sect[i] == win) slot = i;
        if (slot == FATC_SLOTS) {
            slot = fs->fatc_next++ % FATC_SLOTS;
            uint8_t *w = fs->fatc + (size_t)slot * FATC_WIN;
            size_t got = 0;
            memset(w, 0, FATC_WIN);
            forensics_image_read(fs->img, fs->off + base + win * FATC_WIN, w, FATC_WIN, &got);
            /* A FAT cut short by the end of the image reads as zeros (free clusters). */
            fs->fatc_sect[slot] = win;
            fs->fatc_ok[slot] = 1;
        }
        out[k] = fs->fatc[(size_t)slot * FATC_WIN + (size_t)(o % FATC_WIN)];
    }
    return 0;
}

int fat_get(struct fatfs *fs, uint64_t c, uint64_t *value)
{
    *value = 0;
    if (c > fs->lastclust) {
        if (c == fs->lastclust + 1 &&
            fs->firstclustsect + fs->csize * fs->clustcnt - 1 != fs->last_block)
            return 0;
        return -1;
    }
    uint8_t b[4] = {0};
    uint64_t v;
    switch (fs->kind) {
    case FAT_12:
        if (c & 0xf000) return -1;
        if (fat_bytes(fs, c + (c >> 1), b, 2)) return -1;
        v = fat_u16(b);
        if (c & 1) v >>= 4;
        v &= 0xfff;
        if (v > fs->lastclust && v < 0xff7) v = 0;
        break;
    case FAT_16:
        if (fat_bytes(fs, c << 1, b, 2)) return -1;
        v = fat_u16(b);
        if (v > fs->lastclust && v < 0xfff7) v = 0;
        break;
    default:
        if (fat_bytes(fs, c << 2, b, 4)) return -1;
        v = fat_u32(b) & 0x0fffffffu;
        if (v > fs->lastclust && v < 0x0ffffff7u) v = 0;
        break;
    }
    *value = v;
    return 0;
}

int fat_sect_alloc(struct fatfs *fs, uint64_t s)
{
    if (s < fs->firstclustsect) return 1;
    if (s <= fs->last_block && s >= fs->firstclustsect + fs->csize * fs->clustcnt) return 0;
    return fs->fam->cluster_alloc(fs, fat_sect_to_clust(fs, s));
}

/* Days from 1970-01-01 to y-m-01 (proleptic Gregorian), m 1..12. */
static int64_t days_from_civil(int64_t y, int64_t m)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int fat_dos_date_ok(uint16_t d)
{
    unsigned day = d & 0x1f, mon = (d >> 5) & 0xf, year = d >> 9;
    return day >= 1 && day <= 31 && mon >= 1 && mon <= 12 && year <= 127;
}

int fat_dos_time_ok(uint16_t t)
{
    return (t & 0x1f) <= 30 && ((t >> 5) & 0x3f) <= 59 && (t >> 11) <= 23;
}

int64_t fat_dos_time(uint16_t date, uint16_t time, uint8_t tenths)
{
    if (date == 0) return 0;
    int sec = (time & 0x1f) * 2;
    if (sec > 60) sec = 0;
    if (tenths >= 100) sec++;
    int min = (time >> 5) & 0x3f;
    if (min > 59) min = 0;
    int hour = time >> 11;
    if (hour > 23) hour = 0;
    int mday = date & 0x1f; /* 0 stays 0: mktime takes it as the month's day before the 1st */
    int mon = ((date >> 5) & 0xf) - 1;
    if (mon < 0 || mon > 11) mon = 0;
    int year = (date >> 9) + 80;
    if (year > 137) return 0; /* TSK resets the year to 1900, before the epoch: 0 */
    int64_t days = days_from_civil(1900 + year, mon + 1) + mday - 1;
    int64_t t = days * 86400 + hour * 3600 + min * 60 + sec;
    return t < 0 ? 0 : t;
}

static size_t put_utf8(uint32_t ch, char *out)
{
    if (ch < 0x80) {
        out[0] = (char)ch;
        return 1;
    }
    if (ch < 0x800) {
        out[0] = (char)(0xc0 | ch >> 6);
        out[1] = (char)(0x80 | (ch & 0x3f));
        return 2;
    }
    if (ch < 0x10000) {
        out[0] = (char)(0xe0 | ch >> 12);
        out[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
        out[2] = (char)(0x80 | (ch & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | ch >> 18);
    out[1] = (char)(0x80 | ((ch >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((ch >> 6) & 0x3f));
    out[3] = (char)(0x80 | (ch & 0x3f));
    return 4;
}

int fat_utf16_to_utf8(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t ch = fat_u16(in + 2 * i);
        if (ch >= 0xd800 && ch <= 0xdbff) {
            if (i + 1 >= n) {
                rc = -1;
                break;
            }
            uint32_t ch2 = fat_u16(in + 2 * ++i);
            if (ch2 >= 0xdc00 && ch2 <= 0xdfff)
                ch = ((ch - 0xd800) << 10) + (ch2 - 0xdc00) + 0x10000;
            else
                ch = '^';
        } else if (ch >= 0xdc00 && ch <= 0xdfff) {
            ch = '^';
        }
        char tmp[4];
        size_t k = put_utf8(ch, tmp);
        if (o + k >= cap) break;
        memcpy(out + o, tmp, k);
        o += k;
    }
    out[o] = '\0';
    return rc;
}

int fat_names_add(struct fat_names *ns, const char *name, uint64_t meta, enum fat_name_type type,
                  int alloc)
{
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 32;
        if (cap > (1u << 24)) return -1; /* a directory of 16M names is not a directory */
        struct fat_name *v = realloc(ns->v, cap * sizeof *v);
        if (!v) return -1;
        ns->v = v;
        ns->cap = cap;
    }
    char *s = strdup(name);
    if (!s) return -1;
    ns->v[ns->n++] = (struct fat_name){s, meta, type, alloc};
    return 0;
}

void fat_names_free(struct fat_names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i].name);
    free(ns->v);
    memset(ns, 0, sizeof *ns);
}

static void meta_virtual(struct fat_meta *m, uint64_t addr, enum fat_meta_type type,
                         const char *name)
{
    memset(m, 0, sizeof *m);
    m->addr = addr;
    m->type = type;
    m->alloc = 1;
    snprintf(m->name2, sizeof m->name2, "%s", name);
}

int fat_aset_has(const struct fat_aset *s, uint64_t a)
{
    if (!s->cap) return 0;
    size_t i = (size_t)(a * 0x9e3779b97f4a7c15ull) & (s->cap - 1);
    while (s->v[i]) {
        if (s->v[i] == a) return 1;
        i = (i + 1) & (s->cap - 1);
    }
    return 0;
}

int fat_aset_add(struct fat_aset *s, uint64_t a)
{
    if (a == 0 || fat_aset_has(s, a)) return 0;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v) return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i]) continue;
            size_t j = (size_t)(s->v[i] * 0x9e3779b97f4a7c15ull) & (cap - 1);
            while (v[j])
                j = (j + 1) & (cap - 1);
            v[j] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t i = (size_t)(a * 0x9e3779b97f4a7c15ull) & (s->cap - 1);
    while (s->v[i])
        i = (i + 1) & (s->cap - 1);
    s->v[i] = a;
    s->n++;
    return 0;
}

void fat_aset_free(struct fat_aset *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

uint64_t fat_dir_chain_bytes(struct fatfs *fs, uint64_t c)
{
    struct fat_aset seen = {0};
    uint64_t n = 0;
    while (c && !fat_is_eof(c, fs->mask)) {
        if (c <= fs->lastclust) {
            if (fat_aset_has(&seen, c) || fat_aset_add(&seen, c)) break;
        } else if (n > fs->lastclust) {
            break;
        }
        n++;
        uint64_t nxt;
        if (fat_get(fs, c, &nxt)) break;
        c = nxt;
    }
    fat_aset_free(&seen);
    return n * fs->csize * fs->ssize;
}

static void meta_root(struct fatfs *fs, struct fat_meta *m)
{
    meta_virtual(m, FAT_ROOT_INUM, FMT_DIR, "");
    if (fs->kind == FAT_32 || fs->kind == FAT_EXFAT) {
        m->first_clust = fat_sect_to_clust(fs, fs->rootsect);
        m->size = fat_dir_chain_bytes(fs, m->first_clust);
    } else {
        m->first_clust = 1;
        m->size = (fs->firstclustsect - fs->firstdatasect) * fs->ssize;
    }
    m->valid_len = m->size;
}

int fat_meta_get(struct fatfs *fs, uint64_t inum, struct fat_meta *m)
{
    if (inum < FAT_ROOT_INUM || inum > fs->last_inum) return -1;
    if (inum == FAT_ROOT_INUM) {
        meta_root(fs, m);
        return 0;
    }
    if (inum == fs->mbr_inum) {
        meta_virtual(m, inum, FMT_VIRT, "$MBR");
        m->size = m->valid_len = 512;
        m->first_clust = 0;
        return 0;
    }
    if (inum == fs->fat1_inum || (inum == fs->fat2_inum && fs->numfat == 2)) {
        int second = inum == fs->fat2_inum && inum != fs->fat1_inum;
        meta_virtual(m, inum, FMT_VIRT, second ? "$FAT2" : "$FAT1");
        m->first_clust = fs->firstfatsect + (second ? fs->sectperfat : 0);
        m->size = m->valid_len = fs->sectperfat * fs->ssize;
        return 0;
    }
    if (inum == fs->orphan_inum) {
        meta_virtual(m, inum, FMT_VIRT_DIR, "$OrphanFiles");
        return 0;
    }
    if (inum > fs->orphan_inum - (fs->numfat + 2)) return -1;
    return fs->fam->inode_lookup(fs, inum, m);
}

static int runs_add(struct fat_runs *r, uint64_t sect, uint64_t len)
{
    if (r->n && r->v[r->n - 1].sect + r->v[r->n - 1].len == sect) {
        r->v[r->n - 1].len += len;
        r->total += len;
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct fat_run *v = realloc(r->v, cap * sizeof *v);
        if (!v) return -1;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (struct fat_run){sect, len};
    r->total += len;
    return 0;
}

void fat_runs_free(struct fat_runs *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

static int runs_recover(struct fatfs *fs, const struct fat_meta *m, struct fat_runs *r)
{
    uint64_t start = m->first_clust;
    if (fs->kind == FAT_EXFAT && start == 0) return 0;
    uint64_t sbase = fat_clust_to_sect(fs, start);
    if (start < 2 || sbase > fs->last_block) return -1;
    int can = fs->fam->cluster_alloc(fs, start) == 0;
    uint64_t c = start, csize_b = (uint64_t)fs->csize * fs->ssize;
    int64_t remain = (int64_t)(m->size > INT64_MAX ? INT64_MAX : m->size);
    while (remain > 0 && can) {
        sbase = fat_clust_to_sect(fs, c);
        /* Past the volume, as TSK; past the image too, where nothing more can be read. */
        if (c > fs->lastclust + 1 || sbase + fs->csize - 1 > fs->last_block ||
            sbase > fs->last_block_act) {
            can = 0;
            break;
        }
        int a = fs->fam->cluster_alloc(fs, c);
        if (a == -1) {
            can = 0;
            break;
        }
        if (a == 1) {
            c++;
            continue;
        }
        if (runs_add(r, sbase, fs->csize)) return -1;
        remain -= (int64_t)csize_b;
        c++;
    }
    if (!can) {
        r->n = 0;
        r->total = 0;
        if (runs_add(r, sbase, fs->csize)) return -1;
    }
    return 0;
}

int fat_runs_get(struct fatfs *fs, const struct fat_meta *m, struct fat_runs *r)
{
    memset(r, 0, sizeof *r);
    uint64_t c = m->first_clust;
    uint64_t csize_b = (uint64_t)fs->csize * fs->ssize;
    if (m->addr == FAT_ROOT_INUM && fs->kind != FAT_32 && fs->kind != FAT_EXFAT && c == 1)
        return runs_add(r, fs->rootsect, fs->firstclustsect - fs->firstdatasect);
    if (m->addr >= fs->mbr_inum && m->addr <= fs->mbr_inum + fs->numfat)
        return runs_add(r, c, m->size / fs->ssize);
    if (m->type == FMT_VIRT_DIR) return 0;
    if (c > fs->lastclust && !fat_is_eof(c, fs->mask)) {
        forensics_diag_add(fs->diag, "%s: entry %llu: first cluster %llu is past the volume",
                           fat_op_type(fs), (unsigned long long)m->addr, (unsigned long long)c);
        return -1;
    }
    if (!m->alloc) return runs_recover(fs, m, r);
    uint64_t remain = m->size ? (m->size + csize_b - 1) / csize_b : 0; /* clusters */
    if (m->contiguous) {
        for (; remain > 0; remain--, c++) {
            uint64_t s = fat_clust_to_sect(fs, c);
            if (c < 2 || c > fs->lastclust || s + fs->csize - 1 > fs->last_block ||
                s > fs->last_block_act) {
                forensics_diag_add(fs->diag, "%s: entry %llu: clusters run past the volume",
                                   fat_op_type(fs), (unsigned long long)m->addr);
                break;
            }
            if (runs_add(r, s, fs->csize)) return -1;
        }
        return 0;
    }
    struct fat_aset seen = {0};
    while ((c & fs->mask) > 0 && remain > 0 && !fat_is_eof(c, fs->mask)) {
        uint64_t s = fat_clust_to_sect(fs, c);
        if (c < 2 || c > fs->lastclust || s + fs->csize - 1 > fs->last_block) {
            forensics_diag_add(fs->diag, "%s: entry %llu: cluster %llu is past the volume",
                               fat_op_type(fs), (unsigned long long)m->addr, (unsigned long long)c);
            break;
        }
        if (fat_aset_has(&seen, c)) {
            forensics_diag_add(fs->diag, "%s: entry %llu: cluster chain loops at cluster %llu",
                               fat_op_type(fs), (unsigned long long)m->addr, (unsigned long long)c);
            break;
        }
        if (fat_aset_add(&seen, c) || runs_add(r, s, fs->csize)) {
            fat_aset_free(&seen);
            return -1;
        }
        if (--remain > 0) {
            uint64_t nxt;
            if (fat_get(fs, c, &nxt)) {
                forensics_diag_add(fs->diag, "%s: entry %llu: FAT entry %llu unreadable",
                                   fat_op_type(fs), (unsigned long long)m->addr,
                                   (unsigned long long)c);
                break;
            }
            c = nxt;
        }
    }
    fat_aset_free(&seen);
    return 0;
}

int fat_dir_open(struct fatfs *fs, uint64_t inum, struct fat_names *out)
{
    memset(out, 0, sizeof *out);
    struct fat_meta m;
    if (fat_meta_get(fs, inum, &m)) return -1;
    if (m.size == 0) return 0;
    struct fat_runs r;
    if (fat_runs_get(fs, &m, &r)) return -1;
    uint64_t nsect = (m.size + fs->ssize - 1) / fs->ssize;
    if (nsect > r.total) nsect = r.total;
    /* A directory holds at most 2^21 entries (FAT) or 256 MiB (exFAT). */
    if (nsect * fs->ssize > (256u << 20)) nsect = (256u << 20) / fs->ssize;
    uint8_t *buf = malloc(nsect * fs->ssize + 1);
    uint64_t *secs = malloc((nsect + 1) * sizeof *secs);
    if (!buf || !secs) {
        free(buf);
        free(secs);
        fat_runs_free(&r);
        return -1;
    }
    uint64_t k = 0;
    for (size_t i = 0; i < r.n && k < nsect; i++) {
        uint64_t take = r.v[i].len < nsect - k ? r.v[i].len : nsect - k;
        if (fat_read(fs, r.v[i].sect * fs->ssize, buf + k * fs->ssize, take * fs->ssize)) {
            /* Keep the sectors that can be read. */
            uint64_t j = 0;
            while (j < take && !fat_read(fs, (r.v[i].sect + j) * fs->ssize,
                                         buf + (k + j) * fs->ssize, fs->ssize))
                j++;
            for (uint64_t q = 0; q < j; q++)
                secs[k + q] = r.v[i].sect + q;
            k += j;
            forensics_diag_add(fs->diag, "%s: directory %llu: sector %llu is beyond the image",
                               fat_op_type(fs), (unsigned long long)inum,
                               (unsigned long long)(r.v[i].sect + j));
            break;
        }
        for (uint64_t q = 0; q < take; q++)
            secs[k + q] = r.v[i].sect + q;
        k += take;
    }
    fat_runs_free(&r);
    int rc = 0;
    if (k) rc = fs->fam->parse_dir(fs, inum, buf, k * fs->ssize, secs, out);
    free(buf);
    free(secs);
    if (inum == FAT_ROOT_INUM && rc == 0) {
        if (fat_names_add(out, "$MBR", fs->mbr_inum, FNT_VIRT, 1) ||
            fat_names_add(out, "$FAT1", fs->fat1_inum, FNT_VIRT, 1) ||
            (fs->numfat == 2 && fat_names_add(out, "$FAT2", fs->fat2_inum, FNT_VIRT, 1)) ||
            fat_names_add(out, "$OrphanFiles", fs->orphan_inum, FNT_VIRT_DIR, 1))
            return -1;
    }
    return rc;
}
