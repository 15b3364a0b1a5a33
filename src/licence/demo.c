/* Generated licence holders for the demo and the benchmark, and the batched bulk load.
 *
 * Holder i of a seed is a pure function of (seed, i) except for its dates, which are relative
 * to the day of the load (so a fresh demo always has valid, expired and suspended cards).
 * Numbers are unique without the store: commission = the i mod 51-th code, year and serial
 * from i / 51, serials from 600000 up (live issues count from 1, see lic_next_serial()). */
#include "base/err.h"
#include "base/jtime.h"
#include "base/kana.h"
#include "base/log.h"
#include "licence/licence_internal.h"
#include "records/demo.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 1000       /* holders generated, then written together (store_insert_rows) */
#define TX_HOLDERS 10000 /* holders per transaction, but see licence_bulk_load() */
#define DEMO_SERIAL_BASE 600000

static const int codes[] = {10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 25, 30, 40, 41, 42, 43, 44,
                            45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 60, 61, 62, 63, 64, 65,
                            70, 71, 72, 73, 74, 80, 81, 82, 83, 90, 91, 92, 93, 94, 95, 96, 97};
#define NCODES (sizeof codes / sizeof codes[0])

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct rnd {
    uint64_t s;
};

static uint32_t below(struct rnd *r, uint32_t n)
{
    r->s = mix(r->s);
    return (uint32_t)(((r->s >> 32) * (uint64_t)n) >> 32);
}

static int this_year(void)
{
    int y, m, d;
    licence_civil(lic_today(), &y, &m, &d);
    return y;
}

static int year_of(uint32_t i)
{
    uint32_t r = i / NCODES;
    int span = 50, last = this_year() - 1;
    return last - span + 1 + (int)(r % (uint32_t)span);
}

int licence_demo_number(uint64_t seed, uint32_t i, char *out, size_t cap)
{
    (void)seed;
    uint32_t r = i / NCODES;
    return licence_number_make(codes[i % NCODES], year_of(i) % 100,
                               DEMO_SERIAL_BASE + (long)(r / 50), 0, out, cap);
}

/* One generated holder with its licence. */
struct row {
    char id[16], number[16];
    struct demo_name name;
    char phon[200], kanji_key[120];
    char birth[11], address[160], photo[65], disq[11];
    char first[11], issued[11], expires[11], category[16], band[8], status[16], until[11];
    char conditions[64];
    int ncls;
    char cls[2][12], acquired[2][11];
    int nev;
    char ev_type[2][12], ev_day[2][11], ev_code[2][40], ev_points[2][8], ev_rev[2][4],
        ev_days[2][8], ev_end[2][11];
};

static const char *const cities[] = {"中央区1-2-3", "北町4-5-6", "南町7-8-9",  "東町2-11-3",
                                     "西町5-1-20",  "本町3-3-3", "緑町1-14-7", "旭町6-2-11"};

