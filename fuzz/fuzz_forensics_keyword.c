/* libFuzzer target: keyword search. The input's first line holds up to four keywords separated
 * by '|'; the rest is searched once whole and once in pieces whose sizes come from the data.
 * Besides memory safety it checks that both find the same matches, each inside the data. */
#include "forensics/keyword.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct tally {
    uint64_t n, sum, size;
};

static int hit(void *ctx, const char *k, const char *e, uint64_t off)
{
    struct tally *t = ctx;
    if (!k || !e || off >= t->size) abort();
    t->n++;
    t->sum += off;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
    if (!nl) return 0;
    char line[257];
    size_t ll = (size_t)(nl - data);
    memcpy(line, data, ll);
    line[ll] = 0;
    const char *words[4];
    size_t nw = 0;
    for (char *p = line; nw < 4;) {
        words[nw++] = p;
        char *bar = strchr(p, '|');
        if (!bar) break;
        *bar = 0;
        p = bar + 1;
    }
    struct forensics_keywords *kw;
    if (forensics_keywords_new(words, nw, &kw) != 0) return 0;
    const uint8_t *text = nl + 1;
    size_t n = size - ll - 1;
    struct tally whole = {0, 0, n}, pieces = {0, 0, n};
    struct forensics_kw_stream s;
    forensics_kw_stream_init(&s, kw, hit, &whole);
    forensics_kw_stream_feed(&s, text, n);
    forensics_kw_stream_init(&s, kw, hit, &pieces);
    for (size_t off = 0; off < n;) {
        size_t k = 1 + text[off] % 7;
        if (k > n - off) k = n - off;
        forensics_kw_stream_feed(&s, text + off, k);
        off += k;
    }
    if (whole.n != pieces.n || whole.sum != pieces.sum) abort();
    forensics_keywords_free(kw);
    return 0;
}
