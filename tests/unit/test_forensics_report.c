/* The report's pieces over a tiny fake file system (a forensics_fs_ops whose walk yields a
 * fixed list, as a parser would): the tree nests directories in balanced <details>, deleted
 * entries are marked, and hostile names (<script>, quotes, bytes that are not UTF-8) come out
 * escaped. */
#include "base/err.h"
#include "forensics/report.h"
#include "forensics/timeline.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *path, *addr, *mode;
    int state;
} fake[] = {
    {"/docs", "10", "d/drwxr-xr-x", 0},
    {"/docs/a.txt", "11", "r/rrw-r--r--", 0},
    {"/docs/sub", "12", "d/drwxr-xr-x", 0},
    {"/docs/sub/<script>alert(1)<\\script>.txt", "13", "r/rrw-r--r--", 1},
    {"/docs b.txt", "14", "r/rrw-r--r--", 0},
    {"/\"quoted\" & 'x'", "15", "r/rrw-r--r--", 0},
    {"/bad\xff.txt", "16", "r/rrw-r--r--", 2},
    {"/p2048/deep/er/file", "17", "r/rrw-r--r--", 0},
};

static int fake_walk(void *fs, forensics_entry_fn fn, void *ctx)
{
    (void)fs;
    for (size_t i = 0; i < sizeof fake / sizeof fake[0]; i++) {
        struct forensics_entry e;
        memset(&e, 0, sizeof e);
        e.path = fake[i].path;
        e.addr = fake[i].addr;
        snprintf(e.mode, sizeof e.mode, "%s", fake[i].mode);
        e.state = (enum forensics_name_state)fake[i].state;
        e.is_dir = fake[i].mode[0] == 'd';
        e.mtime.sec = 1600000000 + (int64_t)i;
        int rc = fn(ctx, &e);
        if (rc) return rc;
    }
    return 0;
}

static const struct forensics_fs_ops fake_ops = {.family = "fake", .walk = fake_walk};

static int to_tree(void *ctx, const struct forensics_entry *e)
{
    return forensics_tree_add(ctx, e, 1000);
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

int main(void)
{
    struct forensics_tree *t;
    CHECK(forensics_tree_new(&t) == 0, "tree");
    CHECK(fake_ops.walk(NULL, to_tree, t) == 0, "walk");
    char *html = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&html, &len);
    forensics_report_begin(f, "解析報告書 <R8-1>");
    forensics_report_section(f, "tree", "ファイル一覧", "File tree");
    forensics_tree_write(t, f);
    forensics_report_section_end(f);
    static const char *const hd[] = {"種別|Kind", "内容|Detail"};
    forensics_report_table_begin(f, hd, 2);
    const char *cells[] = {"keyword", "<img src=x onerror=alert(1)>"};
    forensics_report_row(f, cells, 2);
    forensics_report_table_end(f);
    forensics_report_pre(f, "line 1\nline <2>\n");
    forensics_report_note(f, "name\nwith a newline");
    forensics_report_end(f);
    fclose(f);
    forensics_tree_free(t);

    CHECK(html && count(html, "<details") == count(html, "</details>") &&
              count(html, "<details") == 5,
          "balanced: %zu <details>, %zu </details>\n%s", count(html, "<details"),
          count(html, "</details>"), html);
    CHECK(!strstr(html, "<script") && strstr(html, "&lt;script&gt;alert(1)&lt;\\script&gt;.txt") &&
              !strstr(html, "<img") && strstr(html, "&lt;img src=x onerror=alert(1)&gt;") &&
              strstr(html, "&quot;quoted&quot; &amp; &#39;x&#39;") &&
              strstr(html, "bad\\xff.txt") && strstr(html, "&lt;R8-1&gt;"),
          "hostile text escaped");
    CHECK(count(html, "class=\"del\"") == 2 && strstr(html, "(削除 deleted)") &&
              strstr(html, "deleted-realloc"),
          "deleted entries marked");
    CHECK(strstr(html, "<pre>line 1\nline &lt;2&gt;\n</pre>") &&
              strstr(html, "name\\x0awith a newline"),
          "line breaks kept in <pre> only");
    /* "/docs b.txt" sorts after the whole /docs subtree ('/' first). */
    CHECK(strstr(html, "a.txt") < strstr(html, "docs b.txt"), "a directory's children follow it");
    free(html);
    return tap_done();
}