static void gen(uint64_t seed, uint32_t i, long today, struct row *w)
{
    memset(w, 0, sizeof *w);
    struct rnd r = {mix(seed ^ ((uint64_t)i << 20) ^ 0x4c4943ULL)};
    licence_demo_number(seed, i, w->number, sizeof w->number);
    int fy = year_of(i);
    int by = fy - 19 - (int)below(&r, 13), bm = 1 + (int)below(&r, 12), bd = 1 + (int)below(&r, 28);
    char sex = below(&r, 100) < 55 ? 'M' : 'F';
    demo_name_make(seed, i, sex, by, &w->name);
    lic_date(jtime_days(by, bm, bd), w->birth);
    size_t kl;
    if (lic_phonetic_name(w->name.kana, "name_kana", w->phon, sizeof w->phon) ||
        kana_kanji_fold(w->name.kanji, strlen(w->name.kanji), w->kanji_key, sizeof w->kanji_key,
                        &kl))
        w->kanji_key[0] = '\0';
    const char *pref = licence_commission_name(codes[i % NCODES]);
    snprintf(w->address, sizeof w->address, "%s%s", pref ? pref : "",
             cities[below(&r, sizeof cities / sizeof cities[0])]);
    char pin[64];
    unsigned char h[32];
    int pl = snprintf(pin, sizeof pin, "photo/%llu/%u", (unsigned long long)seed, i);
    crypto_hash_sha256(h, (const unsigned char *)pin, (unsigned long long)pl);
    sodium_bin2hex(w->photo, sizeof w->photo, h, sizeof h);

    long first = jtime_days(fy, 1 + (int)below(&r, 12), 1 + (int)below(&r, 28));
    if (first > today) first = today - 30;
    lic_date(first, w->first);
    unsigned c = below(&r, 100);
    w->ncls = 1;
    snprintf(w->cls[0], sizeof w->cls[0], "%s", c < 4 ? "chugata" : c < 7 ? "junchugata" : "futsu");
    lic_date(first, w->acquired[0]);
    if (c >= 7 && c < 15) {
        w->ncls = 2;
        snprintf(w->cls[1], sizeof w->cls[1], "fujini");
        lic_date(first + 200 + below(&r, 2000) < today ? first + 200 + below(&r, 2000) : first,
                 w->acquired[1]);
    }
    int glasses = below(&r, 100) < 35, at = c >= 7 && below(&r, 100) < 45;
    snprintf(w->conditions, sizeof w->conditions, "[%s%s%s%s]", glasses ? "\"glasses\"" : "",
             glasses && (at || c < 4) ? "," : "", at ? "\"at\"" : "",
             c < 4 ? (at ? ",\"chugata_8t\"" : "\"chugata_8t\"") : "");

    /* the current card: green within three years of first licensing, else a renewal */
    enum licence_category cat;
    long exp;
    int ty, tm, td;
    licence_civil(today, &ty, &tm, &td);
    if (today - first < 3 * 365) {
        cat = LICENCE_CAT_NEW;
        exp = licence_expiry(by, bm, bd, first, 3);
        lic_date(first, w->issued);
    } else {
        unsigned k = below(&r, 100);
        cat = k < 55 ? LICENCE_CAT_GOOD : k < 75 ? LICENCE_CAT_GENERAL : LICENCE_CAT_VIOLATOR;
        int n = licence_validity_birthdays(cat, ty - by);
        /* renewed in some year so the card runs out in 0..n-1 years; 3% already expired */
        int expired = below(&r, 100) < 3;
        int ey = ty + (int)below(&r, (uint32_t)n) - expired;
        exp = licence_expiry(by, bm, bd, licence_birthday_in(by, bm, bd, ey - 1), 1);
        if (!expired && exp < today) /* this year's birthday and its month are past */
            exp = licence_expiry(by, bm, bd, licence_birthday_in(by, bm, bd, ey++), 1);
        long renewed = licence_birthday_in(by, bm, bd, ey - n) - below(&r, 30);
        if (renewed > today) renewed = today;
        lic_date(renewed, w->issued);
    }
    lic_date(exp, w->expires);
    snprintf(w->category, sizeof w->category, "%s", licence_category_name(cat));
    snprintf(w->band, sizeof w->band, "%s", licence_band_name(cat));
    snprintf(w->status, sizeof w->status, "valid");

    /* a tenth have a recent violation; a few are suspended or revoked for drink-driving */
    unsigned s = below(&r, 1000);
    if (s < 100) {
        static const char *const vcodes[] = {"signal_red", "speed_20_25",   "seat_belt",
                                             "stop_sign",  "phone_holding", "speed_25_30_general"};
        const char *vc = vcodes[below(&r, 6)];
        const struct licence_code *lc = licence_code_find(vc);
        long vd = today - 1 - below(&r, 700);
        w->nev = 1;
        snprintf(w->ev_type[0], sizeof w->ev_type[0], "violation");
        lic_date(vd < first ? today - 1 : vd, w->ev_day[0]);
        snprintf(w->ev_code[0], sizeof w->ev_code[0], "%s", vc);
        snprintf(w->ev_points[0], sizeof w->ev_points[0], "%d", lc ? lc->points : 0);
        snprintf(w->ev_rev[0], sizeof w->ev_rev[0], "0");
        snprintf(w->ev_days[0], sizeof w->ev_days[0], "0");
    } else if (s < 107 && today - first > 60) {
        int revoke = s >= 105;
        long vd = today - 20 - below(&r, 20);
        long start = vd + 10;
        long end = revoke ? start + 2 * 365 : start + 89;
        w->nev = 2;
        snprintf(w->ev_type[0], sizeof w->ev_type[0], "violation");
        lic_date(vd, w->ev_day[0]);
        snprintf(w->ev_code[0], sizeof w->ev_code[0], "%s", revoke ? "drunk" : "drink_015");
        const struct licence_code *lc = licence_code_find(w->ev_code[0]);
        snprintf(w->ev_points[0], sizeof w->ev_points[0], "%d", lc ? lc->points : 0);
        snprintf(w->ev_rev[0], sizeof w->ev_rev[0], "0");
        snprintf(w->ev_days[0], sizeof w->ev_days[0], "0");
        snprintf(w->ev_type[1], sizeof w->ev_type[1], "disposition");
        lic_date(start, w->ev_day[1]);
        snprintf(w->ev_points[1], sizeof w->ev_points[1], "0");
        snprintf(w->ev_rev[1], sizeof w->ev_rev[1], "%d", revoke);
        snprintf(w->ev_days[1], sizeof w->ev_days[1], "%d", revoke ? 0 : 90);
        lic_date(end, w->ev_end[1]);
        snprintf(w->status, sizeof w->status, "%s", revoke ? "revoked" : "suspended");
        if (revoke)
            lic_date(end, w->disq);
        else
            lic_date(end, w->until);
    }
}

