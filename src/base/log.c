#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int level = 2;

void kt_log_set_level(int l)
{
    level = l;
}

static void emit(int lvl, const char *tag, const char *fmt, va_list ap)
{
    if (lvl > level) return;
    char ts[32];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    flockfile(stderr);
    fprintf(stderr, "%s.%03ldZ %s %s\n", ts, now.tv_nsec / 1000000, tag, msg);
    funlockfile(stderr);
}

#define DEFINE_LOG(fn, lvl, tag)                                                                   \
    void fn(const char *fmt, ...)                                                                  \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        emit(lvl, tag, fmt, ap);                                                                   \
        va_end(ap);                                                                                \
    }

DEFINE_LOG(kt_log_error, 0, "ERROR")
DEFINE_LOG(kt_log_warn, 1, "WARN")
DEFINE_LOG(kt_log_info, 2, "INFO")
