/* Machine readable zones of travel documents (ICAO Doc 9303): passports (TD3, 2 lines of 44),
 * TD2 cards (2 lines of 36), ID cards (TD1, 3 lines of 30), and the visas laid out like TD3
 * (MRV-A) and TD2 (MRV-B).
 *
 * Input: the lines separated by "\n" or "\r\n", or run together without a separator (88, 72
 * or 90 characters). Whitespace around the whole text and around each line is trimmed and
 * blank lines are skipped. Lower-case letters are upper-cased (people retype MRZs by hand and
 * the MRZ alphabet has no lower case, so nothing is lost); every other character outside
 * A-Z 0-9 < is refused.
 *
 * Checks: every check digit the layout defines (document number, birth date, expiry date,
 * TD3 personal number, composite; visas have no composite), that the dates are real calendar
 * dates, that the sex is M, F or < and that the country codes are letters. A TD1 or TD2
 * document number longer than 9 characters is read from the optional data as Doc 9303
 * Parts 5 and 6 describe (check-digit position '<', the rest of the number and its check
 * digit at the start of the optional data). A birth or expiry date with unknown parts
 * ('<<') is refused.
 *
 * Failures return KT_EINVAL (not an MRZ: wrong line count or length, bad characters, a date
 * that is not digits) or KT_EVALID (an MRZ that does not verify: check digit, impossible date)
 * with a kt_fail() message naming the line and the field, e.g.
 * "mrz: line 2 birth date check digit is 3, expected 2". */
#ifndef KEITSU_RECORDS_MRZ_H
#define KEITSU_RECORDS_MRZ_H

#include <stddef.h>

enum { MRZ_TD1 = 1, MRZ_TD2 = 2, MRZ_TD3 = 3 };

/* A parsed MRZ; plain data, owns nothing. Strings are NUL-terminated ASCII with the filler
 * '<' removed from the ends (and turned into spaces inside names). */
struct mrz {
    int format;          /* MRZ_TD1, MRZ_TD2, MRZ_TD3 (visas: the layout they share) */
    char doc_type[3];    /* "P", "I", "ID", "AC", "V" ... */
    char issuer[4];      /* issuing state or organisation, "UTO", "D" */
    char number[16];     /* document number, up to 9 characters, more with TD1/TD2 overflow */
    char nationality[4]; /* "UTO", "D" */
    char birth_date[11]; /* YYYY-MM-DD; the century is the latest that is not in the future */
    char sex;            /* 'M', 'F', 'X' (unspecified, '<' in the MRZ) */
    char expiry[11];     /* YYYY-MM-DD, always 20YY */
    char surname[64];    /* primary identifier, "ERIKSSON" */
    char given[64];      /* secondary identifier, "ANNA MARIA"; may be "" */
    char optional[32];   /* TD3 personal number, TD2 optional data, TD1 optional data 1 and 2
                            joined by a space */
};

/* Parses and verifies the MRZ in text[0..len) (need not be NUL-terminated) into *out.
 * 0 on success; KT_EINVAL or KT_EVALID with a kt_fail() message otherwise (*out is then
 * unspecified). */
int mrz_parse(const char *text, size_t len, struct mrz *out);

/* The Doc 9303 check digit of s[0..len): weights 7 3 1 repeating, '0'-'9' count as 0-9,
 * 'A'-'Z' as 10-35, '<' as 0; the sum modulo 10. Returns 0..9, or -1 if s holds any other
 * character (lower case included). */
int mrz_check_digit(const char *s, size_t len);

#endif
