/* licence_assess_json: the JSON face of licence_assess, shared by the CLI and the API. Input
 * is outside data, so every field is checked and every error names it. */
#include "licence/points.h"

#include "base/err.h"
#include "base/jtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int only(const json_t *obj, const char *where, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) return kt_fail(KT_EINVAL, "%s%s: unknown field", where, key);
    }
    return 0;
}

/* A date field: KT_EINVAL if not a string, KT_EVALID (naming field) if not a real date. */
static int get_date(const json_t *v, const char *field, long *day)
{
    if (!json_is_string(v))
        return kt_fail(KT_EINVAL, "%s: must be a date string YYYY-MM-DD", field);
    int y, m, d;
    int rc = jtime_parse_date(field, json_string_value(v), &y, &m, &d);
    if (rc) return rc;
    *day = jtime_days(y, m, d);
    return 0;
}

static int get_int(const json_t *v, const char *field, int lo, int hi, int *out)
{
    if (!json_is_integer(v)) return kt_fail(KT_EINVAL, "%s: must be an integer", field);
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi) return kt_fail(KT_EVALID, "%s: must be %d to %d", field, lo, hi);
    *out = (int)n;
    return 0;
}

static int pick(const json_t *v, const char *field, const char *const *names, int *out)
{
    if (!json_is_string(v)) return kt_fail(KT_EINVAL, "%s: must be a string", field);
    for (int i = 0; names[i]; i++)
        if (strcmp(json_string_value(v), names[i]) == 0) {
            *out = i;
            return 0;
        }
    char list[160] = "";
    size_t off = 0;
    for (int i = 0; names[i] && off < sizeof list; i++)
        off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", names[i]);
    return kt_fail(KT_EVALID, "%s: must be one of %s", field, list);
}

static const char *const type_names[] = {"violation", "accident", "disposition", NULL};
static const char *const disp_names[] = {"suspension", "revocation", NULL};
static const char *const drink_names[] = {"under_0.25", "0.25_or_more", NULL};
static const char *const length_names[] = {"short", "medium", "long", NULL};
static const char *const result_names[] = {"excellent", "good", "fair", "fail", NULL};

static int parse_event(const json_t *o, size_t i, long as_of, struct licence_event *e)
{
    static const char *const allowed[] = {"date",      "type",        "code", "points",   "drink",
                                          "specified", "disposition", "days", "end_date", NULL};
    char f[48];
    memset(e, 0, sizeof *e);
    snprintf(f, sizeof f, "events[%zu]", i);
    if (!json_is_object(o)) return kt_fail(KT_EINVAL, "%s: must be an object", f);
    snprintf(f, sizeof f, "events[%zu].", i);
    int rc = only(o, f, allowed);
    if (rc) return rc;

    snprintf(f, sizeof f, "events[%zu].date", i);
    const json_t *v = json_object_get(o, "date");
    if (!v) return kt_fail(KT_EINVAL, "%s: required", f);
    if ((rc = get_date(v, f, &e->day))) return rc;
    if (e->day > as_of) return kt_fail(KT_EVALID, "%s: %s is after as_of", f, json_string_value(v));

    snprintf(f, sizeof f, "events[%zu].type", i);
    int type;
    if (!(v = json_object_get(o, "type"))) return kt_fail(KT_EINVAL, "%s: required", f);
    if ((rc = pick(v, f, type_names, &type))) return rc;
    e->type = (enum licence_event_type)type;

    if (e->type == LICENCE_EV_DISPOSITION) {
        static const char *const not_here[] = {"code", "points", "drink", "specified", NULL};
        for (int k = 0; not_here[k]; k++)
            if (json_object_get(o, not_here[k]))
                return kt_fail(KT_EINVAL, "events[%zu].%s: not for a disposition", i, not_here[k]);
        snprintf(f, sizeof f, "events[%zu].disposition", i);
        int kind;
        if (!(v = json_object_get(o, "disposition"))) return kt_fail(KT_EINVAL, "%s: required", f);
        if ((rc = pick(v, f, disp_names, &kind))) return rc;
        e->revocation = kind == 1;
        if ((v = json_object_get(o, "days"))) {
            snprintf(f, sizeof f, "events[%zu].days", i);
            if (e->revocation) return kt_fail(KT_EINVAL, "%s: only for a suspension", f);
            if ((rc = get_int(v, f, 1, 365, &e->days))) return rc;
        }
        if ((v = json_object_get(o, "end_date"))) {
            snprintf(f, sizeof f, "events[%zu].end_date", i);
            if ((rc = get_date(v, f, &e->end_day))) return rc;
            if (e->end_day < e->day)
                return kt_fail(KT_EVALID, "%s: before the disposition's date", f);
        }
        return 0;
    }

    static const char *const disp_only[] = {"disposition", "days", "end_date", NULL};
    for (int k = 0; disp_only[k]; k++)
        if (json_object_get(o, disp_only[k]))
            return kt_fail(KT_EINVAL, "events[%zu].%s: only for a disposition", i, disp_only[k]);
    const struct licence_code *row = NULL;
    if ((v = json_object_get(o, "code"))) {
        snprintf(f, sizeof f, "events[%zu].code", i);
        if (!json_is_string(v)) return kt_fail(KT_EINVAL, "%s: must be a string", f);
        const char *code = json_string_value(v);
        row = licence_code_find(code);
        if (!row)
            return kt_fail(KT_EVALID, "%s: unknown %s code '%.40s'", f,
                           e->type == LICENCE_EV_ACCIDENT ? "accident" : "violation", code);
        if (row->accident != (e->type == LICENCE_EV_ACCIDENT))
            return kt_fail(KT_EVALID, "%s: '%s' is %s code", f, code,
                           row->accident ? "an accident" : "a violation");
        snprintf(e->code, sizeof e->code, "%s", code);
        e->points = row->points;
    }
    if ((v = json_object_get(o, "drink"))) {
        snprintf(f, sizeof f, "events[%zu].drink", i);
        int level;
        if ((rc = pick(v, f, drink_names, &level))) return rc;
        if (!row || !row->drink_lt025)
            return kt_fail(KT_EVALID, "%s: only with a violation code that has drink points", f);
        e->points = level ? row->drink_ge025 : row->drink_lt025;
    }
    if ((v = json_object_get(o, "points"))) {
        snprintf(f, sizeof f, "events[%zu].points", i);
        int p = 0;
        if ((rc = get_int(v, f, 1, 100, &p))) return rc;
        if (row && p != e->points)
            return kt_fail(KT_EVALID, "%s: %d, but code %s carries %d", f, p, row->code, e->points);
        e->points = p;
    } else if (!row) {
        return kt_fail(KT_EINVAL, "events[%zu].code: required (or points)", i);
    }
    if ((v = json_object_get(o, "specified"))) {
        snprintf(f, sizeof f, "events[%zu].specified", i);
        if (!json_is_boolean(v)) return kt_fail(KT_EINVAL, "%s: must be true or false", f);
        if (row || e->type != LICENCE_EV_VIOLATION)
            return kt_fail(KT_EINVAL, "%s: only for a violation given by points", f);
        e->specified = json_is_true(v);
        if (e->specified && e->points < 35)
            return kt_fail(KT_EVALID, "%s: a specified violation carries 35 points or more", f);
    }
    return 0;
}

