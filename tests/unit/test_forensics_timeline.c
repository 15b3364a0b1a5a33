/* Timeline rows and DFXML from entries made here: sub-second times split rows and show their
 * fraction, time zones, body-file lines (hostile ones refused), and DFXML that libxml2 parses
 * back whatever the names hold (<script>, quotes, bytes that are not UTF-8, controls). */
#include "base/err.h"
#include "forensics/dfxml.h"
#include "forensics/timeline.h"
#include "tap.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

static struct forensics_entry entry(const char *path, const char *addr, int64_t m, uint32_t mn,
                                    int64_t a, uint32_t an)
{
    struct forensics_entry e;
    memset(&e, 0, sizeof e);
    e.path = path;
    e.addr = addr;
    snprintf(e.mode, sizeof e.mode, "r/rrw-r--r--");
    e.size = 42;
    e.mtime = (struct forensics_time){m, mn};
    e.atime = (struct forensics_time){a, an};
    e.ctime = (struct forensics_time){m, mn};
    return e;
}

static char *render(struct forensics_timeline *t, const char *tz)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    forensics_timeline_write(t, tz, 0, (size_t)-1, f);
    fclose(f);
    return buf;
}

static void test_timeline(void)
{
    struct forensics_timeline *t;
    CHECK(forensics_timeline_new(&t) == 0, "new");
    struct forensics_entry e = entry("/a", "12", 1603771260, 500, 1603771260, 0);
    forensics_timeline_add(t, &e);
    e = entry("/b", "13", 1603771260, 0, 1603771260, 0);
    e.state = FORENSICS_DELETED;
    forensics_timeline_add(t, &e);
    e = entry("/zero", "14", 0, 0, 0, 0);
    forensics_timeline_add(t, &e);
    CHECK(forensics_timeline_add_body(t, "0|/x|y|z|15|r/rrw-r--r--|0|0|7|1|2|3|4", 38) == 0,
          "a body line with '|' in its name");
    static const char *const bad[] = {"",
                                      "0|/a",
                                      "0|/a|1|r|0|0|x|1|2|3|4",
                                      "0|/a|1|r|0|0|-5|1|2|3|4",
                                      "0|/a|1|r|0|0|1|1|2|3|99999999999999999999999",
                                      "||||||||||"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(forensics_timeline_add_body(t, bad[i], strlen(bad[i])) == KT_EINVAL,
              "malformed body line %zu refused", i);
    forensics_timeline_sort(t);
    char *out = render(t, NULL);
    CHECK(out && strstr(out, "2020-10-27T04:01:00Z,42,.a..,r/rrw-r--r--,0,0,12,\"/a\"\n") &&
              strstr(out, "2020-10-27T04:01:00.0000005Z,42,m.c.,r/rrw-r--r--,0,0,12,\"/a\"\n") &&
              strstr(out, "2020-10-27T04:01:00Z,42,mac.,r/rrw-r--r--,0,0,13,\"/b (deleted)\"\n") &&
              !strstr(out, "/zero") && strstr(out, "\"/x|y|z\"\n"),
          "rows:\n%s", out ? out : "");
    /* Sorted: the whole second before its fraction, /a (12) before /b (13). */
    CHECK(out && strstr(out, ",12,\"/a\"") < strstr(out, ",13,\"/b") &&
              strstr(out, ".a..,r/rrw-r--r--,0,0,12") < strstr(out, "00.0000005Z"),
          "order");
    free(out);
    out = render(t, "Asia/Tokyo");
    CHECK(out && strstr(out, "2020-10-27T13:01:00+09:00,42,.a.."), "Asia/Tokyo:\n%s",
          out ? out : "");
    free(out);
    CHECK(forensics_timeline_rows(t) == 3 + 2 + 4, "%zu rows", forensics_timeline_rows(t));
    forensics_timeline_free(t);
}

static void test_dfxml(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct forensics_dfxml *d;
    CHECK(forensics_dfxml_begin(f, "/ev/<disk>.E01", 1024, "keitsu image dfxml x", &d) == 0,
          "begin");
    const char *names[] = {"/<script>alert(1)</script>", "/a \"b\" & 'c'", "/bad\xff\xfe",
                           "/ctl\x01\x1b[31m", "/日本語.txt"};
    for (size_t i = 0; i < 5; i++) {
        struct forensics_entry e = entry(names[i], "5-128-1", 1603771260, 123, 0, 0);
        e.state = i == 2 ? FORENSICS_DELETED : FORENSICS_ALLOCATED;
        CHECK(forensics_dfxml_entry(d, &e) == 0, "entry %zu", i);
    }
    CHECK(forensics_dfxml_end(d) == 0, "end");
    fclose(f);
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, "x.xml", NULL, XML_PARSE_NONET);
    CHECK(doc != NULL, "DFXML parses:\n%s", buf);
    xmlFreeDoc(doc);
    CHECK(strstr(buf, "&lt;script&gt;") && !strstr(buf, "<script>") &&
              strstr(buf, "/bad\\xff\\xfe") && strstr(buf, "/ctl\\x01\\x1b[31m") &&
              strstr(buf, "<unalloc>1</unalloc>") && strstr(buf, "/日本語.txt") &&
              strstr(buf, "<mtime>2020-10-27T04:01:00.000000123Z</mtime>") &&
              strstr(buf, "<meta_type>1</meta_type>"),
          "escaped and complete");
    free(buf);
}

int main(void)
{
    test_timeline();
    test_dfxml();
    return tap_done();
}
