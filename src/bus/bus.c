/* The in-process bus: sequence numbers, the replay ring, subscribers. */
#include "bus/bus_internal.h"

#include "base/err.h"
#include "base/jtime.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bus_name_ok(const char *s, size_t max, int dash)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n == max) return 0;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dash && c == '-')))
            return 0;
    }
    return n > 0;
}

int bus_open_ring(const char *site, size_t ring, struct bus **out)
{
    if (!site || !bus_name_ok(site, 31, 1))
        return kt_fail(KT_EINVAL, "site must be 1-31 characters of a-z, 0-9, _ and -");
    if (ring < 1 || ring > 16 * (size_t)BUS_RING)
        return kt_fail(KT_EINVAL, "event ring must hold 1 to %d events", 16 * BUS_RING);
    struct bus *b = calloc(1, sizeof *b);
    if (!b) return KT_ENOMEM;
    b->ring = calloc(ring, sizeof *b->ring);
    if (!b->ring) {
        free(b);
        return KT_ENOMEM;
    }
    b->cap = ring;
    snprintf(b->site, sizeof b->site, "%s", site);
    pthread_mutex_init(&b->mu, NULL);
    *out = b;
    return 0;
}

int bus_open(const char *site, struct bus **out)
{
    return bus_open_ring(site, BUS_RING, out);
}

void bus_close(struct bus *b)
{
    if (!b) return;
    bus_nats_close(b->nats);
    for (size_t i = 0; i < b->cap; i++)
        free(b->ring[i].data);
    free(b->ring);
    free(b->subs);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

const char *bus_site(const struct bus *b)
{
    return b->site;
}

/* Copies a scope string, cut to fit (callers' structs are NUL-terminated; this only guards). */
static void scope_copy(char *dst, const char *src, size_t cap)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int bus_publish(struct bus *b, const char *module, const char *type, const struct bus_scope *scope,
                const char *data, uint64_t *seq_out)
{
    if (!module || !bus_name_ok(module, 15, 0))
        return kt_fail(KT_EINVAL, "bus: module must be 1-15 characters of a-z, 0-9 and _");
    if (!type || !bus_name_ok(type, 23, 0))
        return kt_fail(KT_EINVAL, "bus: type must be 1-23 characters of a-z, 0-9 and _");
    if (!data) return kt_fail(KT_EINVAL, "bus: no data");
    size_t len = strlen(data);
    if (len == 0 || len > BUS_MAX_DATA) return kt_fail(KT_EINVAL, "bus: data too long or empty");
    if (memchr(data, '\n', len) || memchr(data, '\r', len) || !utf8_valid(data, len))
        return kt_fail(KT_EINVAL, "bus: data must be compact JSON in UTF-8");
    char *copy = malloc(len + 1);
    if (!copy) return KT_ENOMEM;
    memcpy(copy, data, len + 1);

    pthread_mutex_lock(&b->mu);
    uint64_t seq = ++b->last;
    struct bus_event *ev = &b->ring[seq % b->cap];
    free(ev->data);
    memset(ev, 0, sizeof *ev);
    ev->seq = seq;
    ev->ts_ms = jtime_now_ms();
    snprintf(ev->module, sizeof ev->module, "%s", module);
    snprintf(ev->type, sizeof ev->type, "%s", type);
    if (scope) {
        scope_copy(ev->scope.agency, scope->agency, sizeof ev->scope.agency);
        scope_copy(ev->scope.station, scope->station, sizeof ev->scope.station);
        scope_copy(ev->scope.incident, scope->incident, sizeof ev->scope.incident);
        scope_copy(ev->scope.unit, scope->unit, sizeof ev->scope.unit);
        ev->scope.wide = scope->wide ? 1 : 0;
    }
    ev->data = copy;
    ev->data_len = len;
    for (int i = 0; i < b->nsubs; i++)
        b->subs[i].fn(b->subs[i].ctx, ev);
    if (ev->scope.wide && b->nats) bus_nats_export(b->nats, b->site, ev);
    pthread_mutex_unlock(&b->mu);
    if (seq_out) *seq_out = seq;
    return 0;
}

int bus_subscribe(struct bus *b, bus_fn fn, void *ctx, int *id_out)
{
    pthread_mutex_lock(&b->mu);
    if (b->nsubs == b->subcap) {
        int ncap = b->subcap ? b->subcap * 2 : 8;
        struct bus_sub *s = realloc(b->subs, (size_t)ncap * sizeof *s);
        if (!s) {
            pthread_mutex_unlock(&b->mu);
            return KT_ENOMEM;
        }
        b->subs = s;
        b->subcap = ncap;
    }
    int id = ++b->next_id;
    b->subs[b->nsubs++] = (struct bus_sub){.id = id, .fn = fn, .ctx = ctx};
    pthread_mutex_unlock(&b->mu);
    if (id_out) *id_out = id;
    return 0;
}

void bus_unsubscribe(struct bus *b, int id)
{
    pthread_mutex_lock(&b->mu);
    for (int i = 0; i < b->nsubs; i++) {
        if (b->subs[i].id != id) continue;
        memmove(&b->subs[i], &b->subs[i + 1], (size_t)(b->nsubs - i - 1) * sizeof b->subs[0]);
        b->nsubs--;
        break;
    }
    pthread_mutex_unlock(&b->mu);
}

uint64_t bus_last_seq(struct bus *b)
{
    pthread_mutex_lock(&b->mu);
    uint64_t last = b->last;
    pthread_mutex_unlock(&b->mu);
    return last;
}

/* bus_since with b->mu held. */
static int since_locked(struct bus *b, uint64_t after, bus_fn fn, void *ctx)
{
    if (after == BUS_NOW || after == b->last) return 0;
    uint64_t oldest = b->last >= b->cap ? b->last - b->cap + 1 : 1;
    if (after > b->last || after + 1 < oldest) return BUS_GAP;
    for (uint64_t s = after + 1; s <= b->last; s++)
        fn(ctx, &b->ring[s % b->cap]);
    return 0;
}

int bus_since(struct bus *b, uint64_t after, bus_fn fn, void *ctx)
{
    pthread_mutex_lock(&b->mu);
    int rc = since_locked(b, after, fn, ctx);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

int bus_join(struct bus *b, uint64_t after, bus_fn fn, void *ctx, bus_then_fn then)
{
    pthread_mutex_lock(&b->mu);
    int rc = since_locked(b, after, fn, ctx);
    then(ctx, rc, b->last);
    pthread_mutex_unlock(&b->mu);
    return rc;
}