static const char *const HOLDER_COLS[] = {
    "id",         "name_kanji", "name_kana",  "name_romaji",  "phon_key",
    "kanji_key",  "birth_date", "address",    "photo_sha256", "disqualified_until",
    "created_at", "created_by", "updated_at", "version"};
static const char *const LICENCE_COLS[] = {
    "number",     "holder_id",  "status", "first_licensed", "issued_on",
    "expires_on", "category",   "band",   "conditions",     "suspended_until",
    "created_at", "updated_at", "version"};
static const char *const CLASS_COLS[] = {"holder_id", "class", "acquired_on"};
static const char *const EVENT_COLS[] = {"holder_id", "type",        "day",         "code",
                                         "points",    "revocation",  "days",        "end_day",
                                         "number",    "recorded_by", "recorded_at", "years"};
#define NCOLS(a) ((int)(sizeof a / sizeof a[0]))

/* The tables a load writes. */
static const char *const TABLES[] = {"licence_holders", "licence_classes", "licence_events",
                                     "licences", NULL};

static int insert_batch(struct store_conn *c, struct row *w, size_t n, const char *actor,
                        const char *now)
{
    /* at most two classes and two events a holder */
    const char **p = malloc(n * 2 * (size_t)NCOLS(EVENT_COLS) * sizeof *p);
    if (!p) return KT_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v[] = {w[i].id,
                           w[i].name.kanji,
                           w[i].name.kana,
                           w[i].name.romaji,
                           w[i].phon,
                           w[i].kanji_key[0] ? w[i].kanji_key : NULL,
                           w[i].birth,
                           w[i].address,
                           w[i].photo,
                           w[i].disq[0] ? w[i].disq : NULL,
                           now,
                           actor,
                           now,
                           "1"};
        memcpy(p + k, v, sizeof v);
        k += NCOLS(HOLDER_COLS);
    }
    int rc = store_insert_rows(c, "licence_holders", HOLDER_COLS, NCOLS(HOLDER_COLS), n, p);
    k = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *v[] = {w[i].number,
                           w[i].id,
                           w[i].status,
                           w[i].first,
                           w[i].issued,
                           w[i].expires,
                           w[i].category,
                           w[i].band,
                           w[i].conditions,
                           w[i].until[0] ? w[i].until : NULL,
                           now,
                           now,
                           "1"};
        memcpy(p + k, v, sizeof v);
        k += NCOLS(LICENCE_COLS);
    }
    if (!rc) rc = store_insert_rows(c, "licences", LICENCE_COLS, NCOLS(LICENCE_COLS), n, p);
    k = 0;
    size_t rows = 0;
    for (size_t i = 0; !rc && i < n; i++)
        for (int j = 0; j < w[i].ncls; j++) {
            p[k++] = w[i].id;
            p[k++] = w[i].cls[j];
            p[k++] = w[i].acquired[j];
            rows++;
        }
    if (!rc && rows)
        rc = store_insert_rows(c, "licence_classes", CLASS_COLS, NCOLS(CLASS_COLS), rows, p);
    k = rows = 0;
    for (size_t i = 0; !rc && i < n; i++)
        for (int j = 0; j < w[i].nev; j++) {
            const char *v[] = {w[i].id,
                               w[i].ev_type[j],
                               w[i].ev_day[j],
                               w[i].ev_code[j][0] ? w[i].ev_code[j] : NULL,
                               w[i].ev_points[j],
                               w[i].ev_rev[j],
                               w[i].ev_days[j],
                               w[i].ev_end[j][0] ? w[i].ev_end[j] : NULL,
                               w[i].number,
                               actor,
                               now,
                               "0"}; /* years: 0 for generated events */
            memcpy(p + k, v, sizeof v);
            k += NCOLS(EVENT_COLS);
            rows++;
        }
    if (!rc && rows)
        rc = store_insert_rows(c, "licence_events", EVENT_COLS, NCOLS(EVENT_COLS), rows, p);
    free(p);
    return rc;
}

