/* File-system detection and the diagnostics list shared by the parsers. */
#include "forensics/fs.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void forensics_diag_init(struct forensics_diag *d, size_t max)
{
    memset(d, 0, sizeof *d);
    d->max = max;
}

void forensics_diag_add(struct forensics_diag *d, const char *fmt, ...)
{
    if (d->n >= d->max) {
        d->dropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        if (cap > d->max) cap = d->max;
        char **m = realloc(d->msgs, cap * sizeof *m);
        if (!m) {
            d->dropped++;
            return;
        }
        d->msgs = m;
        d->cap = cap;
    }
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char *s = strdup(line);
    if (!s) {
        d->dropped++;
        return;
    }
    d->msgs[d->n++] = s;
}

void forensics_diag_free(struct forensics_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    memset(d, 0, sizeof *d);
}

static const struct forensics_fs_ops *const families[] = {
    &forensics_ntfs_ops,
    &forensics_exfat_ops,
    &forensics_fat_ops,
    &forensics_ext_ops,
};

int forensics_fs_open(struct forensics_image *img, uint64_t off, struct forensics_diag *diag,
                      struct forensics_fs *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        void *h = NULL;
        int rc = families[i]->open(img, off, diag, &h);
        if (rc == KT_ENOTFOUND) continue;
        if (rc != 0) return rc;
        out->ops = families[i];
        out->h = h;
        out->offset = off;
        return 0;
    }
    return kt_fail(KT_ENOTFOUND, "no known file system at byte offset %llu",
                   (unsigned long long)off);
}

void forensics_fs_close(struct forensics_fs *fs)
{
    if (fs->ops && fs->h) fs->ops->close(fs->h);
    memset(fs, 0, sizeof *fs);
}

int forensics_runs_add(struct forensics_runs *r, uint64_t off, uint64_t len)
{
    if (r->len && r->start + r->len == off) {
        r->len += len;
        return 0;
    }
    int rc = forensics_runs_flush(r);
    r->start = off;
    r->len = len;
    return rc;
}

int forensics_runs_flush(struct forensics_runs *r)
{
    int rc = r->len ? r->fn(r->ctx, r->start, r->len) : 0;
    r->len = 0;
    return rc;
}
