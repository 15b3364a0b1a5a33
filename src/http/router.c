#include "http/http_internal.h"

#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 128
#define MAX_SEGS 12

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
