/* 通信指令 (command and dispatch): 110 calls and incidents, units and their positions (AVL),
 * nearest-unit recommendation, dispatch orders, messages and images shared live, response
 * times, wide-area sharing between sites. The HTTP API and events are in docs/dispatch.md.
 *
 * The store is the truth (migration 2 tables); units and active incidents are also held in
 * memory, with a spatial index of units for recommendation in microseconds. Every change
 * commits with its timeline row and audit entry in one transaction, then is published on the
 * bus (SSE subscribers see it, filtered by dispatch_sse_filter; wide-area incidents go to
 * other sites over NATS). Positions (AVL) are applied in memory at once and written to the
 * store in batches every second; they are not audited one by one.
 *
 * Thread-safety: every function may be called from any thread. */
#ifndef KEITSU_DISPATCH_DISPATCH_H
#define KEITSU_DISPATCH_DISPATCH_H

#include "auth/audit.h"
#include "auth/auth.h"
#include "bus/bus.h"
#include "http/http.h"
#include "records/records.h"
#include "store/store.h"

#include <stdint.h>

struct dispatch_config {
    int avl_stale_s;         /* a fix older than this is shown stale; default 60 */
    struct records *records; /* for queries from an incident; may be NULL (then 503) */
};

struct dispatch;

/* Opens the service over st, au and bus (borrowed; must outlive it), loads units, stations
 * and active incidents from the store and starts the position writer. cfg may be NULL. */
int dispatch_open(struct store *st, struct audit *au, struct bus *bus,
                  const struct dispatch_config *cfg, struct dispatch **out);
/* Writes pending positions, stops the writer and frees d. */
void dispatch_close(struct dispatch *d);

/* Registers the routes of docs/dispatch.md except the event stream, which the server sets up
 * with dispatch_sse_filter(). */
int dispatch_routes(struct dispatch *d, struct http_router *router);

/* The SSE filter (ctx = the struct dispatch): 1 if user u may see ev. */
int dispatch_sse_filter(void *ctx, const struct auth_user *u, const struct bus_event *ev);

/* Receives a wide-area event from another site (the bus's remote handler; ctx = d). */
void dispatch_remote_event(void *ctx, const char *site, const struct bus_event *ev);

/* Creates the demo stations (Shinjuku area) and units if the store has none, as user u. */
int dispatch_demo_load(struct dispatch *d, const struct auth_user *u);
/* Demo only: units move by themselves (available ones patrol nearby, dispatched ones drive to
 * their incident), reporting positions every 5 s as terminals would. */
void dispatch_demo_simulate(struct dispatch *d);

#endif
