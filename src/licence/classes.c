/* Licence classes, conditions, validity and band. See classes.h for the articles. */
#include "licence/classes.h"

#include "base/err.h"
#include "base/jtime.h"

#include <string.h>

#define BIT(c) (1u << (c))
#define FOUR_WHEEL_1                                                                               \
    (BIT(LC_OGATA) | BIT(LC_CHUGATA) | BIT(LC_JUNCHUGATA) | BIT(LC_FUTSU) | BIT(LC_DAITOKU))
#define SECOND_CLASS                                                                               \
    (BIT(LC_OGATA2) | BIT(LC_CHUGATA2) | BIT(LC_FUTSU2) | BIT(LC_DAITOKU2) | BIT(LC_KENIN2))

static const struct {
    const char *code, *label, *group;
    int min_age;
    int exp_years;     /* experience needed (第88条第1項第1号) */
    unsigned exp_from; /* classes whose holding counts as that experience */
    unsigned includes; /* classes this one includes (第85条第2項) */
    const char *exp_text;
} classes[LC_COUNT] = {
    [LC_OGATA] = {"ogata", "大型", "他", 21, 3,
                  BIT(LC_CHUGATA) | BIT(LC_JUNCHUGATA) | BIT(LC_FUTSU) | BIT(LC_DAITOKU),
                  BIT(LC_CHUGATA) | BIT(LC_JUNCHUGATA) | BIT(LC_FUTSU) | BIT(LC_KOTOKU) |
                      BIT(LC_GENTSUKI),
                  "中型, 準中型, 普通 or 大特"},
    [LC_CHUGATA] = {"chugata", "中型", "他", 20, 2,
                    BIT(LC_JUNCHUGATA) | BIT(LC_FUTSU) | BIT(LC_DAITOKU),
                    BIT(LC_JUNCHUGATA) | BIT(LC_FUTSU) | BIT(LC_KOTOKU) | BIT(LC_GENTSUKI),
                    "準中型, 普通 or 大特"},
    [LC_JUNCHUGATA] = {"junchugata", "準中型", "他", 18, 0, 0,
                       BIT(LC_FUTSU) | BIT(LC_KOTOKU) | BIT(LC_GENTSUKI), NULL},
    [LC_FUTSU] = {"futsu", "普通", "他", 18, 0, 0, BIT(LC_KOTOKU) | BIT(LC_GENTSUKI), NULL},
    [LC_DAITOKU] = {"daitoku", "大特", "他", 18, 0, 0, BIT(LC_KOTOKU) | BIT(LC_GENTSUKI), NULL},
    [LC_DAIJINI] = {"daijini", "大自二", "二・小・原", 18, 0, 0,
                    BIT(LC_FUJINI) | BIT(LC_KOTOKU) | BIT(LC_GENTSUKI), NULL},
    [LC_FUJINI] = {"fujini", "普自二", "二・小・原", 16, 0, 0, BIT(LC_KOTOKU) | BIT(LC_GENTSUKI),
                   NULL},
    [LC_KOTOKU] = {"kotoku", "小特", "二・小・原", 16, 0, 0, 0, NULL},
    [LC_GENTSUKI] = {"gentsuki", "原付", "二・小・原", 16, 0, 0, 0, NULL},
    [LC_KENIN] = {"kenin", "けん引", "他", 18, 0, 0, 0, NULL},
    [LC_OGATA2] = {"ogata2", "大型二種", "二種", 21, 3, FOUR_WHEEL_1,
                   BIT(LC_CHUGATA2) | BIT(LC_FUTSU2), "大型, 中型, 準中型, 普通 or 大特"},
    [LC_CHUGATA2] = {"chugata2", "中型二種", "二種", 21, 3, FOUR_WHEEL_1, BIT(LC_FUTSU2),
                     "大型, 中型, 準中型, 普通 or 大特"},
    [LC_FUTSU2] = {"futsu2", "普通二種", "二種", 21, 3, FOUR_WHEEL_1, 0,
                   "大型, 中型, 準中型, 普通 or 大特"},
    [LC_DAITOKU2] = {"daitoku2", "大特二種", "二種", 21, 3, FOUR_WHEEL_1, 0,
                     "大型, 中型, 準中型, 普通 or 大特"},
    [LC_KENIN2] = {"kenin2", "けん引二種", "二種", 21, 3, FOUR_WHEEL_1, BIT(LC_KENIN),
                   "大型, 中型, 準中型, 普通 or 大特"},
};

