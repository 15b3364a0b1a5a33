/* ANSI/NIST-ITL 1-2011 traditional encoding: a Type-1 byte-exact against the layout counted
 * by hand, a search transaction (Type-1, Type-2, Type-9, Type-14) written and read back, and
 * truncated or lying transactions refused with a message. */
#include "afis/ansinist.h"
#include "base/err.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.141592653589793

static void exact_type1(void)
{
    struct ansinist_spec s = {
        .tot = "SRE", .date = "20260101", .dai = "DEST", .ori = "ORIG", .tcn = "TCN1"};
    uint8_t *b;
    size_t n;
    CHECK(ansinist_write(&s, &b, &n) == 0, "write a lone Type-1");
    static const char want[] = "1.001:113\x1D"
                               "1.002:0500\x1D"
                               "1.003:1\x1F"
                               "0\x1D"
                               "1.004:SRE\x1D"
                               "1.005:20260101\x1D"
                               "1.007:DEST\x1D"
                               "1.008:ORIG\x1D"
                               "1.009:TCN1\x1D"
                               "1.011:00.00\x1D"
                               "1.012:00.00\x1C";
    CHECK(n == sizeof want - 1 && memcmp(b, want, n) == 0, "Type-1 byte-exact (%zu bytes)", n);
    struct ansinist *a;
    CHECK(ansinist_parse(b, n, &a) == 0 && a->nrec == 1, "parse it back");
    char v[32];
    ansinist_text(a, &a->rec[0], 9, v, sizeof v);
    CHECK(strcmp(v, "TCN1") == 0, "TCN read");
    free(a);
    free(b);
}

