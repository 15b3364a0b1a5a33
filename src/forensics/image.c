/* Evidence images: raw files and split raw segments opened O_RDONLY and read with pread(); E01
 * through image_ewf.c. Nothing here has a write path to an image. */
#include "forensics/image.h"

#include "base/err.h"
#include "forensics/image_ewf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* More segments than any acquisition makes (a 1 TB image in 640 MB segments is 1,600): a bound
 * against a directory of hostile names. */
enum { SEGMENTS_MAX = 100000 };

struct segment {
    int fd;
    uint64_t start, size;
    char *path;
};

struct forensics_image {
    const char *format;   /* "raw", "split", "ewf", "mem" */
    struct segment *segs; /* raw: 1, split: n */
    size_t nsegs;
    const unsigned char *mem; /* borrowed, for "mem" */
    struct image_ewf *ewf;
    uint64_t size;
    uint32_t sector_size;
};

static struct forensics_image *image_new(const char *format)
{
    struct forensics_image *img = calloc(1, sizeof *img);
    if (img) {
        img->format = format;
        img->sector_size = 512;
    }
    return img;
}

/* Opens one raw file or block device as the next segment. */
static int add_segment(struct forensics_image *img, const char *path)
{
    if (img->nsegs >= SEGMENTS_MAX)
        return kt_fail(KT_EINVAL, "%s: more than %d segments", path, SEGMENTS_MAX);
    if ((img->nsegs & (img->nsegs - 1)) == 0) { /* grow at powers of two */
        size_t cap = img->nsegs ? img->nsegs * 2 : 1;
        struct segment *s = realloc(img->segs, cap * sizeof *s);
        if (!s) return kt_fail(KT_ENOMEM, "out of memory");
        img->segs = s;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kt_fail(errno == ENOENT ? KT_ENOTFOUND : KT_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))) {
        close(fd);
        return kt_fail(KT_EINVAL, "%s: not a regular file or block device", path);
    }
    uint64_t size = (uint64_t)st.st_size;
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(fd, 0, SEEK_END);
        size = end > 0 ? (uint64_t)end : 0;
    }
    char *p = strdup(path);
    if (!p) {
        close(fd);
        return kt_fail(KT_ENOMEM, "out of memory");
    }
    img->segs[img->nsegs++] =
        (struct segment){.fd = fd, .start = img->size, .size = size, .path = p};
    img->size += size;
    return 0;
}

/* Adds the segments after first for as long as the next name exists. */
static int add_following(struct forensics_image *img, const char *first)
{
    char cur[PATH_MAX], next[PATH_MAX];
    if (strlen(first) >= sizeof cur) return 0;
    memcpy(cur, first, strlen(first) + 1);
    while (forensics_image_split_next(cur, next, sizeof next) == 0 && access(next, F_OK) == 0) {
        int rc = add_segment(img, next);
        if (rc != 0) return rc;
        memcpy(cur, next, sizeof cur);
    }
    return 0;
}

int forensics_image_open(const char *path, struct forensics_image **out)
{
    *out = NULL;
    if (access(path, F_OK) != 0)
        return kt_fail(errno == ENOENT ? KT_ENOTFOUND : KT_EIO, "%s: %s", path, strerror(errno));
    if (image_ewf_check(path) == 1) {
        struct forensics_image *img = image_new("ewf");
        if (!img) return kt_fail(KT_ENOMEM, "out of memory");
        int rc = image_ewf_open(path, &img->ewf);
        if (rc != 0) {
            free(img);
            return rc;
        }
        img->size = image_ewf_size(img->ewf);
        img->sector_size = image_ewf_sector_size(img->ewf);
        *out = img;
        return 0;
    }
    struct forensics_image *img = image_new("raw");
    if (!img) return kt_fail(KT_ENOMEM, "out of memory");
    int rc = add_segment(img, path);
    if (rc == 0 && forensics_image_split_first(path)) rc = add_following(img, path);
    if (rc != 0) {
        forensics_image_close(img);
        return rc;
    }
    if (img->nsegs > 1) img->format = "split";
    *out = img;
    return 0;
}

int forensics_image_open_mem(const void *data, size_t n, struct forensics_image **out)
{
    struct forensics_image *img = image_new("mem");
    if (!img) return kt_fail(KT_ENOMEM, "out of memory");
    img->mem = data;
    img->size = n;
    *out = img;
    return 0;
}

/* The segment holding byte off (< img->size). */
static size_t find_segment(const struct forensics_image *img, uint64_t off)
{
    size_t lo = 0, hi = img->nsegs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->segs[mid].start <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int read_segments(struct forensics_image *img, uint64_t off, char *buf, size_t n,
                         size_t *got)
{
    size_t i = find_segment(img, off);
    while (*got < n && i < img->nsegs) {
        const struct segment *s = &img->segs[i];
        uint64_t pos = off + *got - s->start;
        if (pos >= s->size) {
            i++;
            continue;
        }
        size_t want = n - *got;
        if (want > s->size - pos) want = (size_t)(s->size - pos);
        ssize_t r = pread(s->fd, buf + *got, want, (off_t)pos);
        if (r < 0) {
            if (errno == EINTR) continue;
            return kt_fail(KT_EIO, "%s: read at %llu: %s", s->path, (unsigned long long)pos,
                           strerror(errno));
        }
        if (r == 0) /* the file shrank since it was opened */
            return kt_fail(KT_EIO, "%s: ends at %llu, before its recorded size", s->path,
                           (unsigned long long)pos);
        *got += (size_t)r;
    }
    return 0;
}

int forensics_image_read(struct forensics_image *img, uint64_t off, void *buf, size_t n,
                         size_t *got)
{
    *got = 0;
    if (off >= img->size) return 0;
    if (n > img->size - off) n = (size_t)(img->size - off);
    if (img->mem) {
        memcpy(buf, img->mem + off, n);
        *got = n;
        return 0;
    }
    if (img->ewf) return image_ewf_read(img->ewf, off, buf, n, got);
    return read_segments(img, off, buf, n, got);
}

uint64_t forensics_image_size(const struct forensics_image *img)
{
    return img->size;
}
const char *forensics_image_format(const struct forensics_image *img)
{
    return img->format;
}

size_t forensics_image_segments(const struct forensics_image *img)
{
    if (img->ewf) return image_ewf_segments(img->ewf);
    return img->mem ? 1 : img->nsegs;
}

const char *forensics_image_segment(const struct forensics_image *img, size_t i)
{
    if (img->ewf) return image_ewf_segment(img->ewf, i);
    if (img->mem) return i == 0 ? "(memory)" : NULL;
    return i < img->nsegs ? img->segs[i].path : NULL;
}

uint32_t forensics_image_sector_size(const struct forensics_image *img)
{
    return img->sector_size;
}

int forensics_image_meta(const struct forensics_image *img, size_t i, const char **key,
                         const char **value)
{
    if (img->ewf) return image_ewf_meta(img->ewf, i, key, value);
    return KT_ENOTFOUND;
}

const char *forensics_image_meta_get(const struct forensics_image *img, const char *key)
{
    const char *k, *v;
    for (size_t i = 0; forensics_image_meta(img, i, &k, &v) == 0; i++)
        if (strcmp(k, key) == 0) return v;
    return NULL;
}

void forensics_image_close(struct forensics_image *img)
{
    if (!img) return;
    for (size_t i = 0; i < img->nsegs; i++) {
        close(img->segs[i].fd);
        free(img->segs[i].path);
    }
    free(img->segs);
    image_ewf_close(img->ewf);
    free(img);
}
