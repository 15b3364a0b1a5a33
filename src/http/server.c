/* libmicrohttpd glue: bounded body collection, bearer authentication, dispatch, JSON errors.
 *
 * A query's answer waits until its audit entry is durable. Its handler does not wait on the
 * server's thread for that (http_reply_audited): the connection is suspended while the audit
 * writer commits the entry, and the writer resumes it, so a few threads serve every connection.
 * When each waiting request held a thread, the connections a thread had accepted queued behind
 * its one waiting request, and tens of threads woke and slept for every batch. */
#include "auth/audit.h"
#include "base/err.h"
#include "base/log.h"
#include "base/utf8.h"
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <assert.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *d;
    struct http_router *router;
    struct auth *auth;
    int port;
    pthread_mutex_t wait_mu;
    pthread_cond_t wait_cv; /* waiting fell to 0 */
    int waiting;            /* requests set aside for their audit entry (under wait_mu) */
    int stopping;           /* no more are set aside (under wait_mu) */
};

/* A request set aside until its audit entry is durable (http_reply_audited). state goes
 * QUEUED (the handler queued the entry) → SUSPENDED (the server suspended the connection) →
 * DONE (the writer committed it); or QUEUED → DONE when the writer is quicker than the
 * suspension, and then the server resumes the connection itself. Whoever moves it from
 * SUSPENDED resumes the connection, so it is resumed exactly once. */
enum { WAIT_NONE, WAIT_QUEUED, WAIT_SUSPENDED, WAIT_DONE };

struct http_wait {
    struct http_server *s;
    struct MHD_Connection *conn;
    atomic_int state;
    struct auth_user user; /* copies: the handler's request is gone when the entry commits */
    struct audit_entry e;
    http_finish finish;
    void *ctx;
    int rc; /* the writer's verdict, set before state becomes DONE */
    int64_t seq;
};

/* Per-request state, kept across MHD's calls for one request. */
struct req_state {
    char *body;
    size_t len, cap;
    int too_big;
    int started;            /* the access handler has seen the headers */
    int nul_in_url;         /* the URL encodes a NUL byte (%00) */
    struct sse_client *sse; /* an event stream to end when the request completes */
    struct http_wait wait;
};

/* Queues r (its reference is consumed) with the headers every answer carries. */
static int queue(struct MHD_Connection *conn, int status, struct MHD_Response *r,
                 const char *content_type, const char *cache)
{
    MHD_add_response_header(r, "Content-Type", content_type);
    MHD_add_response_header(r, "Cache-Control", cache);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    int ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Queues body (malloc'd, consumed). */
static int send_body(struct MHD_Connection *conn, int status, char *body, size_t len,
                     const char *content_type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    return queue(conn, status, r, content_type, "no-store");
}

static int send_json(struct MHD_Connection *conn, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(body);
    if (!text) return MHD_NO;
    return send_body(conn, status, text, strlen(text), "application/json; charset=utf-8");
}

static int send_error(struct MHD_Connection *conn, int code)
{
    /* Messages may quote (truncated) input: replace anything that is not valid UTF-8, so the
     * error body itself can always be built. */
    const char *msg = kt_errmsg();
    char clean[512];
    size_t o = 0, len = strlen(msg);
    for (size_t i = 0; i < len && o + 4 < sizeof clean;) {
        uint32_t cp;
        int n = utf8_decode(msg + i, len - i, &cp);
        if (n <= 0 || cp < 0x20) {
            clean[o++] = '?';
            i++;
            continue;
        }
        memcpy(clean + o, msg + i, (size_t)n);
        o += (size_t)n;
        i += (size_t)n;
    }
    clean[o] = '\0';
    json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", kt_err_name(code), "message",
                          o ? clean : kt_err_name(code));
    return send_json(conn, kt_err_http(code), e);
}

/* A file from a static mount, for GET and HEAD (MHD leaves out the body for HEAD). */
static int send_static(struct MHD_Connection *conn, const struct http_mount *mnt,
                       const char *method, const char *url)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        kt_fail(KT_EMETHOD, "%s is not allowed on files", method);
        return send_error(conn, KT_EMETHOD);
    }
    int fd;
    uint64_t size;
    const char *ct;
    int rc = http_static_open(mnt, url, &fd, &size, &ct);
    if (rc) return send_error(conn, rc);
    struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    return queue(conn, MHD_HTTP_OK, r, ct, "no-cache");
}

