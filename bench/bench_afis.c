/* AFIS benchmark: matcher accuracy (EER, FMR100, FMR1000, ZeroFMR, rank-1) on generated sets,
 * comparisons per second on one core and on all, and 1:N search time and index recall over a
 * large gallery (index recall and rank 1 per gallery size); optionally NIST NBIS beside it:
 * bozorth3 on the very same minutiae, or with --images mindtct + bozorth3 on the same images.
 *
 *   bench_afis [--calibrate] [--images]
 *
 * Environment:
 *   BENCH_AFIS_FINGERS   fingers (default 1000), each with BENCH_AFIS_IMPRESSIONS (8)
 *   BENCH_AFIS_GALLERY   fingers in the 1:N gallery (default 1,000,000; 0 skips); it is
 *                        searched at 10,000, 100,000, … on the way
 *   BENCH_AFIS_SEARCHES  mated 1:N searches per gallery size (default 50)
 *   BENCH_AFIS_SHORTLIST entries the index passes to the matcher (default 2000)
 *   AFIS_NBIS_BIN        directory holding mindtct and bozorth3, built by hand from NIST's
 *                        public NBIS source (never built here); skipped when unset
 *   BENCH_AFIS_NBIS_FINGERS  fingers for the NBIS comparison (default: all of the set)
 *   BENCH_AFIS_NBIS_IMPOSTORS  other fingers each NBIS probe is compared with (default: all;
 *                        fewer keeps bozorth3's time down on image sets, where mindtct finds
 *                        over 100 minutiae a print and bozorth3 does ~100 comparisons/s)
 *
 * Data: minutiae-level synthetic fingers (src/afis/minsynth.c), plain impressions for the
 * tenprint figures and latent-like partial impressions (a quarter of the area) for the
 * latent figures. Genuine pairs: every pair of a finger's impressions; impostor pairs: the
 * first impression of every finger against the second of every other. --calibrate prints the
 * impostor raw-score tail by overlap class, from which match.c's calibration is fitted.
 * --images: the sets are images instead (synth.c masters and impressions with pose ±30°, shift
 * ±25 px, distortion 8 px, noise σ 4..20, pressure ±0.4, 2 % damage, every other one a
 * partial print of 60..100 %), and one latent image per finger (a blob holding 12..25 of the
 * master's minutiae on a noisy background), extracted with afis_extract on all cores; no 1:N
 * part (with AFIS_NBIS_BIN, mindtct + bozorth3 on the very same images). The calibration is
 * fitted on these plain and latent impressions (`--images --calibrate`). */
#include "afis/afis.h"
#include "afis/afis_internal.h"
#include "afis/ansinist.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    if (!v || !*v) return def;
    char *end;
    long n = strtol(v, &end, 10);
    return *end || n < 0 ? def : n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct set {
    int fingers, imps;
    struct afis_template *t;
    struct afis_prepared *p;
};

static void make_set(struct set *s, int fingers, int imps, const struct afis_minsynth_params *par,
                     uint64_t seed0)
{
    s->fingers = fingers;
    s->imps = imps;
    s->t = malloc(sizeof *s->t * (size_t)fingers * (size_t)imps);
    s->p = malloc(sizeof *s->p * (size_t)fingers * (size_t)imps);
    struct afis_template m;
    for (int f = 0; f < fingers; f++) {
        afis_minsynth_master(seed0 + (uint64_t)f, &m);
        for (int i = 0; i < imps; i++) {
            size_t k = (size_t)f * (size_t)imps + (size_t)i;
            afis_minsynth_impression(&m, (seed0 + (uint64_t)f) * 1000 + (uint64_t)i, par, &s->t[k]);
            mcc_prepare(&s->t[k], &s->p[k]);
        }
    }
}

/* --- image sets: generated and extracted on all cores --- */
struct img_job {
    struct set *s;
    uint32_t seed0;
    int t, threads, latent;
};

/* Impression i of finger f (master seed ms) of the image sets. */
static int image_impression(const struct afis_synth_master *m, uint32_t ms, int f, int i,
                            struct afis_image *img)
{
    struct afis_impression_params p = {.max_shift = 25,
                                       .max_rotation = 0.52,
                                       .distortion = 8,
                                       .noise = 4 + (double)((f + 3 * i) % 5) * 4,
                                       .pressure = ((f + i) % 3 - 1) * 0.4,
                                       .damage = 0.02,
                                       .keep = i % 2 ? 0.6 + 0.1 * ((f + i) % 5) : 1};
    return afis_synth_impression(m, ms * 64 + (uint32_t)i, &p, img, NULL);
}

/* Latent impression i of finger f: a blob of 12..25 of the master's minutiae on a noisy
 * background, pose ±30°, shift ±25 px, distortion 8 px. */
