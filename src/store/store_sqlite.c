/* SQLite backend: one sqlite3 handle per pooled connection, WAL journal, prepared statements
 * cached per connection by SQL text so hot statements (audit appends, lookups) skip parsing.
 *
 * Checkpoints are kept off the commit path. SQLite's autocheckpoint copies the WAL into the
 * database inside the commit that takes the WAL past 1000 frames; every query's audit entry is
 * a commit (auth/audit.c), so the audit writer spent about a third of its time in checkpoints
 * (each with two fsyncs) while every waiting answer stalled behind it. Here:
 *  - a checkpointer thread with its own connection runs a PASSIVE checkpoint each time the WAL
 *    has grown by CKPT_STEP frames; writers go on meanwhile;
 *  - a PASSIVE checkpoint alone never leaves the WAL wholly copied under a steady stream of
 *    commits, so the WAL would never start afresh and would grow without bound (why an
 *    earlier background checkpointer was reverted). Once the WAL holds `restart` frames,
 *    the committing connection checkpoints inline, as the autocheckpoint does, but now only
 *    the frames since the background one's last pass are left to copy: once in ~260 times as
 *    many commits, and short but for its two fsyncs.
 * Durability is unchanged: a commit is durable once in the WAL (synchronous=NORMAL), and every
 * checkpoint syncs the WAL before and the database after copying, as before. */
#include "base/err.h"
#include "store/store_internal.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
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

/* WAL frames (4 KiB pages) that start a background checkpoint: SQLite's autocheckpoint
 * default. */
#define CKPT_STEP 1000
/* WAL frames at which the committing connection checkpoints inline, by default 262,144 (1 GiB
 * of WAL). Its two fsyncs stall the audit writer, and every answer waiting on it, for 20-50 ms
 * even on an idle machine; at ~17,000 frames a second (30,000 audited queries/s) that is once
 * in 15 s instead of four times at 65,536 (docs/benchmarks.md). KEITSU_WAL_RESTART_FRAMES
 * (4,096 and up) trades WAL disk space and replay time after a crash against those stalls. */
#define CKPT_RESTART_DEFAULT 262144
#define CKPT_RESTART_MIN 4096

struct sqlite_shared {
    sqlite3 *db; /* the checkpointer's own connection */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* kicked was set */
    pthread_cond_t idle_cv; /* a background checkpoint ended */
    int stopping, started;  /* under mu */
    atomic_int kicked;      /* a background checkpoint is wanted or running */
    atomic_int backfilled;  /* WAL frames copied by the latest background checkpoint */
    atomic_int last_frames; /* the WAL's size after the latest commit */
    atomic_int inline_at;   /* WAL size for the next inline checkpoint */
    int restart;            /* WAL size at which the WAL is made to start afresh */
};

/* Runs after every commit on every pooled connection, in the committing thread, with the write
 * lock released (SQLite's autocheckpoint is such a hook too). */
static int on_wal(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct sqlite_shared *s = arg;
    if (frames < atomic_exchange(&s->last_frames, frames)) { /* the WAL started afresh */
        atomic_store(&s->backfilled, 0);
        atomic_store(&s->inline_at, s->restart);
    }
    if (frames >= atomic_load(&s->inline_at)) {
        /* The background checkpoints copied all but the latest frames; this one copies those,
         * and as the audit writer commits nothing meanwhile, it leaves the WAL wholly copied so
         * the next commit starts it afresh. While the background one runs it fails at once
         * with SQLITE_BUSY: then again at the next commit, and after CKPT_STEP more frames
         * (a loaded machine, slow fsyncs) it waits for the background one, so the WAL stays
         * bounded. A reader can keep the WAL from starting afresh after it ran: then again
         * CKPT_STEP frames later, not at every commit. */
        int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc == SQLITE_BUSY && frames >= atomic_load(&s->inline_at) + CKPT_STEP) {
            pthread_mutex_lock(&s->mu);
            while (atomic_load(&s->kicked))
                pthread_cond_wait(&s->idle_cv, &s->mu);
            pthread_mutex_unlock(&s->mu);
            rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        }
        if (rc != SQLITE_BUSY) atomic_store(&s->inline_at, frames + CKPT_STEP);
    } else if (frames - atomic_load(&s->backfilled) >= CKPT_STEP &&
               frames < atomic_load(&s->inline_at) - CKPT_STEP / 2 &&
               !atomic_exchange(&s->kicked, 1)) {
        /* (Not just before the inline one is due: it would find this one still running.) */
        pthread_mutex_lock(&s->mu);
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
    struct sqlite_shared *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping) {
        if (!atomic_load(&s->kicked)) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        int log = 0, done = 0;
        if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
                SQLITE_OK &&
            done > 0)
            atomic_store(&s->backfilled, done);
        pthread_mutex_lock(&s->mu);
        atomic_store(&s->kicked, 0);
        pthread_cond_broadcast(&s->idle_cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static const char *db_path(const char *url)
{
    return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
}

static int sq_shared_open(const char *url, void **out)
{
    long restart = CKPT_RESTART_DEFAULT;
    const char *env = getenv("KEITSU_WAL_RESTART_FRAMES");
    if (env && *env) {
        char *end;
        restart = strtol(env, &end, 10);
        if (*end || restart < CKPT_RESTART_MIN || restart > (1L << 30))
            return kt_fail(KT_EINVAL, "KEITSU_WAL_RESTART_FRAMES must be a number from %d to %ld",
                           CKPT_RESTART_MIN, 1L << 30);
    }
    struct sqlite_shared *s = calloc(1, sizeof *s);
    if (!s) return KT_ENOMEM;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_cond_init(&s->idle_cv, NULL);
    s->restart = (int)restart;
    atomic_init(&s->inline_at, s->restart);
    *out = s;
    const char *p = db_path(url);
    if (strcmp(p, ":memory:") == 0 || *p == '\0') return 0; /* no WAL: SQLite's own ways */
    if (sqlite3_open_v2(p, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return kt_fail(KT_ESTORE, "store: cannot open %s: %s", p,
                       s->db ? sqlite3_errmsg(s->db) : "out of memory");
    /* A connection that has not opened the WAL checkpoints nothing. */
    if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK)
        return kt_fail(KT_ESTORE, "store: %s: %s", p, sqlite3_errmsg(s->db));
    if (pthread_create(&s->thread, NULL, checkpointer_main, s) != 0)
        return kt_fail(KT_EINTERNAL, "store: cannot start the checkpointer");
    s->started = 1;
    return 0;
}

static void sq_shared_close(void *shared)
{
    struct sqlite_shared *s = shared;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stopping = 1;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    sqlite3_close(s->db); /* closed after the pool's: the last one checkpoints the WAL away */
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->idle_cv);
    free(s);
}

static int sq_connect(const char *path, void *shared, void **out)
{
    struct sqlite_conn *c = calloc(1, sizeof *c);
    if (!c) return KT_ENOMEM;
    const char *p = db_path(path);
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
    /* Replaces SQLite's autocheckpoint, itself a WAL hook. */
    struct sqlite_shared *s = shared;
    if (s && s->started) sqlite3_wal_hook(c->db, on_wal, s);
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
    .shared_open = sq_shared_open,
    .shared_close = sq_shared_close,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .exec = sq_exec,
    .exec_script = sq_exec_script,
    .lock_chain = sq_lock_chain,
    .begin_sql = "BEGIN IMMEDIATE",
};
