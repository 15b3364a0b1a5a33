/* libFuzzer target: DOS and GPT partition tables. The input is the start of an image (the rest
 * reads as absent); whatever it holds, listing ends, rows are sorted by start, and the mmls
 * text can be printed. */
#include "base/err.h"
#include "forensics/vol.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct forensics_image *img;
    if (forensics_image_open_mem(data, size, &img) != 0) return 0;
    struct forensics_diag diag;
    forensics_diag_init(&diag, 20);
    struct forensics_volumes v;
    int rc = forensics_vol_open(img, &diag, &v);
    if (rc == 0) {
        if (v.n == 0 || !v.type || !v.desc) abort();
        for (size_t i = 1; i < v.n; i++)
            if (v.parts[i - 1].start > v.parts[i].start) abort();
        struct kt_buf out;
        kt_buf_init(&out, 1 << 24);
        if (forensics_vol_mmls(&v, &out) != 0) abort();
        kt_buf_free(&out);
        forensics_vol_free(&v);
    } else if (rc != KT_ENOTFOUND && rc != KT_ENOMEM) {
        abort();
    }
    forensics_diag_free(&diag);
    forensics_image_close(img);
    return 0;
}
