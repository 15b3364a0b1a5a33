/* Licences: issue (with the fraud check), renewal, reissue and surrender. */
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "licence/licence_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FLAGS 20

/* 1 if a and b (phonetic keys, parts separated by spaces) are at most one edit apart once the
 * spaces are gone (insertion, deletion, substitution, or two adjacent letters swapped). */
static int one_edit(const char *a, const char *b)
{
    char x[256], y[256];
    size_t n = 0, m = 0;
    for (const char *p = a; *p && n < sizeof x - 1; p++)
        if (*p != ' ') x[n++] = *p;
    for (const char *p = b; *p && m < sizeof y - 1; p++)
        if (*p != ' ') y[m++] = *p;
    if (n < 4 || m < 4) return n == m && memcmp(x, y, n) == 0;
    if (n == m) {
        size_t i = 0;
        while (i < n && x[i] == y[i])
            i++;
        if (i == n) return 1;
        if (memcmp(x + i + 1, y + i + 1, n - i - 1) == 0) return 1; /* substitution */
        return i + 1 < n && x[i] == y[i + 1] && x[i + 1] == y[i] &&
               memcmp(x + i + 2, y + i + 2, n - i - 2) == 0; /* swap */
    }
    if (n + 1 == m || m + 1 == n) {
        const char *s = n < m ? x : y, *t = n < m ? y : x;
        size_t sl = n < m ? n : m, i = 0;
        while (i < sl && s[i] == t[i])
            i++;
        return memcmp(s + i, t + i + 1, sl - i) == 0;
    }
    return 0;
}

/* "family given" → "given family", for a name written in the other order. */
static void swapped(const char *k, char *out, size_t cap)
{
    const char *sp = strchr(k, ' ');
    if (!sp || strchr(sp + 1, ' ')) {
        snprintf(out, cap, "%s", k);
        return;
    }
    snprintf(out, cap, "%s %.*s", sp + 1, (int)(sp - k), k);
}

static int names_alike(const char *phon, const char *kanji, const char *other_phon,
                       const char *other_kanji)
{
    if (kanji && *kanji && other_kanji && strcmp(kanji, other_kanji) == 0) return 1;
    if (!phon || !*phon || !other_phon) return 0;
    char sw[256];
    swapped(other_phon, sw, sizeof sw);
    return strcmp(phon, other_phon) == 0 || strcmp(phon, sw) == 0 || one_edit(phon, other_phon);
}

/* Adds a flag for holder hid (skipping duplicates) with its current licence, if any. */
static void flag_add(struct store_conn *c, json_t *flags, const char *hid, const char *why,
                     const char *disq, long today)
{
    size_t i;
    json_t *f;
    json_array_foreach(flags, i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "holder")), hid) == 0) {
            json_array_append_new(json_object_get(f, "reasons"), json_string(why));
            return;
        }
    }
    f = json_pack("{s:s,s:[s]}", "holder", hid, "reasons", why);
    struct lic_row r;
    if (lic_current(c, hid, &r) == 0) {
        json_object_set_new(f, "number", json_string(r.number));
        json_object_set_new(f, "status", json_string(r.status));
        lic_row_free(&r);
    }
    long dq;
    if (disq && lic_day("disqualified_until", disq, &dq) == 0 && dq >= today)
        json_object_set_new(f, "disqualified_until", json_string(disq));
    json_array_append_new(flags, f);
}

/* Other holders who may be this person: same birth date and a name that reads alike (or the
 * same kanji), or the same photo. */
static int fraud_flags(struct store_conn *c, json_t *h, json_t *flags)
{
    const char *id = json_string_value(json_object_get(h, "id"));
    const char *phon = json_string_value(json_object_get(h, "_phon"));
    const char *kanji = json_string_value(json_object_get(h, "_kanji"));
    const char *photo = json_string_value(json_object_get(h, "photo_sha256"));
    const char *p[] = {json_string_value(json_object_get(h, "birth_date")), id};
    long today = lic_today();
    struct store_rows *rows = NULL;
    long n = store_exec(c,
                        "SELECT id, phon_key, kanji_key, disqualified_until FROM licence_holders"
                        " WHERE birth_date = ? AND id <> ?",
                        2, p, &rows);
    if (n < 0) return (int)n;
    for (long i = 0; i < n && json_array_size(flags) < MAX_FLAGS; i++)
        if (names_alike(phon, kanji, store_rows_get(rows, (size_t)i, 1),
                        store_rows_get(rows, (size_t)i, 2)))
            flag_add(c, flags, store_rows_get(rows, (size_t)i, 0), "name_and_birth_date",
                     store_rows_get(rows, (size_t)i, 3), today);
    store_rows_free(rows);
    if (!photo) return 0;
    const char *q[] = {photo, id};
    rows = NULL;
    n = store_exec(c,
                   "SELECT id, disqualified_until FROM licence_holders WHERE photo_sha256 = ?"
                   " AND id <> ? LIMIT 20",
                   2, q, &rows);
    if (n < 0) return (int)n;
    for (long i = 0; i < n && json_array_size(flags) < MAX_FLAGS; i++)
        flag_add(c, flags, store_rows_get(rows, (size_t)i, 0), "photo",
                 store_rows_get(rows, (size_t)i, 1), today);
    store_rows_free(rows);
    return 0;
}

