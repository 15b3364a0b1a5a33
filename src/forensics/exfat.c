/* exFAT: the boot sector, the allocation bitmap, and directory entry sets (file, stream
 * extension, file name; volume label, bitmap and up-case table entries).
 *
 * Entries are judged and named as the Sleuth Kit does (exfatfs_is_dentry, exfatfs_dent_parse_buf,
 * exfatfs_dinode_copy): a file's address is that of its file entry; the bitmap and up-case
 * table appear as $ALLOC_BITMAP and $UPCASE_TABLE, the label entry as "LABEL (Volume Label
 * Entry)" or "$EMPTY_VOLUME_LABEL (Volume Label Entry)". Cluster allocation comes from the
 * bitmap, chains from the FAT unless the stream entry says the clusters are contiguous. */
#include "forensics/fat_int.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    T_NONE = 0x00,
    T_BITMAP = 0x01,
    T_UPCASE = 0x02,
    T_LABEL = 0x03,
    T_FILE = 0x05,
    T_GUID = 0x20,
    T_TEXFAT = 0x21,
    T_ACT = 0x62,
    T_STREAM = 0x40,
    T_NAME = 0x41,
};

#define ETYPE(b) ((b)&0x7f)
#define EALLOC(b) ((b) >> 7)
#define BITMAP_MEM_MAX (64u << 20)
#define BITMAP_SCAN_MAX 65536u

static int ex_cluster_alloc(struct fatfs *fs, uint64_t c)
{
    if (c < 2 || c > fs->lastclust) return -1;
    uint64_t bit = c - 2, byte = bit / 8;
    uint8_t b;
    if (fs->bitmap) {
        if (byte >= fs->bitmap_len) return -1;
        b = fs->bitmap[byte];
    } else if (fat_read(fs, fat_clust_to_sect(fs, fs->bitmap_clust) * fs->ssize + byte, &b, 1)) {
        return -1;
    }
    return (b >> (bit % 8)) & 1;
}

static int is_label(const uint8_t *d, int alloc)
{
    if (alloc == 0) return 0;
    if (EALLOC(d[0])) return d[1] >= 1 && d[1] <= 15;
    if (d[1]) return 0;
    for (int i = 2; i < 32; i++)
        if (d[i]) return 0;
    return 1;
}

static int is_bitmap(struct fatfs *fs, const uint8_t *d, int alloc)
{
    if (alloc == 0) return 0;
    if (fat_u64(d + 24) != (fs->clustcnt + 7) / 8) return 0;
    uint32_t c = fat_u32(d + 20);
    if (c < 2 || c > fs->lastclust) return 0;
    if (fs->bitmap_clust && ex_cluster_alloc(fs, c) != 1) return 0;
    return 1;
}

static int is_upcase(struct fatfs *fs, const uint8_t *d, int alloc)
{
    if (alloc == 0) return 0;
    uint64_t size = fat_u64(d + 24);
    if (size == 0 || size > fs->clustcnt * fs->csize * fs->ssize) return 0;
    uint32_t c = fat_u32(d + 20);
    if (c < 2 || c > fs->lastclust) return 0;
    return ex_cluster_alloc(fs, c) == 1;
}

static int is_file(const uint8_t *d)
{
    if (d[1] < 2 || d[1] > 18) return 0;
    /* modified date/time/tenths, created date/time/tenths, accessed date/time */
    return fat_u16(d + 12) || fat_u16(d + 14) || d[21] || fat_u16(d + 8) || fat_u16(d + 10) ||
           d[20] || fat_u16(d + 16) || fat_u16(d + 18);
}

static int is_stream(struct fatfs *fs, const uint8_t *d)
{
    uint64_t size = fat_u64(d + 24);
    if (size == 0) return 1;
    if (size > fs->clustcnt * fs->csize * fs->ssize) return 0;
    uint32_t c = fat_u32(d + 20);
    return c >= 2 && c <= fs->lastclust;
}

