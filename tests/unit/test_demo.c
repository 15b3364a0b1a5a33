/* Demo dataset generator: determinism, record shapes, uniqueness of identifiers, name-table
 * readings (katakana -> passport Hepburn, converted independently here) and speed. */
#include "records/demo.h"

#include "base/err.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SEED 20261120u

/* ---- Katakana -> passport Hepburn ---- */

static const char *const kana_rows[] = {
    "アイウエオ", "カキクケコ", "サシスセソ", "タチツテト", "ナニヌネノ",
    "ハヒフヘホ", "マミムメモ", "ヤ_ユ_ヨ",   "ラリルレロ", "ワ___ヲ",
    "ガギグゲゴ", "ザジズゼゾ", "ダヂヅデド", "バビブベボ", "パピプペポ",
};
static const char *const romaji_rows[][5] = {
    {"A", "I", "U", "E", "O"},       {"KA", "KI", "KU", "KE", "KO"},
    {"SA", "SHI", "SU", "SE", "SO"}, {"TA", "CHI", "TSU", "TE", "TO"},
    {"NA", "NI", "NU", "NE", "NO"},  {"HA", "HI", "FU", "HE", "HO"},
    {"MA", "MI", "MU", "ME", "MO"},  {"YA", "", "YU", "", "YO"},
    {"RA", "RI", "RU", "RE", "RO"},  {"WA", "", "", "", "O"},
    {"GA", "GI", "GU", "GE", "GO"},  {"ZA", "JI", "ZU", "ZE", "ZO"},
    {"DA", "JI", "ZU", "DE", "DO"},  {"BA", "BI", "BU", "BE", "BO"},
    {"PA", "PI", "PU", "PE", "PO"},
};

