/* Name index: every script and spelling of a registered name finds it, order and spaces do not
 * matter, typos score lower, filters narrow, removal forgets, bad input is refused. */
#include "base/err.h"
#include "records/name_index.h"
#include "tap.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const struct {
    uint32_t id;
    struct name_entry e;
} people[] = {
    {1, {"山田 太郎", "ヤマダ タロウ", "YAMADA TARO", "1980-01-02", 'M'}},
    {2, {"山本 太郎", "ヤマモト タロウ", "YAMAMOTO TARO", "1975-05-05", 'M'}},
    {3, {"佐藤 一郎", "サトウ イチロウ", "SATO ICHIRO", NULL, 0}},
    {4, {"髙橋 まゆみ", "たかはし まゆみ", NULL, "1990-03-03", 'F'}},
    {5, {"渡邊 健一", "ワタナベ ケンイチ", "WATANABE KENICHI", NULL, 'M'}},
    {6, {"佐藤 一郎", "サトウ イチロウ", NULL, "1960-06-06", 'M'}},
    {7, {"鈴木 花子", "スズキ ハナコ", "SUZUKI HANAKO", "1985-07-07", 'F'}},
    {7, {"田中 花子", "タナカ ハナコ", NULL, NULL, 0}}, /* alias: maiden name */
    {8, {"本間 翔太", "ホンマ ショウタ", "HOMMA SHOTA", NULL, 'M'}},
    {9, {NULL, NULL, "SMITH JOHN", NULL, 'M'}},
    {10, {"伊藤 淳一", "イトウ ジュンイチ", "ITO JUNICHI", NULL, 'M'}},
};

/* Each query must return id with a score in [lo, hi]. */
static const struct {
    const char *query;
    uint32_t id;
    float lo, hi;
} finds[] = {
    {"山田 タロウ", 1, 1, 1},
    {"taro yamada", 1, 1, 1},
    {"ﾔﾏﾀﾞﾀﾛｳ", 1, 1, 1},
    {"ﾔﾏﾀﾞ ﾀﾛｳ", 1, 1, 1},
    {"yamadataro", 1, 1, 1},
    {"YAMADA TAROU", 1, 1, 1},
    {"やまだ・たろう", 1, 1, 1},
    {"ヤマダ　タロウ", 1, 1, 1},
    {"タロウ ヤマダ", 1, 1, 1},
    {"山田太郎", 1, 1, 1},
    {"太郎 山田", 1, 1, 1},
    {"山田タロウ", 1, 1, 1},
    {"太郎 やまだ", 1, 1, 1},
    {"高橋まゆみ", 4, 1, 1},
    {"髙橋 マユミ", 4, 1, 1},
    {"takahashi mayumi", 4, 1, 1},
    {"TAKAHASI MAYUMI", 4, 1, 1},
    {"Takahashi Mayumi", 4, 1, 1},
    {"渡辺 健一", 5, 1, 1},
    {"渡邉健一", 5, 1, 1},
    {"KEN'ICHI WATANABE", 5, 1, 1},
    {"ﾜﾀﾅﾍﾞｹﾝｲﾁ", 5, 1, 1},
    {"honma shota", 8, 1, 1},
    {"HONMA SYOTA", 8, 1, 1},
    {"ほんま しょうた", 8, 1, 1},
    {"HOMMA SHOUTA", 8, 1, 1},
    {"SATOH ICHIROU", 3, 1, 1},
    {"Satô Itirô", 3, 1, 1},
    {"ichiro sato", 6, 1, 1},
    {"suzuki hanako", 7, 1, 1},
    {"tanaka hanako", 7, 1, 1},
    {"田中 花子", 7, 1, 1},
    {"smith john", 9, 1, 1},
    {"JOHN SMITH", 9, 1, 1},
    {"ITOU ZYUNITI", 10, 1, 1},
    {"伊藤 ジュンイチ", 10, 1, 1},
    /* one typo in the phonetic key */
    {"yamada tar", 1, 0.8f, 0.95f},
    {"yamada tario", 1, 0.8f, 0.95f},
    {"yamada tabo", 1, 0.8f, 0.95f},
    {"yamdaa taro", 1, 0.8f, 0.95f},
    {"taro yamadq", 1, 0.8f, 0.95f},
    {"yamadataro k", 1, 0.8f, 0.95f},
    {"watanabe kenich", 5, 0.8f, 0.95f},
    {"ワタナヘ ケンイチ", 5, 0.8f, 0.95f},
    /* one wrong or missing kanji */
    {"山田太朗", 1, 0.6f, 0.8f},
    {"渡辺健", 5, 0.6f, 0.8f},
};

