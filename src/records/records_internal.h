/* Internals of the records module, shared by its files only. */
#ifndef KEITSU_RECORDS_INTERNAL_H
#define KEITSU_RECORDS_INTERNAL_H

#include "records/keymap.h"
#include "records/name_index.h"
#include "records/records.h"

#include <pthread.h>
#include <stdint.h>

#define REC_MAX_KEYS 8
#define REC_TYPES 4

/* Lookup keys of one record, as stored in record_keys and in the keymap ("kind:key"). */
struct rec_keys {
    int n;
    char kind[REC_MAX_KEYS][12];
    char key[REC_MAX_KEYS][128];
};

/* One record in memory, indexed by its number within its type. */
struct rec_slot {
    char *summary; /* compact JSON object text shown to queriers (malloc'd), or NULL */
    int64_t created_ms;
    char expires_on[11]; /* "" if none */
    char agency[96];
    struct rec_keys keys;
    uint8_t active;
};

struct rec_table {
    struct rec_slot *slots;
    size_t cap;
};

struct records {
    struct store *st;
    struct audit *au;
    pthread_rwlock_t lock; /* guards everything below */
    struct rec_table tables[REC_TYPES];
    struct keymap *keys;
    struct name_index *names;
    int64_t history_seen; /* last record_history id applied */
    pthread_t follower;
    int following, stopping;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
};

/* Type helpers: index 0..3 for "person","vehicle","firearm","document"; prefixes P V F D. */
int rec_type_index(const char *type);
const char *rec_type_name(int t);
char rec_type_prefix(int t);
/* Parses "P-00000012" into type index and number. */
int rec_id_parse(const char *id, int *type, uint32_t *num);
void rec_id_format(int type, uint32_t num, char *out, size_t cap);

/* Validates a registration body for type t by user u and returns the normalised record data
 * (*data, new reference) to store. With base (an existing record's data), body is a partial
 * update merged over it. KT_EINVAL/KT_EVALID/KT_EFORBIDDEN with a message on bad input. */
int rec_validate(int t, const struct auth_user *u, json_t *body, json_t *base, json_t **data);
/* The lookup keys of stored data. */
int rec_keys_of(int t, json_t *data, struct rec_keys *k);

/* Index maintenance (caller holds the write lock). data may be NULL when !active. */
int rec_index_apply(struct records *r, int t, uint32_t num, const char *status, json_t *data,
                    const char *created_at);
/* Rebuilds the index entries of the records whose ids are given by reading them from c. */
int rec_index_reload(struct records *r, struct store_conn *c, const char *const *ids, size_t n);

/* Writes inside an open audit transaction (audit_tx_begin). */
int rec_insert(struct records *r, struct store_conn *c, const struct auth_user *u, int t,
               json_t *data, char *id_out, size_t id_cap);
/* KT_ECONFLICT if another active record (not self, may be NULL) has one of the keys. */
int rec_check_duplicates(struct store_conn *c, const struct rec_keys *k, const char *self);
/* Replaces the record_keys rows of id. */
int rec_keys_store(struct store_conn *c, const char *id, const struct rec_keys *k);
int rec_history_add(struct store_conn *c, const char *id, const char *actor, const char *action,
                    const char *detail_json);

/* Sets the follower's mark to the newest record_history row: changes up to it are indexed. */
int rec_history_mark(struct records *r, struct store_conn *c);
/* Fetches a stored record (data as JSON, new reference) with its status and agency. */
int rec_load(struct store_conn *c, const char *id, json_t **data, char status[16], char agency[96],
             char created_at[32], long *version);

int rec_routes_lifecycle(struct records *r, struct http_router *router);
int rec_routes_hits(struct records *r, struct http_router *router);
int rec_routes_query(struct records *r, struct http_router *router);

#endif
