/* Kana / romaji / kanji normalisation for name matching (see kana.h for the contract).
 *
 * Every phonetic input goes through one pipeline so that different spellings cannot drift
 * apart: decode to morae (kana, with small kana merged into the mora before them, or Latin
 * letters), render the morae as plain Hepburn, then canonicalise that romaji. Romaji typed by a
 * user enters at the same canonicaliser, so "SATOH", "さとう" and "Satô" meet there. */
#include "base/kana.h"

#include "base/err.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

/* ---- code point classes ------------------------------------------------------------------ */

int kana_is_separator(uint32_t cp)
{
    return cp == 0x20 || cp == 0x3000 || cp == 0x30FB || cp == 0xFF65;
}

int kana_is_ideograph(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F) ||
           (cp >= 0x3005 && cp <= 0x3007);
}

/* Voiced-sound marks, combining (U+3099/309A), spacing (309B/309C) and half-width. */
static int voicing_mark(uint32_t cp)
{
    if (cp == 0x3099 || cp == 0x309B || cp == 0xFF9E) return 1;
    if (cp == 0x309A || cp == 0x309C || cp == 0xFF9F) return 2;
    return 0;
}

static int is_kana(uint32_t cp)
{
    return (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x309D && cp <= 0x309E) ||
           (cp >= 0x30A1 && cp <= 0x30FA) || (cp >= 0x30FC && cp <= 0x30FE) ||
           (cp >= 0xFF66 && cp <= 0xFF9D) || voicing_mark(cp);
}

/* A Latin letter as lowercase ASCII, or 0. Macron and circumflex vowels only mark length, which
 * the key folds anyway, so they become the bare vowel. */
static char latin_letter(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z') return (char)(cp - 'A' + 'a');
    if (cp >= 'a' && cp <= 'z') return (char)cp;
    if (cp >= 0xFF21 && cp <= 0xFF3A) return (char)(cp - 0xFF21 + 'a');
    if (cp >= 0xFF41 && cp <= 0xFF5A) return (char)(cp - 0xFF41 + 'a');
    static const struct {
        uint16_t cp;
        char v;
    } accented[] = {
        {0x00C2, 'a'}, {0x00CA, 'e'}, {0x00CE, 'i'}, {0x00D4, 'o'}, {0x00DB, 'u'},
        {0x00E2, 'a'}, {0x00EA, 'e'}, {0x00EE, 'i'}, {0x00F4, 'o'}, {0x00FB, 'u'},
        {0x0100, 'a'}, {0x0101, 'a'}, {0x0112, 'e'}, {0x0113, 'e'}, {0x012A, 'i'},
        {0x012B, 'i'}, {0x014C, 'o'}, {0x014D, 'o'}, {0x016A, 'u'}, {0x016B, 'u'},
    };
    for (size_t i = 0; i < sizeof accented / sizeof accented[0]; i++)
        if (accented[i].cp == cp) return accented[i].v;
    return 0;
}

/* Characters allowed inside romaji that carry no sound: apostrophes (n'), hyphens, combining
 * macron and circumflex. */
static int latin_ignorable(uint32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == '-' || cp == 0x0302 || cp == 0x0304;
}

/* ---- kana decoding ----------------------------------------------------------------------- */

/* Half-width katakana U+FF66..U+FF9D to their full-width forms. */
static const uint16_t halfwidth[] = {
    0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2,
    0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB, 0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9,
    0x30BB, 0x30BD, 0x30BF, 0x30C1, 0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE,
    0x30CF, 0x30D2, 0x30D5, 0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6,
    0x30E8, 0x30E9, 0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,
};

/* Hiragana and half-width katakana to full-width katakana; anything else unchanged. */
static uint32_t to_katakana(uint32_t cp)
{
    if ((cp >= 0x3041 && cp <= 0x3096) || cp == 0x309D || cp == 0x309E) return cp + 0x60;
    if (cp >= 0xFF66 && cp <= 0xFF9D) return halfwidth[cp - 0xFF66];
    return cp;
}

static int is_ha_row(uint32_t cp)
{
    return cp == 0x30CF || cp == 0x30D2 || cp == 0x30D5 || cp == 0x30D8 || cp == 0x30DB;
}

