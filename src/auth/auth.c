#include "auth/auth.h"

#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#define CACHE_SLOTS 1024
#define CACHE_FRESH_MS 5000

/* A session cache so a busy terminal's requests do not each read the sessions table. Entries
 * are trusted for CACHE_FRESH_MS; logout evicts at once. */
struct cache_slot {
    char token_hash[65];
    struct auth_user user;
    int64_t expires_ms, cached_ms;
};

struct auth {
    struct store *st;
    struct auth_config cfg;
    pthread_mutex_t mu;
    struct cache_slot cache[CACHE_SLOTS];
    char dummy_hash[crypto_pwhash_STRBYTES];
};

static const struct {
    const char *role;
    unsigned perms;
} roles[] = {
    {"admin", 1u << AUTH_USER_ADMIN | 1u << AUTH_DISPATCH_VIEW | 1u << AUTH_DISPATCH_ADMIN |
                  1u << AUTH_LICENCE_ASSESS},
    {"registrar", 1u << AUTH_RECORD_WRITE | 1u << AUTH_RECORD_READ | 1u << AUTH_QUERY |
                      1u << AUTH_HIT_RESPOND | 1u << AUTH_HIT_REQUEST},
    {"query_operator",
     1u << AUTH_QUERY | 1u << AUTH_RECORD_READ | 1u << AUTH_HIT_REQUEST | 1u << AUTH_LICENCE_CHECK},
    {"officer", 1u << AUTH_QUERY | 1u << AUTH_DISPATCH_VIEW | 1u << AUTH_DISPATCH_TERMINAL |
                    1u << AUTH_LICENCE_EVENT | 1u << AUTH_LICENCE_CHECK},
    {"auditor", 1u << AUTH_AUDIT_READ},
    {"call_taker", 1u << AUTH_DISPATCH_VIEW | 1u << AUTH_DISPATCH_INTAKE},
    {"dispatcher", 1u << AUTH_DISPATCH_VIEW | 1u << AUTH_DISPATCH_INTAKE |
                       1u << AUTH_DISPATCH_ORDER | 1u << AUTH_QUERY | 1u << AUTH_RECORD_READ |
                       1u << AUTH_HIT_REQUEST | 1u << AUTH_LICENCE_CHECK},
    {"supervisor", 1u << AUTH_DISPATCH_VIEW | 1u << AUTH_DISPATCH_INTAKE |
                       1u << AUTH_DISPATCH_ORDER | 1u << AUTH_DISPATCH_ADMIN | 1u << AUTH_QUERY |
                       1u << AUTH_RECORD_READ | 1u << AUTH_HIT_REQUEST},
    {"station", 1u << AUTH_DISPATCH_VIEW},
    {"licence_examiner", 1u << AUTH_LICENCE_ISSUE | 1u << AUTH_LICENCE_CHECK},
    {"disposition_officer", 1u << AUTH_LICENCE_ASSESS | 1u << AUTH_LICENCE_DISPOSE |
                                1u << AUTH_LICENCE_EVENT | 1u << AUTH_LICENCE_CHECK},
    {"fingerprint_examiner",
     1u << AUTH_AFIS_SEARCH | 1u << AUTH_AFIS_ENROL | 1u << AUTH_AFIS_VERIFY},
    {"afis_partner", 1u << AUTH_AFIS_PARTNER},
    {"forensic_examiner", 1u << AUTH_FORENSICS_EXAM},
};

int auth_role_valid(const char *role)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (role && strcmp(role, roles[i].role) == 0) return 1;
    return 0;
}

int auth_can(const struct auth_user *u, enum auth_perm perm)
{
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(u->role, roles[i].role) == 0) return (roles[i].perms >> perm) & 1u;
    return 0;
}

static void sha256_hex(const char *s, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
    sodium_bin2hex(out, 65, h, sizeof h);
}

static void now_utc(char out[32])
{
    jtime_format_utc(jtime_now_ms(), out, 32);
}

int auth_open(struct store *st, const struct auth_config *cfg, struct auth **out)
{
    if (sodium_init() < 0) return kt_fail(KT_EINTERNAL, "libsodium failed to initialise");
    struct auth *a = calloc(1, sizeof *a);
    if (!a) return KT_ENOMEM;
    a->st = st;
    a->cfg.session_ttl_s = cfg && cfg->session_ttl_s > 0 ? cfg->session_ttl_s : 8 * 3600;
    a->cfg.max_failures = cfg && cfg->max_failures > 0 ? cfg->max_failures : 5;
    a->cfg.lock_s = cfg && cfg->lock_s > 0 ? cfg->lock_s : 15 * 60;
    pthread_mutex_init(&a->mu, NULL);
    /* Verifying against a dummy hash for unknown users keeps their timing like a real user's. */
    if (crypto_pwhash_str(a->dummy_hash, "keitsu-dummy-password", 21,
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        free(a);
        return kt_fail(KT_ENOMEM, "cannot hash password");
    }
    *out = a;
    return 0;
}

void auth_close(struct auth *a)
{
    if (!a) return;
    pthread_mutex_destroy(&a->mu);
    sodium_memzero(a, sizeof *a);
    free(a);
}

static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 63) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