/* Decodes one 3-byte UTF-8 character (all kana are U+3000..U+30FF); 0 if not one. */
static unsigned next_cp(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    if ((p[0] & 0xf0) != 0xe0 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80) return 0;
    *s += 3;
    return (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
}

static const char *kana_syllable(unsigned cp)
{
    for (size_t row = 0; row < LEN(kana_rows); row++) {
        const char *s = kana_rows[row];
        for (int col = 0; col < 5; col++) {
            if (*s == '_') {
                s++;
                continue;
            }
            if (next_cp(&s) == cp) return romaji_rows[row][col];
        }
    }
    return NULL;
}

enum {
    KANA_SMALL_YA = 0x30e3,
    KANA_SMALL_YU = 0x30e5,
    KANA_SMALL_YO = 0x30e7,
    KANA_SMALL_TSU = 0x30c3,
    KANA_N = 0x30f3,
    KANA_U = 0x30a6,
    KANA_E = 0x30a8,
    KANA_O = 0x30aa,
};

/* Converts a katakana word to passport Hepburn: ン is N, ッ doubles the next consonant (T before
 * CH), ウ after an O or U syllable and オ after an O syllable are long vowels and dropped, except
 * ウ starting ウエ (井上 INOUE). Returns 0, or -1 on anything unexpected. */
static int kana_to_romaji(const char *kana, char *out, size_t cap)
{
    unsigned cps[64];
    size_t n = 0, len = 0;
    while (*kana) {
        if (n == LEN(cps)) return -1;
        if (!(cps[n++] = next_cp(&kana))) return -1;
    }
    out[0] = '\0';
    int geminate = 0;
    for (size_t k = 0; k < n; k++) {
        char syl[8];
        if (cps[k] == KANA_N) {
            snprintf(syl, sizeof syl, "N");
        } else if (cps[k] == KANA_SMALL_TSU) {
            geminate = 1;
            continue;
        } else {
            const char *base = kana_syllable(cps[k]);
            if (!base || !*base) return -1;
            snprintf(syl, sizeof syl, "%s", base);
            if (k + 1 < n && (cps[k + 1] == KANA_SMALL_YA || cps[k + 1] == KANA_SMALL_YU ||
                              cps[k + 1] == KANA_SMALL_YO)) {
                const char vowel = cps[k + 1] == KANA_SMALL_YA   ? 'A'
                                   : cps[k + 1] == KANA_SMALL_YU ? 'U'
                                                                 : 'O';
                size_t sl = strlen(syl);
                if (syl[sl - 1] != 'I') return -1;
                syl[--sl] = '\0';
                if (sl >= 2 && (strcmp(syl + sl - 2, "SH") == 0 || strcmp(syl + sl - 2, "CH") == 0))
                    snprintf(syl + sl, sizeof syl - sl, "%c", vowel);
                else if (strcmp(syl, "J") == 0)
                    snprintf(syl + sl, sizeof syl - sl, "%c", vowel);
                else
                    snprintf(syl + sl, sizeof syl - sl, "Y%c", vowel);
                k++;
            }
        }
        if (geminate) {
            if (len + 1 >= cap) return -1;
            out[len++] = strncmp(syl, "CH", 2) == 0 ? 'T' : syl[0];
            out[len] = '\0';
            geminate = 0;
        }
        const size_t sl = strlen(syl);
        if (len + sl >= cap) return -1;
        memcpy(out + len, syl, sl + 1);
        len += sl;
        const char v = syl[sl - 1];
        if (k + 1 < n && (v == 'O' || v == 'U') && strcmp(syl, "N") != 0) {
            if (cps[k + 1] == KANA_U && !(k + 2 < n && cps[k + 2] == KANA_E))
                k++;
            else if (cps[k + 1] == KANA_O && v == 'O')
                k++;
        }
    }
    return geminate ? -1 : 0;
}

static void test_converter(void)
{
    static const char *const cases[][2] = {
        {"サトウ", "SATO"},
        {"オオノ", "ONO"},
        {"イトウ", "ITO"},
        {"ショウタ", "SHOTA"},
        {"ユウト", "YUTO"},
        {"ホンマ", "HONMA"},
        {"イノウエ", "INOUE"},
        {"オオウチ", "OUCHI"},
        {"ハットリ", "HATTORI"},
        {"キョウコ", "KYOKO"},
        {"ジュンイチ", "JUNICHI"},
        {"モチヅキ", "MOCHIZUKI"},
        {"リュウノスケ", "RYUNOSUKE"},
        {"セイイチ", "SEIICHI"},
        {"トオル", "TORU"},
    };
    for (size_t k = 0; k < LEN(cases); k++) {
        char buf[64];
        CHECK(kana_to_romaji(cases[k][0], buf, sizeof buf) == 0 && strcmp(buf, cases[k][1]) == 0,
              "converter %s -> %s, want %s", cases[k][0], buf, cases[k][1]);
    }
}

static int is_upper_word(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < 'A' || *s > 'Z') return 0;
    return 1;
}

typedef size_t (*entry_fn)(size_t, const char **, const char **, const char **);

static void check_name_table(const char *what, entry_fn entry)
{
    const size_t n = entry(0, NULL, NULL, NULL);
    CHECK(n >= 300, "%s table has %zu entries, want >= 300", what, n);
    size_t bad = 0;
    for (size_t k = 0; k < n; k++) {
        const char *kanji = NULL, *kana = NULL, *romaji = NULL;
        entry(k, &kanji, &kana, &romaji);
        char want[64];
        const int ok = kanji && *kanji && !strchr(kanji, ' ') && kana &&
                       kana_to_romaji(kana, want, sizeof want) == 0 && romaji &&
                       is_upper_word(romaji) && strcmp(want, romaji) == 0;
        if (!ok && bad++ < 10)
            CHECK(0, "%s %zu: %s %s %s (kana gives %s)", what, k, kanji ? kanji : "?",
                  kana ? kana : "?", romaji ? romaji : "?", want);
    }
    CHECK(bad == 0, "%s: %zu entries whose romaji disagrees with the kana", what, bad);
}