int licence_class_find(const char *s)
{
    for (int c = 0; s && c < LC_COUNT; c++)
        if (strcmp(s, classes[c].code) == 0 || strcmp(s, classes[c].label) == 0) return c;
    return -1;
}

const char *licence_class_code(int c)
{
    return classes[c].code;
}

const char *licence_class_label(int c)
{
    return classes[c].label;
}

const char *licence_class_card_group(int c)
{
    return classes[c].group;
}

void licence_civil(long day, int *y, int *m, int *d)
{
    /* Howard Hinnant's civil_from_days. */
    long z = day + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

long licence_birthday_in(int by, int bm, int bd, int y)
{
    (void)by;
    if (bm == 2 && bd == 29 && !leap(y)) bd = 28;
    return jtime_days(y, bm, bd);
}

int licence_age_on(int by, int bm, int bd, long at)
{
    int y, m, d;
    licence_civil(at, &y, &m, &d);
    int age = y - by;
    if (at < licence_birthday_in(by, bm, bd, y)) age--;
    return age;
}

long licence_expiry(int by, int bm, int bd, long base, int n)
{
    int y, m, d;
    licence_civil(base, &y, &m, &d);
    /* the first birthday strictly after base */
    long first = licence_birthday_in(by, bm, bd, y);
    int fy = first > base ? y : y + 1;
    int ey = fy + n - 1;
    long bday = licence_birthday_in(by, bm, bd, ey);
    int yy, mm, dd;
    licence_civil(bday, &yy, &mm, &dd);
    if (++mm > 12) {
        mm = 1;
        yy++;
    }
    if (dd > month_days(yy, mm)) dd = month_days(yy, mm);
    return jtime_days(yy, mm, dd);
}

const char *licence_category_name(enum licence_category c)
{
    static const char *const n[] = {"new", "first_renewal", "good", "general", "violator"};
    return n[c];
}

const char *licence_band_name(enum licence_category c)
{
    return c == LICENCE_CAT_NEW ? "green" : c == LICENCE_CAT_GOOD ? "gold" : "blue";
}

enum licence_category licence_renewal_category(long first_licensed, long renewed_on,
                                               long special_birthday,
                                               const struct licence_event *ev, size_t n)
{
    int fy, fm, fd;
    licence_civil(first_licensed, &fy, &fm, &fd);
    /* continuous for five years: the fifth anniversary of first licensing has come */
    long five = licence_birthday_in(fy + 5, fm, fd, fy + 5);
    if (renewed_on < five) return LICENCE_CAT_FIRST_RENEWAL;
    long base = special_birthday - 40; /* 基準日 (施行令第33条の7第1項第1号) */
    int by, bm, bd;
    licence_civil(base, &by, &bm, &bd);
    long from = licence_birthday_in(by - 5, bm, bd, by - 5);
    int violations = 0, minor = 0, accident = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].day < from || ev[i].day >= base) continue;
        if (ev[i].type == LICENCE_EV_ACCIDENT) accident = 1;
        if (ev[i].type != LICENCE_EV_VIOLATION) continue;
        violations++;
        if (ev[i].points <= 3) minor++;
    }
    if (!violations && !accident) return LICENCE_CAT_GOOD;
    if (violations == 1 && minor == 1 && !accident) return LICENCE_CAT_GENERAL;
    return LICENCE_CAT_VIOLATOR;
}

int licence_validity_birthdays(enum licence_category c, int age)
{
    if (c != LICENCE_CAT_GOOD && c != LICENCE_CAT_GENERAL) return 3;
    return age < 70 ? 5 : age == 70 ? 4 : 3;
}

