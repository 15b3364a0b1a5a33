/* Timelines: entries are copied into one arena of strings, rows point at them, and one qsort
 * orders the rows. */
#include "forensics/timeline.h"

#include "base/err.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROWS_MAX = 100000000 };

struct item {          /* one entry */
    size_t name, meta; /* offsets into the arena */
    char mode[16];
    uint64_t size, uid, gid;
};

struct row {
    int64_t sec;
    uint32_t nsec;
    uint32_t item;
    char type[5];
};

struct forensics_timeline {
    struct item *items;
    size_t nitems, capitems;
    struct row *rows;
    size_t nrows, caprows;
    char *arena;
    size_t used, cap;
    const char *sort_arena; /* for the comparison function */
};

int forensics_timeline_new(struct forensics_timeline **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : kt_fail(KT_ENOMEM, "out of memory");
}

void forensics_timeline_free(struct forensics_timeline *t)
{
    if (!t) return;
    free(t->items);
    free(t->rows);
    free(t->arena);
    free(t);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *n = realloc(*p, c * size);
    if (!n) return kt_fail(KT_ENOMEM, "out of memory");
    *p = n;
    *cap = c;
    return 0;
}

/* Copies s[0..n) and suffix into the arena; its offset in *at. */
static int keep(struct forensics_timeline *t, const char *s, size_t n, const char *suffix,
                size_t *at)
{
    size_t sl = strlen(suffix);
    if (grow((void **)&t->arena, &t->cap, t->used + n + sl + 1, 1) != 0) return KT_ENOMEM;
    *at = t->used;
    memcpy(t->arena + t->used, s, n);
    memcpy(t->arena + t->used + n, suffix, sl + 1);
    t->used += n + sl + 1;
    return 0;
}

/* The rows of one item: one per distinct time, none if all four are zero. */
static int add_rows(struct forensics_timeline *t, const struct forensics_time times[4])
{
    static const char letters[] = "macb";
    int zero = 1;
    for (int i = 0; i < 4; i++)
        zero &= times[i].sec == 0 && times[i].nsec == 0;
    if (zero) return 0;
    for (int i = 0; i < 4; i++) {
        int seen = 0;
        for (int k = 0; k < i; k++)
            seen |= times[k].sec == times[i].sec && times[k].nsec == times[i].nsec;
        if (seen) continue;
        if (t->nrows >= ROWS_MAX)
            return kt_fail(KT_ETOOBIG, "more than %d timeline rows", ROWS_MAX);
        if (grow((void **)&t->rows, &t->caprows, t->nrows + 1, sizeof *t->rows) != 0)
            return KT_ENOMEM;
        struct row *r = &t->rows[t->nrows++];
        r->sec = times[i].sec;
        r->nsec = times[i].nsec;
        r->item = (uint32_t)(t->nitems - 1);
        for (int k = 0; k < 4; k++)
            r->type[k] =
                times[k].sec == times[i].sec && times[k].nsec == times[i].nsec ? letters[k] : '.';
        r->type[4] = '\0';
    }
    return 0;
}

static int add_item(struct forensics_timeline *t, const char *name, size_t namelen,
                    const char *suffix, const char *meta, size_t metalen, const char *mode,
                    uint64_t size, uint64_t uid, uint64_t gid, const struct forensics_time times[4])
{
    if (grow((void **)&t->items, &t->capitems, t->nitems + 1, sizeof *t->items) != 0)
        return KT_ENOMEM;
    struct item *it = &t->items[t->nitems];
    memset(it, 0, sizeof *it);
    if (keep(t, name, namelen, suffix, &it->name) != 0 || keep(t, meta, metalen, "", &it->meta))
        return KT_ENOMEM;
    snprintf(it->mode, sizeof it->mode, "%s", mode);
    it->size = size;
    it->uid = uid;
    it->gid = gid;
    t->nitems++;
    return add_rows(t, times);
}

int forensics_timeline_add(struct forensics_timeline *t, const struct forensics_entry *e)
{
    const char *suffix = e->state == FORENSICS_DELETED           ? " (deleted)"
                         : e->state == FORENSICS_DELETED_REALLOC ? " (deleted-realloc)"
                                                                 : "";
    /* mactime's order of letters: m, a, c, b. */
    struct forensics_time times[4] = {e->mtime, e->atime, e->ctime, e->crtime};
    return add_item(t, e->path, strlen(e->path), suffix, e->addr, strlen(e->addr), e->mode, e->size,
                    e->uid, e->gid, times);
}

/* A decimal field of a body line: 0 and *v, or -1. */
static int number(const char *s, size_t n, int neg_ok, int64_t *v)
{
    if (n == 0 || n > 20) return -1;
    char buf[24];
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!neg_ok && buf[0] == '-') return -1;
    char *end;
    errno = 0;
    long long x = strtoll(buf, &end, 10);
    if (errno || *end) return -1;
    *v = x;
    return 0;
}

