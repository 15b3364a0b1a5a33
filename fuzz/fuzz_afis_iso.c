/* libFuzzer target: ISO/IEC 19794-2 and ANSI/INCITS 378 records. Besides memory safety: a
 * record that reads must hold sane values and write back to a record that reads the same;
 * every refusal leaves a message. */
#include "afis/afis.h"
#include "base/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct afis_template views[4], again[4];
    int n;
    kt_err_clear();
    int rc = afis_template_read_views(data, size, 0, views, 4, &n);
    if (rc) {
        if (rc != KT_EINVAL || !kt_errmsg()[0] || n != 0) abort();
        return 0;
    }
    if (n < 1 || n > 4) abort();
    for (int v = 0; v < n; v++) {
        const struct afis_template *t = &views[v];
        if (t->n < 0 || t->n > AFIS_MAX_MINUTIAE || t->finger < 0 || t->finger > 10) abort();
        for (int i = 0; i < t->n; i++)
            if (t->m[i].x < 0 || t->m[i].x > 0x3FFF || t->m[i].quality > 100 || t->m[i].angle < 0 ||
                t->m[i].angle >= 6.2832)
                abort();
    }
    int fmt = afis_template_detect(data, size);
    uint8_t *out;
    size_t len;
    if (afis_template_write_views(views, n, fmt, &out, &len)) abort();
    int m;
    if (afis_template_read_views(out, len, fmt, again, 4, &m) || m != n) abort();
    for (int v = 0; v < n; v++)
        if (again[v].n != views[v].n || again[v].finger != views[v].finger) abort();
    free(out);
    double s = afis_match(&views[0], &views[n - 1]);
    if (!(s >= 0 && s <= 1)) abort();
    return 0;
}