/* The katakana cp with a dakuten (mark 1) or handakuten (mark 2), or 0 if it has none. */
static uint32_t voiced(uint32_t cp, int mark)
{
    if (mark == 2) return is_ha_row(cp) ? cp + 2 : 0;
    if (cp >= 0x30AB && cp <= 0x30C1 && (cp - 0x30AB) % 2 == 0) return cp + 1;
    if (cp == 0x30C4 || cp == 0x30C6 || cp == 0x30C8 || is_ha_row(cp)) return cp + 1;
    if (cp == 0x30A6) return 0x30F4;
    if (cp >= 0x30EF && cp <= 0x30F2) return cp + 8;
    if (cp == 0x30FD) return 0x30FE;
    return 0;
}

/* Hepburn for U+30A1..U+30FA. ッ and ン are handled apart; small kana are merged by rules. */
static const char *const hepburn[] = {
    "a",  "a",  "i",   "i",  "u",  "u",   "e",  "e",   "o",  "o",  "ka", "ga", "ki", "gi", "ku",
    "gu", "ke", "ge",  "ko", "go", "sa",  "za", "shi", "ji", "su", "zu", "se", "ze", "so", "zo",
    "ta", "da", "chi", "ji", "",   "tsu", "zu", "te",  "de", "to", "do", "na", "ni", "nu", "ne",
    "no", "ha", "ba",  "pa", "hi", "bi",  "pi", "fu",  "bu", "pu", "he", "be", "pe", "ho", "bo",
    "po", "ma", "mi",  "mu", "me", "mo",  "ya", "ya",  "yu", "yu", "yo", "yo", "ra", "ri", "ru",
    "re", "ro", "wa",  "wa", "i",  "e",   "o",  "",    "bu", "ka", "ke", "ba", "bi", "be", "bo",
};

enum mora_kind { MORA_SYL, MORA_SOKUON, MORA_N, MORA_LONG, MORA_SEP, MORA_LATIN };

struct mora {
    char r[6]; /* Hepburn syllable (MORA_SYL) or one lowercase letter (MORA_LATIN) */
    unsigned char kind;
};

struct morae {
    struct mora m[KANA_MAX_MORAE];
    size_t n;
};

static int is_vowel(char c)
{
    return c == 'a' || c == 'i' || c == 'u' || c == 'e' || c == 'o';
}

static int morae_push(struct morae *ms, enum mora_kind kind, const char *r)
{
    if (ms->n == KANA_MAX_MORAE)
        return kt_fail(KT_EINVAL, "name longer than %d kana or letters", KANA_MAX_MORAE);
    struct mora *m = &ms->m[ms->n++];
    m->kind = (unsigned char)kind;
    size_t l = strlen(r);
    memcpy(m->r, r, l + 1);
    return 0;
}

/* The previous mora if it is a syllable small kana may attach to, else NULL. */
static struct mora *last_syllable(struct morae *ms)
{
    if (ms->n == 0 || ms->m[ms->n - 1].kind != MORA_SYL) return NULL;
    return &ms->m[ms->n - 1];
}

/* Small ャュョ: キ+ャ → kya, シ+ャ → sha, チ+ャ → cha, ジ+ャ → ja. */
static int attach_small_y(struct morae *ms, char v)
{
    struct mora *p = last_syllable(ms);
    size_t l = p ? strlen(p->r) : 0;
    if (!p || l < 2 || p->r[l - 1] != 'i') {
        char r[3] = {'y', v, 0};
        return morae_push(ms, MORA_SYL, r);
    }
    l--;
    int palatal = (l == 2 && (memcmp(p->r, "sh", 2) == 0 || memcmp(p->r, "ch", 2) == 0)) ||
                  (l == 1 && p->r[0] == 'j');
    if (!palatal) p->r[l++] = 'y';
    p->r[l++] = v;
    p->r[l] = 0;
    return 0;
}

/* Small ァィゥェォ: the vowel replaces the previous one (ファ fa, ティ ti, シェ she, ツァ tsa);
 * after a bare ウ or イ it makes wi / ye. */
static int attach_small_vowel(struct morae *ms, char v)
{
    struct mora *p = last_syllable(ms);
    size_t l = p ? strlen(p->r) : 0;
    if (p && l == 1 && (p->r[0] == 'u' || (p->r[0] == 'i' && v == 'e'))) {
        p->r[0] = p->r[0] == 'u' ? 'w' : 'y';
        p->r[1] = v;
        p->r[2] = 0;
        return 0;
    }
    if (p && l >= 2 && is_vowel(p->r[l - 1]) && !is_vowel(p->r[l - 2])) {
        p->r[l - 1] = v;
        return 0;
    }
    char r[2] = {v, 0};
    return morae_push(ms, MORA_SYL, r);
}

