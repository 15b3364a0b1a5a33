/* libFuzzer target: body-file lines as keitsu image timeline --body reads them (ours or the
 * Sleuth Kit's, or anyone's). Any bytes: accepted or refused with a message, and the timeline
 * sorts and prints. */
#include "base/err.h"
#include "forensics/timeline.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct forensics_timeline *t;
    if (forensics_timeline_new(&t) != 0) return 0;
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        kt_err_clear();
        int rc = forensics_timeline_add_body(t, p, n);
        if (rc != 0 && (rc != KT_EINVAL || !kt_errmsg()[0])) abort();
        p += n + 1;
    }
    forensics_timeline_sort(t);
    FILE *f = fopen("/dev/null", "w");
    if (f) {
        forensics_timeline_write(t, NULL, 0, (size_t)-1, f);
        fclose(f);
    }
    forensics_timeline_free(t);
    return 0;
}
