/* The bus between sites: wide events to and from NATS, in a strictly checked envelope. */
#include "bus/bus_internal.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/utf8.h"

#include <jansson.h>
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bus_nats {
    natsOptions *opts;
    natsConnection *nc;
    natsSubscription *sub;
    bus_remote_fn fn;
    void *ctx;
    char site[32];
    /* libnats calls the disconnected and closed callbacks on its own thread, in order, after
     * natsConnection_Close() returns: n is freed only once the closed one has run. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int closed;
};

char *bus_envelope_build(const char *site, const struct bus_event *ev, size_t *len)
{
    struct kt_buf b;
    kt_buf_init(&b, BUS_MAX_ENVELOPE);
    kt_buf_puts(&b, "{\"site\":");
    kt_buf_json_str(&b, site);
    kt_buf_puts(&b, ",\"module\":");
    kt_buf_json_str(&b, ev->module);
    kt_buf_puts(&b, ",\"type\":");
    kt_buf_json_str(&b, ev->type);
    kt_buf_printf(&b, ",\"ts_ms\":%lld,\"scope\":{\"agency\":", (long long)ev->ts_ms);
    kt_buf_json_str(&b, ev->scope.agency);
    kt_buf_puts(&b, ",\"station\":");
    kt_buf_json_str(&b, ev->scope.station);
    kt_buf_puts(&b, ",\"incident\":");
    kt_buf_json_str(&b, ev->scope.incident);
    kt_buf_puts(&b, ",\"unit\":");
    kt_buf_json_str(&b, ev->scope.unit);
    kt_buf_puts(&b, "},\"data\":");
    kt_buf_append(&b, ev->data, ev->data_len);
    kt_buf_puts(&b, "}");
    return kt_buf_take(&b, len);
}

/* Copies string field key of obj into dst (cap bytes with the NUL): a string without control
 * characters that fits, and a name as bus_publish() wants it when name_max > 0. */
static int env_str(const json_t *obj, const char *key, char *dst, size_t cap, size_t name_max,
                   int dash)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) return kt_fail(KT_EINVAL, "envelope: %s must be a string", key);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= cap || strlen(s) != n) return kt_fail(KT_EINVAL, "envelope: %s too long", key);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return kt_fail(KT_EINVAL, "envelope: %s has control characters", key);
    if (name_max && !bus_name_ok(s, name_max, dash))
        return kt_fail(KT_EINVAL, "envelope: bad %s", key);
    memcpy(dst, s, n + 1);
    return 0;
}

/* Exactly the keys in allowed, no others (all are required). */
static int env_keys(const json_t *obj, const char *where, const char *const *allowed)
{
    size_t want = 0;
    for (; allowed[want]; want++)
        if (!json_object_get(obj, allowed[want]))
            return kt_fail(KT_EINVAL, "envelope: %s lacks %s", where, allowed[want]);
    if (json_object_size(obj) != want)
        return kt_fail(KT_EINVAL, "envelope: %s has unknown fields", where);
    return 0;
}

