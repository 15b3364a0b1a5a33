/* Live-sharing benchmark (dispatch events): units reporting positions, server-sent-event
 * subscribers and 110 calls, against a running `keitsu serve`, measuring the latency from a
 * call's creation to its `incident` event at every subscriber.
 *
 *   bench_dispatch URL [SERVER_PID]
 *
 * URL is the server's base (http://127.0.0.1:PORT; plain HTTP on IPv4 only). SERVER_PID, when
 * given, is read from /proc for the server's CPU time over the measured window. bench/run.sh
 * starts the server on a fresh store and adds the three users first.
 *
 * Environment:
 *   BENCH_DISPATCH_PASSWORD  the password of the three users (required)
 *   BENCH_SUP_USER, BENCH_TAKER_USER, BENCH_DISP_USER
 *                            a supervisor (creates the station and units, reports positions),
 *                            a call_taker (takes the calls) and a dispatcher (each subscriber
 *                            logs in as it); default bench-sup, bench-taker, bench-disp
 *   BENCH_UNITS        units (default 5,000)
 *   BENCH_SUBSCRIBERS  event-stream subscribers (default 200)
 *   BENCH_POS_PERIOD   seconds between two reports of one unit (default 5): the position rate
 *                      is BENCH_UNITS / BENCH_POS_PERIOD, spread evenly
 *   BENCH_CALL_RATE    calls per second (default 10)
 *   BENCH_SECONDS      measured seconds (default 30), after BENCH_WARMUP seconds (default 5)
 *                      of the same load
 *   BENCH_POS_CONNS    keep-alive connections for the position reports (default 16)
 *   BENCH_GOAL_MS      the goal for the p99 call → every subscriber (default 50)
 *
 * Nothing third-party: one epoll loop with raw non-blocking sockets and keep-alive HTTP/1.1
 * for the requests, another thread with its own epoll loop for the subscribers, whose
 * responses are parsed as chunked transfer encoding and then as text/event-stream.
 *
 * Timing: t0 is taken just before a call's request is written; at a subscriber, t1 is taken
 * when the read() that completes the `event: incident` frame with "change":"created" returns
 * (CLOCK_MONOTONIC, the same clock in both threads). A subscriber may see the event before
 * the call's response arrives, so frames are logged as (incident id, subscriber, t1) and
 * matched to the calls after the run. Exit status: 0 when the goal is met and no event is
 * missing, 1 when not, 2 on a setup error. */
#include "bench_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE (512 * 1024)      /* one SSE line (an event's data) */
#define MAX_BODY (4 * 1024 * 1024) /* one response body */
#define MAX_IN (8 * 1024 * 1024)   /* unparsed input of one connection */
#define ID_MAX 40

/* The area: a box over Tokyo (23 wards and Tama), the station's polygon. */
#define LAT0 35.50
#define LAT1 35.90
#define LON0 139.40
#define LON1 139.95

/* ---- small things ---- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t rng_state = 20261123;

static uint64_t rnd(void)
{
    return bench_rng_next(&rng_state);
}

static double uniform(double lo, double hi)
{
    return bench_uniform(&rng_state, lo, hi);
}

static long env_long(const char *name, long def, long lo, long hi)
{
    return bench_env_long(name, def, lo, hi);
}

static const char *env_str(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "bench_dispatch: out of memory\n");
        exit(2);
    }
    return q;
}

/* A growing buffer with a maximum. */
struct dbuf {
    char *p;
    size_t len, cap, max;
};

static int dbuf_add(struct dbuf *b, const void *data, size_t n)
{
    if (b->len + n > b->max) return -1;
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 1024;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        b->p = xrealloc(b->p, ncap);
        b->cap = ncap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* Copies the string value of "key":"…" found in json (no escapes expected in ids and tokens). */
static int json_find_str(const char *json, size_t len, const char *key, char *out, size_t cap)
{
    char pat[64];
    int pn = snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *end = json + len;
    for (const char *p = json; p + pn <= end; p++) {
        if (memcmp(p, pat, (size_t)pn) != 0) continue;
        const char *s = p + pn, *q = memchr(s, '"', (size_t)(end - s));
        if (!q || (size_t)(q - s) >= cap) return -1;
        memcpy(out, s, (size_t)(q - s));
        out[q - s] = '\0';
        return 0;
    }
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Percentile q (0..1) of v[0..n) sorted ascending, nearest rank. */
static double pct(const double *v, size_t n, double q)
{
    if (!n) return 0;
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

struct samples {
    double *v;
    size_t n, cap;
};

static void samples_add(struct samples *s, double x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = x;
}

static void samples_sort(struct samples *s)
{
    if (s->n) qsort(s->v, s->n, sizeof *s->v, cmp_double);
}

/* ---- connections: keep-alive HTTP/1.1 over non-blocking sockets ---- */

static struct sockaddr_in server_addr;
static char server_host[64];

enum { P_HEAD, P_LEN, P_CHUNK_SIZE, P_CHUNK_DATA, P_CHUNK_END, P_TRAILER, P_UNTIL_CLOSE };

struct conn;
typedef void (*done_fn)(struct conn *c, int status, const char *body, size_t len);

struct conn {
    int fd;
    int sse;        /* the response is an event stream: body bytes go to the SSE parser */
    int busy;       /* a request is in flight */
    int dead;       /* the connection failed or was closed */
    struct dbuf w;  /* the request being written */
    size_t woff;    /* bytes of w written */
    struct dbuf in; /* bytes read, not yet parsed */
    size_t ioff;
    int pstate, status;
    size_t remain;
    struct dbuf body;
    int64_t t_sent, t_read; /* t_read: when the last read() returned */
    done_fn done;
    long tag; /* what the request was for (a unit, a call) */
    /* SSE */
    int sub;
    struct dbuf line;
    char ev_type[32];
    struct dbuf ev_data;
};

static void conn_init(struct conn *c)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->in.max = MAX_IN;
    c->body.max = MAX_BODY;
    c->w.max = MAX_BODY;
    c->line.max = MAX_LINE;
    c->ev_data.max = MAX_LINE;
}

static void conn_free(struct conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    free(c->w.p);
    free(c->in.p);
    free(c->body.p);
    free(c->line.p);
    free(c->ev_data.p);
}

static int conn_open(struct conn *c, int ep)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&server_addr, sizeof server_addr) != 0 &&
        errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->dead = 0;
    c->busy = 0;
    c->in.len = c->ioff = 0;
    c->pstate = P_HEAD;
    return 0;
}

