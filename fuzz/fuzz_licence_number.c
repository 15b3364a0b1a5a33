/* libFuzzer target: licence numbers as typed. Besides memory safety it checks that an accepted
 * number is twelve digits of a known commission with the right check digit, that it parses
 * again from its canonical form to the same fields, and that every refusal leaves a message
 * naming the field. */
#include "base/err.h"
#include "licence/number.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct licence_number n, again;
    enum licence_number_problem p;
    kt_err_clear();
    int rc = licence_number_parse_ex((const char *)data, size, &n, &p);
    if (rc == 0) {
        if (p != LICENCE_NUMBER_OK || strlen(n.digits) != LICENCE_NUMBER_LEN) abort();
        if (!licence_commission_name(n.commission)) abort();
        if (licence_number_check_digit(n.digits) != n.check) abort();
        if (licence_number_parse(n.digits, LICENCE_NUMBER_LEN, &again) ||
            memcmp(&n, &again, sizeof n))
            abort();
        char made[16];
        if (licence_number_make(n.commission, n.year2, n.serial, n.reissue, made, sizeof made) ||
            strcmp(made, n.digits))
            abort();
    } else {
        if (rc != KT_EVALID || strncmp(kt_errmsg(), "number:", 7) != 0) abort();
        if (p == LICENCE_NUMBER_OK) abort();
    }
    return 0;
}
