/* keitsu image <subcommand>: forensic examination of an evidence image, offline. */
#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"
#include "cli/image_cli.h"
#include "forensics/body.h"
#include "forensics/fs.h"
#include "forensics/image.h"
#include "forensics/vol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int image_usage(void)
{
    fputs(
        "usage: keitsu image info IMAGE                     format, size, segments, metadata\n"
        "       keitsu image hash IMAGE                     MD5, SHA-1, SHA-256 (checks E01's)\n"
        "       keitsu image mmls IMAGE                     partition table, as mmls\n"
        "       keitsu image case init|verify|replay CASEDIR … the case record (事件記録)\n"
        "       keitsu image body IMAGE [--offset SECTORS]   body file, as fls -r -m /\n"
        "       keitsu image timeline IMAGE [--offset S] [--tz ZONE] [--seconds]  CSV, as\n"
        "                                                   mactime -d -y\n"
        "       keitsu image timeline --body FILE [--tz ZONE]       from a body file\n"
        "       keitsu image dfxml IMAGE [--offset SECTORS]  DFXML\n"
        "       keitsu image report IMAGE --out DIR [--offset S] [--carved DIR] [--hits FILE]\n"
        "                                                   DIR/report.html\n"
        "       keitsu image cat IMAGE ADDR [--offset SECTORS] a file's content, as icat\n"
        "       keitsu image stat IMAGE ADDR [--offset SECTORS] one entry's metadata (JSON)\n"
        "       keitsu image carve IMAGE --out DIR [--types T,…] [--unalloc --offset S]  carving\n"
        "       keitsu image triage|search|yara IMAGE …      hash sets, keywords, YARA rules\n"
        "                                                   (each prints its own usage)\n"
        "       keitsu image register (--exam ID | --case-number N …) FILE.json…  findings to\n"
        "                                                   a case on the platform\n"
        "       any subcommand … --case CASEDIR             records it in the case\n",
        stderr);
    return 2;
}

int image_parse_args(int argc, char **argv, int want_addr, struct image_args *a)
{
    memset(a, 0, sizeof *a);
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--offset") == 0 || strcmp(argv[i], "-o") == 0) {
            if (++i >= argc) return -1;
            char *end;
            errno = 0;
            a->offset_sectors = strtoull(argv[i], &end, 10);
            if (errno || *end || end == argv[i]) {
                fprintf(stderr, "keitsu: --offset: '%s' is not a sector count\n", argv[i]);
                return -1;
            }
            a->has_offset = 1;
        } else if (pos == 0) {
            a->image = argv[i];
            pos++;
        } else if (pos == 1 && want_addr) {
            a->addr = argv[i];
            pos++;
        } else {
            return -1;
        }
    }
    return a->image && (!want_addr || a->addr) ? 0 : -1;
}

int image_open_arg(int argc, char **argv, struct image_args *a, struct forensics_image **img)
{
    if (image_parse_args(argc, argv, 0, a) != 0) return image_usage();
    int rc = forensics_image_open(a->image, img);
    return rc == 0 ? 0 : cli_fail(rc);
}

void image_print_diag(const struct forensics_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "keitsu: warning: %s\n", d->msgs[i]);
    if (d->dropped) fprintf(stderr, "keitsu: warning: %zu more not shown\n", d->dropped);
}

int image_open_fs(const struct image_args *a, struct image_opened *o)
{
    memset(o, 0, sizeof *o);
    forensics_diag_init(&o->diag, 1000);
    int rc = forensics_image_open(a->image, &o->img);
    if (rc == 0) {
        uint64_t off = a->offset_sectors * forensics_image_sector_size(o->img);
        rc = forensics_fs_open(o->img, off, &o->diag, &o->fs);
    }
    if (rc != 0) {
        forensics_image_close(o->img);
        forensics_diag_free(&o->diag);
        return cli_fail(rc);
    }
    return 0;
}

void image_close_fs(struct image_opened *o)
{
    forensics_fs_close(&o->fs);
    forensics_image_close(o->img);
    image_print_diag(&o->diag);
    forensics_diag_free(&o->diag);
}

static int body_line(void *ctx, const struct forensics_entry *e)
{
    struct kt_buf *b = ctx;
    b->len = 0;
    if (forensics_body_line(b, e) != 0) return KT_ENOMEM;
    return fwrite(b->data, 1, b->len, stdout) == b->len ? 0 : KT_EIO;
}

/* An entry with the partition's prefix before its path ("/p2048/dir/a.txt"). */
struct prefixed {
    forensics_entry_fn fn;
    void *ctx;
    const char *prefix;
};

static int entry_prefixed(void *ctx, const struct forensics_entry *e)
{
    struct prefixed *p = ctx;
    char path[8192];
    snprintf(path, sizeof path, "%s%s", p->prefix, e->path);
    struct forensics_entry copy = *e;
    copy.path = path;
    return p->fn(p->ctx, &copy);
}

int image_open_vols(const char *path, struct image_vols *iv)
{
    memset(iv, 0, sizeof *iv);
    int rc = forensics_image_open(path, &iv->img);
    if (rc != 0) return rc;
    forensics_diag_init(&iv->diag, 1000);
    rc = forensics_vol_open(iv->img, &iv->diag, &iv->v);
    iv->have_table = rc == 0;
    return rc == KT_ENOTFOUND ? 0 : rc;
}

void image_close_vols(struct image_vols *iv)
{
    if (iv->have_table) forensics_vol_free(&iv->v);
    image_print_diag(&iv->diag);
    forensics_diag_free(&iv->diag);
    forensics_image_close(iv->img);
    memset(iv, 0, sizeof *iv);
}

