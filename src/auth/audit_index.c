/* Look-up indexes over the audit trail; see audit_index.h for why SQLite keeps them in a side
 * file. The side file holds by_record (record_id, seq), by_actor (actor, seq) and, in meta, the
 * last seq indexed with that entry's hash: the hash ties the side file to this trail, so a
 * database restored from elsewhere, or a trail replaced under it, makes it rebuild. */
#include "auth/audit_index.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STEP_ROWS 4096 /* trail entries indexed per side-file transaction */
#define IDLE_MS 200    /* how often the thread looks for new entries */
#define SIDE_SUFFIX "-auditidx"

struct audit_index {
    struct store *st;   /* the trail's store, borrowed */
    struct store *side; /* the side file (SQLite), or NULL (PostgreSQL) */
    pthread_mutex_t mu; /* one indexing step or look-up at a time; guards indexed */
    int64_t indexed;    /* last seq in the side file */
    pthread_mutex_t wake_mu;
    pthread_cond_t wake_cv;
    int stopping; /* under wake_mu */
    int started;
    pthread_t thread;
};

static const char SIDE_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS by_record (record_id TEXT NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY (record_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS by_actor (actor TEXT NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY (actor, seq)) WITHOUT ROWID;";

/* "DIR/keitsu.db" -> "DIR/keitsu.db-auditidx"; an in-memory trail gets an in-memory index. */
static char *side_path(const char *url)
{
    if (strncmp(url, "sqlite:", 7) == 0) url += 7;
    if (!*url || strcmp(url, ":memory:") == 0) return strdup(":memory:");
    size_t n = strlen(url) + sizeof SIDE_SUFFIX;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s%s", url, SIDE_SUFFIX);
    return p;
}

/* The side file's last indexed seq (0 when empty) and that entry's hash. */
static int meta_read(struct store_conn *c, int64_t *seq, char hash[65])
{
    struct store_rows *r = NULL;
    *seq = 0;
    hash[0] = '\0';
    long n = store_exec(c, "SELECT k, v FROM meta WHERE k IN ('seq', 'hash')", 0, NULL, &r);
    for (long i = 0; i < n; i++) {
        const char *k = store_rows_get(r, (size_t)i, 0), *v = store_rows_get(r, (size_t)i, 1);
        if (strcmp(k, "seq") == 0) *seq = strtoll(v, NULL, 10);
        if (strcmp(k, "hash") == 0) snprintf(hash, 65, "%s", v);
    }
    store_rows_free(r);
    return n < 0 ? (int)n : 0;
}

/* Empties the side file unless its last indexed entry is this trail's entry of that seq. */
static int side_check(struct audit_index *ix)
{
    struct store_conn *sc, *c;
    store_get(ix->side, &sc);
    int rc = store_exec_script(sc, SIDE_SCHEMA);
    char hash[65];
    int64_t seq = 0;
    if (!rc) rc = meta_read(sc, &seq, hash);
    int same = seq == 0;
    if (!rc && seq > 0) {
        char s[24];
        snprintf(s, sizeof s, "%lld", (long long)seq);
        const char *p[] = {s};
        struct store_rows *r = NULL;
        store_get(ix->st, &c);
        long n = store_exec(c, "SELECT hash FROM audit WHERE seq = ?", 1, p, &r);
        store_put(ix->st, c);
        if (n < 0) rc = (int)n;
        same = n == 1 && strcmp(store_rows_get(r, 0, 0), hash) == 0;
        store_rows_free(r);
    }
    if (!rc && !same) {
        kt_log_info("audit index: side file does not match the trail (entry %lld); rebuilding",
                    (long long)seq);
        rc = store_exec_script(sc, "BEGIN IMMEDIATE; DELETE FROM by_record; DELETE FROM by_actor;"
                                   " DELETE FROM meta; COMMIT;");
        seq = 0;
    }
    store_put(ix->side, sc);
    ix->indexed = seq;
    return rc;
}

static int side_open(struct audit_index *ix)
{
    char *path = side_path(store_url(ix->st));
    if (!path) return KT_ENOMEM;
    /* Each connection to ":memory:" is a database of its own: one connection then. */
    int memory = strcmp(path, ":memory:") == 0;
    int rc = store_open(path, memory ? 1 : 2, &ix->side);
    if (!rc) rc = side_check(ix);
    /* Derived data: a side file SQLite cannot read as a database is thrown away and made
     * again. Other failures (busy, the trail unreadable, a full disk) are passed on: the
     * file may be in use by another process. */
    if (rc && !memory &&
        (strstr(kt_errmsg(), "not a database") || strstr(kt_errmsg(), "malformed"))) {
        kt_log_warn("audit index: %s unusable (%s); making it again", path, kt_errmsg());
        store_close(ix->side);
        ix->side = NULL;
        static const char *const ext[] = {"", "-wal", "-shm"};
        size_t cap = strlen(path) + 8;
        char *f = malloc(cap);
        for (size_t i = 0; f && i < 3; i++) {
            snprintf(f, cap, "%s%s", path, ext[i]);
            if (unlink(f) != 0 && errno != ENOENT) break;
        }
        free(f);
        rc = store_open(path, 2, &ix->side);
        if (!rc) rc = side_check(ix);
    }
    free(path);
    return rc;
}

/* Indexes up to STEP_ROWS entries after ix->indexed in one side-file transaction. Writes how
 * many it took to *took (0: caught up). mu held. The trail is read first and its connection
 * returned before the side file's write lock is taken, so no process holds that lock while
 * it waits for anything else (a `keitsu audit verify` holding its only connection, say). */
static int step(struct audit_index *ix, int *took)
{
    *took = 0;
    char from[24], lim[16];
    snprintf(from, sizeof from, "%lld", (long long)ix->indexed);
    snprintf(lim, sizeof lim, "%d", STEP_ROWS);
    const char *p[] = {from, lim};
    struct store_rows *r = NULL;
    struct store_conn *sc, *c;
    store_get(ix->st, &c);
    long n = store_exec(c,
                        "SELECT seq, actor, refs, hash FROM audit WHERE seq > ? ORDER BY seq"
                        " LIMIT CAST(? AS INTEGER)",
                        2, p, &r);
    store_put(ix->st, c);
    if (n <= 0) {
        store_rows_free(r);
        return n < 0 ? (int)n : 0; /* caught up: no side-file lock taken */
    }
    /* Each entry's refs are record ids joined by single spaces (audit.c); split in a copy. */
    size_t nrefs = 0, k = 0, len = 0;
    for (long i = 0; i < n; i++) {
        const char *refs = store_rows_get(r, (size_t)i, 2);
        for (const char *t = refs; t && *t; t++)
            if (*t != ' ' && (t == refs || t[-1] == ' ')) nrefs++;
        len += refs ? strlen(refs) + 1 : 0;
    }
    const char **actors = malloc((size_t)n * 2 * sizeof *actors);
    const char **recs = nrefs ? malloc(nrefs * 2 * sizeof *recs) : NULL;
    char *copy = nrefs ? malloc(len) : NULL;
    if (!actors || (nrefs && (!recs || !copy))) {
        free(actors);
        free(recs);
        free(copy);
        store_rows_free(r);
        return kt_fail(KT_ENOMEM, "audit index: out of memory");
    }
    char *w = copy;
    for (long i = 0; i < n; i++) {
        const char *seq = store_rows_get(r, (size_t)i, 0);
        actors[2 * i] = store_rows_get(r, (size_t)i, 1);
        actors[2 * i + 1] = seq;
        const char *refs = store_rows_get(r, (size_t)i, 2);
        if (!refs || !w) continue;
        size_t l = strlen(refs);
        memcpy(w, refs, l + 1);
        for (char *t = w; t < w + l; t++) {
            if (*t == ' ')
                *t = '\0';
            else if (t == w || t[-1] == '\0') {
                recs[2 * k] = t;
                recs[2 * k + 1] = seq;
                k++;
            }
        }
        w += l + 1;
    }
    store_get(ix->side, &sc);
    int rc = store_begin(sc);
    char hash[65];
    int64_t there = 0;
    if (!rc) rc = meta_read(sc, &there, hash);
    if (!rc && there != ix->indexed) {
        /* Another process on the same data directory went ahead, or emptied the file to
         * rebuild it: go on from where the file is. */
        ix->indexed = there;
        *took = 1;
        store_rollback(sc);
    } else if (!rc) {
        static const char *const acols[] = {"actor", "seq"}, *const rcols[] = {"record_id", "seq"};
        rc = store_insert_rows(sc, "by_actor", acols, 2, (size_t)n, actors);
        if (!rc && k) rc = store_insert_rows(sc, "by_record", rcols, 2, k, recs);
        if (!rc) {
            const char *mp[] = {store_rows_get(r, (size_t)n - 1, 0),
                                store_rows_get(r, (size_t)n - 1, 3)};
            long m = store_exec(sc,
                                "INSERT INTO meta (k, v) VALUES ('seq', ?), ('hash', ?)"
                                " ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                                2, mp, NULL);
            if (m < 0) rc = (int)m;
        }
        if (!rc) rc = store_commit(sc);
        if (rc)
            store_rollback(sc);
        else {
            ix->indexed = strtoll(store_rows_get(r, (size_t)n - 1, 0), NULL, 10);
            *took = (int)n;
        }
    }
    store_put(ix->side, sc);
    store_rows_free(r);
    free(actors);
    free(recs);
    free(copy);
    return rc;
}

/* Indexes until caught up with the trail as it is now. mu held. */
static int catch_up(struct audit_index *ix)
{
    int took, rc;
    do
        rc = step(ix, &took);
    while (!rc && took > 0);
    return rc;
}

static void *index_main(void *arg)
{
    struct audit_index *ix = arg;
    pthread_setname_np(pthread_self(), "kt-auditidx");
    int failing = 0;
    pthread_mutex_lock(&ix->wake_mu);
    while (!ix->stopping) {
        pthread_mutex_unlock(&ix->wake_mu);
        /* One step per hold of mu, so a look-up or a stop waits for one step at most, not for
         * a whole rebuild. */
        int took = 0;
        pthread_mutex_lock(&ix->mu);
        int rc = step(ix, &took);
        pthread_mutex_unlock(&ix->mu);
        if (rc && !failing) kt_log_warn("audit index: %s (will retry)", kt_errmsg());
        failing = rc != 0;
        pthread_mutex_lock(&ix->wake_mu);
        if (!rc && took > 0) continue; /* more to do */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += IDLE_MS * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        if (!ix->stopping) pthread_cond_timedwait(&ix->wake_cv, &ix->wake_mu, &t);
    }
    pthread_mutex_unlock(&ix->wake_mu);
    return NULL;
}

int audit_index_open(struct store *st, struct audit_index **out)
{
    struct audit_index *ix = calloc(1, sizeof *ix);
    if (!ix) return KT_ENOMEM;
    ix->st = st;
    pthread_mutex_init(&ix->mu, NULL);
    pthread_mutex_init(&ix->wake_mu, NULL);
    pthread_cond_init(&ix->wake_cv, NULL);
    if (store_kind(st) == STORE_SQLITE) {
        int rc = side_open(ix);
        if (!rc && pthread_create(&ix->thread, NULL, index_main, ix) != 0)
            rc = kt_fail(KT_EINTERNAL, "cannot start the audit indexer");
        if (rc) {
            audit_index_close(ix);
            return rc;
        }
        ix->started = 1;
    }
    *out = ix;
    return 0;
}

void audit_index_close(struct audit_index *ix)
{
    if (!ix) return;
    if (ix->started) {
        pthread_mutex_lock(&ix->wake_mu);
        ix->stopping = 1;
        pthread_cond_signal(&ix->wake_cv);
        pthread_mutex_unlock(&ix->wake_mu);
        pthread_join(ix->thread, NULL);
    }
    store_close(ix->side);
    pthread_mutex_destroy(&ix->mu);
    pthread_mutex_destroy(&ix->wake_mu);
    pthread_cond_destroy(&ix->wake_cv);
    free(ix);
}

int audit_index_sync(struct audit_index *ix, int64_t *seq)
{
    if (!ix->side) {
        if (seq) *seq = 0;
        return 0;
    }
    pthread_mutex_lock(&ix->mu);
    int rc = catch_up(ix);
    if (seq) *seq = ix->indexed;
    pthread_mutex_unlock(&ix->mu);
    return rc;
}

#define ENTRY_COLS "seq, ts, actor, role, agency, action, target, reason, detail"

int audit_index_find(struct audit_index *ix, const char *record, const char *actor, long limit,
                     struct store_rows **rows, long *n)
{
    *rows = NULL;
    *n = 0;
    if (!record == !actor || limit < 1 || limit > 5000)
        return kt_fail(KT_EINVAL, "audit look-up needs one of record or actor and a limit");
    char lim[16];
    snprintf(lim, sizeof lim, "%ld", limit);
    const char *p[] = {record ? record : actor, lim};
    struct store_conn *c;
    if (!ix->side) {
        store_get(ix->st, &c);
        long m = store_exec(c,
                            record ? "SELECT a.seq, a.ts, a.actor, a.role, a.agency, a.action,"
                                     " a.target, a.reason, a.detail FROM audit_refs f"
                                     " JOIN audit a ON a.seq = f.seq WHERE f.record_id = ?"
                                     " ORDER BY a.seq DESC LIMIT CAST(? AS INTEGER)"
                                   : "SELECT " ENTRY_COLS " FROM audit WHERE actor = ?"
                                     " ORDER BY seq DESC LIMIT CAST(? AS INTEGER)",
                            2, p, rows);
        store_put(ix->st, c);
        if (m < 0) return (int)m;
        *n = m;
        return 0;
    }
    /* Caught up first, so the answer holds every entry committed before the look-up. */
    pthread_mutex_lock(&ix->mu);
    int rc = catch_up(ix);
    struct store_rows *seqs = NULL;
    long m = 0;
    if (!rc) {
        store_get(ix->side, &c);
        m = store_exec(c,
                       record ? "SELECT seq FROM by_record WHERE record_id = ?"
                                " ORDER BY seq DESC LIMIT CAST(? AS INTEGER)"
                              : "SELECT seq FROM by_actor WHERE actor = ?"
                                " ORDER BY seq DESC LIMIT CAST(? AS INTEGER)",
                       2, p, &seqs);
        store_put(ix->side, c);
        if (m < 0) rc = (int)m;
    }
    pthread_mutex_unlock(&ix->mu);
    if (rc) {
        store_rows_free(seqs);
        return rc;
    }
    /* The seqs as one JSON array parameter: one fixed statement, cached like the others. */
    struct kt_buf ids;
    kt_buf_init(&ids, 64 + (size_t)m * 21);
    kt_buf_puts(&ids, "[");
    for (long i = 0; i < m; i++)
        kt_buf_printf(&ids, "%s%lld", i ? "," : "",
                      strtoll(store_rows_get(seqs, (size_t)i, 0), NULL, 10));
    kt_buf_puts(&ids, "]");
    store_rows_free(seqs);
    char *list = kt_buf_take(&ids, NULL);
    if (!list) return kt_fail(KT_ENOMEM, "audit index: out of memory");
    const char *q[] = {list};
    store_get(ix->st, &c);
    long got = store_exec(c,
                          "SELECT " ENTRY_COLS " FROM audit WHERE seq IN"
                          " (SELECT value FROM json_each(?)) ORDER BY seq DESC",
                          1, q, rows);
    store_put(ix->st, c);
    free(list);
    if (got < 0) return (int)got;
    *n = got;
    return 0;
}