int forensics_timeline_add_body(struct forensics_timeline *t, const char *line, size_t n)
{
    /* Fields from the right: the last nine are inode … crtime, the first is MD5, and the name
     * is everything between, so a '|' in a name is kept. */
    const char *f[9];
    size_t fl[9];
    size_t end = n;
    for (int i = 8; i >= 0; i--) {
        size_t k = end;
        while (k > 0 && line[k - 1] != '|')
            k--;
        if (k == 0) return kt_fail(KT_EINVAL, "not a body-file line (too few fields)");
        f[i] = line + k;
        fl[i] = end - k;
        end = k - 1;
    }
    const char *bar = memchr(line, '|', end);
    if (!bar) return kt_fail(KT_EINVAL, "not a body-file line (no name)");
    const char *name = bar + 1;
    size_t namelen = (size_t)(line + end - name);
    int64_t v[6], times[4];
    for (int i = 0; i < 4; i++)
        if (number(f[i + 5], fl[i + 5], 1, &times[i]) != 0)
            return kt_fail(KT_EINVAL, "body-file line: a time is not a number");
    for (int i = 0; i < 3; i++)
        if (number(f[i + 2], fl[i + 2], 0, &v[i]) != 0)
            return kt_fail(KT_EINVAL, "body-file line: UID, GID or size is not a number");
    char mode[16];
    snprintf(mode, sizeof mode, "%.*s", (int)(fl[1] < 15 ? fl[1] : 15), f[1]);
    /* The body file's order is atime, mtime, ctime, crtime; rows use m, a, c, b. */
    struct forensics_time tt[4] = {{times[1], 0}, {times[0], 0}, {times[2], 0}, {times[3], 0}};
    return add_item(t, name, namelen, "", f[0], fl[0], mode, (uint64_t)v[2], (uint64_t)v[0],
                    (uint64_t)v[1], tt);
}

static const struct forensics_timeline *sorting;

static int cmp_rows(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    if (a->sec != b->sec) return a->sec < b->sec ? -1 : 1;
    if (a->nsec != b->nsec) return a->nsec < b->nsec ? -1 : 1;
    const struct item *ia = &sorting->items[a->item], *ib = &sorting->items[b->item];
    int c = strcmp(sorting->arena + ia->meta, sorting->arena + ib->meta);
    if (c) return c;
    c = strcmp(sorting->arena + ia->name, sorting->arena + ib->name);
    if (c) return c;
    return a->item < b->item ? -1 : a->item > b->item;
}

void forensics_timeline_sort(struct forensics_timeline *t)
{
    /* qsort has no context argument in C17; sorting is not re-entrant across threads. */
    sorting = t;
    if (t->nrows) qsort(t->rows, t->nrows, sizeof *t->rows, cmp_rows);
    sorting = NULL;
}

size_t forensics_timeline_rows(const struct forensics_timeline *t)
{
    return t->nrows;
}

static void format_date(const struct row *r, int utc, char *out, size_t cap)
{
    if (r->sec == 0 && r->nsec == 0) {
        snprintf(out, cap, "0000-00-00T00:00:00Z");
        return;
    }
    time_t s = (time_t)r->sec;
    struct tm tm;
    if (!(utc ? gmtime_r(&s, &tm) : localtime_r(&s, &tm))) {
        snprintf(out, cap, "%" PRId64, r->sec);
        return;
    }
    char date[40], frac[16] = "", zone[32] = "Z";
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    if (r->nsec) {
        snprintf(frac, sizeof frac, ".%09u", r->nsec % 1000000000u);
        for (size_t n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
            frac[n - 1] = '\0';
    }
    if (!utc) {
        long off = labs(tm.tm_gmtoff);
        snprintf(zone, sizeof zone, "%c%02d:%02d", tm.tm_gmtoff < 0 ? '-' : '+',
                 (int)(off / 3600 % 100), (int)(off / 60 % 60));
    }
    snprintf(out, cap, "%s%s%s", date, frac, zone);
}

int forensics_timeline_write(const struct forensics_timeline *t, const char *tz, size_t first,
                             size_t max, FILE *f)
{
    int utc = !tz || strcmp(tz, "UTC") == 0 || strcmp(tz, "Z") == 0;
    if (!utc) {
        setenv("TZ", tz, 1);
        tzset();
    }
    fputs("Date,Size,Type,Mode,UID,GID,Meta,File Name\n", f);
    for (size_t i = first; i < t->nrows && i - first < max; i++) {
        const struct row *r = &t->rows[i];
        const struct item *it = &t->items[r->item];
        char date[128];
        format_date(r, utc, date, sizeof date);
        fprintf(f, "%s,%" PRIu64 ",%s,%s,%" PRIu64 ",%" PRIu64 ",%s,\"", date, it->size, r->type,
                it->mode, it->uid, it->gid, t->arena + it->meta);
        for (const char *p = t->arena + it->name; *p; p++) {
            if (*p == '"') fputc('"', f);
            fputc(*p, f);
        }
        fputs("\"\n", f);
    }
    return ferror(f) ? kt_fail(KT_EIO, "write failed") : 0;
}
