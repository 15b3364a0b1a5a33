/* Query-centre benchmark (照会): person-name queries with variant spellings and plate queries,
 * in-process, against PostgreSQL pg_trgm on the same normalised names, and it prepares the
 * query files that bench/run.sh replays over HTTP.
 *
 *   bench_query [N]          N persons and N vehicles (default 1,000,000; env BENCH_N too)
 *
 * Environment:
 *   BENCH_N        record count when no argument is given
 *   BENCH_OWN_VARIANTS  1: variant spellings from the benchmark's own generator
 *   BENCH_Q        variant queries to generate (default 20,000)
 *   BENCH_DIR      data directory to use and keep (default: a temporary one, removed at exit);
 *                  bench/run.sh passes one so that keitsu serve answers over the same store
 *   BENCH_OUT      directory for the query files persons.jsonl, persons_name.jsonl,
 *                  plates.jsonl (one request body per line) and results.txt
 *   KEITSU_BENCH_PG  postgresql:// URL: also load the same names into PostgreSQL and run the
 *                  same query set through pg_trgm similarity (table keitsu_bench_names)
 *   BENCH_PG_Q     how many of the queries PostgreSQL answers (default 4,000; it is slow)
 *
 * The dataset is the deterministic demo dataset (records_demo_load, seed 20261123): record i
 * (0-based) of the person stream is P-<i+1>, so the benchmark can regenerate any person to
 * build a query whose true answer it knows. The benchmark reaches into the records module's
 * internals (records_internal.h) only to time name_index_search on its own. */
#include "bench_util.h"

#include "auth/audit.h"
#include "auth/auth.h"
#include "base/err.h"
#include "base/jtime.h"
#include "base/kana.h"
#include "base/log.h"
#include "base/utf8.h"
#include "records/demo.h"
#include "records/name_index.h"
#include "records/records.h"
#include "records/records_internal.h"
#include "store/store.h"

#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEMO_SEED 20261123u
#define VARIANTS 8
#define MISS_PERCENT 5
#define TEXT_CAP 256

/* ---- small helpers ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static FILE *results; /* BENCH_OUT/results.txt, or NULL */

/* Prints to stdout and to the results file. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
    if (results) {
        va_start(ap, fmt);
        vfprintf(results, fmt, ap);
        va_end(ap);
        fflush(results);
    }
}

/* The normalisation keitsu's name index applies, used for the pg_trgm side: the phonetic key
 * of each name part, joined by one space ("ヤマダ タロウ", "YAMADA TAROH" → "yamada taro"). */
static int norm_phonetic(const char *s, char *out, size_t cap)
{
    static const char *const seps[] = {"\xE3\x80\x80", "\xE3\x83\xBB", "\xEF\xBD\xA5", ","};
    char tmp[TEXT_CAP];
    size_t t = 0;
    while (*s && t + 1 < sizeof tmp) {
        size_t skip = 0;
        for (size_t k = 0; k < sizeof seps / sizeof seps[0] && !skip; k++)
            if (strncmp(s, seps[k], strlen(seps[k])) == 0) skip = strlen(seps[k]);
        if (skip) {
            tmp[t++] = ' ';
            s += skip;
        } else {
            tmp[t++] = *s++;
        }
    }
    tmp[t] = '\0';
    size_t o = 0;
    out[0] = '\0';
    for (char *tok = tmp; *tok;) {
        char *end = strchr(tok, ' ');
        size_t len = end ? (size_t)(end - tok) : strlen(tok);
        if (len) {
            size_t kl;
            if (o && o + 1 < cap) out[o++] = ' ';
            int rc = kana_phonetic_key(tok, len, out + o, cap - o, &kl);
            if (rc) return rc;
            o += kl;
        }
        if (!end) break;
        tok = end + 1;
    }
    return o ? 0 : KT_EINVAL;
}

static int norm_kanji(const char *s, char *out, size_t cap)
{
    size_t len;
    return kana_kanji_fold(s, strlen(s), out, cap, &len);
}

/* ---- variant spellings ---- */

/* Variant spellings come from name_variant_make(); BENCH_OWN_VARIANTS=1 uses the benchmark's
 * own generator below instead (same eight kinds; the first 1M run used it), to check that the
 * figures do not hinge on one generator. */
static int own_variants;

/* Maps each code point of s through fn into out; fn returns 0 to drop a code point. */
static int map_cps(const char *s, uint32_t (*fn)(uint32_t, int *), char *out, size_t cap)
{
    size_t o = 0, len = strlen(s);
    int state = 0;
    while (len) {
        uint32_t cp;
        int n = utf8_decode(s, len, &cp);
        if (n <= 0) return KT_EINVAL;
        s += n;
        len -= (size_t)n;
        uint32_t m = fn(cp, &state);
        if (!m) continue;
        char b[4];
        int w = utf8_encode(m, b);
        if (o + (size_t)w + 1 > cap) return KT_ETOOBIG;
        memcpy(out + o, b, (size_t)w);
        o += (size_t)w;
    }
    out[o] = '\0';
    return 0;
}

