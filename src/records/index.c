/* The in-memory indexes: per-type record slots with the summary shown to queriers, the key
 * multimap and the name index. Everything here is derived from stored record data. */
#include "base/err.h"
#include "base/jtime.h"
#include "base/log.h"
#include "records/records_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct rec_slot *slot_get(struct records *r, int t, uint32_t num, int create)
{
    struct rec_table *tb = &r->tables[t];
    if (num >= tb->cap) {
        if (!create) return NULL;
        size_t ncap = tb->cap ? tb->cap : 1024;
        while (ncap <= num)
            ncap *= 2;
        struct rec_slot *s = realloc(tb->slots, ncap * sizeof *s);
        if (!s) return NULL;
        memset(s + tb->cap, 0, (ncap - tb->cap) * sizeof *s);
        tb->slots = s;
        tb->cap = ncap;
    }
    return &tb->slots[num];
}

static void unindex(struct records *r, int t, uint32_t num, struct rec_slot *s)
{
    char full[160];
    for (int i = 0; i < s->keys.n; i++) {
        snprintf(full, sizeof full, "%s:%s", s->keys.kind[i], s->keys.key[i]);
        keymap_remove(r->keys, full, num);
    }
    if (t == 0) name_index_remove(r->names, num);
    free(s->summary);
    memset(s, 0, sizeof *s);
}

static int index_names(struct records *r, uint32_t num, json_t *data)
{
    const char *bd = json_string_value(json_object_get(data, "birth_date"));
    const char *sex = json_string_value(json_object_get(data, "sex"));
    struct name_entry e = {
        .kanji = json_string_value(json_object_get(data, "name_kanji")),
        .kana = json_string_value(json_object_get(data, "name_kana")),
        .romaji = json_string_value(json_object_get(data, "name_romaji")),
        .birth_date = bd,
        .sex = sex ? sex[0] : 0,
    };
    int rc = name_index_add(r->names, num, &e);
    json_t *aliases = json_object_get(data, "aliases");
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a)
    {
        struct name_entry ae = {
            .kanji = json_string_value(json_object_get(a, "name_kanji")),
            .kana = json_string_value(json_object_get(a, "name_kana")),
            .romaji = json_string_value(json_object_get(a, "name_romaji")),
            .birth_date = bd,
            .sex = e.sex,
        };
        if (!rc) rc = name_index_add(r->names, num, &ae);
    }
    return rc;
}

int rec_index_apply(struct records *r, int t, uint32_t num, const char *status, json_t *data,
                    const char *created_at)
{
    struct rec_slot *s = slot_get(r, t, num, 1);
    if (!s) return KT_ENOMEM;
    if (s->active || s->summary) unindex(r, t, num, s);
    if (strcmp(status, "active") != 0 || !data) return 0;

    /* The summary: the record's data plus its id, type and registration time. */
    json_t *sum = json_deep_copy(data);
    /* "id" and "score" lead each candidate in answers (query.c), so they are not here. */
    json_object_set_new(sum, "type", json_string(rec_type_name(t)));
    json_object_set_new(sum, "status", json_string(status));
    json_object_set_new(sum, "registered_at", json_string(created_at));
    const char *bd = json_string_value(json_object_get(data, "birth_date"));
    int y, m, d;
    if (bd && jtime_parse_date("birth_date", bd, &y, &m, &d) == 0) {
        char w[64];
        jtime_wareki(y, m, d, w, sizeof w);
        json_object_set_new(sum, "birth_date_wareki", json_string(w));
    }
    s->summary = json_dumps(sum, JSON_COMPACT);
    json_decref(sum);
    if (!s->summary) return KT_ENOMEM;
    jtime_parse_utc(created_at, &s->created_ms);
    const char *exp = json_string_value(json_object_get(data, "expires_on"));
    snprintf(s->expires_on, sizeof s->expires_on, "%s", exp ? exp : "");
    const char *ag = json_string_value(json_object_get(data, "agency"));
    snprintf(s->agency, sizeof s->agency, "%s", ag ? ag : "");
    rec_keys_of(t, data, &s->keys);
    char full[160];
    for (int i = 0; i < s->keys.n; i++) {
        snprintf(full, sizeof full, "%s:%s", s->keys.kind[i], s->keys.key[i]);
        if (keymap_add(r->keys, full, num)) return KT_ENOMEM;
    }
    if (t == 0 && index_names(r, num, data)) return kt_fail(KT_ENOMEM, "name index failed");
    s->active = 1;
    return 0;
}

int rec_index_reload(struct records *r, struct store_conn *c, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int t;
        uint32_t num;
        if (rec_id_parse(ids[i], &t, &num)) continue;
        json_t *data = NULL;
        char status[16], agency[96], created[32];
        long version;
        int rc = rec_load(c, ids[i], &data, status, agency, created, &version);
        if (rc == KT_ENOTFOUND) continue;
        if (rc) return rc;
        pthread_rwlock_wrlock(&r->lock);
        rc = rec_index_apply(r, t, num, status, data, created);
        pthread_rwlock_unlock(&r->lock);
        json_decref(data);
        if (rc) return rc;
    }
    return 0;
}
