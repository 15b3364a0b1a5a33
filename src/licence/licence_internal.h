/* Internals of the licence module, shared by its files only. */
#ifndef KEITSU_LICENCE_INTERNAL_H
#define KEITSU_LICENCE_INTERNAL_H

#include "licence/classes.h"
#include "licence/licence.h"
#include "licence/number.h"

#include <pthread.h>
#include <stdint.h>

/* One slot of the check index: open addressing on the number's decimal value (0 = empty). */
struct lic_slot {
    uint64_t key;
    int32_t expires; /* day */
    int32_t until;   /* suspended: last day */
    uint8_t state;   /* enum licence_state as stored (valid, suspended, revoked, …) */
};

struct licence {
    struct store *st;
    struct audit *au;
    pthread_rwlock_t lock; /* guards the index */
    struct lic_slot *slots;
    size_t cap, count; /* cap is a power of two */
};

/* A licence row as stored. */
struct lic_row {
    char number[LICENCE_NUMBER_LEN + 1];
    char holder[16];
    char status[16];
    char first_licensed[11], issued_on[11], expires_on[11];
    char category[16], band[8];
    char suspended_until[11];
    char *conditions; /* JSON array text, malloc'd */
    long version;
};
void lic_row_free(struct lic_row *r);

/* Days and dates. */
long lic_today(void);
/* Parses "YYYY-MM-DD" (KT_EVALID naming field) into a day number. */
int lic_day(const char *field, const char *s, long *day);
void lic_date(long day, char out[11]);
int lic_holder_id_ok(const char *id);

/* Index maintenance (takes the lock itself). */
int lic_index_put(struct licence *l, const char *number, enum licence_state st, long expires,
                  long until);
enum licence_state lic_state_of(const char *status);
int lic_index_load(struct licence *l);

/* Store helpers, inside a transaction when writing. */
int lic_history_add(struct store_conn *c, const char *holder, const char *number, const char *actor,
                    const char *action, const char *detail);
/* The audit entry of a write, with the holder as its reference. */
int lic_audit_write(struct licence *l, struct store_conn *c, const struct auth_user *u,
                    const char *action, const char *holder, const char *number, const char *detail);
/* The holder's newest licence not replaced by a reissue; KT_ENOTFOUND if none. */
int lic_current(struct store_conn *c, const char *holder, struct lic_row *out);
int lic_load_number(struct store_conn *c, const char *number, struct lic_row *out);
/* The holder's row as JSON (new reference); KT_ENOTFOUND. */
int lic_holder_load(struct store_conn *c, const char *id, json_t **out);
/* The holder's violations, accidents and dispositions (malloc'd array; caller frees), in one
 * query; KT_ENOTFOUND if there is no such holder. */
int lic_events_load(struct store_conn *c, const char *holder, struct licence_event **ev, size_t *n);
/* The holder's classes. */
int lic_classes_load(struct store_conn *c, const char *holder, struct licence_class_grant *g,
                     size_t cap, size_t *n);

/* Writes of a licence row (insert) and the 12-digit number of a new licence. */
int lic_insert_licence(struct store_conn *c, const struct lic_row *r);
int lic_next_serial(struct store_conn *c, int commission, int year2, long *serial);
/* A new holder id "H-00000001" from the id counter (count reserves a range: the first id). */
int lic_next_holder_ids(struct store_conn *c, long count, long *first);
void lic_holder_id_format(long n, char out[16]);

/* Holder name validation: normalises body names into dst and computes the phonetic key
 * ("yamada taro") and folded kanji key used by the fraud check. */
int lic_names(json_t *dst, const json_t *body, int required, char *phon, size_t phon_cap,
              char *kanji_key, size_t kanji_cap);

/* The phonetic key of a whole name ("yamada taro"); KT_EVALID naming field. */
int lic_phonetic_name(const char *s, const char *field, char *out, size_t cap);

/* Who may do what. */
int lic_require(const struct auth_user *u, int perm, const char *what);

#endif