static int surname_present(const char *kanji, const char *romaji)
{
    const size_t n = demo_surname_entry(0, NULL, NULL, NULL);
    for (size_t k = 0; k < n; k++) {
        const char *kj, *ro;
        demo_surname_entry(k, &kj, NULL, &ro);
        if (strcmp(kj, kanji) == 0 && strcmp(ro, romaji) == 0) return 1;
    }
    return 0;
}

static void test_tables(void)
{
    check_name_table("surname", demo_surname_entry);
    check_name_table("given name", demo_given_name_entry);
    static const char *const expect[][2] = {
        {"佐藤", "SATO"},  {"大野", "ONO"},      {"伊藤", "ITO"},      {"髙橋", "TAKAHASHI"},
        {"齋藤", "SAITO"}, {"渡邊", "WATANABE"}, {"山﨑", "YAMAZAKI"}, {"本間", "HONMA"},
    };
    for (size_t k = 0; k < LEN(expect); k++)
        CHECK(surname_present(expect[k][0], expect[k][1]), "surname %s %s missing", expect[k][0],
              expect[k][1]);

    CHECK(demo_agency_count() == 47, "agency count %zu", demo_agency_count());
    int tokyo = 0, osaka = 0, hokkaido = 0;
    for (size_t k = 0; k < demo_agency_count(); k++) {
        const char *a = demo_agency_name(k);
        tokyo += strcmp(a, "警視庁") == 0;
        osaka += strcmp(a, "大阪府警察") == 0;
        hokkaido += strcmp(a, "北海道警察") == 0;
    }
    CHECK(tokyo == 1 && osaka == 1 && hokkaido == 1, "agency names");
    CHECK(demo_agency_name(47) == NULL, "agency out of range");
}

/* ---- Shapes ---- */

static long day_number(int y, int m, int d)
{
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

#define NOT_A_DATE (-1000000L)

/* Parses a strict YYYY-MM-DD real calendar date from 1900 on; returns its day number (days
 * since 1970-01-01) or NOT_A_DATE. */
static long parse_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return NOT_A_DATE;
    for (int k = 0; k < 10; k++)
        if (k != 4 && k != 7 && (s[k] < '0' || s[k] > '9')) return NOT_A_DATE;
    const int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    const int m = (s[5] - '0') * 10 + (s[6] - '0');
    const int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return NOT_A_DATE;
    return day_number(y, m, d);
}

static long ref_day(void)
{
    return parse_date(DEMO_REFERENCE_DATE);
}