static uint32_t to_hiragana(uint32_t cp, int *st)
{
    (void)st;
    return cp >= 0x30A1 && cp <= 0x30F6 ? cp - 0x60 : cp;
}

static uint32_t drop_space(uint32_t cp, int *st)
{
    (void)st;
    return cp == ' ' || cp == 0x3000 ? 0 : cp;
}

/* One kanji replaced by its itaiji (the first that has one). */
static uint32_t one_itaiji(uint32_t cp, int *st)
{
    uint32_t v = *st ? 0 : kana_kanji_variant(cp);
    if (!v) return cp;
    *st = 1;
    return v;
}

/* Romanises "FAMILY GIVEN" kana part by part; given_first swaps the parts. */
static int romanize_name(const char *kana, enum kana_romaji_style style, int given_first, char *out,
                         size_t cap)
{
    const char *sp = strchr(kana, ' ');
    if (!sp) {
        size_t l;
        return kana_romanize(kana, strlen(kana), style, out, cap, &l);
    }
    char fam[TEXT_CAP], giv[TEXT_CAP];
    size_t l1, l2;
    int rc = kana_romanize(kana, (size_t)(sp - kana), style, fam, sizeof fam, &l1);
    if (!rc) rc = kana_romanize(sp + 1, strlen(sp + 1), style, giv, sizeof giv, &l2);
    if (rc) return rc;
    int w =
        given_first ? snprintf(out, cap, "%s %s", giv, fam) : snprintf(out, cap, "%s %s", fam, giv);
    return w < 0 || (size_t)w >= cap ? KT_ETOOBIG : 0;
}

static int variant_fallback(const char *kanji, const char *kana, unsigned k, char *out, size_t cap)
{
    switch (k) {
    case 0:
        return map_cps(kana, to_hiragana, out, cap);
    case 1:
    case 2: /* (half-width katakana in the real generator) */
        return map_cps(kana, drop_space, out, cap);
    case 3:
        return romanize_name(kana, KANA_ROMAJI_PASSPORT, 1, out, cap);
    case 4:
        return romanize_name(kana, KANA_ROMAJI_KUNREI, 0, out, cap);
    case 5: {
        int rc = romanize_name(kana, KANA_ROMAJI_HEPBURN, 0, out, cap);
        for (char *p = out; !rc && *p; p++)
            if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
        return rc;
    }
    case 6:
        if (kanji) {
            int rc = map_cps(kanji, one_itaiji, out, cap);
            if (!rc && strcmp(out, kanji) != 0) return 0;
        }
        snprintf(out, cap, "%s", kana);
        return 0;
    case 7: {
        /* One consonant of the given name mistyped (TARO → TAKO): the last consonant that
         * stands alone before a vowel becomes K (or M for a K), letters that never fold. */
        int rc = romanize_name(kana, KANA_ROMAJI_PASSPORT, 0, out, cap);
        if (rc) return rc;
        const char *sp = strchr(out, ' ');
        size_t start = sp ? (size_t)(sp - out) + 1 : 0;
        for (size_t i = strlen(out); i-- > start + 1;) {
            if (!strchr("AEIOU", out[i]) || strchr("AEIOUN ", out[i - 1])) continue;
            if (i >= start + 2 && !strchr("AEIOU", out[i - 2])) continue;
            out[i - 1] = out[i - 1] == 'K' ? 'M' : 'K';
            break;
        }
        return 0;
    }
    default:
        return KT_EINVAL;
    }
}

static int variant_make(const char *kanji, const char *kana, unsigned k, char *out, size_t cap)
{
    if (own_variants) return variant_fallback(kanji, kana, k, out, cap);
    return name_variant_make(kanji, kana, k, out, cap);
}

/* ---- the query sets ---- */

struct pquery {
    char name[TEXT_CAP]; /* the variant spelling as typed */
    char norm[TEXT_CAP]; /* normalised for pg_trgm */
    char birth[11];      /* "YYYY-MM-DD" */
    uint32_t target;     /* person number (P-<target>), 0 for a query that should miss */
    uint8_t kanji;       /* norm is folded kanji (else a phonetic key) */
    uint8_t variant;     /* k given to name_variant_make */
};

struct vquery {
    char plate[TEXT_CAP];
    uint32_t target; /* vehicle number */
    uint8_t typing;
};

static const char *const typing_names[] = {"as shown", "no spaces", "full-width digits",
                                           "full-width hyphen", "4 digits, no hyphen"};
#define TYPINGS 5