int auth_user_add(struct store *st, const char *name, const char *role, const char *agency,
                  const char *password)
{
    if (!name_ok(name))
        return kt_fail(KT_EINVAL, "user name must be 1-63 characters of A-Z a-z 0-9 . _ -");
    if (!auth_role_valid(role)) {
        char list[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < sizeof roles / sizeof roles[0] && used < sizeof list; i++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
                                     roles[i].role);
        return kt_fail(KT_EINVAL, "role must be one of %s", list);
    }
    if (!agency || !*agency || strlen(agency) > 95)
        return kt_fail(KT_EINVAL, "agency must be 1-95 bytes");
    size_t plen = password ? strlen(password) : 0;
    if (plen < 12 || plen > 1024) return kt_fail(KT_EINVAL, "password must be 12-1024 bytes long");
    if (sodium_init() < 0) return KT_EINTERNAL;
    char hash[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(hash, password, plen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return kt_fail(KT_ENOMEM, "cannot hash password");
    char now[32];
    now_utc(now);
    struct store_conn *c;
    store_get(st, &c);
    const char *p[] = {name, role, agency, hash, now};
    long n = store_exec(c,
                        "INSERT INTO users (name, role, agency, pw_hash, created_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                        5, p, NULL);
    store_put(st, c);
    if (n == KT_ECONFLICT) return kt_fail(KT_ECONFLICT, "user %s already exists", name);
    return n < 0 ? (int)n : 0;
}

static void user_from_row(struct store_rows *r, size_t i, struct auth_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = strtoll(store_rows_get(r, i, 0), NULL, 10);
    snprintf(u->name, sizeof u->name, "%s", store_rows_get(r, i, 1));
    snprintf(u->role, sizeof u->role, "%s", store_rows_get(r, i, 2));
    snprintf(u->agency, sizeof u->agency, "%s", store_rows_get(r, i, 3));
    const char *station = store_rows_get(r, i, store_rows_columns(r) - 1);
    snprintf(u->station, sizeof u->station, "%s", station ? station : "");
}

int auth_verify_password(struct auth *a, const char *name, const char *password,
                         struct auth_user *u)
{
    if (!name || !password) return kt_fail(KT_EINVAL, "user and password are required");
    size_t plen = strlen(password);
    if (plen > 1024) return kt_fail(KT_EAUTH, "invalid user or password");
    struct store_conn *c;
    store_get(a->st, &c);
    struct store_rows *r = NULL;
    const char *p[] = {name};
    long n = store_exec(c,
                        "SELECT id, name, role, agency, pw_hash, failed_count, locked_until,"
                        " disabled, station FROM users WHERE name = ?",
                        1, p, &r);
    if (n < 0) {
        store_put(a->st, c);
        return (int)n;
    }
    if (n == 0) {
        if (crypto_pwhash_str_verify(a->dummy_hash, password, plen) == 0) { /* never */
        }
        store_rows_free(r);
        store_put(a->st, c);
        return kt_fail(KT_EAUTH, "invalid user or password");
    }
    user_from_row(r, 0, u);
    char now[32];
    now_utc(now);
    char locked_buf[32] = "";
    if (store_rows_get(r, 0, 6))
        snprintf(locked_buf, sizeof locked_buf, "%s", store_rows_get(r, 0, 6));
    const char *locked = locked_buf[0] ? locked_buf : NULL;
    int disabled = strcmp(store_rows_get(r, 0, 7), "0") != 0;
    long failures = strtol(store_rows_get(r, 0, 5), NULL, 10);
    int ok = crypto_pwhash_str_verify(store_rows_get(r, 0, 4), password, plen) == 0;
    store_rows_free(r);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)u->id);
    int rc = 0;
    if (locked && strcmp(locked, now) > 0) {
        rc = kt_fail(KT_ELOCKED, "account locked after repeated failures until %s", locked);
    } else if (disabled) {
        rc = kt_fail(KT_EAUTH, "invalid user or password");
    } else if (!ok) {
        failures++;
        char lock_until[32] = "";
        const char *lp = NULL;
        if (failures >= a->cfg.max_failures) {
            jtime_format_utc(jtime_now_ms() + (int64_t)a->cfg.lock_s * 1000, lock_until,
                             sizeof lock_until);
            lp = lock_until;
            failures = 0;
            kt_log_warn("auth: user %s locked out after repeated failed logins", u->name);
        }
        char fc[24];
        snprintf(fc, sizeof fc, "%ld", failures);
        const char *q[] = {fc, lp, id};
        store_exec(c, "UPDATE users SET failed_count = ?, locked_until = ? WHERE id = ?", 3, q,
                   NULL);
        rc = lp ? kt_fail(KT_ELOCKED, "account locked after repeated failures until %s", lp)
                : kt_fail(KT_EAUTH, "invalid user or password");
    } else if (failures > 0 || locked) {
        const char *q[] = {id};
        store_exec(c, "UPDATE users SET failed_count = 0, locked_until = NULL WHERE id = ?", 1, q,
                   NULL);
    }
    store_put(a->st, c);
    return rc;
}

int auth_login(struct auth *a, const char *name, const char *password, char token[65],
               struct auth_user *u)
{
    int rc = auth_verify_password(a, name, password, u);
    if (rc) return rc;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, 65, raw, sizeof raw);
    char th[65], now[32], exp[32], id[24];
    sha256_hex(token, th);
    int64_t ms = jtime_now_ms();
    jtime_format_utc(ms, now, sizeof now);
    jtime_format_utc(ms + (int64_t)a->cfg.session_ttl_s * 1000, exp, sizeof exp);
    snprintf(id, sizeof id, "%lld", (long long)u->id);
    struct store_conn *c;
    store_get(a->st, &c);
    const char *p[] = {th, id, now, exp, now};
    long n = store_exec(c,
                        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at,"
                        " last_seen) VALUES (?, ?, ?, ?, ?)",
                        5, p, NULL);
    store_put(a->st, c);
    return n < 0 ? (int)n : 0;
}

