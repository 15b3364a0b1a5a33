/* The matcher on minutiae extracted from images (generator → extractor → matcher), the way
 * real prints reach it: different fingers must stay under the FMR 1/1000 threshold and
 * impressions of one finger above it. Realistic minutiae density (60–70 per plain print,
 * directions following the ridge flow) once let unrelated fingers pair 20–50 minutiae by
 * chance and score 1.0; the minutiae-level sets (minsynth.c) did not show it. Fewer fingers
 * under AddressSanitizer, which is about ten times slower. */
#include "afis/afis.h"
#include "tap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define FINGERS (SANITIZED ? 6 : 24)
#define IMPS 2
#define THREADS 2

static struct afis_template tpl[FINGERS][IMPS];
static int failed;

/* Plain impressions with the usual capture variation: pose, skin distortion, pressure, noise,
 * a little damage, every other one a partial print. */
static void *make(void *arg)
{
    for (int f = (int)(size_t)arg; f < FINGERS; f += THREADS) {
        struct afis_synth_master m;
        if (afis_synth_master(9000 + (uint32_t)f, NULL, &m)) {
            failed = 1;
            return NULL;
        }
        for (int i = 0; i < IMPS; i++) {
            uint32_t seed = (9000 + (uint32_t)f) * 16 + (uint32_t)i;
            struct afis_impression_params p = {.max_shift = 25,
                                               .max_rotation = 0.52,
                                               .distortion = 8,
                                               .noise = 4 + (f + i) % 4 * 5,
                                               .pressure = (f % 3 - 1) * 0.4,
                                               .damage = 0.02,
                                               .keep = (f + i) % 2 ? 0.7 : 1};
            struct afis_image img;
            if (afis_synth_impression(&m, seed, &p, &img, NULL) || afis_extract(&img, &tpl[f][i]))
                failed = 1;
            afis_image_free(&img);
        }
        afis_synth_master_free(&m);
    }
    return NULL;
}

int main(void)
{
    pthread_t th[THREADS];
    for (size_t t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, make, (void *)t);
    for (size_t t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    CHECK(!failed, "%d fingers × %d impressions generated and extracted", FINGERS, IMPS);
    double thr = afis_threshold(3), worst = 0;
    int high = 0, n = 0, wf = 0, wg = 0;
    for (int f = 0; f < FINGERS; f++)
        for (int g = f + 1; g < FINGERS; g++)
            for (int i = 0; i < IMPS; i++)
                for (int j = 0; j < IMPS; j++) {
                    double s = afis_match(&tpl[f][i], &tpl[g][j]);
                    high += s >= thr;
                    n++;
                    if (s > worst) worst = s, wf = f, wg = g;
                }
    printf("# impostors: highest %.3f (fingers %d and %d)\n", worst, wf, wg);
    CHECK(high == 0, "impostor pairs at or above %.3f: %d/%d", thr, high, n);
    int mates = 0;
    double low = 1;
    for (int f = 0; f < FINGERS; f++) {
        double s = afis_match(&tpl[f][0], &tpl[f][1]);
        mates += s >= thr;
        if (s < low) low = s;
    }
    printf("# genuine: lowest %.3f\n", low);
    CHECK(mates * 10 >= FINGERS * 9, "genuine pairs at or above %.3f: %d/%d", thr, mates, FINGERS);
    return tap_done();
}
