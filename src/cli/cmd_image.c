/* keitsu image <subcommand>: forensic examination of an evidence image, offline. */
#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"
#include "forensics/body.h"
#include "forensics/fs.h"
#include "forensics/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fputs("usage: keitsu image body IMAGE [--offset SECTORS]   body file, as fls -r -m /\n"
          "       keitsu image cat IMAGE ADDR [--offset SECTORS] a file's content, as icat\n"
          "       keitsu image stat IMAGE ADDR [--offset SECTORS] one entry's metadata (JSON)\n",
          stderr);
    return 2;
}

/* The common arguments: IMAGE [ADDR] [--offset SECTORS]. */
struct args {
    const char *image, *addr;
    unsigned long long offset_sectors;
};

static int parse_args(int argc, char **argv, int want_addr, struct args *a)
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

static void print_diag(const struct forensics_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "keitsu: warning: %s\n", d->msgs[i]);
    if (d->dropped) fprintf(stderr, "keitsu: warning: %zu more not shown\n", d->dropped);
}

struct opened {
    struct forensics_image *img;
    struct forensics_diag diag;
    struct forensics_fs fs;
};

static int open_fs(const struct args *a, struct opened *o)
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

static void close_fs(struct opened *o)
{
    forensics_fs_close(&o->fs);
    forensics_image_close(o->img);
    print_diag(&o->diag);
    forensics_diag_free(&o->diag);
}

static int body_line(void *ctx, const struct forensics_entry *e)
{
    struct kt_buf *b = ctx;
    b->len = 0;
    if (forensics_body_line(b, e) != 0) return KT_ENOMEM;
    return fwrite(b->data, 1, b->len, stdout) == b->len ? 0 : KT_EIO;
}

static int cmd_body(int argc, char **argv)
{
    struct args a;
    if (parse_args(argc, argv, 0, &a) != 0) return usage();
    struct opened o;
    if (open_fs(&a, &o) != 0) return 1;
    struct kt_buf line;
    kt_buf_init(&line, 1 << 16);
    int rc = o.fs.ops->walk(o.fs.h, body_line, &line);
    kt_buf_free(&line);
    close_fs(&o);
    return rc == 0 ? 0 : cli_fail(rc);
}

static int write_data(void *ctx, uint64_t off, const void *data, size_t n)
{
    (void)ctx;
    (void)off;
    return fwrite(data, 1, n, stdout) == n ? 0 : KT_EIO;
}

static int cmd_cat(int argc, char **argv)
{
    struct args a;
    if (parse_args(argc, argv, 1, &a) != 0) return usage();
    struct opened o;
    if (open_fs(&a, &o) != 0) return 1;
    int rc = o.fs.ops->read(o.fs.h, a.addr, write_data, NULL);
    close_fs(&o);
    return rc == 0 ? 0 : cli_fail(rc);
}

static int cmd_stat(int argc, char **argv)
{
    struct args a;
    if (parse_args(argc, argv, 1, &a) != 0) return usage();
    struct opened o;
    if (open_fs(&a, &o) != 0) return 1;
    struct kt_buf out;
    kt_buf_init(&out, 1 << 24);
    int rc = o.fs.ops->stat(o.fs.h, a.addr, &out);
    if (rc == 0) printf("%s\n", out.data ? out.data : "{}");
    kt_buf_free(&out);
    close_fs(&o);
    return rc == 0 ? 0 : cli_fail(rc);
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2) return usage();
    const char *sub = argv[1];
    if (strcmp(sub, "body") == 0) return cmd_body(argc - 1, argv + 1);
    if (strcmp(sub, "cat") == 0) return cmd_cat(argc - 1, argv + 1);
    if (strcmp(sub, "stat") == 0) return cmd_stat(argc - 1, argv + 1);
    if (strcmp(sub, "carve") == 0) return cmd_image_carve(argc - 1, argv + 1);
    if (strcmp(sub, "triage") == 0) return cmd_image_triage(argc - 1, argv + 1);
    if (strcmp(sub, "search") == 0) return cmd_image_search(argc - 1, argv + 1);
    if (strcmp(sub, "yara") == 0) return cmd_image_yara(argc - 1, argv + 1);
    return usage();
}
