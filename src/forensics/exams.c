/* Forensic examinations and their findings on the platform (exams.h). */
#include "forensics/exams.h"

#include "base/err.h"
#include "base/jtime.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct forensics_exams {
    struct store *st;
    struct audit *au;
};

int forensics_exams_open(struct store *st, struct audit *au, struct forensics_exams **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out) return kt_fail(KT_ENOMEM, "out of memory");
    (*out)->st = st;
    (*out)->au = au;
    return 0;
}

void forensics_exams_close(struct forensics_exams *x)
{
    free(x);
}

static int require(const struct auth_user *u, const char *what)
{
    if (auth_can(u, AUTH_FORENSICS_EXAM)) return 0;
    return kt_fail(KT_EFORBIDDEN, "role %s may not %s", u->role, what);
}

static int hex_field(const json_t *o, const char *key, size_t len, int required, const char **out)
{
    int rc = http_json_str(o, key, required, len, out);
    if (rc || !*out) return rc;
    if (strlen(*out) != len) return kt_fail(KT_EVALID, "%s: must be %zu hex digits", key, len);
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)(*out)[i]) || isupper((unsigned char)(*out)[i]))
            return kt_fail(KT_EVALID, "%s: must be %zu lowercase hex digits", key, len);
    return 0;
}

/* A non-negative integer field (JSON integer); *out = -1 when absent and not required. */
static int count_field(const json_t *o, const char *key, int required, json_int_t *out)
{
    const json_t *v = json_object_get(o, key);
    *out = -1;
    if (!v) return required ? kt_fail(KT_EINVAL, "%s is required", key) : 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return kt_fail(KT_EINVAL, "%s: must be a non-negative integer", key);
    *out = json_integer_value(v);
    return 0;
}

static int id_ok(const char *id)
{
    if (strlen(id) != 11 || strncmp(id, "FX-", 3) != 0) return 0;
    for (int i = 3; i < 11; i++)
        if (!isdigit((unsigned char)id[i])) return 0;
    return 1;
}

int forensics_exam_create(struct forensics_exams *x, const struct auth_user *u, json_t *body,
                          json_t **out)
{
    static const char *const allowed[] = {"case_number", "title", "evidence", NULL};
    static const char *const ev_allowed[] = {"name", "size", "md5", "sha1", "sha256", NULL};
    int rc = require(u, "register forensic examinations");
    const char *case_number, *title, *name, *md5, *sha1, *sha256;
    json_int_t size;
    const json_t *ev = json_object_get(body, "evidence");
    if (rc || (rc = http_json_only(body, "exam", allowed)) ||
        (rc = http_json_str(body, "case_number", 1, 64, &case_number)) ||
        (rc = http_json_str(body, "title", 1, 200, &title)))
        return rc;
    if (!json_is_object(ev)) return kt_fail(KT_EINVAL, "evidence: an object is required");
    if ((rc = http_json_only(ev, "evidence", ev_allowed)) ||
        (rc = http_json_str(ev, "name", 1, 255, &name)) ||
        (rc = count_field(ev, "size", 1, &size)) || (rc = hex_field(ev, "md5", 32, 0, &md5)) ||
        (rc = hex_field(ev, "sha1", 40, 0, &sha1)) ||
        (rc = hex_field(ev, "sha256", 64, 1, &sha256)))
        return rc;
    char id[16] = "", now[32], sz[24];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    snprintf(sz, sizeof sz, "%" JSON_INTEGER_FORMAT, size);
    struct store_conn *c;
    if ((rc = store_get(x->st, &c))) return rc;
    if (!(rc = audit_tx_begin(x->au, c))) {
        long num;
        if (!(rc = store_counter_next(c, "forensic_exam", &num))) {
            snprintf(id, sizeof id, "FX-%08ld", num);
            const char *p[] = {id,  case_number, title,  u->agency, name, sz,
                               md5, sha1,        sha256, u->name,   now};
            long n = store_exec(c,
                                "INSERT INTO forensic_exams (id, case_number, title, agency,"
                                " evidence_name, evidence_size, evidence_md5, evidence_sha1,"
                                " evidence_sha256, findings, created_by, created_at)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                                11, p, NULL);
            if (n < 0) rc = (int)n;
        }
        if (!rc) {
            char detail[160];
            snprintf(detail, sizeof detail, "{\"sha256\":\"%s\",\"size\":%s}", sha256, sz);
            const struct audit_entry e = {.action = "forensics.exam_create",
                                          .target = id,
                                          .reason = case_number,
                                          .detail = detail};
            rc = audit_append(x->au, c, u, &e, NULL);
        }
        rc = audit_tx_finish(x->au, c, rc);
    }
    store_put(x->st, c);
    if (rc) return rc;
    *out = json_pack("{s:s}", "id", id);
    return 0;
}

/* Prefixes the thread's error message with where (which finding) and returns rc. */
static int at(int rc, const char *where)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s", kt_errmsg());
    return kt_fail(rc, "%s: %s", where, msg);
}

