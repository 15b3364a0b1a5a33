/* Script normalisation for names: every spelling of one reading gets one phonetic key, and the
 * converters refuse what is not a name. */
#include "base/err.h"
#include "base/kana.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Spellings that must share the key. */
static const struct {
    const char *key;
    const char *spellings[12];
} same[] = {
    {"sato",
     {"サトウ", "さとう", "ｻﾄｳ", "サトー", "ｻﾄｰ", "SATO", "SATOU", "SATOH", "SATŌ", "Satô", "satoo",
      "ＳＡＴＯ"}},
    {"ono", {"オオノ", "おおの", "OHNO", "ONO", "OONO", "Ōno", "ÔNO"}},
    {"shimizu", {"シミズ", "しみず", "SHIMIZU", "SIMIZU", "ｼﾐｽﾞ"}},
    {"tsuchiya", {"ツチヤ", "TSUCHIYA", "TUTIYA", "ﾂﾁﾔ", "tutiya"}},
    {"fujita", {"フジタ", "ふじた", "FUJITA", "HUZITA", "Fuzita"}},
    {"junichi",
     {"ジュンイチ", "じゅんいち", "JUNICHI", "JUN'ICHI", "Jun’ichi", "ZYUNITI", "JYUNICHI",
      "ｼﾞｭﾝｲﾁ"}},
    {"sanba", {"サンバ", "SAMBA", "SANBA", "さんば"}},
    {"honma", {"ホンマ", "HOMMA", "HONMA", "ﾎﾝﾏ"}},
    {"hattori", {"ハットリ", "HATTORI", "ﾊｯﾄﾘ", "はっとり"}},
    {"macchi", {"マッチ", "MATCHI", "MATTI", "まっち"}},
    {"shota",
     {"ショウタ", "しょうた", "ｼｮｳﾀ", "SHOTA", "SYOTA", "SHOUTA", "SHOHTA", "SHŌTA", "Syôta"}},
    {"chosha", {"チョウシャ", "TYOSYA", "CHOSHA", "CHOUSHA", "CHOSHYA"}},
    {"kyoko", {"キョウコ", "きょうこ", "ｷｮｳｺ", "KYOKO", "KYOUKO", "KYŌKO"}},
    {"keko", {"ケイコ", "KEIKO", "KĒKO", "ケーコ"}}, /* ei folds: see kana.h */
    {"ryuichi", {"リュウイチ", "RYUICHI", "RYUUICHI", "RYŪICHI"}},
    {"shinnosuke", {"シンノスケ", "SHINNOSUKE", "SINNOSUKE"}},
    {"kajiwara", {"カヂワラ", "カジワラ", "KAJIWARA", "KADIWARA"}}, /* ヂ = ジ */
    {"mizuki", {"ミヅキ", "ミズキ", "MIZUKI", "MIDUKI"}},           /* ヅ = ズ */
    {"kaoru", {"カヲル", "カオル", "KAORU", "KAWORU"}},             /* ヲ = オ */
    {"ban", {"ヴァン", "バン", "VAN", "BAN"}},                      /* ヴ = ブ */
    {"gakko", {"ｶﾞｯｺｳ", "ガッコウ", "GAKKOU", "カ\xE3\x82\x99ッコウ", "か゛っこう"}},
    {"isuzu", {"いすゞ", "イスズ", "ISUZU"}},
    {"fan", {"ファン", "FAN", "ﾌｧﾝ"}},
    {"kenichi", {"ケンイチ", "KENICHI", "KEN-ICHI", "KEN'ICHI"}},
};

/* Readings that must stay apart. */
static const char *const differ[][2] = {
    {"サトウ", "サイトウ"}, {"ヤマダ", "ヤマモト"}, {"カノ", "カンノ"}, {"ハトリ", "ハットリ"},
    {"SATO", "KATO"},       {"キョウコ", "キヨコ"}, {"シュン", "シン"}, {"ヒロシ", "ヒロコ"},
};

static const char *const invalid[] = {
    "山田", "SATO1", "sato!", "", "サト ウ", "\xff", "ー", "さ\x01と", "ヤマダ田", "@",
};

