#include "auth/audit.h"
#include "auth/audit_index.h"

#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX 512
#define HEAD_STALE 1 /* write_batch_pipelined(): read the chain head and write the slow way */
static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* One entry waiting for the writer: on audit_log()'s stack, or malloc'd by audit_log_async()
 * and freed by the writer once done has run. */
struct pending {
    const struct auth_user *u;
    const struct audit_entry *e;
    int64_t seq;
    int rc;
    audit_done_fn done; /* called by the writer once the entry is committed (or failed) */
    void *arg;
    int owned; /* malloc'd here: the writer frees it after done */
    struct pending *next;
};

struct audit {
    struct store *st;
    struct audit_index *ix;
    char *anchor_path;
    pthread_mutex_t chain_mu; /* held from audit_tx_begin to commit/rollback, and per batch */
    pthread_mutex_t q_mu;
    pthread_cond_t q_cv;
    struct pending *head, *tail;
    int stopping;
    pthread_t writer;
    int64_t anchor_written_ms;
    int64_t last_seq;
    char last_hash[65];
};

static void entry_hash(const char *prev, const char *seq, const char *ts, const char *actor,
                       const char *role, const char *agency, const char *action, const char *target,
                       const char *reason, const char *detail, char out[65])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    const char *parts[] = {prev, seq, ts, actor, role, agency, action, target, reason, detail};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const char *s = parts[i] ? parts[i] : "";
        crypto_hash_sha256_update(&h, (const unsigned char *)s, strlen(s));
        crypto_hash_sha256_update(&h, (const unsigned char *)"\x1f", 1);
    }
    unsigned char bin[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, bin);
    sodium_bin2hex(out, 65, bin, sizeof bin);
}

/* Reads the chain head inside the current transaction: the truth, even when another process
 * (a CLI import, a second server on PostgreSQL) appended since we last looked. */