/* Writes what is left of the request; -1 when the connection failed. */
static int conn_flush(struct conn *c)
{
    while (c->woff < c->w.len) {
        ssize_t n = send(c->fd, c->w.p + c->woff, c->w.len - c->woff, MSG_NOSIGNAL);
        if (n > 0) {
            c->woff += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)) {
            return 0; /* EPOLLOUT (edge-triggered) calls again */
        } else {
            return -1;
        }
    }
    return 0;
}

/* Starts a request on an idle connection: t_sent is taken just before it is written. */
static int conn_request(struct conn *c, const char *method, const char *path, const char *token,
                        const char *body, done_fn done, long tag)
{
    char head[1024], clen[96] = "";
    size_t blen = body ? strlen(body) : 0;
    if (body)
        snprintf(clen, sizeof clen, "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                 blen);
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\n%s%s%s%s\r\n", method, path,
                     server_host, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "", clen);
    if (n < 0 || (size_t)n >= sizeof head) return -1;
    c->w.len = 0;
    c->woff = 0;
    if (dbuf_add(&c->w, head, (size_t)n) || (body && dbuf_add(&c->w, body, blen))) return -1;
    c->busy = 1;
    c->done = done;
    c->tag = tag;
    c->body.len = 0;
    c->t_sent = now_ns();
    return conn_flush(c);
}

static void sse_feed(struct conn *c, const char *p, size_t n);

/* Body bytes: to the event-stream parser or into the body. */
static int conn_sink(struct conn *c, const char *p, size_t n)
{
    if (c->sse && c->status == 200) {
        sse_feed(c, p, n);
        return 0;
    }
    return dbuf_add(&c->body, p, n);
}

static void conn_complete(struct conn *c)
{
    c->busy = 0;
    c->pstate = P_HEAD;
    if (c->done) c->done(c, c->status, c->body.p ? c->body.p : "", c->body.len);
}

/* Parses the response head at s (up to and including the blank line). */
static int parse_head(struct conn *c, const char *s, size_t len)
{
    if (len < 12 || memcmp(s, "HTTP/1.", 7) != 0) return -1;
    char code[4] = {s[9], s[10], s[11], 0}, *cend;
    long v = strtol(code, &cend, 10);
    if (*cend || v < 100 || v > 599) return -1;
    c->status = (int)v;
    int chunked = 0;
    long long clen = -1;
    const char *e = s + len;
    for (const char *l = memchr(s, '\n', len); l && l + 1 < e;) {
        l++;
        const char *nl = memchr(l, '\n', (size_t)(e - l));
        if (!nl) break;
        size_t ll = (size_t)(nl - l);
        if (ll >= 18 && strncasecmp(l, "transfer-encoding:", 18) == 0) {
            for (size_t i = 18; i + 7 <= ll; i++)
                if (strncasecmp(l + i, "chunked", 7) == 0) chunked = 1;
        } else if (ll >= 15 && strncasecmp(l, "content-length:", 15) == 0) {
            char num[32];
            size_t k = 0;
            for (size_t i = 15; i < ll && k + 1 < sizeof num; i++)
                if (l[i] >= '0' && l[i] <= '9') num[k++] = l[i];
            num[k] = '\0';
            clen = k ? strtoll(num, NULL, 10) : -1;
        }
        l = nl;
    }
    if (chunked) {
        c->pstate = P_CHUNK_SIZE;
    } else if (clen >= 0) {
        c->remain = (size_t)clen;
        c->pstate = P_LEN;
    } else {
        c->pstate = P_UNTIL_CLOSE;
    }
    return 0;
}

