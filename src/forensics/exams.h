/* Forensic examinations on the platform (電磁的記録の解析の登録).
 *
 * `keitsu image` runs offline on an examiner's workstation; what it found is registered here
 * against a case: the examination (case number, title, the evidence's name, size and hashes)
 * and its findings (known-bad hash matches, keyword and YARA hits, carved files), added in
 * batches and never changed or removed. Only the forensic_examiner role may register or read,
 * and only examinations of its own agency; every registration and every read is audited
 * (reads with a mandatory reason). docs/forensics.md, "Registering findings". */
#ifndef KEITSU_FORENSICS_EXAMS_H
#define KEITSU_FORENSICS_EXAMS_H

#include "auth/audit.h"
#include "auth/auth.h"
#include "http/http.h"
#include "store/store.h"

#include <jansson.h>

/* Most findings one request may add (the CLI sends larger files in batches). */
#define FORENSICS_FINDINGS_MAX 1000

struct forensics_exams;

/* st and au are borrowed and must outlive *out (freed with forensics_exams_close()). */
int forensics_exams_open(struct store *st, struct audit *au, struct forensics_exams **out);
void forensics_exams_close(struct forensics_exams *x);

/* Registers an examination. body: {"case_number","title","evidence":{"name","size","md5"?,
 * "sha1"?,"sha256"}}; *out = {"id":"FX-00000001"} (caller decrefs). */
int forensics_exam_create(struct forensics_exams *x, const struct auth_user *u, json_t *body,
                          json_t **out);
/* Adds findings to examination id, all or none. body: {"hits":[{"kind":"hash|keyword|yara",
 * "path"?,"addr"?,"offset"?,"detail"?}]} and/or {"carved":[{"offset","length","type","path"?,
 * "md5"?,"sha256"?,"valid"?}]} (the files `keitsu image triage|search|yara|carve` write);
 * *out = {"added":N,"findings":TOTAL}. */
int forensics_findings_add(struct forensics_exams *x, const struct auth_user *u, const char *id,
                           json_t *body, json_t **out);
/* One examination with its findings (audited with reason). */
int forensics_exam_get(struct forensics_exams *x, const struct auth_user *u, const char *id,
                       const char *reason, json_t **out);
/* The examinations of a case number (audited with reason): {"exams":[…]}. */
int forensics_exam_list(struct forensics_exams *x, const struct auth_user *u,
                        const char *case_number, const char *reason, json_t **out);

/* POST /api/v1/forensics/exams, GET /api/v1/forensics/exams?case_number=&reason=,
 * GET /api/v1/forensics/exams/:id?reason=, POST /api/v1/forensics/exams/:id/findings. */
int forensics_exams_routes(struct forensics_exams *x, struct http_router *router);

#endif
