/* FAT and exFAT: the recursive walk in fls's order, and the hunt for orphan files.
 *
 * The walk follows the Sleuth Kit's dir_walk: the root's names are put in its priority order
 * (user folders first, Windows and $OrphanFiles late, pagefile and hiberfil last), a name is
 * followed into a directory when the name is allocated or both name and entry are deleted,
 * and an address already on the way down is not entered again, so loops end.
 *
 * Orphans are entries no name reaches: TSK scans every unallocated cluster, and every cluster of
 * an allocated directory, for things that look like directory entries, and lists those that are
 * deleted and not reached by a name under $OrphanFiles; an orphan directory's contents are then
 * taken out of the top level. */
#include "forensics/fat_int.h"

#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- the generic walk --------------------------------------------------------------------- */

enum { WALK_GO = 0, WALK_STOP = 1 };

struct walker;
/* Called for each name of a directory; m is NULL when the name has no usable entry. */
typedef int (*walk_fn)(struct walker *w, const struct fat_name *nm, const struct fat_meta *m);

struct walker {
    struct fatfs *fs;
    walk_fn fn;
    int no_orphan;
    char path[FAT_PATH_MAX]; /* "/a/b/" of the directory being listed */
    size_t pathlen;
    uint64_t stack[FAT_DEPTH_MAX + 1];
    int depth;
    /* print */
    forensics_entry_fn out;
    void *ctx;
    int out_rc;
    /* collect */
    struct fat_aset *named;
    uint8_t *dirbits;
    /* orphan directory marking */
    struct fat_aset *subdirs;
};

static int is_dot(const char *s)
{
    return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

static int prio(const char *n)
{
    if (!strncasecmp(n, "Users", 5) || !strncasecmp(n, "Documents and Settings", 22) ||
        !strncasecmp(n, "home", 4) || !strncasecmp(n, "ProgramData", 11))
        return 0;
    if (!strncasecmp(n, "Windows", 7) || !strncasecmp(n, "$Orphan", 7)) return 2;
    if (!strncasecmp(n, "pagefile", 8) || !strncasecmp(n, "hiberfil", 8)) return 3;
    return 1;
}

static int walk_dir(struct walker *w, uint64_t dir);

static int walk_names(struct walker *w, uint64_t dir, const struct fat_names *ns)
{
    struct fatfs *fs = w->fs;
    size_t *order = NULL;
    if (dir == FAT_ROOT_INUM && ns->n) {
        order = malloc(ns->n * sizeof *order);
        if (!order) return KT_ENOMEM;
        size_t k = 0;
        for (int p = 0; p <= 3; p++)
            for (size_t i = 0; i < ns->n; i++)
                if (prio(ns->v[i].name) == p) order[k++] = i;
    }
    int rc = WALK_GO;
    for (size_t i = 0; i < ns->n && rc == WALK_GO; i++) {
        const struct fat_name *nm = &ns->v[order ? order[i] : i];
        struct fat_meta m;
        int have = (nm->meta_addr || nm->alloc) && fat_meta_get(fs, nm->meta_addr, &m) == 0;
        rc = w->fn(w, nm, have ? &m : NULL);
        if (rc != WALK_GO) break;
        int dir_name = nm->type == FNT_DIR || nm->type == FNT_VIRT_DIR || nm->type == FNT_UNDEF;
        int dir_meta = have && (m.type == FMT_DIR || m.type == FMT_VIRT_DIR);
        if (!dir_name || !dir_meta || !(nm->alloc || !m.alloc) || is_dot(nm->name)) continue;
        if (nm->meta_addr == fs->orphan_inum && w->no_orphan) continue;
        int seen = 0;
        for (int d = 0; d < w->depth; d++)
            seen |= w->stack[d] == nm->meta_addr;
        if (seen) {
            forensics_diag_add(fs->diag, "%s: directory loop: %s%s refers back to entry %llu",
                               fat_op_type(fs), w->path, nm->name,
                               (unsigned long long)nm->meta_addr);
            continue;
        }
        size_t nl = strlen(nm->name);
        if (w->depth >= FAT_DEPTH_MAX || w->pathlen + nl + 2 >= sizeof w->path) {
            forensics_diag_add(fs->diag, "%s: %s%s: directories nested too deep, not followed",
                               fat_op_type(fs), w->path, nm->name);
            continue;
        }
        size_t save = w->pathlen;
        memcpy(w->path + w->pathlen, nm->name, nl);
        w->pathlen += nl;
        w->path[w->pathlen++] = '/';
        w->path[w->pathlen] = '\0';
        w->stack[w->depth++] = nm->meta_addr;
        rc = walk_dir(w, nm->meta_addr);
        w->depth--;
        w->pathlen = save;
        w->path[save] = '\0';
    }
    free(order);
    return rc;
}

static int walk_dir(struct walker *w, uint64_t dir)
{
    if (dir == w->fs->orphan_inum) {
        const struct fat_names *orph;
        if (fat_orphans(w->fs, &orph)) return WALK_GO;
        return walk_names(w, dir, orph);
    }
    struct fat_names ns;
    if (fat_dir_open(w->fs, dir, &ns)) {
        fat_names_free(&ns);
        return WALK_GO;
    }
    int rc = walk_names(w, dir, &ns);
    fat_names_free(&ns);
    return rc;
}

static int walk_from(struct walker *w, uint64_t dir)
{
    w->path[0] = '/';
    w->path[1] = '\0';
    w->pathlen = 1;
    w->depth = 0;
    return walk_dir(w, dir);
}

/* --- printing --------------------------------------------------------------------------- */

static const char name_type_ch[] = {'-', 'r', 'd', 'v', 'V'};
static const char meta_type_ch[] = {'-', 'r', 'd', 'v', 'V'};

static void sanitize(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20) *s = '^';
}

