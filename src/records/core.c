/* The records service: ids, storage of records and their history, index loading and the
 * follower that keeps the indexes current with changes made by other processes. */
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"
#include "records/records_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[REC_TYPES] = {"person", "vehicle", "firearm", "document"};
static const char type_prefix[REC_TYPES] = {'P', 'V', 'F', 'D'};

static const struct auth_user system_user = {
    .id = 0, .name = "system", .role = "system", .agency = "keitsu"};

int rec_type_index(const char *type)
{
    for (int i = 0; i < REC_TYPES; i++)
        if (type && strcmp(type, type_names[i]) == 0) return i;
    return -1;
}

const char *rec_type_name(int t)
{
    return type_names[t];
}

char rec_type_prefix(int t)
{
    return type_prefix[t];
}

void rec_id_format(int t, uint32_t num, char *out, size_t cap)
{
    snprintf(out, cap, "%c-%08u", type_prefix[t], num);
}

int rec_id_parse(const char *id, int *type, uint32_t *num)
{
    if (!id || strlen(id) != 10 || id[1] != '-') return kt_fail(KT_EINVAL, "bad record id");
    int t = -1;
    for (int i = 0; i < REC_TYPES; i++)
        if (id[0] == type_prefix[i]) t = i;
    if (t < 0) return kt_fail(KT_EINVAL, "bad record id %.16s", id);
    uint32_t n = 0;
    for (int i = 2; i < 10; i++) {
        if (id[i] < '0' || id[i] > '9') return kt_fail(KT_EINVAL, "bad record id %.16s", id);
        n = n * 10 + (uint32_t)(id[i] - '0');
    }
    *type = t;
    *num = n;
    return 0;
}

int rec_load(struct store_conn *c, const char *id, json_t **data, char status[16], char agency[96],
             char created_at[32], long *version)
{
    struct store_rows *rows = NULL;
    const char *p[] = {id};
    long n = store_exec(c,
                        "SELECT data, status, agency, created_at, version FROM records"
                        " WHERE id = ?",
                        1, p, &rows);
    if (n < 0) return (int)n;
    if (n == 0) {
        store_rows_free(rows);
        return kt_fail(KT_ENOTFOUND, "no record %s", id);
    }
    json_error_t err;
    *data = json_loads(store_rows_get(rows, 0, 0), 0, &err);
    snprintf(status, 16, "%s", store_rows_get(rows, 0, 1));
    snprintf(agency, 96, "%s", store_rows_get(rows, 0, 2));
    snprintf(created_at, 32, "%s", store_rows_get(rows, 0, 3));
    *version = strtol(store_rows_get(rows, 0, 4), NULL, 10);
    store_rows_free(rows);
    if (!*data) return kt_fail(KT_ESTORE, "record %s has unreadable data", id);
    return 0;
}

int rec_history_add(struct store_conn *c, const char *id, const char *actor, const char *action,
                    const char *detail_json)
{
    char now[32];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    const char *p[] = {id, now, actor, action, detail_json ? detail_json : "{}"};
    long n = store_exec(c,
                        "INSERT INTO record_history (record_id, ts, actor, action, detail)"
                        " VALUES (?, ?, ?, ?, ?)",
                        5, p, NULL);
    return n < 0 ? (int)n : 0;
}

/* Refuses a second active record under the same identifying key (plate, VIN, serial,
 * document number): two live reports for one object would split the hit confirmation. */
int rec_check_duplicates(struct store_conn *c, const struct rec_keys *k, const char *self)
{
    for (int i = 0; i < k->n; i++) {
        if (strcmp(k->kind[i], "serial") == 0) continue;
        struct store_rows *rows = NULL;
        const char *p[] = {k->kind[i], k->key[i], self ? self : ""};
        long n = store_exec(c,
                            "SELECT r.id FROM record_keys k JOIN records r ON r.id = k.record_id"
                            " WHERE k.kind = ? AND k.key = ? AND r.status = 'active'"
                            " AND r.id <> ? LIMIT 1",
                            3, p, &rows);
        if (n < 0) return (int)n;
        if (n > 0) {
            int rc = kt_fail(KT_ECONFLICT, "%s %s is already registered as active record %s",
                             k->kind[i], k->key[i], store_rows_get(rows, 0, 0));
            store_rows_free(rows);
            return rc;
        }
        store_rows_free(rows);
    }
    return 0;
}

int rec_keys_store(struct store_conn *c, const char *id, const struct rec_keys *k)
{
    const char *d[] = {id};
    long n = store_exec(c, "DELETE FROM record_keys WHERE record_id = ?", 1, d, NULL);
    if (n < 0) return (int)n;
    for (int i = 0; i < k->n; i++) {
        const char *p[] = {id, k->kind[i], k->key[i]};
        n = store_exec(c, "INSERT INTO record_keys (record_id, kind, key) VALUES (?, ?, ?)", 3, p,
                       NULL);
        if (n < 0) return (int)n;
    }
    return 0;
}