/* Parses what c->in holds; -1 on a protocol error. */
static int conn_parse(struct conn *c)
{
    for (;;) {
        const char *p = c->in.p + c->ioff;
        size_t avail = c->in.len - c->ioff;
        if (c->pstate == P_HEAD) {
            if (!avail) break;
            const char *end = NULL;
            for (size_t i = 0; i + 3 < avail; i++)
                if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
                    end = p + i + 4;
                    break;
                }
            if (!end) break;
            if (parse_head(c, p, (size_t)(end - p))) return -1;
            c->ioff += (size_t)(end - p);
            if (c->pstate == P_LEN && c->remain == 0) conn_complete(c);
        } else if (c->pstate == P_LEN || c->pstate == P_CHUNK_DATA) {
            if (!avail) break;
            size_t take = avail < c->remain ? avail : c->remain;
            if (conn_sink(c, p, take)) return -1;
            c->ioff += take;
            c->remain -= take;
            if (c->remain == 0) {
                if (c->pstate == P_LEN)
                    conn_complete(c);
                else
                    c->pstate = P_CHUNK_END;
            }
        } else if (c->pstate == P_UNTIL_CLOSE) {
            if (!avail) break;
            if (conn_sink(c, p, avail)) return -1;
            c->ioff += avail;
        } else if (c->pstate == P_CHUNK_END) {
            if (avail < 2) break;
            if (p[0] != '\r' || p[1] != '\n') return -1;
            c->ioff += 2;
            c->pstate = P_CHUNK_SIZE;
        } else { /* P_CHUNK_SIZE, P_TRAILER: one line */
            const char *nl = memchr(p, '\n', avail);
            if (!nl) {
                if (avail > 1024) return -1;
                break;
            }
            size_t ll = (size_t)(nl - p);
            c->ioff += ll + 1;
            if (c->pstate == P_TRAILER) {
                if (ll == 0 || (ll == 1 && p[0] == '\r')) conn_complete(c);
                continue;
            }
            size_t size = 0, k = 0;
            for (; k < ll; k++) {
                char ch = p[k];
                int d = ch >= '0' && ch <= '9'   ? ch - '0'
                        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                 : -1;
                if (d < 0) break;
                if (size > (SIZE_MAX >> 4)) return -1;
                size = size * 16 + (size_t)d;
            }
            if (k == 0) return -1; /* after the digits: ";ext" or "\r" */
            if (size == 0) {
                c->pstate = P_TRAILER;
            } else {
                c->remain = size;
                c->pstate = P_CHUNK_DATA;
            }
        }
    }
    /* Drop what was parsed. */
    if (c->ioff == c->in.len) {
        c->in.len = c->ioff = 0;
    } else if (c->ioff > 65536) {
        memmove(c->in.p, c->in.p + c->ioff, c->in.len - c->ioff);
        c->in.len -= c->ioff;
        c->ioff = 0;
    }
    return 0;
}

/* Reads until EAGAIN; -1 when the peer closed or the connection failed. */
static int conn_read(struct conn *c)
{
    char buf[65536];
    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) {
            c->t_read = now_ns();
            if (dbuf_add(&c->in, buf, (size_t)n) || conn_parse(c)) return -1;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            if (n == 0 && c->pstate == P_UNTIL_CLOSE) conn_complete(c);
            return -1;
        }
    }
}

/* Handles one epoll event; -1 if the connection is gone (closed here). */
static int conn_event(struct conn *c, uint32_t events)
{
    int bad = 0;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) bad = conn_read(c) != 0;
    if (!bad && (events & EPOLLOUT) && c->busy && conn_flush(c)) bad = 1;
    if (bad) {
        close(c->fd);
        c->fd = -1;
        c->dead = 1;
        return -1;
    }
    return 0;
}

/* ---- the subscribers (their own thread) ---- */

struct seen {
    char id[ID_MAX];
    int sub;
    int64_t t;
};

struct subs {
    int n;
    struct conn *c;
    const char *token;
    int ep;
    atomic_int stop;
    atomic_int ready;     /* streams answered 200 */
    atomic_int failed;    /* streams refused or ended */
    atomic_llong created; /* "created" incident events, all subscribers */
    /* Only the subscriber thread touches these until it is joined. */
    struct seen *log;
    size_t nlog, caplog;
    long long *events, *positions, *incidents, *units, *resyncs;
    int *ended;
};

static struct subs S;

static void sse_event(struct conn *c)
{
    int s = c->sub;
    S.events[s]++;
    const char *d = c->ev_data.p ? c->ev_data.p : "";
    if (strcmp(c->ev_type, "position") == 0) {
        S.positions[s]++;
    } else if (strcmp(c->ev_type, "unit") == 0) {
        S.units[s]++;
    } else if (strcmp(c->ev_type, "resync") == 0) {
        S.resyncs[s]++;
    } else if (strcmp(c->ev_type, "incident") == 0) {
        S.incidents[s]++;
        if (!strstr(d, "\"change\":\"created\"")) return;
        struct seen e = {.sub = s, .t = c->t_read};
        if (json_find_str(d, c->ev_data.len, "id", e.id, sizeof e.id)) return;
        if (S.nlog == S.caplog) {
            S.caplog = S.caplog ? S.caplog * 2 : 65536;
            S.log = xrealloc(S.log, S.caplog * sizeof *S.log);
        }
        S.log[S.nlog++] = e;
        atomic_fetch_add(&S.created, 1);
    }
}

/* text/event-stream: lines; a blank line ends an event. */
static void sse_line(struct conn *c, const char *l, size_t n)
{
    if (n && l[n - 1] == '\r') n--;
    if (n == 0) {
        if (c->ev_type[0] || c->ev_data.len) sse_event(c);
        c->ev_type[0] = '\0';
        c->ev_data.len = 0;
        return;
    }
    if (l[0] == ':') return; /* comment (keep-alive) */
    const char *colon = memchr(l, ':', n);
    size_t fl = colon ? (size_t)(colon - l) : n;
    const char *v = colon ? colon + 1 : l + n;
    if (v < l + n && *v == ' ') v++;
    size_t vl = (size_t)(l + n - v);
    if (fl == 5 && memcmp(l, "event", 5) == 0) {
        if (vl >= sizeof c->ev_type) vl = sizeof c->ev_type - 1;
        memcpy(c->ev_type, v, vl);
        c->ev_type[vl] = '\0';
    } else if (fl == 4 && memcmp(l, "data", 4) == 0) {
        if (c->ev_data.len) dbuf_add(&c->ev_data, "\n", 1);
        dbuf_add(&c->ev_data, v, vl);
    }
}

