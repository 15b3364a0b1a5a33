/* Minutiae extraction on synthetic prints: the share of ground-truth minutiae found within
 * 10 px and 30° (and how few are spurious) across classes and distortions, the count under
 * rotation, latent crops, blank and bad images, determinism (also on two threads at once),
 * and the generator's own contract. The figures are printed as "# ..." lines. */
#include "afis/afis.h"
#include "base/err.h"
#include "tap.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PI 3.14159265358979323846
#define DEG (PI / 180)

static struct afis_synth_master masters[3];
static const int patterns[3] = {AFIS_PATTERN_LEFT_LOOP, AFIS_PATTERN_WHORL, AFIS_PATTERN_ARCH};

static double adiff(double a, double b)
{
    double d = fabs(fmod(a - b, 2 * PI));
    return d > PI ? 2 * PI - d : d;
}

/* Truth minutiae paired with extracted ones (10 px, 30°, each extracted one used once). */
static int paired(const struct afis_template *truth, const struct afis_template *got)
{
    unsigned char used[AFIS_MAX_MINUTIAE] = {0};
    int found = 0;
    for (int i = 0; i < truth->n; i++) {
        int best = -1, bd = 101;
        for (int j = 0; j < got->n; j++) {
            int dx = truth->m[i].x - got->m[j].x, dy = truth->m[i].y - got->m[j].y;
            if (!used[j] && dx * dx + dy * dy < bd &&
                adiff(truth->m[i].angle, got->m[j].angle) <= 30 * DEG)
                bd = dx * dx + dy * dy, best = j;
        }
        if (best >= 0) used[best] = 1, found++;
    }
    return found;
}

/* ---- accuracy ---- */

static const struct {
    const char *what;
    int master;
    struct afis_impression_params p;
    double min_recall, min_precision;
} cases[] = {
    {"loop, clean", 0, {.noise = 4}, 0.85, 0.8},
    {"whorl, clean", 1, {.noise = 4}, 0.85, 0.8},
    {"arch, clean", 2, {.noise = 4}, 0.85, 0.8},
    {"loop, ±30° and shifted",
     0,
     {.max_rotation = 30 * DEG, .max_shift = 25, .noise = 8},
     0.8,
     0.75},
    {"whorl, elastic 10 px", 1, {.distortion = 10, .noise = 8}, 0.8, 0.75},
    {"loop, noise σ 25", 0, {.noise = 25}, 0.7, 0.6},
    {"whorl, light pressure", 1, {.pressure = -0.6, .noise = 8}, 0.7, 0.6},
    {"arch, heavy pressure", 2, {.pressure = 0.6, .noise = 8}, 0.7, 0.6},
    {"loop, damaged", 0, {.damage = 0.05, .noise = 8}, 0.7, 0.6},
    {"whorl, 60 % partial", 1, {.keep = 0.6, .noise = 8, .max_rotation = 20 * DEG}, 0.7, 0.6},
    {"arch, everything",
     2,
     {.max_rotation = 30 * DEG,
      .max_shift = 20,
      .distortion = 8,
      .noise = 15,
      .pressure = 0.3,
      .damage = 0.03,
      .keep = 0.8},
     0.7,
     0.6},
};

static void test_accuracy(void)
{
    long truth_all = 0, found_all = 0, got_all = 0;
    for (size_t i = 0; i < LEN(cases); i++) {
        struct afis_image img;
        static struct afis_template truth, got;
        int rc = afis_synth_impression(&masters[cases[i].master], (uint32_t)(100 + i), &cases[i].p,
                                       &img, &truth);
        CHECK(rc == 0, "%s: impression: %s", cases[i].what, kt_errmsg());
        if (rc) continue;
        rc = afis_extract(&img, &got);
        CHECK(rc == 0, "%s: extract: %s", cases[i].what, kt_errmsg());
        int found = paired(&truth, &got);
        double recall = truth.n ? (double)found / truth.n : 0;
        double precision = got.n ? (double)found / got.n : 0;
        printf("# %-26s truth %3d extracted %3d found %3d  recall %.3f precision %.3f quality %d\n",
               cases[i].what, truth.n, got.n, found, recall, precision, got.quality);
        CHECK(truth.n >= 20, "%s: only %d truth minutiae", cases[i].what, truth.n);
        CHECK(recall >= cases[i].min_recall, "%s: recall %.3f < %.2f", cases[i].what, recall,
              cases[i].min_recall);
        CHECK(precision >= cases[i].min_precision, "%s: precision %.3f < %.2f", cases[i].what,
              precision, cases[i].min_precision);
        CHECK(got.quality >= 40, "%s: finger quality %d", cases[i].what, got.quality);
        truth_all += truth.n, found_all += found, got_all += got.n;
        afis_image_free(&img);
    }
    printf("# all cases: recall %.3f precision %.3f\n", (double)found_all / truth_all,
           (double)found_all / got_all);
}

