/* Internals shared by bus.c and bus_nats.c, and the NATS envelope for the fuzzer. */
#ifndef KEITSU_BUS_INTERNAL_H
#define KEITSU_BUS_INTERNAL_H

#include "bus/bus.h"

#include <pthread.h>

/* Largest NATS message we accept: the data plus the envelope around it. */
#define BUS_MAX_ENVELOPE (BUS_MAX_DATA + 4096)

struct bus_sub {
    int id;
    bus_fn fn;
    void *ctx;
};

struct bus_nats;

struct bus {
    char site[32];
    pthread_mutex_t mu;     /* serialises publishing; guards everything below */
    struct bus_event *ring; /* the event with seq s is ring[s % cap] */
    size_t cap;
    uint64_t last;
    struct bus_sub *subs;
    int nsubs, subcap, next_id;
    struct bus_nats *nats; /* NULL unless bus_nats_connect() succeeded */
};

/* 1 if s is 1..max chars of [a-z0-9_] (plus '-' when dash), else 0. */
int bus_name_ok(const char *s, size_t max, int dash);

/* Sends a wide event to NATS (called with b->mu held, so exports keep seq order). */
void bus_nats_export(struct bus_nats *n, const char *site, const struct bus_event *ev);
/* Stops delivery (waits for a running remote callback) and frees n. */
void bus_nats_close(struct bus_nats *n);

/* Builds the envelope {"site","module","type","ts_ms","scope":{…},"data":…} of ev; the result
 * is malloc'd (caller frees), NULL when out of memory. */
char *bus_envelope_build(const char *site, const struct bus_event *ev, size_t *len);
/* Checks an envelope received from NATS, which is outside data: at most BUS_MAX_ENVELOPE
 * bytes of UTF-8, a JSON object with exactly the keys above, names as bus_publish() wants
 * them, scope strings that fit struct bus_scope without control characters, ts_ms a
 * non-negative integer, data an object. On success fills site (32 bytes) and ev (seq 0,
 * wide 1, data malloc'd compact JSON: the caller frees ev->data). KT_EINVAL otherwise. */
int bus_envelope_parse(const char *msg, size_t len, char site[32], struct bus_event *ev);

#endif
