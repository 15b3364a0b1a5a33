/* The three-year count and the disposition tables (道路交通法施行令 第33条の2 第3項, 別表第三).
 * The rules as implemented are listed in points.h; the tables below cite their sources. */
#include "licence/points.h"

#include "base/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- calendar arithmetic on day numbers (days since 1970-01-01) ---- */

static void civil(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int month_len(int y, int m)
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return len[m - 1];
}

/* The same calendar date months later (or earlier); a missing date (29 Feb, 31st) becomes the
 * month's last day, as 民法 第143条 counts periods. */
static long add_months(long day, int months)
{
    int y, m, d;
    civil(day, &y, &m, &d);
    long t = (long)y * 12 + (m - 1) + months;
    y = (int)(t / 12);
    m = (int)(t % 12) + 1;
    if (d > month_len(y, m)) d = month_len(y, m);
    return days_from_civil(y, m, d);
}

static long add_years(long day, int years)
{
    return add_months(day, years * 12);
}

/* ---- the disposition tables ---- */

struct band {
    int from; /* points from which the band applies */
    int value;
};

/* 別表第三 一の表 (一般違反行為) by 前歴 0, 1, 2, 3, 4+: suspension days from the national
 * 処分量定基準 (警察庁丙運発第11号; 前歴3 and 4+ differ in days only), revocation years from the
 * 一の表 as revised on 2009-06-01 (欠格期間 1–5 years). Sources: 福岡県公安委員会「運転免許の
 * 効力の停止等の処分量定基準」(1(1) table), 警視庁「行政処分基準点数」and its copies; the
 * pre-2009 copies (1–3 years, 5 at 45) differ above the 2-year band and were not followed. */
static const struct {
    struct band suspend[3]; /* ascending; value = days; from 0 = unused */
    int revoke_from;
    struct band years[5];
} general_table[5] = {
    {{{6, 30}, {9, 60}, {12, 90}}, 15, {{15, 1}, {25, 2}, {35, 3}, {40, 4}, {45, 5}}},
    {{{4, 60}, {6, 90}, {8, 120}}, 10, {{10, 1}, {20, 2}, {30, 3}, {35, 4}, {40, 5}}},
    {{{2, 90}, {3, 120}, {4, 150}}, 5, {{5, 1}, {15, 2}, {25, 3}, {30, 4}, {35, 5}}},
    {{{2, 120}, {3, 150}, {0, 0}}, 4, {{4, 1}, {10, 2}, {20, 3}, {25, 4}, {30, 5}}},
    {{{2, 150}, {3, 180}, {0, 0}}, 4, {{4, 1}, {10, 2}, {20, 3}, {25, 4}, {30, 5}}},
};

/* 別表第三 二の表 (特定違反行為): 35–39 points give 3 years with no 前歴, one more year per 前歴
 * (up to 3) and per 5 points, at most 10 (群馬県警察「特定違反行為の処分量定の基準」). */
static int specified_years(int points, int prior)
{
    int y = 3 + (prior > 3 ? 3 : prior) + (points - 35) / 5;
    return y > 10 ? 10 : y;
}

static void decide(int points, int prior, int specified, int revoked_recently,
                   struct licence_assessment *out)
{
    out->disposition = LICENCE_NONE;
    out->days = 0;
    out->disqualification_years = 0;
    out->specified = 0;
    if (specified && points >= 35) {
        out->disposition = LICENCE_REVOCATION;
        out->specified = 1;
        out->disqualification_years = specified_years(points, prior);
    } else {
        int row = prior > 4 ? 4 : prior;
        if (points >= general_table[row].revoke_from) {
            out->disposition = LICENCE_REVOCATION;
            for (int i = 0; i < 5; i++)
                if (points >= general_table[row].years[i].from)
                    out->disqualification_years = general_table[row].years[i].value;
        } else {
            for (int i = 0; i < 3; i++)
                if (general_table[row].suspend[i].from &&
                    points >= general_table[row].suspend[i].from) {
                    out->disposition = LICENCE_SUSPENSION;
                    out->days = general_table[row].suspend[i].value;
                }
        }
    }
    /* A revocation whose disqualification ended within five years: two more years (別表第三
     * 一の表・二の表 bracketed periods), never beyond ten. */
    if (out->disposition == LICENCE_REVOCATION && revoked_recently) {
        out->disqualification_years += 2;
        if (out->disqualification_years > 10) out->disqualification_years = 10;
    }
}

/* ---- the count ---- */

/* A day's violations and the accidents attached to them. */
struct act {
    long day;
    int points;
    int nviolations;
    int specified;
    int attachable; /* a violation that day takes accident points */
    int minor_out;  /* excluded by the minor-violation rule */
};

static int event_points(const struct licence_event *e, size_t i, const struct licence_code **row)
{
    *row = NULL;
    if (e->code[0]) {
        *row = licence_code_find(e->code);
        if (!*row) return kt_fail(KT_EVALID, "events[%zu].code: unknown code '%s'", i, e->code);
        if ((*row)->accident != (e->type == LICENCE_EV_ACCIDENT))
            return kt_fail(KT_EVALID, "events[%zu].code: '%s' is %s code", i, e->code,
                           (*row)->accident ? "an accident" : "a violation");
        return e->points ? e->points : (*row)->points;
    }
    return e->points;
}

