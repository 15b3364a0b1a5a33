/* The store interface, run case by case against SQLite (a temporary file) and, when
 * KEITSU_TEST_PG holds a URL such as postgresql://keitsu:keitsu@127.0.0.1/keitsu, against a
 * PostgreSQL database created for this run and dropped at its end. */
#include "base/err.h"
#include "base/log.h"
#include "store/store.h"
#include "tap.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POOL 4

static const char schema[] = "CREATE TABLE person (id @ID@, name TEXT NOT NULL UNIQUE, note TEXT,"
                             " photo @BLOB@);"
                             "CREATE TABLE visit (id @ID@, person_id BIGINT NOT NULL"
                             " REFERENCES person(id), at TEXT);";

/* Runs one statement on a pooled connection. */
static long run(struct store *st, const char *sql, int n, const char *const *params,
                struct store_rows **rows)
{
    struct store_conn *c;
    if (store_get(st, &c)) return KT_EINTERNAL;
    long rc = store_exec(c, sql, n, params, rows);
    store_put(st, c);
    return rc;
}

/* Number of person rows named `name`, or -1. */
static long count_named(struct store *st, const char *name)
{
    struct store_rows *r;
    const char *p[] = {name};
    if (run(st, "SELECT COUNT(*) FROM person WHERE name = ?", 1, p, &r) != 1) return -1;
    long n = strtol(store_rows_get(r, 0, 0), NULL, 10);
    store_rows_free(r);
    return n;
}

static long insert_person(struct store *st, const char *name, const char *note)
{
    struct store_rows *r = NULL;
    const char *p[] = {name, note};
    long rc = run(st, "INSERT INTO person (name, note) VALUES (?, ?) RETURNING id", 2, p, &r);
    long id = rc == 1 && store_rows_get(r, 0, 0) ? strtol(store_rows_get(r, 0, 0), NULL, 10) : rc;
    store_rows_free(r);
    return id;
}

static void t_schema(struct store *st, enum store_kind kind)
{
    char *sql = store_expand_sql(kind, schema);
    CHECK(sql && !strstr(sql, "@ID@") && !strstr(sql, "@BLOB@"), "tokens expanded");
    CHECK(sql && strstr(sql, kind == STORE_SQLITE ? "AUTOINCREMENT" : "IDENTITY"),
          "@ID@ fits the backend");
    struct store_conn *c;
    store_get(st, &c);
    int rc = store_exec_script(c, sql);
    CHECK(rc == 0, "schema script: %d %s", rc, kt_errmsg());
    CHECK(store_exec_script(c, "SELECT 1; SELECT 2;") == 0, "script with several statements");
    CHECK(store_exec_script(c, "SELECT nope FROM nowhere;") == KT_ESTORE, "bad script fails");
    store_put(st, c);
    free(sql);
}

static void t_insert_returning(struct store *st, enum store_kind kind)
{
    (void)kind;
    long a = insert_person(st, "alpha", "first");
    long b = insert_person(st, "bravo", "second");
    CHECK(a > 0, "RETURNING id gives an id: %ld %s", a, kt_errmsg());
    CHECK(b > a, "ids increase: %ld then %ld", a, b);
    const char *p[] = {"charlie"};
    long n = run(st, "INSERT INTO person (name) VALUES (?) RETURNING id", 1, p, NULL);
    CHECK(n == 1, "RETURNING without rows counts the row: %ld", n);
    const char *q[] = {"changed", "alpha"};
    n = run(st, "UPDATE person SET note = ? WHERE name = ?", 2, q, NULL);
    CHECK(n == 1, "UPDATE counts changed rows: %ld", n);
    struct store_rows *r = NULL;
    n = run(st, "UPDATE person SET note = note WHERE name LIKE 'nobody%'", 0, NULL, &r);
    CHECK(n == 0 && r && store_rows_count(r) == 0, "no rows changed, empty non-NULL rows");
    store_rows_free(r);
}

