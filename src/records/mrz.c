/* ICAO Doc 9303 machine readable zones: split the text into lines, pick the layout from the
 * line count and width, then read and verify the fields at their fixed positions. */
#include "records/mrz.h"

#include "base/err.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_INPUT 256 /* bytes; the longest MRZ (TD1) is 90 characters plus separators */
#define MAX_LINES 3
#define MAX_WIDTH 44

struct lines {
    char l[MAX_LINES][MAX_WIDTH + 1];
    size_t n, width;
};

int mrz_check_digit(const char *s, size_t len)
{
    static const int weight[3] = {7, 3, 1};
    int sum = 0;
    for (size_t i = 0; i < len; i++) {
        int v;
        if (s[i] >= '0' && s[i] <= '9')
            v = s[i] - '0';
        else if (s[i] >= 'A' && s[i] <= 'Z')
            v = s[i] - 'A' + 10;
        else if (s[i] == '<')
            v = 0;
        else
            return -1;
        sum = (sum + v * weight[i % 3]) % 10;
    }
    return sum;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* A character for a message: printable ASCII as itself, anything else as its byte value. */
static const char *show(char c, char buf[16])
{
    unsigned char u = (unsigned char)c;
    if (u > 0x20 && u < 0x7F)
        snprintf(buf, 16, "'%c'", c);
    else
        snprintf(buf, 16, "byte 0x%02X", u);
    return buf;
}

static const char *layout_name(size_t n, size_t width)
{
    if (n == 2 && width == 44) return "TD3";
    if (n == 2 && width == 36) return "TD2";
    if (n == 3 && width == 30) return "TD1";
    return NULL;
}

/* Splits text into trimmed, upper-cased lines of equal width, or a run-together MRZ into its
 * lines, and checks the alphabet. */
static int split_lines(const char *text, size_t len, struct lines *ls)
{
    static const char expect[] = "expected 2 lines of 44 characters (passport), 2 of 36 or 3 "
                                 "of 30 (ID card)";
    if (len > MAX_INPUT) return kt_fail(KT_EINVAL, "mrz: longer than %d bytes", MAX_INPUT);
    const char *line[MAX_LINES];
    size_t width[MAX_LINES] = {0}, n = 0;
    for (size_t at = 0; at < len;) {
        size_t end = at;
        while (end < len && text[end] != '\n')
            end++;
        size_t a = at, b = end;
        while (a < b && is_space(text[a]))
            a++;
        while (b > a && is_space(text[b - 1]))
            b--;
        if (b > a) {
            if (n == MAX_LINES)
                return kt_fail(KT_EINVAL, "mrz: more than %d lines; %s", MAX_LINES, expect);
            line[n] = text + a;
            width[n++] = b - a;
        }
        at = end + 1;
    }
    if (n == 0) return kt_fail(KT_EINVAL, "mrz: empty");
    if (n == 1 && (width[0] == 88 || width[0] == 72 || width[0] == 90)) {
        /* Run together: cut it into its lines. */
        size_t parts = width[0] == 90 ? 3 : 2, w = width[0] / parts;
        for (size_t k = 0; k < parts; k++) {
            line[k] = line[0] + k * w;
            width[k] = w;
        }
        n = parts;
    }
    int same = 1;
    for (size_t k = 1; k < n; k++)
        same &= width[k] == width[0];
    if (!same || !layout_name(n, width[0])) {
        char got[80];
        if (n == 1)
            snprintf(got, sizeof got, "1 line of %zu", width[0]);
        else if (n == 2)
            snprintf(got, sizeof got, "2 lines of %zu and %zu", width[0], width[1]);
        else
            snprintf(got, sizeof got, "3 lines of %zu, %zu and %zu", width[0], width[1], width[2]);
        return kt_fail(KT_EINVAL, "mrz: %s; got %s", expect, got);
    }
    ls->n = n;
    ls->width = width[0];
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < ls->width; i++) {
            char c = line[k][i];
            if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<')) {
                char b[16];
                return kt_fail(KT_EINVAL,
                               "mrz: line %zu position %zu: invalid character %s (only A-Z, 0-9 "
                               "and <)",
                               k + 1, i + 1, show(c, b));
            }
            ls->l[k][i] = c;
        }
        ls->l[k][ls->width] = '\0';
    }
    return 0;
}

/* Verifies the check digit cd over s[0..len). */
static int verify(const char *s, size_t len, char cd, int line, const char *what)
{
    if (cd < '0' || cd > '9')
        return kt_fail(KT_EVALID, "mrz: line %d %s check digit is '%c', not a digit", line, what,
                       cd);
    int want = mrz_check_digit(s, len);
    if (cd - '0' != want)
        return kt_fail(KT_EVALID, "mrz: line %d %s check digit is %c, expected %d", line, what, cd,
                       want);
    return 0;
}

/* Copies s[0..len) without the filler at either end into out[0..cap); inner fillers become
 * spaces when spaces is set. */
