/* The store: one SQL interface, two backends (SQLite embedded default, PostgreSQL production).
 *
 * SQL given to store_exec() is portable: parameters are written `?` and bound as text
 * (NULL pointer = SQL NULL); the PostgreSQL backend rewrites them to $1..$n. Results come back
 * as text too. Schema text may use the tokens @ID@ (auto-increment integer primary key) and
 * @BLOB@, which each backend expands (see store_expand_sql()).
 *
 * Connections come from a fixed-size pool; a connection is used by one thread at a time.
 * Thread-safety: struct store is shared by all threads; struct store_conn is not. */
#ifndef KEITSU_STORE_STORE_H
#define KEITSU_STORE_STORE_H

#include <stddef.h>

enum store_kind { STORE_SQLITE = 1, STORE_POSTGRES = 2 };

struct store;
struct store_conn;
struct store_rows;

/* Opens a store. `url` is "postgresql://..." (or "postgres://...") for PostgreSQL; anything
 * else is a path to an SQLite database file, created if missing (WAL mode). `pool_size` is the
 * number of connections (at least 1). On success *out owns the store: free it with
 * store_close(). Returns 0 or KT_ESTORE / KT_EINVAL with kt_errmsg() set. */
int store_open(const char *url, int pool_size, struct store **out);
void store_close(struct store *st);
enum store_kind store_kind(const struct store *st);
/* The url as given to store_open(), owned by the store until store_close(). A PostgreSQL url
 * may hold a password: never log it. */
const char *store_url(const struct store *st);

/* Applies the numbered migrations (src/store/migrations.c) not yet applied, each in its own
 * transaction, recording them in schema_migrations. Idempotent. */
int store_migrate(struct store *st);

/* Takes a connection from the pool, waiting if all are in use. Return it with store_put(). */
int store_get(struct store *st, struct store_conn **out);
void store_put(struct store *st, struct store_conn *c);

/* Transactions. store_begin() starts a write transaction (BEGIN IMMEDIATE on SQLite, so
 * writers serialise up front rather than failing at commit). store_rollback() is safe to call
 * after a failed statement. */
int store_begin(struct store_conn *c);
int store_commit(struct store_conn *c);
int store_rollback(struct store_conn *c);

/* Runs one statement with n text parameters. If rows is non-NULL, *rows receives the result
 * set (owned by the caller, free with store_rows_free(); never NULL on success). Returns the
 * number of rows changed (>= 0) or a negative KT_E* code: KT_ECONFLICT for a unique or
 * foreign-key violation, KT_ESTORE otherwise, with kt_errmsg() set. */
long store_exec(struct store_conn *c, const char *sql, int n, const char *const *params,
                struct store_rows **rows);

/* Advances the id counter type (a row of id_counters) by one inside the open transaction and
 * writes the new value to *out (>= 1). KT_ESTORE if the counter is missing. */
int store_counter_next(struct store_conn *c, const char *type, long *out);
/* One statement of store_exec_tx(): SQL with n `?` parameters, as for store_exec(). */
struct store_stmt {
    const char *sql;
    int n;
    const char *const *params;
};

/* Runs the statements as one transaction (BEGIN, each in order, COMMIT), outside any
 * transaction of the caller's. On PostgreSQL all of it is one round trip (libpq pipeline
 * mode): what makes a batch of small writes cheap when each would otherwise wait for the
 * server. Results are not returned. Returns 0 once committed, or the first failure's KT_E*
 * code (KT_ECONFLICT for a unique or foreign-key violation) with nothing written and the
 * connection outside any transaction. */
int store_exec_tx(struct store_conn *c, const struct store_stmt *stmts, size_t n);

/* Appends nrows rows to table, inside the caller's transaction: cells holds nrows * ncols text
 * values, row-major (NULL = SQL NULL); cols names the ncols columns. PostgreSQL streams them
 * with COPY FROM STDIN; SQLite runs multi-row INSERTs. Returns 0 or a KT_E* code (KT_ECONFLICT
 * for a unique or foreign-key violation); on failure the transaction must be rolled back. */
int store_insert_rows(struct store_conn *c, const char *table, const char *const *cols, int ncols,
                      size_t nrows, const char *const *cells);

/* head followed by rows groups of cols `?` placeholders, "(?,?),(?,?)…", for multi-row
 * INSERTs. malloc'd (caller frees); NULL if out of memory. */
char *store_values_sql(const char *head, int cols, size_t rows);

/* A large load's saved indexes and constraints (see store_bulk_begin). */
struct store_bulk;

/* Prepares tables (a NULL-terminated list) for a large load inside the caller's transaction.
 * On PostgreSQL their indexes and their primary-key, unique and foreign-key constraints (and
 * foreign keys of other tables that point at them) are dropped, to be built once each by
 * store_bulk_end() instead of row by row; other sessions touching the tables wait for the
 * transaction. On SQLite nothing changes. On success *out (never NULL) must go to
 * store_bulk_end() or, if the load fails, store_bulk_free() after the rollback (which restores
 * everything). Returns 0 or a KT_E* code. */
int store_bulk_begin(struct store_conn *c, const char *const *tables, struct store_bulk **out);
/* Rebuilds what store_bulk_begin() dropped, checking the constraints against the loaded rows
 * (a duplicate key or dangling reference fails here: roll back), refreshes the planner's
 * statistics for the tables, and frees b. Returns 0 or a KT_E* code. */
int store_bulk_end(struct store_conn *c, struct store_bulk *b);
void store_bulk_free(struct store_bulk *b);
/* After the load's transaction has committed (c outside any transaction): on PostgreSQL,
 * VACUUM (ANALYZE) of the tables, so the fresh rows' visibility map and hint bits are set now,
 * once, rather than by autovacuum passes over millions of rows while the registry is in use.
 * On SQLite nothing. Returns 0 or a KT_E* code (the load itself stands either way). */
int store_bulk_settle(struct store_conn *c, const char *const *tables);

/* Runs several ';'-separated statements without parameters (migrations, setup). */
int store_exec_script(struct store_conn *c, const char *sql);

size_t store_rows_count(const struct store_rows *r);
int store_rows_columns(const struct store_rows *r);
/* Text of row i, column j, or NULL for SQL NULL. Owned by r. */
const char *store_rows_get(const struct store_rows *r, size_t i, int j);
void store_rows_free(struct store_rows *r);

/* Expands @ID@ and @BLOB@ for the backend into a new malloc'd string (caller frees). */
char *store_expand_sql(enum store_kind kind, const char *sql);

/* Takes a transaction-scoped lock serialising audit-chain appends across processes
 * (pg_advisory_xact_lock on PostgreSQL; a no-op on SQLite, where BEGIN IMMEDIATE already
 * serialises writers). Call inside a transaction. */
int store_lock_chain(struct store_conn *c);

#endif