static int push_katakana(struct morae *ms, uint32_t cp)
{
    switch (cp) {
    case 0x30C3:
        return morae_push(ms, MORA_SOKUON, "");
    case 0x30F3:
        return morae_push(ms, MORA_N, "n");
    case 0x30A1:
    case 0x30A3:
    case 0x30A5:
    case 0x30A7:
    case 0x30A9:
        return attach_small_vowel(ms, hepburn[cp - 0x30A1][0]);
    case 0x30E3:
    case 0x30E5:
    case 0x30E7:
        return attach_small_y(ms, hepburn[cp - 0x30A1][1]);
    case 0x30EE: {
        struct mora *p = last_syllable(ms);
        if (p && (strcmp(p->r, "ku") == 0 || strcmp(p->r, "gu") == 0)) {
            memcpy(p->r + 1, "wa", 3);
            return 0;
        }
        return morae_push(ms, MORA_SYL, "wa");
    }
    default:
        return morae_push(ms, MORA_SYL, hepburn[cp - 0x30A1]);
    }
}

/* Decodes s into morae. Latin letters are accepted only when latin_ok, separators only when
 * sep_ok (they become one MORA_SEP). */
static int morae_parse(const char *s, size_t len, int latin_ok, int sep_ok, struct morae *ms)
{
    ms->n = 0;
    uint32_t last_base = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int n = utf8_decode(s + i, len - i, &cp);
        if (n <= 0 || cp == 0) return kt_fail(KT_EINVAL, "name is not valid UTF-8");
        i += (size_t)n;
        cp = to_katakana(cp);
        uint32_t next;
        int m = utf8_decode(s + i, len - i, &next);
        if (m > 0 && voicing_mark(next)) {
            uint32_t v = voiced(cp, voicing_mark(next));
            if (v) {
                cp = v;
                i += (size_t)m;
            }
        }
        if (voicing_mark(cp)) continue; /* a stray mark adds no sound */
        if (cp == 0x30FD || cp == 0x30FE) {
            /* Iteration marks repeat the previous kana, ヾ voiced. */
            if (!last_base) return kt_fail(KT_EINVAL, "iteration mark without a kana before it");
            uint32_t v = cp == 0x30FE ? voiced(last_base, 1) : 0;
            cp = v ? v : last_base;
        }
        int rc;
        if (cp >= 0x30A1 && cp <= 0x30FA) {
            rc = push_katakana(ms, cp);
            last_base = cp;
        } else if (cp == 0x30FC) {
            rc = morae_push(ms, MORA_LONG, "");
        } else if (kana_is_separator(cp)) {
            if (!sep_ok) return kt_fail(KT_EINVAL, "separator inside a name part");
            rc = ms->n && ms->m[ms->n - 1].kind != MORA_SEP ? morae_push(ms, MORA_SEP, " ") : 0;
        } else if (latin_ok && latin_letter(cp)) {
            char r[2] = {latin_letter(cp), 0};
            rc = morae_push(ms, MORA_LATIN, r);
        } else if (latin_ok && latin_ignorable(cp)) {
            rc = 0;
        } else if (kana_is_ideograph(cp)) {
            return kt_fail(KT_EINVAL, "kanji in a kana or romaji name");
        } else {
            return kt_fail(KT_EINVAL, "character U+%04X is not %s", (unsigned)cp,
                           latin_ok ? "kana or a Latin letter" : "kana");
        }
        if (rc) return rc;
    }
    if (ms->n && ms->m[ms->n - 1].kind == MORA_SEP) ms->n--;
    return 0;
}

/* ---- rendering --------------------------------------------------------------------------- */

struct writer {
    char *out;
    size_t cap, n;
    int err;
};

static void put(struct writer *w, const char *s, size_t l)
{
    if (w->err) return;
    if (w->n + l + 1 > w->cap) {
        w->err = KT_ETOOBIG;
        return;
    }
    memcpy(w->out + w->n, s, l);
    w->n += l;
    w->out[w->n] = 0;
}

static void putc_(struct writer *w, char c)
{
    put(w, &c, 1);
}

static int writer_done(struct writer *w, size_t *outlen)
{
    if (w->err) {
        if (w->cap) w->out[0] = 0;
        return kt_fail(w->err, "name does not fit in %zu bytes", w->cap);
    }
    if (w->cap) w->out[w->n] = 0;
    if (outlen) *outlen = w->n;
    return 0;
}

