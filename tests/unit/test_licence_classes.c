/* Licence classes, validity and band, table-driven, each case citing its rule:
 *   age and experience     道路交通法 第88条第1項第1号
 *   classes included       道路交通法 第85条第2項
 *   validity               道路交通法 第92条の2第1項 (表: 優良・一般 5/4/3 by age 70, 違反運転者等
 * 3) and 第2項 (2月29日生まれ → 平年は2月28日) 優良・一般・違反 / 初回    道路交通法施行令
 * 第33条の7 (基準日 = 特定誕生日の40日前, 5 years) band                   道路交通法施行規則 第19条
 * (緑 新規, 金 優良, 青 その他) */
#include "base/err.h"
#include "base/jtime.h"
#include "licence/classes.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static long day(const char *s)
{
    int y, m, d;
    if (jtime_parse_date("d", s, &y, &m, &d)) return -1;
    return jtime_days(y, m, d);
}

static void date_of(long dd, char out[16])
{
    int y, m, d;
    licence_civil(dd, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

static const struct {
    const char *birth, *base;
    int n;
    const char *want, *why;
} expiry[] = {
    {"1980-04-01", "2025-06-01", 3, "2028-05-01",
     "new licence: 3rd birthday after issue + 1 month"},
    {"1980-04-01", "2025-04-01", 3, "2028-05-01", "issued on the birthday: the next one is first"},
    {"1980-04-01", "2026-05-01", 5, "2031-05-01", "優良・一般 under 70: 5th birthday + 1 month"},
    {"1956-04-01", "2026-05-01", 4, "2030-05-01", "優良・一般 aged 70: 4th birthday"},
    {"1955-04-01", "2026-05-01", 3, "2029-05-01", "aged 71 or more / 違反運転者等: 3rd birthday"},
    {"2000-02-29", "2025-03-10", 3, "2028-03-29", "29 Feb in a leap year stays 29 Feb"},
    {"2000-02-29", "2024-03-01", 3, "2027-03-28", "29 Feb counts as 28 Feb in common years"},
    {"1990-01-31", "2025-02-15", 3, "2028-02-29", "31 Jan + 1 month = end of February"},
    {"1985-12-15", "2025-12-20", 3, "2029-01-15", "15 Dec + 1 month runs into January"},
};

struct ev {
    const char *date;
    int type, points;
};
static const struct {
    const char *first, *renewed, *birthday;
    struct ev ev[3];
    enum licence_category want;
    const char *why;
} cats[] = {
    {"2010-01-01", "2026-03-20", "2026-04-01", {{0}}, LICENCE_CAT_GOOD, "5 years, no violation"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2024-05-05", LICENCE_EV_VIOLATION, 2}},
     LICENCE_CAT_GENERAL,
     "one 軽微違反 (3 points or less)"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2024-05-05", LICENCE_EV_VIOLATION, 4}},
     LICENCE_CAT_VIOLATOR,
     "one violation of 4 points"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2023-05-05", LICENCE_EV_VIOLATION, 1}, {"2024-05-05", LICENCE_EV_VIOLATION, 1}},
     LICENCE_CAT_VIOLATOR,
     "two minor violations"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2024-05-05", LICENCE_EV_VIOLATION, 2}, {"2024-05-05", LICENCE_EV_ACCIDENT, 2}},
     LICENCE_CAT_VIOLATOR,
     "a minor violation with an injury accident"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2026-02-21", LICENCE_EV_VIOLATION, 2}},
     LICENCE_CAT_GOOD,
     "after the 基準日 (40 days before the birthday): not counted"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2026-02-20", LICENCE_EV_VIOLATION, 2}},
     LICENCE_CAT_GOOD,
     "on the 基準日: not before it"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2026-02-19", LICENCE_EV_VIOLATION, 2}},
     LICENCE_CAT_GENERAL,
     "the day before the 基準日 counts"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2021-02-19", LICENCE_EV_VIOLATION, 2}},
     LICENCE_CAT_GOOD,
     "more than five years before the 基準日"},
    {"2010-01-01",
     "2026-03-20",
     "2026-04-01",
     {{"2021-02-20", LICENCE_EV_VIOLATION, 2}},
     LICENCE_CAT_GENERAL,
     "exactly five years before the 基準日 counts"},
    {"2022-01-01",
     "2026-03-20",
     "2026-04-01",
     {{0}},
     LICENCE_CAT_FIRST_RENEWAL,
     "licensed under 5 years: 初回更新者"},
};

struct g {
    const char *cls, *acquired;
};
static const struct {
    const char *birth;
    struct g g[3];
    const char *experience_since;
    int ok;
    const char *why;
} rules[] = {
    {"2000-05-01", {{"普通", "2018-05-01"}}, NULL, 1, "普通 at 18"},
    {"2000-05-01", {{"普通", "2018-04-30"}}, NULL, 0, "普通 at 17"},
    {"2000-05-01", {{"gentsuki", "2016-05-01"}}, NULL, 1, "原付 at 16"},
    {"2000-05-01", {{"gentsuki", "2016-04-30"}}, NULL, 0, "原付 at 15"},
    {"2000-05-01",
     {{"普通", "2018-06-01"}, {"中型", "2020-06-01"}},
     NULL,
     0,
     "中型 and 普通 together: 普通 is included"},
    {"2000-05-01", {{"中型", "2020-06-01"}}, "2018-06-01", 1, "中型 at 20 with 2 years"},
    {"2000-05-01", {{"中型", "2020-06-01"}}, "2019-06-01", 0, "中型 with 1 year"},
    {"2000-05-01", {{"大型", "2021-06-01"}}, "2018-06-01", 1, "大型 at 21 with 3 years"},
    {"2000-05-01", {{"大型", "2021-06-01"}}, "2019-06-01", 0, "大型 with 2 years"},
    {"2000-05-01", {{"大型", "2021-04-01"}}, "2018-06-01", 0, "大型 at 20"},
    {"2000-05-01",
     {{"普通", "2018-06-01"}, {"普通二種", "2021-06-01"}},
     NULL,
     1,
     "普通二種 at 21 with 3 years of 普通"},
    {"2000-05-01", {{"普通", "2018-06-01"}, {"普通二種", "2020-06-01"}}, NULL, 0, "普通二種 at 20"},
    {"2000-05-01",
     {{"普通", "2018-06-01"}, {"原付", "2017-06-01"}},
     NULL,
     0,
     "普通 with 原付: included"},
    {"2000-05-01",
     {{"大自二", "2018-06-01"}, {"普自二", "2017-06-01"}},
     NULL,
     0,
     "大自二 with 普自二: included"},
    {"2000-05-01",
     {{"大型二種", "2022-06-01"}, {"普通二種", "2022-06-01"}},
     "2018-06-01",
     0,
     "大型二種 with 普通二種: included"},
    {"2000-05-01", {{"普通", "2018-06-01"}, {"普通", "2019-06-01"}}, NULL, 0, "a class twice"},
    {"2000-05-01", {{"普通", "2099-06-01"}}, NULL, 0, "acquired in the future"},
};

int main(void)
{
    for (size_t i = 0; i < sizeof expiry / sizeof expiry[0]; i++) {
        int y, m, d;
        jtime_parse_date("b", expiry[i].birth, &y, &m, &d);
        char got[16];
        date_of(licence_expiry(y, m, d, day(expiry[i].base), expiry[i].n), got);
        CHECK(strcmp(got, expiry[i].want) == 0, "expiry %s: %s (got %s)", expiry[i].why,
              expiry[i].want, got);
    }
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++) {
        struct licence_event ev[3] = {0};
        size_t n = 0;
        for (; n < 3 && cats[i].ev[n].date; n++) {
            ev[n].type = (enum licence_event_type)cats[i].ev[n].type;
            ev[n].day = day(cats[i].ev[n].date);
            ev[n].points = cats[i].ev[n].points;
        }
        enum licence_category c = licence_renewal_category(day(cats[i].first), day(cats[i].renewed),
                                                           day(cats[i].birthday), ev, n);
        CHECK(c == cats[i].want, "category: %s → %s (got %s)", cats[i].why,
              licence_category_name(cats[i].want), licence_category_name(c));
    }
    CHECK(strcmp(licence_band_name(LICENCE_CAT_NEW), "green") == 0 &&
              strcmp(licence_band_name(LICENCE_CAT_GOOD), "gold") == 0 &&
              strcmp(licence_band_name(LICENCE_CAT_GENERAL), "blue") == 0 &&
              strcmp(licence_band_name(LICENCE_CAT_VIOLATOR), "blue") == 0 &&
              strcmp(licence_band_name(LICENCE_CAT_FIRST_RENEWAL), "blue") == 0,
          "bands: green new, gold 優良, blue otherwise");
    static const struct {
        enum licence_category c;
        int age, want;
    } val[] = {{LICENCE_CAT_GOOD, 69, 5},          {LICENCE_CAT_GOOD, 70, 4},
               {LICENCE_CAT_GOOD, 71, 3},          {LICENCE_CAT_GENERAL, 45, 5},
               {LICENCE_CAT_GENERAL, 70, 4},       {LICENCE_CAT_VIOLATOR, 45, 3},
               {LICENCE_CAT_FIRST_RENEWAL, 30, 3}, {LICENCE_CAT_NEW, 18, 3}};
    for (size_t i = 0; i < sizeof val / sizeof val[0]; i++)
        CHECK(licence_validity_birthdays(val[i].c, val[i].age) == val[i].want,
              "validity %s at %d: %d birthdays (第92条の2 表)", licence_category_name(val[i].c),
              val[i].age, val[i].want);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        struct licence_class_grant g[3];
        size_t n = 0;
        for (; n < 3 && rules[i].g[n].cls; n++) {
            g[n].cls = licence_class_find(rules[i].g[n].cls);
            g[n].acquired_on = day(rules[i].g[n].acquired);
        }
        kt_err_clear();
        int rc =
            licence_classes_check(g, n, day(rules[i].birth), day("2026-11-23"),
                                  rules[i].experience_since ? day(rules[i].experience_since) : 0);
        CHECK(rules[i].ok ? rc == 0 : rc == KT_EVALID && strncmp(kt_errmsg(), "classes", 7) == 0,
              "classes: %s → %s (%s)", rules[i].why, rules[i].ok ? "ok" : "refused", kt_errmsg());
    }
    struct licence_class_grant futsu = {LC_FUTSU, 0}, fujini = {LC_FUJINI, 0};
    CHECK(licence_condition_check(licence_condition_find("at"), &futsu, 1, "c") == 0 &&
              licence_condition_check(licence_condition_find("AT車に限る"), &fujini, 1, "c") ==
                  KT_EVALID &&
              licence_condition_check(licence_condition_find("chugata_8t"), &futsu, 1, "c") ==
                  KT_EVALID &&
              licence_condition_check(licence_condition_find("眼鏡等"), &fujini, 1, "c") == 0,
          "conditions fit the classes");
    CHECK(licence_class_find("大型二種") == LC_OGATA2 &&
              licence_class_find("kenin2") == LC_KENIN2 && licence_class_find("宇宙船") == -1,
          "class names and codes");
    return tap_done();
}