int bus_envelope_parse(const char *msg, size_t len, char site[32], struct bus_event *ev)
{
    static const char *const top[] = {"site", "module", "type", "ts_ms", "scope", "data", NULL};
    static const char *const sc[] = {"agency", "station", "incident", "unit", NULL};
    memset(ev, 0, sizeof *ev);
    if (len == 0 || len > BUS_MAX_ENVELOPE) return kt_fail(KT_EINVAL, "envelope: bad size");
    if (!utf8_valid(msg, len)) return kt_fail(KT_EINVAL, "envelope: not UTF-8");
    json_error_t jerr;
    json_t *j = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) return kt_fail(KT_EINVAL, "envelope: malformed JSON: %s", jerr.text);
    int rc = KT_EINVAL;
    json_t *scope = json_object_get(j, "scope");
    json_t *ts = json_object_get(j, "ts_ms");
    json_t *data = json_object_get(j, "data");
    if (!json_is_object(j)) {
        kt_fail(KT_EINVAL, "envelope: not an object");
        goto out;
    }
    if ((rc = env_keys(j, "envelope", top)) || (rc = env_str(j, "site", site, 32, 31, 1)) ||
        (rc = env_str(j, "module", ev->module, sizeof ev->module, 15, 0)) ||
        (rc = env_str(j, "type", ev->type, sizeof ev->type, 23, 0)))
        goto out;
    rc = KT_EINVAL;
    if (!json_is_integer(ts) || json_integer_value(ts) < 0 ||
        json_integer_value(ts) > ((json_int_t)1 << 53)) {
        kt_fail(KT_EINVAL, "envelope: ts_ms must be a non-negative integer");
        goto out;
    }
    ev->ts_ms = (int64_t)json_integer_value(ts);
    if (!json_is_object(scope)) {
        kt_fail(KT_EINVAL, "envelope: scope must be an object");
        goto out;
    }
    if ((rc = env_keys(scope, "scope", sc)) ||
        (rc = env_str(scope, "agency", ev->scope.agency, sizeof ev->scope.agency, 0, 0)) ||
        (rc = env_str(scope, "station", ev->scope.station, sizeof ev->scope.station, 0, 0)) ||
        (rc = env_str(scope, "incident", ev->scope.incident, sizeof ev->scope.incident, 0, 0)) ||
        (rc = env_str(scope, "unit", ev->scope.unit, sizeof ev->scope.unit, 0, 0)))
        goto out;
    rc = KT_EINVAL;
    if (!json_is_object(data)) {
        kt_fail(KT_EINVAL, "envelope: data must be an object");
        goto out;
    }
    ev->data = json_dumps(data, JSON_COMPACT);
    if (!ev->data) {
        rc = KT_ENOMEM;
        goto out;
    }
    ev->data_len = strlen(ev->data);
    if (ev->data_len > BUS_MAX_DATA) {
        free(ev->data);
        ev->data = NULL;
        kt_fail(KT_EINVAL, "envelope: data too long");
        goto out;
    }
    ev->scope.wide = 1;
    rc = 0;
out:
    json_decref(j);
    return rc;
}

void bus_nats_export(struct bus_nats *n, const char *site, const struct bus_event *ev)
{
    size_t len;
    char *env = bus_envelope_build(site, ev, &len);
    if (!env) {
        kt_log_error("nats: no memory for event %llu", (unsigned long long)ev->seq);
        return;
    }
    char subject[96];
    snprintf(subject, sizeof subject, "keitsu.%s.%s.%s", site, ev->module, ev->type);
    /* Buffered: libnats writes from its flusher thread, and while reconnecting it keeps up to
     * the reconnect buffer; only a full buffer makes this fail. */
    natsStatus s = natsConnection_Publish(n->nc, subject, env, (int)len);
    if (s != NATS_OK)
        kt_log_warn("nats: event %llu not sent to other sites: %s", (unsigned long long)ev->seq,
                    natsStatus_GetText(s));
    free(env);
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc, (void)sub;
    struct bus_nats *n = closure;
    char site[32];
    struct bus_event ev;
    const char *subj = natsMsg_GetSubject(msg);
    int len = natsMsg_GetDataLength(msg);
    if (len > 0 && bus_envelope_parse(natsMsg_GetData(msg), (size_t)len, site, &ev) == 0) {
        char want[96];
        snprintf(want, sizeof want, "keitsu.%s.%s.%s", site, ev.module, ev.type);
        /* Our own events come back only if echo is on; a subject that disagrees with its
         * envelope is forged or broken. Both are dropped. */
        if (strcmp(site, n->site) != 0 && subj && strcmp(subj, want) == 0) n->fn(n->ctx, site, &ev);
        free(ev.data);
    } else {
        kt_log_warn("nats: dropped a malformed event on %.80s: %s", subj ? subj : "?", kt_errmsg());
    }
    natsMsg_Destroy(msg);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct bus_nats *n = closure;
    kt_log_warn("nats: site %s disconnected; reconnecting every second, buffering events", n->site);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    struct bus_nats *n = closure;
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    kt_log_warn("nats: site %s reconnected to %s", n->site, url);
}

static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    struct bus_nats *n = closure;
    pthread_mutex_lock(&n->mu);
    n->closed = 1;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

