/* Identifiers as lookup keys: VINs, 車台番号 (Japanese chassis numbers), firearm serials and
 * document numbers, folded so that the ways people type and misread them meet on one key. */
#ifndef KEITSU_RECORDS_IDENT_H
#define KEITSU_RECORDS_IDENT_H

#include <stddef.h>

/* Longest key ident_key() produces, in characters (out needs IDENT_KEY_MAX + 1 bytes). */
#define IDENT_KEY_MAX 32

/* Writes the lookup key of the identifier s[0..len) (UTF-8, need not be NUL-terminated) into
 * out[0..cap): full-width ASCII folded to ASCII, letters upper-cased, separators dropped
 * (spaces, full-width space, - . / _ : < , the hyphens ‐ ‑ ‒ – — − ー and the dot ・), then
 * the confusable letters O and I folded to the digits 0 and 1 so that a misread serial still
 * hits. 0 on success; KT_EINVAL with a kt_fail() message when the text is not UTF-8, holds
 * anything but letters, digits and separators, leaves nothing, leaves more than
 * IDENT_KEY_MAX characters, or the key does not fit in cap (out is then ""). */
int ident_key(const char *s, size_t len, char *out, size_t cap);

/* Checks a 17-character ISO 3779 VIN in s[0..len) (case, full-width characters and
 * separators are folded as in ident_key(), but I, O and Q are refused as ISO 3779 refuses
 * them). Returns 0 when it is well-formed and its North-American check digit (position 9,
 * 0-9 or X) verifies; 1 when it is well-formed but the check digit does not verify, which is
 * only informational since VINs from outside North America need not carry one; KT_EINVAL with
 * a kt_fail() message when it is not a 17-character VIN. */
int ident_vin_check(const char *s, size_t len);

/* Whether s[0..len) is a plausible Japanese 車台番号 such as "ZVW30-1234567" or
 * "HA36S-123456": a model code (a letter, then 1 to 7 letters or digits, at least one a
 * digit), a hyphen, and a serial of 4 to 8 digits. Case, full-width characters, surrounding
 * spaces and the hyphen variants are folded first. 1 if plausible, 0 otherwise (including
 * invalid UTF-8); sets no error message. */
int ident_chassis_valid(const char *s, size_t len);

#endif