/* Every data partition's file system in mmls's order, paths prefixed /p<START>. */
static int walk_partitions(struct image_vols *iv, forensics_entry_fn fn, void *ctx)
{
    int rc = 0, found = 0;
    const struct forensics_volumes *v = &iv->v;
    for (size_t i = 0; i < v->n && rc == 0; i++) {
        const struct forensics_vol_part *p = &v->parts[i];
        if (!(p->flags & FORENSICS_VOL_ALLOC)) continue;
        struct forensics_diag diag;
        forensics_diag_init(&diag, 1000);
        struct forensics_fs fs;
        if (forensics_fs_open(iv->img, p->start * v->sector_size, &diag, &fs) != 0) {
            fprintf(stderr, "keitsu: warning: partition at sector %llu (%s): %s\n",
                    (unsigned long long)p->start, p->desc, kt_errmsg());
        } else {
            found++;
            char prefix[32];
            snprintf(prefix, sizeof prefix, "/p%llu", (unsigned long long)p->start);
            struct prefixed pr = {fn, ctx, prefix};
            rc = fs.ops->walk(fs.h, entry_prefixed, &pr);
            forensics_fs_close(&fs);
        }
        image_print_diag(&diag);
        forensics_diag_free(&diag);
    }
    if (rc == 0 && found == 0) rc = kt_fail(KT_ENOTFOUND, "no partition holds a known file system");
    return rc;
}

int image_walk(const struct image_args *a, forensics_entry_fn fn, void *ctx)
{
    if (!a->has_offset) {
        struct image_vols iv;
        int rc = image_open_vols(a->image, &iv);
        if (rc != 0) return cli_fail(rc);
        int table = iv.have_table;
        if (table) rc = walk_partitions(&iv, fn, ctx);
        image_close_vols(&iv);
        if (table) return rc == 0 ? 0 : cli_fail(rc);
        /* No partition table: a file system at sector 0. */
    }
    struct image_opened o;
    if (image_open_fs(a, &o) != 0) return 1;
    int rc = o.fs.ops->walk(o.fs.h, fn, ctx);
    image_close_fs(&o);
    return rc == 0 ? 0 : cli_fail(rc);
}

static int cmd_body(int argc, char **argv)
{
    struct image_args a;
    if (image_parse_args(argc, argv, 0, &a) != 0) return image_usage();
    struct kt_buf line;
    kt_buf_init(&line, 1 << 16);
    int rc = image_walk(&a, body_line, &line);
    kt_buf_free(&line);
    return rc;
}

static int write_data(void *ctx, uint64_t off, const void *data, size_t n)
{
    (void)ctx;
    (void)off;
    return fwrite(data, 1, n, stdout) == n ? 0 : KT_EIO;
}

static int cmd_cat(int argc, char **argv)
{
    struct image_args a;
    if (image_parse_args(argc, argv, 1, &a) != 0) return image_usage();
    struct image_opened o;
    if (image_open_fs(&a, &o) != 0) return 1;
    int rc = o.fs.ops->read(o.fs.h, a.addr, write_data, NULL);
    image_close_fs(&o);
    return rc == 0 ? 0 : cli_fail(rc);
}

static int cmd_stat(int argc, char **argv)
{
    struct image_args a;
    if (image_parse_args(argc, argv, 1, &a) != 0) return image_usage();
    struct image_opened o;
    if (image_open_fs(&a, &o) != 0) return 1;
    struct kt_buf out;
    kt_buf_init(&out, 1 << 24);
    int rc = o.fs.ops->stat(o.fs.h, a.addr, &out);
    if (rc == 0) printf("%s\n", out.data ? out.data : "{}");
    kt_buf_free(&out);
    image_close_fs(&o);
    return rc == 0 ? 0 : cli_fail(rc);
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2) return image_usage();
    int at = image_case_index(argc, argv);
    if (at) return image_case_run(argc, argv, at, cmd_image);
    const char *sub = argv[1];
    if (strcmp(sub, "case") == 0) return image_cmd_case(argc - 1, argv + 1);
    if (strcmp(sub, "info") == 0) return image_cmd_info(argc - 1, argv + 1);
    if (strcmp(sub, "hash") == 0) return image_cmd_hash(argc - 1, argv + 1);
    if (strcmp(sub, "mmls") == 0) return image_cmd_mmls(argc - 1, argv + 1);
    if (strcmp(sub, "timeline") == 0) return image_cmd_timeline(argc - 1, argv + 1);
    if (strcmp(sub, "dfxml") == 0) return image_cmd_dfxml(argc - 1, argv + 1);
    if (strcmp(sub, "report") == 0) return image_cmd_report(argc - 1, argv + 1);
    if (strcmp(sub, "body") == 0) return cmd_body(argc - 1, argv + 1);
    if (strcmp(sub, "cat") == 0) return cmd_cat(argc - 1, argv + 1);
    if (strcmp(sub, "stat") == 0) return cmd_stat(argc - 1, argv + 1);
    if (strcmp(sub, "carve") == 0) return cmd_image_carve(argc - 1, argv + 1);
    if (strcmp(sub, "triage") == 0) return cmd_image_triage(argc - 1, argv + 1);
    if (strcmp(sub, "search") == 0) return cmd_image_search(argc - 1, argv + 1);
    if (strcmp(sub, "yara") == 0) return cmd_image_yara(argc - 1, argv + 1);
    if (strcmp(sub, "register") == 0) return cmd_image_register(argc - 1, argv + 1);
    return image_usage();
}
