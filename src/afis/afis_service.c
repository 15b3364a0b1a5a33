/* 指掌紋 (AFIS) platform module: enrolment, search, verification, latents, partner exchange. */
#include "afis/afis_service.h"
#include "afis/afis.h"
#include "afis/ansinist.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FINGERS 10
#define MAX_TEMPLATE_B64 (64 * 1024)
#define DEFAULT_LIMIT 10
#define MAX_LIMIT 100

struct afis_service {
    struct store *st;
    struct audit *au;
    struct afis_gallery *tenprints; /* subject = tenprint id, one entry per finger */
    struct afis_gallery *latents;   /* unsolved latents */
};

/* ---- loading ---- */

static int decode_b64(const char *b64, uint8_t **out, size_t *len)
{
    size_t n = strlen(b64), cap = n / 4 * 3 + 3;
    *out = malloc(cap ? cap : 1);
    if (!*out) return KT_ENOMEM;
    if (sodium_base642bin(*out, cap, b64, n, " \r\n", len, NULL, sodium_base64_VARIANT_ORIGINAL)) {
        free(*out);
        *out = NULL;
        return kt_fail(KT_EINVAL, "template is not base64");
    }
    return 0;
}

static char *encode_b64(const uint8_t *b, size_t n)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (s) sodium_bin2base64(s, cap, b, n, sodium_base64_VARIANT_ORIGINAL);
    return s;
}

static int load(struct afis_service *s)
{
    struct store_conn *c;
    int rc = store_get(s->st, &c);
    if (rc) return rc;
    struct store_rows *rows = NULL;
    long n = store_exec(c,
                        "SELECT t.subject_id, t.template, s.kind FROM afis_templates t"
                        " JOIN afis_subjects s ON s.id = t.subject_id"
                        " WHERE (s.kind = 'tenprint' AND s.status = 'active')"
                        " OR (s.kind = 'latent' AND s.status = 'unsolved')",
                        0, NULL, &rows);
    store_put(s->st, c);
    if (n < 0) return (int)n;
    struct afis_template *t = malloc(sizeof *t);
    if (!t) {
        store_rows_free(rows);
        return KT_ENOMEM;
    }
    for (long i = 0; i < n && !rc; i++) {
        uint8_t *b;
        size_t len;
        if ((rc = decode_b64(store_rows_get(rows, (size_t)i, 1), &b, &len))) break;
        rc = afis_template_read(b, len, 0, t);
        free(b);
        if (rc) break;
        int latent = strcmp(store_rows_get(rows, (size_t)i, 2), "latent") == 0;
        rc = afis_gallery_add(latent ? s->latents : s->tenprints,
                              store_rows_get(rows, (size_t)i, 0), t);
    }
    free(t);
    store_rows_free(rows);
    if (!rc)
        kt_log_info("afis: %zu tenprint fingers, %zu unsolved latents in memory",
                    afis_gallery_size(s->tenprints), afis_gallery_size(s->latents));
    return rc;
}

