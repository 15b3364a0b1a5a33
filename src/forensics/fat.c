/* FAT12, FAT16 and FAT32: the boot sector, 8.3 and long-name directory entries.
 *
 * Directory entries are judged and named as the Sleuth Kit does (fatxxfs_is_dentry,
 * fatxxfs_dent_parse_buf, fatxxfs_dinode_copy), so that names, deleted state, sizes and times
 * come out as fls prints them. */
#include "forensics/fat_int.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offsets in a 32-byte short entry. */
#define DE_ATTR 11
#define DE_NTBYTE 12
#define DE_CTEN 13
#define DE_CTIME 14
#define DE_CDATE 16
#define DE_ADATE 18
#define DE_HICLUST 20
#define DE_WTIME 22
#define DE_WDATE 24
#define DE_CLUST 26
#define DE_SIZE 28

#define ATTR_RO 0x01
#define ATTR_HIDDEN 0x02
#define ATTR_VOLUME 0x08
#define ATTR_DIR 0x10
#define ATTR_ARCHIVE 0x20
#define ATTR_LFN 0x0f
#define ATTR_ALL 0x3f

#define SLOT_DELETED 0xe5
#define CASE_LOWER_BASE 0x08
#define CASE_LOWER_EXT 0x10

static uint64_t de_clust(const uint8_t *d)
{
    return (uint64_t)fat_u16(d + DE_CLUST) | (uint64_t)fat_u16(d + DE_HICLUST) << 16;
}

static int is_lfn(const uint8_t *d)
{
    return (d[DE_ATTR] & ATTR_LFN) == ATTR_LFN;
}

static int is_83_char(uint8_t c)
{
    return !(c < 0x20 || c == 0x22 || (c >= 0x2a && c <= 0x2c) || c == 0x2e || c == 0x2f ||
             (c >= 0x3a && c <= 0x3f) || (c >= 0x5b && c <= 0x5d) || c == 0x7c);
}

static int is_83_name(const uint8_t *d)
{
    if (d[0] != 0x05 && d[0] != '.' && !is_83_char(d[0])) return 0;
    if (d[0] == 0x20) return 0;
    if (d[1] == '.') {
        if (d[0] != '.') return 0;
    } else if (!is_83_char(d[1])) {
        return 0;
    }
    for (int i = 2; i < 11; i++)
        if (!is_83_char(d[i])) return 0;
    if ((d[DE_ATTR] & ATTR_VOLUME) != ATTR_VOLUME) {
        for (int i = 1; i < 7; i++)
            if (d[i] == 0x20 && d[i + 1] != 0x20) return 0;
        if (d[9] == 0x20 && d[10] != 0x20) return 0;
    }
    return 1;
}

static int fatxx_is_dentry(struct fatfs *fs, const uint8_t *d, int alloc, int basic)
{
    (void)alloc;
    if (is_lfn(d)) return !(d[0] > (0x40 | 0x0f) && d[0] != SLOT_DELETED);
    uint16_t ctime = fat_u16(d + DE_CTIME), wtime = fat_u16(d + DE_WTIME);
    uint16_t cdate = fat_u16(d + DE_CDATE), adate = fat_u16(d + DE_ADATE);
    uint16_t wdate = fat_u16(d + DE_WDATE);
    if (!basic) {
        uint8_t attr = d[DE_ATTR];
        if (d[DE_NTBYTE] & ~0x18) return 0;
        if (attr & ~ATTR_ALL) return 0;
        if ((attr & ATTR_VOLUME) && (attr & (ATTR_DIR | ATTR_RO | ATTR_ARCHIVE))) return 0;
        if (ctime && !fat_dos_time_ok(ctime)) return 0;
        if (wtime && !fat_dos_time_ok(wtime)) return 0;
        if (cdate && (!fat_dos_date_ok(cdate) || fat_dos_time(cdate, ctime, d[DE_CTEN]) == 0))
            return 0;
        if (d[DE_CTEN] > 200) return 0;
        if (adate && (!fat_dos_date_ok(adate) || fat_dos_time(adate, 0, 0) == 0)) return 0;
        if (wdate && (!fat_dos_date_ok(wdate) || fat_dos_time(wdate, wtime, 0) == 0)) return 0;
    }
    uint64_t c = de_clust(d);
    uint32_t size = fat_u32(d + DE_SIZE);
    if (c > fs->lastclust && !fat_is_eof(c, fs->mask)) return 0;
    if (size > fs->clustcnt * fs->csize * fs->ssize) return 0;
    if (size > 0 && c == 0) return 0;
    if (!is_83_name(d)) return 0;
    if (!ctime && !wtime && !cdate && !adate && !wdate && c == 0 && size == 0) return 0;
    return 1;
}

