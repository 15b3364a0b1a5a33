/* The spatial index of units: a uniform 0.01° grid over the whole globe, stored sparsely.
 *
 * Only occupied cells exist. A cell is found by its code (row * COLS + col) through an
 * open-addressing map and holds its points by value, so a nearest search reads contiguous
 * memory. A second map finds a key's cell and position in it, which makes put/move/remove O(1).
 *
 * The search visits rings of cells around the query (ring r: the cells at Chebyshev distance r
 * in grid steps) and stops once the k-th best distance is below a lower bound, in metres, on the
 * distance to any cell not yet visited. When the rings would cost more than looking at every
 * occupied cell (units far away, or eligible units sparse), it scans all points instead. */
#include "base/err.h"
#include "dispatch/geo.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EARTH_R_M 6371008.8
#define RAD (3.14159265358979323846 / 180.0)
#define CELL_DEG 0.01
#define ROWS 18000 /* 180 / CELL_DEG */
#define COLS 36000 /* 360 / CELL_DEG */
/* Slack, in degrees, for a point whose cell came out one rounding step off its true position. */
#define EDGE_SLACK_DEG 1e-9

struct entry {
    double lat, lon;
    int32_t key;
    uint32_t kinds;
    int eligible;
};

struct cell {
    int64_t code; /* -1: on the free list */
    struct entry *e;
    uint32_t n, cap;
};

/* One map shape for both maps: k -1 is an empty slot. Keys map to (a = cell, b = position);
 * cell codes map to (a = cell). */
struct mapent {
    int64_t k;
    int32_t a;
    uint32_t b;
};

struct map {
    struct mapent *t;
    size_t cap; /* power of two, or 0 */
    size_t n;
};

struct geo_index {
    struct map keys;  /* key -> cell, position */
    struct map codes; /* cell code -> cell */
    struct cell *cells;
    size_t ncells, cells_cap;
    int32_t *free_cells;
    size_t nfree;
    size_t live_cells;
};

/* ---- open-addressing map (linear probing, backward-shift deletion) ---- */

static size_t map_home(const struct map *m, int64_t k)
{
    uint64_t x = (uint64_t)k;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (size_t)x & (m->cap - 1);
}

static struct mapent *map_find(const struct map *m, int64_t k)
{
    if (!m->cap) return NULL;
    for (size_t i = map_home(m, k);; i = (i + 1) & (m->cap - 1)) {
        if (m->t[i].k == k) return &m->t[i];
        if (m->t[i].k == -1) return NULL;
    }
}

/* Makes room for one more entry (load factor <= 1/2). */
static int map_reserve(struct map *m)
{
    if ((m->n + 1) * 2 <= m->cap) return 0;
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct mapent *t = malloc(cap * sizeof *t);
    if (!t) return kt_fail(KT_ENOMEM, "geo index: out of memory");
    for (size_t i = 0; i < cap; i++)
        t[i].k = -1;
    struct map nm = {t, cap, 0};
    for (size_t i = 0; i < m->cap; i++) {
        if (m->t[i].k == -1) continue;
        size_t j = map_home(&nm, m->t[i].k);
        while (t[j].k != -1)
            j = (j + 1) & (cap - 1);
        t[j] = m->t[i];
        nm.n++;
    }
    free(m->t);
    *m = nm;
    return 0;
}

/* Inserts k (absent; room reserved) and returns its entry. */
static struct mapent *map_insert(struct map *m, int64_t k)
{
    size_t i = map_home(m, k);
    while (m->t[i].k != -1)
        i = (i + 1) & (m->cap - 1);
    m->t[i].k = k;
    m->n++;
    return &m->t[i];
}

static void map_erase(struct map *m, struct mapent *at)
{
    size_t mask = m->cap - 1, i = (size_t)(at - m->t);
    for (;;) {
        size_t j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (m->t[j].k == -1) {
                m->t[i].k = -1;
                m->n--;
                return;
            }
            size_t h = map_home(m, m->t[j].k);
            /* The entry at j may stay if its home lies cyclically in (i, j]. */
            int stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
            if (!stays) break;
        }
        m->t[i] = m->t[j];
        i = j;
    }
}

