/* A string -> set of uint32 ids multimap (open addressing), the in-memory lookup behind
 * exact-key queries (plates, VINs, serials, document numbers). Not thread-safe: the records
 * service guards it with its rwlock. Keys are copied. */
#ifndef KEITSU_RECORDS_KEYMAP_H
#define KEITSU_RECORDS_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct keymap;

int keymap_create(struct keymap **out);
void keymap_free(struct keymap *m);
/* Adds id under key (no-op if already there). 0 or KT_ENOMEM. */
int keymap_add(struct keymap *m, const char *key, uint32_t id);
/* Removes id from key's set (no-op if absent). */
void keymap_remove(struct keymap *m, const char *key, uint32_t id);
/* The ids under key (borrowed, valid until the next change) and their count; NULL/0 if none. */
const uint32_t *keymap_get(const struct keymap *m, const char *key, size_t *n);

#endif
