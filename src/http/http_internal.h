/* Internals shared by the HTTP server files. */
#ifndef KEITSU_HTTP_INTERNAL_H
#define KEITSU_HTTP_INTERNAL_H

#include "http/http.h"

#include <stdint.h>

struct MHD_Connection;
struct MHD_Response;

/* A route flag beside HTTP_PUBLIC/HTTP_AUTH: the route's ctx is a struct sse_hub. */
#define HTTP_ROUTE_SSE 0x100

struct sse_hub;
struct sse_client;

/* One static mount: URL prefix → real path of a directory. */
struct http_mount {
    char prefix[128];
    char dir[4096];
};

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

/* The mount with the longest prefix of path, or NULL. */
const struct http_mount *http_router_mount(const struct http_router *r, const char *path);
/* Opens the file path (a URL path under m->prefix) for reading: *fd (caller closes), its size
 * and content type (static string). KT_EINVAL for "..", hidden or control characters,
 * KT_ENOTFOUND for missing files, non-regular files and symlinks out of the mount. */
int http_static_open(const struct http_mount *m, const char *path, int *fd, uint64_t *size,
                     const char **content_type);

/* Every hub of r: stopping = 1 ends their streams and refuses new ones, 0 allows them again. */
void http_router_streams(struct http_router *r, int stopping);

/* Event-stream hubs (sse.c). */
int http_sse_hub_new(struct bus *bus, http_sse_filter filter, void *ctx, struct sse_hub **out);
void http_sse_hub_free(struct sse_hub *hub);
void http_sse_hub_streams(struct sse_hub *hub, int stopping);
/* Opens a stream for req on its connection: *resp to queue with status 200 (the caller adds
 * Content-Type and Cache-Control, queues it and destroys its reference) and *client to hand to
 * http_sse_done() when MHD says the request completed. 0 or a KT_E* code (nothing to clean up
 * then). */
int http_sse_open(struct sse_hub *hub, const struct http_request *req, struct sse_client **client,
                  struct MHD_Response **resp);
void http_sse_done(struct sse_client *client);

#endif