/* The number of minutiae hardly depends on how the finger was turned. */
static void test_rotation(void)
{
    static struct afis_template got;
    struct afis_image img;
    struct afis_impression_params p = {.noise = 6};
    int base = -1;
    for (int k = 0; k < 4; k++) {
        p.max_rotation = k * 10 * DEG;
        /* a different seed each time, so the rotation is some angle up to k · 10° */
        CHECK(afis_synth_impression(&masters[1], 7 + (uint32_t)k, &p, &img, NULL) == 0,
              "rotation impression");
        CHECK(afis_extract(&img, &got) == 0, "rotation extract");
        afis_image_free(&img);
        if (base < 0) base = got.n;
        printf("# rotation up to %d°: %d minutiae (unrotated %d)\n", k * 10, got.n, base);
        CHECK(abs(got.n - base) <= base / 5, "rotation up to %d°: %d minutiae vs %d", k * 10, got.n,
              base);
    }
}

static void test_latent(void)
{
    struct afis_impression_params p = {.latent_min = 12, .latent_max = 25, .noise = 6};
    for (uint32_t s = 0; s < 3; s++) {
        static struct afis_template truth, got;
        struct afis_image img;
        CHECK(afis_synth_impression(&masters[s], 40 + s, &p, &img, &truth) == 0, "latent");
        CHECK(afis_extract(&img, &got) == 0, "latent extract: %s", kt_errmsg());
        int found = paired(&truth, &got);
        printf("# latent %u: truth %d extracted %d found %d quality %d\n", s, truth.n, got.n, found,
               got.quality);
        CHECK(truth.n >= 10 && truth.n <= 30, "latent %u: %d truth minutiae", s, truth.n);
        CHECK(found >= truth.n / 2, "latent %u: found %d of %d", s, found, truth.n);
        afis_image_free(&img);
    }
}

/* ---- blank and bad images ---- */

static uint8_t *fill(int w, int h, int level, int noise)
{
    uint8_t *p = malloc((size_t)w * h);
    uint32_t r = 12345;
    for (int i = 0; i < w * h; i++) {
        r = r * 1103515245u + 12345u;
        p[i] = (uint8_t)(level + (int)((r >> 16) % (unsigned)(2 * noise + 1)) - noise);
    }
    return p;
}

static const struct {
    const char *what;
    int w, h, ppi, level, noise, rc;
} blanks[] = {
    {"white", 300, 300, 500, 240, 0, 0},
    {"black", 300, 300, 0, 10, 0, 0},
    {"gray noise", 300, 300, 500, 128, 30, 0},
    {"faint noise", 256, 400, 500, 200, 4, 0},
    {"too small", 32, 300, 500, 200, 0, KT_EINVAL},
    {"wrong ppi", 300, 300, 300, 200, 0, KT_EVALID},
};

static void test_blank(void)
{
    for (size_t i = 0; i < LEN(blanks); i++) {
        struct afis_image img = {.width = blanks[i].w, .height = blanks[i].h, .ppi = blanks[i].ppi};
        img.pixels = fill(img.width, img.height, blanks[i].level, blanks[i].noise);
        static struct afis_template t;
        kt_err_clear();
        int rc = afis_extract(&img, &t);
        CHECK(rc == blanks[i].rc, "%s: rc %d (%s)", blanks[i].what, rc, kt_errmsg());
        if (rc == 0)
            CHECK(t.n <= 2 && t.quality <= 10, "%s: %d minutiae, quality %d", blanks[i].what, t.n,
                  t.quality);
        else
            CHECK(kt_errmsg()[0] != 0, "%s: no message", blanks[i].what);
        afis_image_free(&img);
    }
    struct afis_template t;
    struct afis_image none = {.width = 100, .height = 100};
    CHECK(afis_extract(&none, &t) == KT_EINVAL, "no pixels");
}

/* ---- determinism, also on two threads at once ---- */

struct job {
    const struct afis_image *img;
    struct afis_template t;
    int rc;
};