/* One finding, validated, as the parameters of its INSERT. */
struct finding {
    const char *kind, *path, *addr, *type, *md5, *sha256;
    json_int_t offset, length;
    char *detail; /* JSON text, owned */
};

static int parse_hit(const json_t *h, size_t i, struct finding *f)
{
    static const char *const allowed[] = {"kind", "path", "addr", "offset", "detail", NULL};
    char where[32];
    snprintf(where, sizeof where, "hits[%zu]", i);
    if (!json_is_object(h)) return kt_fail(KT_EINVAL, "%s: an object is required", where);
    int rc;
    if ((rc = http_json_only(h, where, allowed)) ||
        (rc = http_json_str(h, "kind", 1, 16, &f->kind)) ||
        (rc = http_json_str(h, "path", 0, 4096, &f->path)) ||
        (rc = http_json_str(h, "addr", 0, 64, &f->addr)) ||
        (rc = count_field(h, "offset", 0, &f->offset)))
        return at(rc, where);
    if (strcmp(f->kind, "hash") && strcmp(f->kind, "keyword") && strcmp(f->kind, "yara"))
        return kt_fail(KT_EVALID, "%s: kind must be hash, keyword or yara", where);
    const json_t *d = json_object_get(h, "detail");
    if (d) {
        f->detail = json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!f->detail) return KT_ENOMEM;
        if (strlen(f->detail) > 4000)
            return kt_fail(KT_EVALID, "%s: detail is over 4,000 bytes", where);
    }
    return 0;
}

static int parse_carved(const json_t *h, size_t i, struct finding *f)
{
    static const char *const allowed[] = {"offset", "length", "type",  "path",
                                          "md5",    "sha256", "valid", NULL};
    char where[32];
    snprintf(where, sizeof where, "carved[%zu]", i);
    if (!json_is_object(h)) return kt_fail(KT_EINVAL, "%s: an object is required", where);
    int rc;
    f->kind = "carved";
    if ((rc = http_json_only(h, where, allowed)) ||
        (rc = count_field(h, "offset", 1, &f->offset)) ||
        (rc = count_field(h, "length", 1, &f->length)) ||
        (rc = http_json_str(h, "type", 1, 16, &f->type)) ||
        (rc = http_json_str(h, "path", 0, 4096, &f->path)) ||
        (rc = hex_field(h, "md5", 32, 0, &f->md5)) ||
        (rc = hex_field(h, "sha256", 64, 0, &f->sha256)))
        return at(rc, where);
    const json_t *v = json_object_get(h, "valid");
    if (v && !json_is_boolean(v))
        return kt_fail(KT_EINVAL, "%s: valid must be true or false", where);
    json_t *d = json_pack("{s:s,s:b}", "type", f->type, "valid", !v || json_is_true(v));
    f->detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    return f->detail ? 0 : KT_ENOMEM;
}

