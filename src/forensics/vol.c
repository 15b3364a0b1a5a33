/* DOS and GPT partition tables, read as mmls reads them, with the checks mmls leaves out
 * (GPT CRCs, a bound on EBR chains). */
#include "forensics/vol.h"

#include "base/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds against hostile tables: more rows, EBR tables or GPT entries than any real disk. */
enum { PARTS_MAX = 8192, EBR_DEPTH_MAX = 256, GPT_ENTRIES_MAX = 16384, GPT_TABLE_MAX = 4 << 20 };

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int is_ext(uint8_t t)
{
    return t == 0x05 || t == 0x0f || t == 0x85;
}

/* Adds a row after every row that starts at or before start (mmls's stable order). 0, or
 * KT_ETOOBIG past PARTS_MAX / KT_ENOMEM. */
static int add_part(struct forensics_volumes *v, uint64_t start, uint64_t len, int flags, int table,
                    int slot, uint8_t type, const char *desc)
{
    if (v->n >= PARTS_MAX) return KT_ETOOBIG;
    if ((v->n & (v->n - 1)) == 0) {
        size_t cap = v->n ? v->n * 2 : 8;
        struct forensics_vol_part *p = realloc(v->parts, cap * sizeof *p);
        if (!p) return KT_ENOMEM;
        v->parts = p;
    }
    size_t at = v->n;
    while (at > 0 && v->parts[at - 1].start > start)
        at--;
    memmove(&v->parts[at + 1], &v->parts[at], (v->n - at) * sizeof *v->parts);
    struct forensics_vol_part *p = &v->parts[at];
    memset(p, 0, sizeof *p);
    p->start = start;
    p->len = len;
    p->flags = flags;
    p->table = table;
    p->slot = slot;
    p->type = type;
    snprintf(p->desc, sizeof p->desc, "%s", desc);
    v->n++;
    return 0;
}

/* Reads sector lba whole into buf: 0, or -1 if the image does not hold it. */
static int read_sector(struct forensics_image *img, uint32_t ss, uint64_t lba, unsigned char *buf)
{
    size_t got = 0;
    if (lba > UINT64_MAX / ss) return -1;
    if (forensics_image_read(img, lba * ss, buf, ss, &got) != 0 || got != ss) return -1;
    return 0;
}

/* ---- DOS ---- */

struct dos {
    struct forensics_image *img;
    struct forensics_diag *diag;
    struct forensics_volumes *v;
    uint32_t ss;
    uint64_t max_addr; /* sectors in the image */
};

/* One extended table at sector cur; base is the first extended partition's start. Returns 0,
 * or -1 when the chain must stop (read error, bad magic, loop, depth): the rows added so far
 * stay, as with mmls. */
static int dos_ext(struct dos *d, uint64_t cur, uint64_t base, int table)
{
    if (table > EBR_DEPTH_MAX) {
        forensics_diag_add(d->diag, "extended partition chain longer than %d tables; stopped",
                           EBR_DEPTH_MAX);
        return -1;
    }
    unsigned char *s = malloc(d->ss);
    if (!s) return -1;
    if (read_sector(d->img, d->ss, cur, s) != 0 || le16(s + 510) != 0xaa55) {
        forensics_diag_add(d->diag, "extended partition table at sector %" PRIu64 " %s", cur,
                           read_sector(d->img, d->ss, cur, s) ? "is beyond the image"
                                                              : "has no 0x55AA signature");
        free(s);
        return -1;
    }
    char desc[64];
    snprintf(desc, sizeof desc, "Extended Table (#%d)", table);
    int rc = add_part(d->v, cur, 1, FORENSICS_VOL_META, table, -1, 0, desc);
    for (int i = 0; i < 4 && rc == 0; i++) {
        const unsigned char *e = s + 446 + 16 * i;
        uint8_t type = e[4];
        uint32_t start = le32(e + 8), size = le32(e + 12);
        if (size == 0 || start == 0) continue;
        forensics_vol_dos_desc(type, desc, sizeof desc);
        if (!is_ext(type)) {
            rc = add_part(d->v, cur + start, size, FORENSICS_VOL_ALLOC, table, i, type, desc);
            continue;
        }
        uint64_t next = base + start;
        for (size_t k = 0; k < d->v->n; k++)
            if (d->v->parts[k].start == next) {
                forensics_diag_add(d->diag,
                                   "extended partition table at sector %" PRIu64
                                   " links back to sector %" PRIu64 " (a loop); stopped",
                                   cur, next);
                free(s);
                return -1;
            }
        rc = add_part(d->v, next, size, FORENSICS_VOL_META, table, i, type, desc);
        if (rc == 0 && next <= d->max_addr && dos_ext(d, next, base, table + 1) != 0) rc = -1;
    }
    free(s);
    return rc == 0 ? 0 : -1;
}