static int fatxx_cluster_alloc(struct fatfs *fs, uint64_t c)
{
    uint64_t v;
    if (fat_get(fs, c, &v)) return -1;
    return v != 0;
}

static void cleanup_ascii(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s > 0x7e) *s = '^';
}

/* The 8.3 name as TSK writes it into the entry's own name (stops at the first space). */
static void short_name_meta(const uint8_t *d, char *out)
{
    int i = 0;
    for (; i < 8 && d[i] != 0 && d[i] != ' '; i++) {
        if (i == 0 && d[0] == SLOT_DELETED)
            out[0] = '_';
        else if ((d[DE_NTBYTE] & CASE_LOWER_BASE) && d[i] >= 'A' && d[i] <= 'Z')
            out[i] = (char)(d[i] + 32);
        else
            out[i] = (char)d[i];
    }
    if (d[8] && d[8] != ' ') {
        out[i++] = '.';
        for (int a = 0; a < 3 && d[8 + a] != 0 && d[8 + a] != ' '; a++, i++) {
            if ((d[DE_NTBYTE] & CASE_LOWER_EXT) && d[8 + a] >= 'A' && d[8 + a] <= 'Z')
                out[i] = (char)(d[8 + a] + 32);
            else
                out[i] = (char)d[8 + a];
        }
    }
    out[i] = '\0';
    cleanup_ascii(out);
}

static unsigned attr_mode(uint8_t attr)
{
    unsigned mode = FAT_MODE_X;
    if (!(attr & ATTR_RO)) mode |= FAT_MODE_R;
    if (!(attr & ATTR_HIDDEN)) mode |= FAT_MODE_W;
    return mode;
}

static int fatxx_dinode_copy(struct fatfs *fs, uint64_t inum, const uint8_t *d, int alloc,
                             struct fat_meta *m)
{
    memset(m, 0, sizeof *m);
    uint8_t attr = d[DE_ATTR];
    m->addr = inum;
    m->attrib = attr;
    m->mode = attr_mode(attr);
    m->type = (attr & ATTR_DIR) ? FMT_DIR : FMT_REG;
    m->alloc = alloc ? d[0] != SLOT_DELETED : 0;
    if (is_lfn(d)) {
        char *o = m->name2;
        size_t cap = sizeof m->name2;
        uint8_t u[26];
        memcpy(u, d + 1, 10);
        memcpy(u + 10, d + 14, 12);
        memcpy(u + 22, d + 28, 4);
        fat_utf16_to_utf8(u, 13, o, cap);
    } else if ((attr & ATTR_VOLUME) == ATTR_VOLUME) {
        int i = 0;
        for (int a = 0; a < 11; a++)
            if (d[a] != 0x00 && d[a] != 0xff) m->name2[i++] = (char)d[a];
        m->name2[i] = '\0';
        cleanup_ascii(m->name2);
    } else {
        short_name_meta(d, m->name2);
    }
    for (char *p = m->name2; *p; p++)
        if ((unsigned char)*p < 0x20) *p = '^';
    if (!is_lfn(d)) {
        m->size = fat_u32(d + DE_SIZE);
        uint16_t wdate = fat_u16(d + DE_WDATE), adate = fat_u16(d + DE_ADATE);
        uint16_t cdate = fat_u16(d + DE_CDATE);
        if (fat_dos_date_ok(wdate)) m->mtime.sec = fat_dos_time(wdate, fat_u16(d + DE_WTIME), 0);
        if (fat_dos_date_ok(adate)) m->atime.sec = fat_dos_time(adate, 0, 0);
        if (fat_dos_date_ok(cdate)) {
            m->crtime.sec = fat_dos_time(cdate, fat_u16(d + DE_CTIME), d[DE_CTEN]);
            m->crtime.nsec = (uint32_t)(d[DE_CTEN] % 100) * 10000000u;
        }
        m->first_clust = de_clust(d) & fs->mask;
    }
    m->valid_len = m->size;
    if ((attr & ATTR_DIR) && !is_lfn(d)) {
        if (m->alloc)
            m->size = fat_dir_chain_bytes(fs, de_clust(d));
        else
            m->size = fatxx_cluster_alloc(fs, de_clust(d)) == 1 ? 0 : fs->csize * fs->ssize;
        m->valid_len = m->size;
    }
    return 0;
}