static int print_fn(struct walker *w, const struct fat_name *nm, const struct fat_meta *m)
{
    if (is_dot(nm->name)) return WALK_GO;
    char path[FAT_PATH_MAX + FAT_NAME_MAX];
    snprintf(path, sizeof path, "%s%s", w->path, nm->name);
    sanitize(path);
    char addr[24];
    snprintf(addr, sizeof addr, "%llu", (unsigned long long)nm->meta_addr);
    struct forensics_entry e = {.path = path, .addr = addr, .meta = nm->meta_addr};
    e.state = nm->alloc       ? FORENSICS_ALLOCATED
              : m && m->alloc ? FORENSICS_DELETED_REALLOC
                              : FORENSICS_DELETED;
    e.mode[0] = name_type_ch[nm->type];
    e.mode[1] = '/';
    memcpy(e.mode + 2, "----------", 11);
    if (m) {
        e.mode[2] = meta_type_ch[m->type];
        const char *rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++)
            if (m->mode & (0400u >> i)) e.mode[3 + i] = rwx[i];
        e.size = m->size;
        e.atime = m->atime;
        e.mtime = m->mtime;
        e.ctime = m->ctime;
        e.crtime = m->crtime;
        e.is_dir = m->type == FMT_DIR;
    }
    int rc = w->out(w->ctx, &e);
    if (rc) {
        w->out_rc = rc;
        return WALK_STOP;
    }
    return WALK_GO;
}

int fat_op_walk(void *h, forensics_entry_fn fn, void *ctx)
{
    struct walker w = {.fs = h, .fn = print_fn, .out = fn, .ctx = ctx};
    walk_from(&w, FAT_ROOT_INUM);
    return w.out_rc;
}

/* --- orphans ---------------------------------------------------------------------------- */

