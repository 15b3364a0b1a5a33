/* Hit/no-hit queries (照会). One call answers: the candidates best first with their scores,
 * caution flags, owning agency and age, and whether any is a hit. Every query, hit or not, is
 * audited with its reason before the answer leaves. */
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "records/ident.h"
#include "records/mrz.h"
#include "records/plate.h"
#include "records/records_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A candidate at or above this score is a hit; below it, a possible match to check. */
#define HIT_SCORE 0.85f
#define MIN_SCORE 0.70f
#define MAX_CANDIDATES 50

struct cand {
    int t;
    uint32_t num;
    float score;
};

struct answer {
    struct cand c[MAX_CANDIDATES];
    size_t n, limit;
    char today[16];
};

/* The query as audited: fields appended as ,"key":value to a buffer (jansson's dump was a
 * measurable share of each query's cost). */
static void q_add(struct kt_buf *q, const char *key, const char *val)
{
    kt_buf_printf(q, ",\"%s\":", key);
    kt_buf_json_str(q, val);
}

static int cand_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->num < y->num ? -1 : x->num > y->num;
}

/* Adds a candidate if its record is active and not past expiry (caller holds the read lock). */
static void consider(struct records *r, struct answer *a, int t, uint32_t num, float score)
{
    if (a->n == MAX_CANDIDATES) return;
    struct rec_table *tb = &r->tables[t];
    if (num >= tb->cap || !tb->slots[num].active) return;
    struct rec_slot *s = &tb->slots[num];
    if (s->expires_on[0] && strcmp(s->expires_on, a->today) < 0) return;
    for (size_t i = 0; i < a->n; i++) {
        if (a->c[i].t == t && a->c[i].num == num) {
            if (score > a->c[i].score) a->c[i].score = score;
            return;
        }
    }
    a->c[a->n++] = (struct cand){t, num, score};
}

static void by_key(struct records *r, struct answer *a, int t, const char *kind, const char *key,
                   float score)
{
    char full[160];
    snprintf(full, sizeof full, "%s:%s", kind, key);
    size_t n;
    const uint32_t *ids = keymap_get(r->keys, full, &n);
    for (size_t i = 0; i < n; i++)
        consider(r, a, t, ids[i], score);
}

static int q_person(struct records *r, json_t *b, struct answer *a, struct kt_buf *q)
{
    static const char *const allowed[] = {"name",     "birth_date", "sex", "reason",
                                          "incident", "limit",      NULL};
    const char *name, *bd, *sex;
    int rc;
    if ((rc = http_json_only(b, "query", allowed)) ||
        (rc = http_json_str(b, "name", 1, 80, &name)) ||
        (rc = http_json_str(b, "birth_date", 0, 10, &bd)) ||
        (rc = http_json_str(b, "sex", 0, 1, &sex)))
        return rc;
    if (bd && (rc = jtime_parse_date("birth_date", bd, NULL, NULL, NULL))) return rc;
    if (sex && strcmp(sex, "M") && strcmp(sex, "F") && strcmp(sex, "U"))
        return kt_fail(KT_EINVAL, "sex must be M, F or U");
    q_add(q, "name", name);
    if (bd) q_add(q, "birth_date", bd);
    if (sex) q_add(q, "sex", sex);
    struct name_hit hits[MAX_CANDIDATES];
    size_t n = 0;
    pthread_rwlock_rdlock(&r->lock);
    rc = name_index_search(r->names, name, bd, sex && *sex != 'U' ? *sex : 0, MIN_SCORE, hits,
                           MAX_CANDIDATES, &n);
    for (size_t i = 0; i < n && !rc; i++)
        consider(r, a, 0, hits[i].id, hits[i].score);
    pthread_rwlock_unlock(&r->lock);
    if (rc) return kt_fail(rc == KT_EINVAL ? KT_EVALID : rc, "name: %s", kt_errmsg());
    return 0;
}

/* Scores a partial plate against a stored key "region|class|kana|serial". */
static float partial_score(const struct plate *p, const char *key)
{
    char parts[4][48] = {{0}};
    int i = 0;
    const char *s = key;
    while (i < 4) {
        const char *e = strchr(s, '|');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len >= sizeof parts[0]) return 0;
        memcpy(parts[i++], s, len);
        if (!e) break;
        s = e + 1;
    }
    float score = 0.6f;
    if (p->fields & PLATE_HAS_REGION) {
        if (strcmp(parts[0], p->region)) return 0;
        score += 0.1f;
    }
    if (p->fields & PLATE_HAS_CLASS) {
        if (strcmp(parts[1], p->class_no)) return 0;
        score += 0.05f;
    }
    if (p->fields & PLATE_HAS_KANA) {
        if (strcmp(parts[2], p->kana)) return 0;
        score += 0.1f;
    }
    return score > 0.8f ? 0.8f : score;
}

