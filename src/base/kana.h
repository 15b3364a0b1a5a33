/* Script normalisation for Japanese personal names: a phonetic key shared by every spelling of
 * one reading (hiragana, katakana, half-width katakana, Hepburn / Kunrei / Nihon-shiki romaji),
 * passport-style romanisation for display, and folding of kanji name variants (itaiji).
 *
 * All functions take a UTF-8 string as (pointer, byte length), need no NUL terminator, keep no
 * state and are safe to call from many threads. Output goes to a caller-owned buffer of cap
 * bytes which is always NUL-terminated on success; *outlen receives the length without the NUL.
 * Errors: KT_EINVAL (with a kt_fail() message) for input that is not a name in the expected
 * script, KT_ETOOBIG when the result does not fit in cap bytes. */
#ifndef KEITSU_BASE_KANA_H
#define KEITSU_BASE_KANA_H

#include <stddef.h>
#include <stdint.h>

/* Longest input, in kana or letters, that the converters accept; longer names are refused. */
#define KANA_MAX_MORAE 128

enum kana_script {
    KANA_SCRIPT_INVALID = 0,  /* empty, bad UTF-8, or a character that cannot be in a name */
    KANA_SCRIPT_PHONETIC = 1, /* only kana and/or Latin letters (plus separators and marks) */
    KANA_SCRIPT_KANJI = 2,    /* at least one CJK ideograph (kana and Latin may also occur) */
};

enum kana_romaji_style {
    KANA_ROMAJI_PASSPORT, /* "SATO", "ONO", "HOMMA", "INOUE": uppercase, long o/u dropped */
    KANA_ROMAJI_HEPBURN,  /* "satou", "oono", "honma", "ken'ichi": every kana spelled out */
    KANA_ROMAJI_KUNREI,   /* "satô", "ôno", "honma", "tuti", "syun'iti": ISO 3602 style */
};

/* The canonical phonetic key of one name token (no separators) written in hiragana, katakana
 * (full or half-width, voiced marks composed or separate, iteration marks ゝゞヽヾ), romaji in
 * any case and system, or a mix. The key is lowercase ASCII Hepburn with these folds, chosen so
 * that each spelling an officer or a registry is likely to use collapses to one string:
 *   - long vowels: aa ii uu ee oo ou ei oh ー ā â ... → one vowel (サトウ, SATOH, SATŌ → "sato");
 *     ei is folded too, because えい is written both "ei" and "ē" and the loss (Keko = Keiko) is
 *     harmless for a search key; an 'h' after a vowel and before a consonant or the end is a
 *     long-vowel mark (OHNO → "ono");
 *   - Kunrei / Nihon-shiki: si→shi, ti→chi, tu→tsu, hu→fu, zi/di→ji, du→zu, sy/ty/zy/jy/dy+a →
 *     sha/cha/ja; wo→o, v→b (ヴ = ブ), l→r; ヂ = ジ, ヅ = ズ, ヲ = オ, ヰ = イ, ヱ = エ;
 *   - moraic n is "n" also before b/m/p (SAMBA = SANBA, HOMMA = HONMA) and before vowels
 *     (apostrophes are dropped: SHIN'ICHI = SHINICHI = しんいち);
 *   - ッ doubles the next consonant (ハットリ = HATTORI, マッチ = MATCHI = MATTI → "macchi").
 * Returns 0, KT_EINVAL if the token is empty or holds kanji, separators, digits or symbols, or
 * KT_ETOOBIG. */
int kana_phonetic_key(const char *s, size_t len, char *out, size_t cap, size_t *outlen);

/* Kana (hiragana / katakana, full or half-width) to uppercase passport Hepburn for display:
 * サトウ → SATO, オオノ → ONO, イノウエ → INOUE, ホンマ → HOMMA. Separators (space, U+3000, ・)
 * become one ASCII space. KT_EINVAL on anything but kana and separators. */
int kana_to_romaji(const char *kana, size_t len, char *out, size_t cap, size_t *outlen);

/* Kana to romaji in the given style (kana_to_romaji() is the PASSPORT style). KUNREI output
 * uses circumflexes, so it is UTF-8 rather than ASCII. */
int kana_romanize(const char *kana, size_t len, enum kana_romaji_style style, char *out, size_t cap,
                  size_t *outlen);

/* Normalises a kanji name (token or full name): drops separators, folds full-width ASCII to
 * ASCII (letters to lowercase) and common name variants to their standard form (髙→高, 﨑→崎,
 * 邊/邉→辺, 澤→沢, 齋→斎, 𠮷→吉 and about 100 more, including the compatibility ideographs
 * that Unicode maps back). Kana are kept as they are. KT_EINVAL on bad UTF-8, digits, symbols
 * or an empty result. */
int kana_kanji_fold(const char *s, size_t len, char *out, size_t cap, size_t *outlen);

/* Which kind of name s[0..len) is; separators count as neutral. */
enum kana_script kana_classify(const char *s, size_t len);

/* True for a code point that separates name parts: ASCII space, U+3000, ・ (U+30FB), ･. */
int kana_is_separator(uint32_t cp);

/* True for a CJK ideograph, including 々 〆 〇 and the compatibility block. */
int kana_is_ideograph(uint32_t cp);

/* For benchmarks and tests: a variant form of the standard kanji cp (高 → 髙), or 0 if the
 * fold table has none. */
uint32_t kana_kanji_variant(uint32_t cp);

#endif