/* A name no demo person has: random katakana syllables. */
static void make_miss(uint64_t *rs, char *out, size_t cap)
{
    static const char *const syl[] = {"ヌ",   "ゾ",   "ペ", "ヴ", "ヘ",
                                      "ミュ", "ピョ", "ヅ", "ヲ", "ギャ"};
    size_t len = 0;
    out[0] = '\0';
    for (int part = 0; part < 2; part++) {
        int n = 3 + (int)(bench_rng_next(rs) % 2);
        for (int k = 0; k < n; k++)
            len += (size_t)snprintf(out + len, cap - len, "%s", syl[bench_rng_next(rs) % 10]);
        if (part == 0) len += (size_t)snprintf(out + len, cap - len, " ");
    }
}

static int person_active(json_t *p, const char *today)
{
    json_t *w = json_object_get(p, "wanted");
    const char *exp = w ? json_string_value(json_object_get(w, "warrant_expires")) : NULL;
    if (!exp) exp = json_string_value(json_object_get(p, "expires_on"));
    return !exp || strcmp(exp, today) >= 0;
}

static int build_person_queries(uint32_t n, size_t nq, struct pquery *q, size_t *skipped)
{
    uint64_t rs = 0x6b656974737531ull ^ n;
    char today[16];
    jtime_today_jst(today, sizeof today);
    *skipped = 0;
    for (size_t i = 0; i < nq; i++) {
        struct pquery *x = &q[i];
        memset(x, 0, sizeof *x);
        if (bench_rng_next(&rs) % 100 < MISS_PERCENT) {
            make_miss(&rs, x->name, sizeof x->name);
            snprintf(x->birth, sizeof x->birth, "19%02u-%02u-%02u",
                     (unsigned)(50 + bench_rng_next(&rs) % 50),
                     (unsigned)(1 + bench_rng_next(&rs) % 12),
                     (unsigned)(1 + bench_rng_next(&rs) % 28));
        } else {
            for (;;) {
                uint32_t j = (uint32_t)(bench_rng_next(&rs) % n);
                json_t *p;
                if (demo_person_json(DEMO_SEED, j, &p)) return KT_ENOMEM;
                if (!person_active(p, today)) {
                    json_decref(p);
                    (*skipped)++;
                    continue;
                }
                const char *kanji = json_string_value(json_object_get(p, "name_kanji"));
                const char *kana = json_string_value(json_object_get(p, "name_kana"));
                const char *bd = json_string_value(json_object_get(p, "birth_date"));
                x->variant = (uint8_t)(i % VARIANTS);
                int rc = variant_make(kanji, kana, x->variant, x->name, sizeof x->name);
                snprintf(x->birth, sizeof x->birth, "%s", bd ? bd : "");
                json_decref(p);
                if (rc) {
                    (*skipped)++;
                    continue;
                }
                x->target = j + 1;
                break;
            }
        }
        x->kanji = kana_classify(x->name, strlen(x->name)) == KANA_SCRIPT_KANJI;
        int rc = x->kanji ? norm_kanji(x->name, x->norm, sizeof x->norm)
                          : norm_phonetic(x->name, x->norm, sizeof x->norm);
        if (rc) x->norm[0] = '\0';
    }
    return 0;
}

