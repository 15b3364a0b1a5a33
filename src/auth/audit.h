/* The audit trail: append-only, hash-chained.
 *
 * Entry n stores hash_n = SHA-256(hash_{n-1} | n | ts | actor | role | agency | action |
 * target | reason | detail) (fields joined by 0x1F; hash_0 is 64 '0's). Altering, inserting or
 * removing an entry breaks the chain; audit_verify() names the first such entry. The head
 * (last seq and hash) is also written to an anchor file outside the database, so truncating
 * the tail is caught too.
 *
 * Two ways to append:
 *  - inside a write transaction, so the change and its entry commit together:
 *      audit_tx_begin(a, c); ...writes...; audit_append(a, c, &e, &seq); audit_tx_commit(a, c);
 *  - audit_log() for reads (queries): queued and committed in batches by a writer thread
 *    (group commit); it returns once the entry is durable, so no answer leaves unaudited.
 *    audit_log_async() queues the same way and calls back instead, for a server that holds
 *    the answer back without holding a thread (http_reply_audited). */
#ifndef KEITSU_AUTH_AUDIT_H
#define KEITSU_AUTH_AUDIT_H

#include "auth/auth.h"
#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

struct audit_entry {
    const char *action;      /* "query.person", "record.register", "login", ... */
    const char *target;      /* record id or other object, may be NULL */
    const char *reason;      /* incident number or purpose, may be NULL */
    const char *detail;      /* compact JSON text, NULL = "{}" */
    const char *const *refs; /* record ids the entry concerns (e.g. query candidates): each
                              * non-empty, without spaces, at most once; otherwise the entry is
                              * refused with KT_EINTERNAL and nothing is written */
    size_t nrefs;
};

struct audit;

/* Starts the audit service. anchor_path (may be NULL) names the head anchor file. */
int audit_open(struct store *st, const char *anchor_path, struct audit **out);
/* Flushes pending entries, stops the writer and frees a. */
void audit_close(struct audit *a);

/* Begins a write transaction on c that may append audit entries (takes the chain lock). */
int audit_tx_begin(struct audit *a, struct store_conn *c);
/* Appends one entry by user u within the transaction; writes its seq if seq is non-NULL. */
int audit_append(struct audit *a, struct store_conn *c, const struct auth_user *u,
                 const struct audit_entry *e, int64_t *seq);
/* Commits or rolls back and releases the chain lock. commit returns the store's error. */
int audit_tx_commit(struct audit *a, struct store_conn *c);
void audit_tx_rollback(struct audit *a, struct store_conn *c);
/* Ends the transaction by the outcome so far: rolls back and returns rc if rc is an error,
 * else commits and returns the commit's result. */
int audit_tx_finish(struct audit *a, struct store_conn *c, int rc);

/* Appends one entry on its own, durably, through the group-commit writer. Blocks until it is
 * committed. Writes its seq if seq is non-NULL. */
int audit_log(struct audit *a, const struct auth_user *u, const struct audit_entry *e,
              int64_t *seq);

/* Called on the writer thread once an entry queued by audit_log_async() is committed (rc 0,
 * seq its number) or could not be (rc a KT_E* code, already logged). It must be quick and must
 * not append to the audit trail: the next batch waits for it. */
typedef void (*audit_done_fn)(void *arg, int rc, int64_t seq);
/* Queues one entry like audit_log() but returns at once: done(arg, ...) says when it is
 * durable, so a server can hold the answer back without holding a thread. u and e, and all
 * they point to, are borrowed until done has run. Returns 0 (done will run exactly once) or a
 * KT_E* code (KT_EUNAVAIL when the trail is closing; done will not run). */
int audit_log_async(struct audit *a, const struct auth_user *u, const struct audit_entry *e,
                    audit_done_fn done, void *arg);
/* The entries that concern a record (refs) or that an actor made, newest first: see
 * audit_index_find() (auth/audit_index.h) for the columns, ownership, and why the caller must
 * not hold a connection of the trail's store meanwhile. */
int audit_find(struct audit *a, const char *record, const char *actor, long limit,
               struct store_rows **rows, long *n);
/* Sets the error for a writer's rc as audit_log() reports it ("...the query was not answered")
 * and returns rc. */
int audit_failed(int rc);

struct audit_verify_result {
    int ok;            /* 1 if the whole chain verifies */
    int64_t entries;   /* entries checked */
    int64_t bad_seq;   /* first bad entry's seq (0 if ok) */
    char problem[256]; /* "entry 42 altered: ...", "entry 7 missing", ... */
};

/* Walks the whole trail and the anchor (may be NULL). Returns 0 when it could check (see
 * r->ok for the verdict) or a store error. */
int audit_verify(struct store *st, const char *anchor_path, struct audit_verify_result *r);

#endif