static int send_stream(struct MHD_Connection *conn, struct sse_hub *hub,
                       const struct http_request *req, struct req_state *rs)
{
    struct MHD_Response *r;
    int rc = http_sse_open(hub, req, &rs->sse, &r);
    if (rc) return send_error(conn, rc);
    return queue(conn, MHD_HTTP_OK, r, "text/event-stream; charset=utf-8", "no-store");
}

static const char *bearer(struct MHD_Connection *conn)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return NULL;
    return h + 7;
}

/* Queues a handler's outcome: resp if rc is 0, else the error rc. */
static int respond(struct MHD_Connection *conn, const char *method, const char *url, int rc,
                   struct http_response *resp)
{
    if (rc) {
        json_decref(resp->body);
        free(resp->raw);
        if (kt_err_http(rc) >= 500)
            kt_log_error("%s %s: %s: %s", method, url, kt_err_name(rc), kt_errmsg());
        return send_error(conn, rc);
    }
    if (resp->raw)
        return send_body(conn, resp->status, resp->raw, resp->raw_len,
                         resp->content_type ? resp->content_type : "text/plain");
    return send_json(conn, resp->status, resp->body ? resp->body : json_object());
}

/* Counts one more request set aside, unless the server is stopping (0 then). */
static int wait_enter(struct http_server *s)
{
    pthread_mutex_lock(&s->wait_mu);
    int ok = !s->stopping;
    if (ok) s->waiting++;
    pthread_mutex_unlock(&s->wait_mu);
    return ok;
}

static void wait_leave(struct http_wait *w)
{
    struct http_server *s = w->s;
    atomic_store(&w->state, WAIT_NONE);
    pthread_mutex_lock(&s->wait_mu);
    if (--s->waiting == 0) pthread_cond_broadcast(&s->wait_cv);
    pthread_mutex_unlock(&s->wait_mu);
}

/* The audit writer's word on a set-aside request (on the writer's thread). */
static void on_audited(void *arg, int rc, int64_t seq)
{
    struct http_wait *w = arg;
    struct MHD_Connection *conn = w->conn;
    w->rc = rc;
    w->seq = seq;
    if (atomic_exchange(&w->state, WAIT_DONE) == WAIT_SUSPENDED) MHD_resume_connection(conn);
}

static int set_aside(struct MHD_Connection *conn, struct http_wait *w)
{
    MHD_suspend_connection(conn);
    int expect = WAIT_QUEUED;
    if (!atomic_compare_exchange_strong(&w->state, &expect, WAIT_SUSPENDED))
        MHD_resume_connection(conn); /* already committed */
    return MHD_YES;
}

/* MHD calls the access handler again for a resumed connection: the entry is committed (or
 * failed), and the answer can be made and sent. */
static int answer_audited(struct MHD_Connection *conn, const char *method, const char *url,
                          struct http_wait *w)
{
    wait_leave(w);
    kt_err_clear();
    struct http_response resp = {.status = 200};
    int rc;
    if (w->rc) {
        w->finish(w->ctx, 0, NULL);
        rc = audit_failed(w->rc);
    } else {
        rc = w->finish(w->ctx, w->seq, &resp);
    }
    return respond(conn, method, url, rc, &resp);
}

int http_reply_audited(struct http_request *req, struct http_response *resp, struct audit *a,
                       const struct audit_entry *e, http_finish finish, void *ctx)
{
    struct http_wait *w = req->wait;
    int rc;
    if (w && wait_enter(w->s)) {
        w->user = req->user;
        w->e = *e;
        w->finish = finish;
        w->ctx = ctx;
        atomic_store(&w->state, WAIT_QUEUED);
        if (!(rc = audit_log_async(a, &w->user, &w->e, on_audited, w))) return 0;
        wait_leave(w);
        finish(ctx, 0, NULL);
        return rc;
    }
    int64_t seq;
    if ((rc = audit_log(a, &req->user, e, &seq))) {
        finish(ctx, 0, NULL);
        return rc;
    }
    return finish(ctx, seq, resp);
}

