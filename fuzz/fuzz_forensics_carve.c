/* libFuzzer target: the carver over the input as a memory image, byte-granular and
 * sector-aligned. Besides memory safety it checks that every carved file lies inside the image,
 * that files come in strictly ascending order (they may nest: the scan goes on inside a file
 * whose length comes from a header), and that the counts add up. */
#include "forensics/carve.h"
#include "forensics/image.h"

#include <stdint.h>
#include <stdlib.h>

struct seen {
    uint64_t size;
    int64_t last; /* offset of the last file, -1 before the first */
};

static int check(void *ctx, const struct forensics_carve_hit *h)
{
    struct seen *s = ctx;
    if (h->length == 0 || h->offset > s->size || h->length > s->size - h->offset) abort();
    if ((int64_t)h->offset <= s->last) abort();
    if ((unsigned)h->kind >= CARVE_NKINDS) abort();
    s->last = (int64_t)h->offset;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct forensics_image *img;
    if (forensics_image_open_mem(data, size, &img) != 0) return 0;
    static const uint32_t aligns[] = {1, 512};
    for (int a = 0; a < 2; a++) {
        struct forensics_carve_opts o = {0, aligns[a]};
        struct seen s = {size, -1};
        struct forensics_carver *c;
        if (forensics_carver_new(img, &o, check, &s, &c) != 0) break;
        /* Two ranges, as the unallocated runs of a file system come. */
        forensics_carver_range(c, 0, size / 2);
        forensics_carver_range(c, size / 2, size);
        const struct forensics_carve_stats *st = forensics_carver_stats(c);
        if (st->carved + st->rejected > st->candidates) abort();
        forensics_carver_free(c);
    }
    forensics_image_close(img);
    return 0;
}