int rec_insert(struct records *r, struct store_conn *c, const struct auth_user *u, int t,
               json_t *data, char *id_out, size_t id_cap)
{
    (void)r;
    struct rec_keys k;
    rec_keys_of(t, data, &k);
    int rc = rec_check_duplicates(c, &k, NULL);
    if (rc) return rc;
    long next;
    if ((rc = store_counter_next(c, type_names[t], &next))) return rc;
    uint32_t num = (uint32_t)next;
    rec_id_format(t, num, id_out, id_cap);
    char *text = json_dumps(data, JSON_COMPACT);
    if (!text) return KT_ENOMEM;
    char now[32];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    const char *p[] = {id_out,
                       type_names[t],
                       json_string_value(json_object_get(data, "kind")),
                       "active",
                       json_string_value(json_object_get(data, "agency")),
                       text,
                       json_string_value(json_object_get(data, "expires_on")),
                       now,
                       u->name,
                       now};
    long n = store_exec(c,
                        "INSERT INTO records (id, type, kind, status, agency, data, expires_on,"
                        " created_at, created_by, updated_at, version)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                        10, p, NULL);
    free(text);
    if (n < 0) return (int)n;
    if ((rc = rec_keys_store(c, id_out, &k))) return rc;
    return rec_history_add(c, id_out, u->name, "register", "{}");
}

int rec_history_mark(struct records *r, struct store_conn *c)
{
    struct store_rows *rows = NULL;
    long n = store_exec(c, "SELECT COALESCE(MAX(id), 0) FROM record_history", 0, NULL, &rows);
    if (n > 0) r->history_seen = strtoll(store_rows_get(rows, 0, 0), NULL, 10);
    store_rows_free(rows);
    return n < 0 ? (int)n : 0;
}

static int load_all(struct records *r)
{
    struct store_conn *c;
    store_get(r->st, &c);
    /* Marked before reading, so a change committed meanwhile is applied again by the follower
     * rather than missed. */
    int mrc = rec_history_mark(r, c);
    if (mrc) {
        store_put(r->st, c);
        return mrc;
    }
    char after[24] = "";
    long total = 0;
    int rc = 0;
    int64_t t0 = jtime_now_ms();
    for (;;) {
        const char *p[] = {after};
        struct store_rows *rows = NULL;
        long n = store_exec(c,
                            "SELECT id, status, data, created_at FROM records WHERE id > ?"
                            " AND status = 'active' ORDER BY id LIMIT 10000",
                            1, p, &rows);
        if (n < 0) {
            rc = (int)n;
            break;
        }
        pthread_rwlock_wrlock(&r->lock);
        for (long i = 0; i < n && !rc; i++) {
            int t = 0;
            uint32_t num = 0;
            const char *id = store_rows_get(rows, (size_t)i, 0);
            if (rec_id_parse(id, &t, &num)) continue;
            json_t *data = json_loads(store_rows_get(rows, (size_t)i, 2), 0, NULL);
            if (!data) continue;
            rc = rec_index_apply(r, t, num, store_rows_get(rows, (size_t)i, 1), data,
                                 store_rows_get(rows, (size_t)i, 3));
            json_decref(data);
        }
        pthread_rwlock_unlock(&r->lock);
        if (n > 0) snprintf(after, sizeof after, "%s", store_rows_get(rows, (size_t)n - 1, 0));
        total += n;
        store_rows_free(rows);
        if (rc || n < 10000) break;
    }
    store_put(r->st, c);
    if (!rc)
        kt_log_info("records: indexed %ld active records in %lld ms", total,
                    (long long)(jtime_now_ms() - t0));
    return rc;
}

int records_open(struct store *st, struct audit *au, struct records **out)
{
    struct records *r = calloc(1, sizeof *r);
    if (!r) return KT_ENOMEM;
    r->st = st;
    r->au = au;
    pthread_rwlock_init(&r->lock, NULL);
    pthread_mutex_init(&r->stop_mu, NULL);
    pthread_cond_init(&r->stop_cv, NULL);
    int rc = keymap_create(&r->keys);
    if (!rc) rc = name_index_create(&r->names);
    if (!rc) rc = load_all(r);
    if (rc) {
        records_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* Applies changes recorded by anyone since the last look. */
static int follow_once(struct records *r)
{
    struct store_conn *c;
    store_get(r->st, &c);
    char after[24];
    snprintf(after, sizeof after, "%lld", (long long)r->history_seen);
    const char *p[] = {after};
    struct store_rows *rows = NULL;
    long n = store_exec(c,
                        "SELECT id, record_id FROM record_history WHERE id > ? ORDER BY id"
                        " LIMIT 20000",
                        1, p, &rows);
    int rc = n < 0 ? (int)n : 0;
    if (n > 0) {
        const char **ids = malloc((size_t)n * sizeof *ids);
        if (!ids) {
            rc = KT_ENOMEM;
        } else {
            for (long i = 0; i < n; i++)
                ids[i] = store_rows_get(rows, (size_t)i, 1);
            rc = rec_index_reload(r, c, ids, (size_t)n);
            free(ids);
            if (!rc) r->history_seen = strtoll(store_rows_get(rows, (size_t)n - 1, 0), NULL, 10);
        }
    }
    store_rows_free(rows);
    store_put(r->st, c);
    return rc;
}

/* Marks records past their expires_on (JST date) as expired, each with history and audit. */
static int expire_due(struct records *r)
{
    char today[16];
    jtime_today_jst(today, sizeof today);
    struct store_conn *c;
    store_get(r->st, &c);
    const char *p[] = {today};
    struct store_rows *rows = NULL;
    long n = store_exec(c,
                        "SELECT id FROM records WHERE status = 'active' AND expires_on IS NOT NULL"
                        " AND expires_on < ? LIMIT 1000",
                        1, p, &rows);
    int rc = n < 0 ? (int)n : 0;
    for (long i = 0; i < n && !rc; i++) {
        const char *id = store_rows_get(rows, (size_t)i, 0);
        if ((rc = audit_tx_begin(r->au, c))) break;
        char now[32];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        const char *q[] = {now, id};
        long m = store_exec(c,
                            "UPDATE records SET status = 'expired', updated_at = ?,"
                            " version = version + 1 WHERE id = ? AND status = 'active'",
                            2, q, NULL);
        struct audit_entry e = {.action = "record.expire",
                                .target = id,
                                .reason = "expires_on passed",
                                .detail = "{\"automatic\":true}"};
        if (m < 0 ||
            (m > 0 && ((rc = rec_history_add(c, id, "system", "expire", "{\"automatic\":true}")) ||
                       (rc = audit_append(r->au, c, &system_user, &e, NULL))))) {
            if (m < 0) rc = (int)m;
            audit_tx_rollback(r->au, c);
            break;
        }
        if ((rc = audit_tx_commit(r->au, c))) break;
        const char *ids[] = {id};
        rc = rec_index_reload(r, c, ids, 1);
    }
    store_rows_free(rows);
    store_put(r->st, c);
    return rc;
}

static void *follower_main(void *arg)
{
    struct records *r = arg;
    int ticks = 0;
    pthread_mutex_lock(&r->stop_mu);
    while (!r->stopping) {
        pthread_mutex_unlock(&r->stop_mu);
        if (follow_once(r)) kt_log_warn("records: follower: %s", kt_errmsg());
        if (ticks++ % 60 == 0 && expire_due(r)) kt_log_warn("records: expiry: %s", kt_errmsg());
        pthread_mutex_lock(&r->stop_mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (!r->stopping) pthread_cond_timedwait(&r->stop_cv, &r->stop_mu, &ts);
    }
    pthread_mutex_unlock(&r->stop_mu);
    return NULL;
}

int records_follow_start(struct records *r)
{
    if (pthread_create(&r->follower, NULL, follower_main, r) != 0)
        return kt_fail(KT_EINTERNAL, "cannot start records follower");
    r->following = 1;
    return 0;
}

void records_close(struct records *r)
{
    if (!r) return;
    if (r->following) {
        pthread_mutex_lock(&r->stop_mu);
        r->stopping = 1;
        pthread_cond_signal(&r->stop_cv);
        pthread_mutex_unlock(&r->stop_mu);
        pthread_join(r->follower, NULL);
    }
    for (int t = 0; t < REC_TYPES; t++) {
        for (size_t i = 0; i < r->tables[t].cap; i++)
            free(r->tables[t].slots[i].summary);
        free(r->tables[t].slots);
    }
    keymap_free(r->keys);
    name_index_free(r->names);
    pthread_rwlock_destroy(&r->lock);
    pthread_mutex_destroy(&r->stop_mu);
    pthread_cond_destroy(&r->stop_cv);
    free(r);
}

int records_routes(struct records *r, struct http_router *router)
{
    int rc = rec_routes_lifecycle(r, router);
    if (!rc) rc = rec_routes_query(r, router);
    if (!rc) rc = rec_routes_hits(r, router);
    return rc;
}

static int apply_new(struct records *r, int t, const char *id, json_t *data)
{
    int tt = 0;
    uint32_t num = 0;
    char now[32];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    if (rec_id_parse(id, &tt, &num)) return KT_EINTERNAL;
    pthread_rwlock_wrlock(&r->lock);
    int rc = rec_index_apply(r, t, num, "active", data, now);
    pthread_rwlock_unlock(&r->lock);
    return rc;
}

int records_register(struct records *r, const struct auth_user *u, const char *type, json_t *body,
                     char *id_out, size_t id_cap)
{
    if (!auth_can(u, AUTH_RECORD_WRITE))
        return kt_fail(KT_EFORBIDDEN, "role %s may not register records", u->role);
    int t = rec_type_index(type);
    if (t < 0) return kt_fail(KT_EINVAL, "unknown record type");
    json_t *data;
    int rc = rec_validate(t, u, body, NULL, &data);
    if (rc) return rc;
    struct store_conn *c;
    store_get(r->st, &c);
    if (!(rc = audit_tx_begin(r->au, c))) {
        rc = rec_insert(r, c, u, t, data, id_out, id_cap);
        if (!rc) {
            char detail[64];
            snprintf(detail, sizeof detail, "{\"type\":\"%s\"}", type_names[t]);
            const char *refs[] = {id_out};
            struct audit_entry e = {.action = "record.register",
                                    .target = id_out,
                                    .detail = detail,
                                    .refs = refs,
                                    .nrefs = 1};
            rc = audit_append(r->au, c, u, &e, NULL);
        }
        rc = audit_tx_finish(r->au, c, rc);
    }
    store_put(r->st, c);
    if (!rc) rc = apply_new(r, t, id_out, data);
    json_decref(data);
    return rc;
}

/* One validated line of an import, kept until commit so the indexes learn it only then. */
struct staged {
    int t;
    char id[16];
    json_t *data;
};

int records_import(struct records *r, const struct auth_user *u, FILE *in, long *count)
{
    *count = 0;
    if (!auth_can(u, AUTH_RECORD_WRITE))
        return kt_fail(KT_EFORBIDDEN, "role %s may not import records", u->role);
    struct store_conn *c;
    store_get(r->st, &c);
    int rc = audit_tx_begin(r->au, c);
    if (rc) {
        store_put(r->st, c);
        return rc;
    }
    struct staged *st = NULL;
    size_t nst = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    long lineno = 0;
    ssize_t len;
    while (!rc && (len = getline(&line, &lcap, in)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0) continue;
        if ((size_t)len > HTTP_MAX_BODY) {
            rc = kt_fail(KT_ETOOBIG, "line %ld: longer than %d bytes", lineno, HTTP_MAX_BODY);
            break;
        }
        json_error_t jerr;
        json_t *obj = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
        if (!obj || !json_is_object(obj)) {
            rc = kt_fail(KT_EINVAL, "line %ld: %s", lineno, obj ? "not a JSON object" : jerr.text);
            json_decref(obj);
            break;
        }
        int t = rec_type_index(json_string_value(json_object_get(obj, "type")));
        if (t < 0) {
            json_decref(obj);
            rc = kt_fail(KT_EINVAL,
                         "line %ld: type must be person, vehicle, firearm or"
                         " document",
                         lineno);
            break;
        }
        json_object_del(obj, "type");
        json_t *data = NULL;
        rc = rec_validate(t, u, obj, NULL, &data);
        json_decref(obj);
        if (rc) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", kt_errmsg());
            rc = kt_fail(rc, "line %ld: %s", lineno, msg);
            break;
        }
        if (nst == cap) {
            cap = cap ? cap * 2 : 1024;
            struct staged *ns = realloc(st, cap * sizeof *ns);
            if (!ns) {
                json_decref(data);
                rc = KT_ENOMEM;
                break;
            }
            st = ns;
        }
        st[nst].t = t;
        st[nst].data = data;
        rc = rec_insert(r, c, u, t, data, st[nst].id, sizeof st[nst].id);
        nst++;
        if (rc) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", kt_errmsg());
            rc = kt_fail(rc, "line %ld: %s", lineno, msg);
        }
    }
    free(line);
    if (!rc && ferror(in)) rc = kt_fail(KT_EIO, "read error: %s", strerror(errno));
    if (!rc) {
        char detail[160];
        snprintf(detail, sizeof detail, "{\"count\":%zu,\"first\":\"%s\",\"last\":\"%s\"}", nst,
                 nst ? st[0].id : "", nst ? st[nst - 1].id : "");
        struct audit_entry e = {.action = "records.import", .detail = detail};
        rc = audit_append(r->au, c, u, &e, NULL);
    }
    rc = audit_tx_finish(r->au, c, rc);
    store_put(r->st, c);
    for (size_t i = 0; i < nst; i++) {
        if (!rc) rc = apply_new(r, st[i].t, st[i].id, st[i].data);
        json_decref(st[i].data);
    }
    free(st);
    if (!rc) *count = (long)nst;
    return rc;
}
