/* libFuzzer target: arbitrary names through the kana converters and a search on a small index.
 * The converters must return 0 or a KT_E* code with a NUL-terminated buffer, never crash, and
 * a phonetic key must be lowercase ASCII. */
#include "base/err.h"
#include "base/kana.h"
#include "base/utf8.h"
#include "records/name_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct name_entry seeds[] = {
    {"山田 太郎", "ヤマダ タロウ", "YAMADA TARO", "1980-01-02", 'M'},
    {"髙橋 まゆみ", "たかはし まゆみ", NULL, "1990-03-03", 'F'},
    {"佐藤 一郎", "サトウ イチロウ", "SATO ICHIRO", NULL, 0},
    {NULL, NULL, "SMITH JOHN", NULL, 'M'},
    {"本間 翔太", "ホンマ ショウタ", "HOMMA SHOTA", NULL, 'M'},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct name_index *ix;
    if (!ix) {
        if (name_index_create(&ix)) abort();
        for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
            if (name_index_add(ix, (uint32_t)i + 1, &seeds[i])) abort();
    }
    const char *s = (const char *)data;
    if (size > 1024 || !utf8_valid(s, size)) return 0;

    char out[512];
    size_t n;
    if (kana_phonetic_key(s, size, out, sizeof out, &n) == 0) {
        if (n == 0 || strlen(out) != n) abort();
        for (size_t i = 0; i < n; i++)
            if (out[i] < 'a' || out[i] > 'z') abort();
    }
    /* A tiny buffer exercises the overflow paths. */
    if (kana_phonetic_key(s, size, out, 3, &n) == 0 && n > 2) abort();
    if (kana_kanji_fold(s, size, out, sizeof out, &n) == 0 && strlen(out) != n) abort();
    if (kana_to_romaji(s, size, out, sizeof out, &n) == 0 && strlen(out) != n) abort();
    for (int st = KANA_ROMAJI_PASSPORT; st <= KANA_ROMAJI_KUNREI; st++)
        if (kana_romanize(s, size, (enum kana_romaji_style)st, out, sizeof out, &n) == 0 &&
            !utf8_valid(out, n))
            abort();
    (void)kana_classify(s, size);

    char *q = malloc(size + 1);
    if (!q) return 0;
    memcpy(q, s, size);
    q[size] = 0;
    struct name_hit hits[8];
    size_t nh;
    if (name_index_search(ix, q, NULL, 0, 0.5f, hits, 8, &nh) == 0)
        for (size_t i = 0; i < nh; i++)
            if (hits[i].score < 0.5f || hits[i].score > 1.0f || hits[i].id < 1 || hits[i].id > 5)
                abort();
    (void)name_index_search(ix, q, "1980-01-02", 'M', 0.0f, hits, 8, &nh);
    (void)name_scripts_agree(q, "YAMADA TARO");
    (void)name_scripts_agree("ヤマダ タロウ", q);
    char v[256];
    (void)name_variant_make(q, q, (unsigned)(size % 8), v, sizeof v);
    /* Adding and removing the input as a name must leave the seeds intact. */
    struct name_entry e = {q, q, q, NULL, 0};
    (void)name_index_add(ix, 100, &e);
    (void)name_index_remove(ix, 100);
    free(q);
    return 0;
}
