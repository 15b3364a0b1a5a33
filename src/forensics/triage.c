/* Triage over a file system's walk: the hit list, the file list, hashes and keywords. */
#include "forensics/triage.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- hits ---- */

void forensics_hits_init(struct forensics_hits *h)
{
    memset(h, 0, sizeof *h);
    kt_buf_init(&h->json, (size_t)256 << 20);
    kt_buf_puts(&h->json, "{\"hits\":[");
}

static void json_str_or_null(struct kt_buf *b, const char *s)
{
    if (s)
        kt_buf_json_str(b, s);
    else
        kt_buf_puts(b, "null");
}

int forensics_hits_add(struct forensics_hits *h, const char *kind, const char *path,
                       const char *addr, uint64_t offset, const char *detail)
{
    if (h->n >= FORENSICS_HITS_MAX) {
        h->dropped++;
        return 0;
    }
    struct kt_buf *b = &h->json;
    kt_buf_puts(b, h->n ? ",\n{\"kind\":" : "\n{\"kind\":");
    kt_buf_json_str(b, kind);
    kt_buf_puts(b, ",\"path\":");
    json_str_or_null(b, path);
    kt_buf_puts(b, ",\"addr\":");
    json_str_or_null(b, addr);
    kt_buf_printf(b, ",\"offset\":%llu,\"detail\":", (unsigned long long)offset);
    json_str_or_null(b, detail);
    kt_buf_puts(b, "}");
    h->n++;
    return b->failed ? KT_ENOMEM : 0;
}

int forensics_hits_write(struct forensics_hits *h, const char *path)
{
    if (h->json.failed) return kt_fail(KT_ENOMEM, "hit list too large");
    FILE *f = fopen(path, "wb");
    if (!f) return kt_fail(KT_EIO, "%s: cannot create", path);
    int ok = fwrite(h->json.data, 1, h->json.len, f) == h->json.len && fputs("\n]}\n", f) >= 0;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : kt_fail(KT_EIO, "%s: write failed", path);
}

void forensics_hits_free(struct forensics_hits *h)
{
    kt_buf_free(&h->json);
    memset(h, 0, sizeof *h);
}

/* ---- the file list ---- */

static int list_entry(void *ctx, const struct forensics_entry *e)
{
    struct forensics_triage_files *l = ctx;
    if (e->is_dir) return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct forensics_triage_file *f = realloc(l->f, cap * sizeof *f);
        if (!f) return KT_ENOMEM;
        l->f = f;
        l->cap = cap;
    }
    const char *suffix = e->state == FORENSICS_DELETED           ? " (deleted)"
                         : e->state == FORENSICS_DELETED_REALLOC ? " (deleted-realloc)"
                                                                 : "";
    size_t n = strlen(e->path) + strlen(suffix) + 1;
    struct forensics_triage_file *f = &l->f[l->n];
    f->path = malloc(n);
    f->addr = strdup(e->addr);
    f->size = e->size;
    if (!f->path || !f->addr) {
        free(f->path);
        free(f->addr);
        return KT_ENOMEM;
    }
    snprintf(f->path, n, "%s%s", e->path, suffix);
    l->n++;
    return 0;
}

int forensics_triage_list(const struct forensics_fs *fs, struct forensics_triage_files *out)
{
    memset(out, 0, sizeof *out);
    return fs->ops->walk(fs->h, list_entry, out);
}

void forensics_triage_files_free(struct forensics_triage_files *files)
{
    for (size_t i = 0; i < files->n; i++) {
        free(files->f[i].path);
        free(files->f[i].addr);
    }
    free(files->f);
    memset(files, 0, sizeof *files);
}

/* ---- hashes ---- */

void forensics_triage_unreadable(struct forensics_diag *diag, struct forensics_triage_stats *st,
                                 const char *path, const char *addr, int rc)
{
    st->unreadable++;
    /* Not found: a name whose metadata has no content stream (NTFS's unused reserved entries
     * listed as orphans); icat prints nothing for them either. Counted, not a warning. */
    if (rc != KT_ENOTFOUND)
        forensics_diag_add(diag, "%s (%s): content not readable (%s)", path, addr, kt_err_name(rc));
}

static int hash_data(void *ctx, uint64_t off, const void *data, size_t n)
{
    (void)off;
    forensics_hasher_update(ctx, data, n);
    return 0;
}