int afis_service_open(struct store *st, struct audit *au, struct afis_service **out)
{
    struct afis_service *s = calloc(1, sizeof *s);
    if (!s) return KT_ENOMEM;
    s->st = st;
    s->au = au;
    int rc = afis_gallery_create(&s->tenprints);
    if (!rc) rc = afis_gallery_create(&s->latents);
    if (!rc) rc = load(s);
    if (rc) {
        afis_service_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void afis_service_close(struct afis_service *s)
{
    if (!s) return;
    afis_gallery_free(s->tenprints);
    afis_gallery_free(s->latents);
    free(s);
}

/* ---- request pieces ---- */

/* An "image" (base64 PGM/PNG, 500 ppi) extracted into t. */
static int finger_image(const json_t *ij, const char *where, struct afis_template *t)
{
    if (!json_is_string(ij) || json_string_length(ij) == 0 ||
        json_string_length(ij) > HTTP_MAX_BODY)
        return kt_fail(KT_EINVAL, "%s.image: a PGM or PNG image, base64", where);
    uint8_t *b;
    size_t len;
    int rc = decode_b64(json_string_value(ij), &b, &len);
    if (rc) return rc;
    struct afis_image img;
    rc = afis_image_read(b, len, &img);
    free(b);
    if (!rc) {
        rc = afis_extract(&img, t);
        afis_image_free(&img);
    }
    return rc ? kt_fail(rc, "%s.image: %s", where, kt_errmsg()) : 0;
}

/* One finger object {"finger":1..10?, "template":base64 ISO/ANSI | "image":base64} into t. */
static int parse_finger(const json_t *o, int idx, int need_finger, struct afis_template *t)
{
    static const char *const allowed[] = {"finger", "template", "image", NULL};
    char where[32];
    snprintf(where, sizeof where, "fingers[%d]", idx);
    if (!json_is_object(o)) return kt_fail(KT_EINVAL, "%s must be an object", where);
    int rc = http_json_only(o, where, allowed);
    if (rc) return rc;
    const json_t *tj = json_object_get(o, "template"), *ij = json_object_get(o, "image");
    if (ij && tj) return kt_fail(KT_EINVAL, "%s: a template or an image, not both", where);
    if (ij) {
        if ((rc = finger_image(ij, where, t))) return rc;
    } else if (!json_is_string(tj) || json_string_length(tj) == 0 ||
               json_string_length(tj) > MAX_TEMPLATE_B64)
        return kt_fail(KT_EINVAL,
                       "%s.template: an ISO/IEC 19794-2 or ANSI/INCITS 378 record, base64", where);
    else {
        uint8_t *b;
        size_t len;
        if ((rc = decode_b64(json_string_value(tj), &b, &len))) return rc;
        rc = afis_template_read(b, len, 0, t);
        free(b);
        if (rc) return kt_fail(KT_EINVAL, "%s.template: %s", where, kt_errmsg());
    }
    const json_t *fj = json_object_get(o, "finger");
    if (fj) {
        if (!json_is_integer(fj) || json_integer_value(fj) < 0 || json_integer_value(fj) > 10)
            return kt_fail(KT_EINVAL, "%s.finger must be 0..10", where);
        t->finger = (int)json_integer_value(fj);
    }
    if (need_finger && (t->finger < 1 || t->finger > 10))
        return kt_fail(KT_EINVAL, "%s: finger position 1..10 is required", where);
    if (t->n < 3)
        return kt_fail(KT_EVALID, "%s: %d minutiae are too few to search or enrol", where, t->n);
    return 0;
}

/* "fingers" array into t[0..*n-1]; distinct positions when need_finger. */
static int parse_fingers(const json_t *body, int need_finger, struct afis_template *t, int *n)
{
    const json_t *arr = json_object_get(body, "fingers");
    if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > MAX_FINGERS)
        return kt_fail(KT_EINVAL, "fingers: an array of 1..%d {finger, template}", MAX_FINGERS);
    *n = (int)json_array_size(arr);
    for (int i = 0; i < *n; i++) {
        int rc = parse_finger(json_array_get(arr, (size_t)i), i, need_finger, &t[i]);
        if (rc) return rc;
        for (int j = 0; need_finger && j < i; j++)
            if (t[j].finger == t[i].finger)
                return kt_fail(KT_EINVAL, "fingers: position %d given twice", t[i].finger);
    }
    return 0;
}

static int parse_limit(const json_t *body, int *limit)
{
    const json_t *l = json_object_get(body, "limit");
    *limit = DEFAULT_LIMIT;
    if (!l) return 0;
    if (!json_is_integer(l) || json_integer_value(l) < 1 || json_integer_value(l) > MAX_LIMIT)
        return kt_fail(KT_EINVAL, "limit must be 1..%d", MAX_LIMIT);
    *limit = (int)json_integer_value(l);
    return 0;
}

static json_t *candidates_json(const struct afis_candidate *c, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:f,s:i,s:i,s:b}", "subject", c[i].subject,
                                           "score", (double)(int)(c[i].score * 1000 + 0.5) / 1000,
                                           "finger", c[i].finger, "fingers", c[i].fingers, "hit",
                                           c[i].score >= afis_threshold(3)));
    return a;
}

static int next_id(struct store_conn *c, const char *counter, char prefix, char *out, size_t cap)
{
    long v;
    int rc = store_counter_next(c, counter, &v);
    if (rc == 0) snprintf(out, cap, "%c-%08ld", prefix, v);
    return rc;
}

