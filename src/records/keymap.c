#include "records/keymap.h"

#include "base/err.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    uint64_t hash; /* 0 = empty */
    char *key;
    uint32_t *ids;
    uint32_t n, cap;
};

struct keymap {
    struct slot *slots;
    size_t cap, used;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

int keymap_create(struct keymap **out)
{
    struct keymap *m = calloc(1, sizeof *m);
    if (!m) return KT_ENOMEM;
    m->cap = 1024;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return KT_ENOMEM;
    }
    *out = m;
    return 0;
}

void keymap_free(struct keymap *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->cap; i++) {
        free(m->slots[i].key);
        free(m->slots[i].ids);
    }
    free(m->slots);
    free(m);
}

static struct slot *find(const struct keymap *m, const char *key, uint64_t h)
{
    size_t i = h & (m->cap - 1);
    for (;;) {
        struct slot *s = &m->slots[i];
        if (s->hash == 0) return s;
        if (s->hash == h && strcmp(s->key, key) == 0) return s;
        i = (i + 1) & (m->cap - 1);
    }
}

static int grow(struct keymap *m)
{
    size_t ncap = m->cap * 2;
    struct slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) return KT_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].hash) continue;
        size_t j = m->slots[i].hash & (ncap - 1);
        while (ns[j].hash)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 0;
}

int keymap_add(struct keymap *m, const char *key, uint32_t id)
{
    if ((m->used + 1) * 10 > m->cap * 7 && grow(m)) return KT_ENOMEM;
    uint64_t h = hash_key(key);
    struct slot *s = find(m, key, h);
    if (!s->hash) {
        s->key = strdup(key);
        if (!s->key) return KT_ENOMEM;
        s->hash = h;
        m->used++;
    }
    for (uint32_t i = 0; i < s->n; i++)
        if (s->ids[i] == id) return 0;
    if (s->n == s->cap) {
        uint32_t ncap = s->cap ? s->cap * 2 : 1;
        uint32_t *ids = realloc(s->ids, ncap * sizeof *ids);
        if (!ids) return KT_ENOMEM;
        s->ids = ids;
        s->cap = ncap;
    }
    s->ids[s->n++] = id;
    return 0;
}

void keymap_remove(struct keymap *m, const char *key, uint32_t id)
{
    struct slot *s = find(m, key, hash_key(key));
    if (!s->hash) return;
    /* Emptied slots stay as tombstones holding their key, so probe chains remain intact. */
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->ids[i] == id) {
            s->ids[i] = s->ids[--s->n];
            return;
        }
    }
}

const uint32_t *keymap_get(const struct keymap *m, const char *key, size_t *n)
{
    struct slot *s = find(m, key, hash_key(key));
    *n = s->hash ? s->n : 0;
    return *n ? s->ids : NULL;
}