static int dos_open(struct forensics_image *img, uint32_t ss, struct forensics_diag *diag,
                    struct forensics_volumes *v)
{
    unsigned char *s = malloc(ss);
    if (!s) return KT_ENOMEM;
    int rc = KT_ENOTFOUND;
    if (read_sector(img, ss, 0, s) != 0 || le16(s + 510) != 0xaa55) goto out;
    /* A FAT or NTFS boot sector has the same signature: mmls's test of the OEM name. */
    const char *oem = (const char *)s + 3;
    if (!memcmp(oem, "MSDOS", 5) || !memcmp(oem, "MSWIN", 5) || !memcmp(oem, "NTFS", 4) ||
        !memcmp(oem, "FAT", 4))
        goto out;
    struct dos d = {img, diag, v, ss, forensics_image_size(img) / ss};
    for (int i = 0; i < 4; i++) {
        uint32_t start = le32(s + 446 + 16 * i + 8);
        if (le32(s + 446 + 16 * i + 12) != 0 && i < 2 && start > d.max_addr) {
            forensics_diag_add(diag,
                               "DOS partition %d starts at sector %" PRIu32
                               ", beyond the image: no DOS table",
                               i, start);
            goto out;
        }
    }
    v->type = "dos";
    v->desc = "DOS Partition Table";
    rc = add_part(v, 0, 1, FORENSICS_VOL_META, -1, -1, 0, "Primary Table (#0)");
    int added = 0;
    for (int i = 0; i < 4 && rc == 0; i++) {
        const unsigned char *e = s + 446 + 16 * i;
        uint8_t type = e[4];
        uint32_t start = le32(e + 8), size = le32(e + 12);
        if (size == 0) continue;
        added = 1;
        char desc[64];
        forensics_vol_dos_desc(type, desc, sizeof desc);
        if (is_ext(type)) {
            rc = add_part(v, start, size, FORENSICS_VOL_META, 0, i, type, desc);
            if (rc == 0) dos_ext(&d, start, start, 1);
        } else {
            rc = add_part(v, start, size, FORENSICS_VOL_ALLOC, 0, i, type, desc);
        }
    }
    if (rc == KT_ETOOBIG) {
        forensics_diag_add(diag, "more than %d partitions; the rest are not listed", PARTS_MAX);
        rc = 0;
    }
    if (rc == 0 && !added) rc = KT_ENOTFOUND;
out:
    free(s);
    return rc;
}

/* ---- GPT ---- */