/* Rewrites the ASCII digits of s as full-width digits. */
static void fullwidth_digits(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 4 < cap; s++) {
        if (*s >= '0' && *s <= '9') {
            unsigned cp = 0xFF10u + (unsigned)(*s - '0');
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

/* Replaces every occurrence of from by to. */
static void replace_all(const char *s, const char *from, const char *to, char *out, size_t cap)
{
    size_t o = 0, fl = strlen(from), tl = strlen(to);
    while (*s && o + tl + 1 < cap) {
        if (fl && strncmp(s, from, fl) == 0) {
            memcpy(out + o, to, tl);
            o += tl;
            s += fl;
        } else {
            out[o++] = *s++;
        }
    }
    out[o] = '\0';
}

/* "品川 300 さ 12-34" typed five ways. The serial "12-34" / "・123" / "・・12" becomes "1234" /
 * "0123" / "0012" in the fifth typing. */
static void plate_typing(const char *shown, int typing, char *out, size_t cap)
{
    switch (typing) {
    case 1:
        replace_all(shown, " ", "", out, cap);
        break;
    case 2:
        fullwidth_digits(shown, out, cap);
        break;
    case 3:
        replace_all(shown, "-", "－", out, cap);
        break;
    case 4: {
        char a[TEXT_CAP], b[TEXT_CAP];
        replace_all(shown, "-", "", a, sizeof a);
        replace_all(a, "・", "0", b, sizeof b);
        snprintf(out, cap, "%s", b);
        break;
    }
    default:
        snprintf(out, cap, "%s", shown);
    }
}

static int build_plate_queries(uint32_t n, size_t nq, struct vquery *q)
{
    uint64_t rs = 0x706c617465ull ^ n;
    for (size_t i = 0; i < nq; i++) {
        uint32_t j = (uint32_t)(bench_rng_next(&rs) % n);
        json_t *v;
        if (demo_vehicle_json(DEMO_SEED, j, &v)) return KT_ENOMEM;
        const char *plate = json_string_value(json_object_get(v, "plate"));
        q[i].typing = (uint8_t)(i % TYPINGS);
        plate_typing(plate ? plate : "", q[i].typing, q[i].plate, sizeof q[i].plate);
        q[i].target = j + 1;
        json_decref(v);
    }
    return 0;
}

/* ---- a parallel timed run ---- */

struct run {
    const char *label;
    size_t nq;
    int threads;
    /* Runs query i; sets *found to 1 if the true record was answered, 2 for a top-1 hit. */
    int (*one)(struct run *run, int tid, size_t i, int *found);
    void *ctx;
    void *tctx[64]; /* per-thread state */
    double *lat;
    int *found;
    int errors;
    pthread_mutex_t mu;
};

struct worker {
    struct run *run;
    int tid;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *run = w->run;
    int errors = 0;
    for (size_t i = (size_t)w->tid; i < run->nq; i += (size_t)run->threads) {
        double t0 = now_s();
        int found = 0;
        if (run->one(run, w->tid, i, &found)) errors++;
        run->lat[i] = now_s() - t0;
        run->found[i] = found;
    }
    pthread_mutex_lock(&run->mu);
    run->errors += errors;
    pthread_mutex_unlock(&run->mu);
    return NULL;
}

static int dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats {
    double qps, p50_ms, p99_ms, recall, top1;
    size_t expected;
};

/* Runs every query once across run->threads threads. want[i] says whether query i has a true
 * record (recall counts only those). */
static struct stats run_timed(struct run *run, const uint8_t *want)
{
    struct stats st = {0};
    run->lat = calloc(run->nq, sizeof *run->lat);
    run->found = calloc(run->nq, sizeof *run->found);
    pthread_mutex_init(&run->mu, NULL);
    run->errors = 0;
    pthread_t th[64];
    struct worker w[64];
    double t0 = now_s();
    for (int t = 0; t < run->threads; t++) {
        w[t] = (struct worker){run, t};
        pthread_create(&th[t], NULL, worker_main, &w[t]);
    }
    for (int t = 0; t < run->threads; t++)
        pthread_join(th[t], NULL);
    double wall = now_s() - t0;
    size_t exp = 0, got = 0, top = 0;
    for (size_t i = 0; i < run->nq; i++) {
        if (!want[i]) continue;
        exp++;
        got += run->found[i] != 0;
        top += run->found[i] == 2;
    }
    qsort(run->lat, run->nq, sizeof *run->lat, dbl_cmp);
    st.qps = (double)run->nq / wall;
    st.p50_ms = run->lat[run->nq / 2] * 1e3;
    st.p99_ms = run->lat[(run->nq * 99) / 100] * 1e3;
    st.recall = exp ? (double)got / (double)exp : 0;
    st.top1 = exp ? (double)top / (double)exp : 0;
    st.expected = exp;
    say("  %-44s %2d thr %10.0f q/s  p50 %7.3f ms  p99 %7.3f ms  recall %.4f  top1 %.4f%s\n",
        run->label, run->threads, st.qps, st.p50_ms, st.p99_ms, st.recall, st.top1,
        run->errors ? "  (errors!)" : "");
    if (run->errors) say("    %d queries failed\n", run->errors);
    pthread_mutex_destroy(&run->mu);
    free(run->lat);
    free(run->found);
    return st;
}

/* ---- keitsu: the name index alone ---- */

struct kctx {
    struct records *r;
    const struct auth_user *user;
    struct pquery *pq;
    struct vquery *vq;
    json_t **bodies;
    int with_birth;
};

static int one_index(struct run *run, int tid, size_t i, int *found)
{
    (void)tid;
    struct kctx *k = run->ctx;
    const struct pquery *x = &k->pq[i];
    struct name_hit hits[50];
    size_t n = 0;
    pthread_rwlock_rdlock(&k->r->lock);
    int rc = name_index_search(k->r->names, x->name, k->with_birth ? x->birth : NULL, 0, 0.70f,
                               hits, 50, &n);
    pthread_rwlock_unlock(&k->r->lock);
    if (rc) return rc;
    for (size_t h = 0; h < n && h < 10; h++)
        if (x->target && hits[h].id == x->target) *found = h == 0 ? 2 : 1;
    return 0;
}

/* ---- keitsu: the whole query (validation, index, answer, audit) ---- */

static int answer_find(const char *out, char prefix, uint32_t target)
{
    char want[32];
    snprintf(want, sizeof want, "\"id\":\"%c-%08u\"", prefix, target);
    const char *first = strstr(out, "\"id\":\"");
    const char *at = strstr(out, want);
    if (!at) return 0;
    return at == first && strncmp(out, "{\"hit\":true", 11) == 0 ? 2 : 1;
}

static int one_query(struct run *run, int tid, size_t i, int *found)
{
    (void)tid;
    struct kctx *k = run->ctx;
    char *out = NULL;
    size_t len;
    int person = k->pq != NULL;
    int rc = records_query(k->r, k->user, person ? "person" : "vehicle", k->bodies[i], &out, &len);
    if (rc) return rc;
    uint32_t target = person ? k->pq[i].target : k->vq[i].target;
    if (target) *found = answer_find(out, person ? 'P' : 'V', target);
    free(out);
    return 0;
}

/* ---- PostgreSQL pg_trgm ---- */

static int pg_ok(PGresult *res, const char *what)
{
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_COPY_IN) return 1;
    fprintf(stderr, "bench: pg %s: %s", what, PQresultErrorMessage(res));
    return 0;
}

static int pg_cmd(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    int ok = pg_ok(res, sql);
    PQclear(res);
    return ok ? 0 : KT_ESTORE;
}

/* Appends one COPY text line: id, folded kanji, phonetic key of the kana, birth date. */
static int copy_name(char *buf, size_t cap, size_t *len, uint32_t id, const char *kanji,
                     const char *kana, const char *birth)
{
    char fk[TEXT_CAP] = "", pk[TEXT_CAP] = "";
    if (kanji && norm_kanji(kanji, fk, sizeof fk)) fk[0] = '\0';
    if (kana && norm_phonetic(kana, pk, sizeof pk)) pk[0] = '\0';
    /* The normalised names hold no tab, newline or backslash. */
    int w = snprintf(buf + *len, cap - *len, "%u\t%s\t%s\t%s\n", id, fk, pk, birth);
    if (w < 0 || (size_t)w >= cap - *len) return KT_ENOMEM;
    *len += (size_t)w;
    return 0;
}

static int pg_load(PGconn *c, uint32_t n)
{
    double t0 = now_s();
    if (pg_cmd(c, "SET client_min_messages = warning") ||
        pg_cmd(c, "CREATE EXTENSION IF NOT EXISTS pg_trgm") ||
        pg_cmd(c, "DROP TABLE IF EXISTS keitsu_bench_names") ||
        pg_cmd(c, "CREATE TABLE keitsu_bench_names (id integer NOT NULL, kanji text NOT NULL, "
                  "phon text NOT NULL, birth date NOT NULL)"))
        return KT_ESTORE;
    PGresult *res = PQexec(c, "COPY keitsu_bench_names FROM STDIN");
    int ok = pg_ok(res, "COPY");
    PQclear(res);
    if (!ok) return KT_ESTORE;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    if (!buf) return KT_ENOMEM;
    int rc = 0;
    size_t rows = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        json_t *p;
        if ((rc = demo_person_json(DEMO_SEED, i, &p))) break;
        const char *bd = json_string_value(json_object_get(p, "birth_date"));
        rc = copy_name(buf, cap, &len, i + 1, json_string_value(json_object_get(p, "name_kanji")),
                       json_string_value(json_object_get(p, "name_kana")), bd);
        rows++;
        size_t ai;
        json_t *a;
        json_array_foreach(json_object_get(p, "aliases"), ai, a)
        {
            if (!rc)
                rc = copy_name(buf, cap, &len, i + 1,
                               json_string_value(json_object_get(a, "name_kanji")),
                               json_string_value(json_object_get(a, "name_kana")), bd);
            rows++;
        }
        json_decref(p);
        if (!rc && (len > cap - 4096 || i + 1 == n)) {
            if (PQputCopyData(c, buf, (int)len) != 1) rc = KT_ESTORE;
            len = 0;
        }
        if ((i + 1) % 200000 == 0) {
            printf("  pg: %u persons copied\n", i + 1);
            fflush(stdout);
        }
    }
    free(buf);
    if (PQputCopyEnd(c, rc ? "bench failed" : NULL) != 1) rc = KT_ESTORE;
    res = PQgetResult(c);
    if (!pg_ok(res, "COPY end")) rc = KT_ESTORE;
    PQclear(res);
    while ((res = PQgetResult(c)))
        PQclear(res);
    if (rc) return rc;
    double t1 = now_s();
    if (pg_cmd(c, "CREATE INDEX keitsu_bench_names_kanji ON keitsu_bench_names "
                  "USING gin (kanji gin_trgm_ops)") ||
        pg_cmd(c, "CREATE INDEX keitsu_bench_names_phon ON keitsu_bench_names "
                  "USING gin (phon gin_trgm_ops)") ||
        pg_cmd(c, "ANALYZE keitsu_bench_names"))
        return KT_ESTORE;
    say("  pg_trgm load: %zu name rows by COPY in %.1f s, GIN trigram indexes in %.1f s\n", rows,
        t1 - t0, now_s() - t1);
    return 0;
}

