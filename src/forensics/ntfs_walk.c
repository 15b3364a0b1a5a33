/* NTFS: the recursive listing, in the order and with the lines of `fls -r -m /`: directories
 * as loaded by ntfs_index.c (the root's names reordered by the Sleuth Kit's priorities), a line
 * per $DATA and $INDEX_ROOT attribute and one for the $FILE_NAME whose times were kept, deleted
 * directories entered, and $OrphanFiles holding the deleted entries no name reaches. */
#include "base/err.h"
#include "forensics/ntfs_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct child_sort {
    struct ntfs_child c;
    size_t order;
};

static int child_cmp(const void *a, const void *b)
{
    const struct child_sort *x = a, *y = b;
    if (x->c.par != y->c.par) return x->c.par < y->c.par ? -1 : 1;
    if (x->c.par_seq != y->c.par_seq) return x->c.par_seq < y->c.par_seq ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Whether entry n is a base record (not an extension of another entry's attributes). */
static int is_base(const struct ntfs_fs *fs, uint64_t n)
{
    const uint8_t *rec = ntfs_rec(fs, n);
    return rec && le48(rec + 32) == 0;
}

int ntfs_pmap_build(struct ntfs_fs *fs, struct ntfs_pmap *m)
{
    struct child_sort *v = NULL;
    size_t n = 0, cap = 0;
    memset(m, 0, sizeof *m);
    for (uint64_t a = 0; a < fs->nrec; a++) {
        if (!is_base(fs, a)) continue;
        struct ntfs_file f;
        int rc = ntfs_file_load(fs, a, &f);
        if (rc == KT_ENOMEM) {
            free(v);
            return rc;
        }
        if (rc) continue;
        for (size_t k = 0; k < f.nnames; k++) {
            if (ntfs_grow(&v, &cap, n, sizeof *v, 1024)) {
                ntfs_file_free(&f);
                free(v);
                return KT_ENOMEM;
            }
            v[n].c = (struct ntfs_child){f.names[k].par, a, f.names[k].par_seq, f.seq,
                                         ntfs_name_hash(f.names[k].name)};
            v[n].order = n;
            n++;
        }
        ntfs_file_free(&f);
    }
    if (n) qsort(v, n, sizeof *v, child_cmp);
    m->c = malloc((n ? n : 1) * sizeof *m->c);
    if (!m->c) {
        free(v);
        return KT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        m->c[i] = v[i].c;
    m->n = n;
    free(v);
    return 0;
}

void ntfs_pmap_free(struct ntfs_pmap *m)
{
    free(m->c);
    memset(m, 0, sizeof *m);
}

struct walker {
    struct ntfs_fs *fs;
    forensics_entry_fn fn;
    void *ctx;
    char dirs[NTFS_MAX_PATH + 8]; /* "a/b/" below the root */
    uint64_t stack[NTFS_MAX_DEPTH + 1];
    size_t depth;
    uint8_t *named;  /* deleted entries reached by a name (not through $OrphanFiles) */
    uint8_t *subdir; /* entries inside orphan directories */
    int save_named;
    struct ntfs_dir orphans;
    int orphans_done;
};

/* A name's metadata as the Sleuth Kit pairs them: none when the sequence numbers disagree. */
static int open_meta(struct walker *w, const struct ntfs_dent *d, struct ntfs_file *f)
{
    if (d->meta == 0 && !d->alloc) return 0;
    if (d->meta == w->fs->nrec) { /* the virtual $OrphanFiles */
        memset(f, 0, sizeof *f);
        f->addr = d->meta;
        f->alloc = 1;
        f->is_dir = 2;
        memcpy(f->mode, "V---------", 11);
        return 1;
    }
    if (ntfs_file_load(w->fs, d->meta, f) != 0) return 0;
    uint16_t seq = f->seq;
    if (!f->alloc && seq > 0) seq--;
    if (d->seq != seq) {
        ntfs_file_free(f);
        return 0;
    }
    return 1;
}

static const char name_type_chr[] = "-pcdbrlshwvV";

static int emit(struct walker *w, const struct ntfs_dent *d, const struct ntfs_file *f,
                const struct ntfs_attr *a)
{
    char path[NTFS_MAX_PATH + 2048], addr[64];
    const char *sep = a && a->name && a->type != NTFS_AT_FNAME &&
                              (a->type != NTFS_AT_IDXROOT || strcmp(a->name, "$I30") != 0)
                          ? ":"
                          : "";
    snprintf(path, sizeof path, "/%s%s%s%s%s", w->dirs, d->name, sep, *sep ? a->name : "",
             a && a->type == NTFS_AT_FNAME ? " ($FILE_NAME)" : "");
    if (a)
        snprintf(addr, sizeof addr, "%" PRIu64 "-%u-%u", d->meta, a->type, a->id);
    else
        snprintf(addr, sizeof addr, "%" PRIu64, d->meta);
    struct forensics_entry e;
    memset(&e, 0, sizeof e);
    e.path = path;
    e.addr = addr;
    e.meta = d->meta;
    e.state = d->alloc        ? FORENSICS_ALLOCATED
              : f && f->alloc ? FORENSICS_DELETED_REALLOC
                              : FORENSICS_DELETED;
    e.mode[0] = name_type_chr[d->type < 12 ? d->type : 0];
    e.mode[1] = '/';
    if (f) {
        memcpy(e.mode + 2, f->mode, 10);
        e.mode[2] = f->is_dir == 2 ? 'V' : f->is_dir ? 'd' : 'r';
        e.uid = f->uid;
        e.size = a ? a->size : f->size;
        e.is_dir = f->is_dir != 0;
        if (a && a->type == NTFS_AT_FNAME) {
            e.atime = f->fn_atime;
            e.mtime = f->fn_mtime;
            e.ctime = f->fn_ctime;
            e.crtime = f->fn_crtime;
        } else {
            e.atime = f->atime;
            e.mtime = f->mtime;
            e.ctime = f->ctime;
            e.crtime = f->crtime;
        }
    } else {
        memcpy(e.mode + 2, "----------", 11);
    }
    return w->fn(w->ctx, &e);
}

/* The lines fls prints for one name. */
static int print_name(struct walker *w, const struct ntfs_dent *d, const struct ntfs_file *f)
{
    if (!f) return emit(w, d, NULL, NULL);
    int printed = 0, rc = 0;
    for (size_t i = 0; rc == 0 && i < f->nattrs; i++) {
        const struct ntfs_attr *a = &f->attrs[i];
        if (a->type == NTFS_AT_DATA || a->type == NTFS_AT_IDXROOT) {
            printed = 1;
            rc = emit(w, d, f, a);
        } else if (a->type == NTFS_AT_FNAME && a->id == f->fn_id) {
            rc = emit(w, d, f, a);
        }
    }
    if (rc == 0 && !printed) rc = emit(w, d, f, NULL);
    return rc;
}

static int priority(const char *n)
{
    static const struct {
        const char *p;
        int score;
    } t[] = {{"Users", 0},    {"Documents and Settings", 0},
             {"home", 0},     {"ProgramData", 0},
             {"Windows", 2},  {"$Orphan", 2},
             {"pagefile", 3}, {"hiberfil", 3}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strncasecmp(n, t[i].p, strlen(t[i].p)) == 0) return t[i].score;
    return 1;
}

static int walk_dir(struct walker *w, uint64_t addr, int silent);
static int orphan_list(struct walker *w);

/* Deleted entries under an orphan directory: marked so that they are not listed again at the
 * top of $OrphanFiles. Stops (1) at an allocated entry or a loop, as the Sleuth Kit does. */
static int mark_subdir(struct walker *w, uint64_t addr, uint64_t *stack, size_t depth)
{
    struct ntfs_file df;
    if (depth >= NTFS_MAX_DEPTH || ntfs_file_load(w->fs, addr, &df) != 0) return 0;
    struct ntfs_dir d = {0};
    int rc = ntfs_dir_load(w->fs, &df, &d);
    ntfs_file_free(&df);
    if (rc) { /* unreadable: nothing inside to mark, as for the listing */
        ntfs_dir_free(&d);
        return rc == KT_ENOMEM ? rc : 0;
    }
    stack[depth] = addr;
    rc = 0;
    for (size_t i = 0; rc == 0 && i < d.n; i++) {
        const struct ntfs_dent *e = &d.e[i];
        struct ntfs_file f;
        if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0) continue;
        int has = open_meta(w, e, &f);
        if (has && !e->alloc) {
            if (f.alloc || w->subdir[f.addr])
                rc = 1;
            else
                w->subdir[f.addr] = 1;
        }
        if (rc == 0 && has && (e->type == NTFS_NT_DIR || e->type == NTFS_NT_UNDEF) &&
            f.is_dir == 1 && (e->alloc || !f.alloc)) {
            int loop = 0;
            for (size_t k = 0; k <= depth; k++)
                loop |= stack[k] == e->meta;
            if (!loop) rc = mark_subdir(w, e->meta, stack, depth + 1);
        }
        if (has) ntfs_file_free(&f);
    }
    ntfs_dir_free(&d);
    return rc;
}

static int orphan_list(struct walker *w)
{
    struct ntfs_fs *fs = w->fs;
    int rc = 0;
    uint64_t *stack = malloc((NTFS_MAX_DEPTH + 1) * sizeof *stack);
    if (!stack) return KT_ENOMEM;
    for (uint64_t a = 0; rc >= 0 && a < fs->nrec; a++) {
        if (w->named[a] || w->subdir[a] || !is_base(fs, a)) continue;
        struct ntfs_file f;
        if (ntfs_file_load(fs, a, &f) != 0) continue;
        if (!f.alloc && f.used) {
            char name[64];
            const char *nm = f.nnames && f.names[0].name[0] ? f.names[0].name : name;
            snprintf(name, sizeof name, "OrphanFile-%" PRIu64, a);
            rc = ntfs_dir_add(&w->orphans, nm, a, (uint16_t)(f.seq - 1), NTFS_NT_UNDEF, 0);
            if (rc == KT_ETOOBIG) {
                forensics_diag_add(fs->diag, "ntfs: more than a million orphans, the rest not "
                                             "listed");
                ntfs_file_free(&f);
                rc = 0;
                break;
            }
            if (rc == 0 && f.is_dir) rc = mark_subdir(w, a, stack, 0);
        }
        ntfs_file_free(&f);
    }
    free(stack);
    if (rc < 0) return rc;
    struct ntfs_dir *o = &w->orphans;
    for (size_t i = 0; i < o->n; i++) {
        if (!w->subdir[o->e[i].meta] || i + 1 == o->n) continue;
        free(o->e[i].name);
        o->e[i] = o->e[o->n - 1];
        o->n--;
    }
    free(o->slots); /* no more additions: the index is not needed */
    o->slots = NULL;
    o->nslots = 0;
    w->orphans_done = 1;
    return 0;
}

static int visit(struct walker *w, const struct ntfs_dent *d, int silent, int *stop)
{
    struct ntfs_file f;
    int has = open_meta(w, d, &f);
    int rc = 0, dot = strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0;
    if (!silent && !dot) rc = print_name(w, d, has ? &f : NULL);
    if (rc) {
        *stop = 1;
        goto out;
    }
    if (w->save_named && has && !f.alloc && f.addr < w->fs->nrec) w->named[f.addr] = 1;
    int is_orphan_dir = d->meta == w->fs->nrec;
    if (has && !dot && f.is_dir &&
        (d->type == NTFS_NT_DIR || d->type == NTFS_NT_UNDEF || d->type == NTFS_NT_VDIR) &&
        (d->alloc || !f.alloc)) {
        if (is_orphan_dir && silent) goto out;
        int loop = 0;
        for (size_t k = 0; k < w->depth; k++)
            loop |= w->stack[k] == d->meta;
        size_t len = strlen(w->dirs), nl = strlen(d->name);
        if (loop) goto out;
        if (w->depth >= NTFS_MAX_DEPTH || len + nl + 2 > NTFS_MAX_PATH) {
            forensics_diag_add(w->fs->diag, "ntfs: directory %" PRIu64 " too deep, not listed",
                               d->meta);
            goto out;
        }
        memcpy(w->dirs + len, d->name, nl);
        w->dirs[len + nl] = '/';
        w->dirs[len + nl + 1] = '\0';
        w->stack[w->depth++] = d->meta;
        int save = w->save_named;
        if (is_orphan_dir) w->save_named = 0;
        rc = walk_dir(w, d->meta, silent);
        w->save_named = save;
        w->depth--;
        w->dirs[len] = '\0';
        if (rc) *stop = 1;
    }
out:
    if (has) ntfs_file_free(&f);
    return rc;
}

static int walk_dir(struct walker *w, uint64_t addr, int silent)
{
    struct ntfs_fs *fs = w->fs;
    struct ntfs_dir d = {0}, *dp = &d;
    int rc = 0;
    if (addr == fs->nrec) {
        if (!w->orphans_done && (rc = orphan_list(w)) != 0) return rc;
        dp = &w->orphans;
    } else {
        struct ntfs_file f;
        if (ntfs_file_load(fs, addr, &f) != 0) {
            forensics_diag_add(fs->diag, "ntfs: directory %" PRIu64 " unreadable", addr);
            return 0;
        }
        rc = ntfs_dir_load(fs, &f, &d);
        ntfs_file_free(&f);
        if (rc == KT_ENOMEM) {
            ntfs_dir_free(&d);
            return rc;
        }
        if (rc) { /* as the Sleuth Kit: a corrupt index lists nothing of the directory */
            forensics_diag_add(fs->diag, "ntfs: directory %" PRIu64 ": corrupt index, not listed",
                               addr);
            ntfs_dir_free(&d);
            return 0;
        }
        if (addr == 5 && (rc = ntfs_dir_add(&d, "$OrphanFiles", fs->nrec, 0, NTFS_NT_VDIR, 1)))
            return rc;
    }
    size_t n = dp->n, *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) rc = KT_ENOMEM;
    if (order) {
        size_t k = 0;
        for (int s = 0; s <= 3; s++)
            for (size_t i = 0; i < n; i++)
                if (addr != 5 ? s == 0 : priority(dp->e[i].name) == s) order[k++] = i;
    }
    int stop = 0;
    for (size_t i = 0; rc == 0 && order && i < n && !stop; i++) {
        const struct ntfs_dent *e = &dp->e[order[i]];
        if (e->meta == fs->nrec && addr == 5 && w->save_named && !w->orphans_done) {
            /* The names after $OrphanFiles must count as reaching their entries too. */
            for (size_t j = i + 1; rc == 0 && j < n; j++) {
                int st = 0;
                rc = visit(w, &dp->e[order[j]], 1, &st);
            }
            if (rc == 0) rc = orphan_list(w);
            if (rc) break;
        }
        rc = visit(w, e, silent, &stop);
    }
    free(order);
    if (dp == &d) ntfs_dir_free(&d);
    return rc;
}

int ntfs_walk(struct ntfs_fs *fs, forensics_entry_fn fn, void *ctx)
{
    if (!fs->pmap) {
        struct ntfs_pmap *m = malloc(sizeof *m);
        if (!m) return KT_ENOMEM;
        int rc = ntfs_pmap_build(fs, m);
        if (rc) {
            free(m);
            return rc;
        }
        fs->pmap = m;
    }
    struct walker *w = calloc(1, sizeof *w);
    if (!w) return KT_ENOMEM;
    w->fs = fs;
    w->fn = fn;
    w->ctx = ctx;
    w->named = calloc(fs->nrec + 1, 1);
    w->subdir = calloc(fs->nrec + 1, 1);
    w->save_named = 1;
    int rc = w->named && w->subdir ? 0 : KT_ENOMEM;
    if (rc == 0) {
        rc = walk_dir(w, 5, 0);
    }
    ntfs_dir_free(&w->orphans);
    free(w->named);
    free(w->subdir);
    free(w);
    return rc;
}