/* Kunrei-shiki form of a Hepburn syllable: shi si, chi ti, tsu tu, fu hu, ji zi, sha sya,
 * cha tya, ja zya. */
static void kunrei_of(const char *h, char out[8])
{
    const char *rest = h;
    const char *head = "";
    if (strncmp(h, "sh", 2) == 0) {
        head = h[2] == 'i' ? "s" : "sy", rest = h + 2;
    } else if (strncmp(h, "ch", 2) == 0) {
        head = h[2] == 'i' ? "t" : "ty", rest = h + 2;
    } else if (h[0] == 'j') {
        head = h[1] == 'i' ? "z" : "zy", rest = h + 1;
    } else if (strcmp(h, "tsu") == 0) {
        head = "t", rest = h + 2;
    } else if (strcmp(h, "fu") == 0) {
        head = "h", rest = h + 1;
    }
    size_t a = strlen(head), b = strlen(rest);
    memcpy(out, head, a);
    memcpy(out + a, rest, b + 1);
}

static const struct mora *next_mora(const struct morae *ms, size_t i)
{
    return i + 1 < ms->n ? &ms->m[i + 1] : NULL;
}

static int bare_vowel(const struct mora *m)
{
    return m && m->kind == MORA_SYL && m->r[1] == 0 && is_vowel(m->r[0]);
}

/* A bare o/u after o, or u after u, lengthens the vowel before it, unless a bare vowel follows:
 * then it more likely starts the next word of the name (イノウエ = INOUE, not INOE). */
static int lengthens(char prev, const struct mora *m, const struct mora *next)
{
    if (!bare_vowel(m) || bare_vowel(next)) return 0;
    char v = m->r[0];
    return (prev == 'o' && (v == 'o' || v == 'u')) || (prev == 'u' && v == 'u');
}

/* Renders morae. style < 0 is the raw Hepburn fed to the canonicaliser: long marks spelled out
 * as vowels, moraic n always "n" and Latin letters kept. */
static void morae_render(const struct morae *ms, int style, struct writer *w)
{
    char last_vowel = 0; /* last vowel written, for ー and long-vowel rules */
    size_t last_vowel_at = 0;
    for (size_t i = 0; i < ms->n; i++) {
        const struct mora *m = &ms->m[i];
        const struct mora *nx = next_mora(ms, i);
        switch (m->kind) {
        case MORA_SYL: {
            if (style == KANA_ROMAJI_PASSPORT && lengthens(last_vowel, m, nx)) break;
            if (style == KANA_ROMAJI_KUNREI && lengthens(last_vowel, m, nx)) {
                /* Replace the plain vowel by its circumflex form (ô, û). */
                if (w->n == last_vowel_at + 1 && !w->err) {
                    w->n = last_vowel_at;
                    put(w, last_vowel == 'o' ? "\xC3\xB4" : "\xC3\xBB", 2);
                    last_vowel = 0;
                }
                break;
            }
            char k[8];
            const char *r = m->r;
            if (style == KANA_ROMAJI_KUNREI) kunrei_of(m->r, k), r = k;
            put(w, r, strlen(r));
            last_vowel = r[strlen(r) - 1];
            last_vowel_at = w->n - 1;
            break;
        }
        case MORA_SOKUON:
            /* Doubles the next consonant; Hepburn writes っち as "tchi". */
            if (nx && nx->kind == MORA_SYL && !is_vowel(nx->r[0])) {
                char c = nx->r[0];
                if (style != KANA_ROMAJI_KUNREI && strncmp(nx->r, "ch", 2) == 0) c = 't';
                if (style == KANA_ROMAJI_KUNREI) {
                    char k[8];
                    kunrei_of(nx->r, k);
                    c = k[0];
                }
                putc_(w, c);
            }
            last_vowel = 0;
            break;
        case MORA_N:
            if (style == KANA_ROMAJI_PASSPORT && nx && nx->kind == MORA_SYL &&
                strchr("bmp", nx->r[0]))
                putc_(w, 'm');
            else
                putc_(w, 'n');
            if ((style == KANA_ROMAJI_HEPBURN || style == KANA_ROMAJI_KUNREI) && nx &&
                nx->kind == MORA_SYL && (is_vowel(nx->r[0]) || nx->r[0] == 'y'))
                putc_(w, '\'');
            last_vowel = 0;
            break;
        case MORA_LONG:
            if (!last_vowel || style == KANA_ROMAJI_PASSPORT) break;
            if (style == KANA_ROMAJI_KUNREI) {
                static const char *const circ[] = {"\xC3\xA2", "\xC3\xAA", "\xC3\xAE", "\xC3\xB4",
                                                   "\xC3\xBB"};
                const char *vs = "aeiou";
                if (w->n == last_vowel_at + 1 && !w->err) {
                    w->n = last_vowel_at;
                    put(w, circ[strchr(vs, last_vowel) - vs], 2);
                }
                last_vowel = 0;
                break;
            }
            putc_(w, last_vowel);
            break;
        case MORA_SEP:
            putc_(w, ' ');
            last_vowel = 0;
            break;
        case MORA_LATIN:
            putc_(w, m->r[0]);
            last_vowel = is_vowel(m->r[0]) ? m->r[0] : 0;
            last_vowel_at = w->n - 1;
            break;
        }
    }
    if (style == KANA_ROMAJI_PASSPORT && !w->err)
        for (size_t i = 0; i < w->n; i++)
            if (w->out[i] >= 'a' && w->out[i] <= 'z') w->out[i] = (char)(w->out[i] - 'a' + 'A');
}