struct pgctx {
    const char *url;
    struct pquery *pq;
    int with_birth;
};

static const char *const pg_sql[2][2] = {
    /* [with_birth][kanji] */
    {"SELECT id FROM keitsu_bench_names WHERE phon % $1 "
     "ORDER BY similarity(phon, $1) DESC, id LIMIT 10",
     "SELECT id FROM keitsu_bench_names WHERE kanji % $1 "
     "ORDER BY similarity(kanji, $1) DESC, id LIMIT 10"},
    {"SELECT id FROM keitsu_bench_names WHERE phon % $1 AND birth = $2::date "
     "ORDER BY similarity(phon, $1) DESC, id LIMIT 10",
     "SELECT id FROM keitsu_bench_names WHERE kanji % $1 AND birth = $2::date "
     "ORDER BY similarity(kanji, $1) DESC, id LIMIT 10"},
};

static int pg_connect_thread(struct run *run, int tid)
{
    struct pgctx *p = run->ctx;
    PGconn *c = PQconnectdb(p->url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench: pg connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return KT_ESTORE;
    }
    for (int k = 0; k < 2; k++) {
        PGresult *res =
            PQprepare(c, k ? "qk" : "qp", pg_sql[p->with_birth][k], p->with_birth ? 2 : 1, NULL);
        int ok = pg_ok(res, "prepare");
        PQclear(res);
        if (!ok) {
            PQfinish(c);
            return KT_ESTORE;
        }
    }
    run->tctx[tid] = c;
    return 0;
}