static struct cache_slot *slot_for(struct auth *a, const char th[65])
{
    unsigned h = 0;
    for (int i = 0; i < 8; i++)
        h = h * 16 + (unsigned)(th[i] <= '9' ? th[i] - '0' : th[i] - 'a' + 10);
    return &a->cache[h % CACHE_SLOTS];
}

int auth_session_check(struct auth *a, const char *token, struct auth_user *u)
{
    if (!token || strlen(token) != 64) return kt_fail(KT_EAUTH, "missing or malformed token");
    char th[65];
    sha256_hex(token, th);
    int64_t now = jtime_now_ms();
    pthread_mutex_lock(&a->mu);
    struct cache_slot *s = slot_for(a, th);
    if (strcmp(s->token_hash, th) == 0 && now - s->cached_ms < CACHE_FRESH_MS &&
        now < s->expires_ms) {
        *u = s->user;
        pthread_mutex_unlock(&a->mu);
        return 0;
    }
    pthread_mutex_unlock(&a->mu);

    struct store_conn *c;
    store_get(a->st, &c);
    struct store_rows *r = NULL;
    const char *p[] = {th};
    long n = store_exec(c,
                        "SELECT u.id, u.name, u.role, u.agency, s.expires_at, u.disabled, u.station"
                        " FROM sessions s JOIN users u ON u.id = s.user_id"
                        " WHERE s.token_hash = ?",
                        1, p, &r);
    store_put(a->st, c);
    if (n < 0) return (int)n;
    int64_t exp_ms = 0;
    if (n == 0 || jtime_parse_utc(store_rows_get(r, 0, 4), &exp_ms) || exp_ms <= now ||
        strcmp(store_rows_get(r, 0, 5), "0") != 0) {
        store_rows_free(r);
        return kt_fail(KT_EAUTH, "session expired or unknown; log in again");
    }
    user_from_row(r, 0, u);
    store_rows_free(r);
    pthread_mutex_lock(&a->mu);
    memcpy(s->token_hash, th, sizeof th);
    s->user = *u;
    s->expires_ms = exp_ms;
    s->cached_ms = now;
    pthread_mutex_unlock(&a->mu);
    return 0;
}

int auth_user_set_station(struct store *st, const char *name, const char *station)
{
    if (station) {
        size_t n = strlen(station);
        int ok = n >= 1 && n <= 63;
        for (size_t i = 0; ok && i < n; i++)
            ok = isalnum((unsigned char)station[i]) || strchr("._-", station[i]);
        if (!ok) return kt_fail(KT_EINVAL, "station must be 1-63 characters of [A-Za-z0-9._-]");
    }
    struct store_conn *c;
    store_get(st, &c);
    const char *p[] = {station, name};
    long n = store_exec(c, "UPDATE users SET station = ? WHERE name = ?", 2, p, NULL);
    store_put(st, c);
    if (n < 0) return (int)n;
    if (n == 0) return kt_fail(KT_ENOTFOUND, "no user %s", name);
    return 0;
}

int auth_logout(struct auth *a, const char *token)
{
    if (!token || strlen(token) != 64) return kt_fail(KT_EAUTH, "missing or malformed token");
    char th[65];
    sha256_hex(token, th);
    pthread_mutex_lock(&a->mu);
    struct cache_slot *s = slot_for(a, th);
    if (strcmp(s->token_hash, th) == 0) memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&a->mu);
    struct store_conn *c;
    store_get(a->st, &c);
    const char *p[] = {th};
    long n = store_exec(c, "DELETE FROM sessions WHERE token_hash = ?", 1, p, NULL);
    store_put(a->st, c);
    return n < 0 ? (int)n : 0;
}