/* ---- cells ---- */

static int cell_row(double lat)
{
    int r = (int)floor((lat + 90.0) / CELL_DEG);
    return r < 0 ? 0 : r >= ROWS ? ROWS - 1 : r;
}

static int cell_col(double lon)
{
    int c = (int)floor((lon + 180.0) / CELL_DEG);
    c %= COLS; /* lon 180 is lon -180 */
    return c < 0 ? c + COLS : c;
}

static int64_t cell_code(int row, int col)
{
    return (int64_t)row * COLS + col;
}

static struct cell *cell_find(const struct geo_index *ix, int64_t code)
{
    const struct mapent *m = map_find(&ix->codes, code);
    return m ? &ix->cells[m->a] : NULL;
}

/* Finds or creates the cell for code with room for one more entry; *id is its index. */
static int cell_get(struct geo_index *ix, int64_t code, int32_t *id)
{
    struct mapent *m = map_find(&ix->codes, code);
    if (!m) {
        if (!ix->nfree && ix->ncells == ix->cells_cap) {
            size_t cap = ix->cells_cap ? ix->cells_cap * 2 : 64;
            if (cap > INT32_MAX) return kt_fail(KT_ENOMEM, "geo index: too many cells");
            struct cell *c = realloc(ix->cells, cap * sizeof *c);
            if (!c) return kt_fail(KT_ENOMEM, "geo index: out of memory");
            int32_t *f = realloc(ix->free_cells, cap * sizeof *f);
            if (!f) {
                ix->cells = c;
                return kt_fail(KT_ENOMEM, "geo index: out of memory");
            }
            ix->cells = c;
            ix->free_cells = f;
            ix->cells_cap = cap;
        }
        int rc = map_reserve(&ix->codes);
        if (rc) return rc;
        int32_t c = ix->nfree ? ix->free_cells[--ix->nfree] : (int32_t)ix->ncells++;
        ix->cells[c] = (struct cell){code, NULL, 0, 0};
        m = map_insert(&ix->codes, code);
        m->a = c;
        ix->live_cells++;
    }
    struct cell *c = &ix->cells[m->a];
    *id = m->a;
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 4;
        struct entry *e = realloc(c->e, cap * sizeof *e);
        if (!e) return kt_fail(KT_ENOMEM, "geo index: out of memory");
        c->e = e;
        c->cap = cap;
    }
    return 0;
}

static void cell_release_if_empty(struct geo_index *ix, int32_t id)
{
    struct cell *c = &ix->cells[id];
    if (c->n) return;
    map_erase(&ix->codes, map_find(&ix->codes, c->code));
    free(c->e);
    *c = (struct cell){-1, NULL, 0, 0};
    ix->free_cells[ix->nfree++] = id;
    ix->live_cells--;
}

/* Takes entry pos out of cell id, moving the last entry into its place. */
static void cell_take(struct geo_index *ix, int32_t id, uint32_t pos)
{
    struct cell *c = &ix->cells[id];
    assert(pos < c->n);
    if (pos != c->n - 1) {
        c->e[pos] = c->e[c->n - 1];
        struct mapent *moved = map_find(&ix->keys, c->e[pos].key);
        assert(moved);
        moved->b = pos;
    }
    c->n--;
    cell_release_if_empty(ix, id);
}

/* ---- public: maintenance ---- */

int geo_index_create(struct geo_index **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : kt_fail(KT_ENOMEM, "geo index: out of memory");
}

void geo_index_free(struct geo_index *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < ix->ncells; i++)
        free(ix->cells[i].e);
    free(ix->cells);
    free(ix->free_cells);
    free(ix->keys.t);
    free(ix->codes.t);
    free(ix);
}

