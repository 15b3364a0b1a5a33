/* keitsu image info, hash and mmls: the evidence container and its partition table. */
#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"
#include "cli/image_cli.h"
#include "forensics/hash.h"
#include "forensics/image.h"
#include "forensics/vol.h"

#include <stdio.h>
#include <string.h>

/* Prints the three hashes; for an E01 compares with the MD5 (and SHA-1) stored at
 * acquisition: exit status 1 on a mismatch. */
int image_cmd_hash(int argc, char **argv)
{
    struct image_args a;
    struct forensics_image *img;
    int rc = image_open_arg(argc, argv, &a, &img);
    if (rc != 0) return rc;
    struct forensics_hashes h;
    rc = forensics_hash_image(img, &h);
    int bad = 0;
    if (rc == 0) {
        printf("md5: %s\nsha1: %s\nsha256: %s\nbytes: %llu\n", h.md5, h.sha1, h.sha256,
               (unsigned long long)h.bytes);
        const char *stored[][2] = {{"md5", h.md5}, {"sha1", h.sha1}};
        for (size_t i = 0; i < 2; i++) {
            const char *v = forensics_image_meta_get(img, stored[i][0]);
            if (!v) continue;
            int same = strcmp(v, stored[i][1]) == 0;
            printf("stored %s: %s (%s)\n", stored[i][0], v, same ? "verified" : "MISMATCH");
            bad |= !same;
        }
    }
    forensics_image_close(img);
    if (rc != 0) return cli_fail(rc);
    if (bad) fputs("keitsu: the image does not match the hash stored at acquisition\n", stderr);
    return bad;
}

int image_cmd_info(int argc, char **argv)
{
    struct image_args a;
    struct forensics_image *img;
    int rc = image_open_arg(argc, argv, &a, &img);
    if (rc != 0) return rc;
    uint64_t size = forensics_image_size(img);
    uint32_t ss = forensics_image_sector_size(img);
    printf("format: %s\nsize: %llu bytes (%llu sectors of %u)\nsegments: %zu\n",
           forensics_image_format(img), (unsigned long long)size, (unsigned long long)(size / ss),
           ss, forensics_image_segments(img));
    for (size_t i = 0; i < forensics_image_segments(img); i++)
        printf("  %s\n", forensics_image_segment(img, i));
    const char *k, *v;
    for (size_t i = 0; forensics_image_meta(img, i, &k, &v) == 0; i++)
        printf("%s: %s\n", k, v);
    forensics_image_close(img);
    return 0;
}

int image_cmd_mmls(int argc, char **argv)
{
    struct image_args a;
    if (image_parse_args(argc, argv, 0, &a) != 0) return image_usage();
    struct image_vols iv;
    int rc = image_open_vols(a.image, &iv);
    if (rc != 0) return cli_fail(rc);
    if (!iv.have_table) rc = kt_fail(KT_ENOTFOUND, "no DOS or GPT partition table");
    struct kt_buf out;
    kt_buf_init(&out, 1 << 26);
    if (rc == 0) rc = forensics_vol_mmls(&iv.v, &out);
    if (rc == 0) fwrite(out.data, 1, out.len, stdout);
    kt_buf_free(&out);
    image_close_vols(&iv);
    return rc == 0 ? 0 : cli_fail(rc);
}
