/* HTML report pieces. The tree sorts the entries by path and opens a <details> per directory
 * on the way down, closing them on the way back up. */
#include "forensics/report.h"

#include "base/err.h"
#include "base/utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* newlines: 1 to keep line breaks (preformatted text keitsu made), 0 to show them as \x0a
 * (a name with a newline in it must not pass for two lines). */
static void html_text(FILE *f, const char *s, int newlines)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k <= 0 || (cp < 0x20 && cp != '\t' && !(newlines && cp == '\n')) || cp == 0x7f) {
            fprintf(f, "\\x%02x", (unsigned char)s[i]);
            i++;
            continue;
        }
        switch (cp) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fwrite(s + i, 1, (size_t)k, f);
        }
        i += (size_t)k;
    }
}

void forensics_html_text(FILE *f, const char *s)
{
    html_text(f, s, 0);
}

static const char style[] =
    "body{font-family:'Noto Sans CJK JP','Hiragino Sans',Meiryo,sans-serif;margin:2em;"
    "color:#222;max-width:75em}h1{border-bottom:3px solid #234;padding-bottom:.3em}"
    "h2{background:#234;color:#fff;padding:.3em .6em;margin-top:2em}.en{font-size:.75em;"
    "color:#666;font-weight:normal;margin-left:.5em}h2 .en{color:#cde}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}th,td{border:1px solid #bbb;"
    "padding:.2em .5em;text-align:left;vertical-align:top}th{background:#eef}"
    "td{font-family:monospace;word-break:break-all}dl{display:grid;grid-template-columns:max-"
    "content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0;font-family:monospace;"
    "word-break:break-all}pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:.85em}"
    "details{margin-left:1.2em}summary{cursor:pointer}.file{margin-left:2.4em;font-family:"
    "monospace}.del{color:#b00}.meta{color:#777;font-size:.85em}nav a{margin-right:1em}";

void forensics_report_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n<title>",
          f);
    forensics_html_text(f, title);
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
    forensics_html_text(f, title);
    fputs("</h1>\n", f);
}

void forensics_report_section(FILE *f, const char *id, const char *ja, const char *en)
{
    fprintf(f, "<section id=\"%s\">\n<h2>", id);
    forensics_html_text(f, ja);
    fputs(" <span class=\"en\">", f);
    forensics_html_text(f, en);
    fputs("</span></h2>\n", f);
}

void forensics_report_section_end(FILE *f)
{
    fputs("</section>\n", f);
}

void forensics_report_kv(FILE *f, const char *ja, const char *en, const char *value)
{
    fputs("<dl><dt>", f);
    forensics_html_text(f, ja);
    fputs(" <span class=\"en\">", f);
    forensics_html_text(f, en);
    fputs("</span></dt><dd>", f);
    forensics_html_text(f, value ? value : "");
    fputs("</dd></dl>\n", f);
}

void forensics_report_table_begin(FILE *f, const char *const *headers, size_t n)
{
    fputs("<table>\n<tr>", f);
    for (size_t i = 0; i < n; i++) {
        const char *bar = strchr(headers[i], '|');
        fputs("<th>", f);
        if (bar) {
            fwrite(headers[i], 1, (size_t)(bar - headers[i]), f);
            fputs(" <span class=\"en\">", f);
            forensics_html_text(f, bar + 1);
            fputs("</span>", f);
        } else {
            forensics_html_text(f, headers[i]);
        }
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
}

void forensics_report_row(FILE *f, const char *const *cells, size_t n)
{
    fputs("<tr>", f);
    for (size_t i = 0; i < n; i++) {
        fputs("<td>", f);
        forensics_html_text(f, cells[i] ? cells[i] : "");
        fputs("</td>", f);
    }
    fputs("</tr>\n", f);
}

void forensics_report_table_end(FILE *f)
{
    fputs("</table>\n", f);
}

void forensics_report_pre(FILE *f, const char *text)
{
    fputs("<pre>", f);
    html_text(f, text, 1);
    fputs("</pre>\n", f);
}

void forensics_report_note(FILE *f, const char *text)
{
    fputs("<p>", f);
    forensics_html_text(f, text);
    fputs("</p>\n", f);
}

void forensics_report_end(FILE *f)
{
    fputs("</body>\n</html>\n", f);
}

/* ---- the file tree ---- */

struct node {
    char *path, *addr;
    char mode[16];
    uint64_t size;
    int64_t mtime;
    int state, is_dir;
};

struct forensics_tree {
    struct node *nodes;
    size_t n, cap, dropped;
};

int forensics_tree_new(struct forensics_tree **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : kt_fail(KT_ENOMEM, "out of memory");
}

void forensics_tree_free(struct forensics_tree *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->nodes[i].path);
        free(t->nodes[i].addr);
    }
    free(t->nodes);
    free(t);
}