static int parse_findings(const json_t *body, struct finding **out, size_t *n)
{
    static const char *const allowed[] = {"hits", "carved", NULL};
    int rc = http_json_only(body, "findings", allowed);
    if (rc) return rc;
    const json_t *hits = json_object_get(body, "hits"), *carved = json_object_get(body, "carved");
    if ((hits && !json_is_array(hits)) || (carved && !json_is_array(carved)))
        return kt_fail(KT_EINVAL, "hits and carved must be arrays");
    size_t nh = json_array_size(hits), nc = json_array_size(carved);
    if (nh + nc == 0) return kt_fail(KT_EINVAL, "no findings: give hits or carved");
    if (nh + nc > FORENSICS_FINDINGS_MAX)
        return kt_fail(KT_ETOOBIG, "%zu findings in one request; at most %d", nh + nc,
                       FORENSICS_FINDINGS_MAX);
    struct finding *f = calloc(nh + nc, sizeof *f);
    if (!f) return KT_ENOMEM;
    *out = f;
    *n = nh + nc;
    for (size_t i = 0; i < nh; i++)
        if ((rc = parse_hit(json_array_get(hits, i), i, &f[i]))) return rc;
    for (size_t i = 0; i < nc; i++)
        if ((rc = parse_carved(json_array_get(carved, i), i, &f[nh + i]))) return rc;
    return 0;
}

static void findings_free(struct finding *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++)
        free(f[i].detail);
    free(f);
}

/* Loads exam id's agency and finding count within c; KT_ENOTFOUND unless u's agency owns it. */
static int load_owned(struct store_conn *c, const struct auth_user *u, const char *id,
                      long *findings)
{
    struct store_rows *rows = NULL;
    const char *p[] = {id};
    long n = store_exec(c, "SELECT agency, findings FROM forensic_exams WHERE id = ?", 1, p, &rows);
    int rc = n < 0 ? (int)n : 0;
    if (!rc && (store_rows_count(rows) == 0 || strcmp(store_rows_get(rows, 0, 0), u->agency)))
        rc = kt_fail(KT_ENOTFOUND, "no examination %s", id); /* other agencies' exist for no one */
    if (!rc && findings) *findings = strtol(store_rows_get(rows, 0, 1), NULL, 10);
    store_rows_free(rows);
    return rc;
}

