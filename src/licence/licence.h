/* 運転者管理 (driver-licence registry): holders, licences with their real 12-digit numbers
 * (licence/number.h), classes and conditions (licence/classes.h); issue, renewal, reissue,
 * surrender and change of name or address; violations and accidents, the point-system
 * assessment (licence/points.h) and dispositions (suspension, revocation); and the validity
 * check of field officers. The HTTP API is docs/licence.md.
 *
 * The store is the truth (migration 3 tables). An in-memory hash of licence number → status,
 * expiry and suspension end is built at start and kept current by this process's writes, so
 * a check answers in well under a microsecond before its audit entry. Every write commits
 * with its licence_history row and audit entry in one transaction; every read of personal
 * data and every check is audited (who, when, why) before the answer.
 *
 * Holder ids are "H-00000001". Bodies are borrowed; answers (*out) are new references owned by
 * the caller. Functions return 0 or a KT_E* code with kt_errmsg() naming the field.
 * Thread-safety: every function may be called from any thread. */
#ifndef KEITSU_LICENCE_LICENCE_H
#define KEITSU_LICENCE_LICENCE_H

#include "auth/audit.h"
#include "auth/auth.h"
#include "http/http.h"
#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct licence;

/* Opens the service over st and au (borrowed; must outlive it) and builds the check index. */
int licence_open(struct store *st, struct audit *au, struct licence **out);
void licence_close(struct licence *l);
/* Registers the routes under /api/v1/licence (docs/licence.md). */
int licence_routes(struct licence *l, struct http_router *router);

/* Holders. create: {"name_kanji"?,"name_kana","name_romaji","birth_date","address",
 * "photo_sha256"?} → *out {"id"}. get: the holder with licences, classes, events and history
 * (audited with reason). update: name or address change, {"version"?} guards against a stale
 * write; *out {"id","version"}. */
int licence_holder_create(struct licence *l, const struct auth_user *u, json_t *body, json_t **out);
int licence_holder_get(struct licence *l, const struct auth_user *u, const char *id,
                       const char *reason, json_t **out);
int licence_holder_update(struct licence *l, const struct auth_user *u, const char *id,
                          json_t *body, json_t **out);

/* Licences. issue: {"holder","classes":[{"class","acquired_on"?}],"conditions"?,"issued_on"?,
 * "commission"?,"override_reason"?} → {"number","expires_on","band","flags":[…]}; a holder
 * who may be someone already licensed under another name or number is refused (KT_ECONFLICT,
 * the flags in *out) unless override_reason is given. renew {"early_reason"?}, reissue
 * {"reason":"lost"|"stolen"|"damaged"}, surrender {"note"?}: number names the licence. */
int licence_issue(struct licence *l, const struct auth_user *u, json_t *body, json_t **out);
int licence_renew(struct licence *l, const struct auth_user *u, const char *number, json_t *body,
                  json_t **out);
int licence_reissue(struct licence *l, const struct auth_user *u, const char *number, json_t *body,
                    json_t **out);
int licence_surrender(struct licence *l, const struct auth_user *u, const char *number,
                      json_t *body, json_t **out);

/* Violations and accidents {"type":"violation"|"accident","code","date","note"?} → {"id"};
 * the assessment as of today; dispositions {"kind":"suspension","days","start"} or
 * {"kind":"revocation","years","start"} → {"id","number","status","until"}. */
int licence_event_record(struct licence *l, const struct auth_user *u, const char *holder,
                         json_t *body, json_t **out);
int licence_assessment_get(struct licence *l, const struct auth_user *u, const char *holder,
                           const char *reason, json_t **out);
int licence_dispose(struct licence *l, const struct auth_user *u, const char *holder, json_t *body,
                    json_t **out);

/* What a check answers. */
enum licence_state {
    LICENCE_UNKNOWN = 0,
    LICENCE_VALID,
    LICENCE_SUSPENDED,
    LICENCE_REVOKED,
    LICENCE_EXPIRED,
    LICENCE_SURRENDERED,
    LICENCE_REISSUED, /* a number replaced by a reissue (lost or stolen card) */
};
const char *licence_state_name(enum licence_state s);

struct licence_check_result {
    enum licence_state state;
    int check_digit_ok; /* 0 when the number is well-formed but its check digit is wrong */
    long until;         /* suspended: last day of the suspension (day number), else 0 */
    long expires;       /* last day of validity (day number), 0 if unknown */
};

/* The index lookup alone (no audit): number as typed, today as a day number. KT_EVALID if the
 * number is not twelve digits or names no commission. */
int licence_check_lookup(struct licence *l, const char *number, size_t len, long today,
                         struct licence_check_result *r);
/* The field check {"number","reason","incident"?}: audited, then answered as JSON text
 * {"status","until"?,"expires_on"?,"check_digit":"ok"|"wrong","query_id"} in *out (caller
 * frees). */
int licence_check(struct licence *l, const struct auth_user *u, json_t *body, char **out,
                  size_t *out_len);
/* The same for the HTTP route: answers resp once the check's entry is durable, without
 * holding the server's thread meanwhile (http_reply_audited). body is borrowed. */
int licence_check_reply(struct licence *l, struct http_request *req, json_t *body,
                        struct http_response *resp);

/* Bulk load for the demo and the benchmark: holders with one licence each, generated from
 * (seed, first .. first+n-1) (licence_demo_row), written in batches of multi-row INSERTs,
 * each batch one transaction with one audit entry. Indexes what it loaded. */
int licence_bulk_load(struct licence *l, const struct auth_user *u, uint64_t seed, uint32_t first,
                      uint32_t n);
/* Loads `holders` demo holders (with violations for some) if the store has none yet. */
int licence_demo_load(struct licence *l, const struct auth_user *u, uint32_t holders);
/* The number of the demo holder i (0-based) of licence_demo_load/licence_bulk_load with seed,
 * for benchmarks (out >= 13 bytes). */
int licence_demo_number(uint64_t seed, uint32_t i, char *out, size_t cap);

/* Licences indexed (for tests and benchmarks). */
size_t licence_index_count(struct licence *l);

#endif
