/* The 1:N index: locality-sensitive hashing of minutia cylinders (after Cappelli, Ferrara &
 * Maltoni 2011, "Fingerprint indexing based on Minutia Cylinder-Code").
 *
 * Each minutia gets an index cylinder in its own frame (so rotation and translation do not
 * change it): 4 rings of 24 px × 8 sectors of the neighbour's position × 4 sectors of the
 * neighbour's relative direction, a neighbour setting its cell and, within 20 % of a cell's
 * edge, the next one. IX_TABLES hash functions each read IX_KEY_BITS fixed, pseudo-randomly
 * drawn bits of rings 1..3 (the inner ring, 6..24 px, is almost always empty and says
 * nothing); the IX_KEY_BITS-bit key, hashed, names a bucket of that function's table. A
 * bucket lists the gallery entries (in increasing order) whose minutiae gave that key, each
 * with the minutia's direction in 32nds of a turn.
 *
 * A search takes the probe's keys; every entry in a probe key's bucket gets a vote in the
 * rotation bin (45°, and the nearer neighbouring bin) that the two minutiae's directions imply,
 * weighted by the key's rarity, log(IX_RARE × entries / bucket size): keys that more than
 * IX_RARE of the gallery share are skipped, which is also what keeps a search's cost down. An
 * entry's rank is its best rotation bin, so chance collisions spread over the bins while a
 * mate's pile up in one. Threads split the gallery's entries, each reading its part of every
 * bucket (found by binary search) into its own votes.
 *
 * Entries are added to a pending list and merged into the tables in place when the pending
 * postings reach a quarter of the indexed ones (or at the next search). Removed entries keep
 * their postings; the caller skips them. */
#include "afis/afis_internal.h"
#include "base/err.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI 6.283185307179586
#define IX_RINGS 4
#define IX_RING_PX 24.0
#define IX_SECTORS 8
#define IX_DIRS 4
#define IX_SOFT 0.2
#define IX_CELLS (IX_RINGS * IX_SECTORS * IX_DIRS) /* 128 */
#define IX_FIRST_BIT (IX_SECTORS * IX_DIRS)        /* rings 1..3 only */
#define IX_KEY_BITS 20
#define IX_MIN_SET 3   /* a key with fewer set bits is not used */
#define IX_MIN_CELLS 4 /* a cylinder with fewer set cells is not used */
#define IX_BUCKET_BITS 20
#define IX_BUCKETS (1u << IX_BUCKET_BITS)
#define IX_RARE 0.03   /* keys shared by more than this share of the gallery are skipped */
#define IX_WEIGHT 16.0 /* vote weights in 16ths */
#define IX_ROT IX_VOTES_PER_ENTRY /* rotation bins */

struct table {
    uint32_t *off;  /* IX_BUCKETS + 1 offsets into post */
    uint32_t *post; /* entry << 5 | direction in 32nds */
};

struct pending {
    uint32_t bucket, post;
};

struct afis_index {
    struct table t[IX_TABLES];
    size_t indexed; /* postings in the tables (per table at most 2^32 - 1) */
    size_t total[IX_TABLES];
    struct pending *pend[IX_TABLES];
    size_t npend[IX_TABLES], cappend[IX_TABLES];
    size_t pend_total;
    uint32_t entries; /* entries added (the largest entry + 1) */
};

/* The bits each hash function reads, drawn once from a fixed seed (the index must be the
 * same in every process that builds it). */
static uint8_t key_bits[IX_TABLES][IX_KEY_BITS];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void key_bits_init(void)
{
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int t = 0; t < IX_TABLES; t++)
        for (int i = 0; i < IX_KEY_BITS; i++) {
            int b, dup;
            do {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                b = IX_FIRST_BIT + (int)(s % (IX_CELLS - IX_FIRST_BIT));
                dup = 0;
                for (int j = 0; j < i; j++)
                    dup |= key_bits[t][j] == b;
            } while (dup);
            key_bits[t][i] = (uint8_t)b;
        }
}

static const struct mcc_grid grid = {IX_RINGS, IX_SECTORS, IX_DIRS, IX_RING_PX, IX_SOFT};

