/* Wide-area incidents (広域) from other sites: kept as read-only local copies, identified by
 * ext_id "SITE:ID", created on the first event and updated by later ones. */
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"
#include "dispatch/dispatch_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The copy of site's incident ext. Only copies count: an incident imported here (EIDO) may
 * carry any ext_id its document chose, and is ours, not the other site's to change. */
static struct incident *find_ext(struct dispatch *d, const char *site, const char *ext)
{
    for (size_t i = 0; i < d->nincs; i++)
        if (strcmp(d->incs[i]->site, site) == 0 && strcmp(d->incs[i]->ext_id, ext) == 0)
            return d->incs[i];
    return NULL;
}

static const char *str(const json_t *o, const char *k, size_t max)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s && strlen(s) <= max ? s : NULL;
}

static int64_t time_of(const json_t *o, const char *k)
{
    int64_t ms = 0;
    const char *s = str(o, k, 40);
    if (s && jtime_parse_utc(s, &ms)) ms = 0;
    return ms;
}

/* Fills the copy's fields from the other site's incident JSON (outside data: checked). */
static int fill(struct incident *w, const json_t *o)
{
    const char *type = str(o, "type", 23), *status = str(o, "status", 15);
    const struct dispatch_type *t = dispatch_type_find(type);
    int st = dsp_status_from_name(dispatch_inc_status_names, 5, status);
    json_int_t prio = json_integer_value(json_object_get(o, "priority"));
    if (!t || st < 0 || prio < 1 || prio > 3)
        return kt_fail(KT_EINVAL, "remote incident: bad type, status or priority");
    snprintf(w->type, sizeof w->type, "%s", t->code);
    w->status = st;
    w->priority = (int)prio;
    const json_t *loc = json_object_get(o, "location");
    w->has_loc = 0;
    if (json_is_object(loc)) {
        double lat = json_number_value(json_object_get(loc, "lat"));
        double lon = json_number_value(json_object_get(loc, "lon"));
        double unc = json_number_value(json_object_get(loc, "uncertainty_m"));
        if (!geo_valid(lat, lon) || unc < 0 || unc > 100000)
            return kt_fail(KT_EINVAL, "remote incident: bad location");
        w->has_loc = 1;
        w->lat = lat;
        w->lon = lon;
        w->unc_m = unc;
    }
    const char *caller = str(o, "caller_number", 31);
    snprintf(w->caller, sizeof w->caller, "%s", caller ? caller : "");
    w->withheld = json_is_true(json_object_get(o, "location_withheld"));
    const char *addr = str(o, "address", 800), *narr = str(o, "narrative", 16000);
    free(w->address);
    free(w->narrative);
    w->address = addr ? strdup(addr) : NULL;
    w->narrative = narr ? strdup(narr) : NULL;
    const char *agency = str(o, "agency", 95);
    snprintf(w->agency, sizeof w->agency, "%s", agency ? agency : "");
    w->wide = 1;
    w->created_ms = time_of(o, "created_at");
    w->dispatched_ms = time_of(o, "dispatched_at");
    w->onscene_ms = time_of(o, "on_scene_at");
    w->closed_ms = time_of(o, "closed_at");
    if (!w->created_ms) w->created_ms = jtime_now_ms();
    const json_t *disp = json_object_get(o, "disposition");
    const char *code = json_is_object(disp) ? str(disp, "code", 23) : NULL;
    snprintf(w->disposition, sizeof w->disposition, "%s",
             code && dispatch_named_find(dispatch_dispositions, code) ? code : "");
    return 0;
}

void dispatch_remote_event(void *ctx, const char *site, const struct bus_event *ev)
{
    struct dispatch *d = ctx;
    if (!site || strlen(site) > 31) return;
    if (strcmp(ev->type, "alert") == 0) {
        /* Another prefecture's deployment alert: shown to every command room here. */
        struct bus_scope sc;
        memset(&sc, 0, sizeof sc);
        bus_publish(d->bus, "dispatch", "alert", &sc, ev->data, NULL);
        return;
    }
    if (strcmp(ev->type, "incident") != 0) return;
    json_t *o = json_loadb(ev->data, ev->data_len, JSON_REJECT_DUPLICATES, NULL);
    const char *rid = o ? str(o, "id", 31) : NULL;
    if (!rid) {
        kt_log_warn("dispatch: ignoring a malformed incident from site %s", site);
        json_decref(o);
        return;
    }
    char ext[96];
    snprintf(ext, sizeof ext, "%s:%s", site, rid);
    const char *change = str(o, "change", 15);
    struct auth_user remote;
    memset(&remote, 0, sizeof remote);
    snprintf(remote.name, sizeof remote.name, "site:%s", site);
    snprintf(remote.role, sizeof remote.role, "supervisor");
    const char *agency = str(o, "agency", 95);
    snprintf(remote.agency, sizeof remote.agency, "%s", agency ? agency : site);

    struct chg c;
    chg_begin(d, &remote, NULL, &c);
    pthread_rwlock_rdlock(&d->rw);
    struct incident *live = find_ext(d, site, ext);
    int rc = live ? dsp_inc_copy(live, &c.inc) : 0;
    pthread_rwlock_unlock(&d->rw);
    if (!rc && live) {
        c.live = live;
        rc = fill(&c.inc, o);
    } else if (!rc) {
        /* A new copy: numbered like local incidents. */
        c.new_inc = 1;
        snprintf(c.inc.site, sizeof c.inc.site, "%s", site);
        snprintf(c.inc.ext_id, sizeof c.inc.ext_id, "%s", ext);
        snprintf(c.inc.created_by, sizeof c.inc.created_by, "%s", remote.name);
        rc = fill(&c.inc, o);
        char day[16], counter[32];
        jtime_today_jst(day, sizeof day);
        char ymd[9] = {day[0], day[1], day[2], day[3], day[5], day[6], day[8], day[9], 0};
        snprintf(counter, sizeof counter, "incident-%s", ymd);
        struct store_conn *conn;
        store_get(d->st, &conn);
        long num = 0;
        if (!rc) rc = dsp_next_id(conn, counter, &num);
        store_put(d->st, conn);
        snprintf(c.inc.id, sizeof c.inc.id, "I-%s-%04ld", ymd, num);
        if (!rc && c.inc.has_loc) {
            pthread_rwlock_rdlock(&d->rw);
            const char *stn = dsp_station_at(d, c.inc.lat, c.inc.lon);
            snprintf(c.inc.station, sizeof c.inc.station, "%s", stn ? stn : "");
            pthread_rwlock_unlock(&d->rw);
        }
    }
    if (!rc) {
        char text[160];
        snprintf(text, sizeof text, "広域 %s (%s %s)", c.new_inc ? "受信" : "更新", site, rid);
        rc =
            chg_commit(&c, c.new_inc ? "incident.remote_create" : "incident.remote_update",
                       "remote", text, c.new_inc ? "created" : (change ? change : "updated"), NULL);
    }
    if (rc) kt_log_warn("dispatch: wide-area incident %s not applied: %s", ext, kt_errmsg());
    chg_end(&c);
    json_decref(o);
}
