/* The fls-compatible walk of an ext2/3/4 volume: names from the root down in the order
 * `fls -r -m /` prints them, and the virtual $OrphanFiles directory holding the unallocated
 * inodes no name reaches, built as the Sleuth Kit builds it (tsk_fs_dir_find_orphans) so that
 * even its quirks come out the same. Loops end: a directory already on the current path is not
 * entered again, depth stops at 128 and the path at 4096 bytes (TSK's limits), and the number
 * of directories read in one walk is bounded. */
#include "forensics/ext_dir.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ROOT_INO 2
#define DEPTH_MAX 128
#define DIR_STRSZ 4096
#define DIR_LOADS_MAX 5000000

/* A set of inode numbers (open addressing; UINT32_MAX marks a free slot). */
struct u32set {
    uint32_t *v;
    size_t n, cap;
};

static int set_has(const struct u32set *s, uint32_t x)
{
    if (!s->cap) return 0;
    for (size_t h = (x * 0x9E3779B1u) & (s->cap - 1); s->v[h] != UINT32_MAX;
         h = (h + 1) & (s->cap - 1))
        if (s->v[h] == x) return 1;
    return 0;
}

static int set_add(struct u32set *s, uint32_t x)
{
    if (set_has(s, x)) return 0;
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint32_t *v = malloc(cap * sizeof *v);
        if (!v) return KT_ENOMEM;
        memset(v, 0xff, cap * sizeof *v);
        for (size_t i = 0; i < s->cap; i++) {
            if (s->v[i] == UINT32_MAX) continue;
            size_t h = (s->v[i] * 0x9E3779B1u) & (cap - 1);
            while (v[h] != UINT32_MAX)
                h = (h + 1) & (cap - 1);
            v[h] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t h = (x * 0x9E3779B1u) & (s->cap - 1);
    while (s->v[h] != UINT32_MAX)
        h = (h + 1) & (s->cap - 1);
    s->v[h] = x;
    s->n++;
    return 0;
}

/* What one walk learns once: the unallocated inodes some name reaches, and the orphans. */
struct shared {
    struct u32set named;
    int named_done;
    int orphans_state; /* 0 not built, 1 built, -1 failed */
    struct ext_dlist orphans;
    size_t loads;
    int budget_told;
};

struct walk {
    struct ext_fs *fs;
    struct shared *sh;
    forensics_entry_fn fn; /* NULL: only collect names */
    void *ctx;
    int cb_rc;
    uint32_t orphan_ino;
    int save_named, noorphan;
    unsigned depth;
    uint32_t stack[DEPTH_MAX + 1];
    char dirs[DIR_STRSZ + 1]; /* the current directory's path, sanitised, "a/b/" */
    size_t dirs_len;
    char *path;
    struct u32set *seen; /* orphan marking: inodes already reached under an orphan */
};

/* Metadata for one name, as TSK loads it for the walk. */
struct meta {
    int present;
    struct ext_inode in;
};

static int is_dot(const char *s)
{
    return s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2]));
}

static int load_meta(struct walk *w, const struct ext_dname *d, struct meta *m)
{
    memset(m, 0, sizeof *m);
    if (d->ino == 0 && d->unalloc) return 0;
    if (d->ino == w->orphan_ino) { /* TSK's virtual directory */
        m->in.type = EXT_T_VIRT_DIR;
        m->in.ino = d->ino;
        m->in.alloc = EXT_ALLOC_YES;
        m->present = 1;
        return 0;
    }
    if (ext_inode_load(w->fs, d->ino, &m->in) != 0) return -1;
    m->present = 1;
    return 0;
}

/* TSK lists the root with user content first: Users, home … then the rest, then Windows and
 * $OrphanFiles, then pagefile and hiberfil. order[] gets the indices. */
static int root_order(const struct ext_dlist *l, size_t *order)
{
    static const struct {
        const char *prefix;
        int score;
    } rules[] = {{"Users", 0},    {"Documents and Settings", 0},
                 {"home", 0},     {"ProgramData", 0},
                 {"Windows", 2},  {"$Orphan", 2},
                 {"pagefile", 3}, {"hiberfil", 3}};
    size_t k = 0;
    for (int score = 0; score <= 3; score++) {
        for (size_t i = 0; i < l->n; i++) {
            const char *name = ext_dname(l, &l->v[i]);
            int s = 1;
            for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++)
                if (!strncasecmp(name, rules[r].prefix, strlen(rules[r].prefix))) {
                    s = rules[r].score;
                    break;
                }
            if (s == score) order[k++] = i;
        }
    }
    return 0;
}