static void search_txn(void)
{
    struct afis_template m, t;
    afis_minsynth_master(3, &m);
    afis_minsynth_impression(&m, 1, &afis_minsynth_plain, &t);
    t.finger = 2;
    struct afis_image img = {.width = 16, .height = 8, .ppi = 500};
    uint8_t px[128];
    for (int i = 0; i < 128; i++)
        px[i] = (uint8_t)(i * 2 + (i == 5 ? 0x1C - 10 : 0)); /* an FS byte inside the image */
    px[7] = 0x1C;
    px[8] = 0x1D;
    img.pixels = px;
    int fgp = 2;
    struct ansinist_text_field t2[] = {{64, "P-00000001\x1F\x1F"
                                            "0.91"}};
    struct ansinist_spec s = {.tot = "LFFS",
                              .dai = "NPA",
                              .ori = "MPD",
                              .tcn = "T-1",
                              .type2 = t2,
                              .ntype2 = 1,
                              .minutiae = &t,
                              .nminutiae = 1,
                              .images = &img,
                              .image_fgp = &fgp,
                              .nimages = 1};
    uint8_t *b;
    size_t n;
    CHECK(ansinist_write(&s, &b, &n) == 0, "write a search transaction");
    struct ansinist *a;
    CHECK(ansinist_parse(b, n, &a) == 0 && a->nrec == 4, "parse: %s", kt_errmsg());
    if (a && a->nrec == 4) {
        CHECK(a->rec[1].type == 2 && a->rec[2].type == 9 && a->rec[3].type == 14, "record types");
        char v[64];
        ansinist_text(a, &a->rec[1], 64, v, sizeof v);
        CHECK(strcmp(v, "P-00000001\x1F\x1F"
                        "0.91") == 0,
              "Type-2 candidate field");
        struct afis_template r;
        CHECK(ansinist_type9_template(a, &a->rec[2], t.height, &r) == 0 && r.n == t.n &&
                  r.finger == 2,
              "Type-9 minutiae: %d of %d", r.n, t.n);
        int ok = 1;
        for (int i = 0; i < t.n && i < r.n; i++) {
            double d = fabs(r.m[i].angle - t.m[i].angle);
            if (d > PI) d = 2 * PI - d;
            ok &= abs(r.m[i].x - t.m[i].x) <= 1 && abs(r.m[i].y - t.m[i].y) <= 1 && d <= PI / 180 &&
                  r.m[i].type == t.m[i].type;
        }
        CHECK(ok, "Type-9 positions within 1 px and angles within 1° (0.01 mm, whole degrees)");
        CHECK(afis_match(&t, &r) > 0.9, "Type-9 template matches the original");
        struct afis_image back;
        CHECK(ansinist_image(a, &a->rec[3], &back) == 0 && back.width == 16 && back.height == 8 &&
                  memcmp(back.pixels, px, 128) == 0,
              "Type-14 image with FS and GS bytes inside read back");
        free(back.pixels);
    }
    free(a);
    /* every truncation fails with a message */
    int all = 1;
    for (size_t k = 0; k < n; k++) {
        kt_err_clear();
        struct ansinist *x = NULL;
        all &= ansinist_parse(b, k, &x) == KT_EINVAL && !x && kt_errmsg()[0];
    }
    CHECK(all, "all %zu truncations refused", n);
    /* lies: LEN one off, CNT count, field order */
    uint8_t *c = malloc(n + 1);
    memcpy(c, b, n);
    c[8] = (uint8_t)(c[8] + 1); /* 1.001 LEN's last digit */
    CHECK(ansinist_parse(c, n, &a) == KT_EINVAL, "Type-1 LEN lie refused: %s", kt_errmsg());
    memcpy(c, b, n);
    uint8_t *cnt = memmem(c, n, "1.003:1\x1F", 8);
    cnt[8] = '4';
    CHECK(ansinist_parse(c, n, &a) == KT_EINVAL, "CNT count lie refused: %s", kt_errmsg());
    memcpy(c, b, n);
    c[n] = 'x';
    CHECK(ansinist_parse(c, n + 1, &a) == KT_EINVAL, "trailing bytes refused");
    memcpy(c, b, n);
    uint8_t *f9 = memmem(c, n, "9.010:", 6);
    f9[6] = '9';
    CHECK(ansinist_parse(c, n, &a) == 0, "Type-9 count lie parses as text …");
    struct afis_template r;
    CHECK(ansinist_type9_template(a, &a->rec[2], 0, &r) == KT_EINVAL,
          "… and is refused when read: %s", kt_errmsg());
    free(a);
    free(c);
    free(b);
}

static void type4(void)
{
    /* hand-made: Type-1 with CNT 1<US>1<RS>4<US>01, and a 2×2 Type-4 */
    static const char t1[] = "1.001:45\x1D"
                             "1.002:0500\x1D"
                             "1.003:1\x1F"
                             "1\x1E"
                             "4\x1F"
                             "01\x1D"
                             "1.004:CAR\x1C";
    uint8_t buf[128];
    size_t n = sizeof t1 - 1;
    memcpy(buf, t1, n);
    const uint8_t t4[] = {0,   0, 0, 22, 1, 0, 3, 255, 255, 255, 255,
                          255, 0, 0, 2,  0, 2, 0, 10,  20,  30,  40};
    memcpy(buf + n, t4, sizeof t4);
    struct ansinist *a;
    int rc = ansinist_parse(buf, n + sizeof t4, &a);
    CHECK(rc == 0 && a->nrec == 2 && a->rec[1].fgp == 3, "Type-4 parsed: %s", kt_errmsg());
    if (!rc) {
        struct afis_image img;
        CHECK(ansinist_image(a, &a->rec[1], &img) == 0 && img.width == 2 && img.pixels[3] == 40,
              "Type-4 image");
        free(img.pixels);
        free(a);
    }
    buf[n + 16] = 3; /* VLL 3: 6 bytes expected, 4 present */
    CHECK(ansinist_parse(buf, n + sizeof t4, &a) == KT_EINVAL, "Type-4 size lie refused");
}

int main(void)
{
    exact_type1();
    search_txn();
    type4();
    return tap_done();
}
