/* The case record's chain: records appended through the API verify; hostile records (bad JSON,
 * wrong seq, broken prev, a missing init, a cut-off last line, NUL bytes, huge lines) are
 * reported, never crash, and appending to them is refused. */
#include "base/err.h"
#include "forensics/case.h"
#include "forensics/hash.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse(const char *data, size_t len, size_t *n)
{
    json_t *entries;
    char head[65];
    struct forensics_diag d;
    forensics_diag_init(&d, 20);
    int rc = forensics_case_parse(data, len, &entries, head, &d);
    *n = json_array_size(entries);
    if (rc != 0 && d.n == 0) rc = 99; /* a failure must say why */
    json_decref(entries);
    forensics_diag_free(&d);
    return rc;
}

int main(void)
{
    char dir[] = "/tmp/keitsu-case-unit-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char casedir[256], path[300];
    snprintf(casedir, sizeof casedir, "%s/c", dir);
    snprintf(path, sizeof path, "%s/%s", casedir, FORENSICS_CASE_FILE);

    char head[65];
    json_t *e = json_pack("{s:s,s:s}", "event", "init", "examiner", "A");
    CHECK(forensics_case_append(casedir, e, 1, head) == 0 && strlen(head) == 64, "init");
    CHECK(forensics_case_append(casedir, e, 1, head) == KT_ECONFLICT, "init twice refused");
    json_decref(e);
    for (int i = 0; i < 3; i++) {
        e = json_pack("{s:s,s:i}", "event", "command", "n", i);
        CHECK(forensics_case_append(casedir, e, 0, head) == 0, "append %d", i);
        json_decref(e);
    }
    char last_head[65];
    memcpy(last_head, head, sizeof head);
    char dir2[300];
    snprintf(dir2, sizeof dir2, "%s/none", dir);
    e = json_pack("{s:s}", "event", "command");
    CHECK(forensics_case_append(dir2, e, 0, head) == KT_ECONFLICT, "append without init");
    json_decref(e);

    FILE *f = fopen(path, "rb");
    char data[8192];
    size_t len = f ? fread(data, 1, sizeof data - 1, f) : 0;
    if (f) fclose(f);
    data[len] = '\0';
    json_t *entries;
    char head2[65];
    struct forensics_diag d;
    forensics_diag_init(&d, 20);
    int rc = forensics_case_load(casedir, &entries, head2, &d);
    CHECK(rc == 0 && json_array_size(entries) == 4 && strcmp(last_head, head2) == 0,
          "load: %d, %zu entries, head %s / %s, %s", rc, json_array_size(entries), last_head, head2,
          d.n ? d.msgs[0] : "");
    json_decref(entries);
    forensics_diag_free(&d);

    size_t n;
    CHECK(parse(data, len, &n) == 0 && n == 4, "the record's bytes verify");
    /* Hostile variations of the same record. */
    char bad[8192];
    struct {
        const char *what;
        size_t at;
        char c;
    } flips[] = {{"a changed byte in line 0", 10, 'X'}, {"a NUL in line 1", 0, '\0'}};
    const char *line1 = strchr(data, '\n') + 1;
    flips[1].at = (size_t)(line1 - data) + 5;
    for (size_t i = 0; i < 2; i++) {
        memcpy(bad, data, len);
        bad[flips[i].at] = flips[i].c;
        CHECK(parse(bad, len, &n) == KT_EVALID, "%s is found", flips[i].what);
    }
    CHECK(parse(data, len - 1, &n) == KT_EVALID, "a cut-off last line is found");
    CHECK(parse(line1, len - (size_t)(line1 - data), &n) == KT_EVALID, "a missing init is found");
    CHECK(parse("", 0, &n) == KT_EVALID && n == 0, "an empty record");
    CHECK(parse("\n\n\n", 3, &n) == KT_EVALID && n == 3, "empty lines");
    CHECK(parse("[1,2]\n", 6, &n) == KT_EVALID, "an array line");
    const char *forged = "{\"event\":\"init\",\"seq\":0,\"prev\":\"0\"}\n";
    CHECK(parse(forged, strlen(forged), &n) == KT_EVALID, "a wrong prev on line 0");
    size_t big = (1u << 20) + 10;
    char *huge = malloc(big);
    if (huge) {
        memset(huge, '[', big);
        huge[big - 1] = '\n';
        CHECK(parse(huge, big, &n) == KT_EVALID, "a huge line");
        free(huge);
    }

    /* Appending to a record whose last line is damaged is refused. */
    f = fopen(path, "ab");
    if (f) {
        fputs("{not json\n", f);
        fclose(f);
    }
    e = json_pack("{s:s}", "event", "command");
    CHECK(forensics_case_append(casedir, e, 0, head) == KT_EVALID, "append after damage");
    json_decref(e);

    unlink(path);
    rmdir(casedir);
    rmdir(dir);
    return tap_done();
}
