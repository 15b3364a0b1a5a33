/* The point system (点数制度) of the Road Traffic Act (道路交通法) and its enforcement order
 * (道路交通法施行令 別表第二 and 第三): violation and accident points, the three-year count
 * with its clearing rules, prior dispositions (前歴), and the administrative disposition they
 * give: none, suspension (停止) with its days, or revocation (取消) with its disqualification
 * years (欠格期間).
 *
 * How a history is counted (施行令 第33条の2 第3項 and 別表第三 備考; each rule is pinned by a
 * worked case in tests/data/licence/assess_cases.jsonl):
 *  - The law counts back from the violation being assessed (当該違反行為): here the latest
 *    violation on or before as_of that no later disposition has used. Points of violations in
 *    the three years up to it (a violation exactly three years earlier, same calendar date, is
 *    out) add up to the 累積点数.
 *  - A violation committed after a clean year (no violation, no disposition; a suspension's
 *    clean time starts when it ends) does not add what came before: points and 前歴 restart.
 *    "After a clean year" means on or after the day after the same date one year later.
 *  - A disposition uses the points of every violation on or before its date; they never count
 *    again. Each disposition within three years before the assessed violation is a 前歴, unless
 *    a clean year cleared it.
 *  - The minor-violation rule: a single violation of 3 points or less (accident points
 *    included), committed after two clean years, whose next three months pass without another
 *    violation, adds nothing. Until those three months have run (judged by as_of) it counts.
 *  - Accident points (付加点数) attach to the violation of the same day; an accident needs one.
 *    Several violations of one act are entered as the single highest one (別表第二 備考一の1).
 *  - The thresholds for suspension and revocation depend on the 前歴 (別表第三 一の表; the
 *    suspension days are the national 処分量定基準: 前歴3 and 前歴4+ differ only in days). If a
 *    counted violation is a specified one (特定違反行為: 酒酔い, 救護義務違反, 危険運転致死傷,
 *    …) the 二の表 gives 3–10 years. A revocation whose disqualification ended (or, without
 *    end_day, which was ordered) within five years before adds two years (capped at 10).
 *  - With nothing pending (no violation since the last disposition) the answer is points 0,
 *    disposition none, and the 前歴 a violation on as_of would meet.
 * Not modelled (the caller must handle them): licence-holding periods other than the first
 * licence's date (licence_options.licensed_since; gaps in holding a licence are not), the
 * discretionary reductions of the 量定基準 (特段の事情),
 * the beginner (初心運転者) system, 保留/拒否 for applicants, and 運転禁止.
 *
 * Pure computation: no store, no clock (the caller gives as_of). Thread-safe. */
#ifndef KEITSU_LICENCE_POINTS_H
#define KEITSU_LICENCE_POINTS_H

#include <jansson.h>
#include <stddef.h>

/* Most events one assessment takes (KT_EINVAL beyond). */
#define LICENCE_MAX_EVENTS 1000

enum licence_event_type {
    LICENCE_EV_VIOLATION, /* 違反行為: basic points (基礎点数) */
    LICENCE_EV_ACCIDENT,  /* 交通事故: accident points (付加点数) added to the violation */
    LICENCE_EV_DISPOSITION, /* a past disposition (suspension or revocation): a 前歴 */
};

struct licence_event {
    enum licence_event_type type;
    long day;      /* days since 1970-01-01 (jtime_days) */
    char code[40]; /* violation or accident code from the tables, "" if points stand in */
    int points;    /* points of the event; 0 with a code = the code's table points */
    int specified; /* violations given by points only: 1 = a 特定違反行為 (needs >= 35 points) */
    /* dispositions only: */
    int revocation; /* 1 = revocation, 0 = suspension */
    int days;       /* suspension days ordered (before course reductions), 0 = unknown */
    long end_day;   /* day the suspension / disqualification ended (0 = unknown) */
};

enum licence_disposition { LICENCE_NONE = 0, LICENCE_SUSPENSION = 1, LICENCE_REVOCATION = 2 };

struct licence_assessment {
    int points;             /* 累積点数 of the assessed violation (0 if nothing pending) */
    int prior_dispositions; /* 前歴 counted (within the law's look-back) */
    int disposition;        /* enum licence_disposition */
    int days;               /* suspension days (after a course reduction, see below) */
    int disqualification_years;
    int specified;       /* 1 if the 特定違反行為 table (別表第三 二の表) decided */
    int offender_course; /* 1 if the 違反者講習 applies instead (令 第37条の8, 6 points of minor
                            violations, no 前歴): attending it spares the 30-day suspension */
};