static int age_on_ref(const char *birth)
{
    int y, m, d, ry, rm, rd;
    sscanf(birth, "%d-%d-%d", &y, &m, &d);
    sscanf(DEMO_REFERENCE_DATE, "%d-%d-%d", &ry, &rm, &rd);
    return ry - y - (rm < m || (rm == m && rd < d));
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int is_agency(const char *s)
{
    if (!s) return 0;
    for (size_t k = 0; k < demo_agency_count(); k++)
        if (strcmp(s, demo_agency_name(k)) == 0) return 1;
    return 0;
}

/* "A B" with exactly one ASCII space and both parts non-empty. */
static int one_space(const char *s)
{
    const char *sp = s ? strchr(s, ' ') : NULL;
    return sp && sp != s && sp[1] && !strchr(sp + 1, ' ');
}

static int valid_name(const json_t *o)
{
    const char *kj = str(o, "name_kanji"), *kn = str(o, "name_kana"), *ro = str(o, "name_romaji");
    if (!one_space(kj) || !one_space(kn) || !one_space(ro)) return 0;
    for (const char *p = ro; *p; p++)
        if (*p != ' ' && (*p < 'A' || *p > 'Z')) return 0;
    return 1;
}

/* Passport name field: uppercase words; Japanese holders exactly "SURNAME GIVEN". */
static int valid_holder(const char *s, int japanese)
{
    if (!s || !strchr(s, ' ') || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ -") != strlen(s)) return 0;
    return !japanese || one_space(s);
}

static const char *const caution_set[] = {"armed",       "violent", "suicidal",     "infectious",
                                          "escape_risk", "drugs",   "mental_health"};

static int valid_cautions(const json_t *a)
{
    if (!json_is_array(a)) return 0;
    size_t k;
    json_t *v;
    json_array_foreach(a, k, v)
    {
        int found = 0;
        for (size_t c = 0; c < LEN(caution_set); c++)
            found |= json_is_string(v) && strcmp(json_string_value(v), caution_set[c]) == 0;
        if (!found) return 0;
    }
    return 1;
}

static const char *person_problem(const json_t *p)
{
    const long ref = ref_day();
    const char *kind = str(p, "kind"), *birth = str(p, "birth_date"), *sex = str(p, "sex");
    if (!kind || (strcmp(kind, "wanted") && strcmp(kind, "missing"))) return "kind";
    if (!valid_name(p)) return "name";
    const json_t *aliases = json_object_get(p, "aliases");
    if (aliases) {
        if (!json_is_array(aliases) || json_array_size(aliases) < 1) return "aliases";
        for (size_t k = 0; k < json_array_size(aliases); k++)
            if (!valid_name(json_array_get(aliases, k))) return "alias name";
    }
    if (parse_date(birth) == NOT_A_DATE) return "birth_date not a date";
    const int age = age_on_ref(birth);
    if (age < 12 || age > 85) return "age";
    if (!sex || (strcmp(sex, "M") && strcmp(sex, "F"))) return "sex";
    const char *desc = str(p, "description");
    if (!desc || strncmp(desc, "身長", strlen("身長")) != 0 || !strstr(desc, "cm位")) return "desc";
    if (!valid_cautions(json_object_get(p, "cautions"))) return "cautions";
    if (!is_agency(str(p, "agency"))) return "agency";
    if (strcmp(kind, "wanted") == 0) {
        const json_t *w = json_object_get(p, "wanted");
        if (json_object_get(p, "missing")) return "wanted has missing";
        const char *no = str(w, "warrant_no");
        if (!no || no[0] != 'R' || strlen(no) < 10) return "warrant_no";
        const char *dash = strrchr(no, '-');
        if (!dash || strlen(dash + 1) != 5 || strspn(dash + 1, "0123456789") != 5)
            return "warrant_no digits";
        if (!str(w, "offence") || !*str(w, "offence")) return "offence";
        const long exp = parse_date(str(w, "warrant_expires"));
        if (exp < ref + 7 || exp > ref + 731) return "warrant_expires";
    } else {
        const json_t *m = json_object_get(p, "missing");
        if (json_object_get(p, "wanted")) return "missing has wanted";
        const long since = parse_date(str(m, "missing_since"));
        if (since < parse_date(birth) || since > ref) return "missing_since";
        if (!str(m, "circumstances") || !*str(m, "circumstances")) return "circumstances";
        if (!json_is_boolean(json_object_get(m, "vulnerable"))) return "vulnerable";
    }
    return NULL;
}

static void test_persons(void)
{
    json_t *a = NULL, *b = NULL, *c = NULL;
    CHECK(demo_person_json(SEED, 7, &a) == 0 && demo_person_json(SEED, 7, &b) == 0 &&
              demo_person_json(SEED + 1, 7, &c) == 0,
          "person generation");
    CHECK(json_equal(a, b), "same (seed, i) gives the same person");
    CHECK(!json_equal(a, c), "another seed gives another person");
    json_decref(a);
    json_decref(b);
    json_decref(c);
    CHECK(demo_person_json(SEED, 0, NULL) == KT_EINVAL, "NULL out is rejected");

    const uint32_t n = 100000;
    size_t bad = 0, wanted = 0, aliased = 0, missing = 0, missing_edge = 0, with_caution = 0;
    for (uint32_t i = 0; i < n; i++) {
        json_t *p = NULL;
        if (demo_person_json(SEED, i, &p) != 0) {
            bad++;
            continue;
        }
        const char *why = person_problem(p);
        if (why && bad++ < 5) {
            char *dump = json_dumps(p, JSON_COMPACT);
            CHECK(0, "person %u: %s: %s", i, why, dump);
            free(dump);
        }
        const int is_wanted = strcmp(str(p, "kind"), "wanted") == 0;
        wanted += is_wanted;
        aliased += json_object_get(p, "aliases") != NULL;
        with_caution += json_array_size(json_object_get(p, "cautions")) > 0;
        if (!is_wanted) {
            const int age = age_on_ref(str(p, "birth_date"));
            missing++;
            missing_edge += age < 20 || age >= 70;
        }
        json_decref(p);
    }
    CHECK(bad == 0, "%zu of %u persons malformed", bad, n);
    CHECK(wanted > n / 3 && wanted < n * 2 / 3, "wanted share %zu", wanted);
    CHECK(aliased > n * 3 / 100 && aliased < n * 7 / 100, "aliases on %zu of %u", aliased, n);
    CHECK(with_caution < n / 2, "cautions mostly empty (%zu of %u set)", with_caution, n);
    CHECK(missing_edge * 2 > missing, "missing skew young/old: %zu of %zu", missing_edge, missing);
}

/* ---- Uniqueness ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts and frees strs; returns the number of adjacent duplicates. */
static size_t count_duplicates(char **strs, size_t n, const char *what)
{
    qsort(strs, n, sizeof *strs, cmp_str);
    size_t dup = 0;
    for (size_t k = 1; k < n; k++)
        if (strcmp(strs[k - 1], strs[k]) == 0 && dup++ < 3)
            CHECK(0, "duplicate %s %s", what, strs[k]);
    for (size_t k = 0; k < n; k++)
        free(strs[k]);
    return dup;
}

static int vin_char_value(char c)
{
    static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    static const int values[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
    if (c >= '0' && c <= '9') return c - '0';
    const char *at = c ? strchr(letters, c) : NULL;
    return at ? values[at - letters] : -1;
}

static int valid_vin(const char *v)
{
    if (!v) return 0;
    const char *dash = strchr(v, '-');
    if (dash) /* 車台番号: model code, '-', 7 digits */
        return dash > v && strlen(dash + 1) == 7 && strspn(dash + 1, "0123456789") == 7;
    if (strlen(v) != 17) return 0;
    static const int w[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
    int sum = 0;
    for (int k = 0; k < 17; k++) {
        const int x = vin_char_value(v[k]);
        if (x < 0) return 0;
        sum += x * w[k];
    }
    return v[8] == (sum % 11 == 10 ? 'X' : '0' + sum % 11);
}

static const char *const plate_kana_set[] = {
    "さ", "す", "せ", "そ", "た", "ち", "つ", "て", "と", "な", "に", "ぬ", "ね", "の", "は", "ひ",
    "ふ", "ほ", "ま", "み", "む", "め", "も", "や", "ゆ", "ら", "り", "る", "れ", "ろ", "わ"};

static int valid_serial(const char *s)
{
    const size_t dot = strlen("・");
    if (strlen(s) == 5 && s[2] == '-')
        return strspn(s, "0123456789") == 2 && strspn(s + 3, "0123456789") == 2 && s[0] != '0';
    int dots = 0;
    while (strncmp(s, "・", dot) == 0) {
        s += dot;
        dots++;
    }
    const size_t digits = strlen(s);
    return dots >= 1 && dots + (int)digits == 4 && strspn(s, "0123456789") == digits && s[0] != '0';
}

static int valid_plate(const char *p)
{
    char buf[96], *tok[5];
    int n = 0;
    if (!p || strlen(p) >= sizeof buf) return 0;
    memcpy(buf, p, strlen(p) + 1);
    for (char *t = buf; t && n < 5;) { /* split on single spaces */
        tok[n++] = t;
        t = strchr(t, ' ');
        if (t) *t++ = '\0';
    }
    if (n != 4) return 0;
    const size_t cl = strlen(tok[1]);
    if (cl < 2 || cl > 3 || strspn(tok[1], "0123456789") != cl) return 0;
    int kana = 0;
    for (size_t k = 0; k < LEN(plate_kana_set); k++)
        kana |= strcmp(tok[2], plate_kana_set[k]) == 0;
    return kana && valid_serial(tok[3]);
}

static void test_vehicles(void)
{
    const uint32_t n = 200000;
    char **plates = calloc(n, sizeof *plates), **vins = calloc(n, sizeof *vins);
    size_t bad = 0, big = 0;
    const long ref = ref_day();
    for (uint32_t i = 0; i < n; i++) {
        json_t *v = NULL;
        if (demo_vehicle_json(SEED, i, &v) != 0) {
            bad++;
            plates[i] = strdup("");
            vins[i] = strdup("");
            continue;
        }
        const char *plate = str(v, "plate"), *vin = str(v, "vin");
        const json_int_t year = json_integer_value(json_object_get(v, "year"));
        const long stolen = parse_date(str(v, "stolen_on"));
        const char *why = !valid_plate(plate)                     ? "plate"
                          : !valid_vin(vin)                       ? "vin"
                          : strcmp(str(v, "kind"), "stolen") != 0 ? "kind"
                          : !str(v, "make") || !str(v, "model")   ? "make/model"
                          : year < 2005 || year > 2026            ? "year"
                          : stolen < ref - 1096 || stolen > ref   ? "stolen_on"
                          : !is_agency(str(v, "agency"))          ? "agency"
                                                                  : NULL;
        if (why && bad++ < 5) {
            char *dump = json_dumps(v, JSON_COMPACT);
            CHECK(0, "vehicle %u: %s: %s", i, why, dump);
            free(dump);
        }
        big += plate && (strncmp(plate, "品川 ", strlen("品川 ")) == 0 ||
                         strncmp(plate, "横浜 ", strlen("横浜 ")) == 0);
        plates[i] = strdup(plate ? plate : "");
        vins[i] = strdup(vin ? vin : "");
        json_decref(v);
    }
    CHECK(bad == 0, "%zu of %u vehicles malformed", bad, n);
    CHECK(big > n / 50, "big-city plates are common (%zu)", big);
    CHECK(count_duplicates(plates, n, "plate") == 0, "plates unique over %u vehicles", n);
    CHECK(count_duplicates(vins, n, "vin") == 0, "VINs unique over %u vehicles", n);
    free(plates);
    free(vins);

    json_t *a = NULL, *b = NULL;
    CHECK(demo_vehicle_json(SEED, 123456, &a) == 0 && demo_vehicle_json(SEED, 123456, &b) == 0 &&
              json_equal(a, b),
          "vehicle deterministic");
    json_decref(a);
    json_decref(b);
}

static void test_firearms_documents(void)
{
    const uint32_t n = 200000;
    char **serials = calloc(n, sizeof *serials), **numbers = calloc(n, sizeof *numbers);
    size_t bad = 0, jpn = 0;
    const long ref = ref_day();
    for (uint32_t i = 0; i < n; i++) {
        json_t *f = NULL, *d = NULL;
        const int rf = demo_firearm_json(SEED, i, &f), rd = demo_document_json(SEED, i, &d);
        const char *kind = str(f, "kind"), *dkind = str(d, "kind");
        const long rep = parse_date(str(f, "reported_on"));
        const char *fw = rf ? "firearm failed"
                         : !kind || (strcmp(kind, "stolen") && strcmp(kind, "lost")) ? "kind"
                         : !str(f, "make") || !str(f, "model") || !str(f, "calibre") ? "fields"
                         : !str(f, "serial") || !*str(f, "serial")                   ? "serial"
                         : !is_agency(str(f, "agency"))                              ? "agency"
                         : rep < ref - 1096 || rep > ref                             ? "reported_on"
                                                                                     : NULL;
        const char *country = str(d, "country"), *number = str(d, "number");
        const long birth = parse_date(str(d, "birth_date")), exp = parse_date(str(d, "expiry"));
        const long drep = parse_date(str(d, "reported_on"));
        const int is_jpn = country && strcmp(country, "JPN") == 0;
        const char *dw =
            rd                                                             ? "document failed"
            : !dkind || (strcmp(dkind, "stolen") && strcmp(dkind, "lost")) ? "kind"
            : !country || strlen(country) != 3                             ? "country"
            : strcmp(str(d, "doc_type"), "P") != 0                         ? "doc_type"
            : !number || (is_jpn && (strlen(number) != 9 || number[0] < 'A' || number[0] > 'Z' ||
                                     number[1] < 'A' || number[1] > 'Z' ||
                                     strspn(number + 2, "0123456789") != 7))
                ? "number"
            : !valid_holder(str(d, "holder_name"), is_jpn)            ? "holder_name"
            : birth == NOT_A_DATE || exp == NOT_A_DATE || exp < birth ? "dates"
            : drep < ref - 1096 || drep > ref || drep > exp           ? "reported_on"
            : !is_agency(str(d, "agency"))                            ? "agency"
                                                                      : NULL;
        if ((fw || dw) && bad++ < 5) {
            char *df = json_dumps(f, JSON_COMPACT), *dd = json_dumps(d, JSON_COMPACT);
            CHECK(0, "record %u: %s %s: %s %s", i, fw ? fw : "", dw ? dw : "", df, dd);
            free(df);
            free(dd);
        }
        jpn += is_jpn;
        serials[i] = strdup(str(f, "serial") ? str(f, "serial") : "");
        numbers[i] = strdup(number ? number : "");
        json_decref(f);
        json_decref(d);
    }
    CHECK(bad == 0, "%zu firearm/document records malformed", bad);
    CHECK(jpn > n * 8 / 10, "documents mostly JPN (%zu)", jpn);
    CHECK(count_duplicates(serials, n, "serial") == 0, "firearm serials unique");
    CHECK(count_duplicates(numbers, n, "number") == 0, "document numbers unique");
    free(serials);
    free(numbers);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The timing bound only means something in an uninstrumented build; sanitizer builds run a
 * tenth of the records and just report. */
static void test_speed(void)
{
    const uint32_t n = SANITIZED ? 100000 : 1000000;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t failed = 0;
    for (uint32_t i = 0; i < n; i++) {
        json_t *p = NULL;
        failed += demo_person_json(SEED, i, &p) != 0;
        json_decref(p);
    }
    const double secs = seconds_since(&t0);
    printf("# %u persons in %.2f s (%.0f ns each)\n", n, secs, secs * 1e9 / n);
    CHECK(failed == 0, "%zu person failures", failed);
    /* An optimised build takes about 1.5 s; the bound leaves room for -O0 and busy machines. */
    CHECK(SANITIZED || secs < 10.0, "%u persons took %.2f s", n, secs);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint32_t i = 0; i < n; i++) {
        json_t *v = NULL;
        failed += demo_vehicle_json(SEED, i, &v) != 0;
        json_decref(v);
    }
    printf("# %u vehicles in %.2f s\n", n, seconds_since(&t0));
    CHECK(failed == 0, "%zu vehicle failures", failed);
}

int main(void)
{
    test_converter();
    test_tables();
    test_persons();
    test_vehicles();
    test_firearms_documents();
    test_speed();
    return tap_done();
}
