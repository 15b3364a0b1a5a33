/* Internals shared by the HTTP server files. */
#ifndef KEITSU_HTTP_INTERNAL_H
#define KEITSU_HTTP_INTERNAL_H

#include "http/http.h"

struct http_match {
    http_handler fn;
    void *ctx;
    int flags;
    const char *params[HTTP_MAX_PARAMS]; /* point into buf */
    int nparams;
    char buf[1024];
};

/* Finds the route for method and path. KT_ENOTFOUND if no route has the path, KT_EMETHOD if
 * routes have it but not for this method. */
int http_router_match(const struct http_router *r, const char *method, const char *path,
                      struct http_match *m);

#endif
