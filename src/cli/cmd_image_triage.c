/* keitsu image carve|triage|search|yara: carving and triage of an evidence image, offline.
 * The image is only read; what is found goes to the --out directory or file. */
#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"
#include "forensics/carve.h"
#include "forensics/fs.h"
#include "forensics/hashset.h"
#include "forensics/image.h"
#include "forensics/keyword.h"
#include "forensics/triage.h"
#include "forensics/yara.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int usage(void)
{
    fputs("usage: keitsu image carve IMAGE --out DIR [--types jpg,png,...] [--unalloc --offset S]\n"
          "                          [--sector-aligned|--any-offset]\n"
          "       keitsu image triage IMAGE [--offset S] [--nsrl NSRL.db] [--hashes LIST.txt]\n"
          "                          --out hits.json\n"
          "       keitsu image search IMAGE --keyword WORD [--keyword WORD ...] [--offset S]\n"
          "                          [--ignore-case] [--raw] [--out hits.json]\n"
          "       keitsu image yara IMAGE --rules RULES.yar [--offset S] [--out hits.json]\n",
          stderr);
    return 2;
}

#define MAX_KEYWORDS 64

struct targs {
    const char *image, *out, *types, *nsrl, *hashes, *rules;
    const char *keywords[MAX_KEYWORDS];
    size_t nkeywords;
    unsigned long long offset;
    int have_offset, unalloc, any_offset, raw, ignore_case;
};

static int parse_ull(const char *opt, const char *s, unsigned long long *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 10);
    if (errno || *end || end == s || *s == '-') {
        fprintf(stderr, "keitsu: %s: '%s' is not a number\n", opt, s);
        return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, struct targs *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char **val = NULL;
        if (strcmp(o, "--out") == 0)
            val = &a->out;
        else if (strcmp(o, "--types") == 0)
            val = &a->types;
        else if (strcmp(o, "--nsrl") == 0)
            val = &a->nsrl;
        else if (strcmp(o, "--hashes") == 0)
            val = &a->hashes;
        else if (strcmp(o, "--rules") == 0)
            val = &a->rules;
        if (val) {
            if (++i >= argc) return -1;
            *val = argv[i];
        } else if (strcmp(o, "--keyword") == 0) {
            if (++i >= argc || a->nkeywords == MAX_KEYWORDS || !argv[i][0]) return -1;
            a->keywords[a->nkeywords++] = argv[i];
        } else if (strcmp(o, "--offset") == 0 || strcmp(o, "-o") == 0) {
            if (++i >= argc || parse_ull("--offset", argv[i], &a->offset) != 0) return -1;
            a->have_offset = 1;
        } else if (strcmp(o, "--unalloc") == 0) {
            a->unalloc = 1;
        } else if (strcmp(o, "--any-offset") == 0) {
            a->any_offset = 1;
        } else if (strcmp(o, "--sector-aligned") == 0) {
            a->any_offset = 0;
        } else if (strcmp(o, "--raw") == 0) {
            a->raw = 1;
        } else if (strcmp(o, "--ignore-case") == 0 || strcmp(o, "-i") == 0) {
            a->ignore_case = 1;
        } else if (o[0] == '-' || a->image) {
            return -1;
        } else {
            a->image = o;
        }
    }
    return a->image ? 0 : -1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- carve ---- */

struct carve_out {
    struct forensics_image *img;
    const char *dir;
    struct forensics_hasher *hasher;
    struct kt_buf json;
    uint8_t *buf;
    size_t n;
    int failed;
};

#define COPY_BUF ((size_t)1 << 20)

static int carve_write(void *ctx, const struct forensics_carve_hit *h)
{
    struct carve_out *o = ctx;
    const char *ext = forensics_carve_kind_name(h->kind);
    char name[64], path[4096];
    snprintf(name, sizeof name, "%012llu.%s", (unsigned long long)h->offset, ext);
    snprintf(path, sizeof path, "%s/%s", o->dir, name);
    FILE *f = fopen(path, "wbx");
    if (!f) return kt_fail(KT_EIO, "%s: cannot create: %s", path, strerror(errno));
    int rc = 0;
    for (uint64_t done = 0; done < h->length && rc == 0;) {
        size_t want = h->length - done < COPY_BUF ? (size_t)(h->length - done) : COPY_BUF, got;
        rc = forensics_image_read(o->img, h->offset + done, o->buf, want, &got);
        if (rc == 0 && got != want) rc = kt_fail(KT_EIO, "image ends inside a carved file");
        if (rc == 0 && fwrite(o->buf, 1, got, f) != got)
            rc = kt_fail(KT_EIO, "%s: write failed", path);
        forensics_hasher_update(o->hasher, o->buf, got);
        done += got;
    }
    if (fclose(f) != 0 && rc == 0) rc = kt_fail(KT_EIO, "%s: write failed", path);
    struct forensics_digests d;
    forensics_hasher_final(o->hasher, &d);
    if (rc != 0) return rc;
    kt_buf_printf(&o->json,
                  "%s\n{\"offset\":%llu,\"length\":%llu,\"type\":\"%s\",\"path\":", o->n ? "," : "",
                  (unsigned long long)h->offset, (unsigned long long)h->length, ext);
    kt_buf_json_str(&o->json, name);
    kt_buf_printf(&o->json, ",\"md5\":\"%s\",\"sha256\":\"%s\",\"valid\":true}", d.md5, d.sha256);
    o->n++;
    return o->json.failed ? KT_ENOMEM : 0;
}