int geo_index_put(struct geo_index *ix, int32_t key, double lat, double lon, uint32_t kinds,
                  int eligible)
{
    if (key < 0) return kt_fail(KT_EINVAL, "geo index: key %d is negative", (int)key);
    if (!geo_valid(lat, lon))
        return kt_fail(KT_EINVAL, "geo index: position %g,%g is not a WGS84 lat/lon", lat, lon);
    struct entry e = {lat, lon, key, kinds, eligible ? 1 : 0};
    int64_t code = cell_code(cell_row(lat), cell_col(lon));

    struct mapent *k = map_find(&ix->keys, key);
    if (k && ix->cells[k->a].code == code) { /* same cell: update in place */
        ix->cells[k->a].e[k->b] = e;
        return 0;
    }
    if (!k) {
        int rc = map_reserve(&ix->keys);
        if (rc) return rc;
    }
    int32_t id = -1;
    int rc = cell_get(ix, code, &id);
    if (rc) {
        /* cell_get may have created the cell before failing to grow it. */
        const struct mapent *c = map_find(&ix->codes, code);
        if (c) cell_release_if_empty(ix, c->a);
        return rc;
    }
    if (k) {
        cell_take(ix, k->a, k->b);
        k = map_find(&ix->keys, key); /* cell_take does not move key entries, but be plain */
    } else {
        k = map_insert(&ix->keys, key);
    }
    struct cell *c = &ix->cells[id];
    c->e[c->n] = e;
    k->a = id;
    k->b = c->n++;
    return 0;
}

int geo_index_set_eligible(struct geo_index *ix, int32_t key, int eligible)
{
    const struct mapent *k = key < 0 ? NULL : map_find(&ix->keys, key);
    if (!k) return kt_fail(KT_ENOTFOUND, "geo index: key %d is not indexed", (int)key);
    ix->cells[k->a].e[k->b].eligible = eligible ? 1 : 0;
    return 0;
}

void geo_index_remove(struct geo_index *ix, int32_t key)
{
    struct mapent *k = key < 0 ? NULL : map_find(&ix->keys, key);
    if (!k) return;
    int32_t id = k->a;
    uint32_t pos = k->b;
    map_erase(&ix->keys, k);
    cell_take(ix, id, pos);
}

size_t geo_index_count(const struct geo_index *ix)
{
    return ix->keys.n;
}

/* ---- public: nearest search ---- */

/* The k best so far as a max-heap on (distance, key) in the caller's out[]. */
struct best {
    struct geo_hit *h;
    size_t n, k;
};

static int worse(const struct geo_hit *a, const struct geo_hit *b)
{
    return a->distance_m > b->distance_m || (a->distance_m == b->distance_m && a->key > b->key);
}

