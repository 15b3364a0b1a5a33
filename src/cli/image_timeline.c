/* keitsu image timeline and dfxml: the walked entries as a mactime-like CSV and as DFXML. */
#include "base/err.h"
#include "cli/cli.h"
#include "cli/image_cli.h"
#include "forensics/dfxml.h"
#include "forensics/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Takes "--NAME VALUE" out of argv (in place); *value or NULL. -1 if VALUE is missing. */
static int take_opt(int *argc, char **argv, const char *name, const char **value)
{
    *value = NULL;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], name) != 0) continue;
        if (i + 1 >= *argc) return -1;
        *value = argv[i + 1];
        memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof *argv);
        *argc -= 2;
        return 0;
    }
    return 0;
}

struct collect {
    struct forensics_timeline *t;
    int whole_seconds; /* --seconds: drop the fractions, as mactime has none */
};

static int add_entry(void *ctx, const struct forensics_entry *e)
{
    const struct collect *c = ctx;
    if (!c->whole_seconds) return forensics_timeline_add(c->t, e);
    struct forensics_entry copy = *e;
    copy.atime.nsec = copy.mtime.nsec = copy.ctime.nsec = copy.crtime.nsec = 0;
    return forensics_timeline_add(c->t, &copy);
}

/* The body file at path, line by line (ours or the Sleuth Kit's). */
static int read_body(struct forensics_timeline *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return kt_fail(KT_ENOTFOUND, "%s: cannot open", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0) continue;
        rc = forensics_timeline_add_body(t, line, (size_t)n);
        if (rc == KT_EINVAL) {
            fprintf(stderr, "keitsu: warning: %s:%ld: %s; skipped\n", path, lineno, kt_errmsg());
            rc = 0;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

int image_cmd_timeline(int argc, char **argv)
{
    const char *tz, *body;
    if (take_opt(&argc, argv, "--tz", &tz) != 0 || take_opt(&argc, argv, "--body", &body) != 0)
        return image_usage();
    int whole = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--seconds") == 0) {
            whole = 1;
            memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) * sizeof *argv);
            argc--;
            break;
        }
    struct image_args a;
    if (!body && image_parse_args(argc, argv, 0, &a) != 0) return image_usage();
    if (body && argc != 1) return image_usage();
    struct forensics_timeline *t;
    int rc = forensics_timeline_new(&t);
    if (rc != 0) return cli_fail(rc);
    int status = 0;
    if (body) {
        rc = read_body(t, body);
        if (rc != 0) status = cli_fail(rc);
    } else {
        struct collect c = {t, whole};
        status = image_walk(&a, add_entry, &c);
    }
    if (status == 0) {
        forensics_timeline_sort(t);
        rc = forensics_timeline_write(t, tz, 0, (size_t)-1, stdout);
        if (rc != 0) status = cli_fail(rc);
    }
    forensics_timeline_free(t);
    return status;
}

static int dfxml_entry(void *ctx, const struct forensics_entry *e)
{
    return forensics_dfxml_entry(ctx, e);
}

int image_cmd_dfxml(int argc, char **argv)
{
    struct image_args a;
    struct forensics_image *img;
    int rc = image_open_arg(argc, argv, &a, &img);
    if (rc != 0) return rc;
    uint64_t size = forensics_image_size(img);
    forensics_image_close(img);
    char command[4096] = "keitsu image";
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(command);
        snprintf(command + len, sizeof command - len, " %s", argv[i]);
    }
    struct forensics_dfxml *d;
    rc = forensics_dfxml_begin(stdout, a.image, size, command, &d);
    if (rc != 0) return cli_fail(rc);
    int status = image_walk(&a, dfxml_entry, d);
    rc = forensics_dfxml_end(d);
    fputc('\n', stdout);
    if (rc != 0 && status == 0) status = cli_fail(rc);
    return status;
}
