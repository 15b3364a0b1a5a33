/* The bus: publish/subscribe of domain events, in-process by default, NATS between sites.
 *
 * Every published event gets a sequence number (1, 2, 3, … per process) and is kept in a
 * bounded in-memory ring (BUS_RING events) so a server-sent-events client that reconnects with
 * Last-Event-ID can be sent what it missed; a client asking for an event older than the ring
 * holds is told to resynchronise (bus_since() returns BUS_GAP).
 *
 * Subscribers are callbacks run on the publishing thread; they must be quick and never block
 * (the SSE hub copies the event into each client's bounded queue and returns).
 *
 * Between sites: with bus_nats_connect(), events whose scope has wide=1 are also published to
 * NATS on subject "keitsu.<site>.<module>.<type>" and events other sites publish on
 * "keitsu.*.<module>.>" are delivered to this site's remote handler (never re-exported).
 *
 * Thread-safety: all functions may be called from any thread. */
#ifndef KEITSU_BUS_BUS_H
#define KEITSU_BUS_BUS_H

#include <stddef.h>
#include <stdint.h>

#define BUS_RING 65536
/* Largest data (JSON text) of one event, in bytes. */
#define BUS_MAX_DATA (256 * 1024)

/* Who may see an event: the SSE hub filters on these (see dispatch/ for the rules). */
struct bus_scope {
    char agency[96];   /* owning agency (prefectural police), "" = everyone */
    char station[64];  /* responsible station id, "" = none */
    char incident[32]; /* incident id the event concerns, "" = none */
    char unit[32];     /* unit id the event concerns, "" = none */
    int wide;          /* 1 = wide-area (広域): also shared with other sites over NATS */
};

struct bus_event {
    uint64_t seq;    /* this process's sequence number, > 0 */
    int64_t ts_ms;   /* UTC milliseconds when published */
    char module[16]; /* "dispatch", ... */
    char type[24];   /* "incident", "unit", "position", "message", "order", "alert" */
    struct bus_scope scope;
    char *data; /* compact JSON text, NUL-terminated; owned by the event */
    size_t data_len;
};

struct bus;

/* Opens an in-process bus for site (1-31 chars of [a-z0-9_-], e.g. "tokyo"). */
int bus_open(const char *site, struct bus **out);
/* The same with a ring of `ring` events (1 .. 16 * BUS_RING) instead of BUS_RING; for tests
 * and for sites that want a longer replay window. */
int bus_open_ring(const char *site, size_t ring, struct bus **out);
/* Disconnects NATS if connected, drops subscribers and frees b. */
void bus_close(struct bus *b);
const char *bus_site(const struct bus *b);

/* Publishes an event: data is compact JSON text (copied). Writes its seq if seq_out != NULL.
 * Subscribers run before this returns. module and type are 1-15 and 1-23 chars of [a-z0-9_];
 * data is valid UTF-8 of at most BUS_MAX_DATA bytes without CR or LF (compact JSON never has
 * them; server-sent events and NATS subjects rely on it): otherwise KT_EINVAL. Must not be
 * called from a subscriber of the same bus (publishing is serialised by one lock). */
int bus_publish(struct bus *b, const char *module, const char *type, const struct bus_scope *scope,
                const char *data, uint64_t *seq_out);

/* Subscriber callback: ev is borrowed for the duration of the call. */
typedef void (*bus_fn)(void *ctx, const struct bus_event *ev);
/* Adds a subscriber; *id_out identifies it for bus_unsubscribe(). */
int bus_subscribe(struct bus *b, bus_fn fn, void *ctx, int *id_out);
/* Removes a subscriber. When it returns, fn is not running and will not run again, so ctx
 * may be freed. */
void bus_unsubscribe(struct bus *b, int id);

/* The last seq published (0 if none). */
uint64_t bus_last_seq(struct bus *b);

#define BUS_GAP 1
/* Calls fn for every event with seq > after still in the ring, in order. Returns 0, or
 * BUS_GAP if events after `after` have already left the ring (the caller must resync; fn is
 * then not called), or a negative KT_E* code. An `after` beyond bus_last_seq() (a client of
 * an earlier process) is a gap too. fn must not call back into b. */
int bus_since(struct bus *b, uint64_t after, bus_fn fn, void *ctx);

/* `after` for bus_join(): replay nothing, just join. */
#define BUS_NOW UINT64_MAX
typedef void (*bus_then_fn)(void *ctx, int rc, uint64_t last);
/* Joins a live stream without gap or duplicate: holding the publishing lock (so no event is
 * published meanwhile) replays like bus_since(b, after, fn, ctx) — nothing if after is
 * BUS_NOW — then calls then(ctx, rc, last) with bus_since's result (0 or BUS_GAP) and
 * bus_last_seq(). A fan-out hub that adds its client to its list in then() sees every later
 * event exactly once. fn and then must not call back into b. Returns rc. */
int bus_join(struct bus *b, uint64_t after, bus_fn fn, void *ctx, bus_then_fn then);

/* Remote events (from other sites over NATS): fn gets the event with seq = 0 and scope.wide
 * = 1; module/type/data as the other site published them, plus the origin site in *site. */
typedef void (*bus_remote_fn)(void *ctx, const char *site, const struct bus_event *ev);
/* Connects to NATS at url ("nats://127.0.0.1:4222"); wide events are exported from now on
 * and remote wide events go to fn(ctx, …) on a NATS thread. KT_EUNAVAIL if unreachable. */
int bus_nats_connect(struct bus *b, const char *url, bus_remote_fn fn, void *ctx);

#endif