static int build_orphans(struct walk *w);

/* The names in directory dir, $OrphanFiles added to the root. */
static int load_names(struct walk *w, uint32_t dir, struct ext_dlist *l)
{
    if (dir < 1 || dir > w->orphan_ino) return KT_EINVAL;
    if (++w->sh->loads > DIR_LOADS_MAX) {
        if (!w->sh->budget_told++)
            forensics_diag_add(w->fs->diag, "ext: more than %d directories read, walk cut short",
                               DIR_LOADS_MAX);
        return KT_ETOOBIG;
    }
    if (dir == w->orphan_ino) {
        int rc = build_orphans(w);
        if (rc) return rc;
        const struct ext_dlist *o = &w->sh->orphans;
        for (size_t i = 0; i < o->n && rc == 0; i++)
            rc = ext_dlist_add(l, ext_dname(o, &o->v[i]), o->v[i].name_len, o->v[i].ino,
                               o->v[i].type, o->v[i].unalloc);
        return rc;
    }
    int rc = ext_dir_load(w->fs, dir, l);
    if (rc == 0 && dir == ROOT_INO)
        rc = ext_dlist_add(l, "$OrphanFiles", 12, w->orphan_ino, EXT_N_VIRT_DIR, 0);
    return rc;
}

static void append_sanitized(char *out, size_t *len, size_t cap, const char *s)
{
    for (; *s && *len + 1 < cap; s++)
        out[(*len)++] = (unsigned char)*s < 0x20 ? '^' : *s;
    out[*len] = 0;
}

static int emit(struct walk *w, const struct ext_dname *d, const char *name, const struct meta *m)
{
    static const char ntypes[] = "-pcdbrlshwvV";
    struct forensics_entry e;
    memset(&e, 0, sizeof e);
    size_t cap = DIR_STRSZ * 2 + 512, len = 1;
    w->path[0] = '/';
    memcpy(w->path + 1, w->dirs, w->dirs_len + 1);
    len += w->dirs_len;
    append_sanitized(w->path, &len, cap, name);
    if (m->present && m->in.type == EXT_T_LNK && m->in.link) {
        append_sanitized(w->path, &len, cap, " -> ");
        append_sanitized(w->path, &len, cap, m->in.link);
    }
    char addr[16];
    snprintf(addr, sizeof addr, "%u", d->ino);
    e.path = w->path;
    e.addr = addr;
    e.meta = d->ino;
    e.state = !d->unalloc                                  ? FORENSICS_ALLOCATED
              : m->present && m->in.alloc == EXT_ALLOC_YES ? FORENSICS_DELETED_REALLOC
                                                           : FORENSICS_DELETED;
    e.mode[0] = d->type < 12 ? ntypes[d->type] : '-';
    e.mode[1] = '/';
    if (m->present) {
        const struct ext_inode *in = &m->in;
        ext_mode_string(in, e.mode + 2);
        e.uid = in->uid;
        e.gid = in->gid;
        e.size = in->size;
        e.atime = (struct forensics_time){in->atime, in->atime_ns};
        e.mtime = (struct forensics_time){in->mtime, in->mtime_ns};
        e.ctime = (struct forensics_time){in->ctime, in->ctime_ns};
        e.crtime = (struct forensics_time){in->crtime, in->crtime_ns};
        e.is_dir = in->type == EXT_T_DIR || in->type == EXT_T_VIRT_DIR;
    } else {
        memcpy(e.mode + 2, "----------", 11);
    }
    return w->fn(w->ctx, &e);
}