void bus_nats_close(struct bus_nats *n)
{
    if (!n) return;
    if (n->sub) {
        /* Drain waits for a remote callback that is running, so ctx may be freed after. */
        if (natsSubscription_Drain(n->sub) == NATS_OK)
            natsSubscription_WaitForDrainCompletion(n->sub, 2000);
        natsSubscription_Destroy(n->sub);
    }
    if (n->nc) {
        natsConnection_FlushTimeout(n->nc, 1000);
        natsConnection_Close(n->nc);
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += 5;
        pthread_mutex_lock(&n->mu);
        while (!n->closed && pthread_cond_timedwait(&n->cv, &n->mu, &dl) == 0)
            ;
        pthread_mutex_unlock(&n->mu);
        natsConnection_Destroy(n->nc);
    }
    natsOptions_Destroy(n->opts);
    pthread_cond_destroy(&n->cv);
    pthread_mutex_destroy(&n->mu);
    free(n);
}

int bus_nats_connect(struct bus *b, const char *url, bus_remote_fn fn, void *ctx)
{
    if (!url || !fn) return kt_fail(KT_EINVAL, "nats: url and handler are required");
    pthread_mutex_lock(&b->mu);
    int connected = b->nats != NULL;
    pthread_mutex_unlock(&b->mu);
    if (connected) return kt_fail(KT_ECONFLICT, "nats: already connected");
    struct bus_nats *n = calloc(1, sizeof *n);
    if (!n) return KT_ENOMEM;
    n->fn = fn;
    n->ctx = ctx;
    pthread_mutex_init(&n->mu, NULL);
    pthread_cond_init(&n->cv, NULL);
    snprintf(n->site, sizeof n->site, "%s", b->site);
    char name[48];
    snprintf(name, sizeof name, "keitsu-%s", b->site);
    natsStatus s;
    if ((s = natsOptions_Create(&n->opts)) != NATS_OK ||
        (s = natsOptions_SetURL(n->opts, url)) != NATS_OK ||
        (s = natsOptions_SetName(n->opts, name)) != NATS_OK ||
        (s = natsOptions_SetAllowReconnect(n->opts, true)) != NATS_OK ||
        (s = natsOptions_SetMaxReconnect(n->opts, -1)) != NATS_OK ||
        (s = natsOptions_SetReconnectWait(n->opts, 1000)) != NATS_OK ||
        (s = natsOptions_SetReconnectBufSize(n->opts, 8 * 1024 * 1024)) != NATS_OK ||
        (s = natsOptions_SetNoEcho(n->opts, true)) != NATS_OK ||
        (s = natsOptions_SetDisconnectedCB(n->opts, on_disconnected, n)) != NATS_OK ||
        (s = natsOptions_SetReconnectedCB(n->opts, on_reconnected, n)) != NATS_OK ||
        (s = natsOptions_SetClosedCB(n->opts, on_closed, n)) != NATS_OK) {
        bus_nats_close(n);
        return kt_fail(KT_EINVAL, "nats: bad options for %.200s: %s", url, natsStatus_GetText(s));
    }
    if ((s = natsConnection_Connect(&n->nc, n->opts)) != NATS_OK) {
        n->nc = NULL;
        bus_nats_close(n);
        return kt_fail(KT_EUNAVAIL, "nats: cannot connect to %.200s: %s", url,
                       natsStatus_GetText(s));
    }
    /* All of keitsu's subjects; our own site's are dropped on arrival. */
    if ((s = natsConnection_Subscribe(&n->sub, n->nc, "keitsu.>", on_msg, n)) != NATS_OK ||
        (s = natsConnection_FlushTimeout(n->nc, 5000)) != NATS_OK) {
        bus_nats_close(n);
        return kt_fail(KT_EUNAVAIL, "nats: cannot subscribe at %.200s: %s", url,
                       natsStatus_GetText(s));
    }
    pthread_mutex_lock(&b->mu);
    if (b->nats) {
        pthread_mutex_unlock(&b->mu);
        bus_nats_close(n);
        return kt_fail(KT_ECONFLICT, "nats: already connected");
    }
    b->nats = n;
    pthread_mutex_unlock(&b->mu);
    kt_log_info("nats: site %s connected to %.200s", b->site, url);
    return 0;
}
