/* E01 images through libewf. libewf's handle keeps a read cursor, so reads are serialised with
 * a mutex; the handle is opened LIBEWF_OPEN_READ only. */
#include "forensics/image_ewf.h"

#include "base/err.h"

#include <libewf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { META_MAX = 32, VALUE_MAX = 1024 };

struct image_ewf {
    libewf_handle_t *h;
    pthread_mutex_t lock;
    uint64_t size;
    uint32_t sector_size;
    char **segments; /* from libewf_glob, freed with libewf_glob_free */
    int nsegments;
    const char *keys[META_MAX];
    char *values[META_MAX];
    size_t nmeta;
};

/* Records libewf's message (if any) as the thread's error and frees it. */
static int ewf_fail(int code, libewf_error_t **err, const char *what, const char *path)
{
    char msg[512] = "";
    if (*err) {
        libewf_error_sprint(*err, msg, sizeof msg);
        libewf_error_free(err);
    }
    for (char *p = msg; *p; p++)
        if (*p == '\n') *p = ' ';
    return kt_fail(code, "%s: %s%s%s", path, what, msg[0] ? ": " : "", msg);
}

int image_ewf_check(const char *path)
{
    libewf_error_t *err = NULL;
    int r = libewf_check_file_signature(path, &err);
    if (err) libewf_error_free(&err);
    return r;
}

static void add_meta(struct image_ewf *e, const char *key, const char *value)
{
    if (e->nmeta >= META_MAX || !value[0]) return;
    char *v = strdup(value);
    if (!v) return;
    e->keys[e->nmeta] = key;
    e->values[e->nmeta++] = v;
}

static void load_meta(struct image_ewf *e)
{
    static const char *const header[] = {
        "case_number",
        "evidence_number",
        "description",
        "examiner_name",
        "notes",
        "acquiry_date",
        "system_date",
        "acquiry_operating_system",
        "acquiry_software_version",
        "model",
        "serial_number",
    };
    uint8_t value[VALUE_MAX];
    libewf_error_t *err = NULL;
    for (size_t i = 0; i < sizeof header / sizeof header[0]; i++) {
        int r = libewf_handle_get_utf8_header_value(e->h, (const uint8_t *)header[i],
                                                    strlen(header[i]), value, sizeof value, &err);
        if (err) libewf_error_free(&err);
        if (r == 1) add_meta(e, header[i], (const char *)value);
    }
    static const char *const hashes[][2] = {{"MD5", "md5"}, {"SHA1", "sha1"}};
    for (size_t i = 0; i < 2; i++) {
        int r = libewf_handle_get_utf8_hash_value(e->h, (const uint8_t *)hashes[i][0],
                                                  strlen(hashes[i][0]), value, sizeof value, &err);
        if (err) libewf_error_free(&err);
        if (r != 1) continue;
        for (uint8_t *p = value; *p; p++)
            if (*p >= 'A' && *p <= 'F') *p = (uint8_t)(*p - 'A' + 'a');
        add_meta(e, hashes[i][1], (const char *)value);
    }
}

int image_ewf_open(const char *path, struct image_ewf **out)
{
    *out = NULL;
    struct image_ewf *e = calloc(1, sizeof *e);
    if (!e) return kt_fail(KT_ENOMEM, "out of memory");
    pthread_mutex_init(&e->lock, NULL);
    libewf_error_t *err = NULL;
    int rc;
    if (libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &e->segments, &e->nsegments, &err) !=
        1) {
        rc = ewf_fail(KT_EINVAL, &err, "cannot find the E01 segments", path);
        goto fail;
    }
    if (libewf_handle_initialize(&e->h, &err) != 1) {
        rc = ewf_fail(KT_ENOMEM, &err, "libewf", path);
        goto fail;
    }
    if (libewf_handle_open(e->h, e->segments, e->nsegments, LIBEWF_OPEN_READ, &err) != 1) {
        rc = ewf_fail(KT_EIO, &err, "cannot open as E01", path);
        goto fail;
    }
    size64_t size = 0;
    uint32_t bps = 0;
    if (libewf_handle_get_media_size(e->h, &size, &err) != 1 ||
        libewf_handle_get_bytes_per_sector(e->h, &bps, &err) != 1) {
        rc = ewf_fail(KT_EIO, &err, "cannot read the E01 media size", path);
        goto fail;
    }
    e->size = size;
    e->sector_size = bps >= 512 && bps <= 65536 && (bps & (bps - 1)) == 0 ? bps : 512;
    load_meta(e);
    *out = e;
    return 0;
fail:
    image_ewf_close(e);
    return rc;
}

uint64_t image_ewf_size(const struct image_ewf *e)
{
    return e->size;
}
uint32_t image_ewf_sector_size(const struct image_ewf *e)
{
    return e->sector_size;
}
size_t image_ewf_segments(const struct image_ewf *e)
{
    return (size_t)e->nsegments;
}
const char *image_ewf_segment(const struct image_ewf *e, size_t i)
{
    return i < (size_t)e->nsegments ? e->segments[i] : NULL;
}

int image_ewf_meta(const struct image_ewf *e, size_t i, const char **key, const char **value)
{
    if (i >= e->nmeta) return KT_ENOTFOUND;
    *key = e->keys[i];
    *value = e->values[i];
    return 0;
}

int image_ewf_read(struct image_ewf *e, uint64_t off, void *buf, size_t n, size_t *got)
{
    *got = 0;
    libewf_error_t *err = NULL;
    int rc = 0;
    pthread_mutex_lock(&e->lock);
    while (*got < n) {
        ssize_t r = libewf_handle_read_random(e->h, (char *)buf + *got, n - *got,
                                              (off64_t)(off + *got), &err);
        if (r < 0) {
            char where[64];
            snprintf(where, sizeof where, "read at %llu failed", (unsigned long long)(off + *got));
            rc = ewf_fail(KT_EIO, &err, where, "E01");
            break;
        }
        if (r == 0) break;
        *got += (size_t)r;
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}

void image_ewf_close(struct image_ewf *e)
{
    if (!e) return;
    libewf_error_t *err = NULL;
    if (e->h) {
        libewf_handle_close(e->h, &err);
        if (err) libewf_error_free(&err);
        libewf_handle_free(&e->h, &err);
        if (err) libewf_error_free(&err);
    }
    if (e->segments) {
        libewf_glob_free(e->segments, e->nsegments, &err);
        if (err) libewf_error_free(&err);
    }
    for (size_t i = 0; i < e->nmeta; i++)
        free(e->values[i]);
    pthread_mutex_destroy(&e->lock);
    free(e);
}