static void t_nulls(struct store *st, enum store_kind kind)
{
    (void)kind;
    CHECK(insert_person(st, "delta", NULL) > 0, "insert with a NULL parameter");
    struct store_rows *r = NULL;
    const char *p[] = {"delta", "alpha"};
    long n = run(st, "SELECT name, note, photo FROM person WHERE name IN (?, ?) ORDER BY name", 2,
                 p, &r);
    CHECK(n == 2 && store_rows_count(r) == 2, "two rows: %ld %s", n, kt_errmsg());
    CHECK(store_rows_columns(r) == 3, "three columns");
    CHECK(r && strcmp(store_rows_get(r, 0, 0), "alpha") == 0, "ordered");
    CHECK(r && strcmp(store_rows_get(r, 0, 1), "changed") == 0, "text value");
    CHECK(r && store_rows_get(r, 1, 1) == NULL, "SQL NULL is a NULL pointer");
    CHECK(r && store_rows_get(r, 1, 2) == NULL && store_rows_get(r, 0, 2) == NULL, "NULL blob");
    CHECK(store_rows_get(r, 2, 0) == NULL && store_rows_get(r, 0, 3) == NULL, "out of range");
    store_rows_free(r);
    n = run(st, "SELECT name FROM person WHERE 1 = 0", 0, NULL, &r);
    CHECK(n == 0 && r && store_rows_count(r) == 0, "empty result is not NULL");
    store_rows_free(r);
}

static void t_conflicts(struct store *st, enum store_kind kind)
{
    (void)kind;
    const char *secret = "s3cr3t-秘密";
    CHECK(insert_person(st, secret, NULL) > 0, "first insert");
    long rc = insert_person(st, secret, NULL);
    CHECK(rc == KT_ECONFLICT, "unique violation is a conflict: %ld %s", rc, kt_errmsg());
    CHECK(!strstr(kt_errmsg(), secret), "message keeps the value out: %s", kt_errmsg());
    CHECK(strncmp(kt_errmsg(), "store: ", 7) == 0, "message names the store: %s", kt_errmsg());
    const char *p[] = {"999999", "2026-01-01"};
    rc = run(st, "INSERT INTO visit (person_id, at) VALUES (?, ?)", 2, p, NULL);
    CHECK(rc == KT_ECONFLICT, "foreign-key violation is a conflict: %ld %s", rc, kt_errmsg());
    rc = run(st, "SELECT * FROM no_such_table", 0, NULL, NULL);
    CHECK(rc == KT_ESTORE, "other failures are store errors: %ld", rc);
    const char *q[] = {"a"};
    rc = run(st, "SELECT ?, ?", 1, q, NULL);
    CHECK(rc < 0, "parameter count mismatch is refused: %ld", rc);
}

static void t_transactions(struct store *st, enum store_kind kind)
{
    (void)kind;
    struct store_conn *c;
    store_get(st, &c);
    const char *p[] = {"echo", NULL};
    CHECK(store_begin(c) == 0, "begin");
    CHECK(store_lock_chain(c) == 0, "chain lock inside a transaction: %s", kt_errmsg());
    CHECK(store_exec(c, "INSERT INTO person (name, note) VALUES (?, ?)", 2, p, NULL) == 1, "ins");
    CHECK(store_rollback(c) == 0, "rollback");
    CHECK(count_named(st, "echo") == 0, "rollback leaves nothing");

    CHECK(store_begin(c) == 0, "begin again");
    CHECK(store_exec(c, "INSERT INTO person (name, note) VALUES (?, ?)", 2, p, NULL) == 1, "ins");
    CHECK(store_exec(c, "INSERT INTO person (name, note) VALUES (?, ?)", 2, p, NULL) ==
              KT_ECONFLICT,
          "duplicate inside the transaction");
    CHECK(store_rollback(c) == 0, "rollback after a failed statement");
    CHECK(count_named(st, "echo") == 0, "failed transaction leaves nothing");

    CHECK(store_begin(c) == 0, "begin a third time");
    CHECK(store_exec(c, "INSERT INTO person (name, note) VALUES (?, ?)", 2, p, NULL) == 1, "ins");
    CHECK(store_commit(c) == 0, "commit: %s", kt_errmsg());
    CHECK(count_named(st, "echo") == 1, "commit persists");

    CHECK(store_begin(c) == 0, "begin, then hand back unfinished");
    const char *q[] = {"foxtrot", NULL};
    store_exec(c, "INSERT INTO person (name, note) VALUES (?, ?)", 2, q, NULL);
    store_put(st, c); /* the pool rolls back a forgotten transaction */
    CHECK(count_named(st, "foxtrot") == 0, "store_put rolls back an open transaction");
}

