/* Deterministic demo dataset for the query centre (照会): wanted and missing persons, stolen
 * vehicles, stolen or lost firearms and stolen or lost travel documents.
 *
 * Every record is a pure function of (seed, i): the same pair always yields the same JSON, on
 * any machine and in any thread, so a loader can build 100,000 or 1,000,000 records of each
 * kind in parallel and a benchmark can regenerate record i to check an answer. Dates are
 * relative to the fixed reference date DEMO_REFERENCE_DATE, never to the wall clock.
 *
 * Uniqueness (for one seed):
 *   - vehicle "plate" for i < DEMO_PLATE_UNIQUE (4,194,304): the plate is a bijection of i;
 *   - vehicle "vin", firearm "serial", document "number" for i < DEMO_SERIAL_UNIQUE (10^7).
 * Beyond those limits records are still well-formed but may repeat a plate or number.
 *
 * Record shapes (optional members are sometimes absent):
 *   person   {"kind":"wanted"|"missing", "name_kanji":"山田 太郎", "name_kana":"ヤマダ タロウ",
 *             "name_romaji":"YAMADA TARO", "aliases"?:[{"name_kanji","name_kana","name_romaji"}],
 *             "birth_date":"YYYY-MM-DD", "sex":"M"|"F", "description":"身長170cm位、中肉、…",
 *             "cautions":["armed"|"violent"|"suicidal"|"infectious"|"escape_risk"|"drugs"|
 *             "mental_health", …], "agency":"警視庁",
 *             "wanted":{"warrant_no":"R8-警視-01234","offence":"窃盗","warrant_expires":…}
 *             or "missing":{"missing_since":…, "circumstances":…, "vulnerable":true|false}}
 *   vehicle  {"kind":"stolen", "plate":"品川 300 さ 12-34", "vin":"ZVW30-1234567" or a
 *             17-character VIN, "make", "model", "colour"?, "year", "stolen_on", "agency"}
 *   firearm  {"kind":"stolen"|"lost", "make", "model", "serial", "calibre", "agency",
 *             "reported_on"}
 *   document {"kind":"stolen"|"lost", "country":"JPN", "doc_type":"P", "number":"TK1234567",
 *             "holder_name":"YAMADA TARO", "birth_date", "expiry", "agency", "reported_on"}
 * Romaji is passport Hepburn without long vowels (佐藤 SATO, 大野 ONO, 翔太 SHOTA) and ン is
 * always N (本間 HONMA). */
#ifndef KEITSU_RECORDS_DEMO_H
#define KEITSU_RECORDS_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* "Today" for every generated date: ages, warrant expiry, stolen_on and reported_on. */
#define DEMO_REFERENCE_DATE "2026-11-20"
#define DEMO_PLATE_UNIQUE 4194304u
#define DEMO_SERIAL_UNIQUE 10000000u

/* Each builds record i of the stream chosen by seed and stores a new JSON object in *out.
 * The caller owns *out and releases it with json_decref(). Returns 0, KT_EINVAL if out is
 * NULL, or KT_ENOMEM (then *out is NULL). Thread-safe. */
int demo_person_json(uint64_t seed, uint32_t i, json_t **out);
int demo_vehicle_json(uint64_t seed, uint32_t i, json_t **out);
int demo_firearm_json(uint64_t seed, uint32_t i, json_t **out);
int demo_document_json(uint64_t seed, uint32_t i, json_t **out);

/* A realistic name for person i of the stream chosen by seed: the surname drawn by national
 * frequency, the given name by sex ('M' or 'F') and the naming fashion of birth_year; the
 * three forms read alike ("山田 太郎", "ヤマダ タロウ", "YAMADA TARO"). For other modules'
 * demo data (the licence registry). Returns 0 or KT_EINVAL (out NULL). Thread-safe. */
struct demo_name {
    char kanji[96], kana[128], romaji[96];
};
int demo_name_make(uint64_t seed, uint32_t i, char sex, int birth_year, struct demo_name *out);

/* The 47 prefectural police organisations in JIS prefecture order, 警視庁 for Tokyo:
 * "北海道警察", …, "警視庁", …, "大阪府警察", …, "沖縄県警察". demo_agency_name() returns a
 * static string, or NULL when i >= demo_agency_count(). */
size_t demo_agency_count(void);
const char *demo_agency_name(size_t i);

/* Read-only views of the name tables, for tests and for building name indexes. Each returns
 * the number of entries; *kanji, *kana and *romaji receive static strings (any may be NULL)
 * when i is in range, and are left untouched otherwise. */
size_t demo_surname_entry(size_t i, const char **kanji, const char **kana, const char **romaji);
size_t demo_given_name_entry(size_t i, const char **kanji, const char **kana, const char **romaji);

#endif
