/* keitsu afis: fingerprints offline — extract, match, search a directory of templates, and
 * generate synthetic prints. Inputs are ISO/IEC 19794-2 or ANSI/INCITS 378 templates or
 * PGM/PNG images (extracted with afis_extract). */
#include "afis/afis.h"
#include "base/err.h"
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE (4 * 1024 * 1024)

/* A template file, or an image (which needs the extractor). */
static int load_template(const char *path, struct afis_template *t)
{
    uint8_t *b = NULL;
    size_t n = 0;
    int rc = cli_read_file(path, MAX_FILE, &b, &n);
    if (rc) return rc;
    if (n >= 8 && memcmp(b, "FMR\0", 4) == 0) {
        rc = afis_template_read(b, n, 0, t);
        free(b);
        if (rc) return kt_fail(rc, "%s: %s", path, kt_errmsg());
        return 0;
    }
    struct afis_image img;
    rc = afis_image_read(b, n, &img);
    free(b);
    if (rc)
        return kt_fail(rc, "%s is neither an ISO/ANSI template nor a PGM/PNG image: %s", path,
                       kt_errmsg());
    rc = afis_extract(&img, t);
    afis_image_free(&img);
    if (rc) return kt_fail(rc, "%s: %s", path, kt_errmsg());
    return 0;
}

static int cmd_match(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: keitsu afis match A B\n");
        return 2;
    }
    struct afis_template *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    struct afis_prepared *pa = NULL, *pb = NULL;
    struct afis_match_detail *d = malloc(sizeof *d);
    int rc = !a || !b || !d ? KT_ENOMEM : 0;
    if (!rc && !(rc = load_template(argv[1], a)) && !(rc = load_template(argv[2], b)) &&
        !(rc = afis_prepare(a, &pa)) && !(rc = afis_prepare(b, &pb))) {
        double s = afis_match_detail(pa, pb, d);
        printf("%.3f\n", s);
        fprintf(stderr,
                "score %.3f (FMR about 1e-%.1f; 0.375 = 1/1000), %d minutiae paired, "
                "%d/%d in the common area\n",
                s, s * AFIS_SCORE_DECADES, d->paired, d->overlap_a, d->overlap_b);
    }
    afis_prepared_free(pa);
    afis_prepared_free(pb);
    free(a);
    free(b);
    free(d);
    return rc ? cli_fail(rc) : 0;
}

static int cmd_extract(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: keitsu afis extract IMAGE OUT.iso\n");
        return 2;
    }
    struct afis_template *t = malloc(sizeof *t);
    int rc = t ? load_template(argv[1], t) : KT_ENOMEM;
    if (!rc) { /* an image is extracted; a template is converted to ISO */
        uint8_t *b;
        size_t n;
        if (!(rc = afis_template_write(t, AFIS_ISO_19794_2, &b, &n))) {
            FILE *f = fopen(argv[2], "wb");
            if (!f || fwrite(b, 1, n, f) != n) rc = kt_fail(KT_EIO, "cannot write %s", argv[2]);
            if (f && fclose(f)) rc = kt_fail(KT_EIO, "cannot write %s", argv[2]);
            free(b);
        }
    }
    free(t);
    return rc ? cli_fail(rc) : 0;
}

static int cmd_search(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: keitsu afis search PROBE GALLERY-TEMPLATE...\n");
        return 2;
    }
    struct afis_template *t = malloc(sizeof *t), *p = malloc(sizeof *p);
    struct afis_gallery *g = NULL;
    int rc = !t || !p ? KT_ENOMEM : afis_gallery_create(&g);
    if (!rc) rc = load_template(argv[1], p);
    for (int i = 2; !rc && i < argc; i++) {
        const char *name = strrchr(argv[i], '/');
        name = name ? name + 1 : argv[i];
        char subject[AFIS_SUBJECT_MAX];
        snprintf(subject, sizeof subject, "%s", name);
        if (!(rc = load_template(argv[i], t))) rc = afis_gallery_add(g, subject, t);
    }
    struct afis_candidate c[10];
    int n = 0;
    struct afis_search_stats st;
    if (!rc) rc = afis_gallery_search(g, p, 1, NULL, c, 10, &n, &st);
    for (int i = 0; !rc && i < n; i++)
        printf("%2d  %.3f  %s%s\n", i + 1, c[i].score, c[i].subject,
               c[i].score >= afis_threshold(3) ? "  hit" : "");
    if (!rc)
        fprintf(stderr, "%zu gallery fingers, %zu compared, %.1f ms\n", st.entries, st.matched,
                st.ms_index + st.ms_match);
    afis_gallery_free(g);
    free(t);
    free(p);
    return rc ? cli_fail(rc) : 0;
}

