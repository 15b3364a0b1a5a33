/* keitsu image report IMAGE --out DIR [--offset S] [--case CASEDIR] [--carved DIR]
 * [--hits FILE]: DIR/report.html, self-contained. The evidence's hashes come from the case
 * record when --case is given (case verify checks them), else the image is hashed now. */
#include "base/err.h"
#include "cli/cli.h"
#include "cli/image_cli.h"
#include "forensics/case.h"
#include "forensics/hash.h"
#include "forensics/report.h"
#include "forensics/timeline.h"
#include "forensics/vol.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { TREE_MAX = 20000, DELETED_MAX = 5000, TIMELINE_ROWS = 200, JSON_ROWS = 5000 };

struct collected {
    struct forensics_tree *tree;
    struct forensics_timeline *timeline;
    struct forensics_tree *deleted;
    size_t entries, ndeleted;
};

static int collect(void *ctx, const struct forensics_entry *e)
{
    struct collected *c = ctx;
    c->entries++;
    int rc = forensics_tree_add(c->tree, e, TREE_MAX);
    if (rc == KT_ENOMEM) return rc;
    if (e->state != FORENSICS_ALLOCATED) {
        c->ndeleted++;
        if (forensics_tree_add(c->deleted, e, DELETED_MAX) == KT_ENOMEM) return KT_ENOMEM;
    }
    return forensics_timeline_add(c->timeline, e);
}

static void evidence_section(FILE *f, struct forensics_image *img, const char *path,
                             const json_t *init)
{
    forensics_report_section(f, "evidence", "証拠", "Evidence");
    char s[128];
    forensics_report_kv(f, "イメージ", "Image", path);
    forensics_report_kv(f, "形式", "Format", forensics_image_format(img));
    snprintf(s, sizeof s, "%" PRIu64 " bytes", forensics_image_size(img));
    forensics_report_kv(f, "サイズ", "Size", s);
    snprintf(s, sizeof s, "%zu", forensics_image_segments(img));
    forensics_report_kv(f, "セグメント数", "Segments", s);
    const char *k, *v;
    for (size_t i = 0; forensics_image_meta(img, i, &k, &v) == 0; i++)
        forensics_report_kv(f, "取得時の記録", k, v);
    struct forensics_hashes h;
    const json_t *ev = json_object_get(init, "evidence");
    if (ev) {
        forensics_report_note(f, "ハッシュ値は事件記録の登録時のもの (hashes as recorded when the "
                                 "case was opened; keitsu image case verify re-checks them)");
        forensics_report_kv(f, "MD5", "MD5", json_string_value(json_object_get(ev, "md5")));
        forensics_report_kv(f, "SHA-1", "SHA-1", json_string_value(json_object_get(ev, "sha1")));
        forensics_report_kv(f, "SHA-256", "SHA-256",
                            json_string_value(json_object_get(ev, "sha256")));
    } else if (forensics_hash_image(img, &h) == 0) {
        forensics_report_kv(f, "MD5", "MD5", h.md5);
        forensics_report_kv(f, "SHA-1", "SHA-1", h.sha1);
        forensics_report_kv(f, "SHA-256", "SHA-256", h.sha256);
    } else {
        forensics_report_kv(f, "ハッシュ", "Hashes", kt_errmsg());
    }
    forensics_report_section_end(f);
}

static void case_section(FILE *f, const char *dir, const json_t *entries, const char *head,
                         int intact)
{
    forensics_report_section(f, "case", "事件記録", "Case record");
    const json_t *init = json_array_get(entries, 0);
    forensics_report_kv(f, "事件番号", "Case number",
                        json_string_value(json_object_get(init, "case_number")));
    forensics_report_kv(f, "解析者", "Examiner",
                        json_string_value(json_object_get(init, "examiner")));
    forensics_report_kv(f, "記録", "Record", dir);
    forensics_report_kv(f, "連鎖", "Chain", intact ? "intact 正常" : "BROKEN 破損");
    forensics_report_kv(f, "最終行ハッシュ", "Head (SHA-256 of the last entry shown)", head);
    static const char *const hd[] = {"番号|#", "日時|Time (UTC)", "解析者|Examiner",
                                     "コマンド|Command", "終了|Exit"};
    forensics_report_table_begin(f, hd, 5);
    for (size_t i = 0; i < json_array_size(entries); i++) {
        const json_t *e = json_array_get(entries, i);
        char seq[24], code[24], cmd[2048] = "";
        snprintf(seq, sizeof seq, "%zu", i);
        snprintf(code, sizeof code, "%lld",
                 (long long)json_integer_value(json_object_get(e, "exit")));
        const json_t *argv = json_object_get(e, "argv");
        for (size_t k = 0; k < json_array_size(argv); k++) {
            size_t len = strlen(cmd);
            snprintf(cmd + len, sizeof cmd - len, "%s%s", k ? " " : "",
                     json_string_value(json_array_get(argv, k)));
        }
        const char *cells[] = {seq, json_string_value(json_object_get(e, "time")),
                               json_string_value(json_object_get(e, "examiner")), cmd, code};
        forensics_report_row(f, cells, 5);
    }
    forensics_report_table_end(f);
    forensics_report_section_end(f);
}