static int fatxx_skip_dentry(struct fatfs *fs, uint64_t inum, const uint8_t *d, int alloc)
{
    (void)fs;
    (void)inum;
    if (is_lfn(d)) return 1;
    if ((d[DE_ATTR] & ATTR_DIR) && d[0] == '.') return 1;
    return alloc == 1 && d[0] != SLOT_DELETED; /* allocated entries are not orphans */
}

static int fatxx_inode_lookup(struct fatfs *fs, uint64_t inum, struct fat_meta *m)
{
    uint64_t sect = fat_inode_to_sect(fs, inum);
    if (sect > fs->last_block) return -1;
    uint8_t d[32];
    if (fat_read(fs, sect * fs->ssize + ((inum - FAT_FIRST_NORMINO) % fs->dentry_cnt_se) * 32, d,
                 32))
        return -1;
    int alloc = fat_sect_alloc(fs, sect);
    if (alloc == -1) return -1;
    if (!fatxx_is_dentry(fs, d, alloc, alloc)) return -1;
    return fatxx_dinode_copy(fs, inum, d, alloc, m);
}

/* Long-name parts gathered backwards until the short entry comes (TSK's FATXXFS_LFN). */
struct lfn {
    uint8_t name[FAT_NAME_MAX];
    unsigned start;
    uint8_t chk, seq;
};

static void lfn_take(struct lfn *l, const uint8_t *d)
{
    if (((d[0] & 0x40) && d[0] != SLOT_DELETED) || d[13] != l->chk) {
        l->seq = d[0] & 0x3f;
        l->chk = d[13];
        l->start = FAT_NAME_MAX - 1;
    }
    static const uint8_t at[26] = {28, 29, 30, 31, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                   23, 24, 25, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10};
    /* part3 (4 bytes), part2 (12), part1 (10), each copied from its end. */
    for (int k = 0; k < 4; k++)
        if (l->start > 0) l->name[l->start--] = d[at[3 - k]];
    for (int k = 0; k < 12; k++)
        if (l->start > 0) l->name[l->start--] = d[at[4 + 11 - k]];
    for (int k = 0; k < 10; k++)
        if (l->start > 0) l->name[l->start--] = d[at[16 + 9 - k]];
}

static void short_name_dir(const uint8_t *d, char *out)
{
    int a = 0;
    for (int b = 0; b < 8; b++) {
        if (d[b] == 0 || d[b] == 0xff || d[b] == 0x20) continue;
        if (b == 0 && d[0] == SLOT_DELETED)
            out[a++] = '_';
        else if ((d[DE_NTBYTE] & CASE_LOWER_BASE) && d[b] >= 'A' && d[b] <= 'Z')
            out[a++] = (char)(d[b] + 32);
        else
            out[a++] = (char)d[b];
    }
    for (int b = 0; b < 3; b++) {
        uint8_t c = d[8 + b];
        if (c == 0 || c == 0xff || c == 0x20) continue;
        if (b == 0) out[a++] = '.';
        if ((d[DE_NTBYTE] & CASE_LOWER_EXT) && c >= 'A' && c <= 'Z')
            out[a++] = (char)(c + 32);
        else
            out[a++] = (char)c;
    }
    out[a] = '\0';
    cleanup_ascii(out);
}