/* Images from the ridge-pattern generator (synth.c): DIR/fNNNNNN_II.pgm. */
static int synth_images(const char *dir, long fingers, long imps, long seed, int latent)
{
    const struct afis_impression_params plain = {
        .max_shift = 20, .max_rotation = 0.35, .distortion = 6, .noise = 12, .keep = 1};
    const struct afis_impression_params lat = {.max_shift = 20,
                                               .max_rotation = 0.8,
                                               .distortion = 8,
                                               .noise = 25,
                                               .keep = 1,
                                               .latent_min = 12,
                                               .latent_max = 25};
    int rc = 0;
    for (long f = 0; !rc && f < fingers; f++) {
        struct afis_synth_master m;
        if ((rc = afis_synth_master((uint32_t)(seed * 1000003 + f), NULL, &m))) break;
        for (long i = 0; !rc && i < imps; i++) {
            struct afis_image img;
            rc = afis_synth_impression(&m, (uint32_t)((seed * 1000003 + f) * 1000 + i),
                                       latent && i > 0 ? &lat : &plain, &img, NULL);
            if (rc) break;
            char path[1200];
            snprintf(path, sizeof path, "%s/f%06ld_%02ld.pgm", dir, f, i);
            rc = afis_image_save_pgm(path, &img);
            afis_image_free(&img);
        }
        afis_synth_master_free(&m);
    }
    if (!rc)
        printf("%ld fingers × %ld impressions written to %s (synthetic images, 500 ppi PGM)\n",
               fingers, imps, dir);
    return rc ? cli_fail(rc) : 0;
}

static int cmd_synth(int argc, char **argv)
{
    const char *dir = NULL;
    long fingers = 10, imps = 2, seed = 1;
    int latent = 0, images = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (strcmp(argv[i], "--latent") == 0)
            latent = 1;
        else if (strcmp(argv[i], "--images") == 0)
            images = 1;
        else if (v && strcmp(argv[i], "--fingers") == 0)
            fingers = strtol(v, &end, 10), i++;
        else if (v && strcmp(argv[i], "--impressions") == 0)
            imps = strtol(v, &end, 10), i++;
        else if (v && strcmp(argv[i], "--seed") == 0)
            seed = strtol(v, &end, 10), i++;
        else if (!dir && argv[i][0] != '-')
            dir = argv[i];
        else {
            fprintf(stderr, "keitsu afis synth: unknown option %s\n", argv[i]);
            return 2;
        }
        if (end && *end) {
            fprintf(stderr, "keitsu afis synth: %s needs a number\n", argv[i - 1]);
            return 2;
        }
    }
    if (!dir || fingers < 1 || fingers > 1000000 || imps < 1 || imps > 100) {
        fprintf(stderr, "usage: keitsu afis synth OUTDIR [--fingers N] [--impressions N] "
                        "[--latent] [--images] [--seed S]\n");
        return 2;
    }
    mkdir(dir, 0755);
    if (images) return synth_images(dir, fingers, imps, seed, latent);
    struct afis_template *m = malloc(sizeof *m), *t = malloc(sizeof *t);
    int rc = !m || !t ? KT_ENOMEM : 0;
    for (long f = 0; !rc && f < fingers; f++) {
        afis_minsynth_master((uint64_t)(seed * 1000003 + f), m);
        for (long i = 0; !rc && i < imps; i++) {
            afis_minsynth_impression(m, (uint64_t)((seed * 1000003 + f) * 1000 + i),
                                     latent && i > 0 ? &afis_minsynth_latent : &afis_minsynth_plain,
                                     t);
            t->finger = (int)(f % 10) + 1;
            uint8_t *b;
            size_t n;
            char path[1200];
            snprintf(path, sizeof path, "%s/f%06ld_%02ld.iso", dir, f, i);
            if ((rc = afis_template_write(t, AFIS_ISO_19794_2, &b, &n))) break;
            FILE *o = fopen(path, "wb");
            if (!o || fwrite(b, 1, n, o) != n) rc = kt_fail(KT_EIO, "cannot write %s", path);
            if (o && fclose(o)) rc = kt_fail(KT_EIO, "cannot write %s", path);
            free(b);
        }
    }
    free(m);
    free(t);
    if (!rc)
        printf("%ld fingers × %ld impressions written to %s (minutiae-level synthetic, ISO "
               "19794-2)\n",
               fingers, imps, dir);
    return rc ? cli_fail(rc) : 0;
}

int cmd_afis(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "match") == 0) return cmd_match(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "extract") == 0) return cmd_extract(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "search") == 0) return cmd_search(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "synth") == 0) return cmd_synth(argc - 1, argv + 1);
    fprintf(stderr, "usage: keitsu afis (extract IMAGE OUT.iso | match A B | search PROBE "
                    "GALLERY... | synth OUTDIR [options])\n");
    return 2;
}
