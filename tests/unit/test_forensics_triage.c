/* Triage over a small in-memory file system (a fake struct forensics_fs_ops whose files are
 * strings and whose read hands content out in small pieces): hashes against a tiny NSRL RDSv3
 * database made here and a case hash list, keywords in UTF-8, UTF-16LE and Shift_JIS in files
 * and unallocated space, YARA rules; and hostile hash lists, keywords and rules. */
#include "base/err.h"
#include "forensics/fs.h"
#include "forensics/hashset.h"
#include "forensics/image.h"
#include "forensics/keyword.h"
#include "forensics/triage.h"
#include "forensics/yara.h"
#include "tap.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the fake file system ---- */

struct fake_file {
    const char *path, *addr;
    const char *data;
    size_t n;
    enum forensics_name_state state;
    int is_dir, broken;
};

static struct fake_file files[] = {
    {"/dir", "5", NULL, 0, FORENSICS_ALLOCATED, 1, 0},
    {"/dir/note.txt", "10", "meeting at 8, bring the 覚醒剤", 0, FORENSICS_ALLOCATED, 0, 0},
    {"/bad.bin", "11", "MZ...EVILSTRING...payload", 0, FORENSICS_ALLOCATED, 0, 0},
    {"/known.dll", "12", "a file every Windows has", 0, FORENSICS_ALLOCATED, 0, 0},
    {"/old.txt", "13", NULL, 0, FORENSICS_DELETED, 0, 0}, /* UTF-16LE, filled in main() */
    {"/broken", "14", NULL, 0, FORENSICS_ALLOCATED, 0, 1},
};
#define NFILES (sizeof files / sizeof files[0])

static uint8_t image[8192]; /* the fake volume's bytes; unallocated: [4096, 8192) */

static int fake_open(struct forensics_image *img, uint64_t off, struct forensics_diag *d, void **fs)
{
    (void)img;
    (void)off;
    (void)d;
    *fs = files;
    return 0;
}

static int fake_walk(void *fs, forensics_entry_fn fn, void *ctx)
{
    (void)fs;
    for (size_t i = 0; i < NFILES; i++) {
        struct forensics_entry e = {0};
        e.path = files[i].path;
        e.addr = files[i].addr;
        e.state = files[i].state;
        e.is_dir = files[i].is_dir;
        e.size = files[i].n;
        int rc = fn(ctx, &e);
        if (rc) return rc;
    }
    return 0;
}

static int fake_read(void *fs, const char *addr, forensics_data_fn fn, void *ctx)
{
    (void)fs;
    for (size_t i = 0; i < NFILES; i++) {
        if (strcmp(files[i].addr, addr) != 0) continue;
        if (files[i].broken) return kt_fail(KT_EIO, "no such clusters");
        /* Three bytes at a time: keywords straddle the pieces. */
        for (size_t off = 0; off < files[i].n; off += 3) {
            size_t k = files[i].n - off < 3 ? files[i].n - off : 3;
            int rc = fn(ctx, off, files[i].data + off, k);
            if (rc) return rc;
        }
        return 0;
    }
    return KT_ENOTFOUND;
}

static int fake_unalloc(void *fs, forensics_range_fn fn, void *ctx)
{
    (void)fs;
    int rc = fn(ctx, 4096, 2048);
    return rc ? rc : fn(ctx, 6144, 2048); /* adjacent: one stream */
}

static const struct forensics_fs_ops fake_ops = {.family = "fake",
                                                 .open = fake_open,
                                                 .walk = fake_walk,
                                                 .read = fake_read,
                                                 .unalloc = fake_unalloc};

/* ---- helpers ---- */

static json_t *hits_json(struct forensics_hits *h)
{
    char *doc = malloc(h->json.len + 8);
    memcpy(doc, h->json.data, h->json.len);
    memcpy(doc + h->json.len, "\n]}\n", 5);
    json_error_t err;
    json_t *j = json_loads(doc, 0, &err);
    free(doc);
    return j;
}

/* The number of hits with this kind whose path (or "" for null) and detail contain the given
 * strings, at offset (or any if UINT64_MAX). */
static int count(json_t *j, const char *kind, const char *path, const char *detail, uint64_t off)
{
    int n = 0;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(j, "hits"), i, h)
    {
        const char *k = json_string_value(json_object_get(h, "kind"));
        const char *p = json_string_value(json_object_get(h, "path"));
        const char *d = json_string_value(json_object_get(h, "detail"));
        uint64_t o = (uint64_t)json_integer_value(json_object_get(h, "offset"));
        if (!k || strcmp(k, kind) != 0) continue;
        if (path[0] ? !p || strcmp(p, path) != 0 : p != NULL) continue;
        if (detail && (!d || !strstr(d, detail))) continue;
        if (off != UINT64_MAX && o != off) continue;
        n++;
    }
    return n;
}

