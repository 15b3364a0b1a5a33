/* libFuzzer target: licence plates as typed. Besides memory safety it checks the contract:
 * a plate that parses has a key and a display form, the display form parses back to the same
 * key, and every failure leaves a message. */
#include "base/err.h"
#include "records/plate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_parsed(const struct plate *p)
{
    char key[128], disp[128], key2[128];
    if (plate_key(p, key, sizeof key) || plate_format(p, disp, sizeof disp)) abort();
    struct plate q;
    int full = p->fields == PLATE_HAS_ALL;
    int rc =
        full ? plate_parse(disp, strlen(disp), &q) : plate_parse_partial(disp, strlen(disp), &q);
    if (rc || plate_key(&q, key2, sizeof key2) || strcmp(key, key2)) abort();
    /* Too-small buffers fail cleanly. */
    char tiny[4];
    if (plate_key(p, tiny, sizeof tiny) == 0 && strlen(key) >= sizeof tiny) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct plate p;
    kt_err_clear();
    if (plate_parse(s, size, &p) == 0) {
        if (p.fields != PLATE_HAS_ALL) abort();
        check_parsed(&p);
    } else if (!kt_errmsg()[0]) {
        abort();
    }
    kt_err_clear();
    if (plate_parse_partial(s, size, &p) == 0) {
        if (!(p.fields & PLATE_HAS_SERIAL) || p.serial < 1 || p.serial > 9999) abort();
        check_parsed(&p);
    } else if (!kt_errmsg()[0]) {
        abort();
    }
    return 0;
}
