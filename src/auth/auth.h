/* Users, roles, passwords (Argon2id via libsodium), bearer sessions and lock-out.
 *
 * Roles and what they may do (need-to-know also restricts by agency, see records/):
 *   admin           manage users
 *   registrar       register/update/clear/expire records of its own agency; query; answer hit
 *                   confirmation requests for its agency's records
 *   query_operator  query; request hit confirmation
 *   officer         query
 *   auditor         read and verify the audit trail; no record access
 *   call_taker, dispatcher, supervisor, station: command and dispatch, see docs/dispatch.md;
 *   officer also works a field unit's terminal there
 *   licence_examiner     運転免許試験場: holders, issue, renew, reissue, surrender, changes
 *   disposition_officer  行政処分: assessments, suspensions and revocations, violations
 *   officer also records violations and accidents and, like query_operator, dispatcher and
 *   the two licence roles, checks licence validity (docs/licence.md)
 *   fingerprint_examiner (鑑識): enrol, search and verify fingerprints (docs/afis.md)
 *   afis_partner    a partner agency's AFIS: ANSI/NIST search transactions only */
#ifndef KEITSU_AUTH_AUTH_H
#define KEITSU_AUTH_AUTH_H

#include "store/store.h"

#include <stdint.h>

enum auth_perm {
    AUTH_USER_ADMIN,
    AUTH_RECORD_WRITE,
    AUTH_RECORD_READ,
    AUTH_QUERY,
    AUTH_HIT_REQUEST,
    AUTH_HIT_RESPOND,
    AUTH_AUDIT_READ,
    AUTH_DISPATCH_VIEW,     /* see incidents and units (scoped by station for some roles) */
    AUTH_DISPATCH_INTAKE,   /* take 110 calls, edit and merge incidents */
    AUTH_DISPATCH_ORDER,    /* dispatch, release, close, override unit status, CAP alerts */
    AUTH_DISPATCH_ADMIN,    /* stations, units, reports, wide-area */
    AUTH_DISPATCH_TERMINAL, /* a field unit's terminal: sign on, position, status, ack */
    AUTH_LICENCE_ASSESS,    /* assess a driver's point history (licence/points.h) */
    AUTH_LICENCE_ISSUE,   /* 運転者管理: holders, issue, renew, reissue, surrender, changes */
    AUTH_LICENCE_EVENT,   /* record violations and accidents on a holder */
    AUTH_LICENCE_DISPOSE, /* see assessments, order suspensions and revocations */
    AUTH_LICENCE_CHECK,   /* check whether a licence number is valid */
    AUTH_AFIS_SEARCH,     /* 指掌紋: search tenprints and latents, read candidate lists */
    AUTH_AFIS_ENROL,      /* enrol tenprints and latents */
    AUTH_AFIS_VERIFY,     /* record an examiner's verification decision */
    AUTH_AFIS_PARTNER,    /* a partner agency's system: ANSI/NIST search transactions */
    AUTH_FORENSICS_EXAM, /* 電磁的記録の解析: register examinations and findings, read them */
};

struct auth_user {
    int64_t id;
    char name[64];
    char role[24];
    char agency[96];
    char station[64]; /* police station id ("" if none), for dispatch scoping */
};

struct auth_config {
    int session_ttl_s; /* absolute lifetime of a session; default 8 h */
    int max_failures;  /* failed logins before lock-out; default 5 */
    int lock_s;        /* lock-out duration; default 15 min */
};

struct auth;

/* Creates the auth service over st (borrowed; must outlive it). cfg may be NULL for defaults. */
int auth_open(struct store *st, const struct auth_config *cfg, struct auth **out);
void auth_close(struct auth *a);

/* 1 if role names a known role. */
int auth_role_valid(const char *role);
/* 1 if the user's role grants perm. */
int auth_can(const struct auth_user *u, enum auth_perm perm);

/* Validates and adds a user with an Argon2id hash of password. Names: 1-63 chars of
 * [A-Za-z0-9._-]; password: 12-1024 bytes. KT_ECONFLICT if the name exists. */
int auth_user_add(struct store *st, const char *name, const char *role, const char *agency,
                  const char *password);

/* Sets (or with NULL clears) the station of user name. KT_ENOTFOUND if no such user. */
int auth_user_set_station(struct store *st, const char *name, const char *station);

/* Checks name/password. On success writes a new session token (64 hex chars + NUL) and the
 * user. Unknown user and wrong password both give KT_EAUTH; a locked account gives KT_ELOCKED
 * even with the right password. Failures count towards lock-out. */
int auth_login(struct auth *a, const char *name, const char *password, char token[65],
               struct auth_user *u);
/* Resolves a bearer token to its user; KT_EAUTH if unknown, expired or the user disabled. */
int auth_session_check(struct auth *a, const char *token, struct auth_user *u);
/* Ends a session at once. */
int auth_logout(struct auth *a, const char *token);

/* Verifies name/password without creating a session (CLI tools that work on the store
 * directly). Same errors and lock-out accounting as auth_login(). */
int auth_verify_password(struct auth *a, const char *name, const char *password,
                         struct auth_user *u);

#endif