static int ex_is_dentry(struct fatfs *fs, const uint8_t *d, int alloc, int basic)
{
    (void)basic;
    switch (ETYPE(d[0])) {
    case T_LABEL:
        return is_label(d, alloc);
    case T_GUID:
    case T_TEXFAT:
        return alloc != 0;
    case T_BITMAP:
        return is_bitmap(fs, d, alloc);
    case T_UPCASE:
        return is_upcase(fs, d, alloc);
    case T_FILE:
        return is_file(d);
    case T_STREAM:
        return is_stream(fs, d);
    case T_NAME:
        return 1;
    default:
        return 0; /* the access control table entry too: TSK tests it as TexFAT and fails */
    }
}

static int load(struct fatfs *fs, uint64_t inum, uint8_t *d)
{
    if (inum < FAT_FIRST_NORMINO || inum > fs->last_inum) return -1;
    uint64_t sect = fat_inode_to_sect(fs, inum);
    if (sect > fs->last_block) return -1;
    return fat_read(fs, sect * fs->ssize + ((inum - FAT_FIRST_NORMINO) % fs->dentry_cnt_se) * 32, d,
                    32);
}

/* The entry after inum in its set: the next slot, or the first slot of the next cluster when
 * inum ends an allocated cluster (TSK's exfatfs_next_dentry_inum). 0 and *next, or -1. */
static int next_inum(struct fatfs *fs, uint64_t inum, int want, uint64_t *next)
{
    uint64_t sect = fat_inode_to_sect(fs, inum);
    uint64_t clust = fat_sect_to_clust(fs, sect);
    int ca = ex_cluster_alloc(fs, clust);
    if (ca == -1) return -1;
    uint8_t d[32];
    *next = inum + 1;
    if (load(fs, *next, d) == 0 &&
        (want == T_STREAM ? ETYPE(d[0]) == T_STREAM && is_stream(fs, d) : ETYPE(d[0]) == T_NAME))
        return 0;
    if (!ca) return -1;
    uint64_t base = fat_clust_to_sect(fs, clust);
    uint64_t last = base * fs->ssize + (uint64_t)fs->csize * fs->ssize - 32;
    uint64_t here = sect * fs->ssize + ((inum - FAT_FIRST_NORMINO) % fs->dentry_cnt_se) * 32;
    uint64_t nc;
    if (here != last || fat_get(fs, clust, &nc) || nc == 0) return -1;
    *next = fat_sect_to_inode(fs, fat_clust_to_sect(fs, nc));
    if (load(fs, *next, d) == 0 &&
        (want == T_STREAM ? ETYPE(d[0]) == T_STREAM && is_stream(fs, d) : ETYPE(d[0]) == T_NAME))
        return 0;
    return -1;
}

static void dos_times(const uint8_t *d, struct fat_meta *m)
{
    uint16_t md = fat_u16(d + 14), ad = fat_u16(d + 18), cd = fat_u16(d + 10);
    if (fat_dos_date_ok(md)) {
        m->mtime.sec = fat_dos_time(md, fat_u16(d + 12), d[21]);
        m->mtime.nsec = (uint32_t)(d[21] % 100) * 10000000u;
    }
    if (fat_dos_date_ok(ad)) m->atime.sec = fat_dos_time(ad, fat_u16(d + 16), 0);
    if (fat_dos_date_ok(cd)) {
        m->crtime.sec = fat_dos_time(cd, fat_u16(d + 8), d[20]);
        m->crtime.nsec = (uint32_t)(d[20] % 100) * 10000000u;
    }
}

