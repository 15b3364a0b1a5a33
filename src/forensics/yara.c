/* libyara over files read through the file-system interface. */
#include "forensics/yara.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

struct forensics_yara {
    YR_RULES *rules;
};

struct compile_err {
    char msg[256];
    int n;
};

static void on_compile(int level, const char *file, int line, const YR_RULE *rule,
                       const char *message, void *ctx)
{
    (void)rule;
    struct compile_err *e = ctx;
    if (level != YARA_ERROR_LEVEL_ERROR || e->n++) return;
    snprintf(e->msg, sizeof e->msg, "%s:%d: %s", file ? file : "rules", line, message);
}

static int load(FILE *f, const char *src, const char *name, struct forensics_yara **out)
{
    if (yr_initialize() != ERROR_SUCCESS) return kt_fail(KT_EINTERNAL, "libyara did not start");
    YR_COMPILER *c = NULL;
    if (yr_compiler_create(&c) != ERROR_SUCCESS) {
        yr_finalize();
        return KT_ENOMEM;
    }
    struct compile_err e = {{0}, 0};
    yr_compiler_set_callback(c, on_compile, &e);
    int errors = f ? yr_compiler_add_file(c, f, NULL, name) : yr_compiler_add_string(c, src, NULL);
    struct forensics_yara *y = NULL;
    int rc = 0;
    if (errors) {
        rc = kt_fail(KT_EINVAL, "%s", e.msg[0] ? e.msg : "YARA rules do not compile");
    } else if (!(y = calloc(1, sizeof *y)) ||
               yr_compiler_get_rules(c, &y->rules) != ERROR_SUCCESS) {
        free(y);
        y = NULL;
        rc = KT_ENOMEM;
    }
    yr_compiler_destroy(c);
    if (rc != 0) {
        yr_finalize();
        return rc;
    }
    *out = y;
    return 0;
}

int forensics_yara_load(const char *path, struct forensics_yara **out)
{
    FILE *f = fopen(path, "r");
    if (!f) return kt_fail(KT_EIO, "%s: cannot open", path);
    int rc = load(f, NULL, path, out);
    fclose(f);
    return rc;
}

int forensics_yara_load_text(const char *src, struct forensics_yara **out)
{
    return load(NULL, src, NULL, out);
}

void forensics_yara_free(struct forensics_yara *y)
{
    if (!y) return;
    yr_rules_destroy(y->rules);
    free(y);
    yr_finalize();
}

struct scan_ctx {
    const char *path, *addr;
    uint64_t base, limit; /* matches at or past limit are left to the next block */
    struct forensics_hits *hits;
    struct forensics_triage_stats *st;
    int rc;
};

static int on_scan(YR_SCAN_CONTEXT *context, int message, void *data, void *ctx)
{
    struct scan_ctx *s = ctx;
    if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
    YR_RULE *rule = data;
    YR_STRING *string;
    YR_MATCH *match;
    uint64_t first = UINT64_MAX;
    yr_rule_strings_foreach(rule, string)
    {
        yr_string_matches_foreach(context, string, match)
        {
            if (match->offset >= 0 && (uint64_t)match->offset < first)
                first = (uint64_t)match->offset;
        }
    }
    if (first == UINT64_MAX) first = 0;
    if (first >= s->limit) return CALLBACK_CONTINUE;
    char detail[512];
    int n = snprintf(detail, sizeof detail, "%s", rule->identifier);
    const char *tag;
    yr_rule_tags_foreach(rule, tag)
    {
        if (n > 0 && (size_t)n < sizeof detail)
            n += snprintf(detail + n, sizeof detail - (size_t)n, "%s%s",
                          tag == rule->tags ? " [" : ",", tag);
    }
    if (rule->tags && *rule->tags && n > 0 && (size_t)n < sizeof detail - 1)
        snprintf(detail + n, sizeof detail - (size_t)n, "]");
    s->st->flagged++;
    s->rc = forensics_hits_add(s->hits, "yara", s->path, s->addr, s->base + first, detail);
    return s->rc ? CALLBACK_ABORT : CALLBACK_CONTINUE;
}

