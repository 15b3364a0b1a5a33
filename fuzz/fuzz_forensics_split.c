/* libFuzzer target: split-raw segment names. The next name is as long as the input, differs
 * from it only in the extension, and a first segment always has a next name. */
#include "base/err.h"
#include "forensics/image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[512], out[512];
    if (size >= sizeof name) return 0;
    memcpy(name, data, size);
    name[size] = '\0';
    size_t len = strlen(name);
    int first = forensics_image_split_first(name);
    if (first != 0 && first != 1) abort();
    int rc = forensics_image_split_next(name, out, sizeof out);
    if (rc == 0) {
        if (strlen(out) != len || strcmp(out, name) == 0) abort();
        const char *dot = strrchr(name, '.');
        if (!dot || memcmp(out, name, (size_t)(dot - name) + 1) != 0) abort();
    } else if (rc != KT_ENOTFOUND || out[0] || first) {
        abort();
    }
    /* Every shorter buffer is refused cleanly. */
    for (size_t cap = 0; cap <= len && rc == 0; cap += 1 + len / 8)
        if (forensics_image_split_next(name, out, cap) != KT_ETOOBIG) abort();
    return 0;
}
