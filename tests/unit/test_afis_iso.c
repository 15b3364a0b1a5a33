/* ISO/IEC 19794-2:2005 and ANSI/INCITS 378-2004 records: byte-exact vectors written by hand
 * from the layouts (see afis.h and docs/afis.md), round trips, and truncated or lying records
 * that must fail with a message and no template. */
#include "afis/afis.h"
#include "base/err.h"
#include "tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.141592653589793

/* Two minutiae: an ending at (100, 200) pointing up (90°), a bifurcation at (300, 50)
 * pointing left (180°); right index finger, quality 80, 400×500 at 197 px/cm. */
static const uint8_t iso_vec[] = {
    'F',  'M',  'R',  0,    ' ',  '2',  '0',  0,    /* identifier, version */
    0,    0,    0,    42,                           /* record length (4 bytes in ISO) */
    0,    0,                                        /* capture equipment */
    0x01, 0x90, 0x01, 0xF4, 0x00, 0xC5, 0x00, 0xC5, /* 400 × 500, 197 × 197 px/cm */
    1,    0,                                        /* one view, reserved */
    2,    0,    80,   2,                            /* finger 2, view 0 / plain, quality, count */
    0x40, 0x64, 0x00, 0xC8, 64,   60,               /* 01|100, 200, 64 × 360/256 = 90°, q 60 */
    0x81, 0x2C, 0x00, 0x32, 128,  40,               /* 10|300, 50, 180°, q 40 */
    0,    0,                                        /* no extended data */
};
static const uint8_t ansi_vec[] = {
    'F',  'M',  'R',  0,    ' ',  '2',  '0',  0,    /* identifier, version */
    0,    44,                                       /* record length (2 bytes in ANSI) */
    0,    0,    0,    0,                            /* CBEFF product identifier */
    0,    0,                                        /* capture equipment */
    0x01, 0x90, 0x01, 0xF4, 0x00, 0xC5, 0x00, 0xC5, /* 400 × 500, 197 × 197 px/cm */
    1,    0,                                        /* one view, reserved */
    2,    0,    80,   2,                            /* finger 2, view 0 / plain, quality, count */
    0x40, 0x64, 0x00, 0xC8, 45,   60,               /* angle in 2° units: 45 = 90° */
    0x81, 0x2C, 0x00, 0x32, 90,   40,               /* 90 = 180° */
    0,    0,                                        /* no extended data */
};

static void sample(struct afis_template *t)
{
    memset(t, 0, sizeof *t);
    t->width = 400;
    t->height = 500;
    t->resolution = 197;
    t->finger = 2;
    t->quality = 80;
    t->n = 2;
    t->m[0] = (struct afis_minutia){100, 200, PI / 2, AFIS_ENDING, 60};
    t->m[1] = (struct afis_minutia){300, 50, PI, AFIS_BIFURCATION, 40};
}

static void exact(void)
{
    struct afis_template t;
    sample(&t);
    uint8_t *b;
    size_t n;
    CHECK(afis_template_write(&t, AFIS_ISO_19794_2, &b, &n) == 0 && n == sizeof iso_vec &&
              memcmp(b, iso_vec, n) == 0,
          "ISO record byte-exact");
    free(b);
    CHECK(afis_template_write(&t, AFIS_ANSI_378, &b, &n) == 0 && n == sizeof ansi_vec &&
              memcmp(b, ansi_vec, n) == 0,
          "ANSI record byte-exact");
    free(b);
    CHECK(afis_template_detect(iso_vec, sizeof iso_vec) == AFIS_ISO_19794_2, "detect ISO");
    CHECK(afis_template_detect(ansi_vec, sizeof ansi_vec) == AFIS_ANSI_378, "detect ANSI");
    const uint8_t *vecs[] = {iso_vec, ansi_vec};
    size_t lens[] = {sizeof iso_vec, sizeof ansi_vec};
    for (int v = 0; v < 2; v++) {
        struct afis_template r;
        CHECK(afis_template_read(vecs[v], lens[v], 0, &r) == 0, "read vector %d", v);
        CHECK(r.n == 2 && r.finger == 2 && r.quality == 80 && r.width == 400 && r.height == 500 &&
                  r.resolution == 197,
              "vector %d header fields", v);
        CHECK(r.m[0].x == 100 && r.m[0].y == 200 && r.m[0].type == AFIS_ENDING &&
                  r.m[0].quality == 60 && fabs(r.m[0].angle - PI / 2) < 1e-9,
              "vector %d minutia 1", v);
        CHECK(r.m[1].x == 300 && r.m[1].y == 50 && r.m[1].type == AFIS_BIFURCATION &&
                  r.m[1].quality == 40 && fabs(r.m[1].angle - PI) < 1e-9,
              "vector %d minutia 2", v);
    }
    struct afis_template r;
    CHECK(afis_template_read(iso_vec, sizeof iso_vec, AFIS_ANSI_378, &r) == KT_EINVAL,
          "ISO record refused when ANSI is demanded");
}