static void *run(void *arg)
{
    struct job *j = arg;
    j->rc = afis_extract(j->img, &j->t);
    return NULL;
}

static void test_determinism(void)
{
    struct afis_image img;
    struct afis_impression_params p = {.distortion = 6, .noise = 10, .max_rotation = 0.3};
    CHECK(afis_synth_impression(&masters[0], 99, &p, &img, NULL) == 0, "impression");
    static struct job a, b, c;
    a.img = b.img = c.img = &img;
    run(&a);
    pthread_t t1, t2;
    pthread_create(&t1, NULL, run, &b);
    pthread_create(&t2, NULL, run, &c);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK(a.rc == 0 && b.rc == 0 && c.rc == 0, "extract");
    CHECK(memcmp(&a.t, &b.t, sizeof a.t) == 0 && memcmp(&a.t, &c.t, sizeof a.t) == 0,
          "same image, different templates");
    /* the generator too: same seeds, same pixels and truth */
    struct afis_image again;
    static struct afis_template t1t, t2t;
    afis_synth_impression(&masters[0], 5, &p, &again, &t1t);
    afis_image_free(&img);
    afis_synth_impression(&masters[0], 5, &p, &img, &t2t);
    CHECK(memcmp(img.pixels, again.pixels, (size_t)img.width * img.height) == 0 &&
              memcmp(&t1t, &t2t, sizeof t1t) == 0,
          "impression not deterministic");
    afis_image_free(&again);
    afis_image_free(&img);
    struct afis_synth_params sp = {.width = 200, .height = 240, .pattern = AFIS_PATTERN_WHORL};
    struct afis_synth_master m1, m2;
    CHECK(afis_synth_master(3, &sp, &m1) == 0 && afis_synth_master(3, &sp, &m2) == 0, "masters");
    CHECK(memcmp(m1.ridges, m2.ridges, 200 * 240 * sizeof(float)) == 0 &&
              memcmp(&m1.truth, &m2.truth, sizeof m1.truth) == 0,
          "master not deterministic");
    afis_synth_master_free(&m1);
    afis_synth_master_free(&m2);
}

/* ---- the generator's parameters ---- */

static const struct {
    const char *what;
    struct afis_synth_params p;
} bad_masters[] = {
    {"tiny", {.width = 10, .height = 500}},
    {"huge", {.width = 5000, .height = 500}},
    {"pattern", {.pattern = 9}},
    {"period", {.period = 30}},
};

static const struct {
    const char *what;
    struct afis_impression_params p;
} bad_impressions[] = {
    {"rotation", {.max_rotation = 7}},
    {"pressure", {.pressure = 2}},
    {"keep", {.keep = 0.01}},
    {"latent", {.latent_min = 20, .latent_max = 10}},
    {"size", {.width = 10, .height = 10}},
    {"noise", {.noise = -1}},
};

static void test_synth_params(void)
{
    for (size_t i = 0; i < LEN(bad_masters); i++) {
        struct afis_synth_master m;
        kt_err_clear();
        CHECK(afis_synth_master(1, &bad_masters[i].p, &m) == KT_EINVAL && kt_errmsg()[0] &&
                  !m.ridges,
              "master %s accepted", bad_masters[i].what);
    }
    for (size_t i = 0; i < LEN(bad_impressions); i++) {
        struct afis_image img;
        kt_err_clear();
        CHECK(afis_synth_impression(&masters[0], 1, &bad_impressions[i].p, &img, NULL) ==
                      KT_EINVAL &&
                  kt_errmsg()[0] && !img.pixels,
              "impression %s accepted", bad_impressions[i].what);
    }
    for (int i = 0; i < 3; i++) {
        CHECK(masters[i].pattern == patterns[i], "pattern %d drawn as %d", patterns[i],
              masters[i].pattern);
        CHECK(masters[i].truth.n >= 25 && masters[i].truth.n <= 150, "master %d: %d minutiae", i,
              masters[i].truth.n);
    }
}

int main(void)
{
    for (int i = 0; i < 3; i++) {
        struct afis_synth_params sp = {.pattern = patterns[i]};
        if (afis_synth_master(20 + (uint32_t)i, &sp, &masters[i])) {
            fprintf(stderr, "master: %s\n", kt_errmsg());
            return 1;
        }
    }
    test_accuracy();
    test_rotation();
    test_latent();
    test_blank();
    test_determinism();
    test_synth_params();
    for (int i = 0; i < 3; i++)
        afis_synth_master_free(&masters[i]);
    return tap_done();
}