/* Whether the walk goes into the directory behind d (TSK's rule). */
static int enters(const struct walk *w, const struct ext_dname *d, const char *name,
                  const struct meta *m)
{
    if (d->type != EXT_N_DIR && d->type != EXT_N_VIRT_DIR && d->type != EXT_N_UNDEF) return 0;
    if (!m->present || (m->in.type != EXT_T_DIR && m->in.type != EXT_T_VIRT_DIR)) return 0;
    if (d->unalloc && m->in.alloc != EXT_ALLOC_NO) return 0;
    if (is_dot(name)) return 0;
    if (d->ino == w->orphan_ino && w->noorphan) return 0;
    for (unsigned i = 0; i < w->depth; i++)
        if (w->stack[i] == d->ino) return 0;
    return 1;
}

/* Marks what an orphan directory reaches (TSK's load_orphan_dir_walk_cb): 1 stops the whole
 * marking walk, as TSK does on an allocated inode or one already marked. */
static int mark(struct walk *w, const struct ext_dname *d, const char *name, const struct meta *m,
                int failed)
{
    if (!d->unalloc || is_dot(name)) return 0;
    if (!m->present && !failed) return 0;
    uint32_t addr = failed ? 0 : d->ino; /* a metadata TSK cannot load reads as inode 0 */
    if (!failed && m->in.alloc == EXT_ALLOC_YES) return 1;
    if (set_has(w->seen, addr)) return 1;
    return set_add(w->seen, addr) ? -1 : 0;
}

/* 0 go on, 1 stop everything, -1 this directory failed (its parent carries on). */
static int walk_dir(struct walk *w, uint32_t dir)
{
    struct ext_dlist l;
    memset(&l, 0, sizeof l);
    if (load_names(w, dir, &l) != 0) {
        ext_dlist_free(&l);
        return -1;
    }
    size_t *order = NULL;
    if (dir == ROOT_INO && l.n) {
        order = malloc(l.n * sizeof *order);
        if (!order) {
            ext_dlist_free(&l);
            return -1;
        }
        root_order(&l, order);
    }
    int ret = 0;
    for (size_t i = 0; i < l.n && ret == 0; i++) {
        const struct ext_dname *d = &l.v[order ? order[i] : i];
        const char *name = ext_dname(&l, d);
        struct meta m;
        int failed = load_meta(w, d, &m) != 0;
        if (w->seen) {
            int r = mark(w, d, name, &m, failed);
            if (r) {
                ret = r;
                ext_inode_clear(&m.in);
                break;
            }
        } else if (w->fn && !is_dot(name)) {
            int r = emit(w, d, name, &m);
            if (r) {
                w->cb_rc = r;
                ret = 1;
            }
        }
        if (ret == 0 && w->save_named && m.present && m.in.alloc == EXT_ALLOC_NO &&
            set_add(&w->sh->named, d->ino))
            ret = 1;
        if (d->ino == w->orphan_ino && i + 1 == l.n && w->save_named) {
            w->sh->named_done = 1;
            w->save_named = 0;
        }
        if (ret == 0 && enters(w, d, name, &m)) {
            if (w->depth >= DEPTH_MAX || w->dirs_len + d->name_len >= DIR_STRSZ) {
                ext_inode_clear(&m.in);
                ret = -1;
                break;
            }
            size_t keep = w->dirs_len;
            append_sanitized(w->dirs, &w->dirs_len, sizeof w->dirs, name);
            append_sanitized(w->dirs, &w->dirs_len, sizeof w->dirs, "/");
            w->stack[w->depth++] = d->ino;
            int save_bak = w->save_named;
            if (d->ino == w->orphan_ino) w->save_named = 0;
            int r = walk_dir(w, d->ino);
            w->save_named = save_bak;
            w->depth--;
            w->dirs_len = keep;
            w->dirs[keep] = 0;
            if (r == 1) ret = 1;
        }
        ext_inode_clear(&m.in);
    }
    free(order);
    ext_dlist_free(&l);
    return ret;
}

/* Every name some walk from the root reaches (TSK's tsk_fs_dir_load_inum_named). */
static int collect_named(struct walk *outer)
{
    struct walk c = {.fs = outer->fs,
                     .sh = outer->sh,
                     .orphan_ino = outer->orphan_ino,
                     .save_named = 1,
                     .noorphan = 1,
                     .path = outer->path};
    int r = walk_dir(&c, ROOT_INO);
    outer->sh->named_done = 1;
    return r == 1 ? KT_ENOMEM : 0;
}

