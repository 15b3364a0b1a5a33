/* libFuzzer target: ANSI/NIST-ITL transactions. Besides memory safety: every refusal leaves
 * a message; a parsed transaction's records and fields stay inside the input; Type-9 and image
 * records convert or refuse cleanly. */
#include "afis/ansinist.h"
#include "base/err.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ansinist *a = NULL;
    kt_err_clear();
    int rc = ansinist_parse(data, size, &a);
    if (rc) {
        if (rc != KT_EINVAL || a || !kt_errmsg()[0]) abort();
        return 0;
    }
    if (a->nrec < 1 || a->rec[0].type != 1) abort();
    for (int i = 0; i < a->nfields; i++)
        if (a->fields[i].val < data || a->fields[i].val + a->fields[i].len > data + size) abort();
    static struct afis_template t;
    for (int r = 0; r < a->nrec; r++) {
        const struct ansinist_record *rec = &a->rec[r];
        if (rec->data && (rec->data < data || rec->data + rec->data_len > data + size)) abort();
        if (rec->type == 9) {
            kt_err_clear();
            rc = ansinist_type9_template(a, rec, 0, &t);
            if (rc && !kt_errmsg()[0]) abort();
            if (!rc && (t.n < 0 || t.n > AFIS_MAX_MINUTIAE)) abort();
        }
        if (rec->type == 4 || rec->type == 13 || rec->type == 14) {
            struct afis_image img;
            if (ansinist_image(a, rec, &img) == 0) free(img.pixels);
        }
    }
    free(a);
    return 0;
}