struct issue_req {
    const char *holder, *override_reason;
    long issued_on, experience_since;
    int commission;
    struct licence_class_grant g[LC_COUNT];
    size_t ng;
    json_t *conditions; /* array of condition codes */
};

static int parse_issue(const struct auth_user *u, json_t *b, struct issue_req *q)
{
    static const char *const allowed[] = {"holder",           "classes",    "conditions",
                                          "issued_on",        "commission", "override_reason",
                                          "experience_since", NULL};
    int rc;
    const char *issued, *exp_since;
    if ((rc = http_json_only(b, "licence", allowed)) ||
        (rc = http_json_str(b, "holder", 1, 16, &q->holder)) ||
        (rc = http_json_str(b, "issued_on", 0, 10, &issued)) ||
        (rc = http_json_str(b, "override_reason", 0, 500, &q->override_reason)) ||
        (rc = http_json_str(b, "experience_since", 0, 10, &exp_since)))
        return rc;
    long today = lic_today();
    if (exp_since && (rc = lic_day("experience_since", exp_since, &q->experience_since))) return rc;
    q->issued_on = today;
    if (issued && (rc = lic_day("issued_on", issued, &q->issued_on))) return rc;
    if (q->issued_on > today) return kt_fail(KT_EVALID, "issued_on: %s is in the future", issued);
    json_t *cm = json_object_get(b, "commission");
    if (cm) {
        const char *cs = json_string_value(cm);
        char *end = NULL;
        long v = cs ? strtol(cs, &end, 10) : -1;
        if (json_is_integer(cm)) v = (long)json_integer_value(cm), end = (char *)"";
        if (!end || *end || !licence_commission_name((int)v))
            return kt_fail(KT_EVALID, "commission: not a public-safety commission code");
        q->commission = (int)v;
    } else if ((q->commission = licence_commission_of_agency(u->agency)) < 0) {
        return kt_fail(KT_EINVAL, "commission: required (agency %s has no commission code)",
                       u->agency);
    }
    json_t *cl = json_object_get(b, "classes");
    if (!json_is_array(cl) || json_array_size(cl) < 1 || json_array_size(cl) > LC_COUNT)
        return kt_fail(KT_EINVAL, "classes: an array of 1 to %d classes is required", LC_COUNT);
    size_t i;
    json_t *c;
    json_array_foreach(cl, i, c)
    {
        static const char *const cf[] = {"class", "acquired_on", NULL};
        char where[48];
        snprintf(where, sizeof where, "classes[%zu]", i);
        const char *name, *acq;
        if (!json_is_object(c)) return kt_fail(KT_EINVAL, "%s: must be an object", where);
        if ((rc = http_json_only(c, where, cf)) || (rc = http_json_str(c, "class", 1, 16, &name)) ||
            (rc = http_json_str(c, "acquired_on", 0, 10, &acq)))
            return kt_fail(rc, "%s.%s", where, kt_errmsg());
        int k = licence_class_find(name);
        if (k < 0) return kt_fail(KT_EVALID, "%s.class: unknown class '%s'", where, name);
        q->g[i].cls = k;
        q->g[i].acquired_on = q->issued_on;
        if (acq && (rc = lic_day("acquired_on", acq, &q->g[i].acquired_on)))
            return kt_fail(rc, "%s.%s", where, kt_errmsg());
        if (q->g[i].acquired_on > q->issued_on)
            return kt_fail(KT_EVALID, "%s.acquired_on: after issued_on", where);
    }
    q->ng = json_array_size(cl);
    q->conditions = json_array();
    json_t *co = json_object_get(b, "conditions");
    if (co && !json_is_array(co))
        return kt_fail(KT_EINVAL, "conditions: must be an array of condition codes");
    json_array_foreach(co, i, c)
    {
        char where[48];
        snprintf(where, sizeof where, "conditions[%zu]", i);
        int k = licence_condition_find(json_string_value(c));
        if (k < 0) return kt_fail(KT_EVALID, "%s: unknown condition", where);
        if ((rc = licence_condition_check(k, q->g, q->ng, where))) return rc;
        json_array_append_new(q->conditions, json_string(licence_condition_code(k)));
    }
    return 0;
}