static void copy_file(struct fatfs *fs, uint64_t inum, const uint8_t *fd, int alloc,
                      struct fat_meta *m)
{
    m->attrib = fd[4];
    m->type = (fd[4] & 0x10) ? FMT_DIR : FMT_REG;
    if (!(fd[4] & 0x01)) m->mode |= FAT_MODE_R;
    if (!(fd[4] & 0x02)) m->mode |= FAT_MODE_W;
    dos_times(fd, m);
    uint64_t sinum;
    uint8_t sd[32];
    if (next_inum(fs, inum, T_STREAM, &sinum)) return;
    if (load(fs, sinum, sd) || !ex_is_dentry(fs, sd, alloc, alloc) ||
        EALLOC(fd[0]) != EALLOC(sd[0]) || ETYPE(sd[0]) != T_STREAM)
        return;
    m->first_clust = fat_u32(sd + 20);
    m->size = fat_u64(sd + 24);
    m->valid_len = fat_u64(sd + 8);
    if (alloc && EALLOC(fd[0]) && EALLOC(sd[0])) {
        m->alloc = 1;
        m->contiguous = (sd[1] & 0x02) != 0;
    } else {
        m->alloc = 0;
    }
    /* The name, from the file name entries that follow (TSK counts bytes in a uint8_t). */
    uint8_t u16[512];
    uint8_t written = 0;
    uint64_t prev = sinum;
    int len = sd[3];
    for (int i = 1; i < fd[1]; i++) {
        uint64_t ninum;
        uint8_t nd[32];
        if (next_inum(fs, prev, T_NAME, &ninum)) {
            if (i > 1) fat_utf16_to_utf8(u16, written / 2u, m->name2, sizeof m->name2);
            return;
        }
        if (load(fs, ninum, nd)) memset(nd, 0, sizeof nd);
        int want = len * 2 - written;
        uint8_t n = want > 30 ? 30 : (uint8_t)want;
        if (n > 30) n = 30; /* TSK would read past the entry; we stop at its end */
        if ((size_t)written + n <= sizeof u16) memcpy(u16 + written, nd + 2, n);
        prev = ninum;
        written = (uint8_t)(written + n);
    }
    fat_utf16_to_utf8(u16, written / 2u, m->name2, sizeof m->name2);
}

static int ex_dinode_copy(struct fatfs *fs, uint64_t inum, const uint8_t *d, int alloc,
                          struct fat_meta *m)
{
    memset(m, 0, sizeof *m);
    m->addr = inum;
    m->alloc = alloc ? 1 : 0;
    m->type = FMT_REG;
    m->mode = FAT_MODE_X;
    switch (ETYPE(d[0])) {
    case T_LABEL:
        if (EALLOC(d[0]))
            fat_utf16_to_utf8(d + 2, d[1] > 15 ? 15 : d[1], m->name2, sizeof m->name2);
        else
            snprintf(m->name2, sizeof m->name2, "$EMPTY_VOLUME_LABEL");
        return 0;
    case T_GUID:
        snprintf(m->name2, sizeof m->name2, "$VOLUME_GUID");
        return 0;
    case T_BITMAP:
        snprintf(m->name2, sizeof m->name2, "$ALLOC_BITMAP");
        m->first_clust = fs->bitmap_clust;
        m->size = m->valid_len = fs->bitmap_len;
        m->contiguous = 1;
        return 0;
    case T_UPCASE:
        snprintf(m->name2, sizeof m->name2, "$UPCASE_TABLE");
        m->first_clust = fat_u32(d + 20);
        m->size = m->valid_len = fat_u64(d + 24);
        m->contiguous = 1;
        return 0;
    case T_TEXFAT:
        snprintf(m->name2, sizeof m->name2, "$TEX_FAT");
        return 0;
    case T_ACT:
        snprintf(m->name2, sizeof m->name2, "$ACCESS_CONTROL_TABLE");
        return 0;
    case T_FILE:
        copy_file(fs, inum, d, alloc, m);
        return 0;
    case T_NAME:
        m->alloc = alloc && EALLOC(d[0]);
        fat_utf16_to_utf8(d + 2, 15, m->name2, sizeof m->name2);
        return 0;
    default:
        return -1;
    }
}

static int ex_skip_dentry(struct fatfs *fs, uint64_t inum, const uint8_t *d, int alloc)
{
    (void)fs;
    (void)inum;
    if (ETYPE(d[0]) == T_STREAM || ETYPE(d[0]) == T_NAME) return 1;
    return alloc && EALLOC(d[0]); /* allocated entries are not orphans */
}

