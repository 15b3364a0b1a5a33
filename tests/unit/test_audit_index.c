/* Look-ups over the audit trail (audit_find / audit_index.h) on SQLite and, when
 * KEITSU_TEST_PG is set, PostgreSQL: by record and by actor, newest first, complete right after
 * a commit; on SQLite the side file is rebuilt when missing, damaged or another trail's, two
 * indexers on one side file agree, and migration 7 moves old audit_refs rows into the trail. */
#include "auth/audit.h"
#include "auth/audit_index.h"
#include "base/err.h"
#include "store/store.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct auth_user alice = {.id = 1, .name = "alice", .role = "officer", .agency = "A"};
static const struct auth_user bob = {.id = 2, .name = "bob", .role = "officer", .agency = "A"};

static void log_one(struct audit *au, const struct auth_user *u, const char *const *refs,
                    size_t nrefs)
{
    struct audit_entry e = {
        .action = "query.person", .reason = "R8-1", .refs = refs, .nrefs = nrefs};
    CHECK(audit_log(au, u, &e, NULL) == 0, "append: %s", kt_errmsg());
}

static long count(struct audit *au, const char *record, const char *actor, long limit,
                  int64_t *first)
{
    struct store_rows *r = NULL;
    long n = -1;
    int rc = audit_find(au, record, actor, limit, &r, &n);
    CHECK(rc == 0, "find %s: %s", record ? record : actor, rc ? kt_errmsg() : "");
    int desc = 1;
    for (long i = 1; i < n; i++)
        desc &= strtoll(store_rows_get(r, (size_t)i - 1, 0), NULL, 10) >
                strtoll(store_rows_get(r, (size_t)i, 0), NULL, 10);
    CHECK(desc, "%s: newest first", record ? record : actor);
    if (first) *first = n > 0 ? strtoll(store_rows_get(r, 0, 0), NULL, 10) : 0;
    store_rows_free(r);
    return n;
}

/* 50 entries by alice about P-1 (every other one also P-2), 10 by bob about V-1, one in a
 * write transaction about P-3. */
static void fill(struct store *st, struct audit *au)
{
    for (int i = 0; i < 50; i++) {
        const char *refs[] = {"P-1", "P-2"};
        log_one(au, &alice, refs, i % 2 ? 2 : 1);
    }
    for (int i = 0; i < 10; i++) {
        const char *refs[] = {"V-1"};
        log_one(au, &bob, refs, 1);
    }
    struct store_conn *c;
    store_get(st, &c);
    const char *refs[] = {"P-3"};
    struct audit_entry e = {.action = "record.register", .refs = refs, .nrefs = 1};
    CHECK(audit_tx_begin(au, c) == 0, "tx begin");
    CHECK(audit_append(au, c, &alice, &e, NULL) == 0, "append in tx");
    CHECK(audit_tx_commit(au, c) == 0, "commit");
    store_put(st, c);
}

static void check_found(struct audit *au, const char *what)
{
    int64_t first = 0;
    CHECK(count(au, "P-1", NULL, 500, &first) == 50 && first == 50, "%s: P-1 50 entries", what);
    CHECK(count(au, "P-2", NULL, 500, NULL) == 25, "%s: P-2 25 entries", what);
    CHECK(count(au, "P-3", NULL, 500, &first) == 1 && first == 61, "%s: P-3 the tx entry", what);
    CHECK(count(au, NULL, "bob", 500, &first) == 10 && first == 60, "%s: bob 10", what);
    CHECK(count(au, NULL, "alice", 500, NULL) == 51, "%s: alice 51", what);
    CHECK(count(au, NULL, "bob", 3, &first) == 3 && first == 60, "%s: limit 3, newest", what);
    CHECK(count(au, "P-404", NULL, 500, NULL) == 0, "%s: unknown record none", what);
}

