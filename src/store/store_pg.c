/* PostgreSQL backend: one libpq connection per pooled connection, text parameters and results.
 *
 * Portable `?` placeholders are rewritten to $1..$n outside literals, identifiers, comments and
 * dollar-quoted bodies. Statements go through PQexecParams (the unnamed statement) rather than
 * a per-connection cache of named prepared statements: a cached plan whose result columns change
 * after a migration on another pooled connection fails with "cached plan must not change result
 * type", and that failure would abort the caller's transaction, so the saving is not worth it.
 * store_exec_tx() sends a whole transaction in libpq's pipeline mode (one round trip: the
 * audit writer's batches), and store_insert_rows() streams rows with COPY FROM STDIN.
 *
 * Error messages never carry parameter values: only the primary message and the SQLSTATE are
 * reported (the DETAIL of a unique violation quotes the key), and for data exceptions (class 22,
 * e.g. `invalid input syntax for type integer: "..."`) the quoted value is cut off. */
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "store/store_internal.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PG_MAX_PARAMS 65535 /* the protocol's limit on bind parameters */

struct pg_conn {
    PGconn *pg;
    int in_tx;     /* the server had an open transaction after our last statement */
    int tx_lost;   /* the connection broke inside a transaction; only ROLLBACK/BEGIN accepted */
    int need_init; /* reconnected, session settings not yet applied */
};

static void trim_newline(char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/* libpq's own error text (connection failures) ends in newlines and may span lines. */
static int fail_conn(PGconn *pg, const char *what)
{
    char msg[384];
    snprintf(msg, sizeof msg, "%s", pg ? PQerrorMessage(pg) : "out of memory");
    trim_newline(msg, sizeof msg);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\t') *p = ' ';
    return kt_fail(KT_ESTORE, "store: %s: %s", what, msg);
}

/* Copies a data-exception message without the input it quotes: the text after the first colon
 * goes, and "quoted" segments (`value "123..." is out of range`) become "...". */
static void redact(char *dst, size_t cap, const char *msg)
{
    size_t o = 0;
    int quoted = 0;
    for (const char *p = msg; *p && *p != ':' && o + 4 < cap; p++) {
        if (*p == '"') {
            if (!quoted) {
                memcpy(dst + o, "\"...", 4);
                o += 4;
            }
            quoted = !quoted;
            if (!quoted) dst[o++] = '"';
        } else if (!quoted) {
            dst[o++] = *p;
        }
    }
    dst[o] = '\0';
}

static int fail_result(PGconn *pg, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!state || !primary) return fail_conn(pg, "postgres");
    int code = KT_ESTORE;
    if (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0 || strcmp(state, "23P01") == 0)
        code = KT_ECONFLICT;
    char msg[320];
    if (strncmp(state, "22", 2) == 0)
        redact(msg, sizeof msg, primary); /* data exceptions quote the input, maybe a secret */
    else
        snprintf(msg, sizeof msg, "%s", primary);
    return kt_fail(code, "store: %s (SQLSTATE %s)", msg, state);
}

static void notice_receiver(void *arg, const PGresult *res)
{
    (void)arg;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (!msg) return;
    if (sev && strcmp(sev, "WARNING") == 0)
        kt_log_warn("store: postgres: %s", msg);
    else
        kt_log_info("store: postgres: %s", msg);
}

/* Session settings lost on every reconnect, so applied after connect and after PQreset. */
static int session_init(PGconn *pg)
{
    if (PQsetClientEncoding(pg, "UTF8") != 0) return fail_conn(pg, "client_encoding");
    PGresult *res = PQexec(pg, "SET TIME ZONE 'UTC'");
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : fail_result(pg, res);
    PQclear(res);
    return rc;
}