static int q_vehicle(struct records *r, json_t *b, struct answer *a, struct kt_buf *q)
{
    static const char *const allowed[] = {"plate", "vin", "reason", "incident", "limit", NULL};
    const char *plate, *vin;
    int rc;
    if ((rc = http_json_only(b, "query", allowed)) ||
        (rc = http_json_str(b, "plate", 0, 40, &plate)) ||
        (rc = http_json_str(b, "vin", 0, 40, &vin)))
        return rc;
    if (!plate == !vin) return kt_fail(KT_EINVAL, "give exactly one of plate or vin");
    char key[128];
    if (vin) {
        if ((rc = ident_key(vin, strlen(vin), key, sizeof key)))
            return kt_fail(rc, "vin: %s", kt_errmsg());
        q_add(q, "vin", vin);
        pthread_rwlock_rdlock(&r->lock);
        by_key(r, a, 1, "vin", key, 1.0f);
        pthread_rwlock_unlock(&r->lock);
        return 0;
    }
    q_add(q, "plate", plate);
    struct plate p;
    if (plate_parse(plate, strlen(plate), &p) == 0) {
        if ((rc = plate_key(&p, key, sizeof key))) return rc;
        q_add(q, "plate_key", key);
        pthread_rwlock_rdlock(&r->lock);
        by_key(r, a, 1, "plate", key, 1.0f);
        pthread_rwlock_unlock(&r->lock);
        return 0;
    }
    char full_err[256];
    snprintf(full_err, sizeof full_err, "%s", kt_errmsg());
    if (plate_parse_partial(plate, strlen(plate), &p)) {
        return kt_fail(KT_EVALID, "%s", full_err);
    }
    /* What the officer saw: look up by serial, keep plates agreeing on every part given. */
    char serial[8];
    snprintf(serial, sizeof serial, "%04u", p.serial);
    kt_buf_puts(q, ",\"partial\":true");
    char full[32];
    snprintf(full, sizeof full, "serial:%s", serial);
    pthread_rwlock_rdlock(&r->lock);
    size_t n;
    const uint32_t *ids = keymap_get(r->keys, full, &n);
    for (size_t i = 0; i < n; i++) {
        struct rec_table *tb = &r->tables[1];
        if (ids[i] >= tb->cap || !tb->slots[ids[i]].active) continue;
        const struct rec_slot *s = &tb->slots[ids[i]];
        for (int k = 0; k < s->keys.n; k++) {
            if (strcmp(s->keys.kind[k], "plate")) continue;
            float sc = partial_score(&p, s->keys.key[k]);
            if (sc > 0) consider(r, a, 1, ids[i], sc);
        }
    }
    pthread_rwlock_unlock(&r->lock);
    return 0;
}

static int q_firearm(struct records *r, json_t *b, struct answer *a, struct kt_buf *q)
{
    static const char *const allowed[] = {"serial", "make", "reason", "incident", "limit", NULL};
    const char *serial, *make;
    int rc;
    if ((rc = http_json_only(b, "query", allowed)) ||
        (rc = http_json_str(b, "serial", 1, 40, &serial)) ||
        (rc = http_json_str(b, "make", 0, 40, &make)))
        return rc;
    char key[128];
    if ((rc = ident_key(serial, strlen(serial), key, sizeof key)))
        return kt_fail(rc, "serial: %s", kt_errmsg());
    q_add(q, "serial", serial);
    if (make) q_add(q, "make", make);
    pthread_rwlock_rdlock(&r->lock);
    by_key(r, a, 2, "fserial", key, 1.0f);
    pthread_rwlock_unlock(&r->lock);
    return 0;
}