/* Refuses a holder who may not get or keep using a licence now: in a disqualification period
 * or under a suspension that has not ended. */
static int holder_blocked(struct store_conn *c, json_t *h, long today)
{
    const char *id = json_string_value(json_object_get(h, "id"));
    const char *dq = json_string_value(json_object_get(h, "disqualified_until"));
    long d;
    if (dq && lic_day("disqualified_until", dq, &d) == 0 && d >= today)
        return kt_fail(KT_ECONFLICT, "holder %s is disqualified until %s (欠格期間)", id, dq);
    struct lic_row r;
    int rc = lic_current(c, id, &r);
    if (rc == KT_ENOTFOUND) return 0;
    if (rc) return rc;
    if (strcmp(r.status, "suspended") == 0 && lic_day("until", r.suspended_until, &d) == 0 &&
        d >= today)
        rc = kt_fail(KT_ECONFLICT, "licence %s is suspended until %s", r.number, r.suspended_until);
    lic_row_free(&r);
    return rc;
}

static int write_classes(struct store_conn *c, const char *holder,
                         const struct licence_class_grant *g, size_t n)
{
    const char *d[] = {holder};
    long rc = store_exec(c, "DELETE FROM licence_classes WHERE holder_id = ?", 1, d, NULL);
    for (size_t i = 0; i < n && rc >= 0; i++) {
        char day[11];
        lic_date(g[i].acquired_on, day);
        const char *p[] = {holder, licence_class_code(g[i].cls), day};
        rc = store_exec(c,
                        "INSERT INTO licence_classes (holder_id, class, acquired_on)"
                        " VALUES (?, ?, ?)",
                        3, p, NULL);
    }
    return rc < 0 ? (int)rc : 0;
}

static int birth_of(json_t *h, int *y, int *m, int *d, long *day)
{
    const char *b = json_string_value(json_object_get(h, "birth_date"));
    int rc = jtime_parse_date("birth_date", b, y, m, d);
    if (!rc) *day = jtime_days(*y, *m, *d);
    return rc;
}

