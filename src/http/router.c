#include "http/http_internal.h"

#include "base/err.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ROUTES 128
#define MAX_SEGS 12
#define MAX_HUBS 8
#define MAX_MOUNTS 8

struct route {
    char method[8];
    char *segs[MAX_SEGS]; /* a segment starting with ':' matches anything */
    int nsegs;
    http_handler fn;
    void *ctx;
    int flags;
};

struct http_router {
    struct route routes[MAX_ROUTES];
    int n;
    struct sse_hub *hubs[MAX_HUBS];
    int nhubs;
    struct http_mount mounts[MAX_MOUNTS];
    int nmounts;
};

int http_router_create(struct http_router **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : KT_ENOMEM;
}

void http_router_free(struct http_router *r)
{
    if (!r) return;
    for (int i = 0; i < r->n; i++)
        for (int j = 0; j < r->routes[i].nsegs; j++)
            free(r->routes[i].segs[j]);
    for (int i = 0; i < r->nhubs; i++)
        http_sse_hub_free(r->hubs[i]);
    free(r);
}

int http_router_add(struct http_router *r, const char *method, const char *pattern, http_handler fn,
                    void *ctx, int flags)
{
    if (r->n == MAX_ROUTES) return kt_fail(KT_EINTERNAL, "too many routes");
    struct route *rt = &r->routes[r->n];
    memset(rt, 0, sizeof *rt);
    snprintf(rt->method, sizeof rt->method, "%s", method);
    const char *p = pattern;
    while (*p) {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (rt->nsegs == MAX_SEGS) return kt_fail(KT_EINTERNAL, "route too deep");
        rt->segs[rt->nsegs] = strndup(p, len);
        if (!rt->segs[rt->nsegs]) return KT_ENOMEM;
        rt->nsegs++;
        p += len;
    }
    rt->fn = fn;
    rt->ctx = ctx;
    rt->flags = flags;
    r->n++;
    return 0;
}

int http_router_match(const struct http_router *r, const char *method, const char *path,
                      struct http_match *m)
{
    /* Split path into segments (bounded copy). */
    size_t plen = strlen(path);
    if (plen >= sizeof m->buf) return KT_ENOTFOUND;
    memcpy(m->buf, path, plen + 1);
    char *segs[MAX_SEGS];
    int nsegs = 0;
    char *p = m->buf;
    while (*p) {
        if (*p == '/') {
            *p++ = '\0';
            continue;
        }
        if (nsegs == MAX_SEGS) return KT_ENOTFOUND;
        segs[nsegs++] = p;
        while (*p && *p != '/')
            p++;
    }
    int path_matched = 0;
    for (int i = 0; i < r->n; i++) {
        const struct route *rt = &r->routes[i];
        if (rt->nsegs != nsegs) continue;
        int np = 0, ok = 1;
        const char *params[HTTP_MAX_PARAMS];
        for (int j = 0; j < nsegs && ok; j++) {
            if (rt->segs[j][0] == ':') {
                if (np == HTTP_MAX_PARAMS)
                    ok = 0;
                else
                    params[np++] = segs[j];
            } else if (strcmp(rt->segs[j], segs[j]) != 0) {
                ok = 0;
            }
        }
        if (!ok) continue;
        path_matched = 1;
        if (strcmp(rt->method, method) != 0) continue;
        m->fn = rt->fn;
        m->ctx = rt->ctx;
        m->flags = rt->flags;
        m->nparams = np;
        for (int j = 0; j < np; j++)
            m->params[j] = params[j];
        return 0;
    }
    return path_matched ? KT_EMETHOD : KT_ENOTFOUND;
}

/* The route's handler is never called: the server streams SSE routes itself. */
static int sse_placeholder(void *ctx, struct http_request *req, struct http_response *resp)
{
    (void)ctx, (void)req, (void)resp;
    return kt_fail(KT_EINTERNAL, "event stream route called as a handler");
}

int http_router_add_sse(struct http_router *r, const char *pattern, struct bus *bus,
                        http_sse_filter filter, void *ctx)
{
    if (r->nhubs == MAX_HUBS) return kt_fail(KT_EINTERNAL, "too many event streams");
    struct sse_hub *hub;
    int rc = http_sse_hub_new(bus, filter, ctx, &hub);
    if (rc) return rc;
    if ((rc = http_router_add(r, "GET", pattern, sse_placeholder, hub,
                              HTTP_AUTH | HTTP_ROUTE_SSE))) {
        http_sse_hub_free(hub);
        return rc;
    }
    r->hubs[r->nhubs++] = hub;
    return 0;
}

void http_router_streams(struct http_router *r, int stopping)
{
    for (int i = 0; i < r->nhubs; i++)
        http_sse_hub_streams(r->hubs[i], stopping);
}

int http_router_add_static(struct http_router *r, const char *prefix, const char *dir)
{
    size_t pl = strlen(prefix);
    if (r->nmounts == MAX_MOUNTS) return kt_fail(KT_EINTERNAL, "too many static mounts");
    if (pl == 0 || prefix[0] != '/' || prefix[pl - 1] != '/' || pl >= sizeof r->mounts[0].prefix)
        return kt_fail(KT_EINVAL, "static prefix must start and end with /: %s", prefix);
    struct http_mount *m = &r->mounts[r->nmounts];
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(dir, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        return kt_fail(KT_ENOTFOUND, "no directory %s to serve at %s", dir, prefix);
    snprintf(m->prefix, sizeof m->prefix, "%s", prefix);
    snprintf(m->dir, sizeof m->dir, "%s", real);
    r->nmounts++;
    return 0;
}

const struct http_mount *http_router_mount(const struct http_router *r, const char *path)
{
    const struct http_mount *best = NULL;
    for (int i = 0; i < r->nmounts; i++) {
        size_t pl = strlen(r->mounts[i].prefix);
        if (strncmp(path, r->mounts[i].prefix, pl) == 0 && (!best || pl > strlen(best->prefix)))
            best = &r->mounts[i];
    }
    return best;
}
