/* Licence numbers (運転免許証番号): layout, check digit (modulus 11, weights 5 4 3 2 7 6 5 4 3 2,
 * D = (11 - sum mod 11) mod 10), commission codes, reissue digit. Known-good numbers are ones
 * printed in public write-ups of the format (see docs/licence.md). */
#include "base/err.h"
#include "licence/number.h"
#include "tap.h"

#include <string.h>

static const struct {
    const char *in;
    int ok;                              /* 1 = valid */
    enum licence_number_problem problem; /* when !ok */
    const char *canon;                   /* canonical digits when ok */
} cases[] = {
    /* published examples: 東京 1991, check 1, reissued once; 東京 1990; 岡山 1999 */
    {"309156789011", 1, 0, "309156789011"},
    {"309012345620", 1, 0, "309012345620"},
    {"729913281070", 1, 0, "729913281070"},
    /* as typed: groups, full-width digits, 第…号 */
    {"3091 5678 9011", 1, 0, "309156789011"},
    {"3091-5678-9011", 1, 0, "309156789011"},
    {"第309156789011号", 1, 0, "309156789011"},
    {"３０９１５６７８９０１１", 1, 0, "309156789011"},
    /* remainder 1 gives check digit 0, remainder 0 gives 1 (two remainders share 1) */
    {"300000000400", 1, 0, "300000000400"},
    {"300010000010", 1, 0, "300010000010"},
    /* wrong check digits: one digit changed, two adjacent swapped */
    {"309156789021", 0, LICENCE_NUMBER_CHECK_DIGIT, NULL},
    {"309156789091", 0, LICENCE_NUMBER_CHECK_DIGIT, NULL},
    {"309156789001", 0, LICENCE_NUMBER_CHECK_DIGIT, NULL},
    {"309156798011", 0, LICENCE_NUMBER_CHECK_DIGIT, NULL},
    {"729913281170", 0, LICENCE_NUMBER_CHECK_DIGIT, NULL},
    /* unknown commission codes: 00, 15, 31, 98 */
    {"009156789011", 0, LICENCE_NUMBER_COMMISSION, NULL},
    {"159156789011", 0, LICENCE_NUMBER_COMMISSION, NULL},
    {"319156789011", 0, LICENCE_NUMBER_COMMISSION, NULL},
    {"989156789011", 0, LICENCE_NUMBER_COMMISSION, NULL},
    /* malformed */
    {"30915678901", 0, LICENCE_NUMBER_MALFORMED, NULL},
    {"3091567890111", 0, LICENCE_NUMBER_MALFORMED, NULL},
    {"30915678901a", 0, LICENCE_NUMBER_MALFORMED, NULL},
    {"", 0, LICENCE_NUMBER_MALFORMED, NULL},
    {"309156789011\n", 0, LICENCE_NUMBER_MALFORMED, NULL},
};

int main(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct licence_number n;
        enum licence_number_problem p;
        kt_err_clear();
        int rc = licence_number_parse_ex(cases[i].in, strlen(cases[i].in), &n, &p);
        if (cases[i].ok) {
            CHECK(rc == 0 && p == LICENCE_NUMBER_OK && strcmp(n.digits, cases[i].canon) == 0,
                  "%s parses as %s (rc %d: %s)", cases[i].in, cases[i].canon, rc, kt_errmsg());
        } else {
            CHECK(rc == KT_EVALID && p == cases[i].problem &&
                      strncmp(kt_errmsg(), "number:", 7) == 0,
                  "%s refused as problem %d (got rc %d problem %d: %s)", cases[i].in,
                  cases[i].problem, rc, p, kt_errmsg());
        }
    }
    struct licence_number n;
    CHECK(licence_number_parse("309156789011", 12, &n) == 0 && n.commission == 30 &&
              n.year2 == 91 && n.serial == 567890 && n.check == 1 && n.reissue == 1,
          "fields of 309156789011");

    /* make: every number it builds parses, for every commission and many serials */
    static const int codes[] = {10, 11, 12, 13, 14, 20, 25, 30, 40, 45, 49, 50,
                                55, 60, 62, 65, 70, 74, 80, 83, 90, 96, 97};
    int all = 1;
    for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++)
        for (long s = 0; s < 1000000; s += 7919) {
            char out[16];
            all &= licence_number_make(codes[c], (int)(s % 100), s, (int)(s % 10), out,
                                       sizeof out) == 0 &&
                   licence_number_parse(out, 12, &n) == 0 && n.serial == s;
        }
    CHECK(all, "every made number parses with its serial");
    char out[16];
    CHECK(licence_number_make(30, 91, 567890, 1, out, sizeof out) == 0 &&
              strcmp(out, "309156789011") == 0,
          "make(30, 91, 567890, 1) = 309156789011");
    CHECK(licence_number_make(15, 91, 1, 0, out, sizeof out) == KT_EINVAL, "make refuses 15");
    CHECK(licence_number_make(30, 91, 1000000, 0, out, sizeof out) == KT_EINVAL,
          "make refuses a 7-digit serial");

    /* the reissue digit counts up and wraps from 9 to 1 */
    CHECK(licence_number_next_reissue(0) == 1 && licence_number_next_reissue(8) == 9 &&
              licence_number_next_reissue(9) == 1,
          "reissue digit 0→1, 8→9, 9→1");
    CHECK(licence_commission_of_agency("警視庁") == 30 &&
              licence_commission_of_agency("大阪府警察") == 62 &&
              licence_commission_of_agency("北海道警察") == 10 &&
              licence_commission_of_agency("京都府警察") == 61 &&
              licence_commission_of_agency("警察庁") == -1,
          "commission of agency");
    CHECK(strcmp(licence_commission_name(11), "函館") == 0 && !licence_commission_name(31),
          "commission names");
    CHECK(licence_number_key("309156789011") == 309156789011ull, "key is the decimal value");
    return tap_done();
}
