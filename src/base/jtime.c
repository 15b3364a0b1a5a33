#include "base/jtime.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t jtime_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void jtime_format_utc(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

long jtime_days(int y, int m, int d)
{
    /* Howard Hinnant's days_from_civil. */
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

int jtime_parse_date(const char *field, const char *s, int *py, int *pm, int *pd)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) ||
        digits(s + 5, 2, &m) || digits(s + 8, 2, &d))
        return kt_fail(KT_EVALID, "%s: expected a date as YYYY-MM-DD", field);
    if (y < 1868 || y > 2200 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return kt_fail(KT_EVALID, "%s: %s is not a valid date", field, s);
    if (py) *py = y;
    if (pm) *pm = m;
    if (pd) *pd = d;
    return 0;
}

int jtime_parse_utc(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, frac = 0;
    size_t len = s ? strlen(s) : 0;
    if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
        return KT_EINVAL;
    if (s[19] == '.') {
        if (len != 24 || digits(s + 20, 3, &frac) || s[23] != 'Z') return KT_EINVAL;
    } else if (len != 20 || s[19] != 'Z') {
        return KT_EINVAL;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return KT_EINVAL;
    *ms = ((int64_t)jtime_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + frac;
    return 0;
}

void jtime_format_jst(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000) + 9 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d JST", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void jtime_today_jst(char *out, size_t cap)
{
    time_t t = time(NULL) + 9 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, cap, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void jtime_wareki(int y, int m, int d, char *out, size_t cap)
{
    static const struct {
        int y, m, d;
        const char *name;
    } eras[] = {
        {2019, 5, 1, "令和"},  {1989, 1, 8, "平成"}, {1926, 12, 25, "昭和"},
        {1912, 7, 30, "大正"}, {1873, 1, 1, "明治"},
    };
    long key = (long)y * 10000 + m * 100 + d;
    for (size_t i = 0; i < sizeof eras / sizeof eras[0]; i++) {
        if (key >= (long)eras[i].y * 10000 + eras[i].m * 100 + eras[i].d) {
            int n = y - eras[i].y + 1;
            if (i == 4) n = y - 1867; /* Meiji counts from 1868 */
            if (n == 1)
                snprintf(out, cap, "%s元年%d月%d日", eras[i].name, m, d);
            else
                snprintf(out, cap, "%s%d年%d月%d日", eras[i].name, n, m, d);
            return;
        }
    }
    snprintf(out, cap, "%04d年%d月%d日", y, m, d);
}