struct worker {
    struct store *st;
    int id, ok, failed;
};

enum { THREADS = 8, PER_THREAD = 40 };

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char name[64];
        snprintf(name, sizeof name, "worker-%d-%d", w->id, i);
        struct store_conn *c;
        store_get(w->st, &c);
        const char *p[] = {name, "線"};
        int use_tx = i % 3 == 0;
        long rc = use_tx ? store_begin(c) : 0;
        if (rc == 0)
            rc = store_exec(c, "INSERT INTO person (name, note) VALUES (?, ?)", 2, p, NULL);
        if (use_tx) rc = rc == 1 && store_commit(c) == 0 ? 1 : (store_rollback(c), -1);
        store_put(w->st, c);
        if (rc == 1)
            w->ok++;
        else
            w->failed++;
    }
    return NULL;
}

static void t_threads(struct store *st, enum store_kind kind)
{
    (void)kind;
    pthread_t th[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.st = st, .id = i};
        CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0, "thread %d", i);
    }
    int ok = 0, failed = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
        failed += w[i].failed;
    }
    CHECK(ok == THREADS * PER_THREAD && failed == 0, "concurrent inserts: %d ok, %d failed", ok,
          failed);
    struct store_rows *r;
    long n = run(st, "SELECT COUNT(*) FROM person WHERE name LIKE 'worker-%'", 0, NULL, &r);
    CHECK(n == 1 && strtol(store_rows_get(r, 0, 0), NULL, 10) == THREADS * PER_THREAD,
          "every insert arrived");
    store_rows_free(r);
}

static void t_text(struct store *st, enum store_kind kind)
{
    (void)kind;
    static const char *const values[] = {
        "日本語の氏名　山田太郎",
        "ｶﾀｶﾅ and emoji 🚓",
        "x'); DROP TABLE person; --",
        "a \"quoted\" back\\slash ; semicolon",
        "?",
        "$1 and $$ and @ID@",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "text-%zu", i);
        CHECK(insert_person(st, name, values[i]) > 0, "insert %s: %s", name, kt_errmsg());
        struct store_rows *r = NULL;
        const char *p[] = {name};
        long n = run(st, "SELECT note FROM person WHERE name = ?", 1, p, &r);
        CHECK(n == 1 && strcmp(store_rows_get(r, 0, 0), values[i]) == 0, "round trip of %s",
              values[i]);
        store_rows_free(r);
    }
    struct store_rows *r = NULL;
    const char *p[] = {"日本語"};
    long n = run(st, "SELECT LENGTH(?)", 1, p, &r);
    CHECK(n == 1 && strcmp(store_rows_get(r, 0, 0), "3") == 0, "length counts characters");
    store_rows_free(r);
    CHECK(count_named(st, "alpha") == 1, "the table survived the injection attempt");
}