static int scan(struct forensics_yara *y, const void *data, size_t n, struct scan_ctx *s)
{
    int r = yr_rules_scan_mem(y->rules, data, n, SCAN_FLAGS_REPORT_RULES_MATCHING, on_scan, s, 60);
    if (s->rc) return s->rc;
    if (r == ERROR_SCAN_TIMEOUT) return kt_fail(KT_EUNAVAIL, "YARA scan timed out");
    if (r == ERROR_INSUFFICIENT_MEMORY) return KT_ENOMEM;
    return r == ERROR_SUCCESS ? 0 : kt_fail(KT_EINTERNAL, "YARA scan failed (error %d)", r);
}

int forensics_yara_scan_mem(struct forensics_yara *y, const void *data, size_t n, const char *path,
                            const char *addr, uint64_t base, struct forensics_hits *hits,
                            struct forensics_triage_stats *st)
{
    struct scan_ctx s = {path, addr, base, UINT64_MAX, hits, st, 0};
    return scan(y, data, n, &s);
}

/* A file's content gathered for one scan, up to FORENSICS_YARA_MAX_FILE. */
struct gather {
    uint8_t *data;
    size_t n, cap;
    int truncated;
};

static int gather_data(void *ctx, uint64_t off, const void *data, size_t n)
{
    struct gather *g = ctx;
    (void)off;
    if (n > FORENSICS_YARA_MAX_FILE - g->n) {
        n = FORENSICS_YARA_MAX_FILE - g->n;
        g->truncated = 1;
    }
    if (g->n + n > g->cap) {
        size_t cap = g->cap ? g->cap : 1 << 16;
        while (cap < g->n + n)
            cap *= 2;
        if (cap > FORENSICS_YARA_MAX_FILE) cap = FORENSICS_YARA_MAX_FILE;
        uint8_t *p = realloc(g->data, cap);
        if (!p) return KT_ENOMEM;
        g->data = p;
        g->cap = cap;
    }
    memcpy(g->data + g->n, data, n);
    g->n += n;
    return 0;
}

#define RAW_BLOCK ((size_t)64 << 20)
#define RAW_OVERLAP ((size_t)1 << 20)

static int scan_raw(struct forensics_yara *y, struct forensics_image *img,
                    struct forensics_hits *hits, struct forensics_triage_stats *st)
{
    uint8_t *buf = malloc(RAW_BLOCK + RAW_OVERLAP);
    if (!buf) return KT_ENOMEM;
    uint64_t size = forensics_image_size(img);
    int rc = 0;
    for (uint64_t off = 0; rc == 0 && off < size; off += RAW_BLOCK) {
        size_t got = 0;
        rc = forensics_image_read(img, off, buf, RAW_BLOCK + RAW_OVERLAP, &got);
        if (rc != 0 || got == 0) break;
        st->bytes += got < RAW_BLOCK ? got : RAW_BLOCK;
        /* A match that starts in the overlap is the next block's to report. */
        struct scan_ctx s = {NULL, NULL, off, got > RAW_BLOCK ? RAW_BLOCK : UINT64_MAX,
                             hits, st,   0};
        rc = scan(y, buf, got, &s);
    }
    free(buf);
    return rc;
}

int forensics_yara_scan(struct forensics_yara *y, const struct forensics_fs *fs,
                        struct forensics_image *img, struct forensics_hits *hits,
                        struct forensics_diag *diag, struct forensics_triage_stats *st)
{
    if (!fs) return scan_raw(y, img, hits, st);
    struct forensics_triage_files files;
    int rc = forensics_triage_list(fs, &files);
    if (rc != 0) forensics_diag_add(diag, "file walk stopped early (%s)", kt_err_name(rc));
    rc = 0;
    struct gather g = {0};
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        const struct forensics_triage_file *f = &files.f[i];
        g.n = 0;
        g.truncated = 0;
        int r = fs->ops->read(fs->h, f->addr, gather_data, &g);
        if (r != 0) {
            forensics_triage_unreadable(diag, st, f->path, f->addr, r);
            if (r == KT_ENOMEM) rc = r;
            continue;
        }
        if (g.truncated)
            forensics_diag_add(diag, "%s (%s): only the first %zu MiB scanned", f->path, f->addr,
                               FORENSICS_YARA_MAX_FILE >> 20);
        st->files++;
        st->bytes += g.n;
        rc = forensics_yara_scan_mem(y, g.data ? g.data : (const uint8_t *)"", g.n, f->path,
                                     f->addr, 0, hits, st);
    }
    free(g.data);
    forensics_triage_files_free(&files);
    return rc;
}