static int dispatch(struct http_server *s, struct MHD_Connection *conn, const char *url,
                    const char *method, struct req_state *rs)
{
    kt_err_clear();
    if (rs->nul_in_url) {
        kt_fail(KT_EINVAL, "the URL may not contain NUL (%%00)");
        return send_error(conn, KT_EINVAL);
    }
    struct http_match m;
    int rc = http_router_match(s->router, method, url, &m);
    const struct http_mount *mnt;
    if (rc == KT_ENOTFOUND && (mnt = http_router_mount(s->router, url)))
        return send_static(conn, mnt, method, url);
    if (rc == KT_ENOTFOUND) {
        kt_fail(rc, "no such endpoint: %s %s", method, url);
        return send_error(conn, rc);
    }
    if (rc == KT_EMETHOD) {
        kt_fail(rc, "%s is not allowed on %s", method, url);
        return send_error(conn, rc);
    }
    struct http_request req = {.method = method, .path = url, .conn = conn};
    req.nparams = m.nparams;
    for (int i = 0; i < m.nparams; i++)
        req.params[i] = m.params[i];
    req.token = bearer(conn);
    if (m.flags & HTTP_AUTH) {
        if (!req.token) {
            kt_fail(KT_EAUTH, "log in first: send Authorization: Bearer <token>");
            return send_error(conn, KT_EAUTH);
        }
        if ((rc = auth_session_check(s->auth, req.token, &req.user))) return send_error(conn, rc);
    }
    if (rs->too_big) {
        kt_fail(KT_ETOOBIG, "request body is over %d bytes", HTTP_MAX_BODY);
        return send_error(conn, KT_ETOOBIG);
    }
    if (m.flags & HTTP_ROUTE_SSE) return send_stream(conn, m.ctx, &req, rs);
    json_t *json = NULL;
    if (m.flags & HTTP_RAW) {
        req.body = (const uint8_t *)rs->body;
        req.body_len = rs->len;
    } else if (rs->len > 0) {
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
            kt_fail(KT_EMEDIA, "send the body as application/json");
            return send_error(conn, KT_EMEDIA);
        }
        if (!utf8_valid(rs->body, rs->len)) {
            kt_fail(KT_EINVAL, "request body is not valid UTF-8");
            return send_error(conn, KT_EINVAL);
        }
        json_error_t jerr;
        json = json_loadb(rs->body, rs->len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json) {
            kt_fail(KT_EINVAL, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column,
                    jerr.text);
            return send_error(conn, KT_EINVAL);
        }
        if (!json_is_object(json)) {
            json_decref(json);
            kt_fail(KT_EINVAL, "request body must be a JSON object");
            return send_error(conn, KT_EINVAL);
        }
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
               strcmp(method, "PATCH") == 0) {
        json = json_object();
    }
    req.json = json;
    req.wait = &rs->wait;
    rs->wait.s = s;
    rs->wait.conn = conn;
    struct http_response resp = {.status = 200};
    rc = m.fn(m.ctx, &req, &resp);
    json_decref(json);
    if (atomic_load(&rs->wait.state) != WAIT_NONE) {
        assert(rc == 0); /* http_reply_audited() set it aside */
        return set_aside(conn, &rs->wait);
    }
    return respond(conn, method, url, rc, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct http_server *s = cls;
    struct req_state *rs = *con_cls;
    if (!rs) return MHD_NO; /* on_uri could not allocate it */
    if (!rs->started) {
        rs->started = 1;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (rs->too_big || rs->len + n > HTTP_MAX_BODY) {
            rs->too_big = 1; /* keep reading and discarding, then answer 413 */
            return MHD_YES;
        }
        if (rs->len + n > rs->cap) {
            size_t ncap = rs->cap ? rs->cap : 4096;
            while (ncap < rs->len + n)
                ncap *= 2;
            char *b = realloc(rs->body, ncap);
            if (!b) return MHD_NO;
            rs->body = b;
            rs->cap = ncap;
        }
        memcpy(rs->body + rs->len, upload_data, n);
        rs->len += n;
        return MHD_YES;
    }
    if (atomic_load(&rs->wait.state) == WAIT_DONE)
        return answer_audited(conn, method, url, &rs->wait) == MHD_YES ? MHD_YES : MHD_NO;
    return dispatch(s, conn, url, method, rs) == MHD_YES ? MHD_YES : MHD_NO;
}

