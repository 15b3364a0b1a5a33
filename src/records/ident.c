/* Identifier keys and checks. Everything goes through one folding step (fold()), so the key,
 * the VIN check and the chassis check agree on what a typed character means. */
#include "records/ident.h"

#include "base/err.h"
#include "base/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_INPUT 256 /* bytes; longer text is not an identifier */

/* Typed forms (full-width, dash and dot variants, lower case) as plain ASCII. */
static uint32_t fold(uint32_t c)
{
    return utf8_fold_ascii(c);
}

static int is_separator(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-' || c == '.' || c == '/' ||
           c == '_' || c == ':' || c == '<';
}

static int is_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

/* A code point for a message: printable as itself, control characters as U+XXXX. */
static const char *show(uint32_t c, char buf[16])
{
    char u[4];
    int n = c >= 0x20 && c != 0x7F ? utf8_encode(c, u) : 0;
    if (n > 0)
        snprintf(buf, 16, "'%.*s'", n, u);
    else
        snprintf(buf, 16, "U+%04X", (unsigned)c);
    return buf;
}

/* Folds s[0..len) and keeps its letters and digits in out[0..cap) (at most cap - 1 of them,
 * *n counts all); what names the input in messages. */
static int compact(const char *s, size_t len, const char *what, char *out, size_t cap, size_t *n)
{
    *n = 0;
    if (len > MAX_INPUT) return kt_fail(KT_EINVAL, "%s: longer than %d bytes", what, MAX_INPUT);
    if (!utf8_valid(s, len)) return kt_fail(KT_EINVAL, "%s: not valid UTF-8 text", what);
    for (size_t i = 0; i < len;) {
        uint32_t c;
        int k = utf8_decode(s + i, len - i, &c);
        if (k <= 0) return kt_fail(KT_EINVAL, "%s: not valid UTF-8 text", what);
        i += (size_t)k;
        c = fold(c);
        if (is_separator(c)) continue;
        if (!is_alnum(c)) {
            char b[16];
            return kt_fail(KT_EINVAL,
                           "%s: invalid character %s (only letters, digits and "
                           "separators)",
                           what, show(c, b));
        }
        if (*n + 1 < cap) out[*n] = (char)c;
        (*n)++;
    }
    if (cap) out[*n < cap ? *n : cap - 1] = '\0';
    return 0;
}

int ident_key(const char *s, size_t len, char *out, size_t cap)
{
    char key[IDENT_KEY_MAX + 1];
    size_t n;
    if (cap) out[0] = '\0';
    int rc = compact(s, len, "ident", key, sizeof key, &n);
    if (rc) return rc;
    if (n == 0) return kt_fail(KT_EINVAL, "ident: no letters or digits");
    if (n > IDENT_KEY_MAX)
        return kt_fail(KT_EINVAL, "ident: %zu characters, more than %d", n, IDENT_KEY_MAX);
    if (n >= cap) return kt_fail(KT_EINVAL, "ident: key buffer of %zu bytes is too small", cap);
    /* O and I are read for 0 and 1 so that both spellings of a misread serial meet. */
    for (size_t i = 0; i < n; i++)
        out[i] = key[i] == 'O' ? '0' : key[i] == 'I' ? '1' : key[i];
    out[n] = '\0';
    return 0;
}

/* ISO 3779 transliteration of a VIN character for the check digit (I, O, Q have none). */
static int vin_value(char c)
{
    static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    static const int values[] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9};
    if (c >= '0' && c <= '9') return c - '0';
    const char *p = strchr(letters, c);
    return p && c ? values[p - letters] : -1;
}

int ident_vin_check(const char *s, size_t len)
{
    static const int weight[17] = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
    char vin[18];
    size_t n;
    int rc = compact(s, len, "vin", vin, sizeof vin, &n);
    if (rc) return rc;
    if (n != 17) return kt_fail(KT_EINVAL, "vin: %zu characters, a VIN has 17", n);
    int sum = 0;
    for (int i = 0; i < 17; i++) {
        if (vin[i] == 'I' || vin[i] == 'O' || vin[i] == 'Q')
            return kt_fail(KT_EINVAL, "vin: position %d is %c, a letter VINs do not use (I O Q)",
                           i + 1, vin[i]);
        sum += vin_value(vin[i]) * weight[i];
    }
    const char want = sum % 11 == 10 ? 'X' : (char)('0' + sum % 11);
    return vin[8] == want ? 0 : 1;
}

int ident_chassis_valid(const char *s, size_t len)
{
    if (len > MAX_INPUT || !utf8_valid(s, len)) return 0;
    char t[MAX_INPUT + 1];
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        int k = utf8_decode(s + i, len - i, &c);
        if (k <= 0) return 0;
        i += (size_t)k;
        c = fold(c);
        if (c > 0x7F) return 0;
        t[n++] = (char)c;
    }
    size_t a = 0, b = n;
    while (a < b && (t[a] == ' ' || t[a] == '\t'))
        a++;
    while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\t'))
        b--;
    const char *h = memchr(t + a, '-', b - a);
    if (!h) return 0;
    size_t code = (size_t)(h - (t + a)), serial = b - a - code - 1;
    if (code < 2 || code > 8 || serial < 4 || serial > 8) return 0;
    if (t[a] < 'A' || t[a] > 'Z') return 0;
    int digit = 0;
    for (size_t i = a; i < a + code; i++) {
        if (!is_alnum((unsigned char)t[i])) return 0;
        digit |= t[i] >= '0' && t[i] <= '9';
    }
    for (const char *p = h + 1; p < t + b; p++)
        if (*p < '0' || *p > '9') return 0;
    return digit;
}
