/* FAT and exFAT: every operation over one image in memory, for the unit tests and fuzz targets
 * (fat_int.h: fat_exercise). */
#include "forensics/fat_int.h"

#include "base/err.h"
#include "forensics/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ex_ctx {
    struct fat_exercise *r;
    char (*addrs)[24];
    size_t n, cap;
};

static int on_entry(void *ctx, const struct forensics_entry *e)
{
    struct ex_ctx *c = ctx;
    c->r->entries++;
    if (c->r->body) forensics_body_line(c->r->body, e);
    if (!e->path || e->path[0] != '/' || !e->addr || !e->addr[0]) c->r->malformed++;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        if (cap > 100000) return 0;
        void *a = realloc(c->addrs, cap * sizeof *c->addrs);
        if (!a) return 0;
        c->addrs = a;
        c->cap = cap;
    }
    snprintf(c->addrs[c->n++], sizeof c->addrs[0], "%s", e->addr);
    return 0;
}

static int on_data(void *ctx, uint64_t off, const void *data, size_t n)
{
    struct fat_exercise *r = ctx;
    (void)data;
    if (off != r->last_end) r->malformed++;
    r->last_end = off + n;
    r->bytes += n;
    return off + n > (1u << 20); /* enough of one file: stop (the read says so by its rc) */
}

static int on_range(void *ctx, uint64_t off, uint64_t len)
{
    struct fat_exercise *r = ctx;
    if (len == 0 || off < r->range_end) r->malformed++;
    r->range_end = off + len;
    r->unalloc_bytes += len;
    return 0;
}

int fat_exercise(const struct forensics_fs_ops *ops, const void *data, size_t n,
                 struct fat_exercise *r)
{
    struct forensics_image *img;
    int rc = forensics_image_open_mem(data, n, &img);
    if (rc) return rc;
    struct forensics_diag diag;
    forensics_diag_init(&diag, 64);
    void *fs = NULL;
    rc = ops->open(img, 0, &diag, &fs);
    r->opened = rc == 0;
    if (rc == 0) {
        struct ex_ctx c = {.r = r};
        ops->walk(fs, on_entry, &c);
        size_t reads = c.n < r->max_reads ? c.n : r->max_reads;
        for (size_t i = 0; i < reads; i++) {
            r->last_end = 0;
            ops->read(fs, c.addrs[i], on_data, r);
            struct kt_buf js;
            kt_buf_init(&js, 1 << 20);
            if (ops->stat(fs, c.addrs[i], &js) == 0 && (!js.data || js.data[0] != '{'))
                r->malformed++;
            kt_buf_free(&js);
        }
        if (ops->read(fs, "x", on_data, r) != KT_ENOTFOUND) r->malformed++;
        if (ops->read(fs, "99999999999999", on_data, r) != KT_ENOTFOUND) r->malformed++;
        r->range_end = 0;
        ops->unalloc(fs, on_range, r);
        snprintf(r->type, sizeof r->type, "%s", ops->type(fs));
        free(c.addrs);
        ops->close(fs);
    }
    r->diags = diag.n + diag.dropped;
    forensics_diag_free(&diag);
    forensics_image_close(img);
    return rc;
}