struct unalloc_ctx {
    struct forensics_carver *c;
    uint64_t bytes;
};

static int carve_range(void *ctx, uint64_t off, uint64_t len)
{
    struct unalloc_ctx *u = ctx;
    u->bytes += len;
    return forensics_carver_range(u->c, off, len);
}

static int write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return kt_fail(KT_EIO, "%s: cannot create: %s", path, strerror(errno));
    int ok = fwrite(data, 1, n, f) == n;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : kt_fail(KT_EIO, "%s: write failed", path);
}

int cmd_image_carve(int argc, char **argv)
{
    struct targs a;
    if (parse(argc, argv, &a) != 0 || !a.out || (a.have_offset && !a.unalloc)) return usage();
    struct forensics_carve_opts opts = {0};
    if (a.types && forensics_carve_parse_types(a.types, &opts.kinds) != 0)
        return cli_fail(KT_EINVAL);
    if (mkdir(a.out, 0777) != 0 && errno != EEXIST)
        return cli_fail(kt_fail(KT_EIO, "%s: %s", a.out, strerror(errno)));
    char done[4096];
    struct stat sb;
    snprintf(done, sizeof done, "%s/carved.json", a.out);
    if (stat(done, &sb) == 0)
        return cli_fail(
            kt_fail(KT_ECONFLICT, "%s already holds a carve; give an empty directory", a.out));
    struct forensics_image *img = NULL;
    int rc = forensics_image_open(a.image, &img);
    if (rc != 0) return cli_fail(rc);
    opts.alignment = a.any_offset ? 1 : forensics_image_sector_size(img);
    struct carve_out o = {.img = img, .dir = a.out};
    kt_buf_init(&o.json, (size_t)1 << 30);
    kt_buf_puts(&o.json, "{\"carved\":[");
    o.buf = malloc(COPY_BUF);
    struct forensics_carver *c = NULL;
    rc = !o.buf ? KT_ENOMEM : forensics_hasher_new(&o.hasher);
    if (rc == 0) rc = forensics_carver_new(img, &opts, carve_write, &o, &c);
    double t0 = now();
    uint64_t scanned = 0;
    struct forensics_diag diag;
    forensics_diag_init(&diag, 1000);
    if (rc == 0 && a.unalloc) {
        struct forensics_fs fs;
        rc = forensics_fs_open(img, a.offset * forensics_image_sector_size(img), &diag, &fs);
        if (rc == 0) {
            struct unalloc_ctx u = {c, 0};
            rc = fs.ops->unalloc
                     ? fs.ops->unalloc(fs.h, carve_range, &u)
                     : kt_fail(KT_EUNAVAIL, "%s has no unallocated-space map", fs.ops->family);
            scanned = u.bytes;
            forensics_fs_close(&fs);
        }
    } else if (rc == 0) {
        rc = forensics_carver_range(c, 0, forensics_image_size(img));
        scanned = forensics_image_size(img);
    }
    double secs = now() - t0;
    for (size_t i = 0; i < diag.n; i++)
        fprintf(stderr, "keitsu: warning: %s\n", diag.msgs[i]);
    forensics_diag_free(&diag);
    if (rc == 0) {
        kt_buf_puts(&o.json, "\n]}\n");
        char path[4096];
        snprintf(path, sizeof path, "%s/carved.json", a.out);
        rc = o.json.failed ? KT_ENOMEM : write_file(path, o.json.data, o.json.len);
    }
    if (rc == 0) {
        const struct forensics_carve_stats *st = forensics_carver_stats(c);
        printf("carved %llu files from %.1f MiB in %.2f s (%.0f MiB/s), %s; %llu candidates, "
               "%llu rejected (corrupt or truncated)\n",
               (unsigned long long)st->carved, scanned / 1048576.0, secs,
               secs > 0 ? scanned / 1048576.0 / secs : 0.0,
               opts.alignment == 1 ? "any offset" : "sector-aligned",
               (unsigned long long)st->candidates, (unsigned long long)st->rejected);
        for (int k = 0; k < CARVE_NKINDS; k++)
            if (st->by_kind[k])
                printf("  %-6s %llu\n", forensics_carve_kind_name(k),
                       (unsigned long long)st->by_kind[k]);
    }
    forensics_carver_free(c);
    forensics_hasher_free(o.hasher);
    free(o.buf);
    kt_buf_free(&o.json);
    forensics_image_close(img);
    return rc == 0 ? 0 : cli_fail(rc);
}

/* ---- triage, search, yara: over the file system at --offset, or the raw image ---- */

