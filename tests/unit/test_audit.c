/* The audit chain: appends through both paths verify; altering, removing or inserting an
 * entry, or cutting the tail, is caught and named. */
#include "auth/audit.h"
#include "base/err.h"
#include "store/store.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct auth_user alice = {
    .id = 1, .name = "alice", .role = "officer", .agency = "警視庁"};

static void fresh(char *dir, struct store **st, struct audit **au, char *anchor)
{
    snprintf(dir, 64, "/tmp/kt-audit-XXXXXX");
    if (!mkdtemp(dir)) abort();
    char path[128];
    snprintf(path, sizeof path, "%s/a.db", dir);
    snprintf(anchor, 128, "%s/audit.anchor", dir);
    CHECK(store_open(path, 2, st) == 0, "open store");
    CHECK(store_migrate(*st) == 0, "migrate");
    CHECK(audit_open(*st, anchor, au) == 0, "open audit");
}

static void append_n(struct audit *au, int n)
{
    for (int i = 0; i < n; i++) {
        char reason[32];
        snprintf(reason, sizeof reason, "R8-%04d", i);
        const char *refs[] = {"P-00000001"};
        struct audit_entry e = {.action = "query.person",
                                .reason = reason,
                                .detail = "{\"q\":\"ヤマダ\"}",
                                .refs = refs,
                                .nrefs = 1};
        int64_t seq = 0;
        CHECK(audit_log(au, &alice, &e, &seq) == 0 && seq == i + 1, "append %d", i);
    }
}

/* Callers on many threads: every entry gets its own seq, and the chain verifies. */
#define THREADS 8
#define PER_THREAD 300
struct worker {
    struct audit *au;
    int64_t seqs[PER_THREAD];
    int failed;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        struct audit_entry e = {.action = "query.person", .reason = "R8-threads"};
        if (audit_log(w->au, &alice, &e, &w->seqs[i])) w->failed++;
    }
    return NULL;
}

static int cmp_seq(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void concurrent(struct audit *au)
{
    static struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.au = au};
        CHECK(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0, "start caller %d", i);
    }
    static int64_t all[THREADS * PER_THREAD];
    int failed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        failed += w[i].failed;
        memcpy(all + i * PER_THREAD, w[i].seqs, sizeof w[i].seqs);
    }
    CHECK(failed == 0, "%d concurrent appends failed", failed);
    qsort(all, THREADS * PER_THREAD, sizeof all[0], cmp_seq);
    int dense = 1;
    for (int i = 0; i < THREADS * PER_THREAD; i++)
        dense &= all[i] == i + 1;
    CHECK(dense, "concurrent appends got seqs 1..%d, each once", THREADS * PER_THREAD);
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

static void exec(struct store *st, const char *sql)
{
    struct store_conn *c;
    store_get(st, &c);
    CHECK(store_exec_script(c, sql) == 0, "exec %s: %s", sql, kt_errmsg());
    store_put(st, c);
}

static void expect(struct store *st, const char *anchor, int ok, int64_t bad, const char *words)
{
    struct audit_verify_result r;
    CHECK(audit_verify(st, anchor, &r) == 0, "verify runs");
    CHECK(r.ok == ok, "verdict %d expected %d (%s)", r.ok, ok, r.problem);
    if (!ok) {
        CHECK(r.bad_seq == bad, "bad seq %lld expected %lld (%s)", (long long)r.bad_seq,
              (long long)bad, r.problem);
        CHECK(strstr(r.problem, words) != NULL, "problem '%s' mentions '%s'", r.problem, words);
    }
}

