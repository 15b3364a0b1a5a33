/* Static files: the web console and vendored libraries, read-only, never outside their dir. */
#include "base/err.h"
#include "http/http_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *content_type_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".webmanifest", "application/manifest+json; charset=utf-8"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".ico", "image/x-icon"},
    };
    const char *base = strrchr(path, '/');
    const char *dot = strrchr(base ? base : path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

/* Every segment a plain name: no "..", no hidden files, no control characters or backslash. */
static int rel_ok(const char *rel)
{
    const char *seg = rel;
    for (const char *p = rel;; p++) {
        if (*p == '/' || *p == '\0') {
            if (p > seg && *seg == '.') return 0;
            if (!*p) return 1;
            seg = p + 1;
        } else if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\') {
            return 0;
        }
    }
}

int http_static_open(const struct http_mount *m, const char *path, int *fd, uint64_t *size,
                     const char **content_type)
{
    size_t plen = strlen(m->prefix);
    if (strncmp(path, m->prefix, plen) != 0) return kt_fail(KT_ENOTFOUND, "no such file");
    const char *rel = path + plen;
    if (!rel_ok(rel))
        return kt_fail(KT_EINVAL,
                       "file paths may not contain .., hidden names or control characters");
    char full[PATH_MAX + 16];
    int n = snprintf(full, sizeof full, "%s/%s%s", m->dir, rel,
                     (*rel == '\0' || rel[strlen(rel) - 1] == '/') ? "index.html" : "");
    if (n < 0 || (size_t)n >= sizeof full) return kt_fail(KT_ENOTFOUND, "no such file");
    /* The real path must still be inside the mount (a symlink may point anywhere). */
    char real[PATH_MAX];
    if (!realpath(full, real)) return kt_fail(KT_ENOTFOUND, "no such file: %.200s", path);
    size_t dlen = strlen(m->dir);
    if (strncmp(real, m->dir, dlen) != 0 || (real[dlen] != '/' && strcmp(m->dir, "/") != 0))
        return kt_fail(KT_ENOTFOUND, "no such file: %.200s", path);
    int f = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (f < 0 || fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (f >= 0) close(f);
        return kt_fail(KT_ENOTFOUND, "no such file: %.200s", path);
    }
    *fd = f;
    *size = (uint64_t)st.st_size;
    *content_type = content_type_of(real);
    return 0;
}