int kana_romanize(const char *kana, size_t len, enum kana_romaji_style style, char *out, size_t cap,
                  size_t *outlen)
{
    if (!kana || !out || cap == 0) return kt_fail(KT_EINVAL, "kana_romanize: NULL argument");
    out[0] = 0;
    struct morae ms;
    int rc = morae_parse(kana, len, 0, 1, &ms);
    if (rc) return rc;
    if (ms.n == 0) return kt_fail(KT_EINVAL, "empty kana name");
    struct writer w = {out, cap, 0, 0};
    morae_render(&ms, (int)style, &w);
    return writer_done(&w, outlen);
}

int kana_to_romaji(const char *kana, size_t len, char *out, size_t cap, size_t *outlen)
{
    return kana_romanize(kana, len, KANA_ROMAJI_PASSPORT, out, cap, outlen);
}

/* ---- phonetic key ------------------------------------------------------------------------ */

/* Whether vowel v after vowel prev only lengthens it (see the key's folds in kana.h). */
static int folds(char prev, char v)
{
    return v == prev || (prev == 'e' && v == 'i') || (prev == 'o' && v == 'u');
}

/* Consonant onsets of every romanisation, longest first, mapped to their Hepburn form. */
static const struct {
    const char *in, *out;
} onsets[] = {
    {"shy", "sh"}, {"chy", "ch"}, {"sh", "sh"}, {"sy", "sh"}, {"ch", "ch"}, {"cy", "ch"},
    {"ty", "ch"},  {"ts", "ts"},  {"dz", "z"},  {"jy", "j"},  {"zy", "j"},  {"dy", "j"},
    {"ky", "ky"},  {"gy", "gy"},  {"ny", "ny"}, {"hy", "hy"}, {"by", "by"}, {"py", "py"},
    {"my", "my"},  {"ry", "ry"},  {"ly", "ry"}, {"vy", "by"}, {"kw", "k"},  {"gw", "g"},
    {"l", "r"},    {"v", "b"},    {"c", "k"},   {"q", "k"},
};

struct canon {
    struct writer w;
    char prev_vowel; /* vowel ending the last output, 0 after a consonant */
    int sokuon;      /* a doubled consonant is pending for the next syllable */
};

static void emit_vowel(struct canon *c, char v)
{
    if (c->prev_vowel && folds(c->prev_vowel, v)) return;
    putc_(&c->w, v);
    c->prev_vowel = v;
    c->sokuon = 0;
}

static void emit_syllable(struct canon *c, const char *onset, char v)
{
    static const struct {
        const char *onset;
        char v;
        const char *out;
    } fix[] = {
        {"s", 'i', "shi"}, {"z", 'i', "ji"}, {"d", 'i', "ji"}, {"t", 'i', "chi"},
        {"t", 'u', "tsu"}, {"d", 'u', "zu"}, {"h", 'u', "fu"},
    };
    if ((strcmp(onset, "w") == 0 && v != 'a') ||
        (strcmp(onset, "y") == 0 && (v == 'i' || v == 'e'))) {
        emit_vowel(c, v); /* wo = o (ヲ), wi = ヰ, ye = エ */
        return;
    }
    char buf[8];
    const char *s = NULL;
    for (size_t i = 0; i < sizeof fix / sizeof fix[0]; i++)
        if (fix[i].v == v && strcmp(fix[i].onset, onset) == 0) s = fix[i].out;
    if (!s) {
        size_t l = strlen(onset);
        memcpy(buf, onset, l);
        buf[l] = v, buf[l + 1] = 0;
        s = buf;
    }
    if (c->sokuon) putc_(&c->w, s[0]);
    put(&c->w, s, strlen(s));
    c->prev_vowel = v;
    c->sokuon = 0;
}

