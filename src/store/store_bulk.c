/* Batched writes behind store.h: a transaction of statements sent together, rows appended in
 * bulk, and a large load's index and constraint rebuild. A backend that offers nothing faster
 * gets the plain forms here: statements one by one, multi-row INSERTs, no rebuild. */
#include "base/buf.h"
#include "base/err.h"
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/* Rows per multi-row INSERT, and bound parameters per statement at most (SQLite's limit is
 * 32766). */
#define INSERT_ROWS 250
#define INSERT_PARAMS 8000

struct store_bulk {
    char *restore; /* SQL that rebuilds what was dropped, or NULL */
};

int store_exec_tx(struct store_conn *c, const struct store_stmt *stmts, size_t n)
{
    if (c->in_tx) return kt_fail(KT_EINTERNAL, "store: store_exec_tx inside a transaction");
    if (c->be->exec_tx) return c->be->exec_tx(c->impl, stmts, n);
    int rc = store_begin(c);
    for (size_t i = 0; !rc && i < n; i++) {
        long r = store_exec(c, stmts[i].sql, stmts[i].n, stmts[i].params, NULL);
        if (r < 0) rc = (int)r;
    }
    if (rc) {
        if (c->in_tx) store_rollback(c);
        return rc;
    }
    return store_commit(c);
}

char *store_values_sql(const char *head, int cols, size_t rows)
{
    struct kt_buf b;
    kt_buf_init(&b, 1 << 22);
    kt_buf_puts(&b, head);
    for (size_t r = 0; r < rows; r++) {
        kt_buf_puts(&b, r ? ",(" : "(");
        for (int j = 0; j < cols; j++)
            kt_buf_puts(&b, j ? ",?" : "?");
        kt_buf_puts(&b, ")");
    }
    return kt_buf_take(&b, NULL);
}

int store_insert_rows(struct store_conn *c, const char *table, const char *const *cols, int ncols,
                      size_t nrows, const char *const *cells)
{
    if (ncols < 1 || ncols > INSERT_PARAMS)
        return kt_fail(KT_EINVAL, "store: %d columns for %s", ncols, table);
    if (c->be->insert_rows) return c->be->insert_rows(c->impl, table, cols, ncols, nrows, cells);
    size_t per = INSERT_PARAMS / (size_t)ncols;
    if (per > INSERT_ROWS) per = INSERT_ROWS;
    struct kt_buf head;
    kt_buf_init(&head, 1 << 16);
    kt_buf_printf(&head, "INSERT INTO %s (", table);
    for (int j = 0; j < ncols; j++)
        kt_buf_printf(&head, "%s%s", j ? ", " : "", cols[j]);
    kt_buf_puts(&head, ") VALUES ");
    char *prefix = kt_buf_take(&head, NULL), *sql = NULL;
    if (!prefix) return KT_ENOMEM;
    size_t sql_rows = 0;
    long rc = 0;
    for (size_t done = 0; done < nrows && rc >= 0; done += per) {
        size_t m = nrows - done < per ? nrows - done : per;
        if (m != sql_rows) {
            free(sql);
            sql = store_values_sql(prefix, ncols, m);
            sql_rows = m;
            if (!sql) break;
        }
        rc = store_exec(c, sql, (int)(m * (size_t)ncols), cells + done * (size_t)ncols, NULL);
    }
    if (!sql && rc >= 0 && nrows) rc = KT_ENOMEM;
    free(sql);
    free(prefix);
    return rc < 0 ? (int)rc : 0;
}

int store_bulk_begin(struct store_conn *c, const char *const *tables, struct store_bulk **out)
{
    struct store_bulk *b = calloc(1, sizeof *b);
    if (!b) return KT_ENOMEM;
    if (c->be->bulk_scripts) {
        char *drop = NULL;
        int rc = c->be->bulk_scripts(c->impl, tables, &drop, &b->restore);
        if (!rc && drop && *drop) rc = store_exec_script(c, drop);
        free(drop);
        if (rc) {
            store_bulk_free(b);
            return rc;
        }
    }
    *out = b;
    return 0;
}

int store_bulk_end(struct store_conn *c, struct store_bulk *b)
{
    int rc = b->restore && *b->restore ? store_exec_script(c, b->restore) : 0;
    store_bulk_free(b);
    return rc;
}

void store_bulk_free(struct store_bulk *b)
{
    if (!b) return;
    free(b->restore);
    free(b);
}

int store_bulk_settle(struct store_conn *c, const char *const *tables)
{
    if (!c->be->bulk_scripts) return 0; /* SQLite */
    if (c->in_tx) return kt_fail(KT_EINTERNAL, "store: VACUUM cannot run inside a transaction");
    struct kt_buf sql;
    kt_buf_init(&sql, 4096);
    kt_buf_puts(&sql, "VACUUM (ANALYZE) ");
    for (size_t i = 0; tables[i]; i++)
        kt_buf_printf(&sql, "%s%s", i ? ", " : "", tables[i]);
    char *s = kt_buf_take(&sql, NULL);
    if (!s) return KT_ENOMEM;
    int rc = store_exec_script(c, s);
    free(s);
    return rc;
}
