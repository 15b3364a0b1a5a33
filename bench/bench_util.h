/* Helpers the benchmarks share (header-only: each bench_*.c is its own executable). */
#ifndef KEITSU_BENCH_UTIL_H
#define KEITSU_BENCH_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64: reproducible pseudo-random numbers from the state *s. */
static inline uint64_t bench_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A uniform double in [lo, hi) from the state *s. */
static inline double bench_uniform(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(bench_rng_next(s) >> 11) / 9007199254740992.0);
}

/* The integer in environment variable name, def when unset or empty; exits with status 2 when
 * it is not an integer from lo to hi. */
static inline long bench_env_long(const char *name, long def, long lo, long hi)
{
    const char *v = getenv(name);
    if (!v || !*v) return def;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < lo || n > hi) {
        fprintf(stderr, "bench: %s must be an integer from %ld to %ld\n", name, lo, hi);
        exit(2);
    }
    return n;
}

#endif
