/* Plates: every way of typing one plate gives one key; bad plates fail with the part named. */
#include "base/err.h"
#include "records/plate.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* rc 0: key and display expected; otherwise the message must contain msg. */
static const struct {
    const char *in;
    int rc;
    const char *key_or_msg;
    const char *display;
} full[] = {
    {"品川 300 さ 12-34", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"品川300さ1234", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"品川３００さ１２－３４", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"　品川　３００　さ　１２−３４　", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"品川 300 サ 12ー34", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"品川 300 ｻ 12‐34", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"品川 300 さ 12‑34", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"品川 300 さ 12 - 34", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"\t品川 300 さ 1234\n", 0, "品川|300|さ|1234", "品川 300 さ 12-34"},
    {"練馬 500 あ ・・12", 0, "練馬|500|あ|0012", "練馬 500 あ ・・12"},
    {"練馬500あ･･12", 0, "練馬|500|あ|0012", "練馬 500 あ ・・12"},
    {"練馬 500 あ ..12", 0, "練馬|500|あ|0012", "練馬 500 あ ・・12"},
    {"練馬 500 あ ••12", 0, "練馬|500|あ|0012", "練馬 500 あ ・・12"},
    {"練馬 500 あ 0012", 0, "練馬|500|あ|0012", "練馬 500 あ ・・12"},
    {"練馬 500 あ 12", 0, "練馬|500|あ|0012", "練馬 500 あ ・・12"},
    {"横浜 330 と ・123", 0, "横浜|330|と|0123", "横浜 330 と ・123"},
    {"横浜 330 と ・・・8", 0, "横浜|330|と|0008", "横浜 330 と ・・・8"},
    {"横浜 330 と ・・-12", 0, "横浜|330|と|0012", "横浜 330 と ・・12"},
    {"横浜 330 と 99-99", 0, "横浜|330|と|9999", "横浜 330 と 99-99"},
    {"なにわ 500 わ 1", 0, "なにわ|500|わ|0001", "なにわ 500 わ ・・・1"},
    {"ナニワ 500 ワ 1", 0, "なにわ|500|わ|0001", "なにわ 500 わ ・・・1"},
    {"ﾅﾆﾜ 500 ﾜ 1", 0, "なにわ|500|わ|0001", "なにわ 500 わ ・・・1"},
    {"富士山 300 れ 45-67", 0, "富士山|300|れ|4567", "富士山 300 れ 45-67"},
    {"尾張小牧 100 う 8", 0, "尾張小牧|100|う|0008", "尾張小牧 100 う ・・・8"},
    {"袖ヶ浦 580 な 20-01", 0, "袖ケ浦|580|な|2001", "袖ケ浦 580 な 20-01"},
    {"袖ケ浦580な2001", 0, "袖ケ浦|580|な|2001", "袖ケ浦 580 な 20-01"},
    {"いわき 33 を 1111", 0, "いわき|33|を|1111", "いわき 33 を 11-11"},
    {"江戸川 300 よ 7", 0, "江戸川|300|よ|0007", "江戸川 300 よ ・・・7"},
    {"彦根 5 さ 77-77", 0, "彦根|5|さ|7777", "彦根 5 さ 77-77"},
    {"品川 30A さ 1234", 0, "品川|30A|さ|1234", "品川 30A さ 12-34"},
    {"品川30aさ1234", 0, "品川|30A|さ|1234", "品川 30A さ 12-34"},
    {"品川 3AY せ 1", 0, "品川|3AY|せ|0001", "品川 3AY せ ・・・1"},
    {"品川 ３０Ａ さ １２３４", 0, "品川|30A|さ|1234", "品川 30A さ 12-34"},
    {"沖縄 300 Y 1234", 0, "沖縄|300|Y|1234", "沖縄 300 Y 12-34"},
    {"沖縄300Y1234", 0, "沖縄|300|Y|1234", "沖縄 300 Y 12-34"},
    {"沖縄 300 y 12-34", 0, "沖縄|300|Y|1234", "沖縄 300 Y 12-34"},
    {"沖縄 30A E 1234", 0, "沖縄|30A|E|1234", "沖縄 30A E 12-34"},
    {"沖縄 50 A 1234", 0, "沖縄|50|A|1234", "沖縄 50 A 12-34"},
    {"品川さ300", 1, "class number missing", NULL},
    {"", 1, "plate: empty", NULL},
    {"   　 ", 1, "plate: empty", NULL},
    {"品河 300 さ 1234", 1, "unknown region '品河'", NULL},
    {"品河300さ1234", 1, "unknown region '品河'", NULL},
    {"XX 300 さ 1234", 1, "unknown region 'XX'", NULL},
    {"SHINAGAWA 300 SA 1234", 1, "unknown region 'SHINAGAWA'", NULL},
    {"Y 300 さ 1234", 1, "unexpected 'さ' where the serial", NULL},
    {"品川区 300 さ 1234", 1, "unknown region '品川区'", NULL},
    {"品 300 さ 1234", 1, "unknown region '品'", NULL},
    {"品川 300 し 1234", 1, "kana 'し' is not used", NULL},
    {"品川 300 お 1234", 1, "kana 'お' is not used", NULL},
    {"品川 300 ん 1234", 1, "kana 'ん' is not used", NULL},
    {"品川 300 が 1234", 1, "kana 'が' is not used", NULL},
    {"品川 300 ぁ 1234", 1, "kana 'ぁ' is not used", NULL},
    {"品川 300 区 1234", 1, "kana '区' is not used", NULL},
    {"品川 300 Z 1234", 1, "letter Z is not used", NULL},
    {"品川 300 さ 0", 1, "serial 0 is not issued", NULL},
    {"品川 300 さ 00-00", 1, "serial 0 is not issued", NULL},
    {"品川 300 さ 12345", 1, "serial 12345 is out of range", NULL},
    {"品川 300 さ ・12345", 1, "more than 4 places", NULL},
    {"品川 300 さ 1-234", 1, "hyphen goes before the last two", NULL},
    {"品川 300 さ 12--34", 1, "two hyphens", NULL},
    {"品川 300 さ 1・2", 1, "blank dots come before", NULL},
    {"品川 300 さ ・・", 1, "has no digits", NULL},
    {"品川 300 さ", 1, "serial number missing", NULL},
    {"品川 300 さ 12#34", 1, "unexpected '#'", NULL},
    {"品川 300 さ 12\x01"
     "34",
     1, "unexpected 'U+0001'", NULL},
    {"品川 0 さ 1234", 1, "class number '0' is not issued", NULL},
    {"品川 000 さ 1234", 1, "class number '000' is not issued", NULL},
    {"品川 3000 さ 1234", 1, "longer than 3 characters", NULL},
    {"品川 30B さ 1234", 1, "letter B is not used", NULL},
    {"品川 3O0 さ 1234", 1, "letter O is not used", NULL},
    {"品川 3A さ 1234", 1, "only in 3-character", NULL},
    {"品川 12-34", 1, "class number missing", NULL},
    {"品川 300 12-34", 1, "kana missing", NULL},
    {"300 さ 12-34", 1, "region name missing", NULL},
    {"品川 300 さく 1234", 1, "unexpected 'さく'", NULL},
    {"品川 300 さ さ 1234", 1, "unexpected 'さ'", NULL},
    {"品川 300 SA 1234", 1, "unexpected 'SA'", NULL},
    {"\xff\xfe", 1, "not valid UTF-8", NULL},
    {"品川 300 \xe3\x81 1234", 1, "not valid UTF-8", NULL},
    {"品川 300 さ 12-34 品川 300 さ 12-34 品川 300 さ 12-34 品川 300 さ 12-34 品川 300 さ "
     "12-34 品川 300 さ 12-34 品川 300 さ 12-34 品川 300 さ 12-34 品川 300 さ 12-34 品川 300 "
     "さ 12-34 品川 300 さ 12-34 品川 300 さ 12-34 品川 300 さ 12-34",
     1, "longer than 256 bytes", NULL},
};