/* One row of the violation/accident tables, citing where it comes from. */
struct licence_code {
    const char *code;  /* "speed_30_50_general", "signal_red", "drink_025", "accident_…" */
    const char *label; /* 日本語 */
    const char *label_en;
    int points;
    int accident;       /* 1 = accident points (付加点数) row */
    const char *source; /* e.g. "道路交通法施行令 別表第二 一の表" */
    int specified;      /* 1 = 特定違反行為 (別表第二 二の表) */
    int drink_lt025; /* points with 酒気帯び under 0.25 mg/L (別表第二 一の表), 0 = n/a */
    int drink_ge025; /* points with 酒気帯び of 0.25 mg/L or more, 0 = n/a */
    int no_accident; /* 1 = accident points are not added (the points already include harm) */
};

/* NULL-code terminated table of every code (static, never freed). */
extern const struct licence_code licence_codes[];
/* The row of code, or NULL. */
const struct licence_code *licence_code_find(const char *code);

/* What else the count may know about the driver. */
struct licence_options {
    long licensed_since; /* first day a licence was held (0 = unknown: assumed held throughout).
                            The minor-violation rule needs two clean years *with* a licence
                            (鳥取県「点数制度について」: 免許を受けていた期間が通算して2年) */
};

/* Assesses events (n <= LICENCE_MAX_EVENTS, any order) as of day as_of. ev is borrowed.
 * Returns 0, KT_EINVAL (too many events, bad type) or KT_EVALID (an event after as_of, an
 * unknown code, an accident with no violation that day, …) with a message naming
 * "events[i]". No course reduction is applied here: see licence_course_reduce(). */
int licence_assess(const struct licence_event *ev, size_t n, long as_of,
                   struct licence_assessment *out);
/* licence_assess with options (opt may be NULL). */
int licence_assess_opt(const struct licence_event *ev, size_t n, long as_of,
                       const struct licence_options *opt, struct licence_assessment *out);

/* 停止処分者講習 (suspension course): short (30 days), medium (60), long (90–180). */
enum licence_course_length { LICENCE_COURSE_SHORT, LICENCE_COURSE_MEDIUM, LICENCE_COURSE_LONG };
/* The course's examination result: 優 excellent, 良 good, 可 fair, 不可 fail. */
enum licence_course_result {
    LICENCE_RESULT_EXCELLENT,
    LICENCE_RESULT_GOOD,
    LICENCE_RESULT_FAIR,
    LICENCE_RESULT_FAIL
};
/* The course a suspension of days takes; KT_EVALID if days is not 30/60/90/120/150/180. */
int licence_course_for(int days, enum licence_course_length *out);
/* Days a suspension of days lasts after the course with result (30 days: 29/25/20 off; 60: 30/
 * 27/24; 90: 45/40/35; 120: 60/50/40; 150: 70/60/50; 180: 80/70/60; fail: none). KT_EVALID if
 * days has no course. */
int licence_course_reduce(int days, enum licence_course_result result, int *out_days);

/* The JSON form used by `keitsu licence assess` and POST /api/v1/licence/assess:
 * in  {"as_of":"YYYY-MM-DD","events":[{"date":…,"type":"violation"|"accident"|"disposition",
 *      "code":…?,"points":…?,
 *      violations: "drink":"under_0.25"|"0.25_or_more"? (酒気帯び加重 of 別表第二),
 *                  "specified":true? (with points only),
 *      dispositions: "disposition":"suspension"|"revocation","days"?,"end_date"?}],
 *      "course":{"length":"short"|"medium"|"long"?,"result":"excellent"|"good"|"fair"|"fail"}?,
 *      "licensed_since":"YYYY-MM-DD"?}
 *     (course applies only when the result is a suspension; otherwise it is ignored)
 * out {"points":N,"prior_dispositions":N,"disposition":"none"|"suspension"|"revocation",
 *      "days":N,"disqualification_years":N}
 * in is borrowed (outside data: every field checked, errors name the field, e.g.
 * "events[3].code: unknown violation code 'x'"; KT_EINVAL for wrong JSON types and unknown
 * fields, KT_EVALID for well-formed but wrong values); *out is a new reference. */
int licence_assess_json(const json_t *in, json_t **out);

#endif
