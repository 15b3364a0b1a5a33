/* Look-up indexes over the audit trail: which entries concern a record ("who queried whom")
 * and which an actor made, newest first.
 *
 * On PostgreSQL they are the audit_refs table and the audit_actor index, written with each
 * entry. On SQLite they live in a side file next to the database (keitsu.db-auditidx) that a
 * background thread fills from the trail, because writing them with each entry cost a random
 * B-tree page per query candidate in every group commit: twice the WAL the trail itself
 * needs, and with it twice as many of the checkpoints that stall the audit writer and every
 * answer waiting on it (docs/benchmarks.md). The trail stays the truth: an entry's record ids
 * are in its own row (audit.refs), the side file is derived data, rebuilt from the trail when
 * it is missing, damaged or belongs to another database, and every look-up first brings it up
 * to the trail's head, so an answer never misses a committed entry. */
#ifndef KEITSU_AUTH_AUDIT_INDEX_H
#define KEITSU_AUTH_AUDIT_INDEX_H

#include "store/store.h"

#include <stdint.h>

struct audit_index;

/* Opens the index for the trail in st (borrowed; it must outlive the index). On SQLite it
 * opens or creates the side file and starts the thread that keeps it up to date. */
int audit_index_open(struct store *st, struct audit_index **out);
/* Stops the thread and frees ix (NULL is fine). */
void audit_index_close(struct audit_index *ix);

/* The entries that concern `record` (when non-NULL) or were made by `actor`, newest first, at
 * most `limit` (1..5000). *rows (the caller frees it with store_rows_free) has the columns
 * seq, ts, actor, role, agency, action, target, reason, detail; *n is the row count.
 * On SQLite it first indexes what the background thread has not yet (it can take a while
 * after the side file was rebuilt) and fails with KT_ESTORE if another process holds the side
 * file's write lock for over 10 s. It takes connections of st: the caller must not hold one
 * (with a small pool that would deadlock). Returns 0 or a KT_E* code. */
int audit_index_find(struct audit_index *ix, const char *record, const char *actor, long limit,
                     struct store_rows **rows, long *n);

/* Brings the side file up to the trail's head now (SQLite; a no-op on PostgreSQL) and writes
 * the last indexed seq to *seq if non-NULL. For tests and `keitsu audit` tools. */
int audit_index_sync(struct audit_index *ix, int64_t *seq);

#endif
