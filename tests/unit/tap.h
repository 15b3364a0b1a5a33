/* Minimal test helpers: each test_*.c has a main() that runs its table-driven cases and ends
 * with tap_done(), which prints "N passed, N failed" and returns the exit status. */
#ifndef KEITSU_TESTS_TAP_H
#define KEITSU_TESTS_TAP_H

void tap_check(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int tap_done(void);

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