static int one_pg(struct run *run, int tid, size_t i, int *found)
{
    struct pgctx *p = run->ctx;
    const struct pquery *x = &p->pq[i];
    const char *params[2] = {x->norm, x->birth};
    PGresult *res = PQexecPrepared(run->tctx[tid], x->kanji ? "qk" : "qp", p->with_birth ? 2 : 1,
                                   params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return KT_ESTORE;
    }
    int rows = PQntuples(res);
    char want[16];
    snprintf(want, sizeof want, "%u", x->target);
    for (int r = 0; r < rows && x->target; r++)
        if (strcmp(PQgetvalue(res, r, 0), want) == 0) {
            *found = r == 0 ? 2 : 1;
            break;
        }
    PQclear(res);
    return 0;
}

/* ---- files for the HTTP run ---- */

static int write_bodies(const char *dir, const char *file, size_t nq, json_t **bodies)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    if (!f) return kt_fail(KT_EIO, "cannot write %s", path);
    for (size_t i = 0; i < nq; i++) {
        char *s = json_dumps(bodies[i], JSON_COMPACT | JSON_ENSURE_ASCII);
        if (s) fprintf(f, "%s\n", s);
        free(s);
    }
    return fclose(f) ? kt_fail(KT_EIO, "cannot write %s", path) : 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
    long n_def = bench_env_long("BENCH_N", 1000000, 1000, 4000000);
    long n = n_def;
    if (argc > 1) {
        char *end;
        n = strtol(argv[1], &end, 10);
        if (*end || n < 1000 || n > 4000000) {
            fprintf(stderr, "usage: bench_query [N]   (1000 <= N <= 4000000)\n");
            return 2;
        }
    }
    size_t nq = (size_t)bench_env_long("BENCH_Q", 20000, 100, 1000000);
    own_variants = (int)bench_env_long("BENCH_OWN_VARIANTS", 0, 0, 1);
    const char *out_dir = getenv("BENCH_OUT");
    const char *pg_url = getenv("KEITSU_BENCH_PG");
    kt_log_set_level(1);
    if (out_dir) {
        char path[1200];
        snprintf(path, sizeof path, "%s/results.txt", out_dir);
        results = fopen(path, "w");
    }

    char tmp[] = "/tmp/keitsu-bench-XXXXXX";
    const char *dir = getenv("BENCH_DIR");
    int own_dir = !dir || !*dir;
    if (own_dir) {
        if (!mkdtemp(tmp)) {
            perror("mkdtemp");
            return 1;
        }
        dir = tmp;
    } else if (mkdir(dir, 0700) && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    say("keitsu query benchmark: %ld persons, %ld vehicles, %zu variant queries, %ld cores\n", n, n,
        nq, cores);

    /* The platform, as keitsu serve opens it (platform_open lives in the CLI). */
    char db[1200], anchor[1200];
    snprintf(db, sizeof db, "%s/keitsu.db", dir);
    snprintf(anchor, sizeof anchor, "%s/audit.anchor", dir);
    struct store *st = NULL;
    struct auth *au = NULL;
    struct audit *audit = NULL;
    struct records *r = NULL;
    int rc = store_open(db, 40, &st);
    if (!rc) rc = store_migrate(st);
    if (!rc) rc = auth_open(st, NULL, &au);
    if (!rc) rc = audit_open(st, anchor, &audit);
    double t0 = now_s();
    if (!rc) rc = records_open(st, audit, &r);
    if (rc) {
        fprintf(stderr, "bench: open: %s\n", kt_errmsg());
        return 1;
    }
    const struct auth_user loader = {
        .name = "bench-loader", .role = "registrar", .agency = "警視庁"};
    const struct auth_user officer = {
        .name = "bench-officer", .role = "officer", .agency = "警視庁"};
    printf("loading the demo dataset (1,000,000 + 1,000,000 takes minutes)...\n");
    fflush(stdout);
    if ((rc = records_demo_load(r, &loader, (uint32_t)n, (uint32_t)n))) {
        fprintf(stderr, "bench: demo load: %s\n", kt_errmsg());
        return 1;
    }
    say("  store open + demo load (or index rebuild): %.1f s\n", now_s() - t0);

    /* Query sets. */
    struct pquery *pq = calloc(nq, sizeof *pq);
    struct vquery *vq = calloc(nq, sizeof *vq);
    uint8_t *want_p = calloc(nq, 1), *want_v = calloc(nq, 1);
    json_t **pbodies = calloc(nq, sizeof *pbodies), **nbodies = calloc(nq, sizeof *nbodies);
    json_t **vbodies = calloc(nq, sizeof *vbodies);
    if (!pq || !vq || !want_p || !want_v || !pbodies || !nbodies || !vbodies) return 1;
    size_t skipped;
    if (build_person_queries((uint32_t)n, nq, pq, &skipped) ||
        build_plate_queries((uint32_t)n, nq, vq)) {
        fprintf(stderr, "bench: cannot build the query sets\n");
        return 1;
    }
    size_t misses = 0;
    for (size_t i = 0; i < nq; i++) {
        want_p[i] = pq[i].target != 0;
        misses += !want_p[i];
        want_v[i] = 1;
        pbodies[i] = json_pack("{s:s,s:s,s:s}", "name", pq[i].name, "birth_date", pq[i].birth,
                               "reason", "bench");
        nbodies[i] = json_pack("{s:s,s:s}", "name", pq[i].name, "reason", "bench");
        vbodies[i] = json_pack("{s:s,s:s}", "plate", vq[i].plate, "reason", "bench");
    }
    say("  variant spellings from %s\n",
        own_variants ? "the benchmark's own generator" : "name_variant_make()");
    say("  query set: %zu person queries (%zu variants of active persons, k=0..%d; %zu that "
        "should miss), %zu plate queries in %d typings\n",
        nq, nq - misses, VARIANTS - 1, misses, nq, TYPINGS);
    if (out_dir) {
        if (write_bodies(out_dir, "persons.jsonl", nq, pbodies) ||
            write_bodies(out_dir, "persons_name.jsonl", nq, nbodies) ||
            write_bodies(out_dir, "plates.jsonl", nq, vbodies))
            fprintf(stderr, "bench: %s\n", kt_errmsg());
        char path[1200];
        snprintf(path, sizeof path, "%s/examples.txt", out_dir);
        FILE *f = fopen(path, "w");
        for (size_t i = 0; f && i < 40 && i < nq; i++)
            fprintf(f, "P-%08u k=%u %s %s | norm %s\n", pq[i].target, pq[i].variant, pq[i].name,
                    pq[i].birth, pq[i].norm);
        for (size_t i = 0; f && i < 10 && i < nq; i++)
            fprintf(f, "V-%08u %s (%s)\n", vq[i].target, vq[i].plate, typing_names[vq[i].typing]);
        if (f) fclose(f);
    }

    struct kctx kc = {.r = r, .user = &officer, .pq = pq, .with_birth = 1};
    say("\nkeitsu in-process, person name + birth date (recall = true record among the top 10)\n");
    struct stats idx1, idx2, q1, q2, q32;
    struct run run = {
        .label = "name_index_search", .nq = nq, .threads = 1, .one = one_index, .ctx = &kc};
    idx1 = run_timed(&run, want_p);
    run.threads = 2;
    idx2 = run_timed(&run, want_p);
    kc.bodies = pbodies;
    /* With one or two threads every query waits for its own audit commit: a slice will do. */
    run = (struct run){.label = "records_query (validate+index+audit)",
                       .nq = nq / 4,
                       .threads = 1,
                       .one = one_query,
                       .ctx = &kc};
    q1 = run_timed(&run, want_p);
    run.threads = 2;
    run.nq = nq / 2;
    q2 = run_timed(&run, want_p);
    run.threads = 32;
    run.nq = nq;
    q32 = run_timed(&run, want_p);

    say("\nkeitsu in-process, person name only (namesakes share a name: recall is ambiguous)\n");
    kc.with_birth = 0;
    run = (struct run){
        .label = "name_index_search", .nq = nq, .threads = 2, .one = one_index, .ctx = &kc};
    run_timed(&run, want_p);
    kc.bodies = nbodies;
    run = (struct run){.label = "records_query (validate+index+audit)",
                       .nq = nq,
                       .threads = 32,
                       .one = one_query,
                       .ctx = &kc};
    run_timed(&run, want_p);

    /* Recall by variant kind, and a few misses to look at. */
    kc.with_birth = 1;
    run = (struct run){.label = "", .nq = nq, .threads = 1, .one = one_index, .ctx = &kc};
    {
        size_t tot[VARIANTS] = {0}, ok[VARIANTS] = {0};
        for (size_t i = 0; i < nq; i++) {
            if (!pq[i].target) continue;
            int f = 0;
            one_index(&run, 0, i, &f);
            tot[pq[i].variant]++;
            ok[pq[i].variant] += f != 0;
        }
        say("  recall by variant k (name + birth date, top 10):");
        for (int k = 0; k < VARIANTS; k++)
            say(" k%d %.3f", k, tot[k] ? (double)ok[k] / (double)tot[k] : 0);
        say("\n");
        size_t shown = 0;
        for (size_t i = 0; i < nq && shown < 8; i++) {
            if (!pq[i].target) continue;
            int f = 0;
            one_index(&run, 0, i, &f);
            if (f) continue;
            say("    missed: P-%08u k=%u \"%s\" %s\n", pq[i].target, pq[i].variant, pq[i].name,
                pq[i].birth);
            shown++;
        }
    }

    say("\nkeitsu in-process, plates (exact hit = the true vehicle first, as a hit)\n");
    kc.pq = NULL;
    kc.vq = vq;
    kc.bodies = vbodies;
    run = (struct run){
        .label = "records_query vehicle", .nq = nq / 4, .threads = 1, .one = one_query, .ctx = &kc};
    struct stats v1 = run_timed(&run, want_v);
    run.threads = 32;
    run.nq = nq;
    struct stats v32 = run_timed(&run, want_v);
    (void)v1;
    (void)v32;
    {
        size_t tot[TYPINGS] = {0}, ok[TYPINGS] = {0};
        run.threads = 1;
        for (size_t i = 0; i < nq && i < 2000; i++) {
            int f = 0;
            one_query(&run, 0, i, &f);
            tot[vq[i].typing]++;
            ok[vq[i].typing] += f == 2;
        }
        say("  exact-hit rate by typing:");
        for (int t = 0; t < TYPINGS; t++)
            say(" [%s] %.3f", typing_names[t], tot[t] ? (double)ok[t] / (double)tot[t] : 0);
        say("\n");
    }

    if (pg_url && *pg_url) {
        say("\nPostgreSQL pg_trgm on the same normalised names (similarity, %% operator, top "
            "10)\n");
        PGconn *c = PQconnectdb(pg_url);
        if (PQstatus(c) != CONNECTION_OK) {
            fprintf(stderr, "bench: pg connect: %s", PQerrorMessage(c));
            return 1;
        }
        PGresult *res =
            PQexec(c, "SELECT version(), current_setting('pg_trgm.similarity_threshold', true)");
        if (PQresultStatus(res) == PGRES_TUPLES_OK) say("  %s\n", PQgetvalue(res, 0, 0));
        PQclear(res);
        if (pg_load(c, (uint32_t)n)) return 1;
        PQfinish(c);
        struct pgctx pc = {.url = pg_url, .pq = pq, .with_birth = 1};
        run = (struct run){.label = "pg_trgm, name + birth date",
                           .nq = nq,
                           .threads = 2,
                           .one = one_pg,
                           .ctx = &pc};
        int ok = 1;
        for (int t = 0; t < 2; t++)
            ok &= pg_connect_thread(&run, t) == 0;
        if (!ok) return 1;
        /* pg_trgm answers in milliseconds: warm the caches with a slice, then measure the first
         * BENCH_PG_Q queries of the same set (the set is random, so any prefix is a sample). */
        size_t pgq = (size_t)bench_env_long("BENCH_PG_Q", 4000, 100, 1000000);
        if (pgq > nq) pgq = nq;
        run.nq = pgq / 10;
        run_timed(&run, want_p);
        run.nq = pgq;
        struct stats pg2 = run_timed(&run, want_p);
        for (int t = 0; t < 2; t++)
            PQfinish(run.tctx[t]);
        pc.with_birth = 0;
        run.label = "pg_trgm, name only";
        for (int t = 0; t < 2; t++)
            pg_connect_thread(&run, t);
        run.nq = pgq / 4;
        run_timed(&run, want_p);
        for (int t = 0; t < 2; t++)
            PQfinish(run.tctx[t]);
        say("\nratios (keitsu / pg_trgm, 2 threads, name + birth date)\n");
        say("  name_index_search: %.1fx throughput, recall %.4f vs %.4f\n", idx2.qps / pg2.qps,
            idx2.recall, pg2.recall);
        say("  records_query (with audit), 2 threads: %.1fx; 32 threads: %.1fx\n", q2.qps / pg2.qps,
            q32.qps / pg2.qps);
    }
    (void)idx1;
    (void)q1;

    for (size_t i = 0; i < nq; i++) {
        json_decref(pbodies[i]);
        json_decref(nbodies[i]);
        json_decref(vbodies[i]);
    }
    free(pbodies);
    free(nbodies);
    free(vbodies);
    free(pq);
    free(vq);
    free(want_p);
    free(want_v);
    records_close(r);
    audit_close(audit);
    auth_close(au);
    store_close(st);
    if (own_dir) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (results) fclose(results);
    return 0;
}