static void volumes_section(FILE *f, struct forensics_image *img)
{
    forensics_report_section(f, "volumes", "パーティション", "Volumes");
    struct forensics_diag d;
    forensics_diag_init(&d, 100);
    struct forensics_volumes v;
    if (forensics_vol_open(img, &d, &v) == 0) {
        struct kt_buf b;
        kt_buf_init(&b, 1 << 24);
        forensics_vol_mmls(&v, &b);
        forensics_report_pre(f, b.data ? b.data : "");
        kt_buf_free(&b);
        forensics_vol_free(&v);
    } else {
        forensics_report_note(f,
                              "パーティションテーブルなし (no partition table: one file system)");
    }
    for (size_t i = 0; i < d.n; i++)
        forensics_report_note(f, d.msgs[i]);
    forensics_diag_free(&d);
    forensics_report_section_end(f);
}

/* A table of a JSON file's array under key (carved.json's "carved", hits' "hits"). */
static void json_section(FILE *f, const char *id, const char *ja, const char *en, const char *path,
                         const char *key, const char *const *fields, const char *const *headers,
                         size_t n)
{
    forensics_report_section(f, id, ja, en);
    forensics_report_kv(f, "入力", "Input", path);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    const json_t *arr = json_object_get(doc, key);
    if (!json_is_array(arr)) {
        char msg[300];
        snprintf(msg, sizeof msg, "読めません (cannot read): %s", doc ? "no array" : err.text);
        forensics_report_note(f, msg);
    } else {
        forensics_report_table_begin(f, headers, n);
        for (size_t i = 0; i < json_array_size(arr) && i < JSON_ROWS; i++) {
            const json_t *o = json_array_get(arr, i);
            char cells[8][512];
            const char *cp[8];
            for (size_t k = 0; k < n && k < 8; k++) {
                const json_t *v = json_object_get(o, fields[k]);
                if (json_is_string(v))
                    snprintf(cells[k], sizeof cells[k], "%s", json_string_value(v));
                else if (json_is_integer(v))
                    snprintf(cells[k], sizeof cells[k], "%lld", (long long)json_integer_value(v));
                else
                    cells[k][0] = '\0';
                cp[k] = cells[k];
            }
            forensics_report_row(f, cp, n);
        }
        forensics_report_table_end(f);
        if (json_array_size(arr) > JSON_ROWS) {
            char msg[128];
            snprintf(msg, sizeof msg, "… %zu 件省略 (more not shown)",
                     json_array_size(arr) - JSON_ROWS);
            forensics_report_note(f, msg);
        }
    }
    json_decref(doc);
    forensics_report_section_end(f);
}

struct opts {
    const char *out, *casedir, *carved, *hits;
};

static int take(int *argc, char **argv, struct opts *o)
{
    int n = 1;
    for (int i = 1; i < *argc; i++) {
        const char **v = strcmp(argv[i], "--out") == 0      ? &o->out
                         : strcmp(argv[i], "--carved") == 0 ? &o->carved
                         : strcmp(argv[i], "--hits") == 0   ? &o->hits
                                                            : NULL;
        if (v) {
            if (++i >= *argc) return -1;
            *v = argv[i];
        } else {
            argv[n++] = argv[i];
        }
    }
    *argc = n;
    return o->out ? 0 : -1;
}

