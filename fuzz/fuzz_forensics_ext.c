/* libFuzzer target: the ext2/3/4 parser on an arbitrary image. Opens it at offset 0; if it
 * is taken for ext, walks every name, reads and stats the first inodes and lists the
 * unallocated blocks. Besides memory safety it checks that every walk ends (the callback
 * counts), that entries are well formed, and that reads stay within what the file claims. */
#include "base/err.h"
#include "forensics/fs.h"
#include "forensics/image.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 200000

static int on_entry(void *ctx, const struct forensics_entry *e)
{
    size_t *n = ctx;
    if (!e->path || e->path[0] != '/' || !e->addr || !e->addr[0]) abort();
    if (strlen(e->mode) != 12 || e->mode[1] != '/') abort();
    if (e->state > FORENSICS_DELETED_REALLOC) abort();
    if (++*n > MAX_ENTRIES) abort(); /* a walk that does not end */
    return 0;
}

static int on_data(void *ctx, uint64_t off, const void *data, size_t n)
{
    uint64_t *next = ctx;
    if (off != *next || (n && !data)) abort(); /* content comes in order */
    *next += n;
    return *next > (1u << 16); /* enough: stop */
}

static int on_range(void *ctx, uint64_t off, uint64_t len)
{
    uint64_t *last = ctx;
    if (!len || off < *last) abort(); /* ascending, not empty */
    *last = off + len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct forensics_image *img;
    if (forensics_image_open_mem(data, size, &img)) return 0;
    struct forensics_diag diag;
    forensics_diag_init(&diag, 50);
    void *fs = NULL;
    if (forensics_ext_ops.open(img, 0, &diag, &fs) == 0) {
        size_t n = 0;
        forensics_ext_ops.walk(fs, on_entry, &n);
        for (int ino = 1; ino <= 20; ino++) {
            char addr[8];
            snprintf(addr, sizeof addr, "%d", ino);
            uint64_t next = 0;
            forensics_ext_ops.read(fs, addr, on_data, &next);
            struct kt_buf b;
            kt_buf_init(&b, 1 << 20);
            forensics_ext_ops.stat(fs, addr, &b);
            kt_buf_free(&b);
        }
        uint64_t last = 0;
        forensics_ext_ops.unalloc(fs, on_range, &last);
        if (strncmp(forensics_ext_ops.type(fs), "ext", 3)) abort();
        forensics_ext_ops.close(fs);
    }
    forensics_diag_free(&diag);
    forensics_image_close(img);
    return 0;
}
