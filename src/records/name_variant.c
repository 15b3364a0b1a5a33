/* name_variant_make(): the spellings of one registered name that officers actually type, for
 * measuring the recall of name_index_search() (see name_index.h). */
#include "base/err.h"
#include "base/kana.h"
#include "base/utf8.h"
#include "records/name_index.h"

#include <string.h>

#define PART_MAX 256

/* Half-width forms of U+30A1..U+30FA; kana without one use the nearest (ヮ → ﾜ). */
static const char *const halfwidth[] = {
    "ｧ",  "ｱ",  "ｨ",  "ｲ",  "ｩ",  "ｳ",  "ｪ",  "ｴ", "ｫ",  "ｵ",  "ｶ",  "ｶﾞ", "ｷ",  "ｷﾞ", "ｸ",
    "ｸﾞ", "ｹ",  "ｹﾞ", "ｺ",  "ｺﾞ", "ｻ",  "ｻﾞ", "ｼ", "ｼﾞ", "ｽ",  "ｽﾞ", "ｾ",  "ｾﾞ", "ｿ",  "ｿﾞ",
    "ﾀ",  "ﾀﾞ", "ﾁ",  "ﾁﾞ", "ｯ",  "ﾂ",  "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ",  "ﾄﾞ", "ﾅ",  "ﾆ",  "ﾇ",  "ﾈ",
    "ﾉ",  "ﾊ",  "ﾊﾞ", "ﾊﾟ", "ﾋ",  "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ",  "ﾍﾞ", "ﾍﾟ", "ﾎ",  "ﾎﾞ",
    "ﾎﾟ", "ﾏ",  "ﾐ",  "ﾑ",  "ﾒ",  "ﾓ",  "ｬ",  "ﾔ", "ｭ",  "ﾕ",  "ｮ",  "ﾖ",  "ﾗ",  "ﾘ",  "ﾙ",
    "ﾚ",  "ﾛ",  "ﾜ",  "ﾜ",  "ｲ",  "ｴ",  "ｦ",  "ﾝ", "ｳﾞ", "ｶ",  "ｹ",  "ﾜﾞ", "ｲﾞ", "ｴﾞ", "ｦﾞ",
};

struct out {
    char *s;
    size_t cap, n;
    int err;
};

static void put(struct out *o, const char *s, size_t l)
{
    if (o->err) return;
    if (o->n + l + 1 > o->cap) {
        o->err = KT_ETOOBIG;
        return;
    }
    memcpy(o->s + o->n, s, l);
    o->n += l;
    o->s[o->n] = 0;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

enum kana_form { FORM_HIRAGANA, FORM_KATAKANA, FORM_HALFWIDTH };

/* Writes kana s[0..len) in the given form; separators become one ASCII space unless nosep. */
static int put_kana(struct out *o, const char *s, size_t len, enum kana_form form, int nosep)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int m = utf8_decode(s + i, len - i, &cp);
        if (m <= 0 || cp == 0) return kt_fail(KT_EINVAL, "kana: not valid UTF-8");
        i += (size_t)m;
        if (kana_is_separator(cp)) {
            if (!nosep) put(o, " ", 1);
            continue;
        }
        if (cp >= 0x3041 && cp <= 0x3096) cp += 0x60;
        char enc[4];
        if (form == FORM_HALFWIDTH && cp >= 0x30A1 && cp <= 0x30FA) {
            puts_(o, halfwidth[cp - 0x30A1]);
            continue;
        }
        if (form == FORM_HALFWIDTH && cp == 0x30FC) cp = 0xFF70;
        if (form == FORM_HIRAGANA && cp >= 0x30A1 && cp <= 0x30F6) cp -= 0x60;
        put(o, enc, (size_t)utf8_encode(cp, enc));
    }
    return 0;
}

/* Splits "FAMILY GIVEN" at the first separator; given may be empty. */
static void split_name(const char *s, const char **fam, size_t *fl, const char **giv, size_t *gl)
{
    size_t len = strlen(s), i = 0;
    *fam = s, *fl = len, *giv = s + len, *gl = 0;
    while (i < len) {
        uint32_t cp;
        int m = utf8_decode(s + i, len - i, &cp);
        if (m <= 0) return;
        if (kana_is_separator(cp)) {
            *fl = i;
            *giv = s + i + m;
            *gl = len - i - (size_t)m;
            return;
        }
        i += (size_t)m;
    }
}