static const struct {
    const char *in;
    int rc;
    const char *key_or_msg;
    unsigned fields;
} partial[] = {
    {"さ 12-34", 0, "||さ|1234", PLATE_HAS_KANA | PLATE_HAS_SERIAL},
    {"さ1234", 0, "||さ|1234", PLATE_HAS_KANA | PLATE_HAS_SERIAL},
    {"品川 12-34", 0, "品川|||1234", PLATE_HAS_REGION | PLATE_HAS_SERIAL},
    {"品川1234", 0, "品川|||1234", PLATE_HAS_REGION | PLATE_HAS_SERIAL},
    {"品川さ1234", 0, "品川||さ|1234", PLATE_HAS_REGION | PLATE_HAS_KANA | PLATE_HAS_SERIAL},
    {"1234", 0, "|||1234", PLATE_HAS_SERIAL},
    {"１２－３４", 0, "|||1234", PLATE_HAS_SERIAL},
    {"・・12", 0, "|||0012", PLATE_HAS_SERIAL},
    {"300 さ 1234", 0, "|300|さ|1234", PLATE_HAS_CLASS | PLATE_HAS_KANA | PLATE_HAS_SERIAL},
    {"品川 300 1234", 0, "品川|300||1234", PLATE_HAS_REGION | PLATE_HAS_CLASS | PLATE_HAS_SERIAL},
    {"品川 30C 1234", 0, "品川|30C||1234", PLATE_HAS_REGION | PLATE_HAS_CLASS | PLATE_HAS_SERIAL},
    {"尾張小牧 100 ・・・8", 0, "尾張小牧|100||0008",
     PLATE_HAS_REGION | PLATE_HAS_CLASS | PLATE_HAS_SERIAL},
    {"Y 1234", 0, "||Y|1234", PLATE_HAS_KANA | PLATE_HAS_SERIAL},
    {"品川 300 さ 12-34", 0, "品川|300|さ|1234", PLATE_HAS_ALL},
    {"なにわ 12-34", 0, "なにわ|||1234", PLATE_HAS_REGION | PLATE_HAS_SERIAL},
    {"3001234", 1, "serial 3001234 is out of range", 0},
    {"品川", 1, "serial number missing", 0},
    {"さ", 1, "serial number missing", 0},
    {"し 1234", 1, "kana 'し' is not used", 0},
    {"品河 1234", 1, "unknown region '品河'", 0},
    {"品川 0", 1, "serial 0 is not issued", 0},
    {"", 1, "plate: empty", 0},
};

