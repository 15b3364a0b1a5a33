/* The HTTP server (libmicrohttpd, thread pool), router and JSON request/response helpers.
 *
 * A handler receives a parsed, bounded, authenticated request and fills a response. It returns
 * 0 (response filled) or a negative KT_E* code, in which case the server answers
 * {"error":{"code":kt_err_name(rc),"message":kt_errmsg()}} with status kt_err_http(rc). */
#ifndef KEITSU_HTTP_HTTP_H
#define KEITSU_HTTP_HTTP_H

#include "auth/auth.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_BODY (1024 * 1024)
#define HTTP_MAX_PARAMS 4

struct http_request {
    const char *method;
    const char *path;                    /* without the query string */
    const char *params[HTTP_MAX_PARAMS]; /* ":name" segments of the route, in order */
    int nparams;
    json_t *json;          /* parsed body (object) or NULL; borrowed */
    const char *token;     /* bearer token or NULL */
    struct auth_user user; /* valid when the route requires auth */
    void *conn;            /* the MHD connection, for http_query_arg() */
    const uint8_t *body;   /* HTTP_RAW routes: the body as sent (any content type); borrowed */
    size_t body_len;
    struct http_wait *wait; /* the server's, for http_reply_audited(); NULL outside it */
};

struct http_response {
    int status;   /* default 200 */
    json_t *body; /* JSON body, consumed by the server; or */
    char *raw;    /* raw body (malloc'd, consumed) with content_type */
    size_t raw_len;
    const char *content_type; /* static string */
};

typedef int (*http_handler)(void *ctx, struct http_request *req, struct http_response *resp);

/* HTTP_RAW (with HTTP_AUTH): the body is not parsed as JSON but handed over in req->body
 * (binary exchange formats such as ANSI/NIST-ITL). */
enum { HTTP_PUBLIC = 0, HTTP_AUTH = 1, HTTP_RAW = 2 };

struct http_router;
struct http_server;

int http_router_create(struct http_router **out);
void http_router_free(struct http_router *r);
/* Adds a route. pattern is a path with ":name" segments ("/api/v1/records/:id"). flags is
 * HTTP_PUBLIC or HTTP_AUTH. ctx is passed to fn (borrowed). */
int http_router_add(struct http_router *r, const char *method, const char *pattern, http_handler fn,
                    void *ctx, int flags);

struct bus;
struct bus_event;
/* Decides whether subscriber u may receive ev: 1 = send, 0 = skip. Runs on the publishing
 * thread (must be quick, must not block). */
typedef int (*http_sse_filter)(void *ctx, const struct auth_user *u, const struct bus_event *ev);
/* Adds an authenticated GET route at pattern streaming the bus's events as text/event-stream
 * ("id: SEQ\nevent: TYPE\ndata: JSON\n\n"), filtered per subscriber by filter(ctx, user, ev).
 * Honours the Last-Event-ID request header (and ?last_event_id= for clients that cannot set
 * headers): replays the missed events from the ring, or sends "event: resync\ndata: {}" when
 * they are gone. bus, ctx borrowed; must outlive the server.
 *
 * One bus subscription per route, fanned out to each client's bounded queue (4096 events or
 * 1 MiB); a client whose queue overflows is disconnected and, reconnecting with
 * Last-Event-ID, gets the rest from the ring (or resync when the replay itself would not fit).
 * ": keep-alive" every 15 s. http_server_stop() ends the streams; free the router after. */
int http_router_add_sse(struct http_router *r, const char *pattern, struct bus *bus,
                        http_sse_filter filter, void *ctx);
/* Serves the files under dir (borrowed path) at URL prefix (e.g. "/" → web/, "/vendor/leaflet/"
 * → /usr/share/javascript/leaflet/) for GET/HEAD, public (no auth). "/" prefix maps "/" to
 * index.html. Refuses "..", NUL, symlinks out of dir; content types by extension (html, js,
 * mjs, css, json, png, svg, ico, map, webmanifest); Cache-Control no-cache; 404 JSON for
 * missing files. API routes always take precedence over static files. Hidden files (a path
 * segment starting with '.') are not served. prefix starts and ends with '/'; KT_ENOTFOUND
 * if dir is not a directory. */
int http_router_add_static(struct http_router *r, const char *prefix, const char *dir);

/* HTTPS: the server's certificate chain and private key, PEM text (NUL-terminated; borrowed:
 * they must stay valid until http_server_stop). TLS 1.2 and 1.3 only (GnuTLS, through
 * libmicrohttpd). */
struct http_tls {
    const char *cert_pem, *key_pem;
};
/* Starts serving on listen ("127.0.0.1:8080", "localhost:8080", ":8080"). router and auth are
 * borrowed and must outlive the server. threads: size of the worker pool. tls NULL: plain
 * HTTP; else HTTPS only (KT_EINVAL when the key or certificate cannot be used, or this
 * libmicrohttpd has no TLS). */
int http_server_start(const char *listen, struct http_router *router, struct auth *auth,
                      int threads, const struct http_tls *tls, struct http_server **out);
/* The port actually bound (useful with port 0). */
int http_server_port(const struct http_server *s);
/* Ends the event streams, then stops the server. */
void http_server_stop(struct http_server *s);

/* A query-string argument of the request, or NULL. */
const char *http_query_arg(struct http_request *req, const char *name);

struct audit;
struct audit_entry;
/* Fills resp for a request whose audit entry (number seq) is now durable, as a handler would:
 * 0 or a KT_E* code. Called with resp NULL when there is nothing to answer (the entry could not
 * be written, or the request has gone): then it only frees ctx. It always frees ctx. */
typedef int (*http_finish)(void *ctx, int64_t seq, struct http_response *resp);
/* Answers req once entry e by req->user is durable in the audit trail a (what audit_log()
 * guarantees), without holding the server's thread meanwhile: the connection is set aside
 * while the group-commit writer commits the entry, the thread serves other connections, and
 * when the entry is committed the server calls finish(ctx, seq, resp) on one of its threads
 * (or answers the audit error after finish(ctx, 0, NULL)). A handler calls this last and
 * returns what it returns. e and all it points to are borrowed until finish runs (keep them in
 * ctx; e itself is copied); finish owns ctx. Outside the server (req->wait NULL) and while it
 * stops, it waits in audit_log() and calls finish at once. 0, or a KT_E* code after
 * finish(ctx, 0, NULL). */
int http_reply_audited(struct http_request *req, struct http_response *resp, struct audit *a,
                       const struct audit_entry *e, http_finish finish, void *ctx);

/* Rejects keys of obj not in the NULL-terminated allowed list: KT_EINVAL "unknown field". */
int http_json_only(const json_t *obj, const char *where, const char *const *allowed);
/* Reads a string field: *out is borrowed from obj (NULL if absent and !required). Checks type,
 * length in code points (1..maxchars) and that it has no control characters. */
int http_json_str(const json_t *obj, const char *key, int required, size_t maxchars,
                  const char **out);
/* Sets resp to status with a JSON body (consumed). Returns 0. */
int http_reply(struct http_response *resp, int status, json_t *body);
/* Sets resp to 200 with json_text (JSON already written out, len bytes; malloc'd, consumed).
 * Returns 0. */
int http_reply_text(struct http_response *resp, char *json_text, size_t len);

#endif