/* Each query must not return id at or above max. */
static const struct {
    const char *query;
    uint32_t id;
    float max;
} misses[] = {
    {"山本太郎", 1, 0.99f},       {"山田太郎", 2, 0.99f},       {"yamamoto taro", 1, 0.8f},
    {"suzuki ichiro", 3, 0.8f},   {"nakamura kenji", 5, 0.01f}, {"佐藤 花子", 3, 0.01f},
    {"sato", 3, 0.01f},           {"鈴木一郎", 7, 0.01f},       {"yamada jiro", 1, 0.8f},
    {"takahashi mayu", 4, 0.95f}, {"tanaka taro", 7, 0.01f},    {"ito junko", 10, 0.01f},
};

static const char *const bad_queries[] = {
    "12345", "山田 太郎!", "\xff\xfe", "", "   ", "yamada@taro", "a b c d e f g h i j",
};

static int search(const struct name_index *ix, const char *q, const char *bd, char sex, float min,
                  struct name_hit *h, size_t max, size_t *n)
{
    return name_index_search(ix, q, bd, sex, min, h, max, n);
}

static float score_of(const struct name_index *ix, const char *q, const char *bd, char sex,
                      uint32_t id)
{
    struct name_hit h[32];
    size_t n;
    if (search(ix, q, bd, sex, 0.5f, h, 32, &n)) return -1;
    for (size_t i = 0; i < n; i++)
        if (h[i].id == id) return h[i].score;
    return 0;
}

/* "YAMADA KAKIKUKE": one syllable per decimal digit of id, so every id reads differently. */
static const char *churn_name(uint32_t id, char *buf)
{
    static const char *const syl[] = {"KA", "KI", "KU", "KE", "KO", "MA", "MI", "MU", "ME", "MO"};
    snprintf(buf, 64, "YAMADA %s%s%s%s", syl[id / 1000 % 10], syl[id / 100 % 10], syl[id / 10 % 10],
             syl[id % 10]);
    return buf;
}

struct worker {
    const struct name_index *ix;
    int failures;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    for (int round = 0; round < 200; round++)
        for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++) {
            float s = score_of(w->ix, finds[i].query, NULL, 0, finds[i].id);
            w->failures += s < finds[i].lo || s > finds[i].hi;
        }
    return NULL;
}

static void check_variants(struct name_index *ix)
{
    static const struct {
        unsigned k;
        const char *want;
    } v[] = {
        {0, "やまだ たろう"}, {1, "ヤマダタロウ"}, {2, "ﾔﾏﾀﾞ ﾀﾛｳ"},  {3, "TARO YAMADA"},
        {4, "yamada tarô"},   {5, "YAMADA TAROU"}, {6, "山田 太郞"}, {7, "YAMADA KARO"},
    };
    char out[128];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int rc = name_variant_make("山田 太郎", "ヤマダ タロウ", v[i].k, out, sizeof out);
        CHECK(rc == 0 && strcmp(out, v[i].want) == 0, "variant %u = %s, want %s", v[i].k, out,
              v[i].want);
    }
    CHECK(name_variant_make("山田 太郎", "ヤマダ タロウ", 8, out, sizeof out) == KT_EINVAL,
          "variant 8 does not exist");
    CHECK(name_variant_make(NULL, "山田", 0, out, sizeof out) == KT_EINVAL, "kana must be kana");
    CHECK(name_variant_make(NULL, "ヤマダ タロウ", 3, out, 5) == KT_ETOOBIG, "short buffer");
    CHECK(name_variant_make(NULL, "サトウ イチロウ", 5, out, sizeof out) == 0 &&
              strcmp(out, "SATOH ICHIROU") == 0,
          "variant 5 spells the long vowel: %s", out);
    /* Recall: every variant of every person with kana finds that person. */
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        const struct name_entry *e = &people[i].e;
        if (!e->kana) continue;
        for (unsigned k = 0; k < 8; k++) {
            if (name_variant_make(e->kanji, e->kana, k, out, sizeof out)) {
                CHECK(0, "variant %u of %s: %s", k, e->kana, kt_errmsg());
                continue;
            }
            float s = score_of(ix, out, NULL, 0, people[i].id);
            CHECK(s >= (k == 7 ? 0.8f : 1.0f), "variant %u \"%s\" of id %u scores %.2f", k, out,
                  (unsigned)people[i].id, s);
        }
    }
}