static int latent_impression(const struct afis_synth_master *m, uint32_t ms, int f, int i,
                             struct afis_image *img)
{
    struct afis_impression_params p = {.max_shift = 25,
                                       .max_rotation = 0.52,
                                       .distortion = 8,
                                       .noise = 8 + (double)((f + i) % 3) * 4,
                                       .pressure = ((f + i) % 3 - 1) * 0.4,
                                       .damage = 0.02,
                                       .latent_min = 12,
                                       .latent_max = 25};
    return afis_synth_impression(m, ms * 64 + 32 + (uint32_t)i, &p, img, NULL);
}

typedef int (*image_fn)(const struct afis_synth_master *m, uint32_t ms, int f, int i,
                        struct afis_image *img);

static void *img_run(void *arg)
{
    struct img_job *j = arg;
    for (int f = j->t; f < j->s->fingers; f += j->threads) {
        struct afis_synth_master m;
        uint32_t ms = j->seed0 + (uint32_t)f;
        if (afis_synth_master(ms, NULL, &m)) abort();
        for (int i = 0; i < j->s->imps; i++) {
            size_t k = (size_t)f * (size_t)j->s->imps + (size_t)i;
            struct afis_image img;
            image_fn make = j->latent ? latent_impression : image_impression;
            if (make(&m, ms, f, i, &img) || afis_extract(&img, &j->s->t[k])) abort();
            afis_image_free(&img);
            mcc_prepare(&j->s->t[k], &j->s->p[k]);
        }
        afis_synth_master_free(&m);
    }
    return NULL;
}

static void make_image_set(struct set *s, int fingers, int imps, uint32_t seed0, int threads,
                           int latent)
{
    s->fingers = fingers;
    s->imps = imps;
    s->t = malloc(sizeof *s->t * (size_t)fingers * (size_t)imps);
    s->p = malloc(sizeof *s->p * (size_t)fingers * (size_t)imps);
    pthread_t th[64];
    struct img_job jobs[64];
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct img_job){s, seed0, t, threads, latent};
        pthread_create(&th[t], NULL, img_run, &jobs[t]);
    }
    for (int t = 0; t < threads; t++)
        pthread_join(th[t], NULL);
}

/* --- parallel comparison of index pairs --- */
struct cmp_job {
    const struct afis_prepared *a, *b; /* bases */
    const int (*pairs)[2];
    double *out;
    size_t lo, hi;
};

static void *cmp_run(void *arg)
{
    struct cmp_job *j = arg;
    for (size_t i = j->lo; i < j->hi; i++)
        j->out[i] = afis_match_prepared(&j->a[j->pairs[i][0]], &j->b[j->pairs[i][1]]);
    return NULL;
}

static double compare_all(const struct afis_prepared *a, const struct afis_prepared *b,
                          const int (*pairs)[2], size_t n, double *out, int threads)
{
    pthread_t th[64];
    struct cmp_job jobs[64];
    double t0 = now_s();
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct cmp_job){a,
                                   b,
                                   pairs,
                                   out,
                                   n * (size_t)t / (size_t)threads,
                                   n * (size_t)(t + 1) / (size_t)threads};
        pthread_create(&th[t], NULL, cmp_run, &jobs[t]);
    }
    for (int t = 0; t < threads; t++)
        pthread_join(th[t], NULL);
    return now_s() - t0;
}

struct rates {
    double eer, fnmr100, fnmr1000, fnmr0, thr100, thr1000;
};

static double fnmr_at(const double *gen, size_t ng, double thr)
{
    size_t below = 0;
    for (size_t i = 0; i < ng; i++)
        below += gen[i] < thr;
    return (double)below / (double)ng;
}

/* gen and imp sorted ascending. Threshold for FMR x: the score above which at most x of the
 * impostors lie (ties count against us). */
static void rates(const double *gen, size_t ng, const double *imp, size_t ni, struct rates *r)
{
    double t100 = imp[(size_t)((double)ni * 0.99)], t1000 = imp[(size_t)((double)ni * 0.999)];
    double tz = imp[ni - 1];
    r->thr100 = t100;
    r->thr1000 = t1000;
    r->fnmr100 = fnmr_at(gen, ng, nextafter(t100, 2));
    r->fnmr1000 = fnmr_at(gen, ng, nextafter(t1000, 2));
    r->fnmr0 = fnmr_at(gen, ng, nextafter(tz, 2));
    /* EER: sweep thresholds over the impostor scores */
    double best = 1;
    size_t gi = 0;
    for (size_t k = 0; k <= ni; k += (ni / 2000 ? ni / 2000 : 1)) {
        double thr = k < ni ? imp[k] : 2;
        while (gi < ng && gen[gi] < thr)
            gi++;
        double fnmr = (double)gi / (double)ng;
        size_t above = ni - k;
        double fmr = (double)above / (double)ni;
        double d = fabs(fnmr - fmr);
        if (d < best) {
            best = d;
            r->eer = (fnmr + fmr) / 2;
        }
    }
}

