/* Violations and accidents on a holder, the point-system assessment over them (licence_assess)
 * and dispositions: suspension (停止) and revocation (取消) with the licence following. */
#include "base/err.h"
#include "base/jtime.h"
#include "licence/licence_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int holder_exists(struct store_conn *c, const char *id)
{
    json_t *h = NULL;
    int rc = lic_holder_load(c, id, &h);
    json_decref(h);
    return rc;
}

static int insert_event(struct store_conn *c, const char *holder, const char *type, const char *day,
                        const char *code, int points, int revocation, int days, int years,
                        const char *end_day, const char *number, const char *note,
                        const char *actor, char id_out[24])
{
    char now[32], ps[16], rv[4], ds[16], ys[16];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    snprintf(ps, sizeof ps, "%d", points);
    snprintf(rv, sizeof rv, "%d", revocation);
    snprintf(ds, sizeof ds, "%d", days);
    snprintf(ys, sizeof ys, "%d", years);
    const char *p[] = {holder, type, day, code, ps, rv, ds, ys, end_day, number, note, actor, now};
    struct store_rows *rows = NULL;
    long n = store_exec(c,
                        "INSERT INTO licence_events (holder_id, type, day, code, points,"
                        " revocation, days, years, end_day, number, note, recorded_by,"
                        " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        13, p, &rows);
    if (n > 0) snprintf(id_out, 24, "%s", store_rows_get(rows, 0, 0));
    store_rows_free(rows);
    return n < 0 ? (int)n : 0;
}

int licence_event_record(struct licence *l, const struct auth_user *u, const char *holder,
                         json_t *body, json_t **out)
{
    static const char *const allowed[] = {"type", "code", "date", "note", NULL};
    int rc = lic_require(u, AUTH_LICENCE_EVENT, "record violations and accidents");
    const char *type, *code, *date, *note;
    long day;
    if (rc || (rc = http_json_only(body, "event", allowed)) ||
        (rc = http_json_str(body, "type", 1, 16, &type)) ||
        (rc = http_json_str(body, "code", 1, 40, &code)) ||
        (rc = http_json_str(body, "date", 1, 10, &date)) ||
        (rc = http_json_str(body, "note", 0, 500, &note)) || (rc = lic_day("date", date, &day)))
        return rc;
    int accident = strcmp(type, "accident") == 0;
    if (!accident && strcmp(type, "violation") != 0)
        return kt_fail(KT_EINVAL, "type: must be violation or accident");
    if (day > lic_today()) return kt_fail(KT_EVALID, "date: %s is in the future", date);
    const struct licence_code *lc = licence_code_find(code);
    if (!lc) return kt_fail(KT_EVALID, "code: unknown %s code '%s'", type, code);
    if (lc->accident != accident)
        return kt_fail(KT_EVALID, "code: '%s' is %s code", code,
                       lc->accident ? "an accident" : "a violation");
    if (!lic_holder_id_ok(holder)) return kt_fail(KT_ENOTFOUND, "no holder %.16s", holder);
    struct store_conn *c;
    store_get(l->st, &c);
    if ((rc = audit_tx_begin(l->au, c))) {
        store_put(l->st, c);
        return rc;
    }
    char id[24] = "";
    struct lic_row cur;
    const char *number = NULL;
    int have = 0;
    if (!(rc = holder_exists(c, holder))) {
        int k = lic_current(c, holder, &cur);
        if (k == 0) {
            have = 1;
            number = cur.number;
        } else if (k != KT_ENOTFOUND) {
            rc = k;
        }
    }
    /* An accident's points attach to a violation of the same day (別表第二 備考). */
    if (!rc && accident) {
        const char *p[] = {holder, date};
        struct store_rows *rows = NULL;
        long n = store_exec(c,
                            "SELECT 1 FROM licence_events WHERE holder_id = ? AND day = ? AND"
                            " type = 'violation' LIMIT 1",
                            2, p, &rows);
        store_rows_free(rows);
        if (n < 0)
            rc = (int)n;
        else if (n == 0)
            rc = kt_fail(KT_EVALID,
                         "date: an accident needs the violation of the same day recorded first");
    }
    if (!rc)
        rc = insert_event(c, holder, type, date, code, lc->points, 0, 0, 0, NULL, number, note,
                          u->name, id);
    if (!rc) {
        json_t *d = json_pack("{s:s,s:s,s:s,s:i}", "event", id, "type", type, "code", code,
                              "points", lc->points);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = lic_audit_write(l, c, u, accident ? "licence.accident" : "licence.violation", holder,
                             number, detail);
        free(detail);
    }
    rc = audit_tx_finish(l->au, c, rc);
    store_put(l->st, c);
    if (have) lic_row_free(&cur);
    if (!rc)
        *out = json_pack("{s:s,s:s,s:s,s:i}", "id", id, "holder", holder, "code", code, "points",
                         lc->points);
    return rc;
}

static json_t *assessment_json(const struct licence_assessment *a)
{
    static const char *const kinds[] = {"none", "suspension", "revocation"};
    return json_pack("{s:i,s:i,s:s,s:i,s:i,s:b,s:b}", "points", a->points, "prior_dispositions",
                     a->prior_dispositions, "disposition", kinds[a->disposition], "days", a->days,
                     "disqualification_years", a->disqualification_years, "specified", a->specified,
                     "offender_course", a->offender_course);
}

/* The assessment of holder as of today from the stored events. */
static int assess(struct store_conn *c, const char *holder, struct licence_assessment *a)
{
    struct licence_event *ev = NULL;
    size_t n = 0;
    int rc = lic_events_load(c, holder, &ev, &n);
    if (!rc) rc = licence_assess(ev, n, lic_today(), a);
    free(ev);
    return rc;
}

int licence_assessment_get(struct licence *l, const struct auth_user *u, const char *holder,
                           const char *reason, json_t **out)
{
    int rc = lic_require(u, AUTH_LICENCE_DISPOSE, "see assessments");
    if (rc) return rc;
    if (!lic_holder_id_ok(holder)) return kt_fail(KT_ENOTFOUND, "no holder %.16s", holder);
    struct store_conn *c;
    store_get(l->st, &c);
    struct licence_assessment a;
    rc = assess(c, holder, &a); /* KT_ENOTFOUND if there is no such holder */
    store_put(l->st, c);
    if (rc) return rc;
    json_t *o = assessment_json(&a);
    char today[11];
    lic_date(lic_today(), today);
    json_object_set_new(o, "holder", json_string(holder));
    json_object_set_new(o, "as_of", json_string(today));
    char *detail = json_dumps(o, JSON_COMPACT);
    const char *refs[] = {holder};
    struct audit_entry e = {.action = "licence.assessment",
                            .target = holder,
                            .reason = reason && *reason ? reason : "disposition review",
                            .detail = detail,
                            .refs = refs,
                            .nrefs = 1};
    rc = audit_log(l->au, u, &e, NULL);
    free(detail);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return 0;
}

int licence_dispose(struct licence *l, const struct auth_user *u, const char *holder, json_t *body,
                    json_t **out)
{
    static const char *const allowed[] = {"kind", "days", "years", "start", "note", NULL};
    int rc = lic_require(u, AUTH_LICENCE_DISPOSE, "order dispositions");
    const char *kind, *start, *note;
    long sday;
    if (rc || (rc = http_json_only(body, "disposition", allowed)) ||
        (rc = http_json_str(body, "kind", 1, 16, &kind)) ||
        (rc = http_json_str(body, "start", 1, 10, &start)) ||
        (rc = http_json_str(body, "note", 0, 500, &note)) || (rc = lic_day("start", start, &sday)))
        return rc;
    int revocation = strcmp(kind, "revocation") == 0;
    if (!revocation && strcmp(kind, "suspension") != 0)
        return kt_fail(KT_EINVAL, "kind: must be suspension or revocation");
    json_t *dj = json_object_get(body, revocation ? "years" : "days");
    json_t *other = json_object_get(body, revocation ? "days" : "years");
    if (other) return kt_fail(KT_EINVAL, "%s: not for a %s", revocation ? "days" : "years", kind);
    long amount = json_is_integer(dj) ? (long)json_integer_value(dj) : -1;
    if (revocation && (amount < 1 || amount > 10))
        return kt_fail(KT_EVALID, "years: a disqualification of 1 to 10 years is required");
    if (!revocation && (amount < 1 || amount > 180))
        return kt_fail(KT_EVALID, "days: a suspension of 1 to 180 days is required");
    long today = lic_today();
    if (sday > today) return kt_fail(KT_EVALID, "start: %s is in the future", start);
    if (!lic_holder_id_ok(holder)) return kt_fail(KT_ENOTFOUND, "no holder %.16s", holder);
    struct store_conn *c;
    store_get(l->st, &c);
    if ((rc = audit_tx_begin(l->au, c))) {
        store_put(l->st, c);
        return rc;
    }
    struct lic_row r = {0};
    struct licence_assessment a = {0};
    char id[24] = "", until[11] = "";
    long end = 0;
    if (!(rc = holder_exists(c, holder))) {
        rc = lic_current(c, holder, &r);
        if (rc == KT_ENOTFOUND)
            rc = kt_fail(KT_ECONFLICT, "holder %s has no licence to dispose of", holder);
        else if (!rc && strcmp(r.status, "valid") != 0 && strcmp(r.status, "suspended") != 0)
            rc = kt_fail(KT_ECONFLICT, "licence %s is %s", r.number, r.status);
    }
    if (!rc) rc = assess(c, holder, &a);
    if (!rc) {
        int sy, sm, sd;
        licence_civil(sday, &sy, &sm, &sd);
        end = revocation ? jtime_days(sy + (int)amount, sm, sd > 28 && sm == 2 ? 28 : sd) - 1
                         : sday + amount - 1;
        lic_date(end, until);
        rc = insert_event(c, holder, "disposition", start, NULL, 0, revocation,
                          revocation ? 0 : (int)amount, revocation ? (int)amount : 0, until,
                          r.number, note, u->name, id);
    }
    if (!rc) {
        const char *p[] = {revocation ? "revoked" : "suspended", revocation ? NULL : start,
                           revocation ? NULL : until, r.number};
        long n = store_exec(c,
                            "UPDATE licences SET status = ?, suspended_from = ?, suspended_until"
                            " = ?, version = version + 1 WHERE number = ?",
                            4, p, NULL);
        if (n < 0) rc = (int)n;
        if (!rc && revocation) {
            const char *q[] = {until, holder};
            n = store_exec(c, "UPDATE licence_holders SET disqualified_until = ? WHERE id = ?", 2,
                           q, NULL);
            if (n < 0) rc = (int)n;
        }
    }
    if (!rc) {
        json_t *d = json_pack("{s:s,s:s,s:i,s:s,s:s,s:o}", "kind", kind, "start", start,
                              revocation ? "years" : "days", (int)amount, "until", until, "event",
                              id, "assessment", assessment_json(&a));
        if (note) json_object_set_new(d, "note", json_string(note));
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = lic_audit_write(l, c, u, revocation ? "licence.revoke" : "licence.suspend", holder,
                             r.number, detail);
        free(detail);
    }
    rc = audit_tx_finish(l->au, c, rc);
    store_put(l->st, c);
    long exp = 0;
    if (!rc) {
        lic_day("expires_on", r.expires_on, &exp);
        rc = lic_index_put(l, r.number, revocation ? LICENCE_REVOKED : LICENCE_SUSPENDED, exp,
                           revocation ? 0 : end);
    }
    if (!rc)
        *out = json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", id, "number", r.number, "status",
                         revocation ? "revoked" : "suspended",
                         revocation ? "disqualified_until" : "until", until, "assessment",
                         assessment_json(&a));
    lic_row_free(&r);
    return rc;
}