static int q_document(struct records *r, json_t *b, struct answer *a, struct kt_buf *q)
{
    static const char *const allowed[] = {"number",   "country", "mrz", "reason",
                                          "incident", "limit",   NULL};
    const char *number, *country, *mrz_text;
    int rc;
    if ((rc = http_json_only(b, "query", allowed)) ||
        (rc = http_json_str(b, "number", 0, 20, &number)) ||
        (rc = http_json_str(b, "country", 0, 3, &country)) ||
        (rc = http_json_str(b, "mrz", 0, 100, &mrz_text)))
        return rc;
    struct mrz m;
    if (mrz_text) {
        if (number) return kt_fail(KT_EINVAL, "give number or mrz, not both");
        if ((rc = mrz_parse(mrz_text, strlen(mrz_text), &m))) return rc;
        number = m.number;
        country = m.issuer;
        q_add(q, "mrz", mrz_text);
    } else if (!number) {
        return kt_fail(KT_EINVAL, "give number or mrz");
    }
    char key[128];
    if ((rc = ident_key(number, strlen(number), key, sizeof key)))
        return kt_fail(rc, "number: %s", kt_errmsg());
    q_add(q, "number", number);
    if (country) q_add(q, "country", country);
    pthread_rwlock_rdlock(&r->lock);
    char full[160];
    snprintf(full, sizeof full, "doc:%s", key);
    size_t n;
    const uint32_t *ids = keymap_get(r->keys, full, &n);
    for (size_t i = 0; i < n; i++) {
        float score = 1.0f;
        const struct rec_table *tb = &r->tables[3];
        if (country && ids[i] < tb->cap && tb->slots[ids[i]].summary) {
            /* Same number from another issuer: shown, but not a hit. */
            char pat[32];
            snprintf(pat, sizeof pat, "\"country\":\"%s\"", country);
            if (!strstr(tb->slots[ids[i]].summary, pat)) score = 0.75f;
        }
        consider(r, a, 3, ids[i], score);
    }
    pthread_rwlock_unlock(&r->lock);
    return 0;
}

/* A query between its search and its answer: what the audit entry and the answer need. */
struct query_job {
    struct records *r;
    json_t *body; /* a reference: reason and incident are borrowed from it */
    struct answer a;
    int hit, more;
    char ids[MAX_CANDIDATES][16];
    const char *refs[MAX_CANDIDATES];
    char action[32];
    char *detail;
    struct audit_entry e; /* the entry to audit before the answer leaves */
};

static void job_free(struct query_job *j)
{
    json_decref(j->body);
    free(j->detail);
    free(j);
}

/* Validates body and searches: *out (job_free) holds the candidates and its audit entry e. */
static int query_start(struct records *r, const struct auth_user *u, const char *kind, json_t *body,
                       struct query_job **out)
{
    if (!auth_can(u, AUTH_QUERY))
        return kt_fail(KT_EFORBIDDEN, "role %s may not query records", u->role);
    const char *reason, *incident;
    int rc;
    if ((rc = http_json_str(body, "reason", 1, 200, &reason)))
        return kt_fail(rc, "reason is required: the incident number or the purpose of the query");
    if ((rc = http_json_str(body, "incident", 0, 40, &incident))) return rc;
    json_t *lim = json_object_get(body, "limit");
    struct query_job *j = calloc(1, sizeof *j);
    if (!j) return KT_ENOMEM;
    j->r = r;
    j->body = json_incref(body);
    struct answer *a = &j->a;
    a->limit = 10;
    if (lim) {
        if (!json_is_integer(lim) || json_integer_value(lim) < 1 ||
            json_integer_value(lim) > MAX_CANDIDATES) {
            job_free(j);
            return kt_fail(KT_EINVAL, "limit must be an integer from 1 to %d", MAX_CANDIDATES);
        }
        a->limit = (size_t)json_integer_value(lim);
    }
    jtime_today_jst(a->today, sizeof a->today);
    struct kt_buf q;
    kt_buf_init(&q, 64 * 1024);
    if (strcmp(kind, "person") == 0)
        rc = q_person(r, body, a, &q);
    else if (strcmp(kind, "vehicle") == 0)
        rc = q_vehicle(r, body, a, &q);
    else if (strcmp(kind, "firearm") == 0)
        rc = q_firearm(r, body, a, &q);
    else
        rc = q_document(r, body, a, &q);
    if (rc) {
        kt_buf_free(&q);
        job_free(j);
        return rc;
    }
    qsort(a->c, a->n, sizeof a->c[0], cand_cmp);
    j->more = a->n > a->limit; /* more candidates than shown: narrow by birth date or sex */
    if (j->more) a->n = a->limit;
    j->hit = a->n > 0 && a->c[0].score >= HIT_SCORE;

