/* Evidence images: raw files opened read-only and read with pread(). Split raw and E01 are to
 * come (see image.h). */
#include "forensics/image.h"

#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct forensics_image {
    int fd;                   /* -1 for an image in memory */
    const unsigned char *mem; /* borrowed */
    uint64_t size;
    char *path;
};

int forensics_image_open(const char *path, struct forensics_image **out)
{
    *out = NULL;
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
    struct forensics_image *img = calloc(1, sizeof *img);
    char *p = strdup(path);
    if (!img || !p) {
        free(img);
        free(p);
        close(fd);
        return kt_fail(KT_ENOMEM, "out of memory");
    }
    img->fd = fd;
    img->size = size;
    img->path = p;
    *out = img;
    return 0;
}

int forensics_image_open_mem(const void *data, size_t n, struct forensics_image **out)
{
    struct forensics_image *img = calloc(1, sizeof *img);
    char *p = strdup("(memory)");
    if (!img || !p) {
        free(img);
        free(p);
        return kt_fail(KT_ENOMEM, "out of memory");
    }
    img->fd = -1;
    img->mem = data;
    img->size = n;
    img->path = p;
    *out = img;
    return 0;
}

int forensics_image_read(struct forensics_image *img, uint64_t off, void *buf, size_t n,
                         size_t *got)
{
    *got = 0;
    if (off >= img->size) return 0;
    if (n > img->size - off) n = (size_t)(img->size - off);
    if (img->fd < 0) {
        memcpy(buf, img->mem + off, n);
        *got = n;
        return 0;
    }
    while (*got < n) {
        ssize_t r = pread(img->fd, (char *)buf + *got, n - *got, (off_t)(off + *got));
        if (r < 0) {
            if (errno == EINTR) continue;
            return kt_fail(KT_EIO, "read at %llu: %s", (unsigned long long)(off + *got),
                           strerror(errno));
        }
        if (r == 0) break;
        *got += (size_t)r;
    }
    return 0;
}

uint64_t forensics_image_size(const struct forensics_image *img)
{
    return img->size;
}
const char *forensics_image_format(const struct forensics_image *img)
{
    (void)img;
    return "raw";
}
size_t forensics_image_segments(const struct forensics_image *img)
{
    (void)img;
    return 1;
}
const char *forensics_image_segment(const struct forensics_image *img, size_t i)
{
    return i == 0 ? img->path : NULL;
}
uint32_t forensics_image_sector_size(const struct forensics_image *img)
{
    (void)img;
    return 512;
}

void forensics_image_close(struct forensics_image *img)
{
    if (!img) return;
    if (img->fd >= 0) close(img->fd);
    free(img->path);
    free(img);
}