int licence_classes_check(const struct licence_class_grant *g, size_t n, long birth, long today,
                          long experience_since)
{
    if (n == 0) return kt_fail(KT_EVALID, "classes: at least one class is required");
    int by, bm, bd;
    licence_civil(birth, &by, &bm, &bd);
    unsigned held = 0;
    for (size_t i = 0; i < n; i++) {
        int c = g[i].cls;
        if (held & BIT(c))
            return kt_fail(KT_EVALID, "classes[%zu]: %s is listed twice", i, classes[c].label);
        held |= BIT(c);
        if (g[i].acquired_on > today)
            return kt_fail(KT_EVALID, "classes[%zu].acquired_on: in the future", i);
        if (g[i].acquired_on < birth)
            return kt_fail(KT_EVALID, "classes[%zu].acquired_on: before the birth date", i);
        int age = licence_age_on(by, bm, bd, g[i].acquired_on);
        if (age < classes[c].min_age)
            return kt_fail(KT_EVALID,
                           "classes[%zu]: %s needs the age of %d (道路交通法第88条); the holder was"
                           " %d",
                           i, classes[c].label, classes[c].min_age, age);
    }
    for (size_t i = 0; i < n; i++) {
        int c = g[i].cls;
        for (int o = 0; o < LC_COUNT; o++)
            if ((held & BIT(o)) && (classes[o].includes & BIT(c)))
                return kt_fail(KT_EVALID,
                               "classes[%zu]: %s is included in %s (道路交通法第85条第2項); list"
                               " only %s",
                               i, classes[c].label, classes[o].label, classes[o].label);
        if (!classes[c].exp_years) continue;
        long earliest = experience_since > 0 ? experience_since : -1;
        for (size_t j = 0; j < n; j++)
            if ((classes[c].exp_from & BIT(g[j].cls)) &&
                (earliest < 0 || g[j].acquired_on < earliest))
                earliest = g[j].acquired_on;
        int years = 0;
        if (earliest >= 0 && earliest <= g[i].acquired_on) {
            int ey, em, ed;
            licence_civil(earliest, &ey, &em, &ed);
            years = licence_age_on(ey, em, ed, g[i].acquired_on);
        }
        if (years < classes[c].exp_years)
            return kt_fail(KT_EVALID,
                           "classes[%zu]: %s needs %d years of %s (道路交通法第88条); the holder"
                           " had %d",
                           i, classes[c].label, classes[c].exp_years, classes[c].exp_text, years);
    }
    return 0;
}

static const struct {
    const char *code, *label;
    unsigned needs; /* any of these classes; 0 = any class */
} conditions[] = {
    {"glasses", "眼鏡等", 0},
    {"hearing_aid", "補聴器", 0},
    {"at", "AT車に限る", FOUR_WHEEL_1 | SECOND_CLASS},
    {"chugata_8t", "中型車は中型車(8t)に限る", BIT(LC_CHUGATA)},
    {"junchugata_5t", "準中型で運転できる準中型車は準中型車(5t)に限る", BIT(LC_JUNCHUGATA)},
    {"daijini_at", "大自二はAT車に限る", BIT(LC_DAIJINI)},
    {"fujini_small", "普自二は小型車に限る", BIT(LC_FUJINI)},
    {"fujini_small_at", "普自二は小型車でAT車に限る", BIT(LC_FUJINI)},
    {"disabled_vehicle", "身体障害者用車両に限る", 0},
};
#define NCONDITIONS (sizeof conditions / sizeof conditions[0])

int licence_condition_find(const char *s)
{
    for (size_t k = 0; s && k < NCONDITIONS; k++)
        if (strcmp(s, conditions[k].code) == 0 || strcmp(s, conditions[k].label) == 0)
            return (int)k;
    return -1;
}

const char *licence_condition_code(int k)
{
    return conditions[k].code;
}

const char *licence_condition_label(int k)
{
    return conditions[k].label;
}

int licence_condition_check(int k, const struct licence_class_grant *g, size_t n, const char *field)
{
    if (!conditions[k].needs) return 0;
    for (size_t i = 0; i < n; i++)
        if (conditions[k].needs & BIT(g[i].cls)) return 0;
    return kt_fail(KT_EVALID, "%s: %s does not fit the classes held", field, conditions[k].label);
}