static void accuracy(const char *label, struct set *gal, struct set *probe, int threads,
                     int calibrate)
{
    int F = gal->fingers, I = probe->imps;
    /* genuine: gallery impression 0 of finger f against every probe impression of f (when
     * probe == gal, all pairs of impressions) */
    size_t ng = 0, cap = (size_t)F * (size_t)I * (size_t)I;
    int(*gp)[2] = malloc(cap * sizeof *gp);
    for (int f = 0; f < F; f++)
        for (int i = 0; i < (probe == gal ? I : 1); i++)
            for (int j = probe == gal ? i + 1 : 0; j < I; j++) {
                gp[ng][0] = f * gal->imps + i;
                gp[ng][1] = f * I + j;
                ng++;
            }
    size_t ni = (size_t)F * (size_t)(F - 1) / 2;
    int(*ip)[2] = malloc(ni * sizeof *ip);
    size_t k = 0;
    for (int f = 0; f < F; f++)
        for (int g = f + 1; g < F; g++) {
            ip[k][0] = f * gal->imps;
            ip[k][1] = g * I + (I > 1 ? 1 : 0);
            k++;
        }
    double *gs = malloc(ng * sizeof *gs), *is = malloc(ni * sizeof *is);
    compare_all(gal->p, probe->p, (const int(*)[2])gp, ng, gs, threads);
    double el = compare_all(gal->p, probe->p, (const int(*)[2])ip, ni, is, threads);
    if (calibrate) {
        /* raw impostor tail by overlap class */
        printf("calibration (%s): m class, impostors, raw q90, q99, q99.9, q99.99\n", label);
        enum { CL = 16 };
        struct afis_match_detail *d = malloc(sizeof *d);
        double *raw = malloc(ni * sizeof(double));
        /* BENCH_AFIS_CAL_DUMP=FILE: every impostor pair as "set raw overlap_small overlap_large
         * n_small n_large" (appended), for fitting other calibration models offline */
        const char *dump = getenv("BENCH_AFIS_CAL_DUMP");
        FILE *df = dump && *dump ? fopen(dump, "a") : NULL;
        int *mo = malloc(ni * sizeof *mo);
        for (size_t q = 0; q < ni; q++) {
            afis_match_detail(&gal->p[ip[q][0]], &probe->p[ip[q][1]], d);
            raw[q] = d->raw;
            mo[q] = d->overlap_a < d->overlap_b ? d->overlap_a : d->overlap_b;
            if (df) {
                /* the smaller template (the one the matcher drives) first */
                int na = gal->p[ip[q][0]].n, nb = probe->p[ip[q][1]].n, a_small = na < nb;
                fprintf(df, "%s %.4f %d %d %d %d\n", probe == gal ? "plain" : "latent", d->raw,
                        a_small ? d->overlap_a : d->overlap_b,
                        a_small ? d->overlap_b : d->overlap_a, a_small ? na : nb,
                        a_small ? nb : na);
            }
        }
        if (df) fclose(df);
        /* classes of m = min(minutiae of each side in the common area) */
        double *byc[CL];
        size_t nc[CL] = {0};
        for (int c = 0; c < CL; c++)
            byc[c] = malloc(ni * sizeof(double));
        for (size_t q = 0; q < ni; q++) {
            int c = mo[q] / 4 > CL - 1 ? CL - 1 : mo[q] / 4;
            byc[c][nc[c]++] = raw[q];
        }
        for (int c = 0; c < CL; c++) {
            if (nc[c] >= 1000) {
                qsort(byc[c], nc[c], sizeof(double), dcmp);
                printf("  m %2d..%3d %8zu  %.3f %.3f %.3f %.3f\n", c * 4,
                       c < CL - 1 ? c * 4 + 3 : 255, nc[c], byc[c][nc[c] * 90 / 100],
                       byc[c][nc[c] * 99 / 100], byc[c][nc[c] * 999 / 1000],
                       byc[c][nc[c] * 9999 / 10000]);
            }
            free(byc[c]);
        }
        free(raw);
        free(mo);
        free(d);
    }
    /* the calibration's promise: a threshold means the same false-match rate whatever the
     * number of minutiae; impostor shares over the 1/100 and 1/1000 thresholds by the smaller
     * template's minutiae count (printed below) */
    static const int lim[] = {25, 40, 60, 80, AFIS_MAX_MINUTIAE};
    enum { NC = sizeof lim / sizeof *lim };
    size_t cn[NC] = {0}, c2[NC] = {0}, c3[NC] = {0};
    for (size_t q = 0; q < ni; q++) {
        int na = gal->t[ip[q][0]].n, nb = probe->t[ip[q][1]].n, m = na < nb ? na : nb, c = 0;
        while (c < NC - 1 && m > lim[c])
            c++;
        cn[c]++;
        c2[c] += is[q] >= afis_threshold(2);
        c3[c] += is[q] >= afis_threshold(3);
    }
    qsort(gs, ng, sizeof *gs, dcmp);
    qsort(is, ni, sizeof *is, dcmp);
    struct rates r;
    rates(gs, ng, is, ni, &r);
    size_t over = 0;
    for (size_t q = 0; q < ni; q++)
        over += is[q] >= afis_threshold(3);
    printf("%s: %zu genuine, %zu impostor comparisons\n", label, ng, ni);
    printf("  EER %.2f %%   FNMR@FMR100 %.2f %%   FNMR@FMR1000 %.2f %%   FNMR@ZeroFMR %.2f %%\n",
           100 * r.eer, 100 * r.fnmr100, 100 * r.fnmr1000, 100 * r.fnmr0);
    printf("  thresholds: FMR100 %.3f, FMR1000 %.3f (calibrated 0.375 → observed FMR %.5f)\n",
           r.thr100, r.thr1000, (double)over / (double)ni);
    printf("  observed FMR by the smaller template's minutiae (nominal 1/100 at %.3f, 1/1000 at "
           "%.3f):\n   ",
           afis_threshold(2), afis_threshold(3));
    for (int c = 0; c < NC; c++)
        if (cn[c])
            printf(" %d..%d: %.4f / %.5f (%zu)", c ? lim[c - 1] + 1 : 0, lim[c],
                   (double)c2[c] / (double)cn[c], (double)c3[c] / (double)cn[c], cn[c]);
    printf("\n");
    printf("  impostor comparisons on %d threads: %.0f /s\n", threads, (double)ni / el);
    /* rank-1: probe impression (1 or the latent) against gallery impression 0 of all */
    int hits = 0;
    for (int f = 0; f < F; f++) {
        const struct afis_prepared *pr = &probe->p[f * I + (I > 1 ? 1 : 0)];
        double best = -1;
        int who = -1;
        for (int g = 0; g < F; g++) {
            double s = afis_match_prepared(pr, &gal->p[g * gal->imps]);
            if (s > best) {
                best = s;
                who = g;
            }
        }
        hits += who == f;
    }
    printf("  rank-1 identification (%d searches over %d fingers): %.2f %%\n", F, F,
           100.0 * hits / F);
    free(gp);
    free(ip);
    free(gs);
    free(is);
}