static void sse_feed(struct conn *c, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        if (!nl) {
            dbuf_add(&c->line, p, n);
            return;
        }
        size_t k = (size_t)(nl - p);
        if (c->line.len) {
            dbuf_add(&c->line, p, k);
            sse_line(c, c->line.p, c->line.len);
            c->line.len = 0;
        } else {
            sse_line(c, p, k);
        }
        p += k + 1;
        n -= k + 1;
    }
}

static void sub_done(struct conn *c, int status, const char *body, size_t len)
{
    (void)body, (void)len;
    /* The stream's response completed: it ended (or was refused). */
    if (!S.ended[c->sub]) {
        S.ended[c->sub] = status == 200 ? 1 : 2;
        atomic_fetch_add(&S.failed, 1);
    }
}

static void *subs_main(void *arg)
{
    (void)arg;
    struct epoll_event evs[256];
    int *got_head = calloc((size_t)S.n, sizeof *got_head);
    if (!got_head) return NULL;
    for (int i = 0; i < S.n; i++) {
        struct conn *c = &S.c[i];
        if (conn_open(c, S.ep) ||
            conn_request(c, "GET", "/api/v1/events", S.token, NULL, sub_done, i)) {
            S.ended[i] = 2;
            atomic_fetch_add(&S.failed, 1);
        }
    }
    while (!atomic_load(&S.stop)) {
        int n = epoll_wait(S.ep, evs, 256, 50);
        for (int k = 0; k < n; k++) {
            struct conn *c = evs[k].data.ptr;
            if (c->fd < 0) continue;
            if (conn_event(c, evs[k].events)) {
                if (!S.ended[c->sub]) {
                    S.ended[c->sub] = 1;
                    atomic_fetch_add(&S.failed, 1);
                }
            }
            if (!got_head[c->sub] && c->pstate != P_HEAD && c->status == 200) {
                got_head[c->sub] = 1;
                atomic_fetch_add(&S.ready, 1);
            }
        }
    }
    free(got_head);
    return NULL;
}

/* ---- the requests (main thread) ---- */

struct pool {
    struct conn *c;
    int n;
    int ep;
};

static void pool_open(struct pool *p, int n, int ep)
{
    p->n = n;
    p->ep = ep;
    p->c = xrealloc(NULL, (size_t)n * sizeof *p->c);
    for (int i = 0; i < n; i++) {
        conn_init(&p->c[i]);
        if (conn_open(&p->c[i], ep)) {
            fprintf(stderr, "bench_dispatch: cannot connect: %s\n", strerror(errno));
            exit(2);
        }
    }
}

static void pool_close(struct pool *p)
{
    for (int i = 0; i < p->n; i++)
        conn_free(&p->c[i]);
    free(p->c);
    p->c = NULL;
    p->n = 0;
}

static long conn_errors; /* request connections that failed (re-opened) */

/* An idle connection of p (re-opening a dead one), or NULL if all are busy. */
static struct conn *pool_idle(struct pool *p)
{
    for (int i = 0; i < p->n; i++) {
        struct conn *c = &p->c[i];
        if (c->dead && conn_open(c, p->ep)) continue;
        if (!c->busy) return c;
    }
    return NULL;
}

static int pool_busy(const struct pool *p)
{
    int k = 0;
    for (int i = 0; i < p->n; i++)
        k += p->c[i].busy && !p->c[i].dead;
    return k;
}

/* Runs the main thread's epoll once, up to timeout_ms. */
static void pump(int ep, int timeout_ms)
{
    struct epoll_event evs[256];
    int n = epoll_wait(ep, evs, 256, timeout_ms);
    for (int k = 0; k < n; k++) {
        struct conn *c = evs[k].data.ptr;
        if (c->fd < 0) continue;
        int was_busy = c->busy;
        if (conn_event(c, evs[k].events)) {
            conn_errors++;
            if (was_busy && c->busy) {
                c->busy = 0;
                if (c->done) c->done(c, 0, "", 0); /* status 0: the connection failed */
            }
        }
    }
}

/* ---- setup: sessions, the station, the units ---- */

static int last_status;
static char last_body[8192];

static void keep_answer(struct conn *c, int status, const char *body, size_t len)
{
    (void)c;
    last_status = status;
    snprintf(last_body, sizeof last_body, "%.*s", (int)len, body);
}

/* One request, waited for. */
static int request_sync(struct pool *p, const char *method, const char *path, const char *token,
                        const char *body)
{
    struct conn *c = pool_idle(p);
    if (!c || conn_request(c, method, path, token, body, keep_answer, 0)) return -1;
    int64_t end = now_ns() + 30LL * 1000000000LL;
    while (c->busy && !c->dead && now_ns() < end)
        pump(p->ep, 100);
    return c->busy ? -1 : last_status;
}

static int login(struct pool *p, const char *user, const char *pw, char *token, size_t cap)
{
    char body[512];
    snprintf(body, sizeof body, "{\"user\":\"%s\",\"password\":\"%s\"}", user, pw);
    int st = request_sync(p, "POST", "/api/v1/sessions", NULL, body);
    if (st != 200 && st != 201) {
        fprintf(stderr, "bench_dispatch: login as %s: %d %s\n", user, st, last_body);
        return -1;
    }
    if (json_find_str(last_body, strlen(last_body), "token", token, cap)) {
        fprintf(stderr, "bench_dispatch: no token in %s\n", last_body);
        return -1;
    }
    return 0;
}

struct unit {
    char id[ID_MAX];
    double lat, lon;
};

static struct unit *units;
static long units_created, units_failed;

static void unit_created(struct conn *c, int status, const char *body, size_t len)
{
    if (status != 201 || json_find_str(body, len, "id", units[c->tag].id, ID_MAX)) {
        if (units_failed++ < 3)
            fprintf(stderr, "bench_dispatch: unit %ld: %d %.*s\n", c->tag, status, (int)len, body);
        return;
    }
    units_created++;
}

