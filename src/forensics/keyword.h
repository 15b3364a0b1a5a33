/* Keyword search (キーワード検索) over bytes in the encodings Japanese media hold text in: each
 * keyword (given in UTF-8) is converted with iconv to UTF-8, UTF-16LE and Shift_JIS (CP932, the
 * Windows form), and every form is searched for as bytes. A form identical to another (an ASCII
 * keyword is the same in UTF-8 and Shift_JIS) is searched once, under the first name.
 *
 * A stream (a file's content, a run of the image) is fed in consecutive pieces of any size;
 * matches that straddle two pieces are found, and each match is reported once with its offset
 * from the start of the stream. */
#ifndef KEITSU_FORENSICS_KEYWORD_H
#define KEITSU_FORENSICS_KEYWORD_H

#include <stddef.h>
#include <stdint.h>

struct forensics_keywords;

/* Compiles n keywords (UTF-8, borrowed only during the call). 0 and *out (freed with
 * forensics_keywords_free()), KT_EINVAL if a keyword is empty, not UTF-8 or longer than 64 bytes
 * in one of the encodings, KT_ENOMEM. */
int forensics_keywords_new(const char *const *words, size_t n, struct forensics_keywords **out);
void forensics_keywords_free(struct forensics_keywords *kw);
/* From now on ASCII letters match in either case (PassWord finds password, PASSWORD) in every
 * encoding. Bytes outside A–Z/a–z still match exactly; in Shift_JIS a double-byte character
 * whose second byte is an ASCII letter may then match a letter of the other case too (a false
 * hit, never a missed one). Call before any stream is fed. */
void forensics_keywords_ignore_case(struct forensics_keywords *kw);
/* The number of byte patterns searched for (keywords × distinct encodings). */
size_t forensics_keywords_patterns(const struct forensics_keywords *kw);

/* A match: keyword (as given), encoding ("utf-8", "utf-16le", "shift_jis"), stream offset. */
typedef int (*forensics_keyword_fn)(void *ctx, const char *keyword, const char *encoding,
                                    uint64_t off);

/* One stream's search state. The keywords are borrowed and must outlive it. */
struct forensics_kw_stream {
    const struct forensics_keywords *kw;
    forensics_keyword_fn fn;
    void *ctx;
    uint64_t pos;      /* stream offset of the next byte fed */
    uint8_t carry[64]; /* the stream's last bytes, for matches across pieces */
    size_t ncarry;
};

void forensics_kw_stream_init(struct forensics_kw_stream *s, const struct forensics_keywords *kw,
                              forensics_keyword_fn fn, void *ctx);
/* Feeds the next n bytes of the stream. 0, or the callback's non-zero value. */
int forensics_kw_stream_feed(struct forensics_kw_stream *s, const void *data, size_t n);

#endif