static void common(struct store *st, struct audit *au, const char *what)
{
    fill(st, au);
    check_found(au, what);
    /* Committed just now: found at once, without waiting for the indexer. */
    const char *refs[] = {"P-9"};
    for (int i = 0; i < 5; i++) {
        log_one(au, &bob, refs, 1);
        CHECK(count(au, "P-9", NULL, 500, NULL) == i + 1, "%s: fresh entry %d found", what, i);
    }
    struct store_rows *r = NULL;
    long n;
    CHECK(audit_find(au, "P-1", "bob", 10, &r, &n) == KT_EINVAL, "%s: record and actor refused",
          what);
    CHECK(audit_find(au, NULL, NULL, 10, &r, &n) == KT_EINVAL, "%s: neither refused", what);
    CHECK(audit_find(au, "P-1", NULL, 0, &r, &n) == KT_EINVAL, "%s: limit 0 refused", what);
    /* An id that would not split back is refused, and nothing is written. */
    const char *bad[] = {"P 1"};
    struct audit_entry e = {.action = "query.person", .refs = bad, .nrefs = 1};
    int64_t seq = 0;
    CHECK(audit_log(au, &alice, &e, &seq) != 0, "%s: id with a space refused", what);
    const char *twice[] = {"P-1", "P-1"};
    struct audit_entry e2 = {.action = "query.person", .refs = twice, .nrefs = 2};
    CHECK(audit_log(au, &alice, &e2, &seq) != 0, "%s: an id given twice refused", what);
    CHECK(count(au, NULL, "alice", 500, NULL) == 51, "%s: nothing written", what);
}

static struct audit *reopen(struct store *st)
{
    struct audit *au = NULL;
    CHECK(audit_open(st, NULL, &au) == 0, "audit open: %s", kt_errmsg());
    return au;
}

static void sqlite_side_file(void)
{
    char dir[] = "/tmp/kt-auditidx-XXXXXX";
    if (!mkdtemp(dir)) abort();
    char db[128], side[160], other[128];
    snprintf(db, sizeof db, "%s/keitsu.db", dir);
    snprintf(side, sizeof side, "%s/keitsu.db-auditidx", dir);
    snprintf(other, sizeof other, "%s/other.db", dir);
    struct store *st;
    CHECK(store_open(db, 4, &st) == 0 && store_migrate(st) == 0, "sqlite store");
    struct audit *au = reopen(st);
    common(st, au, "sqlite");
    CHECK(access(side, F_OK) == 0, "side file made next to the database");

    /* A second indexer on the same side file (another process) agrees and does not clash. */
    struct audit_index *ix2;
    int64_t s1 = 0, s2 = 0;
    CHECK(audit_index_open(st, &ix2) == 0 && audit_index_sync(ix2, &s2) == 0 && s2 == 66,
          "second indexer caught up to 66 (%lld)", (long long)s2);
    const char *refs[] = {"P-1"};
    log_one(au, &alice, refs, 1);
    CHECK(audit_index_sync(ix2, &s1) == 0 && s1 == 67, "second indexer indexed 67");
    CHECK(count(au, "P-1", NULL, 500, NULL) == 51, "first sees what the second indexed");
    audit_index_close(ix2);

    /* A process whose only connection is busy for long (`keitsu audit verify` scanning the
     * trail) must not hold the side file's lock while it waits: look-ups elsewhere go on. */
    struct store *busy;
    struct audit *au_busy = NULL;
    CHECK(store_open(db, 1, &busy) == 0, "pool-of-one store");
    au_busy = reopen(busy);
    struct store_conn *held;
    store_get(busy, &held);
    for (int i = 0; i < 20; i++)
        log_one(au, &alice, refs, 1);
    usleep(600 * 1000); /* the busy process's indexer has woken and is waiting for `held` */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(count(au, "P-1", NULL, 500, NULL) == 71, "look-up while another process waits");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(secs < 5, "... without waiting for it (%.2f s)", secs);
    store_put(busy, held);
    audit_close(au_busy);
    store_close(busy);
    audit_close(au);

    /* Missing: rebuilt from the trail. */
    unlink(side);
    au = reopen(st);
    CHECK(count(au, "P-1", NULL, 500, NULL) == 71, "rebuilt after removal");
    audit_close(au);

    /* Damaged: thrown away and rebuilt. */
    FILE *f = fopen(side, "w");
    fputs("this is not an SQLite database, it is a lunch order", f);
    fclose(f);
    au = reopen(st);
    CHECK(au && count(au, "P-1", NULL, 500, NULL) == 71, "rebuilt after damage");
    audit_close(au);

    /* Another trail's side file (a restore from elsewhere): its last entry's hash does not
     * match, so it is emptied and rebuilt, not trusted. */
    struct store *st2;
    CHECK(store_open(other, 2, &st2) == 0 && store_migrate(st2) == 0, "other store");
    struct audit *au2 = reopen(st2);
    for (int i = 0; i < 80; i++) {
        const char *r2[] = {"P-1"};
        log_one(au2, &bob, r2, 1);
    }
    int64_t dummy;
    CHECK(count(au2, "P-1", NULL, 500, &dummy) == 80, "other trail indexed");
    audit_close(au2);
    store_close(st2);
    store_close(st);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp %s/other.db-auditidx %s && rm -f %s-wal %s-shm", dir, side, side,
             side);
    CHECK(system(cmd) == 0, "side file swapped");
    CHECK(store_open(db, 4, &st) == 0, "reopen store");
    au = reopen(st);
    CHECK(count(au, "P-1", NULL, 500, NULL) == 71, "another trail's side file rebuilt");
    CHECK(count(au, NULL, "bob", 500, NULL) == 15, "bob's own entries only");
    audit_close(au);
    store_close(st);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "cleanup");
}