static const char *const unit_kinds[] = {"patrol_car", "patrol_car", "patrol_car", "patrol_car",
                                         "motorcycle", "foot",       "foot",       "koban"};

static int create_units(struct pool *p, const char *token, long n)
{
    long next = 0;
    int64_t end = now_ns() + 600LL * 1000000000LL;
    while ((next < n || pool_busy(p)) && now_ns() < end) {
        struct conn *c;
        while (next < n && (c = pool_idle(p))) {
            struct unit *u = &units[next];
            u->lat = uniform(LAT0, LAT1);
            u->lon = uniform(LON0, LON1);
            char body[256];
            snprintf(body, sizeof body,
                     "{\"callsign\":\"B%05ld\",\"kind\":\"%s\",\"station\":\"S-bench\","
                     "\"lat\":%.6f,\"lon\":%.6f}",
                     next + 1, unit_kinds[next % 8], u->lat, u->lon);
            if (conn_request(c, "POST", "/api/v1/units", token, body, unit_created, next))
                c->dead = 1;
            next++;
        }
        pump(p->ep, 100);
    }
    return units_created == n ? 0 : -1;
}

/* ---- the load ---- */

struct call {
    char id[ID_MAX];
    int64_t t0, t_resp;
    int status;
    int measured;
    int seen;       /* subscribers that got its created event */
    double last_ms; /* the last subscriber's latency */
};

static struct call *calls;
static long ncalls, capcalls;
static long calls_ok, calls_failed;
static struct samples call_resp_ms, pos_ms, rec_ms;
static long pos_sent, pos_ok, pos_failed, pos_measured, rec_failed;
static int measuring;
static char rec_queue[64][ID_MAX];
static int rec_head, rec_n;
static long rec_dropped;

static void call_done(struct conn *c, int status, const char *body, size_t len)
{
    struct call *k = &calls[c->tag];
    k->status = status;
    k->t_resp = now_ns();
    if (status != 201 || json_find_str(body, len, "id", k->id, sizeof k->id)) {
        if (calls_failed++ < 3)
            fprintf(stderr, "bench_dispatch: call: %d %.*s\n", status, (int)(len > 300 ? 300 : len),
                    body);
        k->id[0] = '\0';
        return;
    }
    calls_ok++;
    if (k->measured) samples_add(&call_resp_ms, (double)(k->t_resp - k->t0) / 1e6);
    if (rec_n < 64) {
        snprintf(rec_queue[(rec_head + rec_n) % 64], ID_MAX, "%s", k->id);
        rec_n++;
    } else {
        rec_dropped++;
    }
}

static void pos_done(struct conn *c, int status, const char *body, size_t len)
{
    (void)body, (void)len;
    if (status != 200) {
        if (pos_failed++ < 3)
            fprintf(stderr, "bench_dispatch: position: %d %.*s\n", status, (int)len, body);
        return;
    }
    pos_ok++;
    if (c->tag) {
        pos_measured++;
        samples_add(&pos_ms, (double)(now_ns() - c->t_sent) / 1e6);
    }
}

static void rec_done(struct conn *c, int status, const char *body, size_t len)
{
    if (status != 200) {
        if (rec_failed++ < 3)
            fprintf(stderr, "bench_dispatch: recommendation: %d %.*s\n", status, (int)len, body);
        return;
    }
    if (c->tag) samples_add(&rec_ms, (double)(now_ns() - c->t_sent) / 1e6);
}

static const char *const call_types[] = {"theft", "traffic_property", "suspicious",
                                         "noise", "assault",          "burglary",
                                         "drunk", "traffic_injury"};

static int send_call(struct pool *p, const char *token, int measured)
{
    struct conn *c = pool_idle(p);
    if (!c) return -1;
    if (ncalls == capcalls) {
        capcalls = capcalls ? capcalls * 2 : 1024;
        calls = xrealloc(calls, (size_t)capcalls * sizeof *calls);
    }
    struct call *k = &calls[ncalls];
    memset(k, 0, sizeof *k);
    k->measured = measured;
    char body[512];
    snprintf(body, sizeof body,
             "{\"caller_number\":\"090%08llu\",\"lat\":%.6f,\"lon\":%.6f,\"uncertainty_m\":30,"
             "\"type\":\"%s\",\"narrative\":\"bench call %ld\"}",
             (unsigned long long)(rnd() % 100000000ULL), uniform(LAT0 + 0.01, LAT1 - 0.01),
             uniform(LON0 + 0.01, LON1 - 0.01), call_types[ncalls % 8], ncalls + 1);
    long idx = ncalls++;
    if (conn_request(c, "POST", "/api/v1/incidents", token, body, call_done, idx)) {
        c->dead = 1;
        calls_failed++;
        return -1;
    }
    k->t0 = c->t_sent; /* taken just before the write */
    return 0;
}

static int send_position(struct pool *p, const char *token, long nunits, int measured)
{
    struct conn *c = pool_idle(p);
    if (!c) return -1;
    struct unit *u = &units[pos_sent % nunits];
    u->lat += uniform(-0.001, 0.001);
    u->lon += uniform(-0.001, 0.001);
    if (u->lat < LAT0 || u->lat > LAT1) u->lat = (LAT0 + LAT1) / 2;
    if (u->lon < LON0 || u->lon > LON1) u->lon = (LON0 + LON1) / 2;
    char path[128], body[192];
    snprintf(path, sizeof path, "/api/v1/units/%s/position", u->id);
    snprintf(body, sizeof body,
             "{\"lat\":%.6f,\"lon\":%.6f,\"accuracy_m\":10,\"heading\":%.0f,\"speed_kmh\":%.0f}",
             u->lat, u->lon, uniform(0, 359), uniform(0, 60));
    pos_sent++;
    if (conn_request(c, "POST", path, token, body, pos_done, measured)) {
        c->dead = 1;
        pos_failed++;
        return -1;
    }
    return 0;
}

