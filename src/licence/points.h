/* The point system (点数制度) of the Road Traffic Act (道路交通法) and its enforcement order
 * (道路交通法施行令 別表第二 and 第三): violation and accident points, the three-year count
 * with its clearing rules, prior dispositions (前歴), and the administrative disposition they
 * give: none, suspension (停止) with its days, or revocation (取消) with its disqualification
 * years (欠格期間).
 *
 * Pure computation: no store, no clock (the caller gives as_of). Thread-safe. */
#ifndef KEITSU_LICENCE_POINTS_H
#define KEITSU_LICENCE_POINTS_H

#include <jansson.h>
#include <stddef.h>

enum licence_event_type {
    LICENCE_EV_VIOLATION, /* 違反行為: basic points (基礎点数) */
    LICENCE_EV_ACCIDENT,  /* 交通事故: accident points (付加点数) added to the violation */
    LICENCE_EV_DISPOSITION, /* a past disposition (suspension or revocation): a 前歴 */
};

struct licence_event {
    enum licence_event_type type;
    long day;      /* days since 1970-01-01 (jtime_days) */
    char code[40]; /* violation or accident code from the tables, "" if points stand in */
    int points;    /* points of the event (from the code's table row unless given) */
    /* dispositions only: */
    int revocation; /* 1 = revocation, 0 = suspension */
    int days;       /* suspension days ordered (before course reductions) */
    long end_day;   /* day the suspension / disqualification ended (0 = unknown) */
};

struct licence_assessment {
    int points;             /* points that count on as_of */
    int prior_dispositions; /* 前歴 counted (within the law's look-back) */
    int disposition;        /* 0 none, 1 suspension, 2 revocation */
    int days;               /* suspension days */
    int disqualification_years;
};

/* One row of the violation/accident tables, citing where it comes from. */
struct licence_code {
    const char *code;  /* "speed_30_50_general", "signal", "drunk_025", "accident_injury_3m", … */
    const char *label; /* 日本語 */
    const char *label_en;
    int points;
    int accident;       /* 1 = accident points (付加点数) row */
    const char *source; /* e.g. "道路交通法施行令 別表第二 一の表" */
};

/* NULL-code terminated table of every code. */
extern const struct licence_code licence_codes[];
const struct licence_code *licence_code_find(const char *code);

/* Assesses events (n, any order) as of day as_of. Events after as_of are KT_EVALID. */
int licence_assess(const struct licence_event *ev, size_t n, long as_of,
                   struct licence_assessment *out);

/* The JSON form used by `keitsu licence assess` and POST /api/v1/licence/assess:
 * in  {"as_of":"YYYY-MM-DD","events":[{"date":…,"type":"violation"|"accident"|"disposition",
 *      "code":…?,"points":…?, dispositions: "disposition":"suspension"|"revocation","days"?,
 *      "end_date"?}]}
 * out {"points":N,"prior_dispositions":N,"disposition":"none"|"suspension"|"revocation",
 *      "days":N,"disqualification_years":N}
 * in is borrowed (outside data: every field checked, errors name the field, e.g.
 * "events[3].code: unknown violation code"); *out is a new reference. */
int licence_assess_json(const json_t *in, json_t **out);

#endif