static void digests_of(const char *s, size_t n, struct forensics_digests *d)
{
    struct forensics_hasher *h;
    forensics_hasher_new(&h);
    forensics_hasher_update(h, s, n);
    forensics_hasher_final(h, d);
    forensics_hasher_free(h);
}

/* ---- cases ---- */

static void hasher(void)
{
    struct forensics_digests d;
    digests_of("abc", 3, &d);
    CHECK(strcmp(d.md5, "900150983cd24fb0d6963f7d28e17f72") == 0, "md5 abc");
    CHECK(strcmp(d.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d") == 0, "sha1 abc");
    CHECK(strcmp(d.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
          "sha256 abc");
}

static void hash_lists(void)
{
    struct forensics_hashset *hs;
    forensics_hashset_new(&hs);
    const char *good = "# case 2026-123 known-bad\n\n"
                       "900150983CD24FB0D6963F7D28E17F72  abc.txt\r\n"
                       "   a9993e364706816aba3e25717850c26c9cd0d89d # sha1\n"
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    CHECK(forensics_hashset_add_text(hs, good, strlen(good)) == 0 &&
              forensics_hashset_count(hs) == 3,
          "three hashes, comments and names ignored");
    struct forensics_digests d;
    digests_of("abc", 3, &d);
    const char *m = forensics_hashset_match(hs, &d);
    CHECK(m && strcmp(m, "sha256") == 0, "abc matches by sha256");
    digests_of("abd", 3, &d);
    CHECK(!forensics_hashset_match(hs, &d), "abd does not match");
    static const char *bad[] = {"12345\n", "zz0150983cd24fb0d6963f7d28e17f72\n",
                                "900150983cd24fb0d6963f7d28e17f7\n", "\n\n# x\nnot-a-hash\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(forensics_hashset_add_text(hs, bad[i], strlen(bad[i])) == KT_EINVAL &&
                  strstr(kt_errmsg(), "line"),
              "bad list %zu: %s", i, kt_errmsg());
    CHECK(forensics_hashset_load(hs, "/nonexistent/list.txt") == KT_EIO, "missing list");
    forensics_hashset_free(hs);
}

/* A tiny RDSv3 database: the FILE table as NIST publishes it, one known file. */
static int make_nsrl(const char *path, const char *sha256_upper)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) return -1;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT "
             "NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id INTEGER "
             "NOT NULL, CONSTRAINT PK_FILE__FILE PRIMARY KEY (sha256, sha1, md5, file_name, "
             "file_size, package_id));"
             "INSERT INTO FILE VALUES ('%s', '', '', 'known.dll', 24, 1);",
             sha256_upper);
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static void triage_hashes(struct forensics_fs *fs)
{
    struct forensics_digests known, bad;
    digests_of(files[3].data, files[3].n, &known);
    digests_of(files[2].data, files[2].n, &bad);
    char up[65], path[] = "/tmp/keitsu-nsrl-XXXXXX";
    for (int i = 0; i < 65; i++)
        up[i] = known.sha256[i] >= 'a' ? (char)(known.sha256[i] - 32) : known.sha256[i];
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    CHECK(make_nsrl(path, up) == 0, "made an RDSv3 database");
    struct forensics_nsrl *nsrl = NULL;
    CHECK(forensics_nsrl_open(path, &nsrl) == 0, "opened it: %s", kt_errmsg());
    CHECK(forensics_nsrl_known(nsrl, &known) == 1 && forensics_nsrl_known(nsrl, &bad) == 0,
          "NSRL lookups");

    struct forensics_hashset *hs;
    forensics_hashset_new(&hs);
    char list[256];
    snprintf(list, sizeof list, "%s bad.bin\n%s known.dll\n", bad.md5, known.sha1);
    forensics_hashset_add_text(hs, list, strlen(list));

    struct forensics_hits hits;
    struct forensics_diag diag;
    struct forensics_triage_stats st = {0};
    forensics_hits_init(&hits);
    forensics_diag_init(&diag, 10);
    CHECK(forensics_triage_hashes(fs, nsrl, hs, &hits, &diag, &st) == 0, "triage ran");
    json_t *j = hits_json(&hits);
    CHECK(j != NULL, "hits.json parses");
    CHECK(count(j, "hash", "/bad.bin", "md5 in the hash list", UINT64_MAX) == 1, "bad.bin flagged");
    CHECK(count(j, "hash", "/known.dll", NULL, UINT64_MAX) == 0,
          "known.dll filtered out by NSRL before the list could flag it");
    CHECK(st.known == 1 && st.flagged == 1 && st.unreadable == 1 && st.files == 4,
          "stats: known %llu flagged %llu unreadable %llu files %llu", (unsigned long long)st.known,
          (unsigned long long)st.flagged, (unsigned long long)st.unreadable,
          (unsigned long long)st.files);
    CHECK(diag.n == 1 && strstr(diag.msgs[0], "/broken"), "the unreadable file is reported");
    json_decref(j);
    forensics_hits_free(&hits);
    forensics_diag_free(&diag);
    forensics_hashset_free(hs);
    forensics_nsrl_close(nsrl);

    /* Not an NSRL database. */
    FILE *f = fopen(path, "wb");
    fputs("not sqlite at all, just text that is long enough to be read as a header....", f);
    fclose(f);
    CHECK(forensics_nsrl_open(path, &nsrl) != 0, "a text file is not an NSRL database");
    unlink(path);
}

static void triage_keywords(struct forensics_fs *fs, struct forensics_image *img)
{
    const char *words[] = {"覚醒剤", "payload"};
    struct forensics_keywords *kw;
    CHECK(forensics_keywords_new(words, 2, &kw) == 0, "keywords compile");
    CHECK(forensics_keywords_patterns(kw) == 5, "覚醒剤 in three encodings, payload in two (%zu)",
          forensics_keywords_patterns(kw));
    struct forensics_hits hits;
    struct forensics_diag diag;
    struct forensics_triage_stats st = {0};
    forensics_hits_init(&hits);
    forensics_diag_init(&diag, 10);
    CHECK(forensics_triage_keywords(fs, img, kw, &hits, &diag, &st) == 0, "search ran");
    json_t *j = hits_json(&hits);
    size_t note = strstr(files[1].data, "覚醒剤") - files[1].data;
    CHECK(count(j, "keyword", "/dir/note.txt", "utf-8 覚醒剤", note) == 1, "UTF-8 in a file");
    CHECK(count(j, "keyword", "/old.txt (deleted)", "utf-16le 覚醒剤", 12) == 1,
          "UTF-16LE in a deleted file, across read pieces");
    CHECK(count(j, "keyword", "/bad.bin", "utf-8 payload", 18) == 1, "ASCII once, as utf-8");
    CHECK(count(j, "keyword", "", "shift_jis 覚醒剤", 6143) == 1,
          "Shift_JIS in unallocated space across two adjacent runs, at its image offset");
    CHECK(count(j, "keyword", "", "utf-16le 覚醒剤", 4200) == 1, "UTF-16LE in unallocated space");
    CHECK(st.flagged == 5 && hits.n == 5, "five hits in all (%llu)",
          (unsigned long long)st.flagged);
    json_decref(j);
    forensics_hits_free(&hits);

    /* Without a file system: the raw image. */
    forensics_hits_init(&hits);
    memset(&st, 0, sizeof st);
    CHECK(forensics_triage_keywords(NULL, img, kw, &hits, &diag, &st) == 0, "raw search ran");
    j = hits_json(&hits);
    CHECK(count(j, "keyword", "", "shift_jis", 6143) == 1 &&
              count(j, "keyword", "", NULL, UINT64_MAX) == 2,
          "raw image: the two planted strings");
    json_decref(j);
    forensics_hits_free(&hits);
    forensics_diag_free(&diag);
    forensics_keywords_free(kw);

    static const char *badwords[][1] = {
        {""}, {"\xff\xfe"}, {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}};
    for (size_t i = 0; i < 3; i++)
        CHECK(forensics_keywords_new(badwords[i], 1, &kw) == KT_EINVAL, "bad keyword %zu", i);
}

/* The stream search fed one byte at a time and in one piece finds the same, each match once. */
struct count_ctx {
    int n;
    uint64_t last;
};
static int count_hit(void *ctx, const char *k, const char *e, uint64_t off)
{
    (void)k;
    (void)e;
    struct count_ctx *c = ctx;
    c->n++;
    c->last = off;
    return 0;
}

static void keyword_stream(void)
{
    const char *w[] = {"aba"};
    struct forensics_keywords *kw;
    forensics_keywords_new(w, 1, &kw);
    const char *text = "xxabababa--aba";
    for (size_t piece = 1; piece <= 15; piece++) {
        struct forensics_kw_stream s;
        struct count_ctx c = {0, 0};
        forensics_kw_stream_init(&s, kw, count_hit, &c);
        for (size_t off = 0; off < strlen(text); off += piece)
            forensics_kw_stream_feed(&s, text + off,
                                     strlen(text) - off < piece ? strlen(text) - off : piece);
        CHECK(c.n == 4 && c.last == 11, "pieces of %zu: %d matches, last at %llu", piece, c.n,
              (unsigned long long)c.last);
    }
    forensics_keywords_free(kw);
}

/* --ignore-case: ASCII letters in either case, in UTF-8 and UTF-16LE, also across pieces;
 * non-ASCII bytes still exact. */
static void keyword_ignore_case(void)
{
    const char *w[] = {"PassWord", "覚醒剤"};
    struct forensics_keywords *kw;
    CHECK(forensics_keywords_new(w, 2, &kw) == 0, "keywords compile");
    forensics_keywords_ignore_case(kw);
    static const uint8_t text[] = "password PASSWORD pAsSwOrD passw0rd "
                                  "p\0A\0S\0S\0w\0o\0r\0d\0 覚醒剤";
    for (size_t piece = 1; piece <= 9; piece += 4) {
        struct forensics_kw_stream s;
        struct count_ctx c = {0, 0};
        forensics_kw_stream_init(&s, kw, count_hit, &c);
        for (size_t off = 0; off < sizeof text - 1; off += piece)
            forensics_kw_stream_feed(&s, text + off,
                                     sizeof text - 1 - off < piece ? sizeof text - 1 - off : piece);
        CHECK(c.n == 5,
              "ignore case, pieces of %zu: %d matches (want 3 UTF-8, 1 UTF-16LE, 1 kanji)", piece,
              c.n);
    }
    forensics_keywords_free(kw);
}

static void yara_rules(struct forensics_fs *fs)
{
    struct forensics_yara *y;
    CHECK(forensics_yara_load_text("rule evil : malware trojan { strings: $a = \"EVILSTRING\" "
                                   "condition: $a }\nrule never { condition: false }",
                                   &y) == 0,
          "rules compile: %s", kt_errmsg());
    struct forensics_hits hits;
    struct forensics_diag diag;
    struct forensics_triage_stats st = {0};
    forensics_hits_init(&hits);
    forensics_diag_init(&diag, 10);
    CHECK(forensics_yara_scan(y, fs, NULL, &hits, &diag, &st) == 0, "scan ran");
    json_t *j = hits_json(&hits);
    CHECK(count(j, "yara", "/bad.bin", "evil [malware,trojan]", 5) == 1 && hits.n == 1,
          "one match, in bad.bin at its string");
    json_decref(j);
    forensics_hits_free(&hits);
    forensics_diag_free(&diag);
    forensics_yara_free(y);
    CHECK(forensics_yara_load_text("rule { broken", &y) == KT_EINVAL && kt_errmsg()[0],
          "a rule that does not compile: %s", kt_errmsg());
    CHECK(forensics_yara_load("/nonexistent.yar", &y) == KT_EIO, "missing rules file");
}

int main(void)
{
    static char old[64];
    size_t n = 0;
    const char *u16 = "n\0o\0t\0e\0:\0 \0\x9a\x89\x92\x91\x64\x52"; /* "note: 覚醒剤" */
    memcpy(old, u16, 18);
    n = 18;
    files[4].data = old;
    files[4].n = n;
    for (size_t i = 0; i < NFILES; i++)
        if (files[i].data && !files[i].n) files[i].n = strlen(files[i].data);
    memset(image, 'z', sizeof image);
    memcpy(image + 6143, "\x8a\x6f\x90\xc1\x8d\xdc", 6); /* 覚醒剤 in Shift_JIS, across runs */
    memcpy(image + 4200, "\x9a\x89\x92\x91\x64\x52", 6); /* and in UTF-16LE */

    struct forensics_image *img;
    forensics_image_open_mem(image, sizeof image, &img);
    struct forensics_fs fs = {&fake_ops, files, 0};

    hasher();
    hash_lists();
    keyword_stream();
    keyword_ignore_case();
    triage_hashes(&fs);
    triage_keywords(&fs, img);
    yara_rules(&fs);
    forensics_image_close(img);
    return tap_done();
}