int forensics_tree_add(struct forensics_tree *t, const struct forensics_entry *e, size_t max)
{
    if (t->n >= max) {
        t->dropped++;
        return KT_ETOOBIG;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct node *n = realloc(t->nodes, cap * sizeof *n);
        if (!n) return kt_fail(KT_ENOMEM, "out of memory");
        t->nodes = n;
        t->cap = cap;
    }
    struct node *n = &t->nodes[t->n];
    memset(n, 0, sizeof *n);
    n->path = strdup(e->path);
    n->addr = strdup(e->addr);
    if (!n->path || !n->addr) {
        free(n->path);
        free(n->addr);
        return kt_fail(KT_ENOMEM, "out of memory");
    }
    snprintf(n->mode, sizeof n->mode, "%s", e->mode);
    n->size = e->size;
    n->mtime = e->mtime.sec;
    n->state = (int)e->state;
    n->is_dir = e->is_dir || e->mode[0] == 'd';
    t->n++;
    return 0;
}

/* Path order with '/' before every other byte, so a directory's children follow it directly
 * ("/a", "/a/b", "/a b"). */
static int by_path(const void *a, const void *b)
{
    const struct node *x = a, *y = b;
    const unsigned char *p = (const unsigned char *)x->path, *q = (const unsigned char *)y->path;
    for (; *p && *p == *q; p++, q++) {
    }
    if (*p != *q) {
        unsigned cp = *p == '/' ? 1 : *p, cq = *q == '/' ? 1 : *q;
        if (!*p) cp = 0;
        if (!*q) cq = 0;
        return cp < cq ? -1 : 1;
    }
    return strcmp(x->addr, y->addr);
}

/* Length of the directory part shared by a and b, in whole components ("/a/b" "/a/c" → 2). */
static size_t common_dir(const char *a, const char *b)
{
    size_t i = 0, last = 0;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == '/') last = i;
        i++;
    }
    if ((a[i] == '\0' && b[i] == '/') || (b[i] == '\0' && a[i] == '/')) last = i;
    return last;
}

static void write_leaf(FILE *f, const struct node *n, const char *name)
{
    char when[40] = "";
    if (n->mtime) {
        time_t s = (time_t)n->mtime;
        struct tm tm;
        if (gmtime_r(&s, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
    }
    fprintf(f, "<span%s>", n->state ? " class=\"del\"" : "");
    forensics_html_text(f, name);
    if (n->state) fputs(n->state == 2 ? " (削除・再割当 deleted-realloc)" : " (削除 deleted)", f);
    fputs("</span> <span class=\"meta\">", f);
    forensics_html_text(f, n->addr);
    fprintf(f, " %s %" PRIu64 " B %s</span>", n->mode, n->size, when);
}

void forensics_tree_write(struct forensics_tree *t, FILE *f)
{
    if (t->n) qsort(t->nodes, t->n, sizeof *t->nodes, by_path);
    /* open[] holds the end offsets (in the current path) of the directories open as <details>. */
    size_t open[256], depth = 0;
    const char *prev = "";
    fputs("<div class=\"tree\">\n", f);
    for (size_t i = 0; i < t->n; i++) {
        const struct node *n = &t->nodes[i];
        size_t keep = common_dir(prev, n->path);
        while (depth > 0 && open[depth - 1] > keep) {
            fputs("</details>\n", f);
            depth--;
        }
        /* Directories on the way that have no entry of their own (a prefix, a partition). */
        const char *p = n->path;
        size_t start = depth ? open[depth - 1] : 0;
        for (const char *s = strchr(p + start + 1, '/'); s && depth < 256; s = strchr(s + 1, '/')) {
            size_t end = (size_t)(s - p);
            size_t from = depth ? open[depth - 1] + 1 : 1;
            fprintf(f, "<details%s><summary>", depth < 1 ? " open" : "");
            char comp[4096];
            snprintf(comp, sizeof comp, "%.*s", (int)(end - from), p + from);
            forensics_html_text(f, comp);
            fputs("/</summary>\n", f);
            open[depth++] = end;
        }
        const char *slash = strrchr(p, '/');
        const char *name = slash ? slash + 1 : p;
        int next_is_child = i + 1 < t->n && strncmp(t->nodes[i + 1].path, p, strlen(p)) == 0 &&
                            t->nodes[i + 1].path[strlen(p)] == '/';
        if (n->is_dir && next_is_child && depth < 256) {
            fprintf(f, "<details%s><summary>", depth < 1 ? " open" : "");
            write_leaf(f, n, name);
            fputs("</summary>\n", f);
            open[depth++] = strlen(p);
        } else {
            fputs("<div class=\"file\">", f);
            write_leaf(f, n, name);
            fputs("</div>\n", f);
        }
        prev = p;
    }
    while (depth-- > 0)
        fputs("</details>\n", f);
    fputs("</div>\n", f);
    if (t->dropped)
        fprintf(f,
                "<p>… %zu 件省略 <span class=\"en\">%zu more entries not shown (see the body "
                "file)</span></p>\n",
                t->dropped, t->dropped);
}