static int fatxx_parse_dir(struct fatfs *fs, uint64_t dir, const uint8_t *buf, size_t len,
                           const uint64_t *secs, struct fat_names *out)
{
    struct lfn lfn;
    memset(&lfn, 0, sizeof lfn);
    lfn.start = FAT_NAME_MAX - 1;
    int seen = 0, invalid = 0, corrupt = 0;
    size_t dep = 0; /* entry index into buf: as in TSK, it does not move past skipped sectors */
    char name[FAT_NAME_MAX + 32];
    for (size_t sidx = 0; sidx < len / fs->ssize; sidx++) {
        uint64_t ibase = fat_sect_to_inode(fs, secs[sidx]);
        if (secs[sidx] < fs->firstdatasect || ibase > fs->last_inum) {
            forensics_diag_add(fs->diag, "%s: directory %llu: sector %llu is outside the volume",
                               fat_op_type(fs), (unsigned long long)dir,
                               (unsigned long long)secs[sidx]);
            return -1;
        }
        int sectalloc = fat_sect_alloc(fs, secs[sidx]);
        if (sectalloc == -1) continue;
        for (uint64_t idx = 0; idx < fs->dentry_cnt_se; idx++, dep++) {
            if ((dep + 1) * 32 > len) break;
            const uint8_t *d = buf + dep * 32;
            seen++;
            if (!fatxx_is_dentry(fs, d, sectalloc, !corrupt && sectalloc)) {
                invalid++;
                if (seen == 4 && invalid == 4) corrupt = 1;
                continue;
            }
            uint64_t inode = ibase + idx;
            enum fat_name_type type = (d[DE_ATTR] & ATTR_DIR) ? FNT_DIR : FNT_REG;
            if (is_lfn(d)) {
                lfn_take(&lfn, d);
                continue;
            } else if ((d[DE_ATTR] & ATTR_VOLUME) == ATTR_VOLUME) {
                int a = 0;
                for (int b = 0; b < 11; b++)
                    name[a++] = d[b] >= 0x20 && d[b] != 0xff ? d[b] : '^';
                name[a] = '\0';
                strcat(name, " (Volume Label Entry)");
            } else {
                if (lfn.start != FAT_NAME_MAX - 1) {
                    size_t units = (FAT_NAME_MAX - 1 - lfn.start) / 2;
                    if (fat_utf16_to_utf8(lfn.name + lfn.start + 1, units, name, FAT_NAME_MAX))
                        continue;
                    lfn.start = FAT_NAME_MAX - 1;
                } else {
                    short_name_dir(d, name);
                }
            }
            int alloc = sectalloc == 1 && d[0] != SLOT_DELETED;
            if (type == FNT_DIR && idx < 2 && (!strcmp(name, ".") || !strcmp(name, "..")))
                inode = name[1] ? 0 : dir; /* ".." is never followed nor printed */
            if (fat_names_add(out, name, inode, type, alloc)) return -1;
        }
    }
    return 0;
}

static const struct fat_family fatxx_family = {
    .is_dentry = fatxx_is_dentry,
    .dinode_copy = fatxx_dinode_copy,
    .skip_dentry = fatxx_skip_dentry,
    .parse_dir = fatxx_parse_dir,
    .cluster_alloc = fatxx_cluster_alloc,
    .inode_lookup = fatxx_inode_lookup,
};

static int bad(struct forensics_diag *diag, const char *why)
{
    forensics_diag_add(diag, "fat: boot sector: %s", why);
    return KT_EINVAL;
}

