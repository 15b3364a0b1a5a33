/* The point system: every worked case of tests/data/licence/assess_cases.jsonl, the code
 * table's invariants, course reductions, and bad input whose errors must name the field. */
#include "base/err.h"
#include "base/jtime.h"
#include "licence/points.h"
#include "tap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASES "tests/data/licence/assess_cases.jsonl"

static void run_cases(void)
{
    FILE *f = fopen(CASES, "r");
    CHECK(f != NULL, "open %s", CASES);
    if (!f) return;
    char line[16384];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        json_error_t err;
        json_t *c = json_loads(line, 0, &err);
        CHECK(c != NULL, "case line %d parses: %s", n + 1, c ? "" : err.text);
        if (!c) continue;
        n++;
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *source = json_string_value(json_object_get(c, "source"));
        CHECK(name && source && *source, "case %d has a name and a source", n);
        json_t *out = NULL;
        kt_err_clear();
        int rc = licence_assess_json(json_object_get(c, "input"), &out);
        CHECK(rc == 0, "%s: assesses (%s)", name ? name : "?", kt_errmsg());
        if (out) {
            int same = json_equal(out, json_object_get(c, "expect"));
            char *got = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
            CHECK(same, "%s: got %s", name ? name : "?", got ? got : "?");
            free(got);
            json_decref(out);
        }
        json_decref(c);
    }
    fclose(f);
    CHECK(n >= 25, "at least 25 worked cases (%d)", n);
}