static void test_full(void)
{
    for (size_t i = 0; i < LEN(full); i++) {
        struct plate p;
        kt_err_clear();
        int rc = plate_parse(full[i].in, strlen(full[i].in), &p);
        if (!full[i].rc) {
            char key[128], disp[128];
            CHECK(rc == 0, "parse '%s': rc %d (%s)", full[i].in, rc, kt_errmsg());
            if (rc) continue;
            CHECK(p.fields == PLATE_HAS_ALL, "parse '%s': fields %u", full[i].in, p.fields);
            CHECK(plate_key(&p, key, sizeof key) == 0 && !strcmp(key, full[i].key_or_msg),
                  "key '%s': got '%s', want '%s'", full[i].in, key, full[i].key_or_msg);
            CHECK(plate_format(&p, disp, sizeof disp) == 0 && !strcmp(disp, full[i].display),
                  "format '%s': got '%s', want '%s'", full[i].in, disp, full[i].display);
            /* The display form reads back as the same plate. */
            struct plate q;
            char key2[128];
            CHECK(plate_parse(disp, strlen(disp), &q) == 0 &&
                      plate_key(&q, key2, sizeof key2) == 0 && !strcmp(key, key2),
                  "round trip '%s'", disp);
        } else {
            CHECK(rc == KT_EINVAL || rc == KT_EVALID, "parse '%s' should fail: rc %d", full[i].in,
                  rc);
            CHECK(strstr(kt_errmsg(), full[i].key_or_msg) != NULL,
                  "parse '%s': message '%s' lacks '%s'", full[i].in, kt_errmsg(),
                  full[i].key_or_msg);
        }
    }
}