int afis_index_keys(const struct afis_prepared *p, struct afis_index_key *keys)
{
    pthread_once(&key_once, key_bits_init);
    int nk = 0;
    for (int i = 0; i < p->n; i++) {
        uint64_t cyl[2];
        if (mcc_grid_cylinder(p, i, &grid, cyl) < IX_MIN_CELLS) continue;
        uint8_t dir = (uint8_t)((int)(p->a[i] / TWO_PI * 32 + 0.5) & 31);
        for (int t = 0; t < IX_TABLES; t++) {
            uint32_t k = 0;
            int set = 0;
            for (int b = 0; b < IX_KEY_BITS; b++) {
                int bit = key_bits[t][b];
                uint32_t v = (uint32_t)(cyl[bit >> 6] >> (bit & 63) & 1);
                k = k << 1 | v;
                set += (int)v;
            }
            if (set < IX_MIN_SET) continue;
            uint32_t h = (k ^ (uint32_t)t * 0x9e3779b9u) * 2654435761u;
            h ^= h >> 15;
            h *= 0x2c1b3c6du;
            keys[nk++] = (struct afis_index_key){
                .table = (uint8_t)t, .dir = dir, .bucket = h >> (32 - IX_BUCKET_BITS)};
        }
    }
    return nk;
}

int afis_index_create(struct afis_index **out)
{
    struct afis_index *ix = calloc(1, sizeof *ix);
    if (!ix) return KT_ENOMEM;
    *out = ix;
    return 0;
}

void afis_index_free(struct afis_index *ix)
{
    if (!ix) return;
    for (int t = 0; t < IX_TABLES; t++) {
        free(ix->t[t].off);
        free(ix->t[t].post);
        free(ix->pend[t]);
    }
    free(ix);
}

size_t afis_index_postings(const struct afis_index *ix)
{
    return ix->indexed + ix->pend_total;
}

int afis_index_add(struct afis_index *ix, uint32_t entry, const struct afis_index_key *keys,
                   int nkeys)
{
    if (entry >= IX_MAX_ENTRIES || entry < ix->entries)
        return kt_fail(KT_EINVAL, "index entry %u out of order", entry);
    for (int t = 0; t < IX_TABLES; t++) {
        size_t need = ix->npend[t] + (size_t)nkeys;
        if (need > ix->cappend[t]) {
            size_t cap = ix->cappend[t] ? ix->cappend[t] * 2 : 4096;
            while (cap < need)
                cap *= 2;
            struct pending *p = realloc(ix->pend[t], cap * sizeof *p);
            if (!p) return KT_ENOMEM;
            ix->pend[t] = p;
            ix->cappend[t] = cap;
        }
    }
    for (int k = 0; k < nkeys; k++) {
        int t = keys[k].table;
        ix->pend[t][ix->npend[t]++] =
            (struct pending){.bucket = keys[k].bucket, .post = entry << 5 | keys[k].dir};
    }
    ix->pend_total += (size_t)nkeys;
    ix->entries = entry + 1;
    /* a failed merge leaves the postings pending; the next search merges them or fails */
    if (ix->pend_total > ix->indexed / 4 + (1u << 20)) (void)afis_index_flush(ix);
    return 0;
}

int afis_index_pending(const struct afis_index *ix)
{
    return ix->pend_total > 0;
}

/* Merges table t's pending postings in place: buckets move right, last first, and each gets
 * its new postings after its old ones (entries stay in increasing order). */
