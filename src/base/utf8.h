/* UTF-8 decoding and encoding (RFC 3629: no overlongs, no surrogates, max U+10FFFF). */
#ifndef KEITSU_BASE_UTF8_H
#define KEITSU_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s[0..len). On success stores it in *cp and returns the number of
 * bytes used (1..4); returns 0 if len == 0 and -1 on an invalid or truncated sequence. */
int utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Writes cp as UTF-8 into out (room for 4 bytes); returns the byte count, 0 if cp is invalid. */
int utf8_encode(uint32_t cp, char out[4]);

/* True when s[0..len) is entirely valid UTF-8 and contains no NUL byte. */
int utf8_valid(const char *s, size_t len);

/* Number of code points in a valid UTF-8 string s[0..len); -1 if invalid. */
long utf8_length(const char *s, size_t len);

/* Maps a typed code point to ASCII where it has an obvious ASCII meaning, for parsers of typed
 * identifiers (plates, serials, document numbers): any space (U+3000, NBSP, tab, CR, LF) to
 * ' ', full-width ASCII to ASCII, lower-case letters to upper case, hyphen, dash and minus
 * variants (and the long-vowel mark ー/ｰ) to '-', middle dots and bullets to '.'. Anything
 * else is returned unchanged. */
uint32_t utf8_fold_ascii(uint32_t cp);

#endif
