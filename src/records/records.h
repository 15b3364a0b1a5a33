/* 照会 (query centre): wanted and missing persons, stolen vehicles and plates, firearms, and
 * lost/stolen travel documents; their lifecycle (register, update, clear, expire), hit/no-hit
 * queries on in-memory indexes, and hit confirmation between agencies.
 *
 * The store is the truth; the indexes are rebuilt from it at start and follow every change
 * recorded in record_history (this process's own writes at once, other processes' — a CLI
 * import, another server on the same PostgreSQL — within a second).
 *
 * Record ids are "P-00000001" (person), "V-…" (vehicle), "F-…" (firearm), "D-…" (document).
 * Every write commits with its history row and audit entry in one transaction; every query is
 * audited (who, when, what, why, which records it returned) before its answer is returned. */
#ifndef KEITSU_RECORDS_RECORDS_H
#define KEITSU_RECORDS_RECORDS_H

#include "auth/audit.h"
#include "auth/auth.h"
#include "http/http.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>

struct records;

/* Opens the service over st and au (borrowed, must outlive it) and builds the indexes. */
int records_open(struct store *st, struct audit *au, struct records **out);
/* Starts the background follower (other processes' changes, automatic expiry). */
int records_follow_start(struct records *r);
void records_close(struct records *r);
/* Registers the HTTP routes under /api/v1/records, /api/v1/query, /api/v1/hit-requests. */
int records_routes(struct records *r, struct http_router *router);

/* type: "person", "vehicle", "firearm" or "document". Validates body (borrowed) and registers
 * it as u, writing the new id (at least 12 bytes). */
int records_register(struct records *r, const struct auth_user *u, const char *type, json_t *body,
                     char *id_out, size_t id_cap);

/* Bulk load from a JSON Lines stream, one object per line, each with "type" plus the fields
 * of that type: all lines in one transaction, so the load is all or nothing. On a bad line
 * returns its error with kt_errmsg() starting "line N: ". *count receives the lines loaded. */
int records_import(struct records *r, const struct auth_user *u, FILE *in, long *count);

/* Loads the generated demo dataset (persons, vehicles, firearms, documents) as u if the store
 * has no records yet. */
int records_demo_load(struct records *r, const struct auth_user *u, uint32_t persons,
                      uint32_t vehicles);

/* Query entry points (the HTTP handlers call these too). body is the request object; the
 * answer {"hit":…,"query_id":…,"candidates":[…]} is written as JSON text to *out (caller
 * frees). kind: "person", "vehicle", "firearm", "document". */
int records_query(struct records *r, const struct auth_user *u, const char *kind, json_t *body,
                  char **out, size_t *out_len);

#endif