static const struct {
    const char *kana, *passport, *hepburn, *kunrei;
} romaji[] = {
    {"サトウ", "SATO", "satou", "satô"},
    {"オオノ", "ONO", "oono", "ôno"},
    {"イノウエ", "INOUE", "inoue", "inoue"},
    {"ホンマ", "HOMMA", "honma", "honma"},
    {"ハットリ", "HATTORI", "hattori", "hattori"},
    {"マッチ", "MATCHI", "matchi", "matti"},
    {"シンイチ", "SHINICHI", "shin'ichi", "sin'iti"},
    {"ヤマダ タロウ", "YAMADA TARO", "yamada tarou", "yamada tarô"},
    {"ツチヤ", "TSUCHIYA", "tsuchiya", "tutiya"},
    {"ｼｭﾝｽｹ", "SHUNSUKE", "shunsuke", "syunsuke"},
    {"ふじた・ゆうこ", "FUJITA YUKO", "fujita yuuko", "huzita yûko"},
    {"チョウ", "CHO", "chou", "tyô"},
    {"ヂ", "JI", "ji", "zi"},
};

static const struct {
    const char *in, *out; /* out NULL: KT_EINVAL */
} kanji[] = {
    {"髙橋", "高橋"},
    {"渡邊", "渡辺"},
    {"渡邉", "渡辺"},
    {"山﨑", "山崎"},
    {"山嵜", "山崎"},
    {"齋藤", "斎藤"},
    {"齊藤", "斉藤"},
    {"𠮷田", "吉田"},
    {"山田　太郎", "山田太郎"},
    {"山田 太郎", "山田太郎"},
    {"澤田 眞一", "沢田真一"},
    {"濱口 龍", "浜口竜"},
    {"廣瀬 惠", "広瀬恵"},
    {"佐藤 まゆみ", "佐藤まゆみ"},
    {"ＡＢＣ", "abc"},
    {"佐々木", "佐々木"},
    {"嶋田 德子", "島田徳子"},
    {"山田1", NULL},
    {"", NULL},
    {"山田!", NULL},
    {"\xe5\xb1", NULL},
};

static const struct {
    const char *s;
    enum kana_script want;
} classes[] = {
    {"山田", KANA_SCRIPT_KANJI},      {"やまだ", KANA_SCRIPT_PHONETIC},
    {"yamada", KANA_SCRIPT_PHONETIC}, {"山田タロウ", KANA_SCRIPT_KANJI},
    {"ﾔﾏﾀﾞ", KANA_SCRIPT_PHONETIC},   {"佐々木 一郎", KANA_SCRIPT_KANJI},
    {"123", KANA_SCRIPT_INVALID},     {"", KANA_SCRIPT_INVALID},
    {"\xff", KANA_SCRIPT_INVALID},    {"   ", KANA_SCRIPT_INVALID},
    {"山田#", KANA_SCRIPT_INVALID},
};

static int key_of(const char *s, char *out, size_t cap)
{
    size_t n;
    return kana_phonetic_key(s, strlen(s), out, cap, &n);
}

static int one_of(const char *m, const char *set)
{
    for (const char *p = set; *p; p += 3)
        if (strncmp(m, p, 3) == 0 && m[3] == 0) return 1;
    return 0;
}

/* ン, ッ, ー only where a name can have them: not first, ッ not last, none after another and
 * ッ not before a vowel. */
static int fits(const char *prev, const char *m, int first, int last)
{
    if (first && one_of(m, "ンッー")) return 0;
    if (last && one_of(m, "ッ")) return 0;
    if (one_of(prev, "ンッー") && one_of(m, "ンッー")) return 0;
    if (one_of(prev, "ッ") && one_of(m, "アイウエオ")) return 0;
    return 1;
}

/* Random kana names must get the same key from kana and from each romanisation of them. */
static void check_roundtrip(void)
{
    static const char *const morae[] = {
        "ア",   "イ",   "ウ",   "エ", "オ", "カ", "キ", "ク",   "ケ",   "コ",   "サ",   "シ",
        "ス",   "セ",   "ソ",   "タ", "チ", "ツ", "テ", "ト",   "ナ",   "ニ",   "ヌ",   "ネ",
        "ノ",   "ハ",   "ヒ",   "フ", "ヘ", "ホ", "マ", "ミ",   "ム",   "メ",   "モ",   "ヤ",
        "ユ",   "ヨ",   "ラ",   "リ", "ル", "レ", "ロ", "ワ",   "ガ",   "ギ",   "グ",   "ゲ",
        "ゴ",   "ザ",   "ジ",   "ズ", "ゼ", "ゾ", "ダ", "デ",   "ド",   "バ",   "ビ",   "ブ",
        "ベ",   "ボ",   "パ",   "ピ", "プ", "ペ", "ポ", "キャ", "シュ", "ショ", "チャ", "リョ",
        "ジュ", "ニャ", "ヒョ", "ン", "ッ", "ー",
    };
    size_t nm = sizeof morae / sizeof morae[0];
    uint32_t seed = 12345;
    int bad = 0;
    for (int round = 0; round < 3000; round++) {
        char name[64] = "";
        int len = 2 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 5;
        const char *prev = "";
        for (int i = 0; i < len; i++) {
            const char *m;
            do {
                m = morae[((seed = seed * 1103515245u + 12345u) >> 16) % nm];
            } while (!fits(prev, m, i == 0, i == len - 1));
            strncat(name, m, sizeof name - strlen(name) - 1);
            prev = m;
        }
        char want[128], got[128], rom[256];
        if (key_of(name, want, sizeof want)) {
            CHECK(0, "key of %s failed: %s", name, kt_errmsg());
            continue;
        }
        for (int st = KANA_ROMAJI_PASSPORT; st <= KANA_ROMAJI_KUNREI; st++) {
            size_t rl;
            int rc =
                kana_romanize(name, strlen(name), (enum kana_romaji_style)st, rom, sizeof rom, &rl);
            if (!rc) rc = key_of(rom, got, sizeof got);
            if ((rc || strcmp(want, got) != 0) && bad++ < 10)
                CHECK(0, "%s: key %s, style %d gives %s -> %s", name, want, st, rom, got);
        }
    }
    CHECK(bad == 0, "%d kana names disagree with their romaji", bad);
}

