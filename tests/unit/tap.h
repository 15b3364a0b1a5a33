/* Minimal test helpers: each test_*.c has a main() that runs its table-driven cases and ends
 * with tap_done(), which prints "N passed, N failed" and returns the exit status. */
#ifndef KEITSU_TESTS_TAP_H
#define KEITSU_TESTS_TAP_H

#include <stddef.h>

void tap_check(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int tap_done(void);

/* A scratch PostgreSQL database on KEITSU_TEST_PG's server (UTF-8, C collation), named after
 * tag and this process; its URL goes to url. Returns 0, or -1 when KEITSU_TEST_PG is unset or
 * the database cannot be made (a failed check says why). tap_pg_drop() removes it. */
int tap_pg_create(const char *tag, char *url, size_t cap);
void tap_pg_drop(const char *url);

#define CHECK(cond, ...) tap_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* SANITIZED is 1 in AddressSanitizer / UBSan builds (GCC and Clang), which run about ten times
 * slower: heavy tests do less there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#endif