static void table_invariants(void)
{
    int rows = 0, accidents = 0, specified = 0;
    for (const struct licence_code *c = licence_codes; c->code; c++) {
        rows++;
        accidents += c->accident;
        specified += c->specified;
        CHECK(c->source && *c->source, "%s has a source", c->code);
        CHECK(c->label && *c->label && c->label_en && *c->label_en, "%s has labels", c->code);
        CHECK(strlen(c->code) < sizeof((struct licence_event *)0)->code, "%s fits", c->code);
        CHECK(c->points >= 1 && c->points <= 62, "%s points in range", c->code);
        CHECK(!c->specified || c->points >= 35, "%s: specified rows carry 35+", c->code);
        CHECK(!(c->accident && c->specified), "%s: not both accident and specified", c->code);
        CHECK((c->drink_lt025 == 0) == (c->drink_ge025 == 0), "%s: both drink columns", c->code);
        CHECK(!c->drink_lt025 || (c->drink_lt025 >= c->points && c->drink_ge025 == 25),
              "%s: drink columns at least the base and 25 at 0.25+", c->code);
        CHECK(licence_code_find(c->code) == c, "%s is unique and found", c->code);
        int ok = 1;
        for (const char *p = c->code; *p; p++)
            ok &= (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
        CHECK(ok, "%s: code is [a-z0-9_]", c->code);
    }
    CHECK(rows >= 40, "at least 40 codes (%d)", rows);
    CHECK(accidents == 13, "13 accident rows (%d)", accidents);
    CHECK(specified >= 8, "specified rows (%d)", specified);
    CHECK(licence_code_find("no_such_code") == NULL, "unknown code not found");
    CHECK(licence_code_find(NULL) == NULL, "NULL code not found");
}

static void courses(void)
{
    static const struct {
        int days;
        enum licence_course_result r;
        int want;
    } cases[] = {
        {30, LICENCE_RESULT_EXCELLENT, 1},  {30, LICENCE_RESULT_GOOD, 5},
        {30, LICENCE_RESULT_FAIR, 10},      {30, LICENCE_RESULT_FAIL, 30},
        {60, LICENCE_RESULT_EXCELLENT, 30}, {60, LICENCE_RESULT_FAIR, 36},
        {90, LICENCE_RESULT_GOOD, 50},      {120, LICENCE_RESULT_EXCELLENT, 60},
        {150, LICENCE_RESULT_FAIR, 100},    {180, LICENCE_RESULT_EXCELLENT, 100},
        {180, LICENCE_RESULT_GOOD, 110},    {180, LICENCE_RESULT_FAIR, 120},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int d = -1;
        int rc = licence_course_reduce(cases[i].days, cases[i].r, &d);
        CHECK(rc == 0 && d == cases[i].want, "course %d days result %d: %d (want %d)",
              cases[i].days, (int)cases[i].r, d, cases[i].want);
    }
    enum licence_course_length len;
    CHECK(licence_course_for(30, &len) == 0 && len == LICENCE_COURSE_SHORT, "30: short");
    CHECK(licence_course_for(60, &len) == 0 && len == LICENCE_COURSE_MEDIUM, "60: medium");
    CHECK(licence_course_for(150, &len) == 0 && len == LICENCE_COURSE_LONG, "150: long");
    int d;
    CHECK(licence_course_reduce(45, LICENCE_RESULT_GOOD, &d) == KT_EVALID, "45 days: no course");
}

static long day(const char *s)
{
    int y, m, d;
    jtime_parse_date("t", s, &y, &m, &d);
    return jtime_days(y, m, d);
}

/* The C API directly: 違反者講習 flag, an event after as_of, too many events. */
static void c_api(void)
{
    struct licence_event ev[3];
    memset(ev, 0, sizeof ev);
    ev[0].type = LICENCE_EV_VIOLATION;
    ev[0].day = day("2024-01-10");
    snprintf(ev[0].code, sizeof ev[0].code, "signal_red");
    ev[1] = ev[0];
    ev[1].day = day("2024-02-10");
    snprintf(ev[1].code, sizeof ev[1].code, "stop_sign");
    ev[2] = ev[0];
    ev[2].day = day("2024-03-10");
    snprintf(ev[2].code, sizeof ev[2].code, "speed_20_25");
    struct licence_assessment a;
    int rc = licence_assess(ev, 3, day("2024-04-01"), &a);
    CHECK(rc == 0 && a.points == 6 && a.disposition == LICENCE_SUSPENSION && a.days == 30 &&
              a.offender_course,
          "6 points of minor violations: 30 days, offender course (%d %d %d)", a.points, a.days,
          a.offender_course);
    ev[2].points = 6;
    ev[2].code[0] = 0;
    rc = licence_assess(ev, 3, day("2024-04-01"), &a);
    CHECK(rc == 0 && a.points == 10 && !a.offender_course, "10 points: no offender course");
    rc = licence_assess(ev, 3, day("2024-03-01"), &a);
    CHECK(rc == KT_EVALID && strstr(kt_errmsg(), "events[2].date"), "after as_of: %s", kt_errmsg());
    rc = licence_assess(ev, LICENCE_MAX_EVENTS + 1, day("2024-04-01"), &a);
    CHECK(rc == KT_EINVAL, "too many events");
    snprintf(ev[0].code, sizeof ev[0].code, "accident_death_sole");
    rc = licence_assess(ev, 1, day("2024-04-01"), &a);
    CHECK(rc == KT_EVALID && strstr(kt_errmsg(), "events[0].code"), "accident code as a violation");
}

static void bad_input(void)
{
    static const struct {
        const char *json;
        int rc;
        const char *field; /* must appear in the message */
    } cases[] = {
        {"[]", KT_EINVAL, "body"},
        {"{\"events\":[]}", KT_EINVAL, "as_of"},
        {"{\"as_of\":20240601,\"events\":[]}", KT_EINVAL, "as_of"},
        {"{\"as_of\":\"2024-13-01\",\"events\":[]}", KT_EVALID, "as_of"},
        {"{\"as_of\":\"2024-06-01\"}", KT_EINVAL, "events"},
        {"{\"as_of\":\"2024-06-01\",\"events\":{}}", KT_EINVAL, "events"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[],\"extra\":1}", KT_EINVAL, "extra"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[1]}", KT_EINVAL, "events[0]"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"type\":\"violation\",\"code\":\"signal_red\"}]}",
         KT_EINVAL, "events[0].date"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-02-30\",\"type\":\"violation\","
         "\"code\":\"signal_red\"}]}",
         KT_EVALID, "events[0].date"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-07-01\",\"type\":\"violation\","
         "\"code\":\"signal_red\"}]}",
         KT_EVALID, "events[0].date"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"crash\"}]}",
         KT_EVALID, "events[0].type"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":7}]}", KT_EINVAL,
         "events[0].type"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"speed_99\"}]}",
         KT_EVALID, "events[0].code: unknown violation code"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"signal_red\"},{\"date\":\"2024-05-02\",\"type\":\"violation\",\"code\":3}]}",
         KT_EINVAL, "events[1].code"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\"}]}",
         KT_EINVAL, "events[0].code"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"points\":\"6\"}]}",
         KT_EINVAL, "events[0].points"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"points\":0}]}",
         KT_EVALID, "events[0].points"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"signal_red\",\"points\":3}]}",
         KT_EVALID, "events[0].points"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"points\":20,\"specified\":true}]}",
         KT_EVALID, "events[0].specified"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"drink_015\",\"drink\":\"under_0.25\"}]}",
         KT_EVALID, "events[0].drink"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"signal_red\",\"drink\":\"lots\"}]}",
         KT_EVALID, "events[0].drink"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"accident\","
         "\"code\":\"accident_death_sole\"}]}",
         KT_EVALID, "events[0]"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"accident\","
         "\"code\":\"signal_red\"}]}",
         KT_EVALID, "events[0].code"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"dangerous_driving_death\"},{\"date\":\"2024-05-01\",\"type\":\"accident\","
         "\"code\":\"accident_death_sole\"}]}",
         KT_EVALID, "events[1]"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":"
         "\"disposition\"}]}",
         KT_EINVAL, "events[0].disposition"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":"
         "\"disposition\",\"disposition\":\"warning\"}]}",
         KT_EVALID, "events[0].disposition"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":"
         "\"disposition\",\"disposition\":\"suspension\",\"code\":\"signal_red\"}]}",
         KT_EINVAL, "events[0].code"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":"
         "\"disposition\",\"disposition\":\"revocation\",\"days\":30}]}",
         KT_EINVAL, "events[0].days"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":"
         "\"disposition\",\"disposition\":\"suspension\",\"end_date\":\"2024-04-01\"}]}",
         KT_EVALID, "events[0].end_date"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"signal_red\",\"days\":3}]}",
         KT_EINVAL, "events[0].days"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"signal_red\",\"colour\":\"red\"}]}",
         KT_EINVAL, "events[0].colour"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[{\"date\":\"2024-05-01\",\"type\":\"violation\","
         "\"code\":\"speed_30_50_general\"}],\"course\":{\"length\":\"long\",\"result\":\"good\"}}",
         KT_EVALID, "course.length"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[],\"course\":{\"result\":\"great\"}}", KT_EVALID,
         "course.result"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[],\"course\":{}}", KT_EINVAL, "course.result"},
        {"{\"as_of\":\"2024-06-01\",\"events\":[],\"licensed_since\":\"2025-01-01\"}", KT_EVALID,
         "licensed_since"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_error_t err;
        json_t *in = json_loads(cases[i].json, JSON_DECODE_ANY, &err);
        CHECK(in != NULL, "bad case %zu parses", i);
        json_t *out = NULL;
        kt_err_clear();
        int rc = licence_assess_json(in, &out);
        CHECK(rc == cases[i].rc && out == NULL, "bad %zu: rc %d (want %d) %s", i, rc, cases[i].rc,
              kt_errmsg());
        CHECK(strncmp(kt_errmsg(), cases[i].field, strlen(cases[i].field)) == 0,
              "bad %zu: message '%s' starts with '%s'", i, kt_errmsg(), cases[i].field);
        json_decref(in);
    }
    /* More than LICENCE_MAX_EVENTS events. */
    json_t *in = json_pack("{s:s,s:[]}", "as_of", "2024-06-01", "events");
    for (int i = 0; i <= LICENCE_MAX_EVENTS; i++)
        json_array_append_new(
            json_object_get(in, "events"),
            json_pack("{s:s,s:s,s:i}", "date", "2024-05-01", "type", "violation", "points", 1));
    json_t *out = NULL;
    CHECK(licence_assess_json(in, &out) == KT_EINVAL && strstr(kt_errmsg(), "events"),
          "too many events: %s", kt_errmsg());
    json_decref(in);
}

int main(void)
{
    run_cases();
    table_invariants();
    courses();
    c_api();
    bad_input();
    return tap_done();
}
