/* exfat file systems: not yet implemented; open() declines every volume. */
#include "base/err.h"
#include "forensics/fs.h"

static int open_fs(struct forensics_image *img, uint64_t off, struct forensics_diag *diag,
                   void **fs)
{
    (void)img;
    (void)off;
    (void)diag;
    *fs = NULL;
    return KT_ENOTFOUND;
}

const struct forensics_fs_ops forensics_exfat_ops = {.family = "exfat", .open = open_fs};