int main(void)
{
    struct name_index *ix;
    CHECK(name_index_create(&ix) == 0, "create");
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        int rc = name_index_add(ix, people[i].id, &people[i].e);
        CHECK(rc == 0, "add %u: %s", (unsigned)people[i].id, kt_errmsg());
    }
    size_t count = name_index_count(ix);

    for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++) {
        float s = score_of(ix, finds[i].query, NULL, 0, finds[i].id);
        CHECK(s >= finds[i].lo && s <= finds[i].hi, "\"%s\" -> id %u score %.3f, want %.2f..%.2f",
              finds[i].query, (unsigned)finds[i].id, s, finds[i].lo, finds[i].hi);
    }
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        float s = score_of(ix, misses[i].query, NULL, 0, misses[i].id);
        CHECK(s >= 0 && s < misses[i].max, "\"%s\" must not return id %u at %.2f (got %.3f)",
              misses[i].query, (unsigned)misses[i].id, misses[i].max, s);
    }
    for (size_t i = 0; i < sizeof bad_queries / sizeof bad_queries[0]; i++) {
        struct name_hit h[4];
        size_t n = 99;
        int rc = search(ix, bad_queries[i], NULL, 0, 0.5f, h, 4, &n);
        CHECK(rc == KT_EINVAL && n == 0, "bad query \"%s\": rc %d", bad_queries[i], rc);
    }

    /* Order: exact hits first, ties by id, each id once; max and min_score respected. */
    struct name_hit h[16];
    size_t n;
    CHECK(search(ix, "sato ichiro", NULL, 0, 0.5f, h, 16, &n) == 0 && n == 2 && h[0].id == 3 &&
              h[1].id == 6 && h[0].score == 1.0f,
          "two people named sato ichiro, by id");
    CHECK(search(ix, "sato ichiro", NULL, 0, 0.5f, h, 1, &n) == 0 && n == 1 && h[0].id == 3,
          "max limits the hits");
    CHECK(search(ix, "sato ichiro", NULL, 0, 0.5f, h, 0, &n) == 0 && n == 0, "max 0");
    CHECK(search(ix, "yamada tar", NULL, 0, 0.95f, h, 16, &n) == 0 && n == 0,
          "min_score above the typo score drops typo hits");
    CHECK(search(ix, "山田太郎", NULL, 0, 0.5f, h, 16, &n) == 0 && n == 2 && h[0].id == 1 &&
              h[1].id == 2 && h[1].score < 0.8f,
          "山田太郎 ranks 山本太郎 below");
    CHECK(search(ix, "suzuki hanako", NULL, 0, 0.5f, h, 16, &n) == 0 && n == 1,
          "an id with aliases is returned once");

    /* Birth date and sex narrow; a record without the field stays. */
    CHECK(search(ix, "sato ichiro", "1960-06-06", 0, 0.5f, h, 16, &n) == 0 && n == 2,
          "birth date matches 6, 3 has none");
    CHECK(search(ix, "sato ichiro", "1970-01-01", 0, 0.5f, h, 16, &n) == 0 && n == 1 &&
              h[0].id == 3,
          "other birth date excludes 6");
    CHECK(search(ix, "sato ichiro", NULL, 'F', 0.5f, h, 16, &n) == 0 && n == 1 && h[0].id == 3,
          "sex F excludes 6");
    CHECK(search(ix, "sato ichiro", NULL, 'U', 0.5f, h, 16, &n) == 0 && n == 2, "U: no filter");
    CHECK(search(ix, "yamada taro", "1980-01-02", 'M', 0.5f, h, 16, &n) == 0 && n == 1,
          "both filters match");
    CHECK(search(ix, "yamada taro", "1980-13-02", 0, 0.5f, h, 16, &n) == KT_EINVAL,
          "bad birth date");
    CHECK(search(ix, "yamada taro", "80-01-02", 0, 0.5f, h, 16, &n) == KT_EINVAL, "short date");
    CHECK(search(ix, "yamada taro", NULL, 'X', 0.5f, h, 16, &n) == KT_EINVAL, "bad sex");
    CHECK(search(NULL, "yamada", NULL, 0, 0.5f, h, 16, &n) == KT_EINVAL, "NULL index");

    /* Bad names are refused whole. */
    static const struct name_entry bad[] = {
        {NULL, "山田 太郎", NULL, NULL, 0},
        {NULL, NULL, "YAMADA 1", NULL, 0},
        {"山田 #", NULL, NULL, NULL, 0},
        {NULL, NULL, NULL, NULL, 0},
        {"山田 太郎", NULL, NULL, "1980-02-30x", 0},
        {"山田 太郎", NULL, NULL, NULL, 'Q'},
        {"山田 太郎", "ヤマダ タロウ", "ヤマダ", NULL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(name_index_add(ix, 99, &bad[i]) == KT_EINVAL && name_index_count(ix) == count,
              "bad entry %zu refused", i);
    CHECK(name_index_remove(ix, 99) == KT_ENOTFOUND, "nothing was added for 99");

    check_variants(ix);

    /* Concurrent readers. */
    struct worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){ix, 0};
        pthread_create(&t[i], NULL, worker_run, &w[i]);
    }
    int failures = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        failures += w[i].failures;
    }
    CHECK(failures == 0, "%d failures in concurrent searches", failures);

    /* Removal forgets every name of the id, including aliases. */
    CHECK(name_index_remove(ix, 7) == 0, "remove 7");
    CHECK(score_of(ix, "suzuki hanako", NULL, 0, 7) == 0 &&
              score_of(ix, "田中 花子", NULL, 0, 7) == 0,
          "7 and its alias are gone");
    CHECK(name_index_remove(ix, 7) == KT_ENOTFOUND, "remove twice");
    CHECK(name_index_remove(ix, 1) == 0 && score_of(ix, "yamada taro", NULL, 0, 1) == 0 &&
              score_of(ix, "山田太郎", NULL, 0, 1) == 0,
          "1 is gone");
    CHECK(score_of(ix, "yamamoto taro", NULL, 0, 2) == 1.0f, "2 is still there");
    struct name_entry renamed = {"山田 花子", "ヤマダ ハナコ", NULL, NULL, 'F'};
    CHECK(name_index_add(ix, 1, &renamed) == 0 && score_of(ix, "yamada hanako", NULL, 0, 1) == 1 &&
              score_of(ix, "yamada taro", NULL, 0, 1) == 0,
          "1 re-added under a new name");
    CHECK(name_index_count(ix) == count - 3 + 1, "count after removals: %zu", name_index_count(ix));

    /* Churn: add and remove many ids; the survivors are still found. */
    char romaji[64];
    for (uint32_t id = 1000; id < 3000; id++) {
        CHECK(name_index_add(
                  ix, id, &(struct name_entry){NULL, NULL, churn_name(id, romaji), NULL, 0}) == 0,
              "churn add %u", (unsigned)id);
    }
    for (uint32_t id = 1000; id < 3000; id += 2)
        name_index_remove(ix, id);
    CHECK(score_of(ix, "yamamoto taro", NULL, 0, 2) == 1.0f &&
              score_of(ix, "ichiro sato", NULL, 0, 3) == 1.0f,
          "survivors found after churn");
    int churn_ok = 1;
    for (uint32_t id = 1000; id < 3000; id++) {
        int rc = search(ix, churn_name(id, romaji), NULL, 0, 1.0f, h, 16, &n);
        churn_ok &= rc == 0 && (id % 2 ? n == 1 && h[0].id == id : n == 0);
    }
    CHECK(churn_ok, "after churn exactly the odd ids are found");

    /* Script agreement for registrations. */
    static const struct {
        const char *kana, *romaji;
        int want;
    } agree[] = {
        {"ヤマダ タロウ", "YAMADA TARO", 1},
        {"ヤマダ タロウ", "TARO YAMADA", 1},
        {"サトウ イチロウ", "SATOH ICHIROU", 1},
        {"ヤマダタロウ", "YAMADA TARO", 1},
        {"ホンマ ショウタ", "HOMMA SYOTA", 1},
        {"ヤマダ タロウ", "YAMADA JIRO", 0},
        {"ヤマダ", "YAMAMOTO", 0},
        {"ヤマダ タロウ", "YAMA DATARO", 0},
        {"山田", "YAMADA", KT_EINVAL},
        {"ヤマダ", "ヤマダ", KT_EINVAL},
        {"ヤマダ", "YAMADA1", KT_EINVAL},
    };
    for (size_t i = 0; i < sizeof agree / sizeof agree[0]; i++)
        CHECK(name_scripts_agree(agree[i].kana, agree[i].romaji) == agree[i].want,
              "agree(%s, %s) want %d", agree[i].kana, agree[i].romaji, agree[i].want);

    name_index_free(ix);
    name_index_free(NULL);
    return tap_done();
}