int licence_issue(struct licence *l, const struct auth_user *u, json_t *body, json_t **out)
{
    *out = NULL;
    int rc = lic_require(u, AUTH_LICENCE_ISSUE, "issue licences");
    if (rc) return rc;
    struct issue_req q = {0};
    if ((rc = parse_issue(u, body, &q))) {
        json_decref(q.conditions);
        return rc;
    }
    if (!lic_holder_id_ok(q.holder)) {
        json_decref(q.conditions);
        return kt_fail(KT_EVALID, "holder: no holder %.16s", q.holder);
    }
    long today = lic_today();
    struct store_conn *c;
    store_get(l->st, &c);
    if ((rc = audit_tx_begin(l->au, c))) {
        store_put(l->st, c);
        json_decref(q.conditions);
        return rc;
    }
    json_t *h = NULL, *flags = json_array();
    struct lic_row r = {0};
    int by, bm, bd;
    long birth = 0;
    rc = lic_holder_load(c, q.holder, &h);
    if (rc == KT_ENOTFOUND) rc = kt_fail(KT_EVALID, "holder: no holder %s", q.holder);
    if (!rc) rc = birth_of(h, &by, &bm, &bd, &birth);
    if (!rc) rc = licence_classes_check(q.g, q.ng, birth, q.issued_on, q.experience_since);
    if (!rc) rc = holder_blocked(c, h, today);
    if (!rc) {
        struct lic_row cur;
        int k = lic_current(c, q.holder, &cur);
        if (k == 0) {
            long exp = 0;
            lic_day("expires_on", cur.expires_on, &exp);
            if ((strcmp(cur.status, "valid") == 0 || strcmp(cur.status, "suspended") == 0) &&
                exp >= today)
                rc = kt_fail(KT_ECONFLICT, "holder %s already holds licence %s", q.holder,
                             cur.number);
            lic_row_free(&cur);
        } else if (k != KT_ENOTFOUND) {
            rc = k;
        }
    }
    if (!rc) rc = fraud_flags(c, h, flags);
    int refused = !rc && json_array_size(flags) > 0 && !q.override_reason;
    if (!rc && !refused) {
        long first = q.issued_on;
        if (q.experience_since > 0 && q.experience_since < first) first = q.experience_since;
        for (size_t i = 0; i < q.ng; i++)
            if (q.g[i].acquired_on < first) first = q.g[i].acquired_on;
        int fy, fm, fd;
        licence_civil(first, &fy, &fm, &fd);
        long serial;
        if (!(rc = lic_next_serial(c, q.commission, fy % 100, &serial)))
            rc = licence_number_make(q.commission, fy % 100, serial, 0, r.number, sizeof r.number);
        snprintf(r.holder, sizeof r.holder, "%s", q.holder);
        snprintf(r.status, sizeof r.status, "valid");
        lic_date(first, r.first_licensed);
        lic_date(q.issued_on, r.issued_on);
        lic_date(licence_expiry(by, bm, bd, q.issued_on, 3), r.expires_on);
        snprintf(r.category, sizeof r.category, "%s", licence_category_name(LICENCE_CAT_NEW));
        snprintf(r.band, sizeof r.band, "%s", licence_band_name(LICENCE_CAT_NEW));
        r.conditions = json_dumps(q.conditions, JSON_COMPACT);
        if (!rc) rc = lic_insert_licence(c, &r);
        if (!rc) rc = write_classes(c, q.holder, q.g, q.ng);
        if (!rc) {
            json_t *d = json_pack("{s:s,s:O,s:O}", "number", r.number, "conditions", q.conditions,
                                  "flags", flags);
            if (q.override_reason)
                json_object_set_new(d, "override_reason", json_string(q.override_reason));
            char *detail = json_dumps(d, JSON_COMPACT);
            json_decref(d);
            rc = lic_audit_write(l, c, u, "licence.issue", q.holder, r.number, detail);
            free(detail);
        }
    }
    rc = audit_tx_finish(l->au, c, rc);
    store_put(l->st, c);
    json_decref(h);
    json_decref(q.conditions);
    if (!rc && refused) {
        /* the refused attempt is audited too: it is what a fraud investigation looks for */
        json_t *dj = json_pack("{s:O}", "flags", flags);
        char *detail = json_dumps(dj, JSON_COMPACT);
        json_decref(dj);
        const char *refs[] = {q.holder};
        struct audit_entry e = {.action = "licence.issue_flagged",
                                .target = q.holder,
                                .detail = detail,
                                .refs = refs,
                                .nrefs = 1};
        rc = audit_log(l->au, u, &e, NULL);
        free(detail);
        if (!rc) {
            *out = json_pack("{s:o}", "flags", flags);
            lic_row_free(&r);
            return kt_fail(KT_ECONFLICT,
                           "the holder may already be licensed under another name or number:"
                           " check the flags, or give override_reason");
        }
    }
    if (!rc) {
        long exp;
        lic_day("expires_on", r.expires_on, &exp);
        rc = lic_index_put(l, r.number, LICENCE_VALID, exp, 0);
    }
    if (!rc)
        *out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "number", r.number, "holder", q.holder,
                         "expires_on", r.expires_on, "band", r.band, "category", r.category,
                         "flags", flags);
    else
        json_decref(flags);
    lic_row_free(&r);
    return rc;
}

/* Loads licence number for a change: it must exist, be the holder's current card, and neither
 * the licence nor the holder may be under suspension, revocation or disqualification. */
static int load_for_change(struct store_conn *c, const char *number, struct lic_row *r, json_t **h,
                           int allow_expired)
{
    struct licence_number ln;
    int rc = licence_number_parse(number, strlen(number), &ln);
    if (rc) return rc;
    if ((rc = lic_load_number(c, ln.digits, r))) return rc;
    long today = lic_today(), d;
    if (strcmp(r->status, "revoked") == 0)
        rc = kt_fail(KT_ECONFLICT, "licence %s is revoked", r->number);
    else if (strcmp(r->status, "surrendered") == 0)
        rc = kt_fail(KT_ECONFLICT, "licence %s was surrendered", r->number);
    else if (strcmp(r->status, "reissued") == 0)
        rc = kt_fail(KT_ECONFLICT, "licence %s was replaced by a reissue", r->number);
    else if (!allow_expired && lic_day("expires_on", r->expires_on, &d) == 0 && d < today)
        rc = kt_fail(KT_ECONFLICT, "licence %s expired on %s: apply for a new licence", r->number,
                     r->expires_on);
    if (!rc) rc = lic_holder_load(c, r->holder, h);
    if (!rc) rc = holder_blocked(c, *h, today);
    if (rc) {
        lic_row_free(r);
        json_decref(*h);
        *h = NULL;
    }
    return rc;
}

