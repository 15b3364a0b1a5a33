/* Server-sent events: one bus subscription per route, fanned out to each client's bounded
 * queue of shared frames. MHD suspends a client's connection while its queue is empty; the
 * publishing thread resumes it. Nothing here ever waits for a client.
 *
 * Lifetime: a client has two references, the request's (dropped by http_sse_done() when MHD
 * says the request completed) and the response's (dropped by MHD's free callback). It is in
 * the hub's list from the join until http_sse_done(); publishers and the keep-alive timer
 * touch clients only under the hub's lock, so never after that. Lock order: bus → hub →
 * client → MHD's own.
 *
 * Wake-ups are coalesced: a client resumed less than SSE_COALESCE_MS ago is not resumed again
 * by the publisher but marked pending, and the hub's flusher thread resumes every pending
 * client once that time is up. A busy stream is so written once per few events instead of
 * once per event (each resume costs a wake-up of the connection's MHD thread and a send());
 * an idle one is still resumed at once. */
#include "base/err.h"
#include "base/log.h"
#include "bus/bus.h"
#include "http/http_internal.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define SSE_QUEUE_EVENTS 4096
#define SSE_QUEUE_BYTES (1024 * 1024)
#define SSE_KEEPALIVE_S 15
#define SSE_COALESCE_MS 5

struct sse_frame {
    atomic_int refs;
    size_t len;
    char text[];
};

static struct sse_frame *frame_new(const char *a, size_t alen, const char *b, size_t blen,
                                   const char *c, size_t clen)
{
    struct sse_frame *f = malloc(sizeof *f + alen + blen + clen + 1);
    if (!f) return NULL;
    atomic_init(&f->refs, 1);
    memcpy(f->text, a, alen);
    memcpy(f->text + alen, b, blen);
    memcpy(f->text + alen + blen, c, clen);
    f->len = alen + blen + clen;
    f->text[f->len] = '\0';
    return f;
}

static struct sse_frame *frame_text(const char *s)
{
    return frame_new(s, strlen(s), "", 0, "", 0);
}

/* "id: SEQ\nevent: TYPE\ndata: JSON\n\n": the bus guarantees data has no CR or LF and type
 * is [a-z0-9_], so one data line carries it whole and nothing can forge a field. */
static struct sse_frame *frame_event(const struct bus_event *ev)
{
    char head[96];
    int n = snprintf(head, sizeof head, "id: %llu\nevent: %s\ndata: ", (unsigned long long)ev->seq,
                     ev->type);
    return frame_new(head, (size_t)n, ev->data, ev->data_len, "\n\n", 2);
}

static void frame_unref(struct sse_frame *f)
{
    if (f && atomic_fetch_sub(&f->refs, 1) == 1) free(f);
}

enum { LIVE, CLOSE_OVERFLOW, CLOSE_STOP };

struct sse_client {
    pthread_mutex_t mu;
    atomic_int refs;
    struct sse_hub *hub;
    struct MHD_Connection *conn;
    int fd;
    struct auth_user user;
    struct sse_frame *q[SSE_QUEUE_EVENTS]; /* ring: q[head], …, q[head + n - 1] */
    size_t head, n, bytes, off;            /* off: bytes of q[head] already sent */
    int suspended;                         /* MHD_suspend_connection() was called */
    int pending;                           /* frames queued, resume left to the flusher */
    int64_t woken_ns;                      /* when the last resume was asked for */
    int alive;                             /* until MHD says the request completed */
    int state;
    int replay_overflow;
    int linked;
    struct sse_client *prev, *next; /* the hub's list, under hub->mu */
};

