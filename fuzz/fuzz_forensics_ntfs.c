/* libFuzzer target: the NTFS parser on an arbitrary image (the volume at offset 0). Opening,
 * listing, reading a few entries' content, their metadata and the free clusters must end
 * without memory errors whatever the bytes; a listing is bounded by the MFT's size, and a
 * listed line must have the body-file shape. */
#include "base/buf.h"
#include "base/err.h"
#include "forensics/body.h"
#include "forensics/fs.h"
#include "forensics/image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct walk {
    struct kt_buf line;
    size_t n;
};

static int on_entry(void *ctx, const struct forensics_entry *e)
{
    struct walk *w = ctx;
    if (!e->path || e->path[0] != '/' || !e->addr || !e->addr[0] || e->mode[1] != '/') abort();
    w->line.len = 0;
    if (forensics_body_line(&w->line, e) != 0) abort();
    if (memchr(w->line.data, '\n', w->line.len) != w->line.data + w->line.len - 1) abort();
    return ++w->n > 200000; /* stop absurd listings; the walk must still clean up */
}

static int on_data(void *ctx, uint64_t off, const void *data, size_t n)
{
    (void)off;
    (void)data;
    size_t *total = ctx;
    *total += n;
    return *total > (64u << 20);
}

static int on_range(void *ctx, uint64_t off, uint64_t len)
{
    (void)off;
    if (len == 0) abort();
    return ++*(size_t *)ctx > 100000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct forensics_image *img;
    if (forensics_image_open_mem(data, size, &img) != 0) return 0;
    struct forensics_diag diag;
    forensics_diag_init(&diag, 50);
    void *h = NULL;
    if (forensics_ntfs_ops.open(img, 0, &diag, &h) == 0) {
        struct walk w = {.n = 0};
        kt_buf_init(&w.line, 1 << 16);
        forensics_ntfs_ops.walk(h, on_entry, &w);
        kt_buf_free(&w.line);
        static const char *addrs[] = {"0", "5", "6", "12", "13", "14", "14-128-3", "15-48-2"};
        for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
            size_t total = 0;
            forensics_ntfs_ops.read(h, addrs[i], on_data, &total);
            struct kt_buf b;
            kt_buf_init(&b, 1 << 20);
            forensics_ntfs_ops.stat(h, addrs[i], &b);
            kt_buf_free(&b);
        }
        size_t ranges = 0;
        forensics_ntfs_ops.unalloc(h, on_range, &ranges);
        forensics_ntfs_ops.close(h);
    }
    forensics_diag_free(&diag);
    forensics_image_close(img);
    return 0;
}