int image_cmd_report(int argc, char **argv)
{
    struct opts o = {0};
    if (take(&argc, argv, &o) != 0) return image_usage();
    /* Set by --case (image_case.c) and by case replay: the record, and how many of its entries
     * came before this command, so that a replay shows the same ones. */
    o.casedir = getenv("KEITSU_CASE_DIR");
    const char *upto_s = getenv("KEITSU_CASE_UPTO");
    size_t upto = upto_s ? strtoul(upto_s, NULL, 10) : (size_t)-1;
    struct image_args a;
    struct forensics_image *img;
    int status = image_open_arg(argc, argv, &a, &img);
    if (status != 0) return status;
    if (mkdir(o.out, 0777) != 0 && errno != EEXIST) {
        forensics_image_close(img);
        return cli_fail(kt_fail(KT_EIO, "%s: %s", o.out, strerror(errno)));
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/report.html", o.out);
    FILE *f = fopen(path, "w");
    if (!f) {
        forensics_image_close(img);
        return cli_fail(kt_fail(KT_EIO, "%s: %s", path, strerror(errno)));
    }
    json_t *entries = NULL;
    char head[65] = "";
    int intact = 0;
    if (o.casedir) {
        struct forensics_diag d;
        forensics_diag_init(&d, 10);
        intact = forensics_case_load(o.casedir, &entries, head, &d) == 0;
        forensics_diag_free(&d);
        if (upto < json_array_size(entries)) {
            const char *prev =
                json_string_value(json_object_get(json_array_get(entries, upto), "prev"));
            snprintf(head, sizeof head, "%s", prev ? prev : "");
            while (json_array_size(entries) > upto)
                json_array_remove(entries, upto);
        }
    }
    const json_t *init = json_array_get(entries, 0);
    char title[512];
    const char *number = json_string_value(json_object_get(init, "case_number"));
    snprintf(title, sizeof title, "解析報告書 Examination report%s%s", number ? " — " : "",
             number ? number : "");
    forensics_report_begin(f, title);
    fputs("<nav><a href=\"#evidence\">証拠</a><a href=\"#volumes\">パーティション</a>"
          "<a href=\"#tree\">ファイル</a><a href=\"#deleted\">削除ファイル</a>"
          "<a href=\"#timeline\">タイムライン</a></nav>\n",
          f);
    char version[128];
    snprintf(version, sizeof version, "keitsu %s", forensics_case_version());
    forensics_report_kv(f, "作成", "Made by", version);
    evidence_section(f, img, a.image, init);
    if (entries) case_section(f, o.casedir, entries, head, intact);
    volumes_section(f, img);
    forensics_image_close(img);

    struct collected c = {0};
    forensics_tree_new(&c.tree);
    forensics_tree_new(&c.deleted);
    forensics_timeline_new(&c.timeline);
    int walk = c.tree && c.deleted && c.timeline ? image_walk(&a, collect, &c) : 1;
    forensics_report_section(f, "tree", "ファイル一覧", "File tree");
    char msg[200];
    snprintf(msg, sizeof msg, "%zu 件 (entries)%s", c.entries,
             walk ? " — 一部読めず (some could not be read: see the warnings)" : "");
    forensics_report_note(f, msg);
    if (c.tree) forensics_tree_write(c.tree, f);
    forensics_report_section_end(f);
    forensics_report_section(f, "deleted", "削除ファイル", "Deleted files");
    snprintf(msg, sizeof msg, "%zu 件 (entries)", c.ndeleted);
    forensics_report_note(f, msg);
    if (c.deleted) forensics_tree_write(c.deleted, f);
    forensics_report_section_end(f);

    if (o.carved) {
        char cj[PATH_MAX];
        snprintf(cj, sizeof cj, "%s/carved.json", o.carved);
        static const char *const fields[] = {"offset", "length", "type", "path", "md5"};
        static const char *const hd[] = {"位置|Offset", "長さ|Length", "種類|Type", "ファイル|Path",
                                         "MD5|MD5"};
        json_section(f, "carved", "カービング", "Carved files", cj, "carved", fields, hd, 5);
    }
    if (o.hits) {
        static const char *const fields[] = {"kind", "path", "addr", "offset", "detail"};
        static const char *const hd[] = {"種別|Kind", "ファイル|Path", "アドレス|Addr",
                                         "位置|Offset", "内容|Detail"};
        json_section(f, "hits", "検索・照合結果", "Triage hits", o.hits, "hits", fields, hd, 5);
    }
    forensics_report_section(f, "timeline", "タイムライン (抜粋)", "Timeline excerpt");
    if (c.timeline) {
        forensics_timeline_sort(c.timeline);
        size_t rows = forensics_timeline_rows(c.timeline);
        snprintf(msg, sizeof msg,
                 "最新 %d 行 / 全 %zu 行 (latest %d of %zu rows, UTC; "
                 "keitsu image timeline prints all)",
                 TIMELINE_ROWS, rows, TIMELINE_ROWS, rows);
        forensics_report_note(f, msg);
        char *csv = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&csv, &len);
        if (m) {
            forensics_timeline_write(c.timeline, NULL,
                                     rows > TIMELINE_ROWS ? rows - TIMELINE_ROWS : 0, TIMELINE_ROWS,
                                     m);
            fclose(m);
            forensics_report_pre(f, csv ? csv : "");
            free(csv);
        }
    }
    forensics_report_section_end(f);
    forensics_report_end(f);
    int werr = ferror(f);
    if (fclose(f) != 0) werr = 1;
    forensics_tree_free(c.tree);
    forensics_tree_free(c.deleted);
    forensics_timeline_free(c.timeline);
    json_decref(entries);
    if (werr) return cli_fail(kt_fail(KT_EIO, "%s: write failed", path));
    fprintf(stderr, "keitsu: wrote %s\n", path);
    return 0; /* a file system that could not be read is in the report and the warnings */
}