struct sse_hub {
    struct bus *bus;
    http_sse_filter filter;
    void *ctx;
    int sub_id;
    pthread_mutex_t mu;
    struct sse_client *clients;
    int stopping;
    pthread_t timer;
    pthread_cond_t timer_cv;
    int timer_stop;
    pthread_t flusher;
    pthread_cond_t flush_cv;
    int flush_due; /* a client is pending */
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void client_unref(struct sse_client *c)
{
    if (atomic_fetch_sub(&c->refs, 1) != 1) return;
    for (size_t i = 0; i < c->n; i++)
        frame_unref(c->q[(c->head + i) % SSE_QUEUE_EVENTS]);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void queue_clear_locked(struct sse_client *c)
{
    for (size_t i = 0; i < c->n; i++)
        frame_unref(c->q[(c->head + i) % SSE_QUEUE_EVENTS]);
    c->head = c->n = c->bytes = c->off = 0;
}

/* Queues f (taking a reference); -1 if the queue is full. */
static int push_locked(struct sse_client *c, struct sse_frame *f)
{
    if (c->n == SSE_QUEUE_EVENTS || c->bytes + f->len > SSE_QUEUE_BYTES) return -1;
    atomic_fetch_add(&f->refs, 1);
    c->q[(c->head + c->n) % SSE_QUEUE_EVENTS] = f;
    c->n++;
    c->bytes += f->len;
    return 0;
}

static void wake_locked(struct sse_client *c)
{
    c->pending = 0;
    if (c->suspended && c->alive) {
        c->suspended = 0;
        MHD_resume_connection(c->conn);
    }
}

/* Resumes c now, or leaves it to the flusher if it was resumed within SSE_COALESCE_MS (under
 * the hub's lock and c's). */
static void wake_soon_locked(struct sse_hub *hub, struct sse_client *c, int64_t now)
{
    if (!c->suspended || c->pending) return;
    if (now - c->woken_ns >= SSE_COALESCE_MS * 1000000LL) {
        c->woken_ns = now;
        wake_locked(c);
        return;
    }
    c->pending = 1;
    if (!hub->flush_due) {
        hub->flush_due = 1;
        pthread_cond_signal(&hub->flush_cv);
    }
}

/* Ends c's stream: a suspended connection is resumed (its reader then ends the response);
 * one that is stuck writing to a client who does not read is shut down, so MHD notices at
 * once instead of after its idle timeout. */
static void close_locked(struct sse_client *c, int state)
{
    if (c->state != LIVE) return;
    c->state = state;
    queue_clear_locked(c);
    if (c->suspended)
        wake_locked(c);
    else if (state == CLOSE_OVERFLOW && c->alive && c->fd >= 0)
        shutdown(c->fd, SHUT_RDWR);
}

static void deliver_locked(struct sse_hub *hub, struct sse_client *c, struct sse_frame *f,
                           int64_t now)
{
    if (c->state != LIVE) return;
    if (push_locked(c, f)) {
        kt_log_warn("events: %s is not keeping up (%zu events queued); disconnecting", c->user.name,
                    c->n);
        close_locked(c, CLOSE_OVERFLOW);
        return;
    }
    wake_soon_locked(hub, c, now);
}

/* The route's one bus subscriber: runs on the publishing thread under the bus lock. */
static void hub_on_event(void *ctx, const struct bus_event *ev)
{
    struct sse_hub *hub = ctx;
    struct sse_frame *f = NULL;
    int64_t now = mono_ns();
    pthread_mutex_lock(&hub->mu);
    for (struct sse_client *c = hub->clients; c; c = c->next) {
        if (!hub->filter(hub->ctx, &c->user, ev)) continue;
        if (!f && !(f = frame_event(ev))) break;
        pthread_mutex_lock(&c->mu);
        deliver_locked(hub, c, f, now);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_unlock(&hub->mu);
    frame_unref(f);
}

static void *hub_timer(void *arg)
{
    struct sse_hub *hub = arg;
    pthread_mutex_lock(&hub->mu);
    while (!hub->timer_stop) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += SSE_KEEPALIVE_S;
        while (!hub->timer_stop &&
               pthread_cond_timedwait(&hub->timer_cv, &hub->mu, &dl) != ETIMEDOUT)
            ;
        if (hub->timer_stop) break;
        struct sse_frame *f = hub->clients ? frame_text(": keep-alive\n\n") : NULL;
        int64_t now = mono_ns();
        for (struct sse_client *c = f ? hub->clients : NULL; c; c = c->next) {
            pthread_mutex_lock(&c->mu);
            if (c->n == 0) deliver_locked(hub, c, f, now);
            pthread_mutex_unlock(&c->mu);
        }
        frame_unref(f);
    }
    pthread_mutex_unlock(&hub->mu);
    return NULL;
}

/* Resumes the pending clients SSE_COALESCE_MS after the first of them was left pending. */
static void *hub_flusher(void *arg)
{
    struct sse_hub *hub = arg;
    const struct timespec pause = {0, SSE_COALESCE_MS * 1000000L};
    pthread_mutex_lock(&hub->mu);
    while (!hub->timer_stop) {
        if (!hub->flush_due) {
            pthread_cond_wait(&hub->flush_cv, &hub->mu);
            continue;
        }
        pthread_mutex_unlock(&hub->mu);
        nanosleep(&pause, NULL);
        pthread_mutex_lock(&hub->mu);
        hub->flush_due = 0;
        int64_t now = mono_ns();
        for (struct sse_client *c = hub->clients; c; c = c->next) {
            pthread_mutex_lock(&c->mu);
            if (c->pending) {
                c->woken_ns = now;
                wake_locked(c);
            }
            pthread_mutex_unlock(&c->mu);
        }
    }
    pthread_mutex_unlock(&hub->mu);
    return NULL;
}

int http_sse_hub_new(struct bus *bus, http_sse_filter filter, void *ctx, struct sse_hub **out)
{
    struct sse_hub *hub = calloc(1, sizeof *hub);
    if (!hub) return KT_ENOMEM;
    hub->bus = bus;
    hub->filter = filter;
    hub->ctx = ctx;
    pthread_mutex_init(&hub->mu, NULL);
    pthread_cond_init(&hub->timer_cv, NULL);
    pthread_cond_init(&hub->flush_cv, NULL);
    int rc = bus_subscribe(bus, hub_on_event, hub, &hub->sub_id);
    if (!rc && pthread_create(&hub->timer, NULL, hub_timer, hub) != 0) {
        bus_unsubscribe(bus, hub->sub_id);
        rc = kt_fail(KT_EINTERNAL, "cannot start the keep-alive thread");
    } else if (!rc && pthread_create(&hub->flusher, NULL, hub_flusher, hub) != 0) {
        bus_unsubscribe(bus, hub->sub_id);
        pthread_mutex_lock(&hub->mu);
        hub->timer_stop = 1;
        pthread_cond_signal(&hub->timer_cv);
        pthread_mutex_unlock(&hub->mu);
        pthread_join(hub->timer, NULL);
        rc = kt_fail(KT_EINTERNAL, "cannot start the event flusher thread");
    }
    if (rc) {
        pthread_cond_destroy(&hub->flush_cv);
        pthread_cond_destroy(&hub->timer_cv);
        pthread_mutex_destroy(&hub->mu);
        free(hub);
        return rc;
    }
    *out = hub;
    return 0;
}

void http_sse_hub_free(struct sse_hub *hub)
{
    if (!hub) return;
    bus_unsubscribe(hub->bus, hub->sub_id);
    pthread_mutex_lock(&hub->mu);
    hub->timer_stop = 1;
    pthread_cond_signal(&hub->timer_cv);
    pthread_cond_signal(&hub->flush_cv);
    pthread_mutex_unlock(&hub->mu);
    pthread_join(hub->timer, NULL);
    pthread_join(hub->flusher, NULL);
    /* The server is stopped (a precondition), so no client is left. */
    pthread_cond_destroy(&hub->flush_cv);
    pthread_cond_destroy(&hub->timer_cv);
    pthread_mutex_destroy(&hub->mu);
    free(hub);
}

void http_sse_hub_streams(struct sse_hub *hub, int stopping)
{
    pthread_mutex_lock(&hub->mu);
    hub->stopping = stopping;
    if (stopping) {
        for (struct sse_client *c = hub->clients; c; c = c->next) {
            pthread_mutex_lock(&c->mu);
            close_locked(c, CLOSE_STOP);
            pthread_mutex_unlock(&c->mu);
        }
    }
    pthread_mutex_unlock(&hub->mu);
}

/* MHD asks for the next bytes of c's stream (on the connection's thread). */
static ssize_t client_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct sse_client *c = cls;
    ssize_t ret = 0;
    pthread_mutex_lock(&c->mu);
    if (c->state == CLOSE_OVERFLOW) {
        ret = MHD_CONTENT_READER_END_WITH_ERROR;
    } else if (c->state == CLOSE_STOP) {
        ret = MHD_CONTENT_READER_END_OF_STREAM;
    } else if (c->n == 0) {
        /* Nothing to send: park the connection until a publisher or the timer wakes it. */
        c->suspended = 1;
        MHD_suspend_connection(c->conn);
    } else {
        size_t out = 0;
        while (c->n > 0 && out < max) {
            struct sse_frame *f = c->q[c->head];
            size_t take = f->len - c->off;
            if (take > max - out) take = max - out;
            memcpy(buf + out, f->text + c->off, take);
            out += take;
            c->off += take;
            if (c->off == f->len) {
                c->head = (c->head + 1) % SSE_QUEUE_EVENTS;
                c->n--;
                c->bytes -= f->len;
                c->off = 0;
                frame_unref(f);
            }
        }
        ret = (ssize_t)out;
    }
    pthread_mutex_unlock(&c->mu);
    return ret;
}

static void client_response_freed(void *cls)
{
    client_unref(cls);
}

static void replay_one(void *ctx, const struct bus_event *ev)
{
    struct sse_client *c = ctx;
    if (c->replay_overflow || !c->hub->filter(c->hub->ctx, &c->user, ev)) return;
    struct sse_frame *f = frame_event(ev);
    pthread_mutex_lock(&c->mu);
    if (!f || push_locked(c, f)) c->replay_overflow = 1;
    pthread_mutex_unlock(&c->mu);
    frame_unref(f);
}

static void push_text_locked(struct sse_client *c, const char *text)
{
    struct sse_frame *f = frame_text(text);
    if (f) push_locked(c, f);
    frame_unref(f);
}

/* Still under the bus lock: the replay is queued, now c goes live. */
static void joined(void *ctx, int rc, uint64_t last)
{
    struct sse_client *c = ctx;
    struct sse_hub *hub = c->hub;
    pthread_mutex_lock(&hub->mu);
    pthread_mutex_lock(&c->mu);
    if (rc == BUS_GAP || c->replay_overflow) {
        /* What was missed is gone (or would not fit the queue): the client reloads. */
        char resync[64];
        snprintf(resync, sizeof resync, "id: %llu\nevent: resync\ndata: {}\n\n",
                 (unsigned long long)last);
        queue_clear_locked(c);
        push_text_locked(c, "retry: 2000\n\n");
        push_text_locked(c, resync);
    }
    if (hub->stopping) c->state = CLOSE_STOP;
    c->next = hub->clients;
    if (hub->clients) hub->clients->prev = c;
    hub->clients = c;
    c->linked = 1;
    pthread_mutex_unlock(&c->mu);
    pthread_mutex_unlock(&hub->mu);
}

static int parse_last_id(const char *s, uint64_t *out)
{
    if (!s || !*s) {
        *out = BUS_NOW;
        return 0;
    }
    size_t n = strlen(s);
    if (n > 20 || strspn(s, "0123456789") != n)
        return kt_fail(KT_EINVAL, "Last-Event-ID must be an event id (a decimal number)");
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == UINT64_MAX)
        return kt_fail(KT_EINVAL, "Last-Event-ID is out of range");
    *out = (uint64_t)v;
    return 0;
}