static int pg_connect(const char *url, void *shared, void **out)
{
    (void)shared;
    struct pg_conn *c = calloc(1, sizeof *c);
    if (!c) return KT_ENOMEM;
    /* Defaults first so the URL can override them; expand_dbname parses the URL in place. */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const vals[] = {"10", "keitsu", url, NULL};
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        /* The message names host and user, never the password from the URL. */
        int r = fail_conn(c->pg, "cannot connect to PostgreSQL");
        PQfinish(c->pg);
        free(c);
        return r;
    }
    PQsetNoticeReceiver(c->pg, notice_receiver, NULL);
    int rc = session_init(c->pg);
    if (rc) {
        PQfinish(c->pg);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void pg_disconnect(void *impl)
{
    struct pg_conn *c = impl;
    PQfinish(c->pg);
    free(c);
}

/* Makes sure the connection is usable, reconnecting once if libpq saw it break. A transaction
 * open on the lost connection is gone with it: remember that, so its later statements fail
 * instead of silently running in autocommit on the new connection. */
static int ensure_connected(struct pg_conn *c)
{
    if (PQstatus(c->pg) != CONNECTION_OK) {
        if (c->in_tx) c->tx_lost = 1;
        c->in_tx = 0;
        PQreset(c->pg);
        if (PQstatus(c->pg) != CONNECTION_OK) return fail_conn(c->pg, "connection lost");
        kt_log_warn("store: reconnected to PostgreSQL");
        c->need_init = 1;
    }
    if (c->need_init) {
        int rc = session_init(c->pg);
        if (rc) return rc;
        c->need_init = 0;
    }
    return 0;
}

static void note_tx_state(struct pg_conn *c)
{
    PGTransactionStatusType ts = PQtransactionStatus(c->pg);
    if (ts == PQTRANS_UNKNOWN) return; /* connection broke: keep what we knew for the reset */
    c->in_tx = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
}

static int is_word(const char *sql, const char *word)
{
    while (*sql == ' ' || *sql == '\t' || *sql == '\n')
        sql++;
    size_t n = strlen(word);
    if (strncasecmp(sql, word, n) != 0) return 0;
    for (sql += n; *sql; sql++)
        if (*sql != ' ' && *sql != '\t' && *sql != '\n' && *sql != ';') return 0;
    return 1;
}

static int ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || (unsigned char)ch >= 0x80;
}

/* Length of a dollar-quote tag ("$$" or "$name$") starting at p, or 0 if p starts none.
 * "$1" is a positional parameter, not a tag: tags cannot start with a digit. */
static size_t dollar_tag(const char *p)
{
    if (p[0] != '$') return 0;
    size_t i = 1;
    if (p[i] >= '0' && p[i] <= '9') return 0;
    while (p[i] && p[i] != '$' && ident_char(p[i]))
        i++;
    return p[i] == '$' ? i + 1 : 0;
}

