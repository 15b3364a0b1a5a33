/* base/: dates and 和暦, bounded buffers, UTF-8, error table. */
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "base/utf8.h"
#include "records/keymap.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    static const struct {
        const char *in;
        int ok;
    } dates[] = {
        {"2024-02-29", 1}, {"2023-02-29", 0},  {"2026-11-23", 1}, {"1990-13-01", 0},
        {"1990-00-10", 0}, {"1990-04-31", 0},  {"1990-4-1", 0},   {"19900401", 0},
        {"", 0},           {"abcd-ef-gh", 0},  {"1867-12-31", 0}, {"2000-02-29", 1},
        {"1900-02-29", 0}, {"2026-11-23x", 0},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
        CHECK((jtime_parse_date("d", dates[i].in, NULL, NULL, NULL) == 0) == dates[i].ok, "date %s",
              dates[i].in);
    static const struct {
        int y, m, d;
        const char *w;
    } eras[] = {
        {2026, 11, 23, "令和8年11月23日"},  {2019, 5, 1, "令和元年5月1日"},
        {2019, 4, 30, "平成31年4月30日"},   {1989, 1, 8, "平成元年1月8日"},
        {1989, 1, 7, "昭和64年1月7日"},     {1980, 4, 1, "昭和55年4月1日"},
        {1926, 12, 25, "昭和元年12月25日"}, {1926, 12, 24, "大正15年12月24日"},
        {1912, 7, 30, "大正元年7月30日"},   {1912, 7, 29, "明治45年7月29日"},
    };
    for (size_t i = 0; i < sizeof eras / sizeof eras[0]; i++) {
        char out[64];
        jtime_wareki(eras[i].y, eras[i].m, eras[i].d, out, sizeof out);
        CHECK(strcmp(out, eras[i].w) == 0, "wareki %d-%d-%d = %s, got %s", eras[i].y, eras[i].m,
              eras[i].d, eras[i].w, out);
    }
    int64_t ms;
    char buf[32];
    CHECK(jtime_parse_utc("2026-11-23T08:24:49.123Z", &ms) == 0, "parse utc");
    jtime_format_utc(ms, buf, sizeof buf);
    CHECK(strcmp(buf, "2026-11-23T08:24:49.123Z") == 0, "utc round trip %s", buf);
    jtime_format_jst(ms, buf, sizeof buf);
    CHECK(strcmp(buf, "2026-11-23 17:24:49 JST") == 0, "jst %s", buf);
    CHECK(jtime_parse_utc("2026-11-23 08:24:49Z", &ms) != 0, "bad utc rejected");

    struct kt_buf b;
    kt_buf_init(&b, 16);
    CHECK(kt_buf_puts(&b, "0123456789") == 0, "fits");
    CHECK(kt_buf_puts(&b, "0123456789") == KT_ETOOBIG, "over max refused");
    CHECK(kt_buf_take(&b, NULL) == NULL, "a failed buffer yields nothing");
    kt_buf_init(&b, 1024);
    kt_buf_json_str(&b, "a\"b\\c\n\x01");
    size_t len;
    char *s = kt_buf_take(&b, &len);
    CHECK(s && strcmp(s, "\"a\\\"b\\\\c\\u000a\\u0001\"") == 0, "json escape %s", s);
    free(s);

    CHECK(utf8_valid("山田", strlen("山田")), "valid utf8");
    CHECK(!utf8_valid("\xc0\xaf", 2), "overlong refused");
    CHECK(!utf8_valid("\xed\xa0\x80", 3), "surrogate refused");
    CHECK(!utf8_valid("\xe5\xb1", 2), "truncated refused");
    CHECK(!utf8_valid("a\0b", 3), "NUL refused");
    CHECK(utf8_length("ﾔﾏﾀﾞ", strlen("ﾔﾏﾀﾞ")) == 4, "length in code points");

    CHECK(kt_err_http(KT_EVALID) == 422 && kt_err_http(KT_ELOCKED) == 423 &&
              kt_err_http(KT_ETOOBIG) == 413 && kt_err_http(-999) == 500,
          "status table");
    CHECK(strcmp(kt_err_name(KT_EFORBIDDEN), "forbidden") == 0, "names");

    struct keymap *m;
    CHECK(keymap_create(&m) == 0, "keymap");
    char key[32];
    for (uint32_t i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%u", i % 1000);
        keymap_add(m, key, i);
    }
    size_t n;
    const uint32_t *ids = keymap_get(m, "k7", &n);
    CHECK(n == 5 && ids, "five ids under k7");
    keymap_remove(m, "k7", 7);
    keymap_remove(m, "k7", 7);
    ids = keymap_get(m, "k7", &n);
    CHECK(n == 4, "removed once");
    CHECK(keymap_get(m, "absent", &n) == NULL && n == 0, "absent key");
    keymap_free(m);
    return tap_done();
}
