/* Backend interface behind store.h; only store.c and the backends include this. */
#ifndef KEITSU_STORE_INTERNAL_H
#define KEITSU_STORE_INTERNAL_H

#include "store/store.h"

#include <pthread.h>

/* A result set: rows * cols cells of malloc'd text (NULL = SQL NULL). */
struct store_rows {
    size_t nrows, cap;
    int ncols;
    char **cells; /* nrows * ncols, row-major; each cell malloc'd or NULL */
};

/* Appends a row of ncols cells (copied; NULL stays NULL). Returns 0 or KT_ENOMEM. */
int store_rows_push(struct store_rows *r, const char *const *cells, const size_t *lens);

struct store_backend {
    /* Store-wide state the connections share (may be NULL: the backend needs none). Opened
     * before the first connection, closed after the last; *out is backend-private. */
    int (*shared_open)(const char *url, void **out);
    void (*shared_close)(void *shared);
    /* Opens one connection; shared is what shared_open made (or NULL); *out is private. */
    int (*connect)(const char *url, void *shared, void **out);
    void (*disconnect)(void *conn);
    long (*exec)(void *conn, const char *sql, int n, const char *const *params,
                 struct store_rows **rows);
    int (*exec_script)(void *conn, const char *sql);
    int (*lock_chain)(void *conn);
    /* Optional (NULL: store.c runs the statements one by one, or as multi-row INSERTs). */
    int (*exec_tx)(void *conn, const struct store_stmt *stmts, size_t n);
    int (*insert_rows)(void *conn, const char *table, const char *const *cols, int ncols,
                       size_t nrows, const char *const *cells);
    /* Optional: writes the SQL that drops the tables' indexes and constraints into *drop and
     * the SQL that rebuilds them into *restore (both malloc'd scripts). */
    int (*bulk_scripts)(void *conn, const char *const *tables, char **drop, char **restore);
    const char *begin_sql; /* "BEGIN IMMEDIATE" or "BEGIN" */
};

extern const struct store_backend store_sqlite_backend;
extern const struct store_backend store_pg_backend;

struct store_conn {
    void *impl;
    const struct store_backend *be;
    int in_tx;
};

#endif