int main(void)
{
    char a[128], b[128];
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        for (size_t j = 0; j < 12 && same[i].spellings[j]; j++) {
            const char *s = same[i].spellings[j];
            int rc = key_of(s, a, sizeof a);
            CHECK(rc == 0 && strcmp(a, same[i].key) == 0, "key(%s) = %s (rc %d %s), want %s", s,
                  rc ? "" : a, rc, kt_errmsg(), same[i].key);
        }
    }
    for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
        int ra = key_of(differ[i][0], a, sizeof a), rb = key_of(differ[i][1], b, sizeof b);
        CHECK(ra == 0 && rb == 0 && strcmp(a, b) != 0, "%s and %s must differ (%s, %s)",
              differ[i][0], differ[i][1], a, b);
    }
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        kt_err_clear();
        int rc = key_of(invalid[i], a, sizeof a);
        CHECK(rc == KT_EINVAL && *kt_errmsg() && a[0] == 0, "key(%s) should be KT_EINVAL, got %d",
              invalid[i], rc);
    }
    size_t n;
    CHECK(kana_phonetic_key("サトウ", strlen("サトウ"), a, 4, &n) == KT_ETOOBIG && a[0] == 0,
          "key into a short buffer is KT_ETOOBIG");
    CHECK(kana_phonetic_key("サトウ", strlen("サトウ"), a, 5, &n) == 0 && n == 4, "key just fits");

    for (size_t i = 0; i < sizeof romaji / sizeof romaji[0]; i++) {
        const char *k = romaji[i].kana;
        const char *want[] = {romaji[i].passport, romaji[i].hepburn, romaji[i].kunrei};
        for (int st = KANA_ROMAJI_PASSPORT; st <= KANA_ROMAJI_KUNREI; st++) {
            int rc = kana_romanize(k, strlen(k), (enum kana_romaji_style)st, a, sizeof a, &n);
            CHECK(rc == 0 && strcmp(a, want[st]) == 0, "romanize(%s, %d) = %s, want %s", k, st, a,
                  want[st]);
        }
    }
    CHECK(kana_to_romaji("SATO", 4, a, sizeof a, &n) == KT_EINVAL, "romaji is not kana");
    CHECK(kana_to_romaji("佐藤", strlen("佐藤"), a, sizeof a, &n) == KT_EINVAL,
          "kanji is not kana");
    CHECK(kana_to_romaji("サトウ", strlen("サトウ"), a, 3, &n) == KT_ETOOBIG, "short buffer");

    for (size_t i = 0; i < sizeof kanji / sizeof kanji[0]; i++) {
        const char *s = kanji[i].in;
        int rc = kana_kanji_fold(s, strlen(s), a, sizeof a, &n);
        if (kanji[i].out)
            CHECK(rc == 0 && strcmp(a, kanji[i].out) == 0 && n == strlen(a), "fold(%s) = %s", s, a);
        else
            CHECK(rc == KT_EINVAL, "fold(%s) should fail, got %d", s, rc);
    }
    CHECK(kana_kanji_variant(0x9AD8) == 0x9AD9, "高 has the variant 髙");
    CHECK(kana_kanji_variant(0x5C71) == 0, "山 has no variant");
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        CHECK(kana_classify(classes[i].s, strlen(classes[i].s)) == classes[i].want, "classify(%s)",
              classes[i].s);

    check_roundtrip();
    return tap_done();
}