static void speed(struct set *s)
{
    size_t n = 200000;
    int(*pairs)[2] = malloc(n * sizeof *pairs);
    int N = s->fingers * s->imps;
    for (size_t i = 0; i < n; i++) {
        pairs[i][0] = (int)(i * 7919 % (size_t)N);
        pairs[i][1] = (int)(i * 104729 % (size_t)N);
    }
    double *out = malloc(n * sizeof *out);
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    double t1 = compare_all(s->p, s->p, (const int(*)[2])pairs, n, out, 1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double t2 = compare_all(s->p, s->p, (const int(*)[2])pairs, n, out, (int)cpus);
    printf("speed: %.0f comparisons/s per core of CPU time (%.0f/s wall on 1 thread), %.0f/s "
           "wall on %ld threads (prepared templates)\n",
           (double)n / cpu, (double)n / t1, (double)n / t2, cpus);
    double t0 = now_s();
    struct afis_prepared *p = malloc(sizeof *p);
    for (int i = 0; i < 20000; i++)
        mcc_prepare(&s->t[i % N], p);
    printf("       %.1f µs to prepare a template\n", (now_s() - t0) / 20000 * 1e6);
    free(p);
    free(pairs);
    free(out);
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Mated searches (plain and latent probes) over the first `gallery` fingers. */
static void one_to_n_at(struct afis_gallery *g, long gallery, int searches, size_t shortlist)
{
    struct afis_template *m = malloc(sizeof *m), *t = malloc(sizeof *t);
    struct afis_candidate *c = malloc(shortlist * sizeof *c);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char subject[AFIS_SUBJECT_MAX];
    for (int latent = 0; latent < 2; latent++) {
        double total = 0, worst = 0, idx = 0, mat = 0, cpu = 0;
        int listed = 0, top1 = 0, top10 = 0;
        size_t matched = 0;
        for (int q = 0; q < searches; q++) {
            long who = (long)q * (gallery / searches);
            afis_minsynth_master(5000000 + (uint64_t)who, m);
            afis_minsynth_impression(m, (uint64_t)who * 3 + 2,
                                     latent ? &afis_minsynth_latent : &afis_minsynth_plain, t);
            int n;
            struct afis_search_stats st;
            struct afis_search_opts o = {.threads = (int)cpus, .shortlist = shortlist};
            double s0 = now_s(), c0 = cpu_s();
            afis_gallery_search(g, t, 1, &o, c, (int)shortlist, &n, &st);
            double el = now_s() - s0;
            cpu += cpu_s() - c0;
            total += el;
            worst = el > worst ? el : worst;
            idx += st.ms_index;
            mat += st.ms_match;
            matched += st.matched;
            snprintf(subject, sizeof subject, "G-%08ld", who);
            for (int k = 0; k < n; k++)
                if (strcmp(c[k].subject, subject) == 0) {
                    listed++;
                    top10 += k < 10;
                    top1 += k == 0;
                    break;
                }
        }
        double la[3] = {0};
        if (getloadavg(la, 3) < 1) la[0] = -1;
        printf(
            "1:N %-6s %8ld fingers: mate among the %zu shortlisted %2d/%d, rank 1 %2d/%d, top 10 "
            "%2d/%d; CPU %.0f ms per search (both threads), wall mean %.0f ms (index %.0f, "
            "matcher %.0f), worst %.0f ms; load average %.1f\n",
            latent ? "latent" : "plain", gallery, matched / (size_t)searches, listed, searches,
            top1, searches, top10, searches, 1e3 * cpu / searches, 1e3 * total / searches,
            idx / searches, mat / searches, 1e3 * worst, la[0]);
    }
    free(c);
    free(m);
    free(t);
}

/* The 1:N gallery grows to 10,000, 100,000, … up to `gallery` fingers; mated searches at each
 * size. */
static void one_to_n(long gallery, int searches, size_t shortlist)
{
    struct afis_gallery *g;
    afis_gallery_create(&g);
    struct afis_template *m = malloc(sizeof *m), *t = malloc(sizeof *t);
    double t0 = now_s(), c0 = cpu_s();
    char subject[AFIS_SUBJECT_MAX];
    long next = gallery < 10000 ? gallery : 10000;
    for (long i = 0; i < gallery; i++) {
        afis_minsynth_master(5000000 + (uint64_t)i, m);
        afis_minsynth_impression(m, (uint64_t)i * 3 + 1, &afis_minsynth_plain, t);
        snprintf(subject, sizeof subject, "G-%08ld", i);
        if (afis_gallery_add(g, subject, t)) {
            printf("1:N gallery: adding finger %ld failed\n", i);
            break;
        }
        if (i + 1 == next || i + 1 == gallery) {
            printf("1:N gallery of %ld fingers built in %.1f s (%.1f s CPU)\n", i + 1, now_s() - t0,
                   cpu_s() - c0);
            one_to_n_at(g, i + 1, searches, shortlist);
            next = next * 10 < gallery ? next * 10 : gallery;
        }
    }
    afis_gallery_free(g);
    free(m);
    free(t);
}

/* Writes t as an .xyt file (x y theta quality; bozorth3's M1 convention with -m1). */
static int write_xyt(const char *path, const struct afis_template *t)
{
    FILE *x = fopen(path, "w");
    if (!x) return -1;
    for (int k = 0; k < t->n; k++)
        fprintf(x, "%d %d %d %d\n", t->m[k].x, t->m[k].y,
                (int)lround(t->m[k].angle * 180 / 3.141592653589793) % 360, t->m[k].quality);
    return fclose(x);
}

/* The peer's minutiae of one image: NIST mindtct on it, written as an ANSI/NIST transaction
 * with one Type-14 record (our own writer); mindtct leaves BASE.xyt. */
static int nbis_extract(const char *bin, const char *base, const struct afis_image *img)
{
    int fgp = 1;
    struct ansinist_spec spec = {.tot = "CAR",
                                 .dai = "BENCH",
                                 .ori = "BENCH",
                                 .tcn = "1",
                                 .images = img,
                                 .image_fgp = &fgp,
                                 .nimages = 1};
    uint8_t *buf;
    size_t len;
    if (ansinist_write(&spec, &buf, &len)) return -1;
    char path[600], cmd[1536];
    snprintf(path, sizeof path, "%s.an2", base);
    FILE *o = fopen(path, "wb");
    if (!o) {
        free(buf);
        return -1;
    }
    size_t w = fwrite(buf, 1, len, o);
    free(buf);
    if (fclose(o) || w != len) return -1;
    snprintf(cmd, sizeof cmd, "%s/mindtct -m1 %s %s >/dev/null 2>&1", bin, path, base);
    int rc = system(cmd);
    /* keep only the .xyt (the image and mindtct's other maps are large) */
    static const char *const ext[] = {".an2", ".brw", ".dm", ".hcm", ".lcm", ".lfm", ".min", ".qm"};
    for (size_t k = 0; k < sizeof ext / sizeof *ext; k++) {
        snprintf(path, sizeof path, "%s%s", base, ext[k]);
        (void)unlink(path);
    }
    return rc;
}

/* A set's minutiae as the peer sees them: prefix "p" or "l", DIR/P%04d_%d.xyt per impression;
 * written from our templates (minutiae-level sets) or by mindtct from the same images. */
struct nbis_files {
    const char *bin, *dir;
    const struct set *s;
    char prefix;
    int fingers;
    uint32_t image_seed0; /* 0: minutiae-level set */
    image_fn image;
    int t, threads, failed;
};

static void *nbis_files_run(void *arg)
{
    struct nbis_files *j = arg;
    char base[512];
    for (int f = j->t; f < j->fingers; f += j->threads) {
        struct afis_synth_master m;
        uint32_t ms = j->image_seed0 + (uint32_t)f;
        if (j->image_seed0 && afis_synth_master(ms, NULL, &m)) {
            j->failed += j->s->imps;
            continue;
        }
        for (int i = 0; i < j->s->imps; i++) {
            snprintf(base, sizeof base, "%s/%c%04d_%d", j->dir, j->prefix, f, i);
            if (!j->image_seed0) {
                char path[600];
                snprintf(path, sizeof path, "%s.xyt", base);
                j->failed += write_xyt(path, &j->s->t[f * j->s->imps + i]) != 0;
                continue;
            }
            struct afis_image img;
            if (j->image(&m, ms, f, i, &img)) {
                j->failed++;
                continue;
            }
            j->failed += nbis_extract(j->bin, base, &img) != 0;
            afis_image_free(&img);
        }
        if (j->image_seed0) afis_synth_master_free(&m);
    }
    return NULL;
}

static int nbis_make_files(const char *bin, const char *dir, const struct set *s, char prefix,
                           int fingers, uint32_t image_seed0, image_fn image, int threads)
{
    pthread_t th[64];
    struct nbis_files jobs[64];
    for (int t = 0; t < threads; t++) {
        jobs[t] =
            (struct nbis_files){bin, dir, s, prefix, fingers, image_seed0, image, t, threads, 0};
        pthread_create(&th[t], NULL, nbis_files_run, &jobs[t]);
    }
    int failed = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        failed += jobs[t].failed;
    }
    return failed;
}

/* bozorth3 -M over the pairs (probe impression, gallery impression), in lists of at most
 * NBIS_CHUNK pairs (bozorth3 allocates its whole list size up front: ~2.6 kB a line) run by
 * `threads` processes at a time; scores into out. */
struct nbis_pair {
    int pf, pi, gf, gi;
};
#define NBIS_CHUNK 20000

static int bozorth_pairs(const char *bin, const char *dir, char pprefix,
                         const struct nbis_pair *pairs, size_t n, int threads, double *out)
{
    char path[512], cmd[2048];
    size_t chunks = (n + NBIS_CHUNK - 1) / NBIS_CHUNK;
    for (size_t c = 0; c < chunks; c++) {
        snprintf(path, sizeof path, "%s/mates_%c%06zu.lis", dir, pprefix, c);
        FILE *m = fopen(path, "w");
        if (!m) return -1;
        for (size_t k = c * NBIS_CHUNK; k < n && k < (c + 1) * NBIS_CHUNK; k++)
            fprintf(m, "%s/%c%04d_%d.xyt\n%s/p%04d_%d.xyt\n", dir, pprefix, pairs[k].pf,
                    pairs[k].pi, dir, pairs[k].gf, pairs[k].gi);
        if (fclose(m)) return -1;
    }
    snprintf(cmd, sizeof cmd,
             "cd %s && ls mates_%c*.lis | xargs -P %d -I{} %s/bozorth3 -m1 -A maxfiles=%d "
             "-A outfmt=s -M {} -o {}.out 2>/dev/null",
             dir, pprefix, threads, bin, 2 * NBIS_CHUNK);
    if (system(cmd)) return -1;
    size_t k = 0;
    for (size_t c = 0; c < chunks; c++) {
        size_t hi = (c + 1) * NBIS_CHUNK < n ? (c + 1) * NBIS_CHUNK : n;
        snprintf(path, sizeof path, "%s/mates_%c%06zu.lis.out", dir, pprefix, c);
        FILE *s = fopen(path, "r");
        if (!s) return -1;
        int sc;
        while (k < hi && fscanf(s, "%d", &sc) == 1)
            out[k++] = sc;
        fclose(s);
        if (k != hi) return -1;
    }
    return 0;
}

/* Mean minutiae per file of a set's peer files (DIR/P%04d_%d.xyt) and per template of ours. */
static void minutiae_counts(const char *dir, char prefix, const struct set *s, int fingers)
{
    char path[512], line[256];
    double peer = 0, ours = 0;
    for (int f = 0; f < fingers; f++)
        for (int i = 0; i < s->imps; i++) {
            snprintf(path, sizeof path, "%s/%c%04d_%d.xyt", dir, prefix, f, i);
            FILE *x = fopen(path, "r");
            while (x && fgets(line, sizeof line, x))
                peer++;
            if (x) fclose(x);
            ours += s->t[f * s->imps + i].n;
        }
    double n = (double)fingers * s->imps;
    printf("  minutiae per template: NBIS %.1f, keitsu %.1f\n", peer / n, ours / n);
}

static void print_rates(const char *who, double *gen, size_t ng, double *imp, size_t ni, int top1,
                        int searches)
{
    qsort(gen, ng, sizeof *gen, dcmp);
    qsort(imp, ni, sizeof *imp, dcmp);
    struct rates r;
    rates(gen, ng, imp, ni, &r);
    printf("  %-9s EER %.3f %%   FNMR@FMR100 %.2f %%   FNMR@FMR1000 %.2f %%   FNMR@ZeroFMR "
           "%.2f %%   rank-1 %.1f %%\n",
           who, 100 * r.eer, 100 * r.fnmr100, 100 * r.fnmr1000, 100 * r.fnmr0,
           100.0 * top1 / searches);
}

/* NIST NBIS beside our matcher on the very same pairs of the first `fingers` fingers.
 * Genuine: every pair of a finger's impressions (gal == probe: probe impression j against
 * gallery impression i < j; a latent set: every latent against every plain impression).
 * Impostor and rank-1: the probe impression (plain: 1, latent: 0) of every finger against
 * impression 0 of every other finger. Minutiae-level sets: bozorth3 on our minutiae; image
 * sets (image_seed0 > 0): mindtct on the same images, then bozorth3, against our afis_extract
 * templates of those images. The gallery's files are made once (made = 1 after). */
static void nbis(const char *bin, const char *dir, const char *label, const struct set *gal,
                 const struct set *probe, int fingers, uint32_t image_seed0, image_fn pimage,
                 int *made, int threads)
{
    if (fingers > gal->fingers) fingers = gal->fingers;
    int same = probe == gal, pimp = same ? 1 : 0;
    if (gal->imps < 2) return;
    double t0 = now_s();
    int failed = 0;
    if (!*made)
        failed +=
            nbis_make_files(bin, dir, gal, 'p', fingers, image_seed0, image_impression, threads);
    *made = 1;
    if (!same)
        failed += nbis_make_files(bin, dir, probe, 'l', fingers, image_seed0, pimage, threads);
    double ext = now_s() - t0;
    if (failed) printf("NBIS: %d minutiae files could not be made\n", failed);
    /* each probe against its own finger and the next `cols - 1` fingers (all by default) */
    int cols = (int)env_long("BENCH_AFIS_NBIS_IMPOSTORS", fingers - 1) + 1;
    if (cols > fingers) cols = fingers;
    size_t ng = 0, nn = (size_t)fingers * (size_t)cols;
    size_t cap = nn + (size_t)fingers * (size_t)gal->imps * (size_t)gal->imps;
    struct nbis_pair *pairs = malloc(cap * sizeof *pairs);
    /* the rows first (row = probe finger, column k = gallery finger f + k, k = 0 the mate),
     * then the other genuine pairs */
    for (int f = 0; f < fingers; f++)
        for (int k = 0; k < cols; k++)
            pairs[(size_t)f * cols + k] = (struct nbis_pair){f, pimp, (f + k) % fingers, 0};
    size_t n = nn;
    for (int f = 0; f < fingers; f++)
        for (int j = 0; j < probe->imps; j++)
            for (int i = 0; i < (same ? j : gal->imps); i++)
                if (!(j == pimp && i == 0)) pairs[n++] = (struct nbis_pair){f, j, f, i};
    double *bz = malloc(n * sizeof *bz), *ours = malloc(n * sizeof *ours);
    double b0 = now_s();
    if (bozorth_pairs(bin, dir, same ? 'p' : 'l', pairs, n, threads, bz)) {
        printf("NBIS: bozorth3 failed (%s)\n", label);
        free(pairs), free(bz), free(ours);
        return;
    }
    double bel = now_s() - b0;
    int(*ix)[2] = malloc(n * sizeof *ix);
    for (size_t k = 0; k < n; k++) {
        ix[k][0] = pairs[k].pf * probe->imps + pairs[k].pi;
        ix[k][1] = pairs[k].gf * gal->imps + pairs[k].gi;
    }
    double oel = compare_all(probe->p, gal->p, (const int(*)[2])ix, n, ours, threads);
    ng = (size_t)fingers + (n - nn);
    size_t ni = nn - (size_t)fingers;
    printf("NIST NBIS (%s) beside keitsu, %s, %d fingers: %zu genuine, %zu impostor pairs, %d "
           "rank-1 searches over %d\n",
           bin,
           image_seed0 ? "mindtct + bozorth3 on the same images" : "bozorth3 on the same minutiae",
           fingers, ng, ni, fingers, cols);
    printf("  set: %s\n", label);
    if (image_seed0)
        printf("  mindtct: %.0f ms wall per image on %d threads (a process each, incl. writing)\n",
               1e3 * ext / ((double)fingers * (same ? gal->imps : probe->imps)), threads);
    minutiae_counts(dir, same ? 'p' : 'l', probe, fingers);
    printf("  comparisons/s on %d threads: bozorth3 %.0f (-M, files read per pair), keitsu %.0f\n",
           threads, (double)n / bel, (double)n / oel);
    double *gen = malloc(ng * sizeof *gen), *imp = malloc(ni * sizeof *imp);
    for (int who = 0; who < 2; who++) {
        const double *sc = who ? ours : bz;
        size_t gi = 0, ii = 0;
        int top1 = 0;
        for (int f = 0; f < fingers; f++) {
            const double *row = sc + (size_t)f * cols;
            int best = 0;
            gen[gi++] = row[0];
            for (int k = 1; k < cols; k++) {
                imp[ii++] = row[k];
                if (row[k] >= row[best]) best = k; /* ties count against the mate */
            }
            top1 += best == 0;
        }
        for (size_t k = nn; k < n; k++)
            gen[gi++] = sc[k];
        print_rates(who ? "keitsu" : "bozorth3", gen, ng, imp, ni, top1, fingers);
    }
    free(gen), free(imp), free(ix), free(pairs), free(bz), free(ours);
}

static void nbis_all(const char *bin, const char *label, const char *llabel,
                     const struct set *plain, const struct set *latent, uint32_t image_seed0,
                     int threads)
{
    char dir[] = "/tmp/afis-nbis-XXXXXX", cmd[256];
    if (!mkdtemp(dir)) return;
    int fingers = (int)env_long("BENCH_AFIS_NBIS_FINGERS", plain->fingers), made = 0;
    nbis(bin, dir, label, plain, plain, fingers, image_seed0, image_impression, &made, threads);
    if (latent)
        nbis(bin, dir, llabel, plain, latent, fingers, image_seed0, latent_impression, &made,
             threads);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    int calibrate = 0, images = 0;
    setvbuf(stdout, NULL, _IOLBF, 0); /* figures appear as they are made, also in a file */
    for (int a = 1; a < argc; a++) {
        calibrate |= strcmp(argv[a], "--calibrate") == 0;
        images |= strcmp(argv[a], "--images") == 0;
    }
    int F = (int)env_long("BENCH_AFIS_FINGERS", 1000),
        I = (int)env_long("BENCH_AFIS_IMPRESSIONS", 8);
    long G = env_long("BENCH_AFIS_GALLERY", 1000000);
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads > 64) threads = 64;
    if (images) {
        printf("AFIS benchmark: %d fingers × %d impressions (images: synth.c + afis_extract), %d "
               "cores\n",
               F, I, threads);
        struct set im;
        double t0 = now_s();
        make_image_set(&im, F, I, 70000, threads, 0);
        printf("  generated and extracted in %.0f s\n", now_s() - t0);
        accuracy("images plain × plain", &im, &im, threads, calibrate);
        struct set lat;
        t0 = now_s();
        make_image_set(&lat, F, 1, 70000, threads, 1);
        double lm = 0;
        for (int f = 0; f < F; f++)
            lm += lat.t[f].n;
        printf("  latent images (12..25 minutiae of the master each) generated and extracted in "
               "%.0f s, %.1f minutiae each\n",
               now_s() - t0, lm / F);
        accuracy("images latent × plain", &im, &lat, threads, calibrate);
        if (calibrate) return 0;
        speed(&im);
        const char *nb = getenv("AFIS_NBIS_BIN");
        if (nb && *nb)
            nbis_all(nb, "image plain impressions", "image latents × plain impressions", &im, &lat,
                     70000, threads);
        return 0;
    }
    printf("AFIS benchmark: %d fingers × %d impressions (minutiae-level synthetic), %d cores\n", F,
           I, threads);
    struct set plain, latent;
    make_set(&plain, F, I, &afis_minsynth_plain, 1);
    accuracy("plain × plain", &plain, &plain, threads, calibrate);
    make_set(&latent, F, 2, &afis_minsynth_latent, 1);
    accuracy("latent × plain", &plain, &latent, threads, calibrate);
    if (calibrate) return 0;
    speed(&plain);
    const char *nb = getenv("AFIS_NBIS_BIN");
    if (nb && *nb)
        nbis_all(nb, "minutiae-level plain", "minutiae-level latents × plain", &plain, &latent, 0,
                 threads);
    if (G > 0)
        one_to_n(G, (int)env_long("BENCH_AFIS_SEARCHES", 50),
                 (size_t)env_long("BENCH_AFIS_SHORTLIST", 2000));
    return 0;
}
