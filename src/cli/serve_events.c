/* keitsu serve: the live event stream (GET /api/v1/events), events from other sites, and the
 * test hook that publishes arbitrary events (--test-events). The filter here is a stand-in
 * until dispatch/ provides the need-to-know rules of docs/dispatch.md. */
#include "base/err.h"
#include "bus/bus.h"
#include "cli/cli.h"
#include "dispatch/dispatch.h"
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Dispatch events by dispatch's rules; test events without a station go to everyone, the
 * others to that station's users. */
static int live_filter(void *ctx, const struct auth_user *u, const struct bus_event *ev)
{
    struct serve_live *live = ctx;
    if (strcmp(ev->module, "dispatch") == 0)
        return live->dispatch && dispatch_sse_filter(live->dispatch, u, ev);
    if (strcmp(ev->module, "test") != 0) return 0;
    return ev->scope.station[0] == '\0' || strcmp(ev->scope.station, u->station) == 0;
}

static int scope_str(const json_t *scope, const char *key, char *dst, size_t cap)
{
    const char *v;
    int rc = http_json_str(scope, key, 0, cap - 1, &v);
    if (rc) return rc;
    if (v && strlen(v) >= cap) return kt_fail(KT_EINVAL, "scope.%s too long", key);
    snprintf(dst, cap, "%s", v ? v : "");
    return 0;
}

/* POST /api/v1/test/publish {"type","data"?,"scope"?,"module"?,"count"?} (admin) → {"first","last"}
 */
static int test_publish(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct bus *bus = ctx;
    if (!auth_can(&req->user, AUTH_USER_ADMIN))
        return kt_fail(KT_EFORBIDDEN, "only admin may publish test events");
    static const char *const allowed[] = {"type", "data", "scope", "module", "count", NULL};
    static const char *const scope_keys[] = {"agency", "station", "incident", "unit", "wide", NULL};
    const char *type, *module;
    int rc;
    if ((rc = http_json_only(req->json, "test event", allowed)) ||
        (rc = http_json_str(req->json, "type", 1, 23, &type)) ||
        (rc = http_json_str(req->json, "module", 0, 15, &module)))
        return rc;
    struct bus_scope sc = {0};
    const json_t *scope = json_object_get(req->json, "scope");
    if (scope) {
        if (!json_is_object(scope)) return kt_fail(KT_EINVAL, "scope must be an object");
        const json_t *wide = json_object_get(scope, "wide");
        if (wide && !json_is_boolean(wide)) return kt_fail(KT_EINVAL, "scope.wide is a boolean");
        sc.wide = json_is_true(wide);
        if ((rc = http_json_only(scope, "scope", scope_keys)) ||
            (rc = scope_str(scope, "agency", sc.agency, sizeof sc.agency)) ||
            (rc = scope_str(scope, "station", sc.station, sizeof sc.station)) ||
            (rc = scope_str(scope, "incident", sc.incident, sizeof sc.incident)) ||
            (rc = scope_str(scope, "unit", sc.unit, sizeof sc.unit)))
            return rc;
    }
    const json_t *count = json_object_get(req->json, "count");
    json_int_t n = count ? json_integer_value(count) : 1;
    if (count && (!json_is_integer(count) || n < 1 || n > 100000))
        return kt_fail(KT_EINVAL, "count must be from 1 to 100000");
    const json_t *data = json_object_get(req->json, "data");
    char *text = data ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("{}");
    if (!text) return KT_ENOMEM;
    uint64_t first = 0, seq = 0;
    for (json_int_t i = 0; i < n && !rc; i++) {
        rc = bus_publish(bus, module ? module : "test", type, &sc, text, &seq);
        if (i == 0) first = seq;
    }
    free(text);
    if (rc) return rc;
    return http_reply(resp, 201,
                      json_pack("{s:I,s:I}", "first", (json_int_t)first, "last", (json_int_t)seq));
}

void serve_events_remote(void *ctx, const char *site, const struct bus_event *ev)
{
    struct serve_live *live = ctx;
    if (strcmp(ev->module, "dispatch") == 0) {
        if (live->dispatch) dispatch_remote_event(live->dispatch, site, ev);
        return;
    }
    /* Another site's wide event, shown to this site's streams; local, so never re-exported. */
    struct bus_scope sc = ev->scope;
    sc.wide = 0;
    bus_publish(live->bus, ev->module, ev->type, &sc, ev->data, NULL);
}

int serve_events_setup(struct serve_live *live, struct http_router *router, int test_hook)
{
    int rc = http_router_add_sse(router, "/api/v1/events", live->bus, live_filter, live);
    if (!rc && test_hook)
        rc = http_router_add(router, "POST", "/api/v1/test/publish", test_publish, live->bus,
                             HTTP_AUTH);
    return rc;
}