static int ex_inode_lookup(struct fatfs *fs, uint64_t inum, struct fat_meta *m)
{
    uint64_t sect = fat_inode_to_sect(fs, inum);
    if (sect > fs->last_block) return -1;
    int alloc = fat_sect_alloc(fs, sect);
    if (alloc == -1) return -1;
    uint8_t d[32];
    if (load(fs, inum, d) || !ex_is_dentry(fs, d, alloc, alloc)) return -1;
    if (ETYPE(d[0]) == T_STREAM) return -1;
    return ex_dinode_copy(fs, inum, d, alloc, m);
}

/* A file entry set being read (TSK's EXFATFS_FS_NAME_INFO). */
struct set {
    uint8_t last_type, expect, actual, name_len, cur_len;
    uint8_t u16[512];
    char name[FAT_NAME_MAX];
    uint64_t meta;
    enum fat_name_type type;
    int alloc;
};

static void set_reset(struct set *s)
{
    s->last_type = T_NONE;
    s->expect = s->actual = s->name_len = s->cur_len = 0;
    s->name[0] = '\0';
    s->meta = 0;
    s->type = FNT_UNDEF;
    s->alloc = 1;
}

static int set_flush(struct set *s, struct fat_names *out)
{
    if (!s->name[0] && s->cur_len > 0) fat_utf16_to_utf8(s->u16, s->cur_len, s->name, FAT_NAME_MAX);
    int rc = 0;
    if (s->name[0]) rc = fat_names_add(out, s->name, s->meta, s->type, s->alloc);
    set_reset(s);
    return rc;
}

static int ex_parse_dir(struct fatfs *fs, uint64_t dir, const uint8_t *buf, size_t len,
                        const uint64_t *secs, struct fat_names *out)
{
    struct set s;
    set_reset(&s);
    int seen = 0, invalid = 0, corrupt = 0, rc = 0;
    size_t dep = 0;
    for (size_t si = 0; si < len / fs->ssize && rc == 0; si++) {
        uint64_t base = fat_sect_to_inode(fs, secs[si]);
        if (secs[si] < fs->firstdatasect || base > fs->last_inum) {
            forensics_diag_add(fs->diag, "exfat: directory %llu: sector %llu is outside the volume",
                               (unsigned long long)dir, (unsigned long long)secs[si]);
            return -1;
        }
        int sa = fat_sect_alloc(fs, secs[si]);
        if (sa == -1) continue;
        for (uint64_t di = 0; di < fs->dentry_cnt_se && rc == 0; di++, dep++) {
            if ((dep + 1) * 32 > len) break;
            const uint8_t *d = buf + dep * 32;
            uint64_t inum = base + di;
            seen++;
            if (inum > fs->last_inum) return -1;
            uint8_t type = ex_is_dentry(fs, d, sa, !corrupt && sa) ? d[0] : T_NONE;
            switch (ETYPE(type)) {
            case T_FILE:
                rc = set_flush(&s, out);
                s.last_type = d[0];
                s.expect = d[1];
                s.type = (d[4] & 0x10) ? FNT_DIR : FNT_REG;
                s.alloc = sa && EALLOC(d[0]);
                s.meta = inum;
                break;
            case T_STREAM:
                if (ETYPE(s.last_type) != T_FILE || EALLOC(s.last_type) != EALLOC(d[0])) {
                    rc = set_flush(&s, out);
                    break;
                }
                s.last_type = d[0];
                s.name_len = d[3];
                if (++s.actual == s.expect) rc = set_flush(&s, out);
                break;
            case T_NAME: {
                if ((ETYPE(s.last_type) != T_STREAM && ETYPE(s.last_type) != T_NAME) ||
                    EALLOC(s.last_type) != EALLOC(d[0])) {
                    rc = set_flush(&s, out);
                    break;
                }
                s.last_type = d[0];
                uint8_t n = (uint8_t)(s.name_len - s.cur_len);
                if (n > 15) n = 15;
                if (n <= 255 - s.cur_len) {
                    memcpy(s.u16 + s.cur_len * 2, d + 2, n * 2u);
                    s.cur_len = (uint8_t)(s.cur_len + n);
                }
                if (++s.actual == s.expect) rc = set_flush(&s, out);
                break;
            }
            case T_LABEL: {
                rc = set_flush(&s, out);
                s.last_type = d[0];
                if (EALLOC(d[0]))
                    fat_utf16_to_utf8(d + 2, d[1] > 15 ? 15 : d[1], s.name, FAT_NAME_MAX);
                else
                    snprintf(s.name, sizeof s.name, "$EMPTY_VOLUME_LABEL");
                if (strlen(s.name) + 21 < FAT_NAME_MAX) strcat(s.name, " (Volume Label Entry)");
                s.meta = inum;
                s.type = FNT_REG;
                if (rc == 0) rc = set_flush(&s, out);
                break;
            }
            case T_GUID:
            case T_BITMAP:
            case T_UPCASE:
            case T_TEXFAT:
            case T_ACT: {
                rc = set_flush(&s, out);
                s.meta = inum;
                s.last_type = d[0];
                const char *nm = ETYPE(d[0]) == T_GUID     ? "$VOLUME_GUID"
                                 : ETYPE(d[0]) == T_BITMAP ? "$ALLOC_BITMAP"
                                 : ETYPE(d[0]) == T_UPCASE ? "$UPCASE_TABLE"
                                 : ETYPE(d[0]) == T_TEXFAT ? "$TEX_FAT"
                                                           : "$ACCESS_CONTROL_TABLE";
                snprintf(s.name, sizeof s.name, "%s", nm);
                s.type = FNT_REG;
                if (rc == 0) rc = set_flush(&s, out);
                break;
            }
            default:
                invalid++;
                if (seen == 4 && invalid == 4) corrupt = 1;
                rc = set_flush(&s, out);
                break;
            }
        }
    }
    if (rc == 0) rc = set_flush(&s, out);
    return rc;
}

