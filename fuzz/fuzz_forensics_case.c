/* libFuzzer target: a case record (case.jsonl) as re-read by case verify and replay. Whatever
 * the bytes, parsing ends, a damaged record is reported with a reason, and an intact one has
 * one entry per line whose head is the last line's SHA-256. */
#include "base/err.h"
#include "forensics/case.h"
#include "forensics/hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *entries = NULL;
    char head[65];
    struct forensics_diag d;
    forensics_diag_init(&d, 10);
    int rc = forensics_case_parse((const char *)data, size, &entries, head, &d);
    if (!json_is_array(entries)) abort();
    if (rc == 0) {
        if (d.n || !size || data[size - 1] != '\n') abort();
        size_t lines = 0;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (json_array_size(entries) != lines) abort();
        const uint8_t *last = data + size - 1;
        while (last > data && last[-1] != '\n')
            last--;
        char want[65];
        forensics_sha256_hex(last, (size_t)(data + size - 1 - last), want);
        if (strcmp(want, head) != 0) abort();
    } else if (rc != KT_EVALID || (d.n == 0 && size != 0)) {
        abort();
    }
    json_decref(entries);
    forensics_diag_free(&d);
    return 0;
}
