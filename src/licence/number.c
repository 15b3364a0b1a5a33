/* Licence numbers: parse as typed, validate, build with the check digit. See number.h. */
#include "licence/number.h"

#include "base/err.h"

#include <stdio.h>
#include <string.h>

/* 公安委員会コード. 北海道 has five commissions (方面公安委員会); 00 (licences converted from
 * abroad before the nationwide numbering) is not accepted for new numbers. */
static const struct {
    int code;
    const char *name;
} commissions[] = {
    {10, "北海道"}, {11, "函館"},   {12, "旭川"}, {13, "釧路"},   {14, "北見"}, {20, "青森"},
    {21, "岩手"},   {22, "宮城"},   {23, "秋田"}, {24, "山形"},   {25, "福島"}, {30, "東京"},
    {40, "茨城"},   {41, "栃木"},   {42, "群馬"}, {43, "埼玉"},   {44, "千葉"}, {45, "神奈川"},
    {46, "新潟"},   {47, "山梨"},   {48, "長野"}, {49, "静岡"},   {50, "富山"}, {51, "石川"},
    {52, "福井"},   {53, "岐阜"},   {54, "愛知"}, {55, "三重"},   {60, "滋賀"}, {61, "京都"},
    {62, "大阪"},   {63, "兵庫"},   {64, "奈良"}, {65, "和歌山"}, {70, "鳥取"}, {71, "島根"},
    {72, "岡山"},   {73, "広島"},   {74, "山口"}, {80, "徳島"},   {81, "香川"}, {82, "愛媛"},
    {83, "高知"},   {90, "福岡"},   {91, "佐賀"}, {92, "長崎"},   {93, "熊本"}, {94, "大分"},
    {95, "宮崎"},   {96, "鹿児島"}, {97, "沖縄"},
};

const char *licence_commission_name(int code)
{
    for (size_t i = 0; i < sizeof commissions / sizeof commissions[0]; i++)
        if (commissions[i].code == code) return commissions[i].name;
    return NULL;
}

int licence_commission_of_agency(const char *agency)
{
    if (!agency) return -1;
    if (strcmp(agency, "警視庁") == 0) return 30;
    for (size_t i = 0; i < sizeof commissions / sizeof commissions[0]; i++) {
        size_t n = strlen(commissions[i].name);
        /* "北海道警察" is the 札幌 (本部) commission's; the 方面 names are not prefectures. */
        if (commissions[i].code >= 11 && commissions[i].code <= 14) continue;
        if (strncmp(agency, commissions[i].name, n) == 0) return commissions[i].code;
    }
    return -1;
}

int licence_number_check_digit(const char *d)
{
    static const int w[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int sum = 0;
    for (int i = 0; i < 10; i++)
        sum += (d[i] - '0') * w[i];
    return (11 - sum % 11) % 10;
}

int licence_number_next_reissue(int r)
{
    return r >= 9 ? 1 : r + 1;
}

uint64_t licence_number_key(const char *d)
{
    uint64_t k = 0;
    for (int i = 0; i < LICENCE_NUMBER_LEN; i++)
        k = k * 10 + (uint64_t)(d[i] - '0');
    return k;
}

/* Skips "第" at the start and "号" at the end, as the number is printed on the card. */
static void strip_frame(const char **s, size_t *len)
{
    static const char dai[] = "第", go[] = "号";
    const size_t n = sizeof dai - 1;
    if (*len >= n && memcmp(*s, dai, n) == 0) {
        *s += n;
        *len -= n;
    }
    if (*len >= n && memcmp(*s + *len - n, go, n) == 0) *len -= n;
}

int licence_number_parse_ex(const char *s, size_t len, struct licence_number *out,
                            enum licence_number_problem *problem)
{
    *problem = LICENCE_NUMBER_MALFORMED;
    memset(out, 0, sizeof *out);
    if (!s) return kt_fail(KT_EVALID, "number: required");
    strip_frame(&s, &len);
    int n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= '0' && c <= '9') {
            if (n == LICENCE_NUMBER_LEN)
                return kt_fail(KT_EVALID, "number: more than %d digits", LICENCE_NUMBER_LEN);
            out->digits[n++] = (char)c;
            i++;
        } else if (c == ' ' || c == '-') {
            i++;
        } else if (i + 3 <= len && c == 0xEF && (unsigned char)s[i + 1] == 0xBC &&
                   (unsigned char)s[i + 2] >= 0x90 && (unsigned char)s[i + 2] <= 0x99) {
            /* full-width digit U+FF10..U+FF19 */
            if (n == LICENCE_NUMBER_LEN)
                return kt_fail(KT_EVALID, "number: more than %d digits", LICENCE_NUMBER_LEN);
            out->digits[n++] = (char)('0' + ((unsigned char)s[i + 2] - 0x90));
            i += 3;
        } else if (i + 3 <= len && memcmp(s + i, "\xE3\x80\x80", 3) == 0) { /* U+3000 */
            i += 3;
        } else if (i + 3 <= len && memcmp(s + i, "\xEF\xBC\x8D", 3) == 0) { /* － */
            i += 3;
        } else {
            return kt_fail(KT_EVALID, "number: only digits, spaces and hyphens are allowed");
        }
    }
    if (n != LICENCE_NUMBER_LEN)
        return kt_fail(KT_EVALID, "number: must have %d digits, not %d", LICENCE_NUMBER_LEN, n);
    const char *d = out->digits;
    out->commission = (d[0] - '0') * 10 + (d[1] - '0');
    out->year2 = (d[2] - '0') * 10 + (d[3] - '0');
    out->serial = 0;
    for (int i = 4; i < 10; i++)
        out->serial = out->serial * 10 + (d[i] - '0');
    out->check = d[10] - '0';
    out->reissue = d[11] - '0';
    if (!licence_commission_name(out->commission)) {
        *problem = LICENCE_NUMBER_COMMISSION;
        return kt_fail(KT_EVALID, "number: %02d is not a public-safety commission code",
                       out->commission);
    }
    int want = licence_number_check_digit(d);
    if (want != out->check) {
        *problem = LICENCE_NUMBER_CHECK_DIGIT;
        return kt_fail(KT_EVALID, "number: check digit is wrong (the 11th digit should be %d)",
                       want);
    }
    *problem = LICENCE_NUMBER_OK;
    return 0;
}

int licence_number_parse(const char *s, size_t len, struct licence_number *out)
{
    enum licence_number_problem p;
    return licence_number_parse_ex(s, len, out, &p);
}

int licence_number_make(int commission, int year2, long serial, int reissue, char *out, size_t cap)
{
    if (!licence_commission_name(commission) || year2 < 0 || year2 > 99 || serial < 0 ||
        serial > 999999 || reissue < 0 || reissue > 9 || cap < LICENCE_NUMBER_LEN + 1)
        return kt_fail(KT_EINVAL, "number: part out of range");
    char d[16];
    snprintf(d, sizeof d, "%02d%02d%06ld", commission, year2, serial);
    snprintf(out, cap, "%s%d%d", d, licence_number_check_digit(d), reissue);
    return 0;
}
