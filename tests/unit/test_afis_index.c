/* The 1:N index (MCC locality-sensitive hashing, src/afis/index.c): on a small generated
 * gallery searched through a shortlist of 2 % of it, mates of plain probes survive the index;
 * the candidate list does not depend on the number of threads; fingers added after a search
 * and removed ones are seen by the next search; bad input is refused. */
#include "afis/afis.h"
#include "base/err.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static void finger(uint64_t seed, uint64_t imp, const struct afis_minsynth_params *p,
                   struct afis_template *t)
{
    struct afis_template m;
    afis_minsynth_master(1000 + seed, &m);
    afis_minsynth_impression(&m, imp, p, t);
}

static int search(struct afis_gallery *g, const struct afis_template *probe, int threads,
                  size_t shortlist, struct afis_candidate *c, int max, int *n)
{
    struct afis_search_opts o = {.threads = threads, .shortlist = shortlist};
    return afis_gallery_search(g, probe, 1, &o, c, max, n, NULL);
}

static int position(const struct afis_candidate *c, int n, const char *subject)
{
    for (int k = 0; k < n; k++)
        if (strcmp(c[k].subject, subject) == 0) return k;
    return -1;
}

int main(void)
{
    const int F = SANITIZED ? 600 : 2000, Q = SANITIZED ? 12 : 40;
    const size_t K = (size_t)F / 50;
    static struct afis_template t, p;
    static struct afis_candidate c[64], c2[64];
    char subj[AFIS_SUBJECT_MAX];
    struct afis_gallery *g;
    CHECK(afis_gallery_create(&g) == 0, "gallery");
    for (int f = 0; f < F; f++) {
        finger((uint64_t)f, 1, &afis_minsynth_plain, &t);
        snprintf(subj, sizeof subj, "S-%05d", f);
        if (afis_gallery_add(g, subj, &t)) break;
    }
    CHECK(afis_gallery_size(g) == (size_t)F, "%d fingers enrolled", F);

    /* index recall: the mate among the K shortlisted (the matcher then ranks it first) */
    int listed = 0, first = 0;
    for (int q = 0; q < Q; q++) {
        int f = q * (F / Q) + 3, n;
        finger((uint64_t)f, 2, &afis_minsynth_plain, &p);
        snprintf(subj, sizeof subj, "S-%05d", f);
        if (search(g, &p, 2, K, c, 64, &n)) continue;
        int k = position(c, n, subj);
        listed += k >= 0;
        first += k == 0;
    }
    printf("# %d fingers, shortlist %zu: mate listed %d/%d, first %d/%d\n", F, K, listed, Q, first,
           Q);
    CHECK(listed >= Q * 9 / 10, "index recall at a %zu-entry shortlist: %d/%d", K, listed, Q);
    CHECK(first >= Q * 9 / 10, "rank 1 through the index: %d/%d", first, Q);

    /* the same list whatever the threads */
    finger(17, 2, &afis_minsynth_plain, &p);
    int n1, n2;
    CHECK(search(g, &p, 1, K, c, 64, &n1) == 0 && search(g, &p, 2, K, c2, 64, &n2) == 0,
          "searches on 1 and 2 threads");
    int same = n1 == n2;
    for (int k = 0; same && k < n1; k++)
        same = strcmp(c[k].subject, c2[k].subject) == 0 && c[k].score == c2[k].score;
    CHECK(same && n1 > 0, "1 and 2 threads give the same %d candidates", n1);

    /* added after a search: merged into the index by the next one */
    finger(90001, 1, &afis_minsynth_plain, &t);
    CHECK(afis_gallery_add(g, "NEW-1", &t) == 0, "add after searching");
    finger(90001, 2, &afis_minsynth_plain, &p);
    CHECK(search(g, &p, 2, K, c, 64, &n1) == 0 && n1 > 0 && strcmp(c[0].subject, "NEW-1") == 0,
          "a finger added after a search is found first");
    /* removed: never a candidate */
    CHECK(afis_gallery_remove(g, "NEW-1") == 1, "remove");
    CHECK(search(g, &p, 2, K, c, 64, &n1) == 0 && position(c, n1, "NEW-1") < 0,
          "a removed finger is not a candidate");

    /* bad input */
    CHECK(afis_gallery_search(g, &p, 0, NULL, c, 64, &n1, NULL) == KT_EINVAL, "no probe finger");
    struct afis_template bad = t;
    bad.n = AFIS_MAX_MINUTIAE + 1;
    CHECK(afis_gallery_add(g, "BAD", &bad) == KT_EINVAL, "too many minutiae refused");
    bad.n = 3;
    bad.finger = 11;
    CHECK(afis_gallery_add(g, "BAD", &bad) == KT_EINVAL, "finger position 11 refused");
    char longname[AFIS_SUBJECT_MAX + 8];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    CHECK(afis_gallery_add(g, longname, &t) == KT_EINVAL, "subject too long refused");
    CHECK(afis_gallery_size(g) == (size_t)F, "nothing registered by bad input");
    struct afis_template empty = {0};
    CHECK(search(g, &empty, 2, K, c, 64, &n1) == 0 && n1 == 0, "an empty probe finds nothing");
    afis_gallery_free(g);
    return tap_done();
}