/* Inserts a subject and its templates within the open transaction. */
static int insert_subject(struct store_conn *c, const char *id, const char *kind,
                          const char *status, const struct auth_user *u, const char *reference,
                          const char *note, const struct afis_template *t, int n, const char *now)
{
    const char *p[] = {id, kind, status, u->agency, reference, note, now, u->name};
    long r = store_exec(c,
                        "INSERT INTO afis_subjects (id, kind, status, agency, reference, note,"
                        " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        8, p, NULL);
    if (r < 0) return (int)r;
    for (int i = 0; i < n; i++) {
        uint8_t *b;
        size_t len;
        int rc = afis_template_write(&t[i], AFIS_ISO_19794_2, &b, &len);
        if (rc) return rc;
        char *b64 = encode_b64(b, len);
        free(b);
        if (!b64) return KT_ENOMEM;
        char finger[8], count[8];
        snprintf(finger, sizeof finger, "%d", t[i].finger);
        snprintf(count, sizeof count, "%d", t[i].n);
        const char *q[] = {id, finger, b64, count};
        r = store_exec(c,
                       "INSERT INTO afis_templates (subject_id, finger, template, minutiae)"
                       " VALUES (?, ?, ?, ?)",
                       4, q, NULL);
        free(b64);
        if (r < 0) return (int)r;
    }
    return 0;
}

/* Records a search and its audit entry in one transaction; writes the search id. When
 * enrol is set, the subject is inserted in the same transaction first. */
struct search_record {
    const char *kind, *probe, *reason, *action;
    const struct afis_candidate *cand;
    int ncand;
};

static int record_search(struct afis_service *s, struct store_conn *c, const struct auth_user *u,
                         const struct search_record *sr, const char *now, long *search_id)
{
    json_t *cj = candidates_json(sr->cand, sr->ncand);
    char *ctext = json_dumps(cj, JSON_COMPACT);
    json_decref(cj);
    if (!ctext) return KT_ENOMEM;
    const char *p[] = {now, u->name, u->agency, sr->kind, sr->probe, sr->reason, ctext};
    struct store_rows *rows = NULL;
    long r = store_exec(c,
                        "INSERT INTO afis_searches (ts, actor, agency, kind, probe, reason,"
                        " candidates) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        7, p, &rows);
    if (r < 0) {
        free(ctext);
        return (int)r;
    }
    *search_id = strtol(store_rows_get(rows, 0, 0), NULL, 10);
    store_rows_free(rows);
    char target[32], detail[256];
    snprintf(target, sizeof target, "AFIS-S-%ld", *search_id);
    snprintf(detail, sizeof detail, "{\"kind\":\"%s\",\"candidates\":%d,\"top\":%.3f}", sr->kind,
             sr->ncand, sr->ncand ? sr->cand[0].score : 0.0);
    const char *refs[MAX_LIMIT + 1];
    size_t nrefs = 0;
    if (sr->probe) refs[nrefs++] = sr->probe;
    for (int i = 0; i < sr->ncand && nrefs < MAX_LIMIT + 1; i++)
        refs[nrefs++] = sr->cand[i].subject;
    struct audit_entry e = {.action = sr->action,
                            .target = target,
                            .reason = sr->reason,
                            .detail = detail,
                            .refs = refs,
                            .nrefs = nrefs};
    int rc = audit_append(s->au, c, u, &e, NULL);
    free(ctext);
    return rc;
}

static int search_reply(struct http_response *resp, int status, long search_id, const char *id,
                        const struct afis_candidate *c, int n)
{
    json_t *o = json_pack("{s:I,s:o,s:b}", "search_id", (json_int_t)search_id, "candidates",
                          candidates_json(c, n), "hit", n > 0 && c[0].score >= afis_threshold(3));
    if (id) json_object_set_new(o, "id", json_string(id));
    return http_reply(resp, status, o);
}

static int reason_of(const json_t *body, const char **reason)
{
    return http_json_str(body, "reason", 1, 200, reason);
}

/* ---- handlers ---- */

/* POST /api/v1/afis/search {"kind":"tenprint"|"latent","fingers":[…],"reason","limit"?} */
static int post_search(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct afis_service *s = ctx;
    if (!auth_can(&req->user, AUTH_AFIS_SEARCH))
        return kt_fail(KT_EFORBIDDEN, "role %s may not search fingerprints", req->user.role);
    static const char *const allowed[] = {"kind", "fingers", "reason", "limit", NULL};
    const char *kind, *reason;
    int rc, n, limit;
    if ((rc = http_json_only(req->json, "body", allowed)) ||
        (rc = http_json_str(req->json, "kind", 1, 16, &kind)) ||
        (rc = reason_of(req->json, &reason)) || (rc = parse_limit(req->json, &limit)))
        return rc;
    int latent = strcmp(kind, "latent") == 0;
    if (!latent && strcmp(kind, "tenprint") != 0)
        return kt_fail(KT_EINVAL, "kind must be tenprint or latent");
    struct afis_template *t = malloc(sizeof *t * MAX_FINGERS);
    if (!t) return KT_ENOMEM;
    if ((rc = parse_fingers(req->json, !latent, t, &n))) {
        free(t);
        return rc;
    }
    struct afis_candidate c[MAX_LIMIT];
    int nc;
    struct afis_search_opts o = {.same_finger = !latent};
    rc = afis_gallery_search(s->tenprints, t, n, &o, c, limit, &nc, NULL);
    free(t);
    if (rc) return rc;
    char now[32];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    struct store_conn *conn;
    if ((rc = store_get(s->st, &conn))) return rc;
    long sid = 0;
    struct search_record sr = {kind, NULL, reason, "afis.search", c, nc};
    if (!(rc = audit_tx_begin(s->au, conn))) {
        rc = record_search(s, conn, &req->user, &sr, now, &sid);
        rc = audit_tx_finish(s->au, conn, rc);
    }
    store_put(s->st, conn);
    if (rc) return rc;
    return search_reply(resp, 200, sid, NULL, c, nc);
}

/* POST /api/v1/afis/tenprints {"fingers":[…],"reference"?,"note"?,"reason"}: enrols, then
 * searches the unsolved latents with the new fingers. */
static int post_tenprint(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct afis_service *s = ctx;
    if (!auth_can(&req->user, AUTH_AFIS_ENROL))
        return kt_fail(KT_EFORBIDDEN, "role %s may not enrol fingerprints", req->user.role);
    static const char *const allowed[] = {"fingers", "reference", "note", "reason", NULL};
    const char *reason, *reference, *note;
    int rc, n;
    if ((rc = http_json_only(req->json, "body", allowed)) || (rc = reason_of(req->json, &reason)) ||
        (rc = http_json_str(req->json, "reference", 0, 100, &reference)) ||
        (rc = http_json_str(req->json, "note", 0, 1000, &note)))
        return rc;
    struct afis_template *t = malloc(sizeof *t * MAX_FINGERS);
    if (!t) return KT_ENOMEM;
    if ((rc = parse_fingers(req->json, 1, t, &n))) {
        free(t);
        return rc;
    }
    /* the unsolved latents this tenprint identifies (each latent's best finger) */
    struct afis_candidate c[MAX_LIMIT];
    int nc = 0;
    struct afis_search_opts o = {.min_score = afis_threshold(3)};
    if (afis_gallery_size(s->latents) &&
        (rc = afis_gallery_search(s->latents, t, n, &o, c, MAX_LIMIT, &nc, NULL))) {
        free(t);
        return rc;
    }
    char now[32], id[24], detail[96];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    struct store_conn *conn;
    if ((rc = store_get(s->st, &conn))) {
        free(t);
        return rc;
    }
    long sid = 0;
    if (!(rc = audit_tx_begin(s->au, conn))) {
        if (!(rc = next_id(conn, "afis_tenprint", 'T', id, sizeof id)) &&
            !(rc = insert_subject(conn, id, "tenprint", "active", &req->user, reference, note, t, n,
                                  now))) {
            snprintf(detail, sizeof detail, "{\"fingers\":%d}", n);
            const char *refs[] = {id};
            struct audit_entry e = {.action = "afis.tenprint.enrol",
                                    .target = id,
                                    .reason = reason,
                                    .detail = detail,
                                    .refs = refs,
                                    .nrefs = 1};
            rc = audit_append(s->au, conn, &req->user, &e, NULL);
        }
        struct search_record sr = {"latent_research", id, reason, "afis.latent.research", c, nc};
        if (!rc) rc = record_search(s, conn, &req->user, &sr, now, &sid);
        rc = audit_tx_finish(s->au, conn, rc);
    }
    store_put(s->st, conn);
    for (int i = 0; !rc && i < n; i++)
        rc = afis_gallery_add(s->tenprints, id, &t[i]);
    free(t);
    if (rc) return rc;
    json_t *o2 = json_pack("{s:s,s:I,s:o}", "id", id, "search_id", (json_int_t)sid, "latent_hits",
                           candidates_json(c, nc));
    return http_reply(resp, 201, o2);
}

/* POST /api/v1/afis/latents {"template","finger"?,"reference"?,"note"?,"reason","limit"?}:
 * enrols an unsolved latent and searches it against the tenprints. */
static int post_latent(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct afis_service *s = ctx;
    if (!auth_can(&req->user, AUTH_AFIS_ENROL) || !auth_can(&req->user, AUTH_AFIS_SEARCH))
        return kt_fail(KT_EFORBIDDEN, "role %s may not enrol latents", req->user.role);
    static const char *const allowed[] = {"template", "image",  "finger", "reference",
                                          "note",     "reason", "limit",  NULL};
    const char *reason, *reference, *note;
    int rc, limit;
    if ((rc = http_json_only(req->json, "body", allowed)) || (rc = reason_of(req->json, &reason)) ||
        (rc = http_json_str(req->json, "reference", 0, 100, &reference)) ||
        (rc = http_json_str(req->json, "note", 0, 1000, &note)) ||
        (rc = parse_limit(req->json, &limit)))
        return rc;
    json_t *fo = json_object();
    if (json_object_get(req->json, "template"))
        json_object_set(fo, "template", json_object_get(req->json, "template"));
    if (json_object_get(req->json, "image"))
        json_object_set(fo, "image", json_object_get(req->json, "image"));
    if (json_object_get(req->json, "finger"))
        json_object_set(fo, "finger", json_object_get(req->json, "finger"));
    struct afis_template *t = malloc(sizeof *t);
    rc = t ? parse_finger(fo, 0, 0, t) : KT_ENOMEM;
    json_decref(fo);
    if (rc) {
        free(t);
        return rc;
    }
    struct afis_candidate c[MAX_LIMIT];
    int nc;
    rc = afis_gallery_search(s->tenprints, t, 1, NULL, c, limit, &nc, NULL);
    char now[32], id[24];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    struct store_conn *conn;
    if (rc || (rc = store_get(s->st, &conn))) {
        free(t);
        return rc;
    }
    long sid = 0;
    if (!(rc = audit_tx_begin(s->au, conn))) {
        if (!(rc = next_id(conn, "afis_latent", 'L', id, sizeof id)) &&
            !(rc = insert_subject(conn, id, "latent", "unsolved", &req->user, reference, note, t, 1,
                                  now))) {
            const char *refs[] = {id};
            struct audit_entry e = {.action = "afis.latent.enrol",
                                    .target = id,
                                    .reason = reason,
                                    .refs = refs,
                                    .nrefs = 1};
            rc = audit_append(s->au, conn, &req->user, &e, NULL);
        }
        struct search_record sr = {"latent", id, reason, "afis.search", c, nc};
        if (!rc) rc = record_search(s, conn, &req->user, &sr, now, &sid);
        rc = audit_tx_finish(s->au, conn, rc);
    }
    store_put(s->st, conn);
    if (!rc) rc = afis_gallery_add(s->latents, id, t);
    free(t);
    if (rc) return rc;
    return search_reply(resp, 201, sid, id, c, nc);
}

static int load_search(struct store_conn *c, const char *sid, char *kind, size_t kcap, char *probe,
                       size_t pcap, json_t **cands)
{
    struct store_rows *rows = NULL;
    const char *p[] = {sid};
    long n = store_exec(c, "SELECT kind, probe, candidates FROM afis_searches WHERE id = ?", 1, p,
                        &rows);
    if (n < 0) return (int)n;
    if (n == 0) {
        store_rows_free(rows);
        return kt_fail(KT_ENOTFOUND, "no search %s", sid);
    }
    snprintf(kind, kcap, "%s", store_rows_get(rows, 0, 0));
    snprintf(probe, pcap, "%s", store_rows_get(rows, 0, 1) ? store_rows_get(rows, 0, 1) : "");
    *cands = json_loads(store_rows_get(rows, 0, 2), 0, NULL);
    store_rows_free(rows);
    return *cands ? 0 : kt_fail(KT_ESTORE, "search %s: stored candidates unreadable", sid);
}

static int search_id_param(const char *s, long *v)
{
    char *end;
    *v = strtol(s, &end, 10);
    if (*end || end == s || *v < 1) return kt_fail(KT_ENOTFOUND, "no search %.20s", s);
    return 0;
}

/* GET /api/v1/afis/searches/:id?reason=… — the candidate list again (audited). */
static int get_search(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct afis_service *s = ctx;
    if (!auth_can(&req->user, AUTH_AFIS_SEARCH))
        return kt_fail(KT_EFORBIDDEN, "role %s may not read searches", req->user.role);
    long sid;
    int rc = search_id_param(req->params[0], &sid);
    if (rc) return rc;
    const char *reason = http_query_arg(req, "reason");
    if (!reason || !*reason || strlen(reason) > 200)
        return kt_fail(KT_EINVAL, "reason is required (?reason=…)");
    char kind[32], probe[32], sids[24], target[32];
    json_t *cands = NULL;
    snprintf(sids, sizeof sids, "%ld", sid);
    struct store_conn *c;
    if ((rc = store_get(s->st, &c))) return rc;
    rc = load_search(c, sids, kind, sizeof kind, probe, sizeof probe, &cands);
    json_t *dec = json_array();
    if (!rc) {
        struct store_rows *rows = NULL;
        const char *p[] = {sids};
        long n = store_exec(c,
                            "SELECT subject_id, decision, note, ts, actor FROM afis_decisions"
                            " WHERE search_id = ? ORDER BY id",
                            1, p, &rows);
        for (long i = 0; i < n; i++)
            json_array_append_new(dec, json_pack("{s:s,s:s,s:s?,s:s,s:s}", "subject",
                                                 store_rows_get(rows, (size_t)i, 0), "decision",
                                                 store_rows_get(rows, (size_t)i, 1), "note",
                                                 store_rows_get(rows, (size_t)i, 2), "ts",
                                                 store_rows_get(rows, (size_t)i, 3), "actor",
                                                 store_rows_get(rows, (size_t)i, 4)));
        store_rows_free(rows);
    }
    store_put(s->st, c);
    if (!rc) {
        snprintf(target, sizeof target, "AFIS-S-%ld", sid);
        struct audit_entry e = {.action = "afis.search.read", .target = target, .reason = reason};
        rc = audit_log(s->au, &req->user, &e, NULL);
    }
    if (rc) {
        json_decref(cands);
        json_decref(dec);
        return rc;
    }
    return http_reply(resp, 200,
                      json_pack("{s:I,s:s,s:s?,s:o,s:o}", "search_id", (json_int_t)sid, "kind",
                                kind, "probe", *probe ? probe : NULL, "candidates", cands,
                                "decisions", dec));
}

/* POST /api/v1/afis/searches/:id/decisions {"subject","decision","note"?} — the examiner's
 * verification (identified / not_identified); an identified latent leaves the unsolved file. */
static int post_decision(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct afis_service *s = ctx;
    if (!auth_can(&req->user, AUTH_AFIS_VERIFY))
        return kt_fail(KT_EFORBIDDEN, "role %s may not record verifications", req->user.role);
    static const char *const allowed[] = {"subject", "decision", "note", NULL};
    const char *subject, *decision, *note;
    long sid;
    int rc;
    if ((rc = search_id_param(req->params[0], &sid)) ||
        (rc = http_json_only(req->json, "body", allowed)) ||
        (rc = http_json_str(req->json, "subject", 1, 32, &subject)) ||
        (rc = http_json_str(req->json, "decision", 1, 20, &decision)) ||
        (rc = http_json_str(req->json, "note", 0, 1000, &note)))
        return rc;
    int identified = strcmp(decision, "identified") == 0;
    if (!identified && strcmp(decision, "not_identified") != 0)
        return kt_fail(KT_EINVAL, "decision must be identified or not_identified");
    char kind[32], probe[32], sids[24], now[32], target[32];
    snprintf(sids, sizeof sids, "%ld", sid);
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    json_t *cands = NULL;
    struct store_conn *c;
    if ((rc = store_get(s->st, &c))) return rc;
    rc = load_search(c, sids, kind, sizeof kind, probe, sizeof probe, &cands);
    int listed = 0;
    for (size_t i = 0; !rc && i < json_array_size(cands); i++)
        listed |= strcmp(json_string_value(json_object_get(json_array_get(cands, i), "subject")),
                         subject) == 0;
    json_decref(cands);
    if (!rc && !listed)
        rc = kt_fail(KT_EVALID, "%s is not a candidate of search %ld", subject, sid);
    /* the latent that an identification solves */
    const char *latent = strcmp(kind, "latent") == 0            ? probe
                         : strcmp(kind, "latent_research") == 0 ? subject
                                                                : NULL;
    if (!rc && !(rc = audit_tx_begin(s->au, c))) {
        const char *p[] = {sids, subject, decision, note, now, req->user.name};
        long n = store_exec(c,
                            "INSERT INTO afis_decisions (search_id, subject_id, decision, note, ts,"
                            " actor) VALUES (?, ?, ?, ?, ?, ?)",
                            6, p, NULL);
        if (n < 0) rc = (int)n;
        if (!rc && identified && latent && *latent) {
            const char *q[] = {latent};
            n = store_exec(c, "UPDATE afis_subjects SET status = 'identified' WHERE id = ?", 1, q,
                           NULL);
            if (n < 0) rc = (int)n;
        }
        if (!rc) {
            snprintf(target, sizeof target, "AFIS-S-%ld", sid);
            char detail[160];
            snprintf(detail, sizeof detail, "{\"subject\":\"%s\",\"decision\":\"%s\"}", subject,
                     decision);
            const char *refs[] = {subject};
            struct audit_entry e = {.action = "afis.verify",
                                    .target = target,
                                    .detail = detail,
                                    .refs = refs,
                                    .nrefs = 1};
            rc = audit_append(s->au, c, &req->user, &e, NULL);
        }
        rc = audit_tx_finish(s->au, c, rc);
    }
    store_put(s->st, c);
    if (rc) return rc;
    if (identified && latent && *latent) afis_gallery_remove(s->latents, latent);
    return http_reply(resp, 201,
                      json_pack("{s:I,s:s,s:s}", "search_id", (json_int_t)sid, "subject", subject,
                                "decision", decision));
}

/* GET /api/v1/afis/latents?status=unsolved|identified */
static int get_latents(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct afis_service *s = ctx;
    if (!auth_can(&req->user, AUTH_AFIS_SEARCH))
        return kt_fail(KT_EFORBIDDEN, "role %s may not list latents", req->user.role);
    const char *status = http_query_arg(req, "status");
    if (!status) status = "unsolved";
    if (strcmp(status, "unsolved") != 0 && strcmp(status, "identified") != 0)
        return kt_fail(KT_EINVAL, "status must be unsolved or identified");
    struct store_conn *c;
    int rc = store_get(s->st, &c);
    if (rc) return rc;
    struct store_rows *rows = NULL;
    const char *p[] = {status};
    long n = store_exec(c,
                        "SELECT id, reference, created_at, agency FROM afis_subjects"
                        " WHERE kind = 'latent' AND status = ? ORDER BY id",
                        1, p, &rows);
    store_put(s->st, c);
    if (n < 0) return (int)n;
    json_t *a = json_array();
    for (long i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:s?,s:s,s:s}", "id",
                                           store_rows_get(rows, (size_t)i, 0), "reference",
                                           store_rows_get(rows, (size_t)i, 1), "created_at",
                                           store_rows_get(rows, (size_t)i, 2), "agency",
                                           store_rows_get(rows, (size_t)i, 3)));
    store_rows_free(rows);
    struct audit_entry e = {.action = "afis.latents.list", .reason = status};
    if ((rc = audit_log(s->au, &req->user, &e, NULL))) {
        json_decref(a);
        return rc;
    }
    return http_reply(resp, 200, json_pack("{s:s,s:o}", "status", status, "latents", a));
}