/* Marks the contents of orphan directory dir as reached. -1 if dir itself cannot be read. */
static int mark_orphan_dir(struct walk *outer, uint32_t dir, struct u32set *seen)
{
    struct walk m = {.fs = outer->fs,
                     .sh = outer->sh,
                     .orphan_ino = outer->orphan_ino,
                     .noorphan = 1,
                     .path = outer->path,
                     .seen = seen};
    return walk_dir(&m, dir) == -1 ? -1 : 0;
}

static int orphans_scan(struct walk *w, struct u32set *seen)
{
    struct ext_fs *fs = w->fs;
    struct ext_dlist *o = &w->sh->orphans;
    for (uint32_t ino = 1; ino <= fs->inodes_scan; ino++) {
        if ((ino - 1) % fs->inodes_per_group >= fs->block_size * 8) {
            forensics_diag_add(fs->diag, "ext: more inodes per group than the bitmap holds");
            return KT_EINVAL;
        }
        int alloc = ext_inode_alloc(fs, ino);
        if (alloc == EXT_ALLOC_UNKNOWN) { /* the group's bitmap is unreadable: skip the group */
            uint32_t next = ((ino - 1) / fs->inodes_per_group + 1) * fs->inodes_per_group;
            ino = next > ino ? next : fs->inodes_scan;
            continue;
        }
        if (alloc == EXT_ALLOC_YES || set_has(&w->sh->named, ino) || set_has(seen, ino)) continue;
        struct ext_inode in;
        if (ext_inode_load(fs, ino, &in) != 0) continue;
        int type = in.type;
        uint32_t ctime = in.ctime;
        ext_inode_clear(&in);
        if (!ctime) continue;
        char name[32];
        int n = snprintf(name, sizeof name, "OrphanFile-%u", ino);
        int rc = ext_dlist_add(o, name, (size_t)n, ino, EXT_N_UNDEF, 1);
        if (rc) return rc;
        if (type == EXT_T_DIR && mark_orphan_dir(w, ino, seen) != 0) {
            forensics_diag_add(
                fs->diag, "ext: orphan directory %u unreadable; like fls, no orphans listed", ino);
            return KT_EIO;
        }
    }
    /* TSK's clean-up: drop what a listed orphan directory reaches, moving the last name into
     * the gap (and not looking at the moved name again) */
    for (size_t i = 0; i < o->n; i++) {
        if (!set_has(seen, o->v[i].ino)) continue;
        if (o->n == i + 1) continue;
        o->v[i] = o->v[o->n - 1];
        o->n--;
    }
    return 0;
}

static int build_orphans(struct walk *w)
{
    struct shared *sh = w->sh;
    if (sh->orphans_state) return sh->orphans_state == 1 ? 0 : KT_EIO;
    sh->orphans_state = -1;
    if (!sh->named_done && collect_named(w)) return KT_ENOMEM;
    struct u32set seen = {0};
    int rc = orphans_scan(w, &seen);
    free(seen.v);
    if (rc) {
        sh->orphans.n = 0;
        return rc;
    }
    sh->orphans_state = 1;
    return 0;
}

int ext_walk(struct ext_fs *fs, forensics_entry_fn fn, void *ctx)
{
    struct shared sh;
    memset(&sh, 0, sizeof sh);
    struct walk *w = calloc(1, sizeof *w);
    char *path = malloc(DIR_STRSZ * 2 + 512);
    if (!w || !path) {
        free(w);
        free(path);
        return KT_ENOMEM;
    }
    *w = (struct walk){.fs = fs,
                       .sh = &sh,
                       .fn = fn,
                       .ctx = ctx,
                       .save_named = 1,
                       .orphan_ino = fs->inodes_count + 1,
                       .path = path};
    /* each directory block of the volume read a few times over at most (loops, hard links) */
    uint64_t blocks = forensics_image_size(fs->img) / fs->block_size;
    fs->dir_budget = 8 * (blocks < fs->block_count ? blocks : fs->block_count) + 65536;
    int r = walk_dir(w, ROOT_INO);
    int rc = w->cb_rc;
    if (r == -1 && !rc && sh.loads == 1)
        rc = kt_fail(KT_EIO, "ext: the root directory cannot be read");
    free(sh.named.v);
    ext_dlist_free(&sh.orphans);
    free(path);
    free(w);
    return rc;
}