static int read_head(struct store_conn *c, int64_t *seq, char hash[65])
{
    struct store_rows *r = NULL;
    long n = store_exec(c, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", 0, NULL, &r);
    if (n < 0) return (int)n;
    if (n == 0) {
        *seq = 0;
        memcpy(hash, GENESIS, 65);
    } else {
        *seq = strtoll(store_rows_get(r, 0, 0), NULL, 10);
        snprintf(hash, 65, "%s", store_rows_get(r, 0, 1));
    }
    store_rows_free(r);
    return 0;
}

/* Record ids are the platform's own (P-00000001, licence numbers, ...); SQLite keeps an
 * entry's ids joined by spaces in its row, so an empty one or one with a space would not split
 * back: refused on both stores, before anything is written. */
static int refs_check(const struct audit_entry *e)
{
    for (size_t i = 0; i < e->nrefs; i++) {
        if (!e->refs[i] || !e->refs[i][0] || strchr(e->refs[i], ' '))
            return kt_fail(KT_EINTERNAL, "audit: record id \"%s\" cannot be indexed",
                           e->refs[i] ? e->refs[i] : "(null)");
        /* Once per entry, as audit_refs' key (record_id, seq) always required. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(e->refs[i], e->refs[j]) == 0)
                return kt_fail(KT_EINTERNAL, "audit: record id \"%s\" given twice", e->refs[i]);
    }
    return 0;
}

/* The entry's record ids joined by single spaces into *out (malloc'd; NULL when none). */
static int refs_join(const struct audit_entry *e, char **out)
{
    *out = NULL;
    size_t len = 0;
    for (size_t i = 0; i < e->nrefs; i++)
        len += strlen(e->refs[i]) + 1;
    if (!len) return 0;
    char *s = malloc(len), *w = s;
    if (!s) return KT_ENOMEM;
    for (size_t i = 0; i < e->nrefs; i++) {
        size_t l = strlen(e->refs[i]);
        if (i) *w++ = ' ';
        memcpy(w, e->refs[i], l);
        w += l;
    }
    *w = '\0';
    *out = s;
    return 0;
}

static int insert_entry(const struct audit *a, struct store_conn *c, const struct auth_user *u,
                        const struct audit_entry *e, int64_t *seq, char hash[65])
{
    char seqs[24], ts[32], newhash[65];
    int64_t n = *seq + 1;
    snprintf(seqs, sizeof seqs, "%lld", (long long)n);
    jtime_format_utc(jtime_now_ms(), ts, sizeof ts);
    const char *detail = e->detail ? e->detail : "{}";
    entry_hash(hash, seqs, ts, u->name, u->role, u->agency, e->action, e->target, e->reason, detail,
               newhash);
    /* On SQLite the record ids go in the entry's own row and the side file indexes them later
     * (audit_index.h); PostgreSQL keeps them in audit_refs. */
    int sqlite = store_kind(a->st) == STORE_SQLITE;
    char *refs = NULL;
    int rc = sqlite ? refs_join(e, &refs) : 0;
    if (rc) return rc;
    const char *p[] = {seqs,      ts,        u->name, u->role, u->agency, e->action,
                       e->target, e->reason, detail,  hash,    newhash,   refs};
    long m = store_exec(c,
                        sqlite ? "INSERT INTO audit (seq, ts, actor, role, agency, action, target,"
                                 " reason, detail, prev_hash, hash, refs)"
                                 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
                               : "INSERT INTO audit (seq, ts, actor, role, agency, action, target,"
                                 " reason, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        sqlite ? 12 : 11, p, NULL);
    free(refs);
    for (size_t i = 0; !sqlite && m >= 0 && i < e->nrefs; i++) {
        const char *q[] = {e->refs[i], seqs};
        m = store_exec(c, "INSERT INTO audit_refs (record_id, seq) VALUES (?, ?)", 2, q, NULL);
    }
    if (m < 0) return (int)m;
    *seq = n;
    memcpy(hash, newhash, 65);
    return 0;
}

static void write_anchor(struct audit *a, int force)
{
    if (!a->anchor_path || a->last_seq == 0) return;
    int64_t now = jtime_now_ms();
    if (!force && now - a->anchor_written_ms < 1000) return;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", a->anchor_path) >= (int)sizeof tmp) return;
    FILE *f = fopen(tmp, "w");
    if (!f) return;
    fprintf(f, "%lld %s\n", (long long)a->last_seq, a->last_hash);
    if (fclose(f) == 0 && rename(tmp, a->anchor_path) == 0) a->anchor_written_ms = now;
}

static void note_head(struct audit *a, int64_t seq, const char hash[65])
{
    if (seq > a->last_seq) {
        a->last_seq = seq;
        memcpy(a->last_hash, hash, 65);
    }
    write_anchor(a, 0);
}

/* Per-transaction chain state, valid while chain_mu is held. */
static _Thread_local int64_t tx_seq;
static _Thread_local char tx_hash[65];
static _Thread_local int tx_head_read;

int audit_tx_begin(struct audit *a, struct store_conn *c)
{
    pthread_mutex_lock(&a->chain_mu);
    int rc = store_begin(c);
    if (rc) {
        pthread_mutex_unlock(&a->chain_mu);
        return rc;
    }
    tx_head_read = 0;
    return 0;
}

int audit_append(struct audit *a, struct store_conn *c, const struct auth_user *u,
                 const struct audit_entry *e, int64_t *seq)
{
    int rc = refs_check(e);
    if (rc) return rc;
    if (!tx_head_read) {
        if ((rc = store_lock_chain(c)) || (rc = read_head(c, &tx_seq, tx_hash))) return rc;
        tx_head_read = 1;
    }
    rc = insert_entry(a, c, u, e, &tx_seq, tx_hash);
    if (!rc && seq) *seq = tx_seq;
    return rc;
}

int audit_tx_commit(struct audit *a, struct store_conn *c)
{
    int rc = store_commit(c);
    if (!rc && tx_head_read) note_head(a, tx_seq, tx_hash);
    pthread_mutex_unlock(&a->chain_mu);
    return rc;
}

void audit_tx_rollback(struct audit *a, struct store_conn *c)
{
    store_rollback(c);
    pthread_mutex_unlock(&a->chain_mu);
}

int audit_tx_finish(struct audit *a, struct store_conn *c, int rc)
{
    if (!rc) return audit_tx_commit(a, c);
    audit_tx_rollback(a, c);
    return rc;
}

/* A batch's rows for write_batch_pipelined(): 11 parameters an entry (seq, ts and the hashes
 * kept here, the rest borrowed from the callers) and 2 a reference. */
struct batch_rows {
    size_t n, nrefs;
    char (*seqs)[24], (*ts)[32], (*hashes)[65]; /* hashes[0] is the head before the batch */
    const char **ap, **rp;
};

static void batch_rows_free(struct batch_rows *r)
{
    free(r->seqs);
    free(r->ts);
    free(r->hashes);
    free(r->ap);
    free(r->rp);
}

static int batch_rows_alloc(struct batch_rows *r, const struct pending *batch)
{
    memset(r, 0, sizeof *r);
    for (const struct pending *p = batch; p; p = p->next) {
        r->n++;
        r->nrefs += p->e->nrefs;
    }
    r->seqs = malloc(r->n * sizeof *r->seqs);
    r->ts = malloc(r->n * sizeof *r->ts);
    r->hashes = malloc((r->n + 1) * sizeof *r->hashes);
    r->ap = malloc(r->n * 11 * sizeof *r->ap);
    r->rp = malloc((r->nrefs ? r->nrefs : 1) * 2 * sizeof *r->rp);
    if (r->seqs && r->ts && r->hashes && r->ap && r->rp) return 0;
    batch_rows_free(r);
    return KT_ENOMEM;
}

/* Chains the batch onto head (seq, hash), as insert_entry() would one by one. */
static void batch_rows_fill(struct batch_rows *r, struct pending *batch, int64_t seq,
                            const char hash[65])
{
    memcpy(r->hashes[0], hash, 65);
    size_t i = 0, k = 0;
    for (struct pending *p = batch; p; p = p->next, i++) {
        const struct audit_entry *e = p->e;
        const char *detail = e->detail ? e->detail : "{}";
        p->seq = seq + 1 + (int64_t)i;
        snprintf(r->seqs[i], sizeof r->seqs[i], "%lld", (long long)p->seq);
        jtime_format_utc(jtime_now_ms(), r->ts[i], sizeof r->ts[i]);
        entry_hash(r->hashes[i], r->seqs[i], r->ts[i], p->u->name, p->u->role, p->u->agency,
                   e->action, e->target, e->reason, detail, r->hashes[i + 1]);
        const char *row[] = {r->seqs[i],   r->ts[i],     p->u->name,      p->u->role,
                             p->u->agency, e->action,    e->target,       e->reason,
                             detail,       r->hashes[i], r->hashes[i + 1]};
        memcpy(r->ap + i * 11, row, sizeof row);
        for (size_t j = 0; j < e->nrefs; j++) {
            r->rp[k++] = e->refs[j];
            r->rp[k++] = r->seqs[i];
        }
    }
}

/* PostgreSQL: a batch of audit_log() entries in one round trip (store_exec_tx: the chain lock,
 * one multi-row INSERT into audit, one into audit_refs, COMMIT). The head is the last one this
 * process committed (a->last_seq, a->last_hash) instead of one read under the lock first: if
 * another process appended since, its entry holds seq last_seq + 1 (seqs are dense), the
 * INSERT fails on the primary key, nothing is written and write_batch() reads the head and
 * writes the slow way. The advisory lock still comes first, so an appender elsewhere waits for
 * this batch as for any other. Returns 0 once committed, HEAD_STALE when the head is unknown
 * or moved, or a KT_E* code. */
static int write_batch_pipelined(struct audit *a, struct pending *batch)
{
    struct batch_rows r;
    if (batch_rows_alloc(&r, batch)) return KT_ENOMEM;
    char *ins = store_values_sql("INSERT INTO audit (seq, ts, actor, role, agency, action,"
                                 " target, reason, detail, prev_hash, hash) VALUES ",
                                 11, r.n);
    char *refs =
        r.nrefs ? store_values_sql("INSERT INTO audit_refs (record_id, seq) VALUES ", 2, r.nrefs)
                : NULL;
    int rc = !ins || (r.nrefs && !refs) ? KT_ENOMEM : 0;
    struct store_conn *c = NULL;
    if (!rc) store_get(a->st, &c); /* before chain_mu, as audit_tx_begin's callers do */
    pthread_mutex_lock(&a->chain_mu);
    int64_t seq = a->last_seq;
    if (!rc && seq == 0) rc = HEAD_STALE; /* not known yet */
    if (!rc) {
        batch_rows_fill(&r, batch, seq, a->last_hash);
        const struct store_stmt stmts[] = {
            {"SELECT pg_advisory_xact_lock(727379)", 0, NULL},
            {ins, (int)(r.n * 11), r.ap},
            {refs, (int)(r.nrefs * 2), r.rp},
        };
        rc = store_exec_tx(c, stmts, r.nrefs ? 3 : 2);
        if (!rc)
            note_head(a, seq + (int64_t)r.n, r.hashes[r.n]);
        else if (rc == KT_ECONFLICT)
            rc = HEAD_STALE; /* another process appended: read the head */
    }
    pthread_mutex_unlock(&a->chain_mu);
    store_put(a->st, c);
    free(ins);
    free(refs);
    batch_rows_free(&r);
    return rc;
}

static int write_batch(struct audit *a, struct pending *batch)
{
    if (store_kind(a->st) == STORE_POSTGRES) {
        int rc = write_batch_pipelined(a, batch);
        if (rc != HEAD_STALE) return rc;
    }
    struct store_conn *c;
    store_get(a->st, &c);
    int rc = audit_tx_begin(a, c);
    if (!rc) {
        for (struct pending *p = batch; p && !rc; p = p->next)
            rc = audit_append(a, c, p->u, p->e, &p->seq);
        rc = audit_tx_finish(a, c, rc);
    }
    store_put(a->st, c);
    return rc;
}

static void *writer_main(void *arg)
{
    struct audit *a = arg;
    pthread_mutex_lock(&a->q_mu);
    for (;;) {
        while (!a->head && !a->stopping)
            pthread_cond_wait(&a->q_cv, &a->q_mu);
        if (!a->head && a->stopping) break;
        struct pending *batch = a->head, *last = batch;
        int n = 1;
        while (last->next && n < BATCH_MAX) {
            last = last->next;
            n++;
        }
        a->head = last->next;
        if (!a->head) a->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&a->q_mu);
        int rc = write_batch(a, batch);
        if (rc) {
            kt_log_error("audit: batch of %d entries failed: %s", n, kt_errmsg());
            /* Retry one by one, so one bad entry does not fail the others. */
            for (struct pending *p = batch; p; p = p->next) {
                struct pending *next = p->next;
                p->next = NULL;
                p->rc = write_batch(a, p);
                p->next = next;
            }
        }
        /* Woken without q_mu held: a waiter woken while the writer holds it would wake only
         * to block on it again. */
        for (struct pending *p = batch, *next; p; p = next) {
            next = p->next; /* p is gone once done ran */
            int owned = p->owned;
            p->done(p->arg, p->rc, p->seq);
            if (owned) free(p);
        }
        pthread_mutex_lock(&a->q_mu);
    }
    pthread_mutex_unlock(&a->q_mu);
    return NULL;
}

static int enqueue(struct audit *a, struct pending *p)
{
    pthread_mutex_lock(&a->q_mu);
    if (a->stopping) {
        pthread_mutex_unlock(&a->q_mu);
        return kt_fail(KT_EUNAVAIL, "audit trail is closing");
    }
    if (a->tail)
        a->tail->next = p;
    else
        a->head = p;
    a->tail = p;
    pthread_cond_signal(&a->q_cv);
    pthread_mutex_unlock(&a->q_mu);
    return 0;
}

int audit_log_async(struct audit *a, const struct auth_user *u, const struct audit_entry *e,
                    audit_done_fn done, void *arg)
{
    int rc = refs_check(e);
    if (rc) return rc;
    struct pending *p = calloc(1, sizeof *p);
    if (!p) return KT_ENOMEM;
    *p = (struct pending){.u = u, .e = e, .done = done, .arg = arg, .owned = 1};
    rc = enqueue(a, p);
    if (rc) free(p);
    return rc;
}

/* audit_log()'s wait for the writer. */
struct sync_wait {
    sem_t sem;
    int rc;
    int64_t seq;
};

static void sync_done(void *arg, int rc, int64_t seq)
{
    struct sync_wait *w = arg;
    w->rc = rc;
    w->seq = seq;
    sem_post(&w->sem);
}

int audit_log(struct audit *a, const struct auth_user *u, const struct audit_entry *e, int64_t *seq)
{
    int rc = refs_check(e);
    if (rc) return rc;
    struct sync_wait w = {0};
    struct pending p = {.u = u, .e = e, .done = sync_done, .arg = &w};
    if (sem_init(&w.sem, 0, 0) != 0) return kt_fail(KT_EINTERNAL, "audit: sem_init failed");
    rc = enqueue(a, &p);
    if (!rc) {
        while (sem_wait(&w.sem) != 0)
            ; /* EINTR */
    }
    sem_destroy(&w.sem);
    if (rc) return rc;
    if (w.rc) return audit_failed(w.rc);
    if (seq) *seq = w.seq;
    return 0;
}

int audit_find(struct audit *a, const char *record, const char *actor, long limit,
               struct store_rows **rows, long *n)
{
    return audit_index_find(a->ix, record, actor, limit, rows, n);
}

int audit_failed(int rc)
{
    return kt_fail(rc, "audit trail write failed; the query was not answered");
}

int audit_open(struct store *st, const char *anchor_path, struct audit **out)
{
    if (sodium_init() < 0) return kt_fail(KT_EINTERNAL, "libsodium failed to initialise");
    struct audit *a = calloc(1, sizeof *a);
    if (!a) return KT_ENOMEM;
    a->st = st;
    if (anchor_path && !(a->anchor_path = strdup(anchor_path))) {
        free(a);
        return KT_ENOMEM;
    }
    int rc = audit_index_open(st, &a->ix);
    if (rc) {
        free(a->anchor_path);
        free(a);
        return rc;
    }
    pthread_mutex_init(&a->chain_mu, NULL);
    pthread_mutex_init(&a->q_mu, NULL);
    pthread_cond_init(&a->q_cv, NULL);
    if (pthread_create(&a->writer, NULL, writer_main, a) != 0) {
        audit_index_close(a->ix);
        free(a->anchor_path);
        free(a);
        return kt_fail(KT_EINTERNAL, "cannot start audit writer");
    }
    *out = a;
    return 0;
}

void audit_close(struct audit *a)
{
    if (!a) return;
    pthread_mutex_lock(&a->q_mu);
    a->stopping = 1;
    pthread_cond_signal(&a->q_cv);
    pthread_mutex_unlock(&a->q_mu);
    pthread_join(a->writer, NULL);
    write_anchor(a, 1);
    audit_index_close(a->ix);
    pthread_mutex_destroy(&a->chain_mu);
    pthread_mutex_destroy(&a->q_mu);
    pthread_cond_destroy(&a->q_cv);
    free(a->anchor_path);
    free(a);
}

static int read_anchor(const char *path, int64_t *seq, char hash[65])
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return -1;
    long long s;
    char h[65];
    int ok = fscanf(f, "%lld %64s", &s, h) == 2;
    fclose(f);
    if (!ok) return -1;
    *seq = s;
    memcpy(hash, h, 65);
    return 0;
}

int audit_verify(struct store *st, const char *anchor_path, struct audit_verify_result *r)
{
    memset(r, 0, sizeof *r);
    r->ok = 1;
    struct store_conn *c;
    store_get(st, &c);
    int64_t expect = 1, after = 0;
    char prev[65], prevprev[65];
    memcpy(prev, GENESIS, 65);
    memcpy(prevprev, GENESIS, 65);
    int rc = 0;
    for (;;) {
        char after_s[24];
        snprintf(after_s, sizeof after_s, "%lld", (long long)after);
        const char *p[] = {after_s};
        struct store_rows *rows = NULL;
        long n = store_exec(c,
                            "SELECT seq, ts, actor, role, agency, action, target, reason,"
                            " detail, prev_hash, hash FROM audit WHERE seq > ?"
                            " ORDER BY seq LIMIT 5000",
                            1, p, &rows);
        if (n < 0) {
            rc = (int)n;
            break;
        }
        for (size_t i = 0; i < (size_t)n && r->ok; i++) {
            const char *seq_s = store_rows_get(rows, i, 0);
            int64_t seq = strtoll(seq_s, NULL, 10);
            char h[65];
            entry_hash(store_rows_get(rows, i, 9), seq_s, store_rows_get(rows, i, 1),
                       store_rows_get(rows, i, 2), store_rows_get(rows, i, 3),
                       store_rows_get(rows, i, 4), store_rows_get(rows, i, 5),
                       store_rows_get(rows, i, 6), store_rows_get(rows, i, 7),
                       store_rows_get(rows, i, 8), h);
            const char *stored = store_rows_get(rows, i, 10);
            const char *linked = store_rows_get(rows, i, 9);
            r->ok = 0;
            r->bad_seq = seq;
            if (seq != expect) {
                r->bad_seq = expect;
                snprintf(r->problem, sizeof r->problem,
                         "entry %lld missing (sequence jumps from %lld to %lld)", (long long)expect,
                         (long long)expect - 1, (long long)seq);
            } else if (strcmp(h, stored) != 0) {
                snprintf(r->problem, sizeof r->problem,
                         "entry %lld altered: its content no longer matches its hash",
                         (long long)seq);
            } else if (strcmp(linked, prev) != 0) {
                if (seq > 1 && strcmp(linked, prevprev) == 0) {
                    r->bad_seq = seq - 1;
                    snprintf(r->problem, sizeof r->problem,
                             "entry %lld inserted: entry %lld links past it to entry %lld",
                             (long long)seq - 1, (long long)seq, (long long)seq - 2);
                } else {
                    snprintf(r->problem, sizeof r->problem,
                             "entry %lld re-linked: its prev_hash does not match entry %lld",
                             (long long)seq, (long long)seq - 1);
                }
            } else {
                r->ok = 1;
                r->bad_seq = 0;
                r->entries++;
                memcpy(prevprev, prev, 65);
                memcpy(prev, h, 65);
                expect = seq + 1;
                after = seq;
            }
        }
        store_rows_free(rows);
        if (!r->ok || n < 5000) break;
    }
    store_put(st, c);
    if (rc || !r->ok) return rc;
    int64_t aseq;
    char ahash[65];
    if (read_anchor(anchor_path, &aseq, ahash) == 0) {
        if (aseq > after) {
            r->ok = 0;
            r->bad_seq = after + 1;
            snprintf(r->problem, sizeof r->problem,
                     "entries %lld to %lld missing: the anchor records %lld entries",
                     (long long)after + 1, (long long)aseq, (long long)aseq);
        }
        /* The anchor may lag the tail by up to a second, so compare the entry it names: a
         * chain rebuilt after an edit has a different hash there. */
        if (r->ok && aseq > 0) {
            char s[24];
            snprintf(s, sizeof s, "%lld", (long long)aseq);
            const char *p[] = {s};
            struct store_rows *rows = NULL;
            store_get(st, &c);
            long n = store_exec(c, "SELECT hash FROM audit WHERE seq = ?", 1, p, &rows);
            store_put(st, c);
            if (n < 0) return (int)n;
            if (n == 1 && strcmp(store_rows_get(rows, 0, 0), ahash) != 0) {
                r->ok = 0;
                r->bad_seq = aseq;
                snprintf(r->problem, sizeof r->problem,
                         "entry %lld rewritten: its hash differs from the anchor's",
                         (long long)aseq);
            }
            store_rows_free(rows);
        }
    }
    return 0;
}