static int insert_findings(struct store_conn *c, const struct auth_user *u, const char *id,
                           const struct finding *f, size_t n, long first, const char *now)
{
    for (size_t i = 0; i < n; i++) {
        char seq[24], off[24], len[24];
        snprintf(seq, sizeof seq, "%ld", first + (long)i);
        snprintf(off, sizeof off, "%" JSON_INTEGER_FORMAT, f[i].offset);
        snprintf(len, sizeof len, "%" JSON_INTEGER_FORMAT, f[i].length);
        const char *p[] = {id,
                           seq,
                           f[i].kind,
                           f[i].path,
                           f[i].addr,
                           f[i].offset >= 0 ? off : NULL,
                           f[i].length >= 0 ? len : NULL,
                           f[i].detail,
                           f[i].sha256,
                           u->name,
                           now};
        long r = store_exec(c,
                            "INSERT INTO forensic_findings (exam_id, seq, kind, path, addr,"
                            " image_offset, length, detail, sha256, added_by, added_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            11, p, NULL);
        if (r < 0) return (int)r;
    }
    return 0;
}

int forensics_findings_add(struct forensics_exams *x, const struct auth_user *u, const char *id,
                           json_t *body, json_t **out)
{
    int rc = require(u, "register forensic findings");
    if (rc) return rc;
    if (!id_ok(id)) return kt_fail(KT_ENOTFOUND, "no examination %.16s", id);
    struct finding *f = NULL;
    size_t n = 0;
    if ((rc = parse_findings(body, &f, &n))) {
        findings_free(f, n);
        return rc;
    }
    char now[32];
    jtime_format_utc(jtime_now_ms(), now, sizeof now);
    long before = 0;
    struct store_conn *c;
    if ((rc = store_get(x->st, &c))) {
        findings_free(f, n);
        return rc;
    }
    if (!(rc = audit_tx_begin(x->au, c))) {
        rc = load_owned(c, u, id, &before);
        if (!rc) rc = insert_findings(c, u, id, f, n, before + 1, now);
        if (!rc) {
            char total[24];
            snprintf(total, sizeof total, "%ld", before + (long)n);
            const char *p[] = {total, id};
            long r =
                store_exec(c, "UPDATE forensic_exams SET findings = ? WHERE id = ?", 2, p, NULL);
            if (r < 0) rc = (int)r;
        }
        if (!rc) {
            char detail[64];
            snprintf(detail, sizeof detail, "{\"added\":%zu}", n);
            const struct audit_entry e = {
                .action = "forensics.findings_add", .target = id, .detail = detail};
            rc = audit_append(x->au, c, u, &e, NULL);
        }
        rc = audit_tx_finish(x->au, c, rc);
    }
    store_put(x->st, c);
    findings_free(f, n);
    if (rc) return rc;
    *out = json_pack("{s:I,s:I}", "added", (json_int_t)n, "findings", (json_int_t)(before + n));
    return 0;
}

static int read_reason(const char *reason)
{
    if (!reason || !*reason || strlen(reason) > 200)
        return kt_fail(KT_EINVAL, "reason is required (purpose of reading, ?reason=…)");
    return 0;
}

/* Rows of sql (one parameter) as objects named by cols; integer columns by ints. */
static json_t *rows_json(struct store_conn *c, const char *sql, const char *param,
                         const char *const *cols, int ncols, unsigned int_cols, int *rc)
{
    struct store_rows *rows = NULL;
    const char *p[] = {param};
    long n = store_exec(c, sql, 1, p, &rows);
    if (n < 0) {
        *rc = (int)n;
        return NULL;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < store_rows_count(rows); i++) {
        json_t *o = json_object();
        for (int j = 0; j < ncols; j++) {
            const char *v = store_rows_get(rows, i, j);
            if (!v) continue;
            json_t *val = NULL;
            if (int_cols >> j & 1u)
                val = json_integer(strtoll(v, NULL, 10));
            else if (strcmp(cols[j], "detail") == 0)
                val = json_loads(v, JSON_DECODE_ANY, NULL);
            json_object_set_new(o, cols[j], val ? val : json_string(v));
        }
        json_array_append_new(arr, o);
    }
    store_rows_free(rows);
    return arr;
}

static const char *const exam_cols[] = {
    "id",  "case_number", "title",  "agency",   "evidence_name", "evidence_size",
    "md5", "sha1",        "sha256", "findings", "created_by",    "created_at"};
#define EXAM_SELECT                                                                                \
    "SELECT id, case_number, title, agency, evidence_name, evidence_size, evidence_md5,"           \
    " evidence_sha1, evidence_sha256, findings, created_by, created_at FROM forensic_exams"
#define EXAM_INTS (1u << 5 | 1u << 9)

static int audit_read(struct forensics_exams *x, const struct auth_user *u, const char *action,
                      const char *target, const char *reason)
{
    const struct audit_entry e = {.action = action, .target = target, .reason = reason};
    return audit_log(x->au, u, &e, NULL);
}

int forensics_exam_get(struct forensics_exams *x, const struct auth_user *u, const char *id,
                       const char *reason, json_t **out)
{
    static const char *const f_cols[] = {"seq",    "kind",   "path",   "addr",     "offset",
                                         "length", "detail", "sha256", "added_by", "added_at"};
    int rc = require(u, "read forensic examinations");
    if (rc || (rc = read_reason(reason))) return rc;
    if (!id_ok(id)) return kt_fail(KT_ENOTFOUND, "no examination %.16s", id);
    struct store_conn *c;
    if ((rc = store_get(x->st, &c))) return rc;
    json_t *exam = NULL;
    if (!(rc = load_owned(c, u, id, NULL))) {
        json_t *a = rows_json(c, EXAM_SELECT " WHERE id = ?", id, exam_cols, 12, EXAM_INTS, &rc);
        exam = a ? json_incref(json_array_get(a, 0)) : NULL;
        json_decref(a);
        json_t *fs = exam ? rows_json(c,
                                      "SELECT seq, kind, path, addr, image_offset, length, detail,"
                                      " sha256, added_by, added_at FROM forensic_findings"
                                      " WHERE exam_id = ? ORDER BY seq",
                                      id, f_cols, 10, 1u << 0 | 1u << 4 | 1u << 5, &rc)
                          : NULL;
        if (exam && fs) json_object_set_new(exam, "findings_list", fs);
    }
    store_put(x->st, c);
    if (!rc) rc = audit_read(x, u, "forensics.exam_read", id, reason);
    if (rc) {
        json_decref(exam);
        return rc;
    }
    *out = exam;
    return 0;
}

int forensics_exam_list(struct forensics_exams *x, const struct auth_user *u,
                        const char *case_number, const char *reason, json_t **out)
{
    int rc = require(u, "read forensic examinations");
    if (rc || (rc = read_reason(reason))) return rc;
    if (!case_number || !*case_number || strlen(case_number) > 64)
        return kt_fail(KT_EINVAL, "case_number is required (?case_number=…)");
    struct store_conn *c;
    if ((rc = store_get(x->st, &c))) return rc;
    json_t *all = rows_json(c, EXAM_SELECT " WHERE case_number = ? ORDER BY id", case_number,
                            exam_cols, 12, EXAM_INTS, &rc);
    store_put(x->st, c);
    json_t *mine = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(all, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "agency")), u->agency) == 0)
            json_array_append(mine, e);
    }
    json_decref(all);
    if (!rc) rc = audit_read(x, u, "forensics.exam_list", case_number, reason);
    if (rc) {
        json_decref(mine);
        return rc;
    }
    *out = json_pack("{s:o}", "exams", mine);
    return 0;
}