static void mark_runs(struct walker *w, const struct fat_meta *m)
{
    struct fat_runs r;
    if (fat_runs_get(w->fs, m, &r)) return;
    for (size_t i = 0; i < r.n; i++)
        for (uint64_t s = r.v[i].sect; s < r.v[i].sect + r.v[i].len; s++)
            if (s <= w->fs->last_block_act) w->dirbits[s / 8] |= (uint8_t)(1u << (s % 8));
    fat_runs_free(&r);
}

/* Unallocated entries reached by a name, and the sectors of allocated directories. */
static int collect_fn(struct walker *w, const struct fat_name *nm, const struct fat_meta *m)
{
    if (!m) return WALK_GO;
    if (!m->alloc && fat_aset_add(w->named, m->addr)) return WALK_STOP;
    if (nm->alloc && (m->type == FMT_DIR || m->type == FMT_VIRT_DIR)) mark_runs(w, m);
    return WALK_GO;
}

/* Inside an orphan directory: what it holds is reachable through it. */
static int subdir_fn(struct walker *w, const struct fat_name *nm, const struct fat_meta *m)
{
    if (nm->alloc || is_dot(nm->name) || !m) return WALK_GO;
    if (m->alloc) return WALK_STOP;
    if (fat_aset_has(w->subdirs, m->addr)) return WALK_STOP;
    return fat_aset_add(w->subdirs, m->addr) ? WALK_STOP : WALK_GO;
}

struct hunt {
    struct fatfs *fs;
    struct fat_aset named, subdirs;
    struct fat_names *out;
};

static int orphan_found(struct hunt *h, const struct fat_meta *m)
{
    if (fat_aset_has(&h->named, m->addr) || fat_aset_has(&h->subdirs, m->addr)) return 0;
    char name[FAT_NAME_MAX];
    if (m->name2[0])
        snprintf(name, sizeof name, "%s", m->name2);
    else
        snprintf(name, sizeof name, "OrphanFile-%llu", (unsigned long long)m->addr);
    if (fat_names_add(h->out, name, m->addr, FNT_UNDEF, 0)) return -1;
    if (m->type == FMT_DIR) {
        struct walker w = {.fs = h->fs, .fn = subdir_fn, .no_orphan = 1, .subdirs = &h->subdirs};
        walk_from(&w, m->addr);
    }
    return 0;
}

/* Sequential reads through a 1 MiB window: the scan visits every free cluster, one at a time. */
struct window {
    uint8_t *buf;
    uint64_t start, len; /* volume sectors held */
};

#define WINDOW_BYTES (1u << 20)

static const uint8_t *window_get(struct fatfs *fs, struct window *w, uint64_t sect, uint64_t n,
                                 uint64_t lsect)
{
    if (sect >= w->start && sect + n <= w->start + w->len)
        return w->buf + (sect - w->start) * fs->ssize;
    uint64_t want = WINDOW_BYTES / fs->ssize;
    if (want < n) want = n;
    if (want > lsect - sect + 1) want = lsect - sect + 1;
    if (want < n) return NULL;
    w->start = sect;
    w->len = 0;
    if (fat_read(fs, sect * fs->ssize, w->buf, want * fs->ssize)) {
        if (fat_read(fs, sect * fs->ssize, w->buf, n * fs->ssize)) return NULL;
        want = n;
    }
    w->len = want;
    return w->buf;
}