/* POST /api/v1/afis/partner/search — body: an ANSI/NIST-ITL transaction with Type-9 minutiae
 * (one record per finger); answer: an ANSI/NIST-ITL SRE transaction, Type-1 (TCR = the
 * request's TCN) and Type-2 with 2.059 SRF (I identified / N not) and 2.064 CAN, one subfield
 * per candidate: subject<US>name (empty)<US>score. */
static int post_partner(void *ctx, struct http_request *req, struct http_response *resp)
{
    struct afis_service *s = ctx;
    if (!auth_can(&req->user, AUTH_AFIS_PARTNER) && !auth_can(&req->user, AUTH_AFIS_SEARCH))
        return kt_fail(KT_EFORBIDDEN, "role %s may not send search transactions", req->user.role);
    if (!req->body_len) return kt_fail(KT_EINVAL, "send an ANSI/NIST-ITL transaction as the body");
    struct ansinist *a;
    int rc = ansinist_parse(req->body, req->body_len, &a);
    if (rc) return rc;
    struct afis_template *t = malloc(sizeof *t * MAX_FINGERS);
    int n = 0, images = 0;
    for (int r = 1; t && r < a->nrec && !rc; r++) {
        if (a->rec[r].type == 4 || a->rec[r].type == 13 || a->rec[r].type == 14) images++;
        if (a->rec[r].type != 9) continue;
        if (n == MAX_FINGERS) {
            rc = kt_fail(KT_EINVAL, "more than %d Type-9 records", MAX_FINGERS);
            break;
        }
        if (!(rc = ansinist_type9_template(a, &a->rec[r], 0, &t[n])) && t[n].n >= 3) n++;
    }
    char tot[16], tcn[48], ori[48], dai[48];
    ansinist_text(a, &a->rec[0], 4, tot, sizeof tot);
    ansinist_text(a, &a->rec[0], 9, tcn, sizeof tcn);
    ansinist_text(a, &a->rec[0], 8, ori, sizeof ori);
    ansinist_text(a, &a->rec[0], 7, dai, sizeof dai);
    free(a);
    if (!t) rc = KT_ENOMEM;
    if (!rc && n == 0)
        rc = kt_fail(KT_EVALID, images ? "images without Type-9 minutiae are not searched here"
                                       : "no Type-9 minutiae to search");
    struct afis_candidate c[DEFAULT_LIMIT];
    int nc = 0;
    int latent = strcmp(tot, "LFFS") == 0 || strcmp(tot, "LFIS") == 0;
    struct afis_search_opts o = {.same_finger = !latent};
    if (!rc) rc = afis_gallery_search(s->tenprints, t, n, &o, c, DEFAULT_LIMIT, &nc, NULL);
    free(t);
    if (rc) return rc;
    char now[32], reason[160];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    snprintf(reason, sizeof reason, "partner %s TCN %s from %s", tot, tcn, ori);
    struct store_conn *conn;
    if ((rc = store_get(s->st, &conn))) return rc;
    long sid = 0;
    struct search_record sr = {"partner", NULL, reason, "afis.partner.search", c, nc};
    if (!(rc = audit_tx_begin(s->au, conn))) {
        rc = record_search(s, conn, &req->user, &sr, now, &sid);
        rc = audit_tx_finish(s->au, conn, rc);
    }
    store_put(s->st, conn);
    if (rc) return rc;
    struct kt_buf can;
    kt_buf_init(&can, 1 << 16);
    for (int i = 0; i < nc; i++)
        kt_buf_printf(&can, "%s%s\x1F\x1F%.3f", i ? "\x1E" : "", c[i].subject, c[i].score);
    struct ansinist_text_field t2[2] = {{59, nc && c[0].score >= afis_threshold(3) ? "I" : "N"},
                                        {64, can.data ? can.data : ""}};
    char rtcn[32];
    snprintf(rtcn, sizeof rtcn, "KEITSU-%ld", sid);
    struct ansinist_spec spec = {.tot = "SRE",
                                 .dai = *ori ? ori : "UNKNOWN",
                                 .ori = *dai ? dai : "KEITSU",
                                 .tcn = rtcn,
                                 .tcr = *tcn ? tcn : NULL,
                                 .type2 = t2,
                                 .ntype2 = nc ? 2 : 1};
    uint8_t *out;
    size_t len;
    rc = ansinist_write(&spec, &out, &len);
    kt_buf_free(&can);
    if (rc) return rc;
    resp->raw = (char *)out;
    resp->raw_len = len;
    resp->content_type = "application/octet-stream";
    return 0;
}

int afis_service_routes(struct afis_service *s, struct http_router *r)
{
    int rc;
    if ((rc = http_router_add(r, "POST", "/api/v1/afis/tenprints", post_tenprint, s, HTTP_AUTH)) ||
        (rc = http_router_add(r, "POST", "/api/v1/afis/latents", post_latent, s, HTTP_AUTH)) ||
        (rc = http_router_add(r, "GET", "/api/v1/afis/latents", get_latents, s, HTTP_AUTH)) ||
        (rc = http_router_add(r, "POST", "/api/v1/afis/search", post_search, s, HTTP_AUTH)) ||
        (rc = http_router_add(r, "GET", "/api/v1/afis/searches/:id", get_search, s, HTTP_AUTH)) ||
        (rc = http_router_add(r, "POST", "/api/v1/afis/searches/:id/decisions", post_decision, s,
                              HTTP_AUTH)) ||
        (rc = http_router_add(r, "POST", "/api/v1/afis/partner/search", post_partner, s,
                              HTTP_AUTH | HTTP_RAW)))
        return rc;
    return 0;
}