static int reply(struct http_response *resp, int rc, int status, json_t *out)
{
    if (rc) return rc;
    return http_reply(resp, status, out);
}

static json_t *body_of(struct http_request *req)
{
    return req->json ? json_incref(req->json) : json_object();
}

static int post_exam(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *out = NULL, *b = body_of(req);
    int rc = forensics_exam_create(ctx, &req->user, b, &out);
    json_decref(b);
    return reply(resp, rc, 201, out);
}

static int post_findings(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *out = NULL, *b = body_of(req);
    int rc = forensics_findings_add(ctx, &req->user, req->params[0], b, &out);
    json_decref(b);
    return reply(resp, rc, 201, out);
}

static int get_exam(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *out = NULL;
    int rc =
        forensics_exam_get(ctx, &req->user, req->params[0], http_query_arg(req, "reason"), &out);
    return reply(resp, rc, 200, out);
}

static int list_exams(void *ctx, struct http_request *req, struct http_response *resp)
{
    json_t *out = NULL;
    int rc = forensics_exam_list(ctx, &req->user, http_query_arg(req, "case_number"),
                                 http_query_arg(req, "reason"), &out);
    return reply(resp, rc, 200, out);
}

int forensics_exams_routes(struct forensics_exams *x, struct http_router *rt)
{
    if (http_router_add(rt, "POST", "/api/v1/forensics/exams", post_exam, x, HTTP_AUTH) ||
        http_router_add(rt, "GET", "/api/v1/forensics/exams", list_exams, x, HTTP_AUTH) ||
        http_router_add(rt, "GET", "/api/v1/forensics/exams/:id", get_exam, x, HTTP_AUTH) ||
        http_router_add(rt, "POST", "/api/v1/forensics/exams/:id/findings", post_findings, x,
                        HTTP_AUTH))
        return KT_EINTERNAL;
    return 0;
}