/* TSK's inode walk over unallocated entries (flags UNALLOC|USED). */
static int scan(struct hunt *h, const uint8_t *dirbits)
{
    struct fatfs *fs = h->fs;
    uint64_t end_inum = fs->last_inum - (fs->numfat + 2);
    uint64_t ssect = fs->firstdatasect, lsect = fat_inode_to_sect(fs, end_inum);
    if (ssect > fs->last_block || lsect > fs->last_block) return -1;
    size_t wbytes =
        WINDOW_BYTES > (size_t)fs->csize * fs->ssize ? WINDOW_BYTES : (size_t)fs->csize * fs->ssize;
    struct window win = {.buf = malloc(wbytes)};
    if (!win.buf) return -1;
#define BIT(s) ((s) <= fs->last_block_act && (dirbits[(s) / 8] & (1u << ((s) % 8))))
    uint64_t sect = ssect;
    int done = 0;
    while (sect <= lsect && !done) {
        int alloc;
        uint64_t nsec;
        if (sect < fs->firstclustsect) {
            alloc = 1;
            nsec = 1;
        } else {
            sect = fat_clust_to_sect(fs, fat_sect_to_clust(fs, sect));
            alloc = fat_sect_alloc(fs, sect);
            if (alloc == -1) break;
            if (alloc == 1 && !BIT(sect)) {
                sect += fs->csize;
                continue;
            }
            nsec = lsect - sect + 1 < fs->csize ? lsect - sect + 1 : fs->csize;
        }
        const uint8_t *buf = window_get(fs, &win, sect, nsec, lsect);
        if (!buf) {
            forensics_diag_add(fs->diag, "%s: orphan search: sector %llu is beyond the image",
                               fat_op_type(fs), (unsigned long long)sect);
            break;
        }
        int basic = BIT(sect) && alloc == 1;
        for (uint64_t si = 0; si < nsec && !done; si++, sect++) {
            const uint8_t *dep = buf + si * fs->ssize;
            if (!BIT(sect) && !fs->fam->is_dentry(fs, dep, alloc, basic)) continue;
            uint64_t inum = fat_sect_to_inode(fs, sect);
            for (uint64_t di = 0; di < fs->dentry_cnt_se; di++, inum++, dep += 32) {
                if (inum > end_inum) {
                    done = 1;
                    break;
                }
                if (!fs->fam->is_dentry(fs, dep, alloc, basic) ||
                    fs->fam->skip_dentry(fs, inum, dep, alloc))
                    continue;
                struct fat_meta m;
                if (fs->fam->dinode_copy(fs, inum, dep, alloc, &m)) continue;
                if (orphan_found(h, &m)) {
                    free(win.buf);
                    return -1;
                }
            }
        }
    }
#undef BIT
    free(win.buf);
    return 0;
}

int fat_orphans(struct fatfs *fs, const struct fat_names **out)
{
    *out = &fs->orphans;
    if (fs->orphans_done) return 0;
    fs->orphans_done = 1;
    struct hunt h = {.fs = fs, .out = &fs->orphans};
    /* Sectors past the end of the image cannot be scanned: the bitmap stops there. */
    size_t nbits = (size_t)((fs->last_block_act + 1 + 7) / 8);
    if (nbits == 0 || nbits > (128u << 20)) {
        forensics_diag_add(fs->diag, "%s: volume too large for the orphan search", fat_op_type(fs));
        return -1;
    }
    uint8_t *dirbits = calloc(nbits, 1);
    if (!dirbits) return -1;
    struct walker w = {
        .fs = fs, .fn = collect_fn, .no_orphan = 1, .named = &h.named, .dirbits = dirbits};
    struct fat_meta root;
    if (fat_meta_get(fs, FAT_ROOT_INUM, &root) == 0) mark_runs(&w, &root);
    walk_from(&w, FAT_ROOT_INUM);
    int rc = scan(&h, dirbits);
    free(dirbits);
    /* TSK's clean-up: names also reachable inside an orphan directory leave the top level (the
     * last name takes the place of the one removed, as TSK does it). */
    struct fat_names *o = &fs->orphans;
    for (size_t i = 0; i < o->n; i++) {
        if (!fat_aset_has(&h.subdirs, o->v[i].meta_addr)) continue;
        if (o->n == i + 1) continue;
        free(o->v[i].name);
        o->v[i] = o->v[o->n - 1];
        o->n--;
    }
    fat_aset_free(&h.named);
    fat_aset_free(&h.subdirs);
    return rc;
}
