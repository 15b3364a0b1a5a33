/* Identifier keys fold every common way of typing (and misreading) one identifier onto one
 * key; VIN and 車台番号 checks accept the real shapes and refuse the rest. */
#include "base/err.h"
#include "records/ident.h"
#include "tap.h"

#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *in;
    const char *key; /* NULL: must fail with msg */
    const char *msg;
} keys[] = {
    {"ZVW30-1234567", "ZVW301234567", NULL},
    {"zvw30 1234567", "ZVW301234567", NULL},
    {"ＺＶＷ３０－１２３４５６７", "ZVW301234567", NULL},
    {"ZVW30ー1234567", "ZVW301234567", NULL},
    {"ZVW30‐1234567", "ZVW301234567", NULL},
    {"ZVW30−1234567", "ZVW301234567", NULL},
    {"ZVW30　1234567", "ZVW301234567", NULL},
    {" ZVW30.1234567/ ", "ZVW301234567", NULL},
    {"1M8GDM9AXKP042788", "1M8GDM9AXKP042788", NULL},
    {"L898902C3", "L898902C3", NULL},
    {"L898902C3<<", "L898902C3", NULL},
    {"AB-12:34_56", "AB123456", NULL},
    {"SN O123 I45", "SN0123145", NULL},
    {"sn 0123 145", "SN0123145", NULL},
    {"ｓｎ０１２３ｉ４５", "SN0123145", NULL},
    {"12345678901234567890123456789012", "12345678901234567890123456789012", NULL},
    {"1234-5678-9012-3456-7890-1234-5678-9012", "12345678901234567890123456789012", NULL},
    {"", NULL, "ident: no letters or digits"},
    {" - . ", NULL, "ident: no letters or digits"},
    {"123456789012345678901234567890123", NULL, "33 characters, more than 32"},
    {"AB#123", NULL, "invalid character '#'"},
    {"AB\x01"
     "123",
     NULL, "invalid character U+0001"},
    {"車台123", NULL, "invalid character '車'"},
    {"ABC123É", NULL, "invalid character 'É'"},
    {"ABC\xff", NULL, "not valid UTF-8"},
    {"ABC\xe3\x81", NULL, "not valid UTF-8"},
};

static void test_keys(void)
{
    for (size_t i = 0; i < LEN(keys); i++) {
        char out[64] = "junk";
        kt_err_clear();
        int rc = ident_key(keys[i].in, strlen(keys[i].in), out, sizeof out);
        if (keys[i].key) {
            CHECK(rc == 0 && !strcmp(out, keys[i].key), "key '%s': rc %d '%s' (%s)", keys[i].in, rc,
                  out, kt_errmsg());
        } else {
            CHECK(rc == KT_EINVAL && out[0] == '\0', "key '%s' should fail: rc %d", keys[i].in, rc);
            CHECK(strstr(kt_errmsg(), keys[i].msg) != NULL, "key '%s': message '%s' lacks '%s'",
                  keys[i].in, kt_errmsg(), keys[i].msg);
        }
    }
    char small[4];
    CHECK(ident_key("ABCD", 4, small, sizeof small) == KT_EINVAL && small[0] == '\0',
          "key too long for buffer");
    CHECK(ident_key("ABC", 3, small, sizeof small) == 0 && !strcmp(small, "ABC"), "exact fit");
    char nul[] = "AB\0CD";
    CHECK(ident_key(nul, 5, small, sizeof small) == KT_EINVAL, "embedded NUL refused");
    CHECK(ident_key("ABCDEF", 3, small, sizeof small) == 0 && !strcmp(small, "ABC"),
          "len is honoured");
}

static void test_vin(void)
{
    static const struct {
        const char *in;
        int rc;
    } t[] = {
        {"1M8GDM9AXKP042788", 0}, /* check digit X */
        {"11111111111111111", 0}, /* check digit 1 */
        {"JH4KA7561PC008269", 0},          {"1m8gdm9axkp042788", 0},
        {"1M8-GDM9AX-KP042788", 0},        {"１Ｍ８ＧＤＭ９ＡＸＫＰ０４２７８８", 0},
        {"1M8GDM9A1KP042788", 1}, /* wrong check digit */
        {"WVWZZZ1JZXW000001", 1}, /* European: no check digit */
        {"5YJ3E1EA7KF317000", 1},          {"1M8GDM9AXKP04278", KT_EINVAL}, /* 16 */
        {"1M8GDM9AXKP0427888", KT_EINVAL},                                  /* 18 */
        {"1M8GDM9AXKP04278O", KT_EINVAL},                                   /* O */
        {"IM8GDM9AXKP042788", KT_EINVAL},                                   /* I */
        {"1M8GDM9AXKQ042788", KT_EINVAL},                                   /* Q */
        {"1M8GDM9AXKP04278#", KT_EINVAL},  {"", KT_EINVAL},
        {"\xff\xfe", KT_EINVAL},
    };
    for (size_t i = 0; i < LEN(t); i++) {
        kt_err_clear();
        int rc = ident_vin_check(t[i].in, strlen(t[i].in));
        CHECK(rc == t[i].rc, "vin '%s': rc %d, want %d (%s)", t[i].in, rc, t[i].rc, kt_errmsg());
        if (t[i].rc < 0) CHECK(kt_errmsg()[0] != '\0', "vin '%s' failure has a message", t[i].in);
    }
    CHECK(strstr((ident_vin_check("1M8GDM9AXKP04278O", 17), kt_errmsg()), "position 17 is O"),
          "vin message names the position");
}

static void test_chassis(void)
{
    static const struct {
        const char *in;
        int ok;
    } t[] = {
        {"ZVW30-1234567", 1},
        {"NHP10-2345678", 1},
        {"HA36S-123456", 1},
        {"JF1-1234567", 1},
        {"S15-012345", 1},
        {"GRS180-0001234", 1},
        {"zvw30-1234567", 1},
        {" ZVW30－1234567 ", 1},
        {"ＺＶＷ３０ー１２３４５６７", 1},
        {"UZJ100W-0123456", 1},
        {"ZVW301234567", 0}, /* no hyphen */
        {"ZVW30-123", 0},    /* serial too short */
        {"ZVW30-123456789", 0},
        {"ZVW-1234567", 0},   /* model code without a digit */
        {"30ZVW-1234567", 0}, /* starts with a digit */
        {"Z-1234567", 0},     /* model code too short */
        {"ABCDEFGH1-1234567", 0},
        {"ZVW30-12345A7", 0},
        {"ZVW30--1234567", 0},
        {"ZVW 30-1234567", 0},
        {"", 0},
        {"-", 0},
        {"\xff", 0},
        {"ZVW30-1234567\x01", 0},
    };
    for (size_t i = 0; i < LEN(t); i++)
        CHECK(ident_chassis_valid(t[i].in, strlen(t[i].in)) == t[i].ok, "chassis '%s' -> %d",
              t[i].in, t[i].ok);
}

int main(void)
{
    test_keys();
    test_vin();
    test_chassis();
    return tap_done();
}