static uint32_t crc32(const unsigned char *p, size_t n)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) { /* idempotent, so a race between threads writes the same values */
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* A GPT partition name (UTF-16LE, up to 36 units, NUL-terminated or not) as UTF-8. */
static void name_utf8(const unsigned char *p, char *out, size_t cap)
{
    size_t o = 0;
    for (int i = 0; i < 36; i++) {
        uint32_t c = le16(p + 2 * i);
        if (c == 0) break;
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < 36) {
            uint32_t lo = le16(p + 2 * i + 2);
            if (lo >= 0xdc00 && lo < 0xe000) {
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                i++;
            } else {
                c = 0xfffd;
            }
        } else if (c >= 0xd800 && c < 0xe000) {
            c = 0xfffd;
        }
        unsigned char u[4];
        size_t n;
        if (c < 0x80)
            u[0] = (unsigned char)c, n = 1;
        else if (c < 0x800)
            u[0] = (unsigned char)(0xc0 | c >> 6), u[1] = (unsigned char)(0x80 | (c & 63)), n = 2;
        else if (c < 0x10000)
            u[0] = (unsigned char)(0xe0 | c >> 12), u[1] = (unsigned char)(0x80 | ((c >> 6) & 63)),
            u[2] = (unsigned char)(0x80 | (c & 63)), n = 3;
        else
            u[0] = (unsigned char)(0xf0 | c >> 18), u[1] = (unsigned char)(0x80 | ((c >> 12) & 63)),
            u[2] = (unsigned char)(0x80 | ((c >> 6) & 63)), u[3] = (unsigned char)(0x80 | (c & 63)),
            n = 4;
        if (o + n + 1 > cap) break;
        memcpy(out + o, u, n);
        o += n;
    }
    out[o] = '\0';
}

/* The GPT header at lba checked (signature, size, CRC, entry geometry) and its entry array
 * read and checked: 0 with *table (owned) or -1 with the reason in why. */
static int gpt_header(struct forensics_image *img, uint32_t ss, uint64_t lba, unsigned char *h,
                      unsigned char **table, char *why, size_t whycap)
{
    *table = NULL;
    if (read_sector(img, ss, lba, h) != 0) {
        snprintf(why, whycap, "sector %" PRIu64 " is beyond the image", lba);
        return -1;
    }
    if (memcmp(h, "EFI PART", 8) != 0) {
        snprintf(why, whycap, "no GPT signature at sector %" PRIu64, lba);
        return -1;
    }
    uint32_t hsize = le32(h + 12), hcrc = le32(h + 16);
    if (hsize < 92 || hsize > ss) {
        snprintf(why, whycap, "GPT header at sector %" PRIu64 " has size %" PRIu32, lba, hsize);
        return -1;
    }
    unsigned char *copy = malloc(hsize);
    if (!copy) return -1;
    memcpy(copy, h, hsize);
    memset(copy + 16, 0, 4);
    uint32_t crc = crc32(copy, hsize);
    free(copy);
    if (crc != hcrc) {
        snprintf(why, whycap,
                 "GPT header at sector %" PRIu64 " fails its CRC (stored %08" PRIx32
                 ", computed %08" PRIx32 ")",
                 lba, hcrc, crc);
        return -1;
    }
    uint64_t tab = le64(h + 72);
    uint32_t num = le32(h + 80), esize = le32(h + 84), ecrc = le32(h + 88);
    if (esize < 128 || esize % 8 || num > GPT_ENTRIES_MAX ||
        (uint64_t)num * esize > GPT_TABLE_MAX) {
        snprintf(why, whycap,
                 "GPT header at sector %" PRIu64 " has %" PRIu32 " entries of %" PRIu32 " bytes",
                 lba, num, esize);
        return -1;
    }
    size_t bytes = (size_t)num * esize, got = 0;
    unsigned char *t = malloc(bytes ? bytes : 1);
    if (!t) return -1;
    if (tab > UINT64_MAX / ss || forensics_image_read(img, tab * ss, t, bytes, &got) != 0 ||
        got != bytes) {
        snprintf(why, whycap, "GPT entries at sector %" PRIu64 " are beyond the image", tab);
        free(t);
        return -1;
    }
    crc = crc32(t, bytes);
    if (crc != ecrc) {
        snprintf(why, whycap,
                 "GPT entries at sector %" PRIu64 " fail their CRC (stored %08" PRIx32
                 ", computed %08" PRIx32 ")",
                 tab, ecrc, crc);
        free(t);
        return -1;
    }
    *table = t;
    return 0;
}

