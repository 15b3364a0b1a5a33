/* PostgreSQL backend: one libpq connection per pooled connection, text parameters and results.
 *
 * Portable `?` placeholders are rewritten to $1..$n outside literals, identifiers, comments and
 * dollar-quoted bodies. Statements go through PQexecParams (the unnamed statement) rather than
 * a per-connection cache of named prepared statements: a cached plan whose result columns change
 * after a migration on another pooled connection fails with "cached plan must not change result
 * type", and that failure would abort the caller's transaction, so the saving is not worth it.
 *
 * Error messages never carry parameter values: only the primary message and the SQLSTATE are
 * reported (the DETAIL of a unique violation quotes the key), and for data exceptions (class 22,
 * e.g. `invalid input syntax for type integer: "..."`) the quoted value is cut off. */
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

const struct store_backend store_pg_backend = {
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .exec_script = pg_exec_script,
    .lock_chain = pg_lock_chain,
    .begin_sql = "BEGIN",
};