static void send_recommendations(struct pool *p, const char *token, int measured)
{
    struct conn *c;
    while (rec_n && (c = pool_idle(p))) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/incidents/%s/recommendations", rec_queue[rec_head]);
        rec_head = (rec_head + 1) % 64;
        rec_n--;
        if (conn_request(c, "GET", path, token, NULL, rec_done, measured)) c->dead = 1;
    }
}

static int read_cpu(long pid, unsigned long long *ticks)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* Fields after the command (which may hold spaces) start after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    p += 2;
    unsigned long long ut = 0, st = 0;
    /* state(3) … utime(14) stime(15): skip 11 fields after the state. */
    for (int field = 3; field <= 15 && *p; field++) {
        char *end;
        unsigned long long v = strtoull(p, &end, 10);
        if (field == 14) ut = v;
        if (field == 15) st = v;
        p = strchr(p, ' ');
        if (!p) break;
        p++;
    }
    *ticks = ut + st;
    return 0;
}

static double cpu_self_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* ---- matching and the report ---- */

static long call_find(const char *id, long *hash, long hcap)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    for (long i = (long)(h % (uint64_t)hcap);; i = (i + 1) % hcap) {
        if (hash[i] < 0) return -(i + 1);
        if (strcmp(calls[hash[i]].id, id) == 0) return hash[i];
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || strncmp(argv[1], "http://", 7) != 0) {
        fprintf(stderr, "usage: bench_dispatch http://HOST:PORT [SERVER_PID]\n");
        return 2;
    }
    const char *pw = getenv("BENCH_DISPATCH_PASSWORD");
    if (!pw || !*pw) {
        fprintf(stderr, "bench_dispatch: BENCH_DISPATCH_PASSWORD is not set\n");
        return 2;
    }
    long server_pid = argc > 2 ? strtol(argv[2], NULL, 10) : 0;
    const char *sup_user = env_str("BENCH_SUP_USER", "bench-sup");
    const char *taker_user = env_str("BENCH_TAKER_USER", "bench-taker");
    const char *disp_user = env_str("BENCH_DISP_USER", "bench-disp");
    long nunits = env_long("BENCH_UNITS", 5000, 1, 1000000);
    int nsubs = (int)env_long("BENCH_SUBSCRIBERS", 200, 1, 900);
    long period = env_long("BENCH_POS_PERIOD", 5, 1, 3600);
    long call_rate = env_long("BENCH_CALL_RATE", 10, 1, 1000);
    long seconds = env_long("BENCH_SECONDS", 30, 1, 3600);
    long warmup = env_long("BENCH_WARMUP", 5, 0, 600);
    int pos_conns = (int)env_long("BENCH_POS_CONNS", 16, 1, 256);
    long goal_ms = env_long("BENCH_GOAL_MS", 50, 1, 100000);
    double pos_rate = (double)nunits / (double)period;

    /* http://HOST:PORT[/] */
    const char *hp = argv[1] + 7;
    const char *colon = strrchr(hp, ':');
    if (!colon || (size_t)(colon - hp) >= sizeof server_host) {
        fprintf(stderr, "bench_dispatch: URL must be http://HOST:PORT\n");
        return 2;
    }
    memcpy(server_host, hp, (size_t)(colon - hp));
    server_host[colon - hp] = '\0';
    long port = strtol(colon + 1, NULL, 10);
    server_addr.sin_family = AF_INET;
    server_addr.sin_port = htons((uint16_t)port);
    if (strcmp(server_host, "localhost") == 0)
        server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, server_host, &server_addr.sin_addr) != 1) {
        fprintf(stderr, "bench_dispatch: host must be an IPv4 address\n");
        return 2;
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct pool setup;
    pool_open(&setup, 1, ep);
    char sup_tok[128], taker_tok[128], disp_tok[128];
    if (login(&setup, sup_user, pw, sup_tok, sizeof sup_tok) ||
        login(&setup, taker_user, pw, taker_tok, sizeof taker_tok) ||
        login(&setup, disp_user, pw, disp_tok, sizeof disp_tok))
        return 2;
    char station[512];
    snprintf(station, sizeof station,
             "{\"id\":\"S-bench\",\"name\":\"ベンチ警察署\",\"area\":{\"type\":\"Polygon\","
             "\"coordinates\":[[[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f],[%.2f,%.2f]]]}}",
             LON0, LAT0, LON1, LAT0, LON1, LAT1, LON0, LAT1, LON0, LAT0);
    int st = request_sync(&setup, "POST", "/api/v1/stations", sup_tok, station);
    if (st != 201) {
        fprintf(stderr, "bench_dispatch: station: %d %s\n", st, last_body);
        return 2;
    }

    printf("bench_dispatch: %s, %ld units, %d subscribers, %.0f positions/s, %ld calls/s, "
           "%ld s measured after %ld s warm-up\n",
           argv[1], nunits, nsubs, pos_rate, call_rate, seconds, warmup);
    units = xrealloc(NULL, (size_t)nunits * sizeof *units);
    memset(units, 0, (size_t)nunits * sizeof *units);
    struct pool up;
    pool_open(&up, 32, ep);
    int64_t t = now_ns();
    if (create_units(&up, sup_tok, nunits)) {
        fprintf(stderr, "bench_dispatch: %ld of %ld units created\n", units_created, nunits);
        return 2;
    }
    printf("setup: %ld units created in %.1f s (32 keep-alive connections)\n", units_created,
           (double)(now_ns() - t) / 1e9);
    pool_close(&up);

    /* The subscribers, in their own thread. */
    S.n = nsubs;
    S.token = disp_tok;
    S.ep = epoll_create1(EPOLL_CLOEXEC);
    S.c = xrealloc(NULL, (size_t)nsubs * sizeof *S.c);
    for (int i = 0; i < nsubs; i++) {
        conn_init(&S.c[i]);
        S.c[i].sse = 1;
        S.c[i].sub = i;
    }
    S.events = calloc((size_t)nsubs, sizeof *S.events);
    S.positions = calloc((size_t)nsubs, sizeof *S.positions);
    S.incidents = calloc((size_t)nsubs, sizeof *S.incidents);
    S.units = calloc((size_t)nsubs, sizeof *S.units);
    S.resyncs = calloc((size_t)nsubs, sizeof *S.resyncs);
    S.ended = calloc((size_t)nsubs, sizeof *S.ended);
    if (!S.events || !S.positions || !S.incidents || !S.units || !S.resyncs || !S.ended) return 2;
    pthread_t sub_thread;
    if (pthread_create(&sub_thread, NULL, subs_main, NULL) != 0) return 2;
    t = now_ns();
    while (atomic_load(&S.ready) + atomic_load(&S.failed) < nsubs &&
           now_ns() - t < 30LL * 1000000000LL)
        usleep(10000);
    printf("setup: %d of %d event streams open in %.2f s\n", atomic_load(&S.ready), nsubs,
           (double)(now_ns() - t) / 1e9);
    if (atomic_load(&S.ready) < nsubs) {
        fprintf(stderr, "bench_dispatch: not every event stream opened\n");
        atomic_store(&S.stop, 1);
        pthread_join(sub_thread, NULL);
        return 2;
    }

    /* The load: positions and calls from the start of the warm-up, recommendations for every
     * call once it is answered. */
    struct pool pos, callp, recp;
    pool_open(&pos, pos_conns, ep);
    pool_open(&callp, 8, ep);
    pool_open(&recp, 4, ep);
    int64_t start = now_ns();
    int64_t m0 = start + warmup * 1000000000LL;
    int64_t m1 = m0 + seconds * 1000000000LL;
    long pos_due_at_m0 = -1, pos_behind_max = 0;
    long calls_total = 0, calls_skipped = 0;
    unsigned long long cpu0 = 0, cpu1 = 0;
    double self0 = 0, self1 = 0;
    int cpu_ok = 0;
    for (;;) {
        int64_t now = now_ns();
        if (now >= m1) break;
        if (!measuring && now >= m0) {
            measuring = 1;
            pos_due_at_m0 = pos_sent;
            cpu_ok = server_pid > 0 && read_cpu(server_pid, &cpu0) == 0;
            self0 = cpu_self_s();
        }
        double el = (double)(now - start) / 1e9;
        long pos_due = (long)(el * pos_rate);
        while (pos_sent < pos_due && send_position(&pos, sup_tok, nunits, measuring) == 0)
            ;
        if (pos_due - pos_sent > pos_behind_max) pos_behind_max = pos_due - pos_sent;
        long calls_due = (long)(el * (double)call_rate) + 1;
        while (calls_total < calls_due) {
            if (send_call(&callp, taker_tok, measuring) != 0) calls_skipped++;
            calls_total++;
        }
        send_recommendations(&recp, disp_tok, measuring);
        /* Wake for the next call or position, whichever is first (at least every ms). */
        pump(ep, 1);
    }
    self1 = cpu_self_s();
    if (cpu_ok && read_cpu(server_pid, &cpu1)) cpu_ok = 0;
    long pos_in_window = pos_sent - pos_due_at_m0;
    double window_s = (double)(m1 - m0) / 1e9;
    /* Drain: every answer, and every created event at every subscriber, up to 10 s. */
    int64_t drain_end = now_ns() + 10LL * 1000000000LL;
    while (now_ns() < drain_end) {
        send_recommendations(&recp, disp_tok, 1);
        int busy = pool_busy(&pos) + pool_busy(&callp) + pool_busy(&recp);
        long long want = (long long)calls_ok * nsubs;
        if (!busy && !rec_n && atomic_load(&S.created) >= want) break;
        pump(ep, 10);
    }
    int64_t drained = now_ns() - m1;
    atomic_store(&S.stop, 1);
    pthread_join(sub_thread, NULL);

    /* Match the subscribers' frames to the calls. */
    long hcap = 1;
    while (hcap < 2 * ncalls + 1)
        hcap *= 2;
    long *hash = xrealloc(NULL, (size_t)hcap * sizeof *hash);
    for (long i = 0; i < hcap; i++)
        hash[i] = -1;
    for (long i = 0; i < ncalls; i++) {
        if (!calls[i].id[0]) continue;
        long r = call_find(calls[i].id, hash, hcap);
        if (r < 0) hash[-r - 1] = i;
    }
    struct samples pair_ms = {0}, last_ms = {0};
    long dup = 0, stray = 0;
    unsigned char *seen = calloc((size_t)ncalls * (size_t)nsubs, 1);
    if (!seen && ncalls) return 2;
    for (size_t i = 0; i < S.nlog; i++) {
        long r = call_find(S.log[i].id, hash, hcap);
        if (r < 0) {
            stray++;
            continue;
        }
        struct call *k = &calls[r];
        unsigned char *s = &seen[(size_t)r * (size_t)nsubs + (size_t)S.log[i].sub];
        if (*s) {
            dup++;
            continue;
        }
        *s = 1;
        k->seen++;
        double ms = (double)(S.log[i].t - k->t0) / 1e6;
        if (ms > k->last_ms) k->last_ms = ms;
        if (k->measured) samples_add(&pair_ms, ms);
    }
    long measured_calls = 0, measured_ok = 0, missing = 0, calls_incomplete = 0;
    for (long i = 0; i < ncalls; i++) {
        struct call *k = &calls[i];
        if (!k->measured) continue;
        measured_calls++;
        if (!k->id[0]) continue;
        measured_ok++;
        missing += nsubs - k->seen;
        if (k->seen < nsubs) calls_incomplete++;
        if (k->seen == nsubs) samples_add(&last_ms, k->last_ms);
    }
    samples_sort(&pair_ms);
    samples_sort(&last_ms);
    samples_sort(&pos_ms);
    samples_sort(&call_resp_ms);
    samples_sort(&rec_ms);

    long long ev_total = 0, ev_pos = 0, ev_inc = 0, resyncs = 0;
    int ended = 0;
    for (int i = 0; i < nsubs; i++) {
        ev_total += S.events[i];
        ev_pos += S.positions[i];
        ev_inc += S.incidents[i];
        resyncs += S.resyncs[i];
        ended += S.ended[i] != 0;
    }
    double elapsed_all = (double)(now_ns() - start) / 1e9;

    printf("\ncalls: %ld sent in the measured %.0f s (%.2f/s), %ld answered 201; %ld failed, "
           "%ld could not be sent (all call connections busy) over the whole run\n",
           measured_calls, window_s, (double)measured_calls / window_s, measured_ok, calls_failed,
           calls_skipped);
    printf("call answer (POST /api/v1/incidents): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
           pct(call_resp_ms.v, call_resp_ms.n, 0.50), pct(call_resp_ms.v, call_resp_ms.n, 0.99),
           pct(call_resp_ms.v, call_resp_ms.n, 1.0));
    printf("created events: expected %ld (%ld calls x %d subscribers), received %ld, missing %ld "
           "(%ld calls not seen by every subscriber); duplicates %ld, unmatched %ld\n",
           measured_ok * nsubs, measured_ok, nsubs, (long)pair_ms.n, missing, calls_incomplete, dup,
           stray);
    printf("call -> subscriber, every (call, subscriber) pair: p50 %.2f ms, p99 %.2f ms, max %.2f "
           "ms\n",
           pct(pair_ms.v, pair_ms.n, 0.50), pct(pair_ms.v, pair_ms.n, 0.99),
           pct(pair_ms.v, pair_ms.n, 1.0));
    printf("call -> every subscriber (the last one, per call): p50 %.2f ms, p99 %.2f ms, max %.2f "
           "ms\n",
           pct(last_ms.v, last_ms.n, 0.50), pct(last_ms.v, last_ms.n, 0.99),
           pct(last_ms.v, last_ms.n, 1.0));
    printf("positions: %ld sent in the window = %.0f/s (target %.0f/s; largest backlog %ld); "
           "%ld answered 200 in the window, %ld failed over the run; answer p50 %.2f ms, p99 "
           "%.2f ms, max %.2f ms\n",
           pos_in_window, (double)pos_in_window / window_s, pos_rate, pos_behind_max, pos_measured,
           pos_failed, pct(pos_ms.v, pos_ms.n, 0.50), pct(pos_ms.v, pos_ms.n, 0.99),
           pct(pos_ms.v, pos_ms.n, 1.0));
    printf("recommendations (GET /api/v1/incidents/ID/recommendations, one per call): %zu, p50 "
           "%.2f ms, p99 %.2f ms, max %.2f ms; %ld failed, %ld not asked (queue full)\n",
           rec_ms.n, pct(rec_ms.v, rec_ms.n, 0.50), pct(rec_ms.v, rec_ms.n, 0.99),
           pct(rec_ms.v, rec_ms.n, 1.0), rec_failed, rec_dropped);
    printf("subscribers: %lld events over the whole run (%.0f/s per subscriber; %lld position, "
           "%lld incident), %lld resync, %d streams ended early; drain %.2f s\n",
           ev_total, (double)ev_total / nsubs / elapsed_all, ev_pos, ev_inc, resyncs, ended,
           (double)drained / 1e9);
    if (cpu_ok) {
        double srv = (double)(cpu1 - cpu0) / (double)sysconf(_SC_CLK_TCK);
        printf("CPU in the window: server %.1f s = %.0f %% of one core; load generator %.1f s = "
               "%.0f %%\n",
               srv, 100 * srv / window_s, self1 - self0, 100 * (self1 - self0) / window_s);
    } else {
        printf("CPU in the window: load generator %.1f s = %.0f %% of one core (server: no pid)\n",
               self1 - self0, 100 * (self1 - self0) / window_s);
    }
    if (conn_errors) printf("request connections that failed: %ld\n", conn_errors);
    double p99 = pct(last_ms.v, last_ms.n, 0.99);
    int pass = missing == 0 && ended == 0 && measured_ok > 0 && measured_ok == measured_calls &&
               p99 < (double)goal_ms;
    printf("\ngoal: p99 call -> every subscriber < %ld ms, no event missing: %s (p99 %.2f ms, "
           "missing %ld)\n",
           goal_ms, pass ? "PASS" : "FAIL", p99, missing);
    pool_close(&pos);
    pool_close(&callp);
    pool_close(&recp);
    pool_close(&setup);
    for (int i = 0; i < nsubs; i++)
        conn_free(&S.c[i]);
    return pass ? 0 : 1;
}
