/* The Gabor filter bank: even-symmetric Gabor kernels tuned to a ridge orientation and period
 * (Hong, Wan & Jain 1998), used to enhance prints and to grow synthetic ridges. The bank is
 * built once per process (pthread_once) and read-only afterwards, so filtering is reentrant. */
#include "afis/pipeline.h"
#include "base/err.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SIDE (2 * GABOR_R + 1)
#define ROW 16 /* each kernel row padded to 16 floats so the inner loop vectorises */
#define KERNEL (SIDE * ROW)

static float bank[GABOR_ORIENTS * GABOR_PERIODS][KERNEL];
static pthread_once_t bank_once = PTHREAD_ONCE_INIT;

static void bank_build(void)
{
    for (int o = 0; o < GABOR_ORIENTS; o++)
        for (int p = 0; p < GABOR_PERIODS; p++) {
            double th = AFIS_PI * o / GABOR_ORIENTS, period = 4.0 + 0.5 * p;
            double s_across = 0.42 * period, s_along = 0.6 * period;
            if (s_along > GABOR_R / 1.3) s_along = GABOR_R / 1.3;
            if (s_across > GABOR_R / 1.6) s_across = GABOR_R / 1.6;
            double env[SIDE][SIDE], wave[SIDE][SIDE], se = 0, sw = 0;
            for (int y = -GABOR_R; y <= GABOR_R; y++)
                for (int x = -GABOR_R; x <= GABOR_R; x++) {
                    double u = x * cos(th) + y * sin(th), v = -x * sin(th) + y * cos(th);
                    double e =
                        exp(-0.5 * (u * u / (s_along * s_along) + v * v / (s_across * s_across)));
                    double c = cos(2 * AFIS_PI * v / period);
                    env[y + GABOR_R][x + GABOR_R] = e;
                    wave[y + GABOR_R][x + GABOR_R] = c;
                    se += e;
                    sw += e * c;
                }
            /* No response to flat gray; unit response to a matched sinusoid. */
            double dc = sw / se, gain = 0;
            for (int y = 0; y < SIDE; y++)
                for (int x = 0; x < SIDE; x++)
                    gain += env[y][x] * (wave[y][x] - dc) * wave[y][x];
            float *k = bank[o * GABOR_PERIODS + p];
            memset(k, 0, sizeof bank[0]);
            for (int y = 0; y < SIDE; y++)
                for (int x = 0; x < SIDE; x++)
                    k[y * ROW + x] = (float)(env[y][x] * (wave[y][x] - dc) / gain);
        }
}

uint16_t gabor_index(double orient, double period)
{
    double o = fmod(orient, AFIS_PI);
    if (o < 0) o += AFIS_PI;
    int oi = (int)lround(o / AFIS_PI * GABOR_ORIENTS) % GABOR_ORIENTS;
    if (!(period >= 4)) period = 4;
    if (period > 16) period = 16;
    int pi = (int)lround((period - 4.0) * 2);
    return (uint16_t)(oi * GABOR_PERIODS + pi);
}

int gabor_filter(const float *src, float *dst, int w, int h, const uint16_t *kid,
                 const uint8_t *mask)
{
    pthread_once(&bank_once, bank_build);
    /* A zero frame of R pixels (R + ROW - SIDE on the right) spares the loop bounds checks. */
    int pw = w + GABOR_R + (ROW - GABOR_R), ph = h + 2 * GABOR_R;
    float *pad = calloc((size_t)pw * (size_t)ph, sizeof *pad);
    if (!pad) return kt_fail(KT_ENOMEM, "afis: out of memory for the Gabor filter");
    for (int y = 0; y < h; y++)
        memcpy(pad + (size_t)(y + GABOR_R) * pw + GABOR_R, src + (size_t)y * w, w * sizeof *src);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (mask && !mask[i]) {
                dst[i] = 0;
                continue;
            }
            const float *k = bank[kid[i]];
            const float *s = pad + (size_t)y * pw + x;
            float acc[ROW] = {0};
            for (int r = 0; r < SIDE; r++, k += ROW, s += pw)
                for (int c = 0; c < ROW; c++)
                    acc[c] += k[c] * s[c];
            float sum = 0;
            for (int c = 0; c < ROW; c++)
                sum += acc[c];
            dst[i] = sum;
        }
    free(pad);
    return 0;
}