/* 1 if the store holds no licence holder yet, 0 if it does, or a KT_E* code. */
static int registry_empty(struct store_conn *c)
{
    struct store_rows *rows = NULL;
    long n = store_exec(c, "SELECT 1 FROM licence_holders LIMIT 1", 0, NULL, &rows);
    store_rows_free(rows);
    return n < 0 ? (int)n : n == 0;
}

int licence_bulk_load(struct licence *l, const struct auth_user *u, uint64_t seed, uint32_t first,
                      uint32_t n)
{
    int rc = lic_require(u, AUTH_LICENCE_ISSUE, "load licence holders");
    if (rc) return rc;
    struct row *w = malloc(BATCH * sizeof *w);
    if (!w) return KT_ENOMEM;
    long today = lic_today();
    struct store_conn *c;
    store_get(l->st, &c);
    /* PostgreSQL into an empty registry: the whole load is one transaction with the tables'
     * indexes and constraints built once at its end (store_bulk_begin), all or nothing. */
    int whole = store_kind(l->st) == STORE_POSTGRES ? registry_empty(c) : 0;
    if (whole < 0) rc = whole;
    uint32_t per_tx = whole ? n : TX_HOLDERS;
    for (uint32_t done = 0; done < n && !rc;) {
        uint32_t tx = n - done < per_tx ? n - done : per_tx;
        if ((rc = audit_tx_begin(l->au, c))) break;
        struct store_bulk *bulk = NULL;
        long id0;
        if (!(whole && (rc = store_bulk_begin(c, TABLES, &bulk))))
            rc = lic_next_holder_ids(c, tx, &id0);
        char now[32];
        jtime_format_utc(jtime_now_ms(), now, sizeof now);
        for (uint32_t b = 0; b < tx && !rc; b += BATCH) {
            uint32_t m = tx - b < BATCH ? tx - b : BATCH;
            for (uint32_t j = 0; j < m; j++) {
                gen(seed, first + done + b + j, today, &w[j]);
                lic_holder_id_format(id0 + b + j, w[j].id);
            }
            rc = insert_batch(c, w, m, u->name, now);
        }
        if (!rc && bulk) {
            int64_t t0 = jtime_now_ms();
            rc = store_bulk_end(c, bulk);
            bulk = NULL;
            kt_log_info("licence: bulk load of %u holders: indexes and constraints rebuilt in"
                        " %lld ms",
                        tx, (long long)(jtime_now_ms() - t0));
        }
        if (!rc) {
            char detail[128];
            snprintf(detail, sizeof detail, "{\"count\":%u,\"first\":%u,\"seed\":%llu}", tx,
                     first + done, (unsigned long long)seed);
            struct audit_entry e = {.action = "licence.bulk_load", .detail = detail};
            rc = audit_append(l->au, c, u, &e, NULL);
        }
        rc = audit_tx_finish(l->au, c, rc);
        store_bulk_free(bulk);
        done += tx;
    }
    if (!rc && whole) {
        int64_t t0 = jtime_now_ms();
        if (store_bulk_settle(c, TABLES))
            kt_log_warn("licence: bulk load: VACUUM failed (%s); autovacuum will do it",
                        kt_errmsg());
        else
            kt_log_info("licence: bulk load: tables vacuumed in %lld ms",
                        (long long)(jtime_now_ms() - t0));
    }
    store_put(l->st, c);
    free(w);
    if (!rc) rc = lic_index_load(l);
    return rc;
}

int licence_demo_load(struct licence *l, const struct auth_user *u, uint32_t holders)
{
    struct store_conn *c;
    store_get(l->st, &c);
    struct store_rows *rows = NULL;
    long n = store_exec(c, "SELECT 1 FROM licence_holders LIMIT 1", 0, NULL, &rows);
    store_rows_free(rows);
    store_put(l->st, c);
    if (n < 0) return (int)n;
    if (n > 0) return 0;
    int64_t t0 = jtime_now_ms();
    int rc = licence_bulk_load(l, u, 20261123u, 0, holders);
    if (!rc)
        kt_log_info("licence: demo dataset of %u holders loaded in %lld ms", holders,
                    (long long)(jtime_now_ms() - t0));
    return rc;
}