int main(void)
{
    char dir[64], anchor[128];
    struct store *st;
    struct audit *au;

    /* Intact chain, both append paths. */
    fresh(dir, &st, &au, anchor);
    append_n(au, 30);
    struct store_conn *c;
    store_get(st, &c);
    CHECK(audit_tx_begin(au, c) == 0, "tx begin");
    struct audit_entry e = {.action = "record.register", .target = "P-00000002"};
    int64_t seq;
    CHECK(audit_append(au, c, &alice, &e, &seq) == 0 && seq == 31, "append in tx");
    CHECK(audit_tx_commit(au, c) == 0, "commit");
    CHECK(audit_tx_begin(au, c) == 0, "tx begin 2");
    CHECK(audit_append(au, c, &alice, &e, &seq) == 0 && seq == 32, "append rolled back");
    audit_tx_rollback(au, c);
    store_put(st, c);
    append_n(au, 0);
    audit_close(au);
    expect(st, anchor, 1, 0, "");

    /* The database itself refuses updates and deletes. */
    store_get(st, &c);
    CHECK(store_exec_script(c, "UPDATE audit SET reason = 'x' WHERE seq = 3") != 0,
          "trigger refuses UPDATE");
    CHECK(store_exec_script(c, "DELETE FROM audit WHERE seq = 3") != 0, "trigger refuses DELETE");
    store_put(st, c);

    /* An insider drops the triggers and edits. */
    exec(st, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
    exec(st, "UPDATE audit SET reason = 'nothing to see' WHERE seq = 12");
    expect(st, anchor, 0, 12, "entry 12 altered");
    store_close(st);

    fresh(dir, &st, &au, anchor);
    append_n(au, 20);
    audit_close(au);
    exec(st, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
    exec(st, "DELETE FROM audit WHERE seq = 7");
    expect(st, anchor, 0, 7, "entry 7 missing");
    store_close(st);

    /* Inserting: renumber 10.. up by one and slip a self-consistent forgery in at 10. */
    fresh(dir, &st, &au, anchor);
    append_n(au, 20);
    audit_close(au);
    exec(st, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
    exec(st, "UPDATE audit SET seq = seq + 1000 WHERE seq >= 10;"
             "UPDATE audit SET seq = seq - 999 WHERE seq >= 1000;"
             "INSERT INTO audit SELECT 10, ts, 'mallory', role, agency, action, target, reason,"
             " detail, hash, hash, refs FROM audit WHERE seq = 9");
    /* The forgery's own hash does not match its content, so it is caught as altered or
     * inserted; either way entry 10 is named. */
    struct audit_verify_result r;
    CHECK(audit_verify(st, anchor, &r) == 0 && !r.ok && r.bad_seq == 10, "forgery at 10 named: %s",
          r.problem);
    store_close(st);

    /* Many callers at once (group commit), then many single commits: checkpoints run off the
     * commit path (store_sqlite.c), and the WAL still starts afresh (here at 16,384 frames,
     * KEITSU_WAL_RESTART_FRAMES; 262,144 by default) instead of growing: without that, 80,000
     * one-entry commits (2-4 pages each) would leave over 190,000 frames. */
    setenv("KEITSU_WAL_RESTART_FRAMES", "16384", 1);
    fresh(dir, &st, &au, anchor);
    concurrent(au);
    append_n(au, 0);
    char wal[128];
    snprintf(wal, sizeof wal, "%s/a.db-wal", dir);
    long max_wal = 0;
    for (int i = 0; i < 80000; i++) {
        struct audit_entry one = {.action = "query.vehicle", .reason = "R8-wal"};
        CHECK(audit_log(au, &alice, &one, NULL) == 0, "append %d", i);
        if (i % 500 == 0 && file_size(wal) > max_wal) max_wal = file_size(wal);
    }
    if (file_size(wal) > max_wal) max_wal = file_size(wal);
    CHECK(max_wal > 0 && max_wal < 36000L * (4096 + 24) + 32, "WAL bounded: %ld bytes", max_wal);
    audit_close(au);
    expect(st, anchor, 1, 0, "");
    store_close(st);
    CHECK(file_size(wal) == 0, "the WAL is checkpointed away at close");
    setenv("KEITSU_WAL_RESTART_FRAMES", "12", 1);
    char db2[128];
    snprintf(db2, sizeof db2, "%s/b.db", dir);
    struct store *st2 = NULL;
    CHECK(store_open(db2, 1, &st2) == KT_EINVAL && strstr(kt_errmsg(), "KEITSU_WAL_RESTART"),
          "a WAL restart below 4,096 frames refused: %s", kt_errmsg());
    unsetenv("KEITSU_WAL_RESTART_FRAMES");

    /* Cutting the tail is caught by the anchor file. */
    fresh(dir, &st, &au, anchor);
    append_n(au, 15);
    audit_close(au);
    exec(st, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
    exec(st, "DELETE FROM audit WHERE seq > 11");
    expect(st, anchor, 0, 12, "missing");
    store_close(st);
    return tap_done();
}
