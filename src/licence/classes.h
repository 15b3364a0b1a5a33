/* Licence classes (免許の種類), their age and experience rules, conditions (条件), and the
 * validity period and colour band of a card. Pure computation, thread-safe; dates are day
 * numbers (jtime_days: days since 1970-01-01).
 *
 * Sources (docs/licence.md lists them with links):
 *   classes and what each includes   道路交通法 第84条, 第85条第2項
 *   age and experience               道路交通法 第88条第1項第1号 (大型 21歳・3年, 中型 20歳・2年,
 *                                    準中型・普通・大特・大自二・けん引 18歳, 普自二・小特・原付
 * 16歳, 第二種 21歳・3年) validity period                  道路交通法 第92条の2第1項 (表) and 第2項
 * (2月29日生まれ) 優良・一般・違反運転者の基準        道路交通法施行令 第33条の7 (基準日 =
 * 特定誕生日の40日前; the five years before it) colour band                      道路交通法施行規則
 * 第19条 / 別記様式第十四 (緑: 新規取得者, 金: 優良運転者, 青: その他) */
#ifndef KEITSU_LICENCE_CLASSES_H
#define KEITSU_LICENCE_CLASSES_H

#include "licence/points.h"

#include <stddef.h>
#include <stdint.h>

enum licence_class {
    LC_OGATA,      /* 大型 */
    LC_CHUGATA,    /* 中型 */
    LC_JUNCHUGATA, /* 準中型 */
    LC_FUTSU,      /* 普通 */
    LC_DAITOKU,    /* 大特 */
    LC_DAIJINI,    /* 大自二 */
    LC_FUJINI,     /* 普自二 */
    LC_KOTOKU,     /* 小特 */
    LC_GENTSUKI,   /* 原付 */
    LC_KENIN,      /* けん引 */
    LC_OGATA2,     /* 大型二種 */
    LC_CHUGATA2,   /* 中型二種 */
    LC_FUTSU2,     /* 普通二種 */
    LC_DAITOKU2,   /* 大特二種 */
    LC_KENIN2,     /* けん引二種 */
    LC_COUNT
};

/* The class of a code ("futsu") or of its label ("普通"); -1 if neither. */
int licence_class_find(const char *s);
const char *licence_class_code(int c);  /* "futsu" */
const char *licence_class_label(int c); /* "普通" */
/* Which date box of the card the class goes in: "二・小・原", "他" or "二種". */
const char *licence_class_card_group(int c);

struct licence_class_grant {
    int cls;          /* enum licence_class */
    long acquired_on; /* 取得年月日 (day) */
};

/* Checks a holder's set of classes against the law: no class twice, none that another in the
 * set already includes (大型 with 普通: list only 大型), each acquired at or after its minimum
 * age and with the experience its rule requires by then (counted from the earliest qualifying
 * class in the set), none acquired before birth or after today. Returns 0 or KT_EVALID with
 * a message naming the field ("classes[2]: 大型 needs 3 years of 中型, 準中型, 普通 or 大特;
 * the holder had 1"). experience_since (a day, 0 if none) is when the holder first held a
 * four-wheeled first-class licence that a class in the set now includes (the card's "他" date
 * after an upgrade: 普通 since 2015, 大型 since 2020 lists only 大型). */
int licence_classes_check(const struct licence_class_grant *g, size_t n, long birth, long today,
                          long experience_since);

/* Conditions (免許の条件): code ("glasses") or label ("眼鏡等") to index, -1 if unknown. */
int licence_condition_find(const char *s);
const char *licence_condition_code(int k);
const char *licence_condition_label(int k);
/* 0 if condition k fits the classes (AT限定 needs a four-wheeled class, 中型8t限定 needs 中型,
 * …), else KT_EVALID naming field. */
int licence_condition_check(int k, const struct licence_class_grant *g, size_t n,
                            const char *field);

/* Full years of age on day at (a person turns a year older on the birthday). */
int licence_age_on(int by, int bm, int bd, long at);

/* Driver categories at issue or renewal (第92条の2 表, 施行令第33条の7). */
enum licence_category {
    LICENCE_CAT_NEW,           /* 新規取得: 3回目の誕生日, green band */
    LICENCE_CAT_FIRST_RENEWAL, /* 初回更新者 (continuous licence < 5 years): 違反運転者等, 3 */
    LICENCE_CAT_GOOD,          /* 優良運転者: 5 (70歳 4, 71歳以上 3), gold */
    LICENCE_CAT_GENERAL,  /* 一般運転者 (one 軽微違反 of 3 points or less): 5/4/3, blue */
    LICENCE_CAT_VIOLATOR, /* 違反運転者: 3, blue */
};
const char *licence_category_name(enum licence_category c); /* "good", "general", … */
const char *licence_band_name(enum licence_category c);     /* "green", "gold", "blue" */

/* The category at a renewal on day renewed_on whose 特定誕生日 (the birthday in the renewal
 * period) is special_birthday, for a holder continuously licensed since first_licensed and
 * with the events ev (violations and accidents; dispositions are ignored). Violations and
 * accidents in the five years before the 基準日 (special_birthday − 40) count. */
enum licence_category licence_renewal_category(long first_licensed, long renewed_on,
                                               long special_birthday,
                                               const struct licence_event *ev, size_t n);

/* Validity in birthdays (5, 4 or 3) for a category and the age on the day of issue/renewal. */
int licence_validity_birthdays(enum licence_category c, int age);

/* The last day of validity: one month after the holder's n-th birthday after base (the issue
 * day for a new licence, the old expiry for a renewal in the renewal period, the day of the
 * aptitude test for an early renewal). A 29 February birthday counts as 28 February in common
 * years (第92条の2第2項); "one month after" a day the next month lacks is that month's end. */
long licence_expiry(int by, int bm, int bd, long base, int n);

/* The holder's birthday in year y (28 Feb for 29 Feb in a common year), as a day. */
long licence_birthday_in(int by, int bm, int bd, int y);

/* Calendar helper: y/m/d of a day number. */
void licence_civil(long day, int *y, int *m, int *d);

#endif
