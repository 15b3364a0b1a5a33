#include "store/store.h"

#include "base/err.h"
#include "base/log.h"
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

struct store {
    enum store_kind kind;
    const struct store_backend *be;
    void *shared; /* the backend's store-wide state, or NULL */
    char *url;    /* as opened */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pool_size, nfree;
    struct store_conn *conns;
    struct store_conn **free_list;
};

int store_open(const char *url, int pool_size, struct store **out)
{
    if (!url || !*url) return kt_fail(KT_EINVAL, "no database given");
    if (pool_size < 1) pool_size = 1;
    struct store *st = calloc(1, sizeof *st);
    if (!st) return KT_ENOMEM;
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        st->kind = STORE_POSTGRES;
        st->be = &store_pg_backend;
    } else {
        st->kind = STORE_SQLITE;
        st->be = &store_sqlite_backend;
    }
    st->pool_size = pool_size;
    st->conns = calloc((size_t)pool_size, sizeof *st->conns);
    st->free_list = calloc((size_t)pool_size, sizeof *st->free_list);
    st->url = strdup(url);
    if (!st->conns || !st->free_list || !st->url) {
        free(st->conns);
        free(st->free_list);
        free(st->url);
        free(st);
        return KT_ENOMEM;
    }
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    if (st->be->shared_open) {
        int rc = st->be->shared_open(url, &st->shared);
        if (rc) {
            st->pool_size = 0;
            store_close(st);
            return rc;
        }
    }
    for (int i = 0; i < pool_size; i++) {
        int rc = st->be->connect(url, st->shared, &st->conns[i].impl);
        if (rc) {
            st->pool_size = i;
            store_close(st);
            return rc;
        }
        st->conns[i].be = st->be;
        st->free_list[st->nfree++] = &st->conns[i];
    }
    *out = st;
    return 0;
}

void store_close(struct store *st)
{
    if (!st) return;
    for (int i = 0; i < st->pool_size; i++)
        if (st->conns[i].impl) st->be->disconnect(st->conns[i].impl);
    if (st->shared) st->be->shared_close(st->shared);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    free(st->conns);
    free(st->free_list);
    free(st->url);
    free(st);
}

enum store_kind store_kind(const struct store *st)
{
    return st->kind;
}

const char *store_url(const struct store *st)
{
    return st->url;
}

int store_get(struct store *st, struct store_conn **out)
{
    pthread_mutex_lock(&st->mu);
    while (st->nfree == 0)
        pthread_cond_wait(&st->cv, &st->mu);
    *out = st->free_list[--st->nfree];
    pthread_mutex_unlock(&st->mu);
    return 0;
}

void store_put(struct store *st, struct store_conn *c)
{
    if (!c) return;
    if (c->in_tx) {
        /* A handler that forgot to finish its transaction must not leak it to the next user. */
        kt_log_warn("store: connection returned inside a transaction; rolling back");
        store_rollback(c);
    }
    pthread_mutex_lock(&st->mu);
    st->free_list[st->nfree++] = c;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

int store_begin(struct store_conn *c)
{
    long rc = c->be->exec(c->impl, c->be->begin_sql, 0, NULL, NULL);
    if (rc < 0) return (int)rc;
    c->in_tx = 1;
    return 0;
}

int store_commit(struct store_conn *c)
{
    long rc = c->be->exec(c->impl, "COMMIT", 0, NULL, NULL);
    if (rc < 0) {
        c->be->exec(c->impl, "ROLLBACK", 0, NULL, NULL);
        c->in_tx = 0;
        return (int)rc;
    }
    c->in_tx = 0;
    return 0;
}

int store_rollback(struct store_conn *c)
{
    c->in_tx = 0;
    long rc = c->be->exec(c->impl, "ROLLBACK", 0, NULL, NULL);
    return rc < 0 ? (int)rc : 0;
}

long store_exec(struct store_conn *c, const char *sql, int n, const char *const *params,
                struct store_rows **rows)
{
    if (rows) *rows = NULL;
    return c->be->exec(c->impl, sql, n, params, rows);
}

int store_exec_script(struct store_conn *c, const char *sql)
{
    return c->be->exec_script(c->impl, sql);
}

int store_lock_chain(struct store_conn *c)
{
    return c->be->lock_chain(c->impl);
}

int store_rows_push(struct store_rows *r, const char *const *cells, const size_t *lens)
{
    if (r->nrows == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 16;
        char **n = realloc(r->cells, ncap * (size_t)r->ncols * sizeof *n);
        if (!n) return KT_ENOMEM;
        r->cells = n;
        r->cap = ncap;
    }
    char **row = r->cells + r->nrows * (size_t)r->ncols;
    for (int j = 0; j < r->ncols; j++) {
        if (!cells[j]) {
            row[j] = NULL;
            continue;
        }
        row[j] = malloc(lens[j] + 1);
        if (!row[j]) {
            for (int k = 0; k < j; k++)
                free(row[k]);
            return KT_ENOMEM;
        }
        memcpy(row[j], cells[j], lens[j]);
        row[j][lens[j]] = '\0';
    }
    r->nrows++;
    return 0;
}

size_t store_rows_count(const struct store_rows *r)
{
    return r ? r->nrows : 0;
}

int store_rows_columns(const struct store_rows *r)
{
    return r ? r->ncols : 0;
}

const char *store_rows_get(const struct store_rows *r, size_t i, int j)
{
    if (!r || i >= r->nrows || j < 0 || j >= r->ncols) return NULL;
    return r->cells[i * (size_t)r->ncols + (size_t)j];
}

void store_rows_free(struct store_rows *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->nrows * (size_t)r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    free(r);
}

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *b = realloc(*buf, ncap);
        if (!b) return -1;
        *buf = b;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

char *store_expand_sql(enum store_kind kind, const char *sql)
{
    static const struct {
        const char *token, *sqlite, *pg;
    } tokens[] = {
        {"@ID@", "INTEGER PRIMARY KEY AUTOINCREMENT",
         "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"@BLOB@", "BLOB", "BYTEA"},
    };
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (append(&buf, &len, &cap, "", 0)) return NULL;
    const char *p = sql;
    while (*p) {
        int matched = 0;
        for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++) {
            size_t tl = strlen(tokens[t].token);
            if (strncmp(p, tokens[t].token, tl) == 0) {
                const char *rep = kind == STORE_SQLITE ? tokens[t].sqlite : tokens[t].pg;
                if (append(&buf, &len, &cap, rep, strlen(rep))) goto oom;
                p += tl;
                matched = 1;
                break;
            }
        }
        if (!matched) {
            if (append(&buf, &len, &cap, p, 1)) goto oom;
            p++;
        }
    }
    return buf;
oom:
    free(buf);
    return NULL;
}

int store_counter_next(struct store_conn *c, const char *type, long *out)
{
    struct store_rows *rows = NULL;
    const char *p[] = {type};
    long n = store_exec(c, "UPDATE id_counters SET next = next + 1 WHERE type = ? RETURNING next",
                        1, p, &rows);
    if (n < 0) return (int)n;
    *out = store_rows_count(rows) ? strtol(store_rows_get(rows, 0, 0), NULL, 10) : 0;
    store_rows_free(rows);
    return *out >= 1 ? 0 : kt_fail(KT_ESTORE, "id counter %s missing", type);
}
