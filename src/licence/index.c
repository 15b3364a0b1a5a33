/* The check index: licence number → state, expiry and suspension end, in an open-addressing
 * hash on the number's decimal value; built from the store at start, kept current by this
 * process's writes. And the field check, audited before it answers. */
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/jtime.h"
#include "licence/licence_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

static int grow(struct licence *l)
{
    size_t ncap = l->cap ? l->cap * 2 : 1024;
    struct lic_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return KT_ENOMEM;
    for (size_t i = 0; i < l->cap; i++) {
        if (!l->slots[i].key) continue;
        size_t j = slot_of(l->slots[i].key, ncap);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = l->slots[i];
    }
    free(l->slots);
    l->slots = ns;
    l->cap = ncap;
    return 0;
}

/* Caller holds the write lock. */
static int put_locked(struct licence *l, uint64_t key, enum licence_state st, long expires,
                      long until)
{
    if ((l->count + 1) * 10 > l->cap * 7) {
        int rc = grow(l);
        if (rc) return rc;
    }
    size_t j = slot_of(key, l->cap);
    while (l->slots[j].key && l->slots[j].key != key)
        j = (j + 1) & (l->cap - 1);
    if (!l->slots[j].key) l->count++;
    l->slots[j] = (struct lic_slot){key, (int32_t)expires, (int32_t)until, (uint8_t)st};
    return 0;
}

int lic_index_put(struct licence *l, const char *number, enum licence_state st, long expires,
                  long until)
{
    pthread_rwlock_wrlock(&l->lock);
    int rc = put_locked(l, licence_number_key(number), st, expires, until);
    pthread_rwlock_unlock(&l->lock);
    return rc;
}

enum licence_state lic_state_of(const char *status)
{
    static const struct {
        const char *s;
        enum licence_state st;
    } map[] = {{"valid", LICENCE_VALID},
               {"suspended", LICENCE_SUSPENDED},
               {"revoked", LICENCE_REVOKED},
               {"surrendered", LICENCE_SURRENDERED},
               {"reissued", LICENCE_REISSUED}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(status, map[i].s) == 0) return map[i].st;
    return LICENCE_UNKNOWN;
}

const char *licence_state_name(enum licence_state s)
{
    static const char *const n[] = {"unknown", "valid",       "suspended", "revoked",
                                    "expired", "surrendered", "reissued"};
    return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "unknown";
}

size_t licence_index_count(struct licence *l)
{
    pthread_rwlock_rdlock(&l->lock);
    size_t n = l->count;
    pthread_rwlock_unlock(&l->lock);
    return n;
}

int lic_index_load(struct licence *l)
{
    struct store_conn *c;
    store_get(l->st, &c);
    char after[16] = "";
    int rc = 0;
    long total = 0;
    int64_t t0 = jtime_now_ms();
    for (;;) {
        const char *p[] = {after};
        struct store_rows *rows = NULL;
        long n = store_exec(c,
                            "SELECT number, status, expires_on, suspended_until FROM licences"
                            " WHERE number > ? ORDER BY number LIMIT 50000",
                            1, p, &rows);
        if (n < 0) {
            rc = (int)n;
            break;
        }
        pthread_rwlock_wrlock(&l->lock);
        for (long i = 0; i < n && !rc; i++) {
            const char *num = store_rows_get(rows, (size_t)i, 0);
            const char *until = store_rows_get(rows, (size_t)i, 3);
            long exp = 0, un = 0;
            if (strlen(num) != LICENCE_NUMBER_LEN) continue;
            lic_day("expires_on", store_rows_get(rows, (size_t)i, 2), &exp);
            if (until) lic_day("suspended_until", until, &un);
            rc = put_locked(l, licence_number_key(num),
                            lic_state_of(store_rows_get(rows, (size_t)i, 1)), exp, un);
        }
        pthread_rwlock_unlock(&l->lock);
        if (n > 0) snprintf(after, sizeof after, "%s", store_rows_get(rows, (size_t)n - 1, 0));
        total += n;
        store_rows_free(rows);
        if (rc || n < 50000) break;
    }
    store_put(l->st, c);
    kt_err_clear();
    if (!rc)
        kt_log_info("licence: indexed %ld licences in %lld ms", total,
                    (long long)(jtime_now_ms() - t0));
    return rc;
}

int licence_check_lookup(struct licence *l, const char *number, size_t len, long today,
                         struct licence_check_result *r)
{
    memset(r, 0, sizeof *r);
    struct licence_number ln;
    enum licence_number_problem p;
    int rc = licence_number_parse_ex(number, len, &ln, &p);
    if (rc && p != LICENCE_NUMBER_CHECK_DIGIT) return rc;
    r->check_digit_ok = p == LICENCE_NUMBER_OK;
    if (!r->check_digit_ok) return 0; /* a forged or mistyped number: unknown */
    uint64_t key = licence_number_key(ln.digits);
    pthread_rwlock_rdlock(&l->lock);
    struct lic_slot s = {0};
    if (l->cap) {
        size_t j = slot_of(key, l->cap);
        while (l->slots[j].key && l->slots[j].key != key)
            j = (j + 1) & (l->cap - 1);
        s = l->slots[j];
    }
    pthread_rwlock_unlock(&l->lock);
    if (!s.key) return 0;
    r->expires = s.expires;
    enum licence_state st = (enum licence_state)s.state;
    if (st == LICENCE_SUSPENDED) {
        if (s.until >= today)
            r->until = s.until;
        else
            st = LICENCE_VALID; /* the suspension has run out */
    }
    if ((st == LICENCE_VALID || st == LICENCE_SUSPENDED) && s.expires < today) st = LICENCE_EXPIRED;
    r->state = st;
    return 0;
}