    struct kt_buf d;
    kt_buf_init(&d, 128 * 1024);
    kt_buf_printf(&d, "{\"kind\":\"%s\",\"query\":{%s},\"hit\":%s,\"candidates\":[", kind,
                  q.data ? q.data + 1 : "", j->hit ? "true" : "false");
    kt_buf_free(&q);
    for (size_t i = 0; i < a->n; i++) {
        rec_id_format(a->c[i].t, a->c[i].num, j->ids[i], sizeof j->ids[i]);
        j->refs[i] = j->ids[i];
        kt_buf_printf(&d, "%s\"%s\"", i ? "," : "", j->ids[i]);
    }
    kt_buf_puts(&d, "]");
    if (incident) {
        kt_buf_puts(&d, ",\"incident\":");
        kt_buf_json_str(&d, incident);
    }
    kt_buf_puts(&d, "}");
    if (!(j->detail = kt_buf_take(&d, NULL))) {
        job_free(j);
        return KT_ENOMEM;
    }
    snprintf(j->action, sizeof j->action, "query.%s", kind);
    j->e = (struct audit_entry){
        .action = j->action, .reason = reason, .detail = j->detail, .refs = j->refs, .nrefs = a->n};
    *out = j;
    return 0;
}

/* The answer to j, whose audit entry is durable as number seq. */
static int query_answer(const struct query_job *j, int64_t seq, char **out, size_t *out_len)
{
    struct records *r = j->r;
    const struct answer *a = &j->a;
    struct kt_buf b;
    kt_buf_init(&b, 4 * 1024 * 1024);
    kt_buf_printf(&b, "{\"hit\":%s,\"query_id\":%lld,\"count\":%zu,\"more\":%s,\"candidates\":[",
                  j->hit ? "true" : "false", (long long)seq, a->n, j->more ? "true" : "false");
    int64_t now = jtime_now_ms();
    pthread_rwlock_rdlock(&r->lock);
    size_t shown = 0;
    for (size_t i = 0; i < a->n; i++) {
        const struct rec_table *tb = &r->tables[a->c[i].t];
        const struct rec_slot *s = a->c[i].num < tb->cap ? &tb->slots[a->c[i].num] : NULL;
        if (!s || !s->summary) continue; /* cleared between search and answer */
        kt_buf_printf(&b, "%s{\"id\":\"%s\",\"score\":%.3f,\"hit\":%s,\"age_days\":%lld,",
                      shown++ ? "," : "", j->ids[i], (double)a->c[i].score,
                      a->c[i].score >= HIT_SCORE ? "true" : "false",
                      (long long)((now - s->created_ms) / 86400000));
        kt_buf_puts(&b, s->summary + 1);
    }
    pthread_rwlock_unlock(&r->lock);
    kt_buf_puts(&b, "]}");
    *out = kt_buf_take(&b, out_len);
    return *out ? 0 : KT_ENOMEM;
}

int records_query(struct records *r, const struct auth_user *u, const char *kind, json_t *body,
                  char **out, size_t *out_len)
{
    struct query_job *j;
    int rc = query_start(r, u, kind, body, &j);
    if (rc) return rc;
    int64_t seq = 0;
    if (!(rc = audit_log(r->au, u, &j->e, &seq))) rc = query_answer(j, seq, out, out_len);
    job_free(j);
    return rc;
}

/* An HTTP query's answer once its entry is durable (http_finish). */
static int finish_query(void *ctx, int64_t seq, struct http_response *resp)
{
    struct query_job *j = ctx;
    int rc = 0;
    char *text;
    size_t len;
    if (resp && !(rc = query_answer(j, seq, &text, &len))) http_reply_text(resp, text, len);
    job_free(j);
    return rc;
}

static int do_query(struct records *r, struct http_request *req, struct http_response *resp,
                    const char *kind)
{
    struct query_job *j;
    int rc = query_start(r, &req->user, kind, req->json, &j);
    if (rc) return rc;
    return http_reply_audited(req, resp, r->au, &j->e, finish_query, j);
}

#define QUERY_HANDLER(fn, kind)                                                                    \
    static int fn(void *ctx, struct http_request *req, struct http_response *resp)                 \
    {                                                                                              \
        return do_query(ctx, req, resp, kind);                                                     \
    }
QUERY_HANDLER(query_person, "person")
QUERY_HANDLER(query_vehicle, "vehicle")
QUERY_HANDLER(query_firearm, "firearm")
QUERY_HANDLER(query_document, "document")

int rec_routes_query(struct records *r, struct http_router *rt)
{
    int rc = 0;
    rc |= http_router_add(rt, "POST", "/api/v1/query/person", query_person, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/query/vehicle", query_vehicle, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/query/firearm", query_firearm, r, HTTP_AUTH);
    rc |= http_router_add(rt, "POST", "/api/v1/query/document", query_document, r, HTTP_AUTH);
    return rc ? KT_EINTERNAL : 0;
}