static void copy_field(char *out, size_t cap, const char *s, size_t len, int spaces)
{
    size_t a = 0, b = len, o = 0;
    while (a < b && s[a] == '<')
        a++;
    while (b > a && s[b - 1] == '<')
        b--;
    for (size_t i = a; i < b && o + 1 < cap; i++) {
        char c = s[i] == '<' && spaces ? ' ' : s[i];
        if (c == ' ' && o && out[o - 1] == ' ') continue;
        out[o++] = c;
    }
    out[o] = '\0';
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Reads YYMMDD into out as YYYY-MM-DD. A birth date takes the latest century that does not put
 * it after today; an expiry date is always 20YY. */
static int read_date(const char *s, int birth, int line, const char *what, char out[11])
{
    for (int i = 0; i < 6; i++) {
        if (s[i] == '<')
            return kt_fail(KT_EVALID, "mrz: line %d %s %.6s has unknown parts", line, what, s);
        if (s[i] < '0' || s[i] > '9')
            return kt_fail(KT_EINVAL, "mrz: line %d %s %.6s is not YYMMDD", line, what, s);
    }
    int yy = (s[0] - '0') * 10 + (s[1] - '0');
    int mm = (s[2] - '0') * 10 + (s[3] - '0');
    int dd = (s[4] - '0') * 10 + (s[5] - '0');
    int y = 2000 + yy;
    if (birth) {
        time_t now = time(NULL);
        struct tm tm;
        if (gmtime_r(&now, &tm)) {
            long today = (tm.tm_year + 1900L) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
            if ((long)y * 10000 + mm * 100 + dd > today) y -= 100;
        }
    }
    if (mm < 1 || mm > 12 || dd < 1 || dd > days_in(y, mm))
        return kt_fail(KT_EVALID, "mrz: line %d %s %.6s is not a real date (%04d-%02d-%02d)", line,
                       what, s, y, mm, dd);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)mm % 100u,
             (unsigned)dd % 100u); /* the moduli tell the compiler it fits */
    return 0;
}

/* A country code field: letters, then fillers ("UTO", "D<<"). */
static int read_country(const char *s, int line, const char *what, char out[4])
{
    int filler = 0;
    for (int i = 0; i < 3; i++) {
        if (s[i] == '<' && i > 0) {
            filler = 1;
        } else if (s[i] < 'A' || s[i] > 'Z' || filler) {
            return kt_fail(KT_EVALID, "mrz: line %d %s '%.3s' is not a country code", line, what,
                           s);
        }
    }
    copy_field(out, 4, s, 3, 0);
    return 0;
}

static int read_doc_type(const char *s, struct mrz *out)
{
    if (s[0] < 'A' || s[0] > 'Z' || !((s[1] >= 'A' && s[1] <= 'Z') || s[1] == '<'))
        return kt_fail(KT_EVALID, "mrz: line 1 document type '%.2s' is not a document code", s);
    copy_field(out->doc_type, sizeof out->doc_type, s, 2, 0);
    return 0;
}

static int read_sex(char c, int line, struct mrz *out)
{
    if (c == 'M' || c == 'F' || c == 'X') {
        out->sex = c;
    } else if (c == '<') {
        out->sex = 'X';
    } else {
        return kt_fail(KT_EVALID, "mrz: line %d sex is '%c', expected M, F or <", line, c);
    }
    return 0;
}

/* Names: primary identifier, "<<", secondary identifier; '<' parts name components. */
static int read_names(const char *s, size_t len, int line, struct mrz *out)
{
    size_t sep = len;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] == '<' && s[i + 1] == '<') {
            sep = i;
            break;
        }
    }
    copy_field(out->surname, sizeof out->surname, s, sep, 1);
    if (sep < len)
        copy_field(out->given, sizeof out->given, s + sep, len - sep, 1);
    else
        out->given[0] = '\0';
    if (!out->surname[0]) return kt_fail(KT_EVALID, "mrz: line %d name has no surname", line);
    for (size_t i = 0; i < len; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return kt_fail(KT_EVALID, "mrz: line %d name contains the digit %c", line, s[i]);
    return 0;
}

/* The document number at num[0..9) with its check digit cd; when cd is '<' the number goes on
 * in opt[0..optlen): the rest of it, its check digit, then fillers (Doc 9303 Part 5 4.2.2).
 * *used is how much of opt the overflow took. */
static int read_number(const char *num, char cd, const char *opt, size_t optlen, int line,
                       int overflow_ok, struct mrz *out, size_t *used)
{
    char full[40];
    size_t n = 9;
    *used = 0;
    memcpy(full, num, 9);
    if (cd == '<' && overflow_ok) {
        size_t k = 0;
        while (k < optlen && opt[k] != '<')
            k++;
        if (k == 0)
            return kt_fail(KT_EVALID,
                           "mrz: line %d document number check digit is '<' but the optional "
                           "data holds no overflow",
                           line);
        memcpy(full + 9, opt, k - 1);
        n = 9 + k - 1;
        cd = opt[k - 1];
        *used = k;
    }
    int rc = verify(full, n, cd, line, "document number");
    if (rc) return rc;
    copy_field(out->number, sizeof out->number, full, n, 0);
    if (!out->number[0]) return kt_fail(KT_EVALID, "mrz: line %d document number is empty", line);
    for (size_t i = 0; out->number[i]; i++)
        if (out->number[i] == '<')
            return kt_fail(KT_EVALID, "mrz: line %d document number '%s' has a filler inside", line,
                           out->number);
    return 0;
}

