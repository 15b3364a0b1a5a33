/* libFuzzer target: MRZ text and identifiers as typed. Besides memory safety it checks that a
 * parsed MRZ has well-shaped fields whose document number makes a lookup key, that check digits
 * stay in range, and that every failure leaves a message. */
#include "base/err.h"
#include "records/ident.h"
#include "records/mrz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_mrz(const struct mrz *m)
{
    if (m->format < 1 || m->format > 3) abort();
    if (strlen(m->birth_date) != 10 || strlen(m->expiry) != 10) abort();
    if (m->sex != 'M' && m->sex != 'F' && m->sex != 'X') abort();
    if (!m->number[0] || !m->surname[0] || !m->issuer[0] || !m->nationality[0]) abort();
    char key[64];
    if (ident_key(m->number, strlen(m->number), key, sizeof key)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct mrz m;
    kt_err_clear();
    if (mrz_parse(s, size, &m) == 0)
        check_mrz(&m);
    else if (!kt_errmsg()[0])
        abort();

    int cd = mrz_check_digit(s, size);
    if (cd < -1 || cd > 9) abort();

    char key[IDENT_KEY_MAX + 1];
    kt_err_clear();
    int rc = ident_key(s, size, key, sizeof key);
    if (rc == 0) {
        size_t n = strlen(key);
        if (n == 0 || n > IDENT_KEY_MAX) abort();
        for (size_t i = 0; i < n; i++)
            if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'A' && key[i] <= 'Z')) ||
                key[i] == 'O' || key[i] == 'I')
                abort();
    } else if (rc != KT_EINVAL || !kt_errmsg()[0] || key[0]) {
        abort();
    }
    rc = ident_vin_check(s, size);
    if (rc != 0 && rc != 1 && rc != KT_EINVAL) abort();
    rc = ident_chassis_valid(s, size);
    if (rc != 0 && rc != 1) abort();
    return 0;
}