static const struct fat_family exfat_family = {
    .is_dentry = ex_is_dentry,
    .dinode_copy = ex_dinode_copy,
    .skip_dentry = ex_skip_dentry,
    .parse_dir = ex_parse_dir,
    .cluster_alloc = ex_cluster_alloc,
    .inode_lookup = ex_inode_lookup,
};

/* Finds the allocation bitmap entry by reading sectors from the root directory on, as TSK
 * does, and loads the bitmap. 0 or -1. */
static int find_bitmap(struct fatfs *fs)
{
    uint64_t last = fs->firstdatasect + fs->clustcnt * fs->csize - 1;
    uint8_t *sec = malloc(fs->ssize);
    if (!sec) return -1;
    int rc = -1;
    for (uint64_t s = fs->rootsect, n = 0; s < last && n < BITMAP_SCAN_MAX && rc; s++, n++) {
        if (fat_read(fs, s * fs->ssize, sec, fs->ssize)) break;
        for (uint32_t i = 0; i < fs->ssize && rc; i += 32) {
            const uint8_t *d = sec + i;
            if (ETYPE(d[0]) != T_BITMAP || !is_bitmap(fs, d, 2)) continue;
            uint64_t first = fat_clust_to_sect(fs, fat_u32(d + 20));
            uint64_t len = fat_u64(d + 24);
            uint64_t lastsec = first + (len + fs->ssize - 1) / fs->ssize - 1;
            if (first >= fs->firstdatasect && lastsec <= last && len >= (fs->clustcnt + 7) / 8) {
                fs->bitmap_clust = fat_u32(d + 20);
                fs->bitmap_len = len;
                rc = 0;
            }
        }
    }
    free(sec);
    if (rc) return -1;
    if (fs->bitmap_len <= BITMAP_MEM_MAX) {
        fs->bitmap = malloc(fs->bitmap_len ? fs->bitmap_len : 1);
        if (fs->bitmap && fat_read(fs, fat_clust_to_sect(fs, fs->bitmap_clust) * fs->ssize,
                                   fs->bitmap, fs->bitmap_len)) {
            /* Cut short by the end of the image: read it byte by byte where needed. */
            free(fs->bitmap);
            fs->bitmap = NULL;
            forensics_diag_add(fs->diag, "exfat: allocation bitmap runs past the image");
        }
    }
    return 0;
}