static void emit_consonant(struct canon *c, const char *s)
{
    put(&c->w, s, strlen(s));
    c->prev_vowel = 0;
    c->sokuon = 0;
}

/* Canonicalises lowercase romaji r[0..n) (see kana.h for the folds). */
static void canonicalise(const char *r, size_t n, struct canon *c)
{
    size_t i = 0;
    while (i < n) {
        char ch = r[i];
        char nx = i + 1 < n ? r[i + 1] : 0;
        char nx2 = i + 2 < n ? r[i + 2] : 0;
        if (is_vowel(ch)) {
            emit_vowel(c, ch);
            i++;
            continue;
        }
        if (ch == 'h' && c->prev_vowel && !is_vowel(nx) && nx != 'y') {
            i++; /* OH, AH: a long-vowel mark */
            continue;
        }
        if (ch == 'n' && !is_vowel(nx) && nx != 'y') {
            /* Moraic n; "nn" not before a vowel is the IME spelling of one ン. */
            emit_consonant(c, "n");
            i += nx == 'n' && !is_vowel(nx2) && nx2 != 'y' ? 2 : 1;
            continue;
        }
        if (ch == 'm' && (nx == 'b' || nx == 'p' || nx == 'm')) {
            emit_consonant(c, "n"); /* old Hepburn SAMBA, HOMMA */
            i++;
            continue;
        }
        if (nx == ch || (ch == 't' && nx == 'c')) {
            c->sokuon = 1; /* KK, TCH, TT: ッ */
            c->prev_vowel = 0;
            i++;
            continue;
        }
        const char *onset = NULL;
        size_t used = 1;
        for (size_t k = 0; k < sizeof onsets / sizeof onsets[0] && !onset; k++) {
            const char *in = onsets[k].in;
            if (in[0] != ch) continue; /* most letters have no entry: keep this loop cheap */
            size_t l = 1;
            while (in[l] && i + l < n && r[i + l] == in[l])
                l++;
            if (!in[l]) onset = onsets[k].out, used = l;
        }
        char single[2] = {ch, 0};
        if (!onset) onset = single;
        i += used;
        if (i < n && is_vowel(r[i])) {
            emit_syllable(c, onset, r[i]);
            i++;
        } else {
            emit_consonant(c, onset);
        }
    }
}

int kana_phonetic_key(const char *s, size_t len, char *out, size_t cap, size_t *outlen)
{
    if (!s || !out || cap == 0) return kt_fail(KT_EINVAL, "kana_phonetic_key: NULL argument");
    out[0] = 0;
    struct morae ms;
    int rc = morae_parse(s, len, 1, 0, &ms);
    if (rc) return rc;
    char raw[KANA_MAX_MORAE * 6 + 1];
    struct writer rw = {raw, sizeof raw, 0, 0};
    morae_render(&ms, -1, &rw);
    if (rw.err) return kt_fail(KT_EINVAL, "name too long");
    struct canon c = {{out, cap, 0, 0}, 0, 0};
    canonicalise(raw, rw.n, &c);
    rc = writer_done(&c.w, outlen);
    if (rc) return rc;
    if (c.w.n == 0) return kt_fail(KT_EINVAL, "name has no kana or letters");
    return 0;
}

/* ---- kanji ------------------------------------------------------------------------------- */

/* Name variants (itaiji) and compatibility ideographs to the form the family register and
 * most databases use. Sorted by variant for bsearch. */