static int flush_table(struct afis_index *ix, int t)
{
    struct table *tb = &ix->t[t];
    size_t np = ix->npend[t];
    if (!np) return 0;
    if (ix->total[t] + np > UINT32_MAX) return kt_fail(KT_ENOMEM, "index table full");
    if (!tb->off) {
        tb->off = calloc(IX_BUCKETS + 1, sizeof *tb->off);
        if (!tb->off) return KT_ENOMEM;
    }
    uint32_t *cnt = calloc(IX_BUCKETS + 1, sizeof *cnt);
    struct pending *sorted = malloc(np * sizeof *sorted);
    uint32_t *post = realloc(tb->post, (ix->total[t] + np) * sizeof *post);
    if (!cnt || !sorted || !post) {
        free(cnt);
        free(sorted);
        if (post) tb->post = post;
        return KT_ENOMEM;
    }
    tb->post = post;
    /* counting sort of the pending postings by bucket (stable: entries stay in order) */
    for (size_t i = 0; i < np; i++)
        cnt[ix->pend[t][i].bucket + 1]++;
    for (uint32_t b = 0; b < IX_BUCKETS; b++)
        cnt[b + 1] += cnt[b];
    for (size_t i = 0; i < np; i++)
        sorted[cnt[ix->pend[t][i].bucket]++] = ix->pend[t][i];
    /* cnt[b] is now the end of bucket b's pending postings in sorted */
    size_t end = ix->total[t] + np;
    for (int64_t b = IX_BUCKETS - 1; b >= 0; b--) {
        uint32_t o0 = tb->off[b], o1 = tb->off[b + 1];
        uint32_t p1 = cnt[b], p0 = b ? cnt[b - 1] : 0;
        size_t nb = (size_t)(o1 - o0) + (p1 - p0);
        size_t at = end - nb;
        for (uint32_t i = p1; i > p0; i--)
            post[at + (o1 - o0) + (i - 1 - p0)] = sorted[i - 1].post;
        memmove(post + at, post + o0, (size_t)(o1 - o0) * sizeof *post);
        tb->off[b + 1] = (uint32_t)end;
        end = at;
    }
    tb->off[0] = 0;
    ix->total[t] += np;
    ix->indexed += np;
    ix->pend_total -= np;
    ix->npend[t] = 0;
    free(cnt);
    free(sorted);
    /* keep the pending list small once merged */
    free(ix->pend[t]);
    ix->pend[t] = NULL;
    ix->cappend[t] = 0;
    return 0;
}

int afis_index_flush(struct afis_index *ix)
{
    for (int t = 0; t < IX_TABLES; t++) {
        int rc = flush_table(ix, t);
        if (rc) return rc;
    }
    return 0;
}

/* The first posting of bucket [lo, hi) whose entry is at least e. */
static uint32_t lower(const uint32_t *post, uint32_t lo, uint32_t hi, uint32_t e)
{
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (post[mid] >> 5 < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int afis_index_votes(const struct afis_index *ix, const struct afis_index_key *keys, int nkeys,
                     size_t live, uint32_t lo, uint32_t hi, uint16_t *votes)
{
    if (hi > ix->entries) hi = ix->entries;
    if (lo >= hi) return 0;
    memset(votes, 0, (size_t)(hi - lo) * IX_ROT * sizeof *votes);
    double rare = IX_RARE * (double)(live ? live : 1);
    int used = 0;
    for (int k = 0; k < nkeys; k++) {
        const struct table *tb = &ix->t[keys[k].table];
        if (!tb->off) continue;
        uint32_t b0 = tb->off[keys[k].bucket], b1 = tb->off[keys[k].bucket + 1];
        double w = log(rare / (b1 - b0 + 1.0));
        if (w <= 0) continue;
        used++;
        uint16_t wq = (uint16_t)(w * IX_WEIGHT + 0.5);
        if (!wq) wq = 1;
        int pdir = keys[k].dir;
        for (uint32_t i = lower(tb->post, b0, b1, lo); i < b1; i++) {
            uint32_t p = tb->post[i], e = p >> 5;
            if (e >= hi) break;
            /* rotation in 32nds of a turn → bin of 4 and the nearer neighbour */
            int d = (int)((p & 31) - (uint32_t)pdir) & 31;
            int bin = d >> 2, nb = (d & 3) < 2 ? (bin + IX_ROT - 1) % IX_ROT : (bin + 1) % IX_ROT;
            uint16_t *v = votes + (size_t)(e - lo) * IX_ROT;
            uint32_t x = (uint32_t)v[bin] + wq, y = (uint32_t)v[nb] + wq;
            v[bin] = (uint16_t)(x > 65535 ? 65535 : x);
            v[nb] = (uint16_t)(y > 65535 ? 65535 : y);
        }
    }
    return used;
}

unsigned afis_index_rank(const uint16_t *votes)
{
    unsigned m = 0;
    for (int r = 0; r < IX_ROT; r++)
        m = votes[r] > m ? votes[r] : m;
    return m;
}