static int finish_change(struct licence *l, struct store_conn *c, int rc)
{
    rc = audit_tx_finish(l->au, c, rc);
    store_put(l->st, c);
    return rc;
}

/* Takes a connection and begins a write that may append audit entries; end it with
 * finish_change(). On failure the connection is already returned. */
static int begin_change(struct licence *l, struct store_conn **c)
{
    store_get(l->st, c);
    int rc = audit_tx_begin(l->au, *c);
    if (rc) store_put(l->st, *c);
    return rc;
}

int licence_renew(struct licence *l, const struct auth_user *u, const char *number, json_t *body,
                  json_t **out)
{
    static const char *const allowed[] = {"early_reason", NULL};
    int rc = lic_require(u, AUTH_LICENCE_ISSUE, "renew licences");
    const char *early;
    if (rc || (rc = http_json_only(body, "renew", allowed)) ||
        (rc = http_json_str(body, "early_reason", 0, 200, &early)))
        return rc;
    struct store_conn *c;
    if ((rc = begin_change(l, &c))) return rc;
    struct lic_row r;
    json_t *h = NULL;
    if ((rc = load_for_change(c, number, &r, &h, 0))) return finish_change(l, c, rc);
    long today = lic_today(), exp = 0, first = 0, birth;
    int by, bm, bd;
    rc = birth_of(h, &by, &bm, &bd, &birth);
    if (!rc) rc = lic_day("expires_on", r.expires_on, &exp);
    if (!rc) rc = lic_day("first_licensed", r.first_licensed, &first);
    struct licence_event *ev = NULL;
    size_t nev = 0;
    if (!rc) rc = lic_events_load(c, r.holder, &ev, &nev);
    enum licence_category cat = LICENCE_CAT_VIOLATOR;
    long new_exp = 0;
    if (!rc) {
        int ey, em, ed;
        licence_civil(exp, &ey, &em, &ed);
        long sb = licence_birthday_in(by, bm, bd, ey); /* 特定誕生日 */
        if (sb > exp) sb = licence_birthday_in(by, bm, bd, ey - 1);
        long window = sb - 31; /* 更新期間: from one month before the birthday */
        long base = exp;
        if (today < window) {
            if (!early)
                rc = kt_fail(KT_ECONFLICT,
                             "the renewal period of %s starts one month before the birthday"
                             " (第101条); give early_reason for an early renewal (第101条の2)",
                             r.number);
            base = today;
            sb = today + 40; /* the 基準日 is the day of the aptitude test */
        }
        cat = licence_renewal_category(first, today, sb, ev, nev);
        new_exp = licence_expiry(
            by, bm, bd, base, licence_validity_birthdays(cat, licence_age_on(by, bm, bd, today)));
    }
    free(ev);
    char exps[11], todays[11];
    lic_date(new_exp, exps);
    lic_date(today, todays);
    if (!rc) {
        const char *p[] = {todays, exps, licence_category_name(cat), licence_band_name(cat),
                           r.number};
        long n = store_exec(c,
                            "UPDATE licences SET status = 'valid', issued_on = ?, expires_on = ?,"
                            " category = ?, band = ?, suspended_from = NULL, suspended_until ="
                            " NULL, version = version + 1 WHERE number = ?",
                            5, p, NULL);
        if (n < 0) rc = (int)n;
    }
    if (!rc) {
        char detail[256];
        snprintf(detail, sizeof detail,
                 "{\"old_expires_on\":\"%s\",\"expires_on\":\"%s\",\"category\":\"%s\"%s}",
                 r.expires_on, exps, licence_category_name(cat), early ? ",\"early\":true" : "");
        rc = lic_audit_write(l, c, u, "licence.renew", r.holder, r.number, detail);
    }
    rc = finish_change(l, c, rc);
    if (!rc) rc = lic_index_put(l, r.number, LICENCE_VALID, new_exp, 0);
    if (!rc)
        *out = json_pack("{s:s,s:s,s:s,s:s}", "number", r.number, "expires_on", exps, "band",
                         licence_band_name(cat), "category", licence_category_name(cat));
    lic_row_free(&r);
    json_decref(h);
    return rc;
}

