/* Time: UTC storage, JST display, Japanese era (和暦) dates, strict date parsing. */
#ifndef KEITSU_BASE_JTIME_H
#define KEITSU_BASE_JTIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds since the Unix epoch (wall clock). */
int64_t jtime_now_ms(void);
/* Formats ms as "2026-11-23T08:24:49.123Z" into out (at least 25 bytes). */
void jtime_format_utc(int64_t ms, char *out, size_t cap);
/* Parses the format above (milliseconds optional) back; 0 or KT_EINVAL. */
int jtime_parse_utc(const char *s, int64_t *ms);
/* Formats ms in JST as "2026-11-23 17:24:49 JST". */
void jtime_format_jst(int64_t ms, char *out, size_t cap);

/* Strict "YYYY-MM-DD" (real calendar date, years 1868..2200). Writes y/m/d if non-NULL.
 * Returns 0, or KT_EVALID with a message naming `field`. */
int jtime_parse_date(const char *field, const char *s, int *y, int *m, int *d);
/* Today's date in JST as "YYYY-MM-DD" (out >= 11 bytes). */
void jtime_today_jst(char *out, size_t cap);
/* Days from 1970-01-01 for a valid date (proleptic Gregorian). */
long jtime_days(int y, int m, int d);

/* Japanese era date for a valid Gregorian date: "令和8年11月23日" (元年 for year 1).
 * Dates before Meiji 6 (1873-01-01, the Gregorian switch) are written in Gregorian. */
void jtime_wareki(int y, int m, int d, char *out, size_t cap);

#endif
