#include "tap.h"

#include "base/err.h"
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

void tap_check(int ok, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int tap_done(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

/* Replaces the database name in a postgresql:// URL. */
static int url_with_db(char *out, size_t cap, const char *url, const char *db)
{
    const char *host = strstr(url, "://");
    if (!host) return -1;
    const char *slash = strchr(host + 3, '/');
    const char *query = strchr(host + 3, '?');
    if (slash && query && slash > query) slash = NULL;
    size_t head = slash ? (size_t)(slash - url) : query ? (size_t)(query - url) : strlen(url);
    const char *tail = query ? query : "";
    int n = snprintf(out, cap, "%.*s/%s%s", (int)head, url, db, tail);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Runs one statement on the KEITSU_TEST_PG database itself. */
static int admin_run(const char *sql)
{
    struct store *admin = NULL;
    int rc = store_open(getenv("KEITSU_TEST_PG"), 1, &admin);
    CHECK(rc == 0, "pg: connect to KEITSU_TEST_PG: %s", kt_errmsg());
    if (rc) return rc;
    struct store_conn *c;
    store_get(admin, &c);
    long n = store_exec(c, sql, 0, NULL, NULL);
    CHECK(n >= 0, "pg: %s: %s", sql, kt_errmsg());
    store_put(admin, c);
    store_close(admin);
    return n < 0 ? (int)n : 0;
}

int tap_pg_create(const char *tag, char *url, size_t cap)
{
    const char *pg = getenv("KEITSU_TEST_PG");
    if (!pg || !*pg) return -1;
    static int made;
    char db[64], sql[200];
    snprintf(db, sizeof db, "kt_%s_%ld_%ld_%d", tag, (long)getpid(), (long)time(NULL), made++);
    if (url_with_db(url, cap, pg, db)) {
        CHECK(0, "KEITSU_TEST_PG is not a postgresql:// URL");
        return -1;
    }
    snprintf(sql, sizeof sql,
             "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
             db);
    return admin_run(sql) ? -1 : 0;
}

void tap_pg_drop(const char *url)
{
    const char *db = strrchr(url, '/');
    char sql[200];
    size_t len = db ? strcspn(db + 1, "?") : 0;
    if (!len) return;
    snprintf(sql, sizeof sql, "DROP DATABASE %.*s WITH (FORCE)", (int)len, db + 1);
    admin_run(sql);
}