struct session {
    struct forensics_image *img;
    struct forensics_diag diag;
    struct forensics_fs fs;
    int have_fs;
    struct forensics_hits hits;
    struct forensics_triage_stats st;
    double t0;
};

/* Opens the image and, unless raw, the file system at --offset; need_fs: fail without one. */
static int session_open(const struct targs *a, int need_fs, struct session *s)
{
    memset(s, 0, sizeof *s);
    forensics_diag_init(&s->diag, 1000);
    forensics_hits_init(&s->hits);
    s->t0 = now();
    int rc = forensics_image_open(a->image, &s->img);
    if (rc != 0) return rc;
    if (a->raw) return 0;
    uint64_t off = a->offset * forensics_image_sector_size(s->img);
    rc = forensics_fs_open(s->img, off, &s->diag, &s->fs);
    if (rc == 0) {
        s->have_fs = 1;
    } else if (rc == KT_ENOTFOUND && !need_fs) {
        fprintf(stderr, "keitsu: no known file system at sector %llu; searching the raw image\n",
                a->offset);
        rc = 0;
    }
    return rc;
}

/* Writes the hits (to --out, or standard output), prints the summary, closes. */
static int session_close(struct session *s, const struct targs *a, const char *what, int rc)
{
    if (rc == 0 && a->out) rc = forensics_hits_write(&s->hits, a->out);
    if (rc == 0 && !a->out) {
        fwrite(s->hits.json.data, 1, s->hits.json.len, stdout);
        fputs("\n]}\n", stdout);
    }
    if (rc == 0)
        fprintf(a->out ? stdout : stderr,
                "%s: %llu hits (%zu kept) in %.2f s; %llu files, %.1f MiB read, %llu "
                "unreadable, %llu known-good filtered%s\n",
                what, (unsigned long long)s->st.flagged, s->hits.n, now() - s->t0,
                (unsigned long long)s->st.files, s->st.bytes / 1048576.0,
                (unsigned long long)s->st.unreadable, (unsigned long long)s->st.known,
                s->have_fs ? "" : " (raw image)");
    if (s->have_fs) forensics_fs_close(&s->fs);
    forensics_image_close(s->img);
    for (size_t i = 0; i < s->diag.n; i++)
        fprintf(stderr, "keitsu: warning: %s\n", s->diag.msgs[i]);
    if (s->diag.dropped) fprintf(stderr, "keitsu: warning: %zu more not shown\n", s->diag.dropped);
    forensics_diag_free(&s->diag);
    forensics_hits_free(&s->hits);
    return rc == 0 ? 0 : cli_fail(rc);
}

int cmd_image_triage(int argc, char **argv)
{
    struct targs a;
    if (parse(argc, argv, &a) != 0 || !a.out || a.raw) return usage();
    struct forensics_nsrl *nsrl = NULL;
    struct forensics_hashset *bad = NULL;
    int rc = 0;
    if (a.nsrl) rc = forensics_nsrl_open(a.nsrl, &nsrl);
    if (rc == 0 && a.hashes && (rc = forensics_hashset_new(&bad)) == 0)
        rc = forensics_hashset_load(bad, a.hashes);
    if (rc != 0) {
        forensics_nsrl_close(nsrl);
        forensics_hashset_free(bad);
        return cli_fail(rc);
    }
    struct session s;
    rc = session_open(&a, 1, &s);
    if (rc == 0) rc = forensics_triage_hashes(&s.fs, nsrl, bad, &s.hits, &s.diag, &s.st);
    forensics_nsrl_close(nsrl);
    forensics_hashset_free(bad);
    return session_close(&s, &a, "triage", rc);
}

int cmd_image_search(int argc, char **argv)
{
    struct targs a;
    if (parse(argc, argv, &a) != 0 || !a.nkeywords) return usage();
    struct forensics_keywords *kw = NULL;
    int rc = forensics_keywords_new(a.keywords, a.nkeywords, &kw);
    if (rc == 0 && a.ignore_case) forensics_keywords_ignore_case(kw);
    if (rc != 0) return cli_fail(rc);
    struct session s;
    rc = session_open(&a, 0, &s);
    if (rc == 0)
        rc =
            forensics_triage_keywords(s.have_fs ? &s.fs : NULL, s.img, kw, &s.hits, &s.diag, &s.st);
    forensics_keywords_free(kw);
    return session_close(&s, &a, "search", rc);
}

int cmd_image_yara(int argc, char **argv)
{
    struct targs a;
    if (parse(argc, argv, &a) != 0 || !a.rules) return usage();
    struct forensics_yara *y = NULL;
    int rc = forensics_yara_load(a.rules, &y);
    if (rc != 0) return cli_fail(rc);
    struct session s;
    rc = session_open(&a, 0, &s);
    if (rc == 0)
        rc = forensics_yara_scan(y, s.have_fs ? &s.fs : NULL, s.img, &s.hits, &s.diag, &s.st);
    forensics_yara_free(y);
    return session_close(&s, &a, "yara", rc);
}
