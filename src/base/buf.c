#include "base/buf.h"

#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kt_buf_init(struct kt_buf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

int kt_buf_append(struct kt_buf *b, const char *s, size_t n)
{
    if (b->failed) return KT_ENOMEM;
    if (b->len + n + 1 > b->max) {
        b->failed = 1;
        return KT_ETOOBIG;
    }
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        if (ncap > b->max) ncap = b->max;
        char *d = realloc(b->data, ncap);
        if (!d) {
            b->failed = 1;
            return KT_ENOMEM;
        }
        b->data = d;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int kt_buf_puts(struct kt_buf *b, const char *s)
{
    return kt_buf_append(b, s, strlen(s));
}

int kt_buf_printf(struct kt_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return KT_EINTERNAL;
    if ((size_t)n < sizeof tmp) return kt_buf_append(b, tmp, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) return KT_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = kt_buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

int kt_buf_json_str(struct kt_buf *b, const char *s)
{
    kt_buf_append(b, "\"", 1);
    const char *run = s;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        kt_buf_append(b, run, (size_t)(p - run));
        char esc[8];
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof esc, "\\%c", c);
        else
            snprintf(esc, sizeof esc, "\\u%04x", c);
        kt_buf_puts(b, esc);
        run = p + 1;
    }
    kt_buf_puts(b, run);
    return kt_buf_append(b, "\"", 1);
}

char *kt_buf_take(struct kt_buf *b, size_t *len)
{
    if (b->failed) {
        kt_buf_free(b);
        return NULL;
    }
    if (!b->data && kt_buf_append(b, "", 0)) return NULL;
    char *d = b->data;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}

void kt_buf_free(struct kt_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