int licence_reissue(struct licence *l, const struct auth_user *u, const char *number, json_t *body,
                    json_t **out)
{
    static const char *const allowed[] = {"reason", "note", NULL};
    int rc = lic_require(u, AUTH_LICENCE_ISSUE, "reissue licences");
    const char *reason, *note;
    if (rc || (rc = http_json_only(body, "reissue", allowed)) ||
        (rc = http_json_str(body, "reason", 1, 16, &reason)) ||
        (rc = http_json_str(body, "note", 0, 500, &note)))
        return rc;
    int renumber = strcmp(reason, "lost") == 0 || strcmp(reason, "stolen") == 0;
    if (!renumber && strcmp(reason, "damaged") != 0)
        return kt_fail(KT_EINVAL, "reason: must be lost, stolen or damaged");
    struct store_conn *c;
    if ((rc = begin_change(l, &c))) return rc;
    struct lic_row r;
    json_t *h = NULL;
    if ((rc = load_for_change(c, number, &r, &h, 0))) return finish_change(l, c, rc);
    char old[LICENCE_NUMBER_LEN + 1];
    snprintf(old, sizeof old, "%s", r.number);
    if (renumber) {
        /* same first eleven digits, the reissue digit counted up; the old card is void */
        r.number[11] = (char)('0' + licence_number_next_reissue(r.number[11] - '0'));
        char todays[11];
        lic_date(lic_today(), todays);
        snprintf(r.issued_on, sizeof r.issued_on, "%s", todays);
        rc = lic_insert_licence(c, &r);
        const char *p[] = {r.number, old};
        long n = rc ? 0
                    : store_exec(c,
                                 "UPDATE licences SET status = 'reissued', replaced_by = ?,"
                                 " version = version + 1 WHERE number = ?",
                                 2, p, NULL);
        if (n < 0) rc = (int)n;
    }
    if (!rc) {
        json_t *d = json_pack("{s:s,s:s,s:s?}", "reason", reason, "old_number", old, "note", note);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = lic_audit_write(l, c, u, "licence.reissue", r.holder, r.number, detail);
        free(detail);
    }
    rc = finish_change(l, c, rc);
    long exp = 0;
    lic_day("expires_on", r.expires_on, &exp);
    if (!rc && renumber) rc = lic_index_put(l, old, LICENCE_REISSUED, exp, 0);
    if (!rc) rc = lic_index_put(l, r.number, lic_state_of(r.status), exp, 0);
    if (!rc)
        *out = json_pack("{s:s,s:s,s:s}", "number", r.number, "old_number", old, "expires_on",
                         r.expires_on);
    lic_row_free(&r);
    json_decref(h);
    return rc;
}

int licence_surrender(struct licence *l, const struct auth_user *u, const char *number,
                      json_t *body, json_t **out)
{
    static const char *const allowed[] = {"note", NULL};
    int rc = lic_require(u, AUTH_LICENCE_ISSUE, "record surrenders");
    const char *note;
    if (rc || (rc = http_json_only(body, "surrender", allowed)) ||
        (rc = http_json_str(body, "note", 0, 500, &note)))
        return rc;
    struct licence_number ln;
    if ((rc = licence_number_parse(number, strlen(number), &ln))) return rc;
    struct store_conn *c;
    if ((rc = begin_change(l, &c))) return rc;
    struct lic_row r;
    if ((rc = lic_load_number(c, ln.digits, &r))) return finish_change(l, c, rc);
    if (strcmp(r.status, "valid") != 0 && strcmp(r.status, "suspended") != 0)
        rc = kt_fail(KT_ECONFLICT, "licence %s is %s", r.number, r.status);
    const char *p[] = {r.number};
    long n = rc ? 0
                : store_exec(c,
                             "UPDATE licences SET status = 'surrendered', version = version + 1"
                             " WHERE number = ?",
                             1, p, NULL);
    if (n < 0) rc = (int)n;
    if (!rc) {
        json_t *d = json_pack("{s:s?}", "note", note);
        char *detail = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = lic_audit_write(l, c, u, "licence.surrender", r.holder, r.number, detail);
        free(detail);
    }
    rc = finish_change(l, c, rc);
    long exp = 0;
    lic_day("expires_on", r.expires_on, &exp);
    if (!rc) rc = lic_index_put(l, r.number, LICENCE_SURRENDERED, exp, 0);
    if (!rc) *out = json_pack("{s:s,s:s}", "number", r.number, "status", "surrendered");
    lic_row_free(&r);
    return rc;
}
