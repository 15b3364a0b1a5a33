/* Evidence images: split-raw segment names (a table, hostile names included), reads across
 * segment boundaries, and that the segments are opened read-only. */
#include "base/err.h"
#include "forensics/image.h"
#include "tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    int first;
    int rc;
    const char *next;
} names[] = {
    {"disk.001", 1, 0, "disk.002"},
    {"disk.000", 1, 0, "disk.001"},
    {"disk.009", 0, 0, "disk.010"},
    {"disk.099", 0, 0, "disk.100"},
    {"disk.999", 0, KT_ENOTFOUND, ""},
    {"disk.raw.000", 1, 0, "disk.raw.001"},
    {"/ev/case 1/disk.01", 1, 0, "/ev/case 1/disk.02"},
    {"disk.aa", 1, 0, "disk.ab"},
    {"disk.az", 0, 0, "disk.ba"},
    {"disk.aaa", 1, 0, "disk.aab"},
    {"disk.zz", 0, KT_ENOTFOUND, ""},
    {"disk.dd", 0, 0, "disk.de"}, /* a name, not a first segment: opened as plain raw */
    {"disk.E01", 0, KT_ENOTFOUND, ""},
    {"disk.1", 0, KT_ENOTFOUND, ""},
    {"disk.0000001", 0, KT_ENOTFOUND, ""},
    {"disk", 0, KT_ENOTFOUND, ""},
    {".001", 0, KT_ENOTFOUND, ""},
    {"dir.001/disk", 0, KT_ENOTFOUND, ""},
    {"disk.", 0, KT_ENOTFOUND, ""},
    {"", 0, KT_ENOTFOUND, ""},
    {"disk.0a1", 0, KT_ENOTFOUND, ""},
    {"disk.AA", 0, KT_ENOTFOUND, ""},
};

static void test_names(void)
{
    for (size_t i = 0; i < LEN(names); i++) {
        char out[64];
        int rc = forensics_image_split_next(names[i].name, out, sizeof out);
        CHECK(rc == names[i].rc && strcmp(out, names[i].next) == 0, "next(%s) = %d '%s'",
              names[i].name, rc, out);
        CHECK(forensics_image_split_first(names[i].name) == names[i].first, "first(%s)",
              names[i].name);
    }
    char small[8];
    CHECK(forensics_image_split_next("disk.001", small, sizeof small) == KT_ETOOBIG && !small[0],
          "too small an out buffer");
    CHECK(forensics_image_split_next("disk.001", small, 0) == KT_ETOOBIG, "cap 0");
}

static void write_file(const char *path, const unsigned char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) abort();
    fclose(f);
}

static void test_split_reads(void)
{
    char dir[] = "/tmp/keitsu-image-XXXXXX";
    if (!mkdtemp(dir)) abort();
    unsigned char all[3000];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (unsigned char)(i * 7 + 3);
    /* Segments of 1000, 1500 and 500 bytes, then a gap in the names: .005 is not part of it. */
    const size_t sizes[] = {1000, 1500, 500};
    char path[128];
    size_t at = 0;
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/ev.%03zu", dir, i + 1);
        write_file(path, all + at, sizes[i]);
        at += sizes[i];
    }
    snprintf(path, sizeof path, "%s/ev.005", dir);
    write_file(path, all, 10);

    struct forensics_image *img;
    snprintf(path, sizeof path, "%s/ev.001", dir);
    int rc = forensics_image_open(path, &img);
    CHECK(rc == 0, "open split: %s", kt_errmsg());
    if (rc == 0) {
        CHECK(strcmp(forensics_image_format(img), "split") == 0, "format split");
        CHECK(forensics_image_size(img) == 3000, "size %llu",
              (unsigned long long)forensics_image_size(img));
        CHECK(forensics_image_segments(img) == 3, "3 segments");
        const struct {
            uint64_t off;
            size_t n, want;
        } reads[] = {{0, 3000, 3000}, {990, 20, 20},   {999, 1502, 1502}, {2490, 100, 100},
                     {2999, 10, 1},   {3000, 10, 0},   {5000, 1, 0},      {1000, 0, 0},
                     {0, 1, 1},       {2500, 500, 500}};
        for (size_t i = 0; i < LEN(reads); i++) {
            unsigned char buf[3100];
            size_t got = 99;
            rc = forensics_image_read(img, reads[i].off, buf, reads[i].n, &got);
            CHECK(rc == 0 && got == reads[i].want &&
                      (got == 0 || memcmp(buf, all + reads[i].off, got) == 0),
                  "read %llu+%zu: rc %d got %zu", (unsigned long long)reads[i].off, reads[i].n, rc,
                  got);
        }
        CHECK(forensics_image_meta_get(img, "md5") == NULL, "no metadata in raw");
        forensics_image_close(img);
    }
    /* A single .001 with no .002 is plain raw. */
    snprintf(path, sizeof path, "%s/ev.005", dir);
    rc = forensics_image_open(path, &img);
    CHECK(rc == 0 && strcmp(forensics_image_format(img), "raw") == 0, "ev.005 is raw");
    if (rc == 0) forensics_image_close(img);
    snprintf(path, sizeof path, "%s/missing.001", dir);
    CHECK(forensics_image_open(path, &img) == KT_ENOTFOUND, "missing image");
    CHECK(forensics_image_open(dir, &img) == KT_EINVAL, "a directory is no image");
    for (size_t i = 1; i <= 5; i++) {
        snprintf(path, sizeof path, "%s/ev.%03zu", dir, i);
        unlink(path);
    }
    rmdir(dir);
}

static void test_mem(void)
{
    static const unsigned char data[] = "0123456789";
    struct forensics_image *img;
    CHECK(forensics_image_open_mem(data, 10, &img) == 0, "open mem");
    char buf[16];
    size_t got;
    CHECK(forensics_image_read(img, 8, buf, 16, &got) == 0 && got == 2 && buf[0] == '8',
          "mem read at the end");
    CHECK(forensics_image_segments(img) == 1 && strcmp(forensics_image_format(img), "mem") == 0,
          "mem format");
    forensics_image_close(img);
    forensics_image_close(NULL);
}

int main(void)
{
    test_names();
    test_split_reads();
    test_mem();
    return tap_done();
}
