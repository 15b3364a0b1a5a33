/* SQLite backend: one sqlite3 handle per pooled connection, WAL journal, prepared statements
 * cached per connection by SQL text so hot statements (audit appends, lookups) skip parsing. */
#include "base/err.h"
#include "store/store_internal.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define STMT_CACHE 64

struct sqlite_conn {
    sqlite3 *db;
    struct {
        const char *key; /* the caller's SQL pointer: callers pass string literals */
        char *sql;       /* copy, compared too, so a reused pointer cannot alias */
        sqlite3_stmt *stmt;
    } cache[STMT_CACHE];
    unsigned next;
};

static int fail_db(sqlite3 *db, const char *what)
{
    int ext = sqlite3_extended_errcode(db);
    int code = KT_ESTORE;
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ||
        ext == SQLITE_CONSTRAINT_FOREIGNKEY)
        code = KT_ECONFLICT;
    return kt_fail(code, "store: %s: %s", what, sqlite3_errmsg(db));
}

static int sq_connect(const char *path, void **out)
{
    struct sqlite_conn *c = calloc(1, sizeof *c);
    if (!c) return KT_ENOMEM;
    const char *p = path;
    if (strncmp(p, "sqlite:", 7) == 0) p += 7;
    int rc = sqlite3_open_v2(
        p, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        int r = kt_fail(KT_ESTORE, "store: cannot open %s: %s", p,
                        c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        free(c);
        return r;
    }
    sqlite3_busy_timeout(c->db, 10000);
    char *err = NULL;
    rc = sqlite3_exec(c->db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
                      NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        int r = kt_fail(KT_ESTORE, "store: %s", err ? err : "pragma failed");
        sqlite3_free(err);
        sqlite3_close(c->db);
        free(c);
        return r;
    }
    *out = c;
    return 0;
}

static void sq_disconnect(void *impl)
{
    struct sqlite_conn *c = impl;
    for (int i = 0; i < STMT_CACHE; i++) {
        sqlite3_finalize(c->cache[i].stmt);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    free(c);
}

static sqlite3_stmt *prepare(struct sqlite_conn *c, const char *sql, int *cached)
{
    for (int i = 0; i < STMT_CACHE; i++) {
        if (c->cache[i].key == sql && c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0) {
            *cached = 1;
            return c->cache[i].stmt;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        return NULL;
    unsigned slot = c->next++ % STMT_CACHE;
    char *copy = strdup(sql);
    if (!copy) {
        *cached = 0;
        return st;
    }
    sqlite3_finalize(c->cache[slot].stmt);
    free(c->cache[slot].sql);
    c->cache[slot].key = sql;
    c->cache[slot].sql = copy;
    c->cache[slot].stmt = st;
    *cached = 1;
    return st;
}

static long sq_exec(void *impl, const char *sql, int n, const char *const *params,
                    struct store_rows **rows)
{
    struct sqlite_conn *c = impl;
    int cached = 0;
    sqlite3_stmt *st = prepare(c, sql, &cached);
    if (!st) return fail_db(c->db, "prepare");
    long result = 0;
    struct store_rows *r = NULL;
    int ncols = sqlite3_column_count(st);
    if (sqlite3_bind_parameter_count(st) != n) {
        result = kt_fail(KT_EINTERNAL, "store: statement wants %d parameters, got %d",
                         sqlite3_bind_parameter_count(st), n);
        goto done;
    }
    /* SQLITE_STATIC: the caller's strings outlive this call, and the bindings are cleared
     * before it returns, so SQLite need not copy them. */
    for (int i = 0; i < n; i++) {
        int rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC)
                           : sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) {
            result = fail_db(c->db, "bind");
            goto done;
        }
    }
    if (rows && ncols > 0) {
        r = calloc(1, sizeof *r);
        if (!r) {
            result = KT_ENOMEM;
            goto done;
        }
        r->ncols = ncols;
    }
    for (;;) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            result = fail_db(c->db, "step");
            goto done;
        }
        if (!r) {
            result++;
            continue;
        }
        const char *cells[ncols];
        size_t lens[ncols];
        for (int j = 0; j < ncols; j++) {
            cells[j] = (const char *)sqlite3_column_text(st, j);
            lens[j] = (size_t)sqlite3_column_bytes(st, j);
        }
        if (store_rows_push(r, cells, lens)) {
            result = KT_ENOMEM;
            goto done;
        }
    }
    if (!r && ncols == 0) result = sqlite3_changes(c->db);
    if (r) result = (long)r->nrows;
done:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!cached) sqlite3_finalize(st);
    if (result < 0) {
        store_rows_free(r);
        r = NULL;
    }
    if (rows) {
        if (result >= 0 && !r) {
            r = calloc(1, sizeof *r); /* callers may rely on a non-NULL empty result */
            if (r) r->ncols = ncols;
        }
        *rows = r;
    } else {
        store_rows_free(r);
    }
    return result;
}

static int sq_exec_script(void *impl, const char *sql)
{
    struct sqlite_conn *c = impl;
    char *err = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        int r = kt_fail(KT_ESTORE, "store: %s", err ? err : "script failed");
        sqlite3_free(err);
        return r;
    }
    return 0;
}

static int sq_lock_chain(void *impl)
{
    (void)impl;
    return 0;
}

const struct store_backend store_sqlite_backend = {
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .exec = sq_exec,
    .exec_script = sq_exec_script,
    .lock_chain = sq_lock_chain,
    .begin_sql = "BEGIN IMMEDIATE",
};
