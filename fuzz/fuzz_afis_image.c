/* libFuzzer target: fingerprint images (PGM, PNG) and, for those that read, the extractor.
 * Besides memory safety it checks that a read image has a sane size, that every failure leaves
 * a message, and that an extracted template stays within its bounds. */
#include "afis/afis.h"
#include "base/err.h"

#include <stdint.h>
#include <stdlib.h>

static void check_template(const struct afis_image *img, const struct afis_template *t)
{
    if (t->n < 0 || t->n > AFIS_MAX_MINUTIAE || t->quality < 0 || t->quality > 100) abort();
    if (t->width != img->width || t->height != img->height) abort();
    for (int i = 0; i < t->n; i++) {
        const struct afis_minutia *m = &t->m[i];
        if (m->x < 0 || m->y < 0 || m->x >= img->width || m->y >= img->height) abort();
        if (!(m->angle >= 0 && m->angle < 6.2832) || m->quality < 0 || m->quality > 100) abort();
        if (m->type != AFIS_ENDING && m->type != AFIS_BIFURCATION) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct afis_image img;
    kt_err_clear();
    int rc = afis_image_read(data, size, &img);
    if (rc != 0) {
        if (!kt_errmsg()[0] || img.pixels) abort();
        return 0;
    }
    if (img.width < 1 || img.height < 1 || img.width > AFIS_IMAGE_MAX ||
        img.height > AFIS_IMAGE_MAX || !img.pixels)
        abort();
    /* Extraction costs milliseconds per image (more under the sanitizers); keep the fuzzer
     * fast by extracting only from small ones. */
    if ((size_t)img.width * (size_t)img.height <= 128 * 128) {
        static struct afis_template t;
        kt_err_clear();
        rc = afis_extract(&img, &t);
        if (rc == 0)
            check_template(&img, &t);
        else if (!kt_errmsg()[0])
            abort();
    }
    afis_image_free(&img);
    return 0;
}
