/* Partition tables built in memory, hostile ones included: an EBR that links to itself, a
 * chain longer than the depth limit, a partition beyond the image, GPT entry counts that lie,
 * a GPT whose primary is damaged (backup used) or whose both copies are, truncated images. */
#include "base/err.h"
#include "forensics/vol.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#define SECTORS 4096
static unsigned char img_data[SECTORS * 512];

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void mbr_entry(uint64_t sector, int i, uint8_t type, uint32_t start, uint32_t size)
{
    unsigned char *s = img_data + sector * 512;
    s[510] = 0x55;
    s[511] = 0xaa;
    s[446 + 16 * i + 4] = type;
    put32(s + 446 + 16 * i + 8, start);
    put32(s + 446 + 16 * i + 12, size);
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

/* A GPT header at lba with 128 entries at tab; entry 0 = sectors 100..199 named "data". */
static void gpt_at(uint64_t lba, uint64_t tab, uint64_t alt)
{
    unsigned char *e = img_data + tab * 512;
    memset(e, 0, 128 * 128);
    put64(e + 32, 100);
    put64(e + 40, 199);
    e[16] = 1; /* a non-zero unique GUID */
    const char *name = "data";
    for (int i = 0; name[i]; i++)
        e[56 + 2 * i] = (unsigned char)name[i];
    unsigned char *h = img_data + lba * 512;
    memset(h, 0, 512);
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, lba);
    put64(h + 32, alt);
    put64(h + 72, tab);
    put32(h + 80, 128);
    put32(h + 84, 128);
    put32(h + 88, crc32(e, 128 * 128));
    put32(h + 16, crc32(h, 92));
}

static int list(size_t size, struct forensics_volumes *v, struct forensics_diag *d)
{
    struct forensics_image *img;
    if (forensics_image_open_mem(img_data, size, &img) != 0) abort();
    forensics_diag_init(d, 50);
    int rc = forensics_vol_open(img, d, v);
    forensics_image_close(img);
    return rc;
}

static int has_row(const struct forensics_volumes *v, uint64_t start, uint64_t len, int flags,
                   const char *desc)
{
    for (size_t i = 0; i < v->n; i++)
        if (v->parts[i].start == start && v->parts[i].len == len && v->parts[i].flags == flags &&
            strcmp(v->parts[i].desc, desc) == 0)
            return 1;
    return 0;
}

static int diag_has(const struct forensics_diag *d, const char *s)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->msgs[i], s)) return 1;
    return 0;
}

static void test_dos(void)
{
    struct forensics_volumes v;
    struct forensics_diag d;
    memset(img_data, 0, sizeof img_data);
    mbr_entry(0, 0, 0x83, 63, 100);
    mbr_entry(0, 1, 0x05, 200, 1000);
    mbr_entry(200, 0, 0x07, 10, 50);   /* logical at 210 */
    mbr_entry(200, 1, 0x05, 100, 200); /* next EBR at 300 */
    mbr_entry(300, 0, 0x0b, 5, 20);    /* logical at 305 */
    mbr_entry(300, 1, 0x05, 0, 10);    /* start 0: ignored, as mmls does */
    int rc = list(sizeof img_data, &v, &d);
    CHECK(rc == 0 && strcmp(v.type, "dos") == 0, "dos table: %d", rc);
    CHECK(has_row(&v, 63, 100, FORENSICS_VOL_ALLOC, "Linux (0x83)") &&
              has_row(&v, 210, 50, FORENSICS_VOL_ALLOC, "NTFS / exFAT (0x07)") &&
              has_row(&v, 305, 20, FORENSICS_VOL_ALLOC, "Win95 FAT32 (0x0b)") &&
              has_row(&v, 300, 1, FORENSICS_VOL_META, "Extended Table (#2)") &&
              has_row(&v, 0, 63, FORENSICS_VOL_UNALLOC, "Unallocated") &&
              has_row(&v, 325, SECTORS - 325, FORENSICS_VOL_UNALLOC, "Unallocated"),
          "dos rows");
    for (size_t i = 1; i < v.n; i++)
        CHECK(v.parts[i - 1].start <= v.parts[i].start, "sorted at %zu", i);
    forensics_vol_free(&v);
    forensics_diag_free(&d);

    /* The second EBR links back to the first: a loop, reported; the rows so far stay. */
    mbr_entry(300, 1, 0x05, 0, 10);
    mbr_entry(300, 2, 0x05, 100, 10);
    rc = list(sizeof img_data, &v, &d);
    CHECK(rc == 0 && diag_has(&d, "a loop") &&
              has_row(&v, 305, 20, FORENSICS_VOL_ALLOC, "Win95 FAT32 (0x0b)"),
          "EBR loop detected");
    forensics_vol_free(&v);
    forensics_diag_free(&d);

    /* A chain of 400 EBRs, each two sectors after the last: stopped at the depth limit. */
    memset(img_data, 0, sizeof img_data);
    mbr_entry(0, 0, 0x0f, 1000, 2000);
    for (uint32_t k = 0; k < 400; k++) {
        mbr_entry(1000 + 2 * k, 0, 0x83, 1, 1);
        mbr_entry(1000 + 2 * k, 1, 0x0f, 2 * (k + 1), 1);
    }
    rc = list(sizeof img_data, &v, &d);
    CHECK(rc == 0 && diag_has(&d, "longer than"), "long EBR chain stopped: %d", rc);
    forensics_vol_free(&v);
    forensics_diag_free(&d);

    /* The first partition starts beyond the image: no table, as mmls. */
    memset(img_data, 0, sizeof img_data);
    mbr_entry(0, 0, 0x83, 0xfffffff0u, 10);
    CHECK(list(sizeof img_data, &v, &d) == KT_ENOTFOUND && diag_has(&d, "beyond"),
          "partition beyond the image");
    forensics_diag_free(&d);

    /* A FAT boot sector is no partition table; neither are zeros or a truncated sector. */
    memset(img_data, 0, sizeof img_data);
    mbr_entry(0, 0, 0x83, 63, 100);
    memcpy(img_data + 3, "MSDOS5.0", 8);
    CHECK(list(sizeof img_data, &v, &d) == KT_ENOTFOUND, "FAT boot sector");
    forensics_diag_free(&d);
    memset(img_data, 0, 512);
    CHECK(list(sizeof img_data, &v, &d) == KT_ENOTFOUND, "zeros");
    forensics_diag_free(&d);
    mbr_entry(0, 0, 0x83, 63, 100);
    CHECK(list(300, &v, &d) == KT_ENOTFOUND, "truncated image");
    forensics_diag_free(&d);
}

