/* Minutiae extraction benchmark: time per image and accuracy against the synthetic ground
 * truth. Masters from the generator, impressions with the benchmark's distortions, extracted
 * with afis_extract; a truth minutia is found when an extracted one lies within 10 pixels and
 * 30° of it (each extracted minutia pairs at most once, nearest first).
 *
 *   bench_afis_extract [IMPRESSIONS [PER_MASTER]]     (defaults 200, 4)
 *
 * Environment: BENCH_AFIS_SAVE=DIR writes each impression as DIR/NNNN.pgm. */
#include "afis/afis.h"
#include "base/err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PI 3.14159265358979323846
#define DIST 10
#define ANGLE (30 * PI / 180)

struct score {
    long truth, found, extracted, same_type;
    double pos_err, ang_err;
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* CPU time of this thread: what extraction costs, whatever else the machine runs. */
static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double adiff(double a, double b)
{
    double d = fabs(fmod(a - b, 2 * PI));
    return d > PI ? 2 * PI - d : d;
}

static void score(const struct afis_template *truth, const struct afis_template *got,
                  struct score *s)
{
    unsigned char used[AFIS_MAX_MINUTIAE] = {0};
    s->truth += truth->n;
    s->extracted += got->n;
    for (int i = 0; i < truth->n; i++) {
        const struct afis_minutia *a = &truth->m[i];
        int best = -1;
        double bd = DIST * DIST + 1;
        for (int j = 0; j < got->n; j++) {
            const struct afis_minutia *b = &got->m[j];
            double d = (a->x - b->x) * (a->x - b->x) + (a->y - b->y) * (a->y - b->y);
            if (!used[j] && d < bd && adiff(a->angle, b->angle) <= ANGLE) bd = d, best = j;
        }
        if (best < 0) continue;
        used[best] = 1;
        s->found++;
        s->same_type += a->type == got->m[best].type;
        s->pos_err += sqrt(bd);
        s->ang_err += adiff(a->angle, got->m[best].angle);
    }
}

int main(int argc, char **argv)
{
    int total = argc > 1 ? atoi(argv[1]) : 200, per = argc > 2 ? atoi(argv[2]) : 4;
    if (total < 1 || per < 1) {
        fprintf(stderr, "usage: bench_afis_extract [IMPRESSIONS [PER_MASTER]]\n");
        return 2;
    }
    const char *save = getenv("BENCH_AFIS_SAVE");
    /* full impressions with the benchmark's distortions */
    struct afis_impression_params p = {.max_shift = 25,
                                       .max_rotation = 30 * PI / 180,
                                       .distortion = 8,
                                       .noise = 10,
                                       .pressure = 0,
                                       .damage = 0.02,
                                       .keep = 1,
                                       .width = 500,
                                       .height = 500};
    struct score s = {0};
    double t_master = 0, t_imp = 0, t_ext = 0, t_max = 0, t_cpu = 0;
    long qsum = 0;
    static struct afis_template truth, got;
    struct afis_synth_master m = {0};
    for (int i = 0; i < total; i++) {
        if (i % per == 0) {
            afis_synth_master_free(&m);
            double t0 = now_ms();
            if (afis_synth_master((uint32_t)(1000 + i / per), NULL, &m)) {
                fprintf(stderr, "master: %s\n", kt_errmsg());
                return 1;
            }
            t_master += now_ms() - t0;
        }
        p.pressure = ((i * 37) % 11 - 5) / 10.0; /* -0.5 .. 0.5 */
        p.noise = 4 + (i * 13) % 17;
        double t0 = now_ms();
        struct afis_image img;
        if (afis_synth_impression(&m, (uint32_t)i, &p, &img, &truth)) {
            fprintf(stderr, "impression: %s\n", kt_errmsg());
            return 1;
        }
        double t1 = now_ms(), c1 = cpu_ms();
        if (afis_extract(&img, &got)) {
            fprintf(stderr, "extract: %s\n", kt_errmsg());
            return 1;
        }
        double t2 = now_ms();
        t_cpu += cpu_ms() - c1;
        t_imp += t1 - t0;
        t_ext += t2 - t1;
        t_max = t2 - t1 > t_max ? t2 - t1 : t_max;
        qsum += got.quality;
        score(&truth, &got, &s);
        if (save) {
            char path[512];
            snprintf(path, sizeof path, "%s/%04d.pgm", save, i);
            afis_image_save_pgm(path, &img);
        }
        afis_image_free(&img);
    }
    afis_synth_master_free(&m);
    int masters = (total + per - 1) / per;
    printf("impressions %d (%d masters 400 x 500, impressions 500 x 500 at 500 ppi; rotation ±30°, "
           "shift ±25 px, "
           "distortion 8 px, noise σ 4..20, pressure ±0.5)\n",
           total, masters);
    printf("time: master %.1f ms, impression %.1f ms, extraction %.1f ms mean (CPU %.1f ms) / "
           "%.1f ms max\n",
           t_master / masters, t_imp / total, t_ext / total, t_cpu / total, t_max);
    printf("truth minutiae %ld, extracted %ld (%.1f per print), finger quality mean %.1f\n",
           s.truth, s.extracted, (double)s.extracted / total, (double)qsum / total);
    printf("recall %.3f  precision %.3f  (within %d px and 30°)\n",
           s.truth ? (double)s.found / s.truth : 0, s.extracted ? (double)s.found / s.extracted : 0,
           DIST);
    printf("paired: mean position error %.2f px, mean angle error %.1f°, same type %.3f\n",
           s.found ? s.pos_err / s.found : 0, s.found ? s.ang_err / s.found * 180 / PI : 0,
           s.found ? (double)s.same_type / s.found : 0);
    return 0;
}