static void round_trips(void)
{
    struct afis_template m, t, r;
    afis_minsynth_master(42, &m);
    afis_minsynth_impression(&m, 7, &afis_minsynth_plain, &t);
    t.finger = 7;
    for (int fmt = AFIS_ISO_19794_2; fmt <= AFIS_ANSI_378; fmt++) {
        uint8_t *b;
        size_t n;
        CHECK(afis_template_write(&t, fmt, &b, &n) == 0, "write %d", fmt);
        CHECK(afis_template_read(b, n, fmt, &r) == 0 && r.n == t.n && r.finger == 7,
              "round trip %d: %d minutiae", fmt, r.n);
        double step = fmt == AFIS_ISO_19794_2 ? 2 * PI / 256 : 2 * PI / 180;
        int ok = 1;
        for (int i = 0; i < t.n; i++) {
            double d = fabs(r.m[i].angle - t.m[i].angle);
            if (d > PI) d = 2 * PI - d;
            ok &= r.m[i].x == t.m[i].x && r.m[i].y == t.m[i].y && r.m[i].type == t.m[i].type &&
                  d <= step / 2 + 1e-9;
        }
        CHECK(ok, "round trip %d keeps positions, types, angles within half a step", fmt);
        /* a second write of what was read is identical */
        uint8_t *b2;
        size_t n2;
        CHECK(afis_template_write(&r, fmt, &b2, &n2) == 0 && n2 == n && memcmp(b, b2, n) == 0,
              "write(read(x)) == x for %d", fmt);
        free(b);
        free(b2);
    }
    /* a tenprint: ten views in one record */
    struct afis_template ten[10];
    for (int f = 0; f < 10; f++) {
        afis_minsynth_master(100 + (uint64_t)f, &m);
        afis_minsynth_impression(&m, 1, &afis_minsynth_plain, &ten[f]);
        ten[f].finger = f + 1;
    }
    uint8_t *b;
    size_t n;
    struct afis_template back[10];
    int nv;
    CHECK(afis_template_write_views(ten, 10, AFIS_ANSI_378, &b, &n) == 0, "ten views written");
    CHECK(afis_template_read_views(b, n, 0, back, 10, &nv) == 0 && nv == 10 &&
              back[9].finger == 10 && back[9].n == ten[9].n,
          "ten views read back");
    free(b);
}

static void bad(void)
{
    struct afis_template t;
    /* every truncation of both vectors fails */
    int all = 1;
    for (size_t n = 0; n < sizeof iso_vec; n++) {
        kt_err_clear();
        all &= afis_template_read(iso_vec, n, 0, &t) == KT_EINVAL && kt_errmsg()[0];
    }
    for (size_t n = 0; n < sizeof ansi_vec; n++)
        all &= afis_template_read(ansi_vec, n, 0, &t) == KT_EINVAL;
    CHECK(all, "every truncation is refused with a message");
    static const struct {
        const char *what;
        int ansi;
        size_t at;
        uint8_t val;
    } lies[] = {
        {"length says one more byte", 0, 11, 43},
        {"length says one less", 0, 11, 41},
        {"reserved byte set", 0, 23, 1},
        {"zero views", 0, 22, 0},
        {"two views stated, one present", 0, 22, 2},
        {"more minutiae than bytes", 0, 27, 3},
        {"minutia type 11", 0, 28, 0xC0},
        {"reserved bits of y set", 0, 30, 0x40},
        {"x outside the image", 0, 28, 0x4F},
        {"quality 101", 0, 33, 101},
        {"finger position 11", 0, 24, 11},
        {"finger quality 200", 0, 26, 200},
        {"impression type 9", 0, 25, 9},
        {"extended data length lies", 0, 41, 2},
        {"ANSI angle 180", 1, 34, 180},
        {"ANSI length lies", 1, 9, 45},
        {"ANSI resolution 0", 1, 21, 0},
        {"not FMR", 0, 0, 'G'},
        {"version", 0, 5, '1'},
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        uint8_t b[64];
        size_t n = lies[i].ansi ? sizeof ansi_vec : sizeof iso_vec;
        memcpy(b, lies[i].ansi ? ansi_vec : iso_vec, n);
        if (strcmp(lies[i].what, "ANSI resolution 0") == 0) b[20] = 0;
        b[lies[i].at] = lies[i].val;
        kt_err_clear();
        int rc = afis_template_read(b, n, 0, &t);
        CHECK(rc == KT_EINVAL && kt_errmsg()[0], "refused: %s (%s)", lies[i].what, kt_errmsg());
    }
    /* trailing bytes after an honest record */
    uint8_t b[64];
    memcpy(b, iso_vec, sizeof iso_vec);
    b[sizeof iso_vec] = 0;
    CHECK(afis_template_read(b, sizeof iso_vec + 1, 0, &t) == KT_EINVAL, "trailing byte refused");
    /* a well-formed extended data block is accepted */
    uint8_t e[64];
    memcpy(e, iso_vec, sizeof iso_vec - 2);
    size_t o = sizeof iso_vec - 2;
    const uint8_t ext[] = {0, 6, 0, 1, 0, 6, 7, 7};
    memcpy(e + o, ext, sizeof ext);
    e[11] = (uint8_t)(o + sizeof ext);
    CHECK(afis_template_read(e, o + sizeof ext, 0, &t) == 0 && t.n == 2,
          "extended data block read past");
    e[o + 5] = 7; /* its item claims more than the block */
    CHECK(afis_template_read(e, o + sizeof ext, 0, &t) == KT_EINVAL, "lying extended item refused");
    /* writing what does not fit */
    struct afis_template w;
    sample(&w);
    w.m[0].x = 20000;
    uint8_t *out;
    size_t n;
    CHECK(afis_template_write(&w, AFIS_ISO_19794_2, &out, &n) == KT_EINVAL && !out,
          "x over 14 bits refused");
}

int main(void)
{
    exact();
    round_trips();
    bad();
    return tap_done();
}