static const struct itaiji {
    uint32_t variant, standard;
} itaiji[] = {
    {0x4F5B, 0x4ECF},  /* 佛 仏 */ {0x4F86, 0x6765}, /* 來 来 */ {0x50B3, 0x4F1D}, /* 傳 伝 */
    {0x5152, 0x5150},  /* 兒 児 */ {0x519D, 0x5B9C}, /* 冝 宜 */ {0x51A8, 0x5BCC}, /* 冨 富 */
    {0x528D, 0x5263},  /* 劍 剣 */ {0x570B, 0x56FD}, /* 國 国 */ {0x5713, 0x5186}, /* 圓 円 */
    {0x57DC, 0x91CE},  /* 埜 野 */ {0x589E, 0x5897}, /* 增 増 */ {0x58FD, 0x5BFF}, /* 壽 寿 */
    {0x5B78, 0x5B66},  /* 學 学 */ {0x5BE6, 0x5B9F}, /* 實 実 */ {0x5CEF, 0x5CF0}, /* 峯 峰 */
    {0x5D5C, 0x5D0E},  /* 嵜 崎 */ {0x5D8B, 0x5CF6}, /* 嶋 島 */ {0x5D8C, 0x5CF6}, /* 嶌 島 */
    {0x5DBD, 0x5CB3},  /* 嶽 岳 */ {0x5DD6, 0x5DCC}, /* 巖 巌 */ {0x5EE3, 0x5E83}, /* 廣 広 */
    {0x5EF8, 0x8FEA},  /* 廸 迪 */ {0x5F4C, 0x5F25}, /* 彌 弥 */ {0x5FB7, 0x5FB3}, /* 德 徳 */
    {0x6046, 0x6052},  /* 恆 恒 */ {0x60E0, 0x6075}, /* 惠 恵 */ {0x6236, 0x6238}, /* 戶 戸 */
    {0x6649, 0x664B},  /* 晉 晋 */ {0x66FE, 0x66FD}, /* 曾 曽 */ {0x6703, 0x4F1A}, /* 會 会 */
    {0x6801, 0x67F3},  /* 栁 柳 */ {0x6852, 0x6851}, /* 桒 桑 */ {0x689D, 0x6761}, /* 條 条 */
    {0x69AE, 0x6804},  /* 榮 栄 */ {0x69C7, 0x69D9}, /* 槇 槙 */ {0x6A6B, 0x6A2A}, /* 橫 横 */
    {0x6A9C, 0x6867},  /* 檜 桧 */ {0x6AFB, 0x685C}, /* 櫻 桜 */ {0x6DF5, 0x6E15}, /* 淵 渕 */
    {0x6DF8, 0x6E05},  /* 淸 清 */ {0x6DFA, 0x6D45}, /* 淺 浅 */ {0x6F81, 0x6E0B}, /* 澁 渋 */
    {0x6FA4, 0x6CA2},  /* 澤 沢 */ {0x6FF1, 0x6D5C}, /* 濱 浜 */ {0x6FF5, 0x6D5C}, /* 濵 浜 */
    {0x7027, 0x6EDD},  /* 瀧 滝 */ {0x7028, 0x702C}, /* 瀨 瀬 */ {0x767C, 0x767A}, /* 發 発 */
    {0x771E, 0x771F},  /* 眞 真 */ {0x7895, 0x5D0E}, /* 碕 崎 */ {0x79AE, 0x793C}, /* 禮 礼 */
    {0x7A57, 0x7A42},  /* 穗 穂 */ {0x7AC8, 0x7AC3}, /* 竈 竃 */ {0x7C60, 0x7BED}, /* 籠 篭 */
    {0x7DD6, 0x7DD2},  /* 緖 緒 */ {0x7E23, 0x770C}, /* 縣 県 */ {0x7E3D, 0x7DCF}, /* 總 総 */
    {0x8070, 0x8061},  /* 聰 聡 */ {0x8207, 0x4E0E}, /* 與 与 */ {0x8218, 0x9928}, /* 舘 館 */
    {0x8229, 0x8239},  /* 舩 船 */ {0x838A, 0x8358}, /* 莊 荘 */ {0x842C, 0x4E07}, /* 萬 万 */
    {0x85CF, 0x8535},  /* 藏 蔵 */ {0x8606, 0x82A6}, /* 蘆 芦 */ {0x8C50, 0x8C4A}, /* 豐 豊 */
    {0x9089, 0x8FBA},  /* 邉 辺 */ {0x908A, 0x8FBA}, /* 邊 辺 */ {0x90A8, 0x6751}, /* 邨 村 */
    {0x90DE, 0x90CE},  /* 郞 郎 */ {0x9435, 0x9244}, /* 鐵 鉄 */ {0x95DC, 0x95A2}, /* 關 関 */
    {0x9751, 0x9752},  /* 靑 青 */ {0x975C, 0x9759}, /* 靜 静 */ {0x9AD9, 0x9AD8}, /* 髙 高 */
    {0x9ED1, 0x9ED2},  /* 黑 黒 */ {0x9F4A, 0x6589}, /* 齊 斉 */ {0x9F4B, 0x658E}, /* 齋 斎 */
    {0x9F8D, 0x7ADC},  /* 龍 竜 */ {0xF929, 0x6717}, /* 朗 */ {0xF92C, 0x90CE},    /* 郎 */
    {0xF9AB, 0x5DBA},  /* 嶺 */ {0xF9DC, 0x9686},    /* 隆 */ {0xFA10, 0x585A},    /* 塚 */
    {0xFA11, 0x5D0E},  /* 﨑 崎 */ {0xFA12, 0x6674}, /* 晴 */ {0xFA19, 0x795E},    /* 神 */
    {0xFA1A, 0x7965},  /* 祥 */ {0xFA1B, 0x798F},    /* 福 */ {0xFA22, 0x8AF8},    /* 諸 */
    {0xFA25, 0x9038},  /* 逸 */ {0xFA26, 0x90FD},    /* 都 */ {0xFA2C, 0x9928},    /* 館 */
    {0xFA44, 0x6885},  /* 梅 */ {0xFA45, 0x6D77},    /* 海 */ {0xFA4C, 0x793E},    /* 社 */
    {0xFA4F, 0x7950},  /* 祐 */ {0xFA50, 0x7956},    /* 祖 */ {0xFA51, 0x795D},    /* 祝 */
    {0xFA53, 0x798E},  /* 禎 */ {0xFA5B, 0x8005},    /* 者 */ {0xFA69, 0x97FF},    /* 響 */
    {0x20BB7, 0x5409},                                                             /* 𠮷 吉 */
};