/* Optional data: the part after any number overflow, fillers trimmed. */
static void add_optional(struct mrz *out, const char *s, size_t len)
{
    char part[32];
    copy_field(part, sizeof part, s, len, 0);
    if (!part[0]) return;
    size_t o = strlen(out->optional);
    snprintf(out->optional + o, sizeof out->optional - o, "%s%s", o ? " " : "", part);
}

static int composite(const char *parts[], const size_t lens[], size_t n, char cd, int line)
{
    char buf[64];
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + o, parts[i], lens[i]);
        o += lens[i];
    }
    return verify(buf, o, cd, line, "composite");
}

static int parse_td1(const struct lines *ls, struct mrz *out)
{
    const char *a = ls->l[0], *b = ls->l[1], *c = ls->l[2];
    size_t used;
    int rc;
    if ((rc = read_doc_type(a, out)) ||
        (rc = read_country(a + 2, 1, "issuing state", out->issuer)) ||
        (rc = read_number(a + 5, a[14], a + 15, 15, 1, 1, out, &used)) ||
        (rc = verify(b, 6, b[6], 2, "birth date")) ||
        (rc = read_date(b, 1, 2, "birth date", out->birth_date)) || (rc = read_sex(b[7], 2, out)) ||
        (rc = verify(b + 8, 6, b[14], 2, "expiry date")) ||
        (rc = read_date(b + 8, 0, 2, "expiry date", out->expiry)) ||
        (rc = read_country(b + 15, 2, "nationality", out->nationality)))
        return rc;
    const char *parts[] = {a + 5, b, b + 8, b + 18};
    const size_t lens[] = {25, 7, 7, 11};
    if ((rc = composite(parts, lens, 4, b[29], 2)) || (rc = read_names(c, 30, 3, out))) return rc;
    add_optional(out, a + 15 + used, 15 - used);
    add_optional(out, b + 18, 11);
    return 0;
}

/* TD2 and TD3 (and the visas MRV-B and MRV-A) share one layout; TD3 is wider and has a check
 * digit on its personal number. */
static int parse_td23(const struct lines *ls, struct mrz *out)
{
    const char *a = ls->l[0], *b = ls->l[1];
    const int td3 = ls->width == 44, visa = a[0] == 'V';
    const size_t w = ls->width;
    /* Optional data: TD3 b[28..42) + check digit, TD2 b[28..35), MRV-A b[28..44), MRV-B
     * b[28..36); the composite check digit is last on TD2 and TD3. */
    const size_t optlen = visa ? w - 28 : td3 ? 14 : 7;
    size_t used;
    int rc;
    if ((rc = read_doc_type(a, out)) ||
        (rc = read_country(a + 2, 1, "issuing state", out->issuer)) ||
        (rc = read_names(a + 5, w - 5, 1, out)) ||
        (rc = read_number(b, b[9], b + 28, optlen, 2, !td3 && !visa, out, &used)) ||
        (rc = read_country(b + 10, 2, "nationality", out->nationality)) ||
        (rc = verify(b + 13, 6, b[19], 2, "birth date")) ||
        (rc = read_date(b + 13, 1, 2, "birth date", out->birth_date)) ||
        (rc = read_sex(b[20], 2, out)) || (rc = verify(b + 21, 6, b[27], 2, "expiry date")) ||
        (rc = read_date(b + 21, 0, 2, "expiry date", out->expiry)))
        return rc;
    if (td3 && !visa) {
        /* A personal number check digit may be '<' when there is no personal number. */
        int empty = strspn(b + 28, "<") >= 14;
        if (!(empty && (b[42] == '<' || b[42] == '0')) &&
            (rc = verify(b + 28, 14, b[42], 2, "personal number")))
            return rc;
    }
    if (!visa) {
        const char *parts[] = {b, b + 13, b + 21};
        const size_t lens[] = {10, 7, w - 1 - 21};
        if ((rc = composite(parts, lens, 3, b[w - 1], 2))) return rc;
    }
    add_optional(out, b + 28 + used, optlen - used);
    return 0;
}

int mrz_parse(const char *text, size_t len, struct mrz *out)
{
    memset(out, 0, sizeof *out);
    struct lines ls;
    memset(&ls, 0, sizeof ls);
    int rc = split_lines(text, len, &ls);
    if (rc) return rc;
    if (ls.n == 3) {
        out->format = MRZ_TD1;
        return parse_td1(&ls, out);
    }
    out->format = ls.width == 44 ? MRZ_TD3 : MRZ_TD2;
    return parse_td23(&ls, out);
}