static int gpt_rows(struct forensics_image *img, uint32_t ss, uint64_t lba, int primary,
                    const unsigned char *h, const unsigned char *t, struct forensics_diag *diag,
                    struct forensics_volumes *v)
{
    uint64_t max_addr = forensics_image_size(img) / ss;
    uint32_t hsize = le32(h + 12), num = le32(h + 80), esize = le32(h + 84);
    uint64_t tab = le64(h + 72);
    for (uint32_t i = 0; i < num && i < 2; i++)
        if (le64(t + (size_t)i * esize + 32) > max_addr) {
            forensics_diag_add(diag, "GPT entry %" PRIu32 " starts beyond the image", i);
            return KT_ENOTFOUND;
        }
    v->type = "gpt";
    v->desc = "GUID Partition Table (EFI)";
    v->gpt_backup = !primary;
    int rc = 0;
    if (primary) rc = add_part(v, 0, 1, FORENSICS_VOL_META, -1, -1, 0, "Safety Table");
    if (rc == 0)
        rc = add_part(v, lba, (hsize + ss - 1) / ss, FORENSICS_VOL_META, -1, -1, 0, "GPT Header");
    if (rc == 0)
        rc = add_part(v, tab, ((uint64_t)esize * num + ss - 1) / ss, FORENSICS_VOL_META, -1, -1, 0,
                      "Partition Table");
    for (uint32_t i = 0; i < num && rc == 0; i++) {
        const unsigned char *e = t + (size_t)i * esize;
        uint64_t first = le64(e + 32), last = le64(e + 40);
        if (first == 0) continue;
        if (last < first) {
            forensics_diag_add(diag,
                               "GPT entry %" PRIu32 " ends (%" PRIu64 ") before it starts (%" PRIu64
                               "); not listed",
                               i, last, first);
            continue;
        }
        char name[192];
        name_utf8(e + 56, name, sizeof name);
        rc = add_part(v, first, last - first + 1, FORENSICS_VOL_ALLOC, -1, (int)i, 0, name);
    }
    if (rc == KT_ETOOBIG) {
        forensics_diag_add(diag, "more than %d partitions; the rest are not listed", PARTS_MAX);
        rc = 0;
    }
    return rc;
}

/* The GPT at sector size ss: the primary header if it and its entries pass their CRCs, else
 * the backup (the primary's alternate LBA, or the image's last sector). */
static int gpt_open(struct forensics_image *img, uint32_t ss, struct forensics_diag *diag,
                    struct forensics_volumes *v)
{
    unsigned char *h = malloc(ss);
    if (!h) return KT_ENOMEM;
    unsigned char *t = NULL;
    char why[200] = "";
    int rc = KT_ENOTFOUND;
    int protective = 0;
    if (read_sector(img, ss, 0, h) == 0 && le16(h + 510) == 0xaa55)
        for (int i = 0; i < 4; i++)
            protective |= h[446 + 16 * i + 4] == 0xee;
    if (gpt_header(img, ss, 1, h, &t, why, sizeof why) == 0) {
        rc = gpt_rows(img, ss, 1, protective, h, t, diag, v);
        goto out;
    }
    int had_sig = memcmp(h, "EFI PART", 8) == 0;
    if (!protective && !had_sig) goto out;
    uint64_t last = forensics_image_size(img) / ss;
    uint64_t alt = had_sig ? le64(h + 32) : 0;
    if (alt == 0 || alt >= last) alt = last ? last - 1 : 0;
    char why2[200];
    if (last && gpt_header(img, ss, alt, h, &t, why2, sizeof why2) == 0) {
        forensics_diag_add(diag, "primary GPT unusable (%s); read the backup at sector %" PRIu64,
                           why, alt);
        rc = gpt_rows(img, ss, alt, 0, h, t, diag, v);
    } else if (ss == forensics_image_sector_size(img)) {
        forensics_diag_add(diag, "no usable GPT: %s; backup: %s", why, last ? why2 : "none");
    }
out:
    free(t);
    free(h);
    return rc;
}