static int open_fs(struct forensics_image *img, uint64_t off, struct forensics_diag *diag,
                   void **out)
{
    *out = NULL;
    uint8_t bs[512];
    size_t got = 0;
    uint32_t isz = forensics_image_sector_size(img);
    uint64_t at = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        at = attempt ? 12ull * isz : 0;
        if (forensics_image_read(img, off + at, bs, sizeof bs, &got) || got != sizeof bs)
            return KT_ENOTFOUND;
        if (fat_u16(bs + 510) == 0xaa55 && !memcmp(bs + 3, "EXFAT   ", 8)) break;
        if (attempt || fat_u16(bs + 510) != 0) return KT_ENOTFOUND;
    }
    uint32_t sh = bs[108], cs = bs[109];
    uint64_t vol = fat_u64(bs + 72), spf = fat_u32(bs + 84);
    if (sh < 9 || sh > 12 || sh + cs > 25 || spf == 0 || vol == 0 || (bs[110] != 1 && bs[110] != 2))
        return KT_ENOTFOUND;
    struct fatfs *fs = calloc(1, sizeof *fs);
    if (!fs) return KT_ENOMEM;
    fs->img = img;
    fs->off = off;
    fs->diag = diag;
    fs->fam = &exfat_family;
    fs->kind = FAT_EXFAT;
    fs->ssize_sh = sh;
    fs->ssize = 1u << sh;
    fs->csize = 1u << cs;
    fs->sectperfat = spf;
    fs->numfat = bs[110];
    fs->firstfatsect = fat_u32(bs + 80);
    fs->firstdatasect = fs->firstclustsect = fat_u32(bs + 88);
    fs->clustcnt = fat_u32(bs + 92);
    fs->lastclust = 1 + fs->clustcnt;
    fs->mask = 0x0fffffff;
    uint64_t heap_last = fs->firstdatasect + fs->clustcnt * fs->csize - 1;
    uint64_t rootc = fat_u32(bs + 96);
    int rc = KT_ENOTFOUND;
    if (fs->firstfatsect == 0 || fs->firstfatsect >= vol ||
        fs->firstdatasect <= fs->firstfatsect + spf * fs->numfat - 1 || fs->firstdatasect >= vol ||
        fs->clustcnt == 0 || heap_last >= vol || rootc < 2 || rootc > fs->lastclust)
        goto fail;
    fs->rootsect = fat_clust_to_sect(fs, rootc);
    fs->block_count = vol;
    fs->last_block = fs->last_block_act = vol - 1;
    uint64_t isize = forensics_image_size(img);
    uint64_t avail = isize > off ? (isize - off) / fs->ssize : 0;
    if (avail < vol) {
        if (avail == 0) goto fail;
        fs->last_block_act = avail - 1;
        forensics_diag_add(diag, "exfat: image holds %llu of the volume's %llu sectors",
                           (unsigned long long)avail, (unsigned long long)vol);
    }
    fat_set_inodes(fs);
    if (find_bitmap(fs)) {
        forensics_diag_add(diag, "exfat: no usable allocation bitmap entry");
        rc = KT_EINVAL;
        goto fail;
    }
    (void)at;
    *out = fs;
    return 0;
fail:
    free(fs->bitmap);
    free(fs);
    return rc;
}

const struct forensics_fs_ops forensics_exfat_ops = {
    .family = "exfat",
    .open = open_fs,
    .type = fat_op_type,
    .walk = fat_op_walk,
    .read = fat_op_read,
    .stat = fat_op_stat,
    .unalloc = fat_op_unalloc,
    .close = fat_op_close,
};
