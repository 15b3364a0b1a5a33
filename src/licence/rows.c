/* The licence module's rows in the store: licences, holders, classes, events, history, and the
 * counters that give holder ids and licence serials. */
#include "base/err.h"
#include "base/jtime.h"
#include "licence/licence_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long lic_today(void)
{
    /* JST calendar day: UTC+9, no daylight saving */
    return (long)((time(NULL) + 9 * 3600) / 86400);
}

int lic_day(const char *field, const char *s, long *day)
{
    int y, m, d;
    int rc = jtime_parse_date(field, s, &y, &m, &d);
    if (rc) return rc;
    *day = jtime_days(y, m, d);
    return 0;
}

void lic_date(long day, char out[11])
{
    int y, m, d;
    licence_civil(day, &y, &m, &d);
    char buf[48];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

void lic_holder_id_format(long n, char out[16])
{
    snprintf(out, 16, "H-%08ld", n % 100000000);
}

int lic_holder_id_ok(const char *id)
{
    if (!id || strlen(id) != 10 || id[0] != 'H' || id[1] != '-') return 0;
    for (int i = 2; i < 10; i++)
        if (id[i] < '0' || id[i] > '9') return 0;
    return 1;
}

int lic_require(const struct auth_user *u, int perm, const char *what)
{
    if (auth_can(u, (enum auth_perm)perm)) return 0;
    return kt_fail(KT_EFORBIDDEN, "role %s may not %s", u->role, what);
}

void lic_row_free(struct lic_row *r)
{
    free(r->conditions);
    r->conditions = NULL;
}

int lic_history_add(struct store_conn *c, const char *holder, const char *number, const char *actor,
                    const char *action, const char *detail)
{
    char now[32];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    const char *p[] = {holder, number, now, actor, action, detail ? detail : "{}"};
    long n = store_exec(c,
                        "INSERT INTO licence_history (holder_id, number, ts, actor, action,"
                        " detail) VALUES (?, ?, ?, ?, ?, ?)",
                        6, p, NULL);
    return n < 0 ? (int)n : 0;
}

int lic_audit_write(struct licence *l, struct store_conn *c, const struct auth_user *u,
                    const char *action, const char *holder, const char *number, const char *detail)
{
    int rc = lic_history_add(c, holder, number, u->name, strchr(action, '.') + 1, detail);
    if (rc) return rc;
    const char *refs[] = {holder};
    struct audit_entry e = {.action = action,
                            .target = number ? number : holder,
                            .detail = detail,
                            .refs = refs,
                            .nrefs = 1};
    return audit_append(l->au, c, u, &e, NULL);
}

#define ROW_COLS                                                                                   \
    "number, holder_id, status, first_licensed, issued_on, expires_on, category, band,"            \
    " conditions, suspended_until, version"

static void row_from(const struct store_rows *rows, size_t i, struct lic_row *r)
{
    memset(r, 0, sizeof *r);
    const char *v;
#define COPY(field, col)                                                                           \
    snprintf(r->field, sizeof r->field, "%s", (v = store_rows_get(rows, i, col)) ? v : "")
    COPY(number, 0);
    COPY(holder, 1);
    COPY(status, 2);
    COPY(first_licensed, 3);
    COPY(issued_on, 4);
    COPY(expires_on, 5);
    COPY(category, 6);
    COPY(band, 7);
    COPY(suspended_until, 9);
#undef COPY
    v = store_rows_get(rows, i, 8);
    r->conditions = strdup(v ? v : "[]");
    r->version = strtol(store_rows_get(rows, i, 10), NULL, 10);
}

static int load_one(struct store_conn *c, const char *sql, const char *arg, struct lic_row *out,
                    const char *what)
{
    struct store_rows *rows = NULL;
    const char *p[] = {arg};
    long n = store_exec(c, sql, 1, p, &rows);
    if (n < 0) return (int)n;
    if (n == 0) {
        store_rows_free(rows);
        return kt_fail(KT_ENOTFOUND, "%s %s", what, arg);
    }
    row_from(rows, 0, out);
    store_rows_free(rows);
    return out->conditions ? 0 : KT_ENOMEM;
}

int lic_load_number(struct store_conn *c, const char *number, struct lic_row *out)
{
    return load_one(c, "SELECT " ROW_COLS " FROM licences WHERE number = ?", number, out,
                    "no licence");
}

int lic_current(struct store_conn *c, const char *holder, struct lic_row *out)
{
    return load_one(c,
                    "SELECT " ROW_COLS " FROM licences WHERE holder_id = ? AND status <> "
                    "'reissued' ORDER BY issued_on DESC, created_at DESC LIMIT 1",
                    holder, out, "no licence for holder");
}

int lic_insert_licence(struct store_conn *c, const struct lic_row *r)
{
    char now[32];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    const char *p[] = {r->number,
                       r->holder,
                       r->status,
                       r->first_licensed,
                       r->issued_on,
                       r->expires_on,
                       r->category,
                       r->band,
                       r->conditions ? r->conditions : "[]",
                       now,
                       now};
    long n = store_exec(c,
                        "INSERT INTO licences (number, holder_id, status, first_licensed,"
                        " issued_on, expires_on, category, band, conditions, created_at,"
                        " updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                        11, p, NULL);
    if (n == KT_ECONFLICT) return kt_fail(KT_ECONFLICT, "number %s is taken", r->number);
    return n < 0 ? (int)n : 0;
}

int lic_next_serial(struct store_conn *c, int commission, int year2, long *serial)
{
    char cs[8], ys[8];
    snprintf(cs, sizeof cs, "%d", commission);
    snprintf(ys, sizeof ys, "%d", year2);
    const char *p[] = {cs, ys};
    long n = store_exec(c,
                        "INSERT INTO licence_serials (commission, year2, next) VALUES (?, ?, 0)"
                        " ON CONFLICT DO NOTHING",
                        2, p, NULL);
    if (n < 0) return (int)n;
    struct store_rows *rows = NULL;
    n = store_exec(c,
                   "UPDATE licence_serials SET next = next + 1 WHERE commission = ? AND year2 = ?"
                   " RETURNING next",
                   2, p, &rows);
    if (n <= 0) {
        store_rows_free(rows);
        return n < 0 ? (int)n : kt_fail(KT_ESTORE, "licence serial counter missing");
    }
    *serial = strtol(store_rows_get(rows, 0, 0), NULL, 10);
    store_rows_free(rows);
    /* Serials from 600000 up are the generated demo dataset's (demo.c). */
    if (*serial >= 600000)
        return kt_fail(KT_ECONFLICT, "commission %02d has no serials left for year %02d",
                       commission, year2);
    return 0;
}

int lic_next_holder_ids(struct store_conn *c, long count, long *first)
{
    char cs[24];
    snprintf(cs, sizeof cs, "%ld", count);
    const char *p[] = {cs};
    struct store_rows *rows = NULL;
    long n = store_exec(c,
                        "UPDATE id_counters SET next = next + ? WHERE type = 'licence_holder'"
                        " RETURNING next",
                        1, p, &rows);
    if (n <= 0) {
        store_rows_free(rows);
        return n < 0 ? (int)n : kt_fail(KT_ESTORE, "holder id counter missing");
    }
    *first = strtol(store_rows_get(rows, 0, 0), NULL, 10) - count + 1;
    store_rows_free(rows);
    return 0;
}

int lic_holder_load(struct store_conn *c, const char *id, json_t **out)
{
    struct store_rows *rows = NULL;
    const char *p[] = {id};
    long n = store_exec(c,
                        "SELECT id, name_kanji, name_kana, name_romaji, birth_date, address,"
                        " photo_sha256, disqualified_until, created_at, updated_at, version,"
                        " phon_key, kanji_key FROM licence_holders WHERE id = ?",
                        1, p, &rows);
    if (n < 0) return (int)n;
    if (n == 0) {
        store_rows_free(rows);
        return kt_fail(KT_ENOTFOUND, "no holder %.16s", id);
    }
    static const char *const keys[] = {
        "id",      "name_kanji",   "name_kana",          "name_romaji", "birth_date",
        "address", "photo_sha256", "disqualified_until", "created_at",  "updated_at"};
    json_t *o = json_object();
    for (int i = 0; i < 10; i++) {
        const char *v = store_rows_get(rows, 0, i);
        if (v) json_object_set_new(o, keys[i], json_string(v));
    }
    json_object_set_new(o, "version", json_integer(strtol(store_rows_get(rows, 0, 10), NULL, 10)));
    json_object_set_new(o, "_phon", json_string(store_rows_get(rows, 0, 11)));
    const char *kk = store_rows_get(rows, 0, 12);
    if (kk) json_object_set_new(o, "_kanji", json_string(kk));
    store_rows_free(rows);
    *out = o;
    return 0;
}

int lic_classes_load(struct store_conn *c, const char *holder, struct licence_class_grant *g,
                     size_t cap, size_t *n_out)
{
    struct store_rows *rows = NULL;
    const char *p[] = {holder};
    long n = store_exec(c,
                        "SELECT class, acquired_on FROM licence_classes WHERE holder_id = ?"
                        " ORDER BY acquired_on, class",
                        1, p, &rows);
    if (n < 0) return (int)n;
    size_t k = 0;
    for (long i = 0; i < n && k < cap; i++) {
        int cls = licence_class_find(store_rows_get(rows, (size_t)i, 0));
        long day;
        if (cls < 0 || lic_day("acquired_on", store_rows_get(rows, (size_t)i, 1), &day)) continue;
        g[k++] = (struct licence_class_grant){cls, day};
    }
    store_rows_free(rows);
    *n_out = k;
    return 0;
}

int lic_events_load(struct store_conn *c, const char *holder, struct licence_event **ev,
                    size_t *n_out)
{
    struct store_rows *rows = NULL;
    const char *p[] = {holder};
    /* joined to the holder so that one round trip also tells "no such holder" (no row) from
     * "no events" (one row of NULLs) */
    long n = store_exec(c,
                        "SELECT e.type, e.day, e.code, e.points, e.revocation, e.days, e.end_day"
                        " FROM licence_holders h LEFT JOIN licence_events e ON e.holder_id = h.id"
                        " WHERE h.id = ? ORDER BY e.day, e.id",
                        1, p, &rows);
    if (n < 0) return (int)n;
    if (n == 0) {
        store_rows_free(rows);
        return kt_fail(KT_ENOTFOUND, "no holder %.16s", holder);
    }
    *ev = calloc((size_t)n + 1, sizeof **ev);
    if (!*ev) {
        store_rows_free(rows);
        return KT_ENOMEM;
    }
    size_t k = 0;
    for (long i = 0; i < n; i++) {
        struct licence_event *e = &(*ev)[k];
        const char *type = store_rows_get(rows, (size_t)i, 0);
        if (!type) continue; /* the holder has no events */
        e->type = strcmp(type, "accident") == 0      ? LICENCE_EV_ACCIDENT
                  : strcmp(type, "disposition") == 0 ? LICENCE_EV_DISPOSITION
                                                     : LICENCE_EV_VIOLATION;
        if (lic_day("day", store_rows_get(rows, (size_t)i, 1), &e->day)) continue;
        const char *code = store_rows_get(rows, (size_t)i, 2);
        snprintf(e->code, sizeof e->code, "%s", code ? code : "");
        e->points = (int)strtol(store_rows_get(rows, (size_t)i, 3), NULL, 10);
        e->revocation = (int)strtol(store_rows_get(rows, (size_t)i, 4), NULL, 10);
        e->days = (int)strtol(store_rows_get(rows, (size_t)i, 5), NULL, 10);
        const char *end = store_rows_get(rows, (size_t)i, 6);
        if (end && lic_day("end_day", end, &e->end_day)) e->end_day = 0;
        k++;
    }
    store_rows_free(rows);
    *n_out = k;
    return 0;
}
