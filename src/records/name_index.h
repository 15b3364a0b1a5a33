/* In-memory name index for the query centre (照会): "is this person wanted or missing?".
 *
 * A field officer types a name in whatever script they have: 漢字, ひらがな, カタカナ, half-width
 * ｶﾀｶﾅ, romaji in any system, family and given name in either order, with or without a space.
 * Records carry kanji, kana and romaji forms ("FAMILY GIVEN", separated by an ASCII space,
 * U+3000 or ・) and any number of aliases under the same id.
 *
 * What is indexed, per name form added (all keys from base/kana.h):
 *   - the phonetic key of family+given and of given+family (from kana, else romaji; when both
 *     are given and read differently, both readings are indexed);
 *   - the one-deletion neighbourhood of the family+given key (symmetric-delete), for typos; a
 *     query of several parts is also tried in reverse order, so "taro yamadq" finds YAMADA TARO,
 *     but a given-first query typed without a space and with a typo is not found;
 *   - the folded kanji family+given and its one-deletion neighbourhood (one wrong kanji);
 *   - folded kanji family + phonetic given, and phonetic family + kanji given, for mixed queries
 *     such as "山田 タロウ".
 * A search only touches the postings of full-name keys, never everyone sharing a surname.
 *
 * Scoring (score in 0..1, per id the best over its names):
 *   1.0   the query's normalised form equals a name of the record: same phonetic key in either
 *         order, same folded kanji (itaiji folded: 髙橋 = 高橋), or same kanji + reading parts;
 *   0.80..0.90  phonetic key one edit away (insertion, deletion, substitution or swap of
 *         adjacent letters): 1 - 1/L clamped to [0.80, 0.90], L the longer key's length, so a
 *         typo in a short name counts for less; only when both keys have >= 4 letters;
 *   0.60..0.80  kanji one edit away (one wrong, missing or extra kanji): 1 - 1/N clamped to
 *         [0.60, 0.80], N the longer name's kanji count, only for names of >= 3 characters
 *         (山田太郎 vs 山本太郎 = 0.75).
 * Names two or more edits apart are not returned. Mixed-script queries have no typo tolerance.
 * Typo lookups are skipped when min_score is above 0.90 or exact hits already fill max.
 * A query of one part never matches a family or given name alone: "sato" finds nobody.
 *
 * Concurrency: name_index_search(), name_scripts_agree() and name_variant_make() only read
 * shared state and may run in many threads at once; name_index_add() / name_index_remove() /
 * name_index_free() need exclusive access (the caller holds a rwlock).
 * Ownership: the index owns all its memory and copies what it needs from its arguments; hits
 * and output buffers belong to the caller. */
#ifndef KEITSU_RECORDS_NAME_INDEX_H
#define KEITSU_RECORDS_NAME_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct name_index; /* opaque; owns all its memory */

struct name_entry {
    const char *kanji, *kana, *romaji; /* "FAMILY GIVEN"; any may be NULL, not all */
    const char *birth_date;            /* "YYYY-MM-DD" or NULL */
    char sex;                          /* 'M', 'F', 'U' or 0 */
};

struct name_hit {
    uint32_t id;
    float score; /* 0..1, 1 = exact normalised match; see the scoring above */
};

/* Creates an empty index in *out; free it with name_index_free(). 0 or KT_ENOMEM. */
int name_index_create(struct name_index **out);

/* Frees the index and everything it holds; NULL is allowed. */
void name_index_free(struct name_index *ix);

/* Adds one name of person id; call again with the same id for each alias. Every non-NULL field
 * must be valid (kana only kana, romaji only Latin letters, kanji a kanji name, each at most
 * about 30 characters), else KT_EINVAL and nothing is added. KT_ENOMEM leaves the index as it
 * was. */
int name_index_add(struct name_index *ix, uint32_t id, const struct name_entry *e);

/* Removes every name of id (e.g. the record was cleared). 0, or KT_ENOTFOUND if id has none. */
int name_index_remove(struct name_index *ix, uint32_t id);

/* Number of names (entries including aliases) currently indexed. */
size_t name_index_count(const struct name_index *ix);

/* Searches for query, a name in any script or mix ("山田 タロウ", "taro yamada", "ﾔﾏﾀﾞﾀﾛｳ").
 * birth_date ("YYYY-MM-DD") and sex ('M'/'F') narrow the result when given (NULL / 0 / 'U' = no
 * filter); a name whose record lacks the field is not excluded. Writes up to max hits into
 * hits[], best first (ties by ascending id), each id once with its best score; hits below
 * min_score are left out. *nhits receives the number written. Returns 0, KT_EINVAL for a query
 * with characters that cannot be in a name (digits, symbols, bad UTF-8) or a malformed filter,
 * or KT_ENOMEM. Reentrant. */
int name_index_search(const struct name_index *ix, const char *query, const char *birth_date,
                      char sex, float min_score, struct name_hit *hits, size_t max, size_t *nhits);

/* 1 if the kana and romaji forms of a name ("FAMILY GIVEN" each) denote the same reading, part
 * by part (romaji given-first is accepted), 0 if not, KT_EINVAL if either is not a name in its
 * script. Used to reject registrations whose scripts disagree. */
int name_scripts_agree(const char *kana, const char *romaji);

/* For recall benchmarks: writes into out (cap bytes, NUL-terminated) the k-th variant spelling
 * of a registered name (kanji may be NULL; kana is "FAMILY GIVEN" in hiragana or katakana):
 *   0 hiragana "やまだ たろう"          1 katakana without space "ヤマダタロウ"
 *   2 half-width katakana "ﾔﾏﾀﾞ ﾀﾛｳ"    3 passport Hepburn given-first "TARO YAMADA"
 *   4 Kunrei romaji "satô tarô"         5 long vowels spelled out "SATOH TAROU"
 *   6 kanji with one itaiji "髙橋 一郎" (the katakana name if no character has a variant)
 *   7 passport romaji with one consonant mistyped "YAMADA TAKO"
 * Returns 0, KT_EINVAL for k > 7 or an invalid name, KT_ETOOBIG if out is too small. */
int name_variant_make(const char *kanji, const char *kana, unsigned k, char *out, size_t cap);

#endif
