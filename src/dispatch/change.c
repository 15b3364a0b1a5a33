/* One write to the dispatch model: copy, save with timeline and audit, apply, publish. */
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"
#include "dispatch/dispatch_internal.h"

#include <stdlib.h>
#include <string.h>

int chg_begin(struct dispatch *d, const struct auth_user *u, const char *incident, struct chg *c)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    c->u = u;
    pthread_mutex_lock(&d->wmu);
    c->locked = 1;
    if (!incident) return 0;
    pthread_rwlock_rdlock(&d->rw);
    struct incident *live = dsp_inc_find(d, incident);
    int rc = 0;
    if (!live || !dsp_can_see_inc(d, u, live))
        rc = kt_fail(KT_ENOTFOUND, "no active incident %.40s", incident);
    else if (!dsp_inc_remote(d, live) && strcmp(live->agency, u->agency) != 0)
        /* Another agency's wide-area incident is shown here, not theirs to change. */
        rc = kt_fail(KT_EFORBIDDEN, "incident %s belongs to %s", live->id, live->agency);
    else
        rc = dsp_inc_copy(live, &c->inc);
    pthread_rwlock_unlock(&d->rw);
    if (!rc) c->live = live;
    return rc;
}

int chg_unit(struct chg *c, const char *id, struct unit **copy)
{
    for (int i = 0; i < c->nu; i++)
        if (strcmp(c->ucopy[i].id, id) == 0) {
            *copy = &c->ucopy[i];
            return 0;
        }
    if (c->nu == CHG_MAXU) return kt_fail(KT_EINVAL, "too many units in one change");
    pthread_rwlock_rdlock(&c->d->rw);
    struct unit *live = dsp_unit_find(c->d, id);
    int ok = live && dsp_can_see_unit(c->d, c->u, live);
    if (ok) {
        c->ulive[c->nu] = live;
        c->ucopy[c->nu] = *live;
    }
    pthread_rwlock_unlock(&c->d->rw);
    if (!ok) return kt_fail(KT_ENOTFOUND, "no unit %.40s", id);
    *copy = &c->ucopy[c->nu++];
    return 0;
}

struct assignment *chg_asg_active(struct incident *inc, const char *unit)
{
    for (size_t i = 0; i < inc->nasg; i++)
        if (strcmp(inc->asg[i].unit, unit) == 0 && !inc->asg[i].released_ms) return &inc->asg[i];
    return NULL;
}

int chg_commit(struct chg *c, const char *action, const char *tl_kind, const char *tl_text,
               const char *change, const char *detail)
{
    struct dispatch *d = c->d;
    struct store_conn *conn;
    store_get(d->st, &conn);
    int has_inc = c->live || c->new_inc;
    int rc = audit_tx_begin(d->au, conn);
    if (!rc && has_inc) {
        c->inc.version++;
        rc = dsp_inc_save(conn, &c->inc, c->new_inc);
    }
    for (int i = 0; !rc && i < c->nu; i++)
        rc = dsp_unit_save(conn, &c->ucopy[i], 0);
    if (!rc && has_inc && tl_kind) rc = dsp_timeline(conn, c->inc.id, c->u->name, tl_kind, tl_text);
    if (!rc && c->also) {
        const char *p[] = {c->also->id};
        long n =
            store_exec(conn, "UPDATE incidents SET version = version + 1 WHERE id = ?", 1, p, NULL);
        rc = n < 0 ? (int)n : 0;
        if (!rc) rc = dsp_timeline(conn, c->also->id, c->u->name, tl_kind, c->also_text);
    }
    if (!rc) {
        const char *target = has_inc ? c->inc.id : (c->nu ? c->ucopy[0].id : NULL);
        struct audit_entry e = {.action = action, .target = target, .detail = detail};
        rc = audit_append(d->au, conn, c->u, &e, NULL);
    }
    rc = audit_tx_finish(d->au, conn, rc);
    store_put(d->st, conn);
    if (rc) {
        if (has_inc) c->inc.version--;
        return rc;
    }
    /* Apply: the copies become the model (positions may have moved meanwhile: keep them). */
    pthread_rwlock_wrlock(&d->rw);
    if (c->new_inc) {
        struct incident *n = malloc(sizeof *n);
        if (n) {
            *n = c->inc;
            if (dsp_inc_add(d, n)) {
                dsp_inc_free(n);
                free(n);
                n = NULL;
            }
        }
        if (n) c->live = n;
        memset(&c->inc, 0, sizeof c->inc);
        c->new_inc = 0;
        if (!n) kt_log_error("dispatch: out of memory adding an incident; restart reloads it");
    } else if (c->live) {
        dsp_inc_free(c->live);
        *c->live = c->inc;
        memset(&c->inc, 0, sizeof c->inc);
    }
    for (int i = 0; i < c->nu; i++) {
        struct unit *l = c->ulive[i];
        const struct unit *w = &c->ucopy[i];
        l->status = w->status;
        memcpy(l->incident, w->incident, sizeof l->incident);
        memcpy(l->signed_on, w->signed_on, sizeof l->signed_on);
        if (l->has_fix) geo_index_set_eligible(d->ix, l->key, dsp_unit_eligible(l));
    }
    if (c->also) c->also->version++;
    pthread_rwlock_unlock(&d->rw);
    if (change && c->live) dsp_publish_incident(d, c->live, change);
    if (c->also) dsp_publish_incident(d, c->also, "updated");
    for (int i = 0; i < c->nu; i++)
        dsp_publish_unit(d, c->ulive[i]);
    return 0;
}

void chg_end(struct chg *c)
{
    dsp_inc_free(&c->inc);
    if (c->locked) pthread_mutex_unlock(&c->d->wmu);
    c->locked = 0;
}