/* `?` inside literals, identifiers and comments is not a parameter. */
static void t_placeholders(struct store *st, enum store_kind kind)
{
    static const struct {
        int pg_only;
        const char *sql, *want0, *want1;
    } cases[] = {
        {0, "SELECT '?', ?", "?", "p"},
        {0, "SELECT 'it''s ?', ?", "it's ?", "p"},
        {0, "SELECT ? AS \"q?\", 'x' -- is this ?\n", "p", "x"},
        {0, "SELECT /* ? */ ?, 'y'", "p", "y"},
        {1, "SELECT E'\\'?', ?", "'?", "p"},
        {1, "SELECT $$a?b$$, ?", "a?b", "p"},
        {1, "SELECT $t$ ? $t$, ?", " ? ", "p"},
        {1, "SELECT /* nested /* ? */ ? */ ?, 'z'", "p", "z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].pg_only && kind != STORE_POSTGRES) continue;
        struct store_rows *r = NULL;
        const char *p[] = {"p"};
        long n = run(st, cases[i].sql, 1, p, &r);
        CHECK(n == 1 && store_rows_columns(r) == 2, "%s: %ld %s", cases[i].sql, n, kt_errmsg());
        if (n != 1) continue;
        CHECK(strcmp(store_rows_get(r, 0, 0), cases[i].want0) == 0 &&
                  strcmp(store_rows_get(r, 0, 1), cases[i].want1) == 0,
              "%s gives %s, %s", cases[i].sql, store_rows_get(r, 0, 0), store_rows_get(r, 0, 1));
        store_rows_free(r);
    }
}

/* PostgreSQL only: values in data errors stay out of messages; broken connections recover. */
static void t_pg_recovery(struct store *st, enum store_kind kind)
{
    if (kind != STORE_POSTGRES) return;
    const char *secret[] = {"hunter2-password"};
    long rc = run(st, "SELECT CAST(? AS INTEGER)", 1, secret, NULL);
    CHECK(rc == KT_ESTORE && !strstr(kt_errmsg(), "hunter2"), "data error without the value: %s",
          kt_errmsg());

    struct store_conn *a, *b;
    store_get(st, &a);
    store_get(st, &b);
    struct store_rows *r = NULL;
    CHECK(store_exec(a, "SELECT pg_backend_pid()", 0, NULL, &r) == 1, "backend pid");
    const char *pid[] = {r ? store_rows_get(r, 0, 0) : "0"};
    CHECK(store_begin(a) == 0, "begin on the doomed connection");
    const char *p[] = {"golf", NULL};
    CHECK(store_exec(a, "INSERT INTO person (name, note) VALUES (?, ?)", 2, p, NULL) == 1, "ins");
    CHECK(store_exec(b, "SELECT pg_terminate_backend(CAST(? AS INTEGER))", 1, pid, NULL) == 1,
          "terminate: %s", kt_errmsg());
    store_rows_free(r);
    usleep(100 * 1000);
    CHECK(store_exec(a, "INSERT INTO person (name, note) VALUES (?, ?)", 2, p, NULL) < 0,
          "statement on the killed connection fails");
    CHECK(store_exec(a, "SELECT 1", 0, NULL, NULL) == KT_ESTORE,
          "reconnected, but the lost transaction is not silently replaced: %s", kt_errmsg());
    CHECK(store_commit(a) < 0, "commit of the lost transaction fails");
    CHECK(count_named(st, "golf") == 0, "nothing of the lost transaction persists");
    CHECK(store_exec(a, "SELECT 1", 0, NULL, NULL) == 1, "connection usable again: %s",
          kt_errmsg());
    r = NULL;
    CHECK(store_exec(a, "SELECT current_setting('TimeZone')", 0, NULL, &r) == 1 &&
              strcmp(store_rows_get(r, 0, 0), "UTC") == 0,
          "session settings restored after reconnect");
    store_rows_free(r);
    store_put(st, b);
    store_put(st, a);
}

static void t_exec_tx(struct store *st, enum store_kind kind)
{
    (void)kind;
    struct store_conn *c;
    store_get(st, &c);
    const char *a[] = {"hotel", "one"}, *b[] = {"india", NULL}, *dup[] = {"hotel", "two"};
    struct store_stmt ok[] = {{"INSERT INTO person (name, note) VALUES (?, ?)", 2, a},
                              {"INSERT INTO person (name, note) VALUES (?, ?)", 2, b}};
    CHECK(store_exec_tx(c, ok, 2) == 0, "two statements committed together: %s", kt_errmsg());
    CHECK(count_named(st, "hotel") == 1 && count_named(st, "india") == 1, "both written");
    const char *j[] = {"juliett", NULL};
    struct store_stmt bad[] = {{"INSERT INTO person (name, note) VALUES (?, ?)", 2, j},
                               {"INSERT INTO person (name, note) VALUES (?, ?)", 2, dup},
                               {"UPDATE person SET note = 'x' WHERE name = 'india'", 0, NULL}};
    int rc = store_exec_tx(c, bad, 3);
    CHECK(rc == KT_ECONFLICT, "a duplicate in the middle fails the whole: %d %s", rc, kt_errmsg());
    CHECK(count_named(st, "juliett") == 0, "nothing before the failure is written");
    struct store_rows *r = NULL;
    CHECK(store_exec(c, "SELECT note FROM person WHERE name = 'india'", 0, NULL, &r) == 1 &&
              store_rows_get(r, 0, 0) == NULL,
          "nothing after the failure is written, and the connection is usable");
    store_rows_free(r);
    CHECK(store_begin(c) == 0, "the connection is outside any transaction: %s", kt_errmsg());
    CHECK(store_exec_tx(c, ok, 1) == KT_EINTERNAL, "refused inside the caller's transaction");
    CHECK(store_rollback(c) == 0, "rollback");
    store_put(st, c);
}

/* Values that COPY's text format must escape, and ones it must leave alone. */
static const char *const awkward[] = {"tab\there",    "new\nline", "back\\slash", "cr\rlf",
                                      "\\N",          "\\.",       "名前 ナマエ", "",
                                      "trailing\\\\", "a\t\\t\\n"};
#define NAWKWARD (sizeof awkward / sizeof awkward[0])

static void t_insert_rows(struct store *st, enum store_kind kind)
{
    (void)kind;
    enum { ROWS = 600 }; /* several multi-row INSERTs on SQLite */
    static char names[ROWS][24];
    static const char *cells[ROWS * 2];
    for (size_t i = 0; i < ROWS; i++) {
        snprintf(names[i], sizeof names[i], "bulk-%04zu", i);
        cells[2 * i] = names[i];
        cells[2 * i + 1] = i % 7 == 3 ? NULL : awkward[i % NAWKWARD];
    }
    static const char *const cols[] = {"name", "note"};
    struct store_conn *c;
    store_get(st, &c);
    CHECK(store_begin(c) == 0, "begin");
    int rc = store_insert_rows(c, "person", cols, 2, ROWS, cells);
    CHECK(rc == 0, "rows appended: %s", kt_errmsg());
    CHECK(store_commit(c) == 0, "commit");
    struct store_rows *r = NULL;
    long n = store_exec(c, "SELECT name, note FROM person WHERE name LIKE 'bulk-%' ORDER BY name",
                        0, NULL, &r);
    CHECK(n == ROWS, "all rows there: %ld", n);
    size_t same = 0;
    for (size_t i = 0; n == ROWS && i < ROWS; i++) {
        const char *v = store_rows_get(r, i, 1), *want = cells[2 * i + 1];
        same += strcmp(store_rows_get(r, i, 0), names[i]) == 0 &&
                (want ? v && strcmp(v, want) == 0 : v == NULL);
    }
    CHECK(same == ROWS,
          "every value comes back as written (tabs, newlines, backslashes, \\N, "
          "UTF-8, NULL): %zu of %d",
          same, ROWS);
    store_rows_free(r);

    const char *dup[] = {"kilo", NULL, "bulk-0001", "x"};
    CHECK(store_begin(c) == 0, "begin");
    rc = store_insert_rows(c, "person", cols, 2, 2, dup);
    CHECK(rc == KT_ECONFLICT, "a duplicate key is a conflict: %d %s", rc, kt_errmsg());
    CHECK(store_rollback(c) == 0, "rollback");
    CHECK(count_named(st, "kilo") == 0, "nothing of the failed rows is written");
    store_put(st, c);
}

static void t_bulk(struct store *st, enum store_kind kind)
{
    static const char *const tables[] = {"person", "visit", NULL};
    static const char *const cols[] = {"name", "note"};
    const char *rows[] = {"lima", "1", "mike", "2"};
    struct store_conn *c;
    store_get(st, &c);
    struct store_bulk *b = NULL;
    CHECK(store_begin(c) == 0, "begin");
    int rc = store_bulk_begin(c, tables, &b);
    CHECK(rc == 0 && b, "bulk begin: %s", kt_errmsg());
    struct store_rows *r = NULL;
    if (kind == STORE_POSTGRES) {
        long n = store_exec(c,
                            "SELECT COUNT(*) FROM pg_indexes WHERE tablename IN"
                            " ('person', 'visit')",
                            0, NULL, &r);
        CHECK(n == 1 && strcmp(store_rows_get(r, 0, 0), "0") == 0,
              "postgresql: indexes dropped for the load");
        store_rows_free(r);
    }
    CHECK(store_insert_rows(c, "person", cols, 2, 2, rows) == 0, "load: %s", kt_errmsg());
    CHECK(store_bulk_end(c, b) == 0, "bulk end: %s", kt_errmsg());
    CHECK(store_commit(c) == 0, "commit");
    CHECK(count_named(st, "lima") == 1 && count_named(st, "mike") == 1, "rows loaded");
    CHECK(insert_person(st, "lima", NULL) == KT_ECONFLICT, "unique constraint back");
    const char *p[] = {"999999", "2026-01-01"};
    CHECK(run(st, "INSERT INTO visit (person_id, at) VALUES (?, ?)", 2, p, NULL) == KT_ECONFLICT,
          "foreign key back");

    /* a duplicate loaded while the constraint is down fails at the rebuild: all rolled back */
    const char *dup[] = {"november", NULL, "lima", "again"};
    CHECK(store_begin(c) == 0, "begin");
    CHECK(store_bulk_begin(c, tables, &b) == 0, "bulk begin");
    rc = store_insert_rows(c, "person", cols, 2, 2, dup);
    if (!rc)
        rc = store_bulk_end(c, b);
    else
        store_bulk_free(b);
    CHECK(rc < 0, "duplicate key refused (at the rebuild on PostgreSQL): %d", rc);
    CHECK(store_rollback(c) == 0, "rollback");
    CHECK(count_named(st, "november") == 0 && count_named(st, "lima") == 1,
          "nothing of the failed load is written");
    CHECK(insert_person(st, "mike", NULL) == KT_ECONFLICT, "constraint intact after rollback");
    store_put(st, c);
}

static const struct {
    const char *name;
    void (*fn)(struct store *, enum store_kind);
} cases[] = {
    {"schema", t_schema},
    {"insert_returning", t_insert_returning},
    {"nulls", t_nulls},
    {"conflicts", t_conflicts},
    {"transactions", t_transactions},
    {"threads", t_threads},
    {"text", t_text},
    {"placeholders", t_placeholders},
    {"exec_tx", t_exec_tx},
    {"insert_rows", t_insert_rows},
    {"bulk", t_bulk},
    {"pg_recovery", t_pg_recovery},
};

static void run_suite(const char *label, const char *url, enum store_kind want)
{
    struct store *st = NULL;
    int rc = store_open(url, POOL, &st);
    CHECK(rc == 0, "%s: store_open: %s", label, kt_errmsg());
    if (rc) return;
    CHECK(store_kind(st) == want, "%s: kind", label);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        printf("# %s: %s\n", label, cases[i].name);
        cases[i].fn(st, want);
    }
    store_close(st);
}

static void sqlite_suite(void)
{
    char dir[] = "/tmp/kt_store_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[128];
    snprintf(path, sizeof path, "%s/store.db", dir);
    run_suite("sqlite", path, STORE_SQLITE);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char f[160];
        snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
        unlink(f);
    }
    rmdir(dir);
}

static void pg_suite(void)
{
    char url[1024];
    if (tap_pg_create("store", url, sizeof url)) return;
    run_suite("postgresql", url, STORE_POSTGRES);
    tap_pg_drop(url);
}

int main(void)
{
    kt_log_set_level(0);
    sqlite_suite();
    const char *pg = getenv("KEITSU_TEST_PG");
    if (pg && *pg)
        pg_suite();
    else
        printf("# KEITSU_TEST_PG not set: PostgreSQL cases skipped\n");
    return tap_done();
}
