/* MRZ: the ICAO Doc 9303 specimens verify field by field; altered copies fail on the check
 * that was broken, and the message says which. Altered copies were made by changing one field
 * and recomputing every other check digit, so only the intended check can fail. */
#include "base/err.h"
#include "records/mrz.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

#define TD3_L1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define TD3_L2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define TD3 TD3_L1 "\n" TD3_L2
#define TD1                                                                                        \
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"                             \
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
#define TD2 "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"

static const struct {
    const char *in;
    int format;
    const char *type, *issuer, *number, *nat, *birth;
    char sex;
    const char *expiry, *surname, *given, *optional;
} good[] = {
    {TD3, 3, "P", "UTO", "L898902C3", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON",
     "ANNA MARIA", "ZE184226B"},
    {TD3_L1 "\r\n" TD3_L2 "\r\n", 3, "P", "UTO", "L898902C3", "UTO", "1974-08-12", 'F',
     "2012-04-15", "ERIKSSON", "ANNA MARIA", "ZE184226B"},
    {TD3_L1 TD3_L2, 3, "P", "UTO", "L898902C3", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON",
     "ANNA MARIA", "ZE184226B"},
    {"  \n " TD3_L1 "  \n\n  " TD3_L2 " \t\n", 3, "P", "UTO", "L898902C3", "UTO", "1974-08-12", 'F',
     "2012-04-15", "ERIKSSON", "ANNA MARIA", "ZE184226B"},
    {"p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\nl898902c36uto7408122f1204159ze184226b<<<<<10",
     3, "P", "UTO", "L898902C3", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA",
     "ZE184226B"},
    {TD1, 1, "I", "UTO", "D23145890", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON",
     "ANNA MARIA", ""},
    {"I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
     1, "I", "UTO", "D23145890", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA",
     ""},
    {TD2, 2, "I", "UTO", "D23145890", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON",
     "ANNA MARIA", ""},
    /* Document number overflow (Doc 9303 Parts 5 and 6). */
    {"I<UTOD23145890<7349<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"
     "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
     1, "I", "UTO", "D23145890734", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON",
     "ANNA MARIA", ""},
    {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD23145890<UTO7408122F12041597349<<<2", 2, "I", "UTO",
     "D23145890734", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA", ""},
    /* Optional data in both TD1 places, TD2 optional data. */
    {"I<UTOD231458907ABC<DEF<<<<<<<<\n7408122F1204159UTOXYZ12<<<<<<8\n"
     "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
     1, "I", "UTO", "D23145890", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA",
     "ABC<DEF XYZ12"},
    {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159AB12<<<4", 2, "I", "UTO",
     "D23145890", "UTO", "1974-08-12", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA", "AB12"},
    /* Visas: MRV-A and MRV-B, no composite check digit. */
    {"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<",
     3, "V", "UTO", "L8988901C", "XXX", "1940-09-07", 'F', "2096-12-10", "ERIKSSON", "ANNA MARIA",
     "6ZE184226B"},
    {"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<", 2, "V", "UTO",
     "L8988901C", "XXX", "1940-09-07", 'F', "2096-12-10", "ERIKSSON", "ANNA MARIA", ""},
    /* No personal number: its check digit may be '<' or '0'. */
    {TD3_L1 "\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<<8", 3, "P", "UTO", "L898902C3", "UTO",
     "1974-08-12", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA", ""},
    {TD3_L1 "\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<08", 3, "P", "UTO", "L898902C3", "UTO",
     "1974-08-12", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA", ""},
    /* Dates: 29 February 2000, the 2000s century pivot, sex unspecified, one-part name, a
     * one-letter country code with fillers. */
    {TD3_L1 "\nL898902C36UTO0002299F1204159ZE184226B<<<<<18", 3, "P", "UTO", "L898902C3", "UTO",
     "2000-02-29", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA", "ZE184226B"},
    {TD3_L1 "\nL898902C36UTO1001015F1204159ZE184226B<<<<<18", 3, "P", "UTO", "L898902C3", "UTO",
     "2010-01-01", 'F', "2012-04-15", "ERIKSSON", "ANNA MARIA", "ZE184226B"},
    {TD3_L1 "\nL898902C36UTO7408122<1204159ZE184226B<<<<<10", 3, "P", "UTO", "L898902C3", "UTO",
     "1974-08-12", 'X', "2012-04-15", "ERIKSSON", "ANNA MARIA", "ZE184226B"},
    {"P<UTOERIKSSON<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n" TD3_L2, 3, "P", "UTO", "L898902C3", "UTO",
     "1974-08-12", 'F', "2012-04-15", "ERIKSSON", "", "ZE184226B"},
    {"P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478D<<7408122F1204159ZE184226B<<<<<16",
     3, "P", "D", "C01X00T47", "D", "1974-08-12", 'F', "2012-04-15", "MUSTERMANN", "ERIKA",
     "ZE184226B"},
};

static const struct {
    const char *in;
    int rc;
    const char *msg;
} bad[] = {
    /* One check digit wrong at a time. */
    {TD3_L1 "\nL898902C37UTO7408122F1204159ZE184226B<<<<<17", KT_EVALID,
     "mrz: line 2 document number check digit is 7, expected 6"},
    {TD3_L1 "\nL898902C36UTO7408123F1204159ZE184226B<<<<<13", KT_EVALID,
     "mrz: line 2 birth date check digit is 3, expected 2"},
    {TD3_L1 "\nL898902C36UTO7408122F1204151ZE184226B<<<<<12", KT_EVALID,
     "mrz: line 2 expiry date check digit is 1, expected 9"},
    {TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<<32", KT_EVALID,
     "mrz: line 2 personal number check digit is 3, expected 1"},
    {TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<<14", KT_EVALID,
     "mrz: line 2 composite check digit is 4, expected 0"},
    {TD3_L1 "\nL898902C3AUTO7408122F1204159ZE184226B<<<<<10", KT_EVALID,
     "document number check digit is 'A', not a digit"},
    {TD3_L1 "\nL898902C3<UTO7408122F1204159ZE184226B<<<<<10", KT_EVALID,
     "document number check digit is '<', not a digit"},
    {"I<UTOD231458901<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<4\n"
     "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
     KT_EVALID, "mrz: line 1 document number check digit is 1, expected 7"},
    {"I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204150UTO<<<<<<<<<<<7\n"
     "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
     KT_EVALID, "mrz: line 2 expiry date check digit is 0, expected 9"},
    {"I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<0\n"
     "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
     KT_EVALID, "mrz: line 2 composite check digit is 0, expected 6"},
    {"I<UTOD23145890<7348<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"
     "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
     KT_EVALID, "mrz: line 1 document number check digit is 8, expected 9"},
    {"I<UTOD23145890<<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\n"
     "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
     KT_EVALID, "optional data holds no overflow"},
    {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<0", KT_EVALID,
     "mrz: line 2 composite check digit is 0, expected 6"},
    /* A changed field without a recomputed check digit. */
    {TD3_L1 "\nL898902C36UTO7408122F1304159ZE184226B<<<<<10", KT_EVALID,
     "mrz: line 2 expiry date check digit is 9, expected 2"},
    {TD3_L1 "\nX898902C36UTO7408122F1204159ZE184226B<<<<<10", KT_EVALID,
     "mrz: line 2 document number check digit is 6, expected"},
    /* Impossible dates with valid check digits. */
    {TD3_L1 "\nL898902C36UTO2302306F1204159ZE184226B<<<<<16", KT_EVALID,
     "mrz: line 2 birth date 230230 is not a real date"},
    {TD3_L1 "\nL898902C36UTO2302292F1204159ZE184226B<<<<<16", KT_EVALID,
     "mrz: line 2 birth date 230229 is not a real date"},
    {TD3_L1 "\nL898902C36UTO7408122F1213153ZE184226B<<<<<16", KT_EVALID,
     "mrz: line 2 expiry date 121315 is not a real date"},
    {TD3_L1 "\nL898902C36UTO7408<<7F1204159ZE184226B<<<<<10", KT_EVALID,
     "mrz: line 2 birth date 7408<< has unknown parts"},
    {TD3_L1 "\nL898902C36UTO7408122Q1204159ZE184226B<<<<<10", KT_EVALID, "mrz: line 2 sex is 'Q'"},
    {"P<U1OERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2, KT_EVALID,
     "mrz: line 1 issuing state 'U1O' is not a country code"},
    {TD3_L1 "\nL898902C36U<O7408122F1204159ZE184226B<<<<<10", KT_EVALID,
     "nationality 'U<O' is not a country code"},
    {"1<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2, KT_EVALID,
     "document type '1<' is not a document code"},
    {"P<UTO<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<<<<<<<<\n" TD3_L2, KT_EVALID, "name has no surname"},
    {"P<UTOERIKSS0N<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2, KT_EVALID,
     "name contains the digit 0"},
    /* Not an MRZ at all. */
    {"", KT_EINVAL, "mrz: empty"},
    {" \r\n\t ", KT_EINVAL, "mrz: empty"},
    {TD3_L1, KT_EINVAL, "got 1 line of 44"},
    {TD3_L1 "\n" TD3_L2 "<", KT_EINVAL, "got 2 lines of 44 and 45"},
    {TD3_L1 "<\n" TD3_L2 "<", KT_EINVAL, "got 2 lines of 45 and 45"},
    {TD3_L1 "\n" TD3_L2 "\n" TD3_L2, KT_EINVAL, "got 3 lines of 44, 44 and 44"},
    {TD3 "\n" TD3, KT_EINVAL, "more than 3 lines"},
    {TD3_L1 TD3_L2 "<", KT_EINVAL, "got 1 line of 89"},
    {TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<<1O", KT_EVALID,
     "mrz: line 2 composite check digit is 'O', not a digit"},
    {TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B <<<<10", KT_EINVAL,
     "mrz: line 2 position 38: invalid character byte 0x20"},
    {TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<-10", KT_EINVAL,
     "mrz: line 2 position 42: invalid character '-'"},
    {"P<UTO\xc3\xa9RIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\n" TD3_L2, KT_EINVAL,
     "mrz: line 1 position 6: invalid character byte 0xC3"},
    {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\xff\n" TD3_L2, KT_EINVAL,
     "invalid character byte 0xFF"},
    {TD3_L1 "\nL898902C36UTO74O8122F1204159ZE184226B<<<<<10", KT_EVALID, "birth date check digit"},
};

static void test_good(void)
{
    for (size_t i = 0; i < LEN(good); i++) {
        struct mrz m;
        kt_err_clear();
        int rc = mrz_parse(good[i].in, strlen(good[i].in), &m);
        CHECK(rc == 0, "good %zu: rc %d (%s)", i, rc, kt_errmsg());
        if (rc) continue;
        CHECK(m.format == good[i].format, "good %zu: format %d", i, m.format);
        CHECK(!strcmp(m.doc_type, good[i].type), "good %zu: type '%s'", i, m.doc_type);
        CHECK(!strcmp(m.issuer, good[i].issuer), "good %zu: issuer '%s'", i, m.issuer);
        CHECK(!strcmp(m.number, good[i].number), "good %zu: number '%s'", i, m.number);
        CHECK(!strcmp(m.nationality, good[i].nat), "good %zu: nationality '%s'", i, m.nationality);
        CHECK(!strcmp(m.birth_date, good[i].birth), "good %zu: birth '%s'", i, m.birth_date);
        CHECK(m.sex == good[i].sex, "good %zu: sex '%c'", i, m.sex);
        CHECK(!strcmp(m.expiry, good[i].expiry), "good %zu: expiry '%s'", i, m.expiry);
        CHECK(!strcmp(m.surname, good[i].surname), "good %zu: surname '%s'", i, m.surname);
        CHECK(!strcmp(m.given, good[i].given), "good %zu: given '%s'", i, m.given);
        CHECK(!strcmp(m.optional, good[i].optional), "good %zu: optional '%s'", i, m.optional);
    }
}

static void test_bad(void)
{
    for (size_t i = 0; i < LEN(bad); i++) {
        struct mrz m;
        kt_err_clear();
        int rc = mrz_parse(bad[i].in, strlen(bad[i].in), &m);
        CHECK(rc == bad[i].rc, "bad %zu: rc %d, want %d (%s)", i, rc, bad[i].rc, kt_errmsg());
        CHECK(strstr(kt_errmsg(), bad[i].msg) != NULL, "bad %zu: message '%s' lacks '%s'", i,
              kt_errmsg(), bad[i].msg);
    }
}

static void test_check_digit(void)
{
    static const struct {
        const char *s;
        int want;
    } t[] = {
        {"L898902C3", 6},
        {"740812", 2},
        {"120415", 9},
        {"ZE184226B<<<<<", 1},
        {"D23145890734", 9},
        {"", 0},
        {"<<<<", 0},
        {"A", 0},
        {"Z", 5},
        {"l898902C3", -1},
        {"L898 02C3", -1},
        {"L898-02C3", -1},
        {"\xc3\xa9", -1},
    };
    for (size_t i = 0; i < LEN(t); i++)
        CHECK(mrz_check_digit(t[i].s, strlen(t[i].s)) == t[i].want, "check digit of '%s'", t[i].s);
}

static void test_limits(void)
{
    struct mrz m;
    char big[400];
    memset(big, '<', sizeof big);
    CHECK(mrz_parse(big, sizeof big, &m) == KT_EINVAL && strstr(kt_errmsg(), "longer than"),
          "over-long input");
    /* len is honoured: a valid MRZ followed by junk the length excludes. */
    const char *s = TD3 "JUNK";
    CHECK(mrz_parse(s, strlen(s) - 4, &m) == 0, "len is honoured: %s", kt_errmsg());
    /* An embedded NUL is an invalid character, not the end. */
    char nul[sizeof TD3];
    memcpy(nul, TD3, sizeof TD3);
    nul[50] = '\0';
    CHECK(mrz_parse(nul, sizeof TD3 - 1, &m) == KT_EINVAL, "embedded NUL");
}

int main(void)
{
    test_good();
    test_bad();
    test_check_digit();
    test_limits();
    return tap_done();
}