/* A check between its lookup and its answer. */
struct check_job {
    json_t *body; /* a reference: the entry's reason is borrowed from it */
    struct licence_check_result r;
    char *detail;
    struct audit_entry e; /* to be durable before the answer leaves */
};

static void check_free(struct check_job *j)
{
    json_decref(j->body);
    free(j->detail);
    free(j);
}

/* Validates body and looks the number up: *out (check_free) holds the result and its entry. */
static int check_start(struct licence *l, const struct auth_user *u, json_t *body,
                       struct check_job **out)
{
    static const char *const allowed[] = {"number", "reason", "incident", NULL};
    int rc = lic_require(u, AUTH_LICENCE_CHECK, "check licences");
    const char *number, *reason, *incident;
    if (rc || (rc = http_json_only(body, "check", allowed))) return rc;
    if ((rc = http_json_str(body, "reason", 1, 200, &reason)))
        return kt_fail(rc, "reason is required: the incident number or the purpose of the check");
    if ((rc = http_json_str(body, "number", 1, 40, &number)) ||
        (rc = http_json_str(body, "incident", 0, 40, &incident)))
        return rc;
    struct check_job *j = calloc(1, sizeof *j);
    if (!j) return KT_ENOMEM;
    j->body = json_incref(body);
    if ((rc = licence_check_lookup(l, number, strlen(number), lic_today(), &j->r))) {
        check_free(j);
        return rc;
    }
    struct kt_buf d;
    kt_buf_init(&d, 4096);
    kt_buf_puts(&d, "{\"number\":");
    kt_buf_json_str(&d, number);
    kt_buf_printf(&d, ",\"status\":\"%s\",\"check_digit\":\"%s\"", licence_state_name(j->r.state),
                  j->r.check_digit_ok ? "ok" : "wrong");
    if (incident) {
        kt_buf_puts(&d, ",\"incident\":");
        kt_buf_json_str(&d, incident);
    }
    kt_buf_puts(&d, "}");
    if (!(j->detail = kt_buf_take(&d, NULL))) {
        check_free(j);
        return KT_ENOMEM;
    }
    j->e = (struct audit_entry){.action = "licence.check", .reason = reason, .detail = j->detail};
    *out = j;
    return 0;
}

/* The answer to j, whose entry is durable as number seq. */
static int check_answer(const struct check_job *j, int64_t seq, char **out, size_t *out_len)
{
    const struct licence_check_result *r = &j->r;
    char until[11] = "", expires[11] = "";
    if (r->until) lic_date(r->until, until);
    if (r->expires) lic_date(r->expires, expires);
    struct kt_buf b;
    kt_buf_init(&b, 1024);
    kt_buf_printf(&b, "{\"status\":\"%s\",\"check_digit\":\"%s\"", licence_state_name(r->state),
                  r->check_digit_ok ? "ok" : "wrong");
    if (until[0]) kt_buf_printf(&b, ",\"until\":\"%s\"", until);
    if (expires[0]) kt_buf_printf(&b, ",\"expires_on\":\"%s\"", expires);
    kt_buf_printf(&b, ",\"query_id\":%lld}", (long long)seq);
    *out = kt_buf_take(&b, out_len);
    return *out ? 0 : KT_ENOMEM;
}

int licence_check(struct licence *l, const struct auth_user *u, json_t *body, char **out,
                  size_t *out_len)
{
    struct check_job *j;
    int rc = check_start(l, u, body, &j);
    if (rc) return rc;
    int64_t seq = 0;
    if (!(rc = audit_log(l->au, u, &j->e, &seq))) rc = check_answer(j, seq, out, out_len);
    check_free(j);
    return rc;
}

/* An HTTP check's answer once its entry is durable (http_finish). */
static int finish_check(void *ctx, int64_t seq, struct http_response *resp)
{
    struct check_job *j = ctx;
    int rc = 0;
    char *text;
    size_t len;
    if (resp && !(rc = check_answer(j, seq, &text, &len))) http_reply_text(resp, text, len);
    check_free(j);
    return rc;
}

int licence_check_reply(struct licence *l, struct http_request *req, json_t *body,
                        struct http_response *resp)
{
    struct check_job *j;
    int rc = check_start(l, &req->user, body, &j);
    if (rc) return rc;
    return http_reply_audited(req, resp, l->au, &j->e, finish_check, j);
}

int licence_open(struct store *st, struct audit *au, struct licence **out)
{
    struct licence *l = calloc(1, sizeof *l);
    if (!l) return KT_ENOMEM;
    l->st = st;
    l->au = au;
    pthread_rwlock_init(&l->lock, NULL);
    int rc = grow(l);
    if (!rc) rc = lic_index_load(l);
    if (rc) {
        licence_close(l);
        return rc;
    }
    *out = l;
    return 0;
}

void licence_close(struct licence *l)
{
    if (!l) return;
    free(l->slots);
    pthread_rwlock_destroy(&l->lock);
    free(l);
}