static void test_partial(void)
{
    for (size_t i = 0; i < LEN(partial); i++) {
        struct plate p;
        kt_err_clear();
        int rc = plate_parse_partial(partial[i].in, strlen(partial[i].in), &p);
        if (!partial[i].rc) {
            char key[128];
            CHECK(rc == 0, "partial '%s': rc %d (%s)", partial[i].in, rc, kt_errmsg());
            if (rc) continue;
            CHECK(p.fields == partial[i].fields, "partial '%s': fields %u, want %u", partial[i].in,
                  p.fields, partial[i].fields);
            CHECK(plate_key(&p, key, sizeof key) == 0 && !strcmp(key, partial[i].key_or_msg),
                  "partial key '%s': got '%s', want '%s'", partial[i].in, key,
                  partial[i].key_or_msg);
        } else {
            CHECK(rc == KT_EINVAL || rc == KT_EVALID, "partial '%s' should fail: rc %d",
                  partial[i].in, rc);
            CHECK(strstr(kt_errmsg(), partial[i].key_or_msg) != NULL,
                  "partial '%s': message '%s' lacks '%s'", partial[i].in, kt_errmsg(),
                  partial[i].key_or_msg);
        }
    }
}

/* Codes: an unknown region is well-formed but wrong, a stray character is malformed. */
static void test_codes(void)
{
    struct plate p;
    const char *s = "品河 300 さ 1234";
    CHECK(plate_parse(s, strlen(s), &p) == KT_EVALID, "unknown region is KT_EVALID");
    s = "品川 300 さ 12#34";
    CHECK(plate_parse(s, strlen(s), &p) == KT_EINVAL, "stray character is KT_EINVAL");
    s = "品川 300 さ 0";
    CHECK(plate_parse(s, strlen(s), &p) == KT_EVALID, "serial 0 is KT_EVALID");
    /* Length is honoured: the rest of the buffer is not read. */
    s = "品川 300 さ 1234XYZ";
    CHECK(plate_parse(s, strlen(s) - 3, &p) == 0 && p.serial == 1234, "len is honoured");
}

static void test_regions(void)
{
    size_t n = plate_region_count();
    CHECK(n >= 130, "region count %zu", n);
    CHECK(plate_region_name(n) == NULL, "name past the end is NULL");
    for (size_t i = 0; i < n; i++) {
        const char *r = plate_region_name(i);
        CHECK(r && strlen(r) < sizeof((struct plate *)0)->region, "region %zu fits", i);
        size_t dup = 0;
        for (size_t j = 0; j < i; j++)
            dup += strcmp(r, plate_region_name(j)) == 0;
        CHECK(dup == 0, "region %s listed twice", r);
        /* Every region parses as itself, with and without spaces. */
        char in[96], key[128], want[128];
        struct plate p;
        snprintf(in, sizeof in, "%s 500 す 9", r);
        snprintf(want, sizeof want, "%s|500|す|0009", r);
        CHECK(plate_parse(in, strlen(in), &p) == 0 && plate_key(&p, key, sizeof key) == 0 &&
                  !strcmp(key, want),
              "region %s: %s", r, kt_errmsg());
        snprintf(in, sizeof in, "%s500す9", r);
        CHECK(plate_parse(in, strlen(in), &p) == 0 && !strcmp(p.region, r), "region %s unspaced",
              r);
    }
}

static void test_buffers(void)
{
    struct plate p;
    const char *s = "尾張小牧 300 さ 12-34";
    CHECK(plate_parse(s, strlen(s), &p) == 0, "parse for buffers");
    char small[8] = "xxxxxxx";
    CHECK(plate_key(&p, small, sizeof small) == KT_EINVAL && small[0] == '\0', "key too small");
    CHECK(plate_format(&p, small, sizeof small) == KT_EINVAL && small[0] == '\0',
          "format too small");
    CHECK(plate_format(&p, small, 0) == KT_EINVAL, "format cap 0");
    struct plate none = {0};
    char key[64];
    CHECK(plate_key(&none, key, sizeof key) == KT_EINVAL, "key without serial");
    CHECK(plate_format(&none, key, sizeof key) == KT_EINVAL, "format without serial");
    struct plate part = {.serial = 12, .fields = PLATE_HAS_SERIAL};
    CHECK(plate_format(&part, key, sizeof key) == 0 && !strcmp(key, "・・12"), "format partial");
}

int main(void)
{
    test_full();
    test_partial();
    test_codes();
    test_regions();
    test_buffers();
    return tap_done();
}