/* The gaps between the data partitions, as mmls computes them (collected first, since adding
 * rows moves them). */
static int add_unused(struct forensics_volumes *v, uint64_t sectors)
{
    uint64_t prev_end = 0;
    uint64_t(*gaps)[2] = malloc((v->n + 1) * sizeof *gaps);
    if (!gaps) return KT_ENOMEM;
    size_t ngaps = 0;
    for (size_t i = 0; i < v->n; i++) {
        const struct forensics_vol_part *p = &v->parts[i];
        if (p->flags & FORENSICS_VOL_META) continue;
        if (p->start > prev_end) {
            gaps[ngaps][0] = prev_end;
            gaps[ngaps++][1] = p->start - prev_end;
        }
        prev_end = p->start + p->len;
    }
    if (prev_end < sectors) {
        gaps[ngaps][0] = prev_end;
        gaps[ngaps++][1] = sectors - prev_end;
    }
    int rc = 0;
    for (size_t i = 0; i < ngaps && rc == 0; i++)
        rc = add_part(v, gaps[i][0], gaps[i][1], FORENSICS_VOL_UNALLOC, -1, -1, 0, "Unallocated");
    free(gaps);
    return rc == KT_ETOOBIG ? 0 : rc;
}

int forensics_vol_open(struct forensics_image *img, struct forensics_diag *diag,
                       struct forensics_volumes *out)
{
    memset(out, 0, sizeof *out);
    uint32_t ss = forensics_image_sector_size(img);
    if (ss < 512 || ss > 65536) return kt_fail(KT_ENOTFOUND, "sector size %u", ss);
    const uint32_t sizes[] = {ss, 512, 4096};
    int rc = KT_ENOTFOUND;
    for (size_t i = 0; i < 3 && rc == KT_ENOTFOUND; i++) {
        if (i > 0 && sizes[i] == ss) continue;
        forensics_vol_free(out);
        out->sector_size = sizes[i];
        rc = gpt_open(img, sizes[i], diag, out);
    }
    if (rc == KT_ENOTFOUND) {
        forensics_vol_free(out);
        out->sector_size = ss;
        rc = dos_open(img, ss, diag, out);
    }
    if (rc == 0) rc = add_unused(out, forensics_image_size(img) / out->sector_size);
    if (rc != 0) {
        forensics_vol_free(out);
        return rc == KT_ENOTFOUND ? kt_fail(rc, "no DOS or GPT partition table")
                                  : kt_fail(rc, "out of memory");
    }
    return 0;
}

void forensics_vol_free(struct forensics_volumes *v)
{
    free(v->parts);
    memset(v, 0, sizeof *v);
}

int forensics_vol_mmls(const struct forensics_volumes *v, struct kt_buf *out)
{
    kt_buf_printf(out, "%s\nOffset Sector: 0\nUnits are in %u-byte sectors\n\n", v->desc,
                  v->sector_size);
    kt_buf_puts(out, "      Slot      Start        End          Length       Description\n");
    for (size_t i = 0; i < v->n; i++) {
        const struct forensics_vol_part *p = &v->parts[i];
        char slot[32];
        if (p->flags & FORENSICS_VOL_META)
            snprintf(slot, sizeof slot, "Meta    ");
        else if (p->slot < 0)
            snprintf(slot, sizeof slot, "------- ");
        else if (p->table < 0)
            snprintf(slot, sizeof slot, "%.3d     ", p->slot);
        else
            snprintf(slot, sizeof slot, "%.3d:%.3d ", p->table, p->slot);
        kt_buf_printf(out, "%.3zu:  %s  %.10" PRIu64 "   %.10" PRIu64 "   %.10" PRIu64 "   %s\n", i,
                      slot, p->start, p->start + p->len - 1, p->len, p->desc);
    }
    return out->failed ? KT_ENOMEM : 0;
}