/* Rewrites `?` to $1..$n into a new malloc'd string; *count receives the number found. */
static char *rewrite_placeholders(const char *sql, int *count)
{
    size_t len = strlen(sql);
    size_t marks = 0;
    for (size_t i = 0; i < len; i++)
        marks += sql[i] == '?';
    /* Each '?' becomes '$' plus at most 10 digits. */
    if (marks > (SIZE_MAX - len - 1) / 11) return NULL;
    char *out = malloc(len + marks * 10 + 1);
    if (!out) return NULL;
    char *o = out;
    const char *end = out + len + marks * 10 + 1;
    int n = 0;
    const char *p = sql;
    while (*p) {
        if (*p == '\'') {
            /* E'...' strings treat backslash as an escape; standard strings do not. */
            int esc =
                p > sql && (p[-1] == 'E' || p[-1] == 'e') && (p - 1 == sql || !ident_char(p[-2]));
            *o++ = *p++;
            while (*p) {
                if (esc && *p == '\\' && p[1]) {
                    *o++ = *p++;
                } else if (*p == '\'') {
                    if (p[1] != '\'') break;
                    *o++ = *p++; /* doubled quote stays inside the literal */
                }
                *o++ = *p++;
            }
            if (*p) *o++ = *p++;
        } else if (*p == '"') {
            *o++ = *p++;
            while (*p && *p != '"')
                *o++ = *p++;
            if (*p) *o++ = *p++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (p[0] == '/' && p[1] == '*') {
            int depth = 0; /* PostgreSQL block comments nest */
            do {
                if (p[0] == '/' && p[1] == '*') {
                    depth++;
                    *o++ = *p++;
                } else if (p[0] == '*' && p[1] == '/') {
                    depth--;
                    *o++ = *p++;
                }
                *o++ = *p++;
            } while (*p && depth > 0);
        } else if (*p == '$' && (p == sql || !ident_char(p[-1])) && dollar_tag(p)) {
            size_t tl = dollar_tag(p);
            const char *close = NULL;
            for (const char *q = p + tl; *q; q++)
                if (strncmp(q, p, tl) == 0) {
                    close = q;
                    break;
                }
            size_t body = close ? (size_t)(close - p) + tl : strlen(p);
            memcpy(o, p, body);
            o += body;
            p += body;
        } else if (*p == '?') {
            n++;
            int w = snprintf(o, (size_t)(end - o), "$%d", n);
            o += w;
            p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    *count = n;
    return out;
}

static struct store_rows *rows_from(const PGresult *res)
{
    struct store_rows *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->ncols = PQnfields(res);
    int nt = PQntuples(res);
    if (r->ncols == 0) return r;
    const char **cells = calloc((size_t)r->ncols, sizeof *cells);
    size_t *lens = calloc((size_t)r->ncols, sizeof *lens);
    if (!cells || !lens) goto oom;
    for (int i = 0; i < nt; i++) {
        for (int j = 0; j < r->ncols; j++) {
            cells[j] = PQgetisnull(res, i, j) ? NULL : PQgetvalue(res, i, j);
            lens[j] = (size_t)PQgetlength(res, i, j);
        }
        if (store_rows_push(r, cells, lens)) goto oom;
    }
    free(cells);
    free(lens);
    return r;
oom:
    free(cells);
    free(lens);
    store_rows_free(r);
    return NULL;
}

static long parse_count(const char *s)
{
    if (!s || !*s) return 0;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0) return 0;
    return v;
}

static long pg_exec(void *impl, const char *sql, int n, const char *const *params,
                    struct store_rows **rows)
{
    struct pg_conn *c = impl;
    if (rows) *rows = NULL;
    if (n < 0 || n > PG_MAX_PARAMS) return kt_fail(KT_EINVAL, "store: %d parameters", n);
    if (is_word(sql, "ROLLBACK") && (c->tx_lost || !c->in_tx || PQstatus(c->pg) != CONNECTION_OK)) {
        /* No transaction on the server (or it died with the connection): nothing to roll back,
         * and sending ROLLBACK would only draw a warning or need a reconnect first. */
        c->tx_lost = 0;
        c->in_tx = 0;
        if (rows) {
            *rows = calloc(1, sizeof **rows);
            if (!*rows) return KT_ENOMEM;
        }
        return 0;
    }
    int rc = ensure_connected(c);
    if (rc) return rc;
    if (c->tx_lost) {
        /* Anything but a fresh BEGIN would run outside the transaction its caller thinks open. */
        if (!is_word(sql, "BEGIN"))
            return kt_fail(KT_ESTORE, "store: connection lost inside a transaction");
        c->tx_lost = 0;
    }
    int found = 0;
    char *text = rewrite_placeholders(sql, &found);
    if (!text) return KT_ENOMEM;
    if (found != n) {
        free(text);
        return kt_fail(KT_EINTERNAL, "store: statement wants %d parameters, got %d", found, n);
    }
    PGresult *res = PQexecParams(c->pg, text, n, NULL, params, NULL, NULL, 0);
    free(text);
    note_tx_state(c);
    long result;
    switch (PQresultStatus(res)) {
    case PGRES_TUPLES_OK:
        if (rows) {
            *rows = rows_from(res);
            result = *rows ? (long)(*rows)->nrows : KT_ENOMEM;
        } else {
            result = PQntuples(res);
        }
        break;
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
        result = parse_count(PQcmdTuples(res));
        if (rows) {
            *rows = calloc(1, sizeof **rows); /* callers may rely on a non-NULL empty result */
            if (!*rows) result = KT_ENOMEM;
        }
        break;
    default:
        result = fail_result(c->pg, res);
        break;
    }
    PQclear(res);
    return result;
}

static int pg_exec_script(void *impl, const char *sql)
{
    struct pg_conn *c = impl;
    int rc = ensure_connected(c);
    if (rc) return rc;
    if (c->tx_lost) return kt_fail(KT_ESTORE, "store: connection lost inside a transaction");
    /* PQexec runs all statements in one implicit transaction unless the script has its own. */
    PGresult *res = PQexec(c->pg, sql);
    note_tx_state(c);
    ExecStatusType st = PQresultStatus(res);
    rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY
             ? 0
             : fail_result(c->pg, res);
    PQclear(res);
    return rc;
}

static int pg_lock_chain(void *impl)
{
    long rc = pg_exec(impl, "SELECT pg_advisory_xact_lock(727379)", 0, NULL, NULL);
    return rc < 0 ? (int)rc : 0;
}

/* Reads a pipeline's results up to its sync point; the first failure's code is kept. */
static int pipeline_drain(struct pg_conn *c, size_t queries)
{
    int rc = 0;
    size_t nulls = 0;
    for (;;) {
        PGresult *res = PQgetResult(c->pg);
        if (!res) {
            /* each query's results end with a NULL; more than one per query is a broken link */
            if (PQstatus(c->pg) != CONNECTION_OK || ++nulls > queries + 1) {
                if (!rc) rc = fail_conn(c->pg, "pipeline");
                break;
            }
            continue;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY &&
            st != PGRES_PIPELINE_ABORTED && !rc)
            rc = fail_result(c->pg, res);
        PQclear(res);
    }
    return rc;
}

/* BEGIN, the statements and COMMIT go out together and their results are read after: one
 * round trip. A failed statement makes the server skip the rest up to the sync point, COMMIT
 * included; the transaction it leaves open and aborted is rolled back here. */
static int pg_exec_tx(void *impl, const struct store_stmt *stmts, size_t n)
{
    struct pg_conn *c = impl;
    int rc = ensure_connected(c);
    if (rc) return rc;
    if (c->tx_lost || c->in_tx)
        return kt_fail(KT_EINTERNAL, "store: pipelined transaction inside a transaction");
    char **texts = calloc(n ? n : 1, sizeof *texts);
    if (!texts) return KT_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        int found = 0;
        if (stmts[i].n < 0 || stmts[i].n > PG_MAX_PARAMS)
            rc = kt_fail(KT_EINVAL, "store: %d parameters", stmts[i].n);
        else if (!(texts[i] = rewrite_placeholders(stmts[i].sql, &found)))
            rc = KT_ENOMEM;
        else if (found != stmts[i].n)
            rc = kt_fail(KT_EINTERNAL, "store: statement wants %d parameters, got %d", found,
                         stmts[i].n);
    }
    if (!rc && PQenterPipelineMode(c->pg) != 1) rc = fail_conn(c->pg, "pipeline mode");
    if (!rc) {
        int sent = PQsendQueryParams(c->pg, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
        for (size_t i = 0; i < n && sent; i++)
            sent = PQsendQueryParams(c->pg, texts[i], stmts[i].n, NULL, stmts[i].params, NULL, NULL,
                                     0);
        sent = sent && PQsendQueryParams(c->pg, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
        if (!PQpipelineSync(c->pg) || !sent) rc = fail_conn(c->pg, "pipeline");
        int drc = pipeline_drain(c, n + 2);
        if (!rc) rc = drc;
        PQexitPipelineMode(c->pg);
        note_tx_state(c);
        if (c->in_tx && PQstatus(c->pg) == CONNECTION_OK) {
            PQclear(PQexec(c->pg, "ROLLBACK"));
            note_tx_state(c);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    return rc;
}

/* COPY's text format: backslash escapes for the separators and the backslash, \N for NULL. */
static size_t copy_escape(char *o, const char *v)
{
    if (!v) {
        memcpy(o, "\\N", 2);
        return 2;
    }
    size_t k = 0;
    for (; *v; v++) {
        char e = *v == '\\' ? '\\' : *v == '\t' ? 't' : *v == '\n' ? 'n' : *v == '\r' ? 'r' : 0;
        if (e) {
            o[k++] = '\\';
            o[k++] = e;
        } else {
            o[k++] = *v;
        }
    }
    return k;
}

#define COPY_CHUNK (256 * 1024)

static int pg_insert_rows(void *impl, const char *table, const char *const *cols, int ncols,
                          size_t nrows, const char *const *cells)
{
    struct pg_conn *c = impl;
    int rc = ensure_connected(c);
    if (rc) return rc;
    if (c->tx_lost) return kt_fail(KT_ESTORE, "store: connection lost inside a transaction");
    char sql[1024];
    int w = snprintf(sql, sizeof sql, "COPY %s (", table);
    for (int j = 0; j < ncols && w > 0 && (size_t)w < sizeof sql; j++)
        w += snprintf(sql + w, sizeof sql - (size_t)w, "%s%s", j ? ", " : "", cols[j]);
    if (w < 0 || (size_t)w + 20 >= sizeof sql)
        return kt_fail(KT_EINVAL, "store: column list for %s too long", table);
    snprintf(sql + w, sizeof sql - (size_t)w, ") FROM STDIN");
    PGresult *res = PQexec(c->pg, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        rc = fail_result(c->pg, res);
        PQclear(res);
        note_tx_state(c);
        return rc;
    }
    PQclear(res);
    char *buf = malloc(COPY_CHUNK);
    size_t used = 0;
    const char *abort_msg = buf ? NULL : "out of memory";
    for (size_t i = 0; i < nrows && !abort_msg; i++) {
        for (int j = 0; j < ncols && !abort_msg; j++) {
            const char *v = cells[i * (size_t)ncols + (size_t)j];
            size_t need = (v ? 2 * strlen(v) : 2) + 1; /* worst case: every byte escaped */
            if (need > COPY_CHUNK) {
                abort_msg = "value too long";
                break;
            }
            if (used + need > COPY_CHUNK) {
                if (PQputCopyData(c->pg, buf, (int)used) != 1) abort_msg = "connection lost";
                used = 0;
            }
            used += copy_escape(buf + used, v);
            buf[used++] = j + 1 < ncols ? '\t' : '\n';
        }
    }
    if (!abort_msg && used && PQputCopyData(c->pg, buf, (int)used) != 1)
        abort_msg = "connection lost";
    free(buf);
    if (PQputCopyEnd(c->pg, abort_msg) != 1)
        rc = fail_conn(c->pg, "copy");
    else if (abort_msg)
        rc = kt_fail(KT_ESTORE, "store: copy into %s: %s", table, abort_msg);
    while ((res = PQgetResult(c->pg))) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && !rc) rc = fail_result(c->pg, res);
        PQclear(res);
    }
    note_tx_state(c);
    return rc;
}

/* Definitions to drop (ord 1..3) and rebuild (ord 3..1): foreign keys of and to the tables,
 * their plain indexes, their primary-key and unique constraints. */
static const char BULK_DEFS_SQL[] =
    "WITH t AS (SELECT c.oid FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace"
    "  WHERE s.nspname = current_schema() AND c.relname = ANY (string_to_array(?, ',')))"
    " SELECT 1, format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),"
    "  format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,"
    "         pg_get_constraintdef(oid))"
    " FROM pg_constraint WHERE contype = 'f'"
    "  AND (conrelid IN (SELECT oid FROM t) OR confrelid IN (SELECT oid FROM t))"
    " UNION ALL"
    " SELECT 2, format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)"
    " FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM t) AND NOT EXISTS"
    "  (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
    "   AND k.contype IN ('p', 'u', 'x'))"
    " UNION ALL"
    " SELECT 3, format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),"
    "  format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,"
    "         pg_get_constraintdef(oid))"
    " FROM pg_constraint WHERE contype IN ('p', 'u') AND conrelid IN (SELECT oid FROM t)"
    " ORDER BY 1, 2";

/* Memory for the rebuild's sorts, for this transaction only (the default is 64 MB). */
#define BULK_SORT_MEM "SET LOCAL maintenance_work_mem = '512MB';"

static int pg_bulk_scripts(void *impl, const char *const *tables, char **drop, char **restore)
{
    struct kt_buf names, d, r;
    kt_buf_init(&names, 4096);
    for (size_t i = 0; tables[i]; i++)
        kt_buf_printf(&names, "%s%s", i ? "," : "", tables[i]);
    char *list = kt_buf_take(&names, NULL);
    if (!list) return KT_ENOMEM;
    const char *p[] = {list};
    struct store_rows *rows = NULL;
    long n = pg_exec(impl, BULK_DEFS_SQL, 1, p, &rows);
    free(list);
    if (n < 0) return (int)n;
    kt_buf_init(&d, 1 << 20);
    kt_buf_init(&r, 1 << 20);
    kt_buf_puts(&r, BULK_SORT_MEM);
    for (long i = 0; i < n; i++)
        kt_buf_printf(&d, "%s;", store_rows_get(rows, (size_t)i, 1));
    for (long i = n - 1; i >= 0; i--)
        kt_buf_printf(&r, "%s;", store_rows_get(rows, (size_t)i, 2));
    for (size_t i = 0; tables[i]; i++)
        kt_buf_printf(&r, "ANALYZE %s;", tables[i]);
    store_rows_free(rows);
    *drop = kt_buf_take(&d, NULL);
    *restore = kt_buf_take(&r, NULL);
    if (*drop && *restore) return 0;
    free(*drop);
    free(*restore);
    *drop = *restore = NULL;
    return KT_ENOMEM;
}

const struct store_backend store_pg_backend = {
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .exec_script = pg_exec_script,
    .lock_chain = pg_lock_chain,
    .exec_tx = pg_exec_tx,
    .insert_rows = pg_insert_rows,
    .bulk_scripts = pg_bulk_scripts,
    .begin_sql = "BEGIN",
};