static void sift_down(struct geo_hit *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && worse(&h[l], &h[m])) m = l;
        if (l + 1 < n && worse(&h[l + 1], &h[m])) m = l + 1;
        if (m == i) return;
        struct geo_hit t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void best_offer(struct best *b, int32_t key, double d)
{
    struct geo_hit x = {key, d};
    if (b->n < b->k) {
        size_t i = b->n++;
        while (i > 0 && worse(&x, &b->h[(i - 1) / 2])) {
            b->h[i] = b->h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        b->h[i] = x;
    } else if (worse(&b->h[0], &x)) {
        b->h[0] = x;
        sift_down(b->h, b->n, 0);
    }
}

struct query {
    double lat, lon, limit;
    uint32_t mask;
    double lon_frame; /* lon in the frame of the query's column, for ring_bound */
};

static void scan_cell(const struct cell *c, const struct query *q, struct best *b)
{
    for (uint32_t i = 0; i < c->n; i++) {
        const struct entry *e = &c->e[i];
        if (!e->eligible || (q->mask && !(e->kinds & q->mask))) continue;
        double d = geo_distance_m(q->lat, q->lon, e->lat, e->lon);
        if (d <= q->limit) best_offer(b, e->key, d);
    }
}

static void visit(const struct geo_index *ix, int row, int col, const struct query *q,
                  struct best *b)
{
    if (row < 0 || row >= ROWS) return;
    col %= COLS;
    if (col < 0) col += COLS;
    const struct cell *c = cell_find(ix, cell_code(row, col));
    if (c) scan_cell(c, q, b);
}

/* A lower bound in metres on the distance from the query to any point outside rings 0..r-1,
 * i.e. outside rows row0-r+1..row0+r-1 or columns col0-r+1..col0+r-1. Such a point is either
 * beyond a latitude edge (great-circle distance >= the latitude difference) or beyond a
 * longitude edge, whose distance is at least the cross-track distance to that meridian:
 * asin(cos(lat) * sin(dlon)) for dlon <= 90°, and never less than at 90° beyond. */
static double ring_bound(const struct query *q, int row0, int col0, int r)
{
    double dlat = INFINITY, dlon = INFINITY;
    if (row0 - r + 1 > 0) dlat = q->lat - ((row0 - r + 1) * CELL_DEG - 90.0);
    if (row0 + r < ROWS) dlat = fmin(dlat, ((row0 + r) * CELL_DEG - 90.0) - q->lat);
    if (2 * r - 1 < COLS)
        dlon = fmin(q->lon_frame - ((col0 - r + 1) * CELL_DEG - 180.0),
                    ((col0 + r) * CELL_DEG - 180.0) - q->lon_frame);
    double lb = INFINITY;
    if (isfinite(dlat)) lb = fmax(dlat - EDGE_SLACK_DEG, 0.0) * RAD * EARTH_R_M;
    if (isfinite(dlon)) {
        dlon = fmin(fmax(dlon - EDGE_SLACK_DEG, 0.0), 90.0);
        double s = cos(q->lat * RAD) * sin(dlon * RAD);
        lb = fmin(lb, asin(fmin(fmax(s, 0.0), 1.0)) * EARTH_R_M);
    }
    /* Leave room for rounding in geo_distance_m. */
    return lb * (1.0 - 1e-9);
}

static void scan_all(const struct geo_index *ix, const struct query *q, struct best *b)
{
    for (size_t i = 0; i < ix->ncells; i++)
        scan_cell(&ix->cells[i], q, b); /* free cells have n == 0 */
}

size_t geo_index_nearest(const struct geo_index *ix, double lat, double lon, uint32_t kind_mask,
                         double max_m, size_t k, struct geo_hit *out)
{
    if (!k || !ix->keys.n || !geo_valid(lat, lon)) return 0;
    struct query q = {lat, lon, max_m > 0 ? max_m : INFINITY, kind_mask, lon};
    struct best b = {out, 0, k};
    int row0 = cell_row(lat), col0 = cell_col(lon);
    /* The ring bounds measure from the query's column: lon 180 (or a hair below, rounded up)
     * sits in column 0, whose edges are near -180. */
    double centre = col0 * CELL_DEG + CELL_DEG / 2 - 180.0;
    if (q.lon_frame - centre > 180.0) q.lon_frame -= 360.0;
    size_t spent = 1;

    visit(ix, row0, col0, &q, &b);
    for (int r = 1;; r++) {
        double lb = ring_bound(&q, row0, col0, r);
        if (lb > q.limit || (b.n == k && b.h[0].distance_m < lb)) break;
        size_t cost = 8 * (size_t)r;
        /* Rings that cost more than every occupied cell, or that would wrap onto themselves. */
        if (spent + cost > ix->live_cells || 2 * r + 1 >= COLS || r >= ROWS) {
            b.n = 0;
            scan_all(ix, &q, &b);
            break;
        }
        spent += cost;
        for (int dr = -r; dr <= r; dr++) {
            if (dr == -r || dr == r) {
                for (int dc = -r; dc <= r; dc++)
                    visit(ix, row0 + dr, col0 + dc, &q, &b);
            } else {
                visit(ix, row0 + dr, col0 - r, &q, &b);
                visit(ix, row0 + dr, col0 + r, &q, &b);
            }
        }
    }
    /* Heap sort in place: nearest first, ties by key. */
    for (size_t n = b.n; n > 1; n--) {
        struct geo_hit t = out[0];
        out[0] = out[n - 1];
        out[n - 1] = t;
        sift_down(out, n - 1, 0);
    }
    return b.n;
}