static int itaiji_cmp(const void *a, const void *b)
{
    uint32_t x = ((const struct itaiji *)a)->variant, y = ((const struct itaiji *)b)->variant;
    return x < y ? -1 : x > y;
}

static uint32_t kanji_standard(uint32_t cp)
{
    struct itaiji key = {cp, 0};
    const struct itaiji *hit =
        bsearch(&key, itaiji, sizeof itaiji / sizeof itaiji[0], sizeof itaiji[0], itaiji_cmp);
    return hit ? hit->standard : cp;
}

uint32_t kana_kanji_variant(uint32_t cp)
{
    /* Prefer a variant outside the compatibility block: that is what registries store. */
    uint32_t found = 0;
    for (size_t i = 0; i < sizeof itaiji / sizeof itaiji[0]; i++)
        if (itaiji[i].standard == cp && (!found || (found >= 0xF900 && found <= 0xFAFF)))
            found = itaiji[i].variant;
    return found;
}

int kana_kanji_fold(const char *s, size_t len, char *out, size_t cap, size_t *outlen)
{
    if (!s || !out || cap == 0) return kt_fail(KT_EINVAL, "kana_kanji_fold: NULL argument");
    out[0] = 0;
    struct writer w = {out, cap, 0, 0};
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int n = utf8_decode(s + i, len - i, &cp);
        if (n <= 0 || cp == 0) return kt_fail(KT_EINVAL, "name is not valid UTF-8");
        i += (size_t)n;
        if (kana_is_separator(cp)) continue;
        if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0; /* full-width ASCII */
        if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
        if (!(kana_is_ideograph(cp) || is_kana(cp) || latin_letter(cp) || latin_ignorable(cp)))
            return kt_fail(KT_EINVAL, "character U+%04X cannot be in a name", (unsigned)cp);
        cp = kanji_standard(cp);
        char enc[4];
        put(&w, enc, (size_t)utf8_encode(cp, enc));
    }
    int rc = writer_done(&w, outlen);
    if (rc) return rc;
    if (w.n == 0) return kt_fail(KT_EINVAL, "empty name");
    return 0;
}

enum kana_script kana_classify(const char *s, size_t len)
{
    if (!s) return KANA_SCRIPT_INVALID;
    int ideograph = 0, letter = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int n = utf8_decode(s + i, len - i, &cp);
        if (n <= 0 || cp == 0) return KANA_SCRIPT_INVALID;
        i += (size_t)n;
        if (kana_is_ideograph(cp))
            ideograph = 1;
        else if ((is_kana(cp) && !voicing_mark(cp)) || latin_letter(cp))
            letter = 1;
        else if (!(kana_is_separator(cp) || voicing_mark(cp) || latin_ignorable(cp)))
            return KANA_SCRIPT_INVALID;
    }
    if (ideograph) return KANA_SCRIPT_KANJI;
    return letter ? KANA_SCRIPT_PHONETIC : KANA_SCRIPT_INVALID;
}
