/* libFuzzer target: FAT12/16/32 volumes. Besides memory safety it checks that every walk, read,
 * stat and unallocated listing ends and keeps the fs.h contract (paths from '/', contiguous
 * content offsets, ascending unallocated ranges, JSON from stat). */
#include "forensics/fat_int.h"
#include "forensics/fs.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fat_exercise r = {.max_reads = 64};
    fat_exercise(&forensics_fat_ops, data, size, &r);
    if (r.malformed) abort();
    return 0;
}