/* First sight of a request (once per request): its state, and the raw URI before MHD decodes
 * it, where a %00 is still visible. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls, (void)conn;
    struct req_state *rs = calloc(1, sizeof *rs);
    if (rs && uri) {
        for (const char *p = strchr(uri, '%'); p; p = strchr(p + 1, '%'))
            if (p[1] == '0' && p[2] == '0') rs->nul_in_url = 1;
    }
    return rs;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct req_state *rs = *con_cls;
    if (rs) {
        /* Resumed, then closed before its answer was made. (A request is never completed
         * while its entry is still with the writer: suspended connections are not.) */
        assert(atomic_load(&rs->wait.state) == WAIT_NONE ||
               atomic_load(&rs->wait.state) == WAIT_DONE);
        if (atomic_load(&rs->wait.state) == WAIT_DONE) {
            wait_leave(&rs->wait);
            rs->wait.finish(rs->wait.ctx, 0, NULL);
        }
        if (rs->sse) http_sse_done(rs->sse);
        free(rs->body);
        free(rs);
    }
    *con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    const char *colon = strrchr(listen, ':');
    if (!colon) return kt_fail(KT_EINVAL, "listen address must be HOST:PORT");
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1)
        return kt_fail(KT_EINVAL, "listen address has a bad port: %s", listen);
    sa->sin_port = htons((uint16_t)port);
    char host[256];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host) return kt_fail(KT_EINVAL, "listen host too long");
    memcpy(host, listen, hl);
    host[hl] = '\0';
    if (hl == 0 || strcmp(host, "localhost") == 0) {
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        return kt_fail(KT_EINVAL, "listen host must be an IPv4 address or localhost: %s", host);
    }
    return 0;
}

int http_server_start(const char *listen, struct http_router *router, struct auth *auth,
                      int threads, const struct http_tls *tls, struct http_server **out)
{
    struct sockaddr_in sa;
    int rc = parse_listen(listen, &sa);
    if (rc) return rc;
    /* HTTPS: the key and certificate from memory, TLS 1.2 and 1.3 only */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, tls ? (void *)tls->key_pem : NULL},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, tls ? (void *)tls->cert_pem : NULL},
        {MHD_OPTION_HTTPS_PRIORITIES, 0,
         (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"},
        {MHD_OPTION_END, 0, NULL}};
    if (tls) {
        if (!tls->cert_pem || !tls->key_pem || !*tls->cert_pem || !*tls->key_pem)
            return kt_fail(KT_EINVAL, "HTTPS needs both a certificate and a private key");
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return kt_fail(KT_EINVAL, "this libmicrohttpd was built without TLS");
    } else {
        tls_opts[0].option = MHD_OPTION_END;
    }
    struct http_server *s = calloc(1, sizeof *s);
    if (!s) return KT_ENOMEM;
    s->router = router;
    s->auth = auth;
    pthread_mutex_init(&s->wait_mu, NULL);
    pthread_cond_init(&s->wait_cv, NULL);
    http_router_streams(router, 0);
    /* Event streams suspend their connection while they have nothing to send, and queries
     * while their audit entry is being committed. */
    s->d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                             MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0),
                         0, NULL, NULL, &on_request, s, MHD_OPTION_URI_LOG_CALLBACK, &on_uri, s,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
                         (unsigned)(threads > 0 ? threads : 4), MHD_OPTION_NOTIFY_COMPLETED,
                         &on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                         MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                         (size_t)16 * 1024, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->d) {
        pthread_mutex_destroy(&s->wait_mu);
        pthread_cond_destroy(&s->wait_cv);
        free(s);
        if (tls)
            return kt_fail(KT_EINVAL,
                           "cannot serve HTTPS on %s: the port is in use, or the "
                           "certificate and key are not valid PEM or do not match",
                           listen);
        return kt_fail(KT_EIO, "cannot listen on %s (in use or not permitted)", listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : ntohs(sa.sin_port);
    *out = s;
    return 0;
}

int http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s)
{
    if (!s) return;
    /* MHD must not be stopped with suspended connections: end the streams (which resumes
     * them) first. */
    http_router_streams(s->router, 1);
    /* Nor with requests set aside: let their entries commit and their answers go. */
    pthread_mutex_lock(&s->wait_mu);
    s->stopping = 1;
    while (s->waiting)
        pthread_cond_wait(&s->wait_cv, &s->wait_mu);
    pthread_mutex_unlock(&s->wait_mu);
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->wait_mu);
    pthread_cond_destroy(&s->wait_cv);
    free(s);
}

const char *http_query_arg(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}
