/* Request-body field readers for dispatch (numbers and flags; strings use http_json_str). */
#ifndef KEITSU_DISPATCH_BODY_H
#define KEITSU_DISPATCH_BODY_H

#include <jansson.h>

/* Reads a JSON number (integer or real) in [lo, hi]; *present = 0 if absent and !required. */
int body_num(const json_t *o, const char *key, int required, double lo, double hi, double *out,
             int *present);
/* Reads an integer in [lo, hi]; absent and !required leaves *out unchanged. */
int body_int(const json_t *o, const char *key, int required, long lo, long hi, long *out);
/* Reads a boolean; absent leaves *out unchanged. */
int body_bool(const json_t *o, const char *key, int *out);
/* Reads an array of 1..max strings of 1..maxlen bytes; *arr is borrowed. */
int body_str_array(const json_t *o, const char *key, size_t max, size_t maxlen, json_t **arr);

#endif
