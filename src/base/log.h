/* Logging to standard error, one line per event with a UTC timestamp. Never pass secrets
 * (passwords, tokens, password hashes) to these functions. */
#ifndef KEITSU_BASE_LOG_H
#define KEITSU_BASE_LOG_H

void kt_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kt_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kt_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 0 = errors only, 1 = warnings, 2 = info (default). */
void kt_log_set_level(int level);

#endif