static int cmp_event(const void *a, const void *b, const struct licence_event *ev)
{
    const struct licence_event *x = &ev[*(const uint16_t *)a], *y = &ev[*(const uint16_t *)b];
    if (x->day != y->day) return x->day < y->day ? -1 : 1;
    /* Same day: violations, then accidents, then dispositions (which use that day's points). */
    if (x->type != y->type) return (int)x->type - (int)y->type;
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* qsort has no context argument in C17: a small insertion sort (n <= 1000, mostly sorted). */
static void sort_events(uint16_t *idx, size_t n, const struct licence_event *ev)
{
    for (size_t i = 1; i < n; i++) {
        uint16_t v = idx[i];
        size_t j = i;
        while (j > 0 && cmp_event(&idx[j - 1], &v, ev) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

/* Checks every event and resolves its points and table row into pts[i], row[i]. */
static int check_events(const struct licence_event *ev, size_t n, long as_of, int *pts,
                        const struct licence_code **rows)
{
    for (size_t i = 0; i < n; i++) {
        const struct licence_event *e = &ev[i];
        if (e->type != LICENCE_EV_VIOLATION && e->type != LICENCE_EV_ACCIDENT &&
            e->type != LICENCE_EV_DISPOSITION)
            return kt_fail(KT_EINVAL, "events[%zu].type: unknown event type", i);
        if (e->day > as_of) return kt_fail(KT_EVALID, "events[%zu].date: after as_of", i);
        if (e->type == LICENCE_EV_DISPOSITION) {
            if (e->end_day && e->end_day < e->day)
                return kt_fail(KT_EVALID, "events[%zu].end_date: before the disposition", i);
            if (e->days < 0 || e->days > 365)
                return kt_fail(KT_EVALID, "events[%zu].days: must be 0 to 365", i);
            continue;
        }
        if (memchr(e->code, 0, sizeof e->code) == NULL)
            return kt_fail(KT_EINVAL, "events[%zu].code: too long", i);
        const struct licence_code *row;
        int p = event_points(e, i, &row);
        if (p < 0) return p;
        pts[i] = p;
        rows[i] = row;
        if (p < 1 || p > 100)
            return kt_fail(KT_EVALID, "events[%zu].points: must be 1 to 100 (or give a code)", i);
        if (!row && e->specified && p < 35)
            return kt_fail(KT_EVALID,
                           "events[%zu].points: a specified violation carries 35 or more", i);
    }
    return 0;
}

int licence_assess(const struct licence_event *ev, size_t n, long as_of,
                   struct licence_assessment *out)
{
    return licence_assess_opt(ev, n, as_of, NULL, out);
}

int licence_assess_opt(const struct licence_event *ev, size_t n, long as_of,
                       const struct licence_options *opt, struct licence_assessment *out)
{
    memset(out, 0, sizeof *out);
    if (n > LICENCE_MAX_EVENTS)
        return kt_fail(KT_EINVAL, "events: at most %d events", LICENCE_MAX_EVENTS);
    int pts[LICENCE_MAX_EVENTS];
    const struct licence_code *rows[LICENCE_MAX_EVENTS];
    int rc = check_events(ev, n, as_of, pts, rows);
    if (rc) return rc;

    uint16_t idx[LICENCE_MAX_EVENTS];
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint16_t)i;
    sort_events(idx, n, ev);

    /* Pass 1: gather each day's violations and accidents into acts. */
    struct act acts[LICENCE_MAX_EVENTS];
    size_t nacts = 0;
    for (size_t k = 0; k < n; k++) {
        const struct licence_event *e = &ev[idx[k]];
        if (e->type == LICENCE_EV_DISPOSITION) continue;
        const struct licence_code *row = rows[idx[k]];
        int p = pts[idx[k]];
        struct act *a = nacts && acts[nacts - 1].day == e->day ? &acts[nacts - 1] : NULL;
        if (e->type == LICENCE_EV_VIOLATION) {
            if (!a) {
                a = &acts[nacts++];
                memset(a, 0, sizeof *a);
                a->day = e->day;
            }
            a->points += p;
            a->nviolations++;
            a->specified |= row ? row->specified : e->specified;
            a->attachable |= row ? !row->no_accident : 1;
        } else {
            if (!a || !a->nviolations)
                return kt_fail(KT_EVALID,
                               "events[%u]: an accident's points attach to a violation on the "
                               "same date, and there is none",
                               (unsigned)idx[k]);
            if (!a->attachable)
                return kt_fail(KT_EVALID,
                               "events[%u]: accident points are not added to that day's "
                               "violation (its points already include the harm)",
                               (unsigned)idx[k]);
            a->points += p;
        }
    }

    /* Pass 2: walk acts and dispositions in order (a day's acts before its dispositions),
     * applying the clearing rules. */
    uint16_t disp[LICENCE_MAX_EVENTS];
    size_t ndispo = 0;
    for (size_t k = 0; k < n; k++)
        if (ev[idx[k]].type == LICENCE_EV_DISPOSITION) disp[ndispo++] = idx[k];
    size_t counted_from = 0; /* acts[counted_from..] are neither used nor cleared */
    size_t prior_from = 0;   /* disp[prior_from..di) are 前歴 candidates */
    int active = 0;          /* some violation or disposition so far */
    long last_end = 0;       /* when the latest of them ended */
    size_t ai = 0, di = 0;
    while (ai < nacts || di < ndispo) {
        if (di < ndispo && (ai >= nacts || ev[disp[di]].day < acts[ai].day)) {
            const struct licence_event *e = &ev[disp[di]];
            counted_from = ai; /* the disposition used every violation so far */
            long end = e->end_day ? e->end_day : e->day + (e->revocation ? 0 : e->days);
            if (!active || end > last_end) last_end = end;
            active = 1;
            di++;
            continue;
        }
        struct act *a = &acts[ai];
        if (active && a->day > add_years(last_end, 1)) {
            counted_from = ai; /* a clean year: earlier points and 前歴 no longer count */
            prior_from = di;
        }
        long since = active ? last_end : 0;
        int known = active;
        if (opt && opt->licensed_since && (!known || opt->licensed_since > since)) {
            since = opt->licensed_since;
            known = 1;
        }
        int clean2 = !known || a->day > add_years(since, 2);
        long three = add_months(a->day, 3);
        if (clean2 && a->nviolations == 1 && !a->specified && a->points <= 3 && as_of > three &&
            !(ai + 1 < nacts && acts[ai + 1].day <= three))
            a->minor_out = 1;
        if (!active || a->day > last_end) last_end = a->day;
        active = 1;
        ai++;
    }

    /* The assessed violation and its count. */
    long ref = as_of;
    int pending = counted_from < nacts, specified = 0;
    if (pending) {
        ref = acts[nacts - 1].day;
        long from = add_years(ref, -3);
        for (size_t i = counted_from; i < nacts; i++) {
            if (acts[i].day <= from || acts[i].minor_out) continue;
            out->points += acts[i].points;
            specified |= acts[i].specified;
        }
    } else if (active && as_of > add_years(last_end, 1)) {
        prior_from = ndispo;
    }
    long from3 = add_years(ref, -3), from5 = add_years(ref, -5);
    int revoked_recently = 0;
    for (size_t i = 0; i < ndispo; i++) {
        const struct licence_event *e = &ev[disp[i]];
        if (i >= prior_from && e->day > from3 && e->day <= ref) out->prior_dispositions++;
        long end = e->end_day ? e->end_day : e->day;
        if (e->revocation && e->day <= ref && end >= from5 && end <= ref) revoked_recently = 1;
    }

    if (!pending || out->points == 0) {
        out->disposition = LICENCE_NONE;
        return 0;
    }
    decide(out->points, out->prior_dispositions, specified, revoked_recently, out);
    /* 違反者講習 (令 第37条の8): six points reached by a minor violation, no 前歴. */
    const struct act *last = &acts[nacts - 1];
    out->offender_course = out->points == 6 && out->prior_dispositions == 0 && !last->specified &&
                           last->points <= 3 && !last->minor_out;
    return 0;
}

/* ---- 停止処分者講習 ---- */

/* Days off a suspension by result (優, 良, 可), from the 処分者講習 tables of the 公安委員会
 * 規程 (警視庁「停止処分者講習」gives the ranges 30: 20–29, 60: 24–30, 90–180: 35–80; the
 * per-grade split as published with the 処分基準点数 tables). */
static const struct {
    int days;
    enum licence_course_length length;
    int off[3];
} course_table[] = {
    {30, LICENCE_COURSE_SHORT, {29, 25, 20}}, {60, LICENCE_COURSE_MEDIUM, {30, 27, 24}},
    {90, LICENCE_COURSE_LONG, {45, 40, 35}},  {120, LICENCE_COURSE_LONG, {60, 50, 40}},
    {150, LICENCE_COURSE_LONG, {70, 60, 50}}, {180, LICENCE_COURSE_LONG, {80, 70, 60}},
};

int licence_course_for(int days, enum licence_course_length *out)
{
    for (size_t i = 0; i < sizeof course_table / sizeof course_table[0]; i++)
        if (course_table[i].days == days) {
            *out = course_table[i].length;
            return 0;
        }
    return kt_fail(KT_EVALID, "a %d-day suspension has no course", days);
}

int licence_course_reduce(int days, enum licence_course_result result, int *out_days)
{
    for (size_t i = 0; i < sizeof course_table / sizeof course_table[0]; i++)
        if (course_table[i].days == days) {
            int off = result <= LICENCE_RESULT_FAIR ? course_table[i].off[result] : 0;
            *out_days = days - off;
            return 0;
        }
    return kt_fail(KT_EVALID, "a %d-day suspension has no course", days);
}
