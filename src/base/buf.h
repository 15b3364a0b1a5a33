/* A growing byte buffer with a hard maximum (after curl's dynbuf). The buffer owns data;
 * kt_buf_free() releases it, kt_buf_take() hands it to the caller. data is always
 * NUL-terminated when non-NULL. */
#ifndef KEITSU_BASE_BUF_H
#define KEITSU_BASE_BUF_H

#include <stddef.h>

struct kt_buf {
    char *data;
    size_t len, cap, max;
    int failed; /* set once an append hit max or ran out of memory; later appends do nothing */
};

void kt_buf_init(struct kt_buf *b, size_t max);
/* Append; 0 or KT_ETOOBIG / KT_ENOMEM (and b->failed is set). */
int kt_buf_append(struct kt_buf *b, const char *s, size_t n);
int kt_buf_puts(struct kt_buf *b, const char *s);
int kt_buf_printf(struct kt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal with quotes and escapes. */
int kt_buf_json_str(struct kt_buf *b, const char *s);
/* Returns the data (caller frees) and resets b; NULL if b->failed. */
char *kt_buf_take(struct kt_buf *b, size_t *len);
void kt_buf_free(struct kt_buf *b);

#endif
