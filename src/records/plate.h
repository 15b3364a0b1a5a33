/* Japanese licence plates (自動車登録番号標): parsing what a user typed, a canonical lookup key,
 * and the display form.
 *
 * A plate reads "品川 300 さ 12-34": region name (地名), class number (分類番号), one kana
 * (用途 letter) and a serial (一連指定番号) of 1..9999 shown as "12-34", "・123", "・・12",
 * "・・・1". The parser accepts the plate however it was typed: with or without ASCII or
 * full-width spaces, any common hyphen (- − ー ‐ ‑ － – —), full-width digits and letters,
 * katakana (full- or half-width) for the kana and for kana region names, and ・ ･ . • · for
 * the blank serial positions. Leading zeros ("0012") are read as blanks.
 *
 * What counts as valid:
 *  - region: one of plate_region_name() (every 運輸支局/自動車検査登録事務所 name and every
 *    ご当地 name issued up to the 2025 additions 十勝 日光 江戸川 安曇野 南信州 彦根).
 *    袖ケ浦 may be typed 袖ヶ浦.
 *  - class: 1 to 3 characters, the first a digit; since 2017 the second and third characters
 *    of a 3-character class may be one of the ten letters A C F H K L M P X Y (the others are
 *    excluded because they read like digits or kana). All-zero classes are refused.
 *  - kana: the hiragana used on plates, i.e. every letter of the 50-sound table except
 *    お し へ ん (private さ..ろ and よ, business あいうえかきくけこを, rental わ れ), or one of
 * the Latin letters A B E H K M T Y on plates of US forces personnel (A B on kei cars).
 *  - serial: 1 to 9999.
 *
 * Failures return KT_EINVAL (malformed: bad UTF-8, stray characters, a part missing) or
 * KT_EVALID (well-formed but not a plate: unknown region, kana not used on plates, serial 0)
 * and record a message with kt_fail() that names the offending part. */
#ifndef KEITSU_RECORDS_PLATE_H
#define KEITSU_RECORDS_PLATE_H

#include <stddef.h>

enum {
    PLATE_HAS_REGION = 1,
    PLATE_HAS_CLASS = 2,
    PLATE_HAS_KANA = 4,
    PLATE_HAS_SERIAL = 8,
    PLATE_HAS_ALL = 15,
};

/* A parsed plate; plain data, owns nothing. Absent parts are "" (serial 0) and their bit is
 * clear in fields. Strings are NUL-terminated UTF-8: region as spelled in the region table,
 * class_no in ASCII upper case, kana as one hiragana or one ASCII upper-case letter. */
struct plate {
    char region[40];
    char class_no[8];
    char kana[8];
    unsigned serial; /* 1..9999; 0 = absent */
    unsigned fields; /* PLATE_HAS_* bits */
};

/* Parses a complete plate from s[0..len) (need not be NUL-terminated) into *out.
 * 0 on success; KT_EINVAL or KT_EVALID with a kt_fail() message otherwise (*out is then
 * unspecified). */
int plate_parse(const char *s, size_t len, struct plate *out);

/* Parses what an officer saw: any subset of the parts, in plate order, that includes the
 * serial ("さ 12-34", "品川 12-34", "300 さ 1234", "1234"). Same codes as plate_parse(). A
 * class without a kana must be separated from the serial by a space ("品川 300 1234"). */
int plate_parse_partial(const char *s, size_t len, struct plate *out);

/* Writes the canonical key "品川|300|さ|1234" (serial zero-padded to 4 digits) into
 * out[0..cap). Absent parts of a partial plate give empty fields ("|||1234"). 0 on success;
 * KT_EINVAL if p has no serial or out is too small (out is then ""). */
int plate_key(const struct plate *p, char *out, size_t cap);

/* Writes the display form as on the plate, "品川 300 さ 12-34" / "品川 300 さ ・・12", leaving
 * out absent parts. 0 on success; KT_EINVAL if p has no serial or out is too small. */
int plate_format(const struct plate *p, char *out, size_t cap);

/* The known region names, in the order of the prefectures; the strings are static. */
size_t plate_region_count(void);
/* Region i (0 <= i < plate_region_count()); NULL when i is out of range. */
const char *plate_region_name(size_t i);

#endif