/* A trail written before migration 7 (audit_refs rows, audit_actor index): migrating moves the
 * ids into audit.refs and the look-ups find them. */
static void sqlite_migration7(void)
{
    char dir[] = "/tmp/kt-auditmig-XXXXXX";
    if (!mkdtemp(dir)) abort();
    char db[128];
    snprintf(db, sizeof db, "%s/keitsu.db", dir);
    struct store *st;
    CHECK(store_open(db, 2, &st) == 0, "open");
    struct store_conn *c;
    store_get(st, &c);
    CHECK(store_exec_script(
              c,
              "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT"
              " NULL);"
              "INSERT INTO schema_migrations VALUES (1,'x'),(2,'x'),(3,'x'),(4,'x'),(5,'x'),"
              "(6,'x');"
              "CREATE TABLE audit (seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, actor TEXT NOT NULL,"
              " role TEXT NOT NULL, agency TEXT NOT NULL, action TEXT NOT NULL, target TEXT,"
              " reason TEXT, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
              "CREATE INDEX audit_actor ON audit(actor, ts);"
              "CREATE TABLE audit_refs (record_id TEXT NOT NULL, seq BIGINT NOT NULL,"
              " PRIMARY KEY (record_id, seq)) WITHOUT ROWID;"
              "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
              " BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;"
              "INSERT INTO audit VALUES (1,'t','alice','officer','A','query.person',NULL,'r','{}',"
              "'p','h1'),(2,'t','bob','officer','A','query.person',NULL,'r','{}','h1','h2'),"
              "(3,'t','bob','officer','A','login',NULL,NULL,'{}','h2','h3');"
              "INSERT INTO audit_refs VALUES ('P-1',1),('P-2',1),('P-1',2);") == 0,
          "v6 trail by hand: %s", kt_errmsg());
    store_put(st, c);
    CHECK(store_migrate(st) == 0, "migrate 7 and on: %s", kt_errmsg());
    store_get(st, &c);
    struct store_rows *r = NULL;
    CHECK(store_exec(c, "SELECT seq, refs FROM audit ORDER BY seq", 0, NULL, &r) == 3 &&
              (strcmp(store_rows_get(r, 0, 1), "P-1 P-2") == 0 ||
               strcmp(store_rows_get(r, 0, 1), "P-2 P-1") == 0) &&
              strcmp(store_rows_get(r, 1, 1), "P-1") == 0 && !store_rows_get(r, 2, 1),
          "refs moved into the trail");
    store_rows_free(r);
    CHECK(store_exec(c, "SELECT 1 FROM audit_refs", 0, NULL, NULL) < 0, "audit_refs gone");
    CHECK(store_exec_script(c, "UPDATE audit SET reason = 'x' WHERE seq = 1") != 0,
          "append-only trigger back");
    store_put(st, c);
    struct audit *au = reopen(st);
    CHECK(count(au, "P-1", NULL, 500, NULL) == 2 && count(au, "P-2", NULL, 500, NULL) == 1 &&
              count(au, NULL, "bob", 500, NULL) == 2,
          "migrated trail found");
    audit_close(au);
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "cleanup");
}

static void postgres(void)
{
    char url[512];
    if (tap_pg_create("auditidx", url, sizeof url) != 0) return;
    struct store *st;
    CHECK(store_open(url, 4, &st) == 0 && store_migrate(st) == 0, "pg store");
    struct audit *au = reopen(st);
    common(st, au, "postgresql");
    audit_close(au);
    store_close(st);
    tap_pg_drop(url);
}

int main(void)
{
    sqlite_side_file();
    sqlite_migration7();
    postgres();
    return tap_done();
}