static int open_fs(struct forensics_image *img, uint64_t off, struct forensics_diag *diag,
                   void **out)
{
    *out = NULL;
    uint8_t bs[512];
    uint32_t isz = forensics_image_sector_size(img);
    int backup = 0, found = 0;
    for (int attempt = 0; attempt < 3 && !found; attempt++) {
        uint64_t at = attempt == 0 ? 0 : attempt == 1 ? 6ull * isz : 12ull * isz;
        size_t got = 0;
        if (forensics_image_read(img, off + at, bs, sizeof bs, &got) || got != sizeof bs)
            return KT_ENOTFOUND;
        uint16_t magic = fat_u16(bs + 510);
        if (magic == 0xaa55) {
            found = 1;
            backup = at > 0;
        } else if (magic != 0) {
            return KT_ENOTFOUND;
        }
    }
    if (!found) return KT_ENOTFOUND;
    uint32_t ssize = fat_u16(bs + 11), csize = bs[13], numfat = bs[16];
    uint32_t sh = ssize == 512    ? 9
                  : ssize == 1024 ? 10
                  : ssize == 2048 ? 11
                  : ssize == 4096 ? 12
                                  : 0;
    if (!sh || !csize || (csize & (csize - 1)) || numfat == 0 || numfat > 8) return KT_ENOTFOUND;
    uint64_t numroot = fat_u16(bs + 17);
    uint64_t sectors = fat_u16(bs + 19);
    if (!sectors) sectors = fat_u32(bs + 32);
    uint64_t spf = fat_u16(bs + 22);
    if (!spf) spf = fat_u32(bs + 36);
    uint64_t reserved = fat_u16(bs + 14);
    if (!spf || !reserved || reserved > sectors) return KT_ENOTFOUND;
    struct fatfs *fs = calloc(1, sizeof *fs);
    if (!fs) return KT_ENOMEM;
    fs->img = img;
    fs->off = off;
    fs->diag = diag;
    fs->fam = &fatxx_family;
    fs->ssize = ssize;
    fs->ssize_sh = sh;
    fs->csize = csize;
    fs->numfat = numfat;
    fs->firstfatsect = reserved;
    fs->sectperfat = spf;
    fs->firstdatasect = reserved + spf * numfat;
    fs->firstclustsect = fs->firstdatasect + (numroot * 32 + ssize - 1) / ssize;
    int rc = 0;
    if (fs->firstclustsect >= sectors) {
        rc = KT_ENOTFOUND;
        goto fail;
    }
    fs->clustcnt = (sectors - fs->firstclustsect) / csize;
    fs->lastclust = 1 + fs->clustcnt;
    fs->kind = fs->clustcnt < 4085 ? FAT_12 : fs->clustcnt < 65525 ? FAT_16 : FAT_32;
    if ((fs->kind == FAT_32) != (numroot == 0) || (backup && fs->kind != FAT_32)) {
        rc = KT_ENOTFOUND;
        goto fail;
    }
    fs->mask = fs->kind == FAT_12 ? 0xfff : fs->kind == FAT_16 ? 0xffff : 0x0fffffff;
    if (fs->kind == FAT_32) {
        uint64_t rc32 = fat_u32(bs + 44) & fs->mask;
        if (rc32 < 2 || rc32 > fs->lastclust) {
            rc = bad(diag, "root directory cluster outside the volume");
            goto fail;
        }
        fs->rootsect = fat_clust_to_sect(fs, rc32);
    } else {
        fs->rootsect = fs->firstdatasect;
    }
    fs->block_count = sectors;
    fs->last_block = fs->last_block_act = sectors - 1;
    uint64_t isize = forensics_image_size(img);
    uint64_t avail = isize > off ? (isize - off) / ssize : 0;
    if (avail < sectors) {
        if (avail == 0) {
            rc = bad(diag, "volume starts at the end of the image");
            goto fail;
        }
        fs->last_block_act = avail - 1;
        forensics_diag_add(diag, "fat: image holds %llu of the volume's %llu sectors",
                           (unsigned long long)avail, (unsigned long long)sectors);
    }
    fat_set_inodes(fs);
    *out = fs;
    return 0;
fail:
    free(fs);
    return rc;
}

const char *fat_op_type(void *h)
{
    const struct fatfs *fs = h;
    switch (fs->kind) {
    case FAT_12:
        return "fat12";
    case FAT_16:
        return "fat16";
    case FAT_32:
        return "fat32";
    default:
        return "exfat";
    }
}

void fat_op_close(void *h)
{
    struct fatfs *fs = h;
    if (!fs) return;
    free(fs->fatc);
    free(fs->bitmap);
    free(fs->named);
    fat_names_free(&fs->orphans);
    free(fs);
}

const struct forensics_fs_ops forensics_fat_ops = {
    .family = "fat",
    .open = open_fs,
    .type = fat_op_type,
    .walk = fat_op_walk,
    .read = fat_op_read,
    .stat = fat_op_stat,
    .unalloc = fat_op_unalloc,
    .close = fat_op_close,
};
