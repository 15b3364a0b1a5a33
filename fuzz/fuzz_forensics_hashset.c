/* libFuzzer target: case hash lists (one hash a line). Besides memory safety it checks that a
 * list that loads holds no more hashes than it has lines, that a failure leaves a message, and
 * that lookups after a partial load work. */
#include "base/err.h"
#include "forensics/hashset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct forensics_hashset *hs;
    if (forensics_hashset_new(&hs) != 0) return 0;
    kt_err_clear();
    int rc = forensics_hashset_add_text(hs, (const char *)data, size);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (forensics_hashset_count(hs) > lines) abort();
    if (rc != 0 && (rc != KT_EINVAL || !kt_errmsg()[0]) && rc != KT_ENOMEM) abort();
    struct forensics_digests d;
    memset(&d, '0', sizeof d);
    d.md5[32] = d.sha1[40] = d.sha256[64] = 0;
    const char *m = forensics_hashset_match(hs, &d);
    if (m && strcmp(m, "md5") && strcmp(m, "sha1") && strcmp(m, "sha256")) abort();
    forensics_hashset_free(hs);
    return 0;
}