int http_sse_open(struct sse_hub *hub, const struct http_request *req, struct sse_client **client,
                  struct MHD_Response **resp)
{
    struct MHD_Connection *conn = req->conn;
    const char *lei = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Last-Event-ID");
    if (!lei) lei = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "last_event_id");
    uint64_t after = BUS_NOW;
    int rc = parse_last_id(lei, &after);
    if (rc) return rc;
    struct sse_client *c = calloc(1, sizeof *c);
    if (!c) return KT_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    atomic_init(&c->refs, 1);
    c->hub = hub;
    c->conn = conn;
    c->user = req->user;
    c->alive = 1;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    c->fd = ci ? ci->connect_fd : -1;
    push_text_locked(c, "retry: 2000\n\n"); /* not yet shared: no lock needed */
    bus_join(hub->bus, after, replay_one, c, joined);
    struct MHD_Response *r = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 16 * 1024, client_read, c, client_response_freed);
    if (!r) {
        http_sse_done(c);
        return KT_ENOMEM;
    }
    atomic_fetch_add(&c->refs, 1);                         /* the response's */
    MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* proxies: do not buffer */
    *client = c;
    *resp = r;
    return 0;
}

void http_sse_done(struct sse_client *c)
{
    struct sse_hub *hub = c->hub;
    pthread_mutex_lock(&hub->mu);
    if (c->linked) {
        if (c->prev)
            c->prev->next = c->next;
        else
            hub->clients = c->next;
        if (c->next) c->next->prev = c->prev;
        c->linked = 0;
    }
    pthread_mutex_lock(&c->mu);
    c->alive = 0;
    if (c->state == LIVE) c->state = CLOSE_STOP;
    queue_clear_locked(c);
    pthread_mutex_unlock(&c->mu);
    pthread_mutex_unlock(&hub->mu);
    client_unref(c);
}