int forensics_triage_hashes(const struct forensics_fs *fs, struct forensics_nsrl *nsrl,
                            struct forensics_hashset *bad, struct forensics_hits *hits,
                            struct forensics_diag *diag, struct forensics_triage_stats *st)
{
    struct forensics_triage_files files;
    int rc = forensics_triage_list(fs, &files);
    if (rc != 0) forensics_diag_add(diag, "file walk stopped early (%s)", kt_err_name(rc));
    struct forensics_hasher *h = NULL;
    rc = forensics_hasher_new(&h);
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        const struct forensics_triage_file *f = &files.f[i];
        forensics_hasher_reset(h);
        int r = fs->ops->read(fs->h, f->addr, hash_data, h);
        if (r != 0) {
            forensics_triage_unreadable(diag, st, f->path, f->addr, r);
            continue;
        }
        struct forensics_digests d;
        forensics_hasher_final(h, &d);
        st->files++;
        st->bytes += f->size;
        if (nsrl) {
            int known = forensics_nsrl_known(nsrl, &d);
            if (known < 0) {
                rc = known;
                break;
            }
            if (known) {
                st->known++;
                continue;
            }
        }
        const char *which = bad ? forensics_hashset_match(bad, &d) : NULL;
        if (!which) continue;
        char detail[256];
        snprintf(detail, sizeof detail, "%s in the hash list; md5 %s sha1 %s sha256 %s", which,
                 d.md5, d.sha1, d.sha256);
        st->flagged++;
        rc = forensics_hits_add(hits, "hash", f->path, f->addr, 0, detail);
    }
    forensics_hasher_free(h);
    forensics_triage_files_free(&files);
    return rc;
}

/* ---- keywords ---- */

struct kw_ctx {
    struct forensics_hits *hits;
    struct forensics_triage_stats *st;
    const char *path, *addr; /* NULL in unallocated space */
    uint64_t base;           /* added to stream offsets: the image offset of a run */
    struct forensics_kw_stream s;
};

static int kw_hit(void *ctx, const char *keyword, const char *encoding, uint64_t off)
{
    struct kw_ctx *k = ctx;
    char detail[256];
    snprintf(detail, sizeof detail, "%s %s%s", encoding, keyword,
             k->path ? "" : " (unallocated or raw image)");
    k->st->flagged++;
    return forensics_hits_add(k->hits, "keyword", k->path, k->addr, k->base + off, detail);
}

static int kw_data(void *ctx, uint64_t off, const void *data, size_t n)
{
    struct kw_ctx *k = ctx;
    (void)off;
    return forensics_kw_stream_feed(&k->s, data, n);
}

#define RUN_BLOCK ((size_t)4 << 20)

struct kw_run {
    struct kw_ctx *k;
    struct forensics_image *img;
    uint8_t *buf;
    uint64_t next; /* where the current stream would continue */
};

/* Searches image bytes [off, off + len) as part of one stream when they continue the last run
 * (adjacent unallocated clusters), as a new stream otherwise. */
static int kw_range(void *ctx, uint64_t off, uint64_t len)
{
    struct kw_run *r = ctx;
    if (off != r->next || r->k->s.pos == 0) {
        forensics_kw_stream_init(&r->k->s, r->k->s.kw, kw_hit, r->k);
        r->k->base = off;
    }
    r->next = off + len;
    for (uint64_t done = 0; done < len;) {
        size_t want = len - done < RUN_BLOCK ? (size_t)(len - done) : RUN_BLOCK, got = 0;
        int rc = forensics_image_read(r->img, off + done, r->buf, want, &got);
        if (got == 0) return rc ? rc : 0;
        r->k->st->bytes += got;
        if ((rc = forensics_kw_stream_feed(&r->k->s, r->buf, got)) != 0) return rc;
        done += got;
    }
    return 0;
}

int forensics_triage_keywords(const struct forensics_fs *fs, struct forensics_image *img,
                              const struct forensics_keywords *kw, struct forensics_hits *hits,
                              struct forensics_diag *diag, struct forensics_triage_stats *st)
{
    struct kw_ctx k = {.hits = hits, .st = st};
    forensics_kw_stream_init(&k.s, kw, kw_hit, &k);
    struct kw_run run = {.k = &k, .img = img, .buf = malloc(RUN_BLOCK), .next = UINT64_MAX};
    if (!run.buf) return KT_ENOMEM;
    int rc = 0;
    if (fs) {
        struct forensics_triage_files files;
        rc = forensics_triage_list(fs, &files);
        if (rc != 0) forensics_diag_add(diag, "file walk stopped early (%s)", kt_err_name(rc));
        rc = 0;
        for (size_t i = 0; rc == 0 && i < files.n; i++) {
            k.path = files.f[i].path;
            k.addr = files.f[i].addr;
            k.base = 0;
            forensics_kw_stream_init(&k.s, kw, kw_hit, &k);
            int r = fs->ops->read(fs->h, k.addr, kw_data, &k);
            if (r == KT_ENOMEM) rc = r;
            if (r != 0) {
                forensics_triage_unreadable(diag, st, k.path, k.addr, r);
                continue;
            }
            st->files++;
            st->bytes += k.s.pos;
        }
        forensics_triage_files_free(&files);
        k.path = k.addr = NULL;
        if (rc == 0 && fs->ops->unalloc) rc = fs->ops->unalloc(fs->h, kw_range, &run);
    } else {
        rc = kw_range(&run, 0, forensics_image_size(img));
    }
    free(run.buf);
    return rc;
}
