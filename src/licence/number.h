/* The driver-licence number (運転免許証番号): twelve digits
 *
 *   CC YY SSSSSS D R
 *   CC      code of the public-safety commission (公安委員会) that first issued a licence to
 *           the holder: 10 北海道 (札幌), 11 函館, 12 旭川, 13 釧路, 14 北見, 20 青森 … 30 東京 …
 *           62 大阪 … 97 沖縄 (table in number.c);
 *   YY      last two digits of the year the holder was first licensed (西暦下2桁);
 *   SSSSSS  serial given by that commission;
 *   D       check digit: modulus 11 over the first ten digits with weights 5 4 3 2 7 6 5 4 3 2,
 *           D = (11 - sum mod 11) mod 10 (so a remainder of 0 and of 10 both give 1);
 *   R       reissue count (再交付): 0, then 1 … 9 after each reissue for loss or theft; after 9
 *           it goes back to 1.
 * Layout per 警察庁通達「運転免許証の番号の形式及び内容について」(1981) as described by
 * several public write-ups; the check-digit rule verified against published card numbers
 * (309156789011, 309012345620, 729913281070). See docs/licence.md for the sources.
 *
 * Pure functions, no state, thread-safe. */
#ifndef KEITSU_LICENCE_NUMBER_H
#define KEITSU_LICENCE_NUMBER_H

#include <stddef.h>
#include <stdint.h>

#define LICENCE_NUMBER_LEN 12

struct licence_number {
    char digits[LICENCE_NUMBER_LEN + 1]; /* the canonical twelve digits, NUL-terminated */
    int commission;                      /* 10..97 */
    int year2;                           /* 0..99 */
    long serial;                         /* 0..999999 */
    int check;                           /* the check digit as written */
    int reissue;                         /* 0..9 */
};

/* The check digit of the first ten digits d[0..9] ('0'..'9'). */
int licence_number_check_digit(const char *d);

/* Parses a number as typed: twelve ASCII or full-width digits, optionally grouped by spaces,
 * hyphens or "第…号" around it. On success fills *out and returns 0. Errors name the field
 * "number": KT_EVALID for a wrong length, a character that is not a digit, an unknown
 * commission code, or (after everything else is right) a wrong check digit; in that last case
 * *out is still filled, so a caller can say "the check digit is wrong" rather than "malformed".
 * Callers tell the two apart with licence_number_parse_ex(). */
int licence_number_parse(const char *s, size_t len, struct licence_number *out);

enum licence_number_problem {
    LICENCE_NUMBER_OK = 0,
    LICENCE_NUMBER_MALFORMED,   /* not twelve digits */
    LICENCE_NUMBER_COMMISSION,  /* no such commission code */
    LICENCE_NUMBER_CHECK_DIGIT, /* well-formed, known commission, but the check digit is wrong */
};
/* Like licence_number_parse() but says which problem the input has (kt_errmsg() is set too). */
int licence_number_parse_ex(const char *s, size_t len, struct licence_number *out,
                            enum licence_number_problem *problem);

/* Builds the number for (commission, year2, serial, reissue), computing its check digit, into
 * out (at least 13 bytes). KT_EINVAL if a part is out of range or the commission unknown. */
int licence_number_make(int commission, int year2, long serial, int reissue, char *out, size_t cap);

/* The next reissue digit after r: 0→1 … 8→9, 9→1. */
int licence_number_next_reissue(int r);

/* The commission's name ("東京", "函館") or NULL for an unknown code. */
const char *licence_commission_name(int code);
/* The code of the commission of a police organisation's name ("警視庁" → 30, "大阪府警察" → 62,
 * "北海道警察" → 10), or -1. */
int licence_commission_of_agency(const char *agency);

/* The number as a 64-bit key (its decimal value), for hash tables. */
uint64_t licence_number_key(const char *digits12);

#endif