static int romanize(const char *s, size_t len, enum kana_romaji_style st, char *buf, size_t *bl)
{
    if (len == 0) {
        buf[0] = 0, *bl = 0;
        return 0;
    }
    return kana_romanize(s, len, st, buf, PART_MAX, bl);
}

static void upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

static int vowel(char c)
{
    return c && strchr("AIUEO", c) != NULL;
}

/* Replaces one consonant that starts a syllable (at a word start or after a vowel, before a
 * vowel), which changes exactly one letter of the phonetic key: K and M before a vowel are
 * never respelled by the key's folds. */
static int mistype(char *s, size_t from)
{
    size_t n = strlen(s);
    for (size_t i = from; i + 1 < n; i++) {
        if (vowel(s[i]) || s[i] == ' ' || !vowel(s[i + 1])) continue;
        if (i > 0 && s[i - 1] != ' ' && !vowel(s[i - 1])) continue;
        s[i] = s[i] == 'K' ? 'M' : 'K';
        return 1;
    }
    return 0;
}

static int variant_kanji(struct out *o, const char *kanji)
{
    size_t len = strlen(kanji), i = 0;
    int done = 0;
    while (i < len) {
        uint32_t cp;
        int m = utf8_decode(kanji + i, len - i, &cp);
        if (m <= 0 || cp == 0) return kt_fail(KT_EINVAL, "kanji: not valid UTF-8");
        i += (size_t)m;
        uint32_t v = done ? 0 : kana_kanji_variant(cp);
        char enc[4];
        if (v) cp = v, done = 1;
        put(o, enc, (size_t)utf8_encode(cp, enc));
    }
    return done;
}

int name_variant_make(const char *kanji, const char *kana, unsigned k, char *out, size_t cap)
{
    if (!kana || !out || cap == 0) return kt_fail(KT_EINVAL, "name_variant_make: NULL argument");
    if (k > 7) return kt_fail(KT_EINVAL, "name_variant_make: variant %u out of range", k);
    out[0] = 0;
    struct out o = {out, cap, 0, 0};
    const char *fam, *giv;
    size_t fl, gl;
    split_name(kana, &fam, &fl, &giv, &gl);
    char f[PART_MAX], g[PART_MAX];
    size_t frl, grl;
    /* Also checks that kana is kana. */
    int rc = romanize(fam, fl, KANA_ROMAJI_PASSPORT, f, &frl);
    if (!rc) rc = romanize(giv, gl, KANA_ROMAJI_PASSPORT, g, &grl);
    if (rc) return rc;
    switch (k) {
    case 0:
        rc = put_kana(&o, kana, strlen(kana), FORM_HIRAGANA, 0);
        break;
    case 1:
        rc = put_kana(&o, kana, strlen(kana), FORM_KATAKANA, 1);
        break;
    case 2:
        rc = put_kana(&o, kana, strlen(kana), FORM_HALFWIDTH, 0);
        break;
    case 3:
    case 4:
    case 5:
    case 7: {
        enum kana_romaji_style st = k == 4   ? KANA_ROMAJI_KUNREI
                                    : k == 5 ? KANA_ROMAJI_HEPBURN
                                             : KANA_ROMAJI_PASSPORT;
        rc = romanize(fam, fl, st, f, &frl);
        if (!rc) rc = romanize(giv, gl, st, g, &grl);
        if (rc) break;
        if (k == 5) {
            upper(f), upper(g);
            if (frl >= 2 && memcmp(f + frl - 2, "OU", 2) == 0) f[frl - 1] = 'H';
        }
        const char *first = k == 3 ? g : f, *second = k == 3 ? f : g;
        puts_(&o, first);
        if (*second) puts_(&o, " "), puts_(&o, second);
        if (k == 7 && !o.err && !mistype(out, frl + 1) && !mistype(out, 0) && o.n > 1)
            out[--o.n] = 0; /* no consonant between vowels: drop the last letter instead */
        break;
    }
    case 6:
        if (kanji) {
            rc = variant_kanji(&o, kanji);
            if (rc > 0) {
                rc = 0;
                break;
            }
            if (rc < 0) break;
            o.n = 0, out[0] = 0;
        }
        rc = put_kana(&o, kana, strlen(kana), FORM_KATAKANA, 0);
        break;
    }
    if (rc) {
        out[0] = 0;
        return rc;
    }
    if (o.err) {
        out[0] = 0;
        return kt_fail(o.err, "name variant does not fit in %zu bytes", cap);
    }
    return 0;
}