static int parse_course(const json_t *c, int *has, enum licence_course_length *len, int *len_given,
                        enum licence_course_result *res)
{
    static const char *const allowed[] = {"length", "result", NULL};
    *has = 0;
    if (!c) return 0;
    if (!json_is_object(c)) return kt_fail(KT_EINVAL, "course: must be an object");
    int rc = only(c, "course.", allowed);
    if (rc) return rc;
    const json_t *v = json_object_get(c, "length");
    int k;
    *len_given = 0;
    if (v) {
        if ((rc = pick(v, "course.length", length_names, &k))) return rc;
        *len = (enum licence_course_length)k;
        *len_given = 1;
    }
    if (!(v = json_object_get(c, "result"))) return kt_fail(KT_EINVAL, "course.result: required");
    if ((rc = pick(v, "course.result", result_names, &k))) return rc;
    *res = (enum licence_course_result)k;
    *has = 1;
    return 0;
}

int licence_assess_json(const json_t *in, json_t **out)
{
    static const char *const allowed[] = {"as_of", "events", "course", "licensed_since", NULL};
    *out = NULL;
    if (!json_is_object(in)) return kt_fail(KT_EINVAL, "body: must be a JSON object");
    int rc = only(in, "", allowed);
    if (rc) return rc;
    const json_t *v = json_object_get(in, "as_of");
    if (!v) return kt_fail(KT_EINVAL, "as_of: required");
    long as_of = 0;
    if ((rc = get_date(v, "as_of", &as_of))) return rc;
    struct licence_options opt = {0};
    if ((v = json_object_get(in, "licensed_since"))) {
        if ((rc = get_date(v, "licensed_since", &opt.licensed_since))) return rc;
        if (opt.licensed_since > as_of)
            return kt_fail(KT_EVALID, "licensed_since: %s is after as_of", json_string_value(v));
    }
    const json_t *evs = json_object_get(in, "events");
    if (!evs) return kt_fail(KT_EINVAL, "events: required");
    if (!json_is_array(evs)) return kt_fail(KT_EINVAL, "events: must be an array");
    size_t n = json_array_size(evs);
    if (n > LICENCE_MAX_EVENTS)
        return kt_fail(KT_EINVAL, "events: at most %d events", LICENCE_MAX_EVENTS);
    int has_course = 0, len_given = 0;
    enum licence_course_length len = LICENCE_COURSE_SHORT;
    enum licence_course_result res = LICENCE_RESULT_FAIL;
    if ((rc = parse_course(json_object_get(in, "course"), &has_course, &len, &len_given, &res)))
        return rc;

    struct licence_event *ev = n ? malloc(n * sizeof *ev) : NULL;
    if (n && !ev) return KT_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++)
        rc = parse_event(json_array_get(evs, i), i, as_of, &ev[i]);
    struct licence_assessment a;
    if (!rc) rc = licence_assess_opt(ev, n, as_of, &opt, &a);
    free(ev);
    if (rc) return rc;

    if (has_course && a.disposition == LICENCE_SUSPENSION) {
        enum licence_course_length want;
        if ((rc = licence_course_for(a.days, &want))) return rc;
        if (len_given && len != want)
            return kt_fail(KT_EVALID, "course.length: a %d-day suspension takes the %s course",
                           a.days, length_names[want]);
        if ((rc = licence_course_reduce(a.days, res, &a.days))) return rc;
    }
    static const char *const disp_out[] = {"none", "suspension", "revocation"};
    *out = json_pack("{s:i,s:i,s:s,s:i,s:i}", "points", a.points, "prior_dispositions",
                     a.prior_dispositions, "disposition", disp_out[a.disposition], "days", a.days,
                     "disqualification_years", a.disqualification_years);
    return *out ? 0 : KT_ENOMEM;
}