static void test_gpt(void)
{
    struct forensics_volumes v;
    struct forensics_diag d;
    memset(img_data, 0, sizeof img_data);
    mbr_entry(0, 0, 0xee, 1, SECTORS - 1);
    gpt_at(1, 2, SECTORS - 1);
    gpt_at(SECTORS - 1, SECTORS - 33, 1);
    int rc = list(sizeof img_data, &v, &d);
    CHECK(rc == 0 && strcmp(v.type, "gpt") == 0 && !v.gpt_backup &&
              has_row(&v, 100, 100, FORENSICS_VOL_ALLOC, "data") &&
              has_row(&v, 0, 1, FORENSICS_VOL_META, "Safety Table") &&
              has_row(&v, 2, 32, FORENSICS_VOL_META, "Partition Table"),
          "gpt: %d", rc);
    forensics_vol_free(&v);
    forensics_diag_free(&d);

    img_data[512 + 40] ^= 1; /* primary header CRC now wrong */
    rc = list(sizeof img_data, &v, &d);
    CHECK(rc == 0 && v.gpt_backup && has_row(&v, 100, 100, FORENSICS_VOL_ALLOC, "data") &&
              diag_has(&d, "fails its CRC"),
          "damaged primary: backup used");
    forensics_vol_free(&v);
    forensics_diag_free(&d);

    img_data[(SECTORS - 33) * 512] ^= 1; /* backup entries' CRC wrong too */
    rc = list(sizeof img_data, &v, &d);
    CHECK(rc == 0 && strcmp(v.type, "dos") == 0 && diag_has(&d, "no usable GPT"),
          "both GPTs damaged: the protective MBR is listed, with a warning (%d)", rc);
    forensics_vol_free(&v);
    forensics_diag_free(&d);

    /* Entry counts that lie: a header claiming 2^31 entries of 2^16 bytes. */
    memset(img_data, 0, sizeof img_data);
    mbr_entry(0, 0, 0xee, 1, SECTORS - 1);
    gpt_at(1, 2, SECTORS - 1);
    put32(img_data + 512 + 80, 0x80000000u);
    put32(img_data + 512 + 84, 0x10000);
    put32(img_data + 512 + 16, 0);
    put32(img_data + 512 + 16, crc32(img_data + 512, 92));
    rc = list(sizeof img_data, &v, &d);
    CHECK(rc == 0 && strcmp(v.type, "dos") == 0 && diag_has(&d, "entries of"),
          "huge entry count refused (%d)", rc);
    forensics_vol_free(&v);
    forensics_diag_free(&d);

    /* mmls text of a one-row table. */
    memset(img_data, 0, sizeof img_data);
    mbr_entry(0, 0, 0x83, 2048, 2048);
    rc = list(sizeof img_data, &v, &d);
    struct kt_buf out;
    kt_buf_init(&out, 1 << 16);
    forensics_vol_mmls(&v, &out);
    CHECK(rc == 0 && strstr(out.data, "002:  000:000   0000002048   0000004095   0000002048   "
                                      "Linux (0x83)\n"),
          "mmls text:\n%s", out.data);
    kt_buf_free(&out);
    forensics_vol_free(&v);
    forensics_diag_free(&d);
    char desc[64];
    forensics_vol_dos_desc(0x42, desc, sizeof desc);
    forensics_vol_dos_desc(0x3e, desc, sizeof desc);
    CHECK(strcmp(desc, "Unknown Type (0x3e)") == 0, "unknown type: %s", desc);
}

int main(void)
{
    test_dos();
    test_gpt();
    return tap_done();
}
