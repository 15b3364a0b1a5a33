/* keitsu query: a query-centre client against a running server. */
#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Japanese labels for the codes in answers; unknown codes print as they are. */
static const char *ja(const char *code)
{
    static const char *const map[][2] = {
        {"wanted", "指名手配"},   {"missing", "行方不明"},
        {"stolen", "盗難"},       {"lost", "遺失"},
        {"revoked", "失効"},      {"armed", "凶器携帯"},
        {"violent", "粗暴"},      {"suicidal", "自殺のおそれ"},
        {"infectious", "感染症"}, {"escape_risk", "逃走のおそれ"},
        {"drugs", "薬物"},        {"mental_health", "精神疾患"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(code, map[i][0]) == 0) return map[i][1];
    return code;
}

static void print_answer(const char *kind, json_t *a)
{
    int hit = json_is_true(json_object_get(a, "hit"));
    json_t *cands = json_object_get(a, "candidates");
    printf("%s  照会番号 %lld  候補 %zu 件%s\n", hit ? "■ ヒット (HIT)" : "□ 該当なし (NO HIT)",
           (long long)json_integer_value(json_object_get(a, "query_id")), json_array_size(cands),
           json_is_true(json_object_get(a, "more"))
               ? " (他にも候補あり: 生年月日等で絞り込んでください)"
               : "");
    size_t i;
    json_t *c;
    json_array_foreach(cands, i, c)
    {
        printf("%2zu. %s  score %.2f  %s  %s  登録 %lld 日前\n", i + 1, str(c, "id"),
               json_real_value(json_object_get(c, "score")) +
                   (double)json_integer_value(json_object_get(c, "score")),
               ja(str(c, "kind")), str(c, "agency"),
               (long long)json_integer_value(json_object_get(c, "age_days")));
        if (strcmp(kind, "person") == 0) {
            printf("    %s (%s / %s)  %s %s  %s\n", str(c, "name_kanji"), str(c, "name_kana"),
                   str(c, "name_romaji"), str(c, "birth_date"), str(c, "birth_date_wareki"),
                   str(c, "sex"));
            json_t *w = json_object_get(c, "wanted");
            if (w)
                printf("    指名手配 令状 %s  罪名 %s\n", str(w, "warrant_no"), str(w, "offence"));
        } else if (strcmp(kind, "vehicle") == 0) {
            printf("    %s  %s  %s %s %s\n", str(c, "plate"), str(c, "vin"), str(c, "make"),
                   str(c, "model"), str(c, "colour"));
        } else if (strcmp(kind, "firearm") == 0) {
            printf("    %s %s  serial %s\n", str(c, "make"), str(c, "model"), str(c, "serial"));
        } else {
            printf("    %s %s %s  %s\n", str(c, "country"), str(c, "doc_type"), str(c, "number"),
                   str(c, "holder_name"));
        }
        json_t *cautions = json_object_get(c, "cautions");
        if (json_array_size(cautions)) {
            printf("    ⚠ 注意:");
            size_t j;
            json_t *x;
            json_array_foreach(cautions, j, x) printf(" %s", ja(json_string_value(x)));
            printf("\n");
        }
    }
}

int cmd_query(int argc, char **argv)
{
    if (argc < 2) goto usage;
    const char *kind = argv[1];
    if (strcmp(kind, "person") && strcmp(kind, "vehicle") && strcmp(kind, "firearm") &&
        strcmp(kind, "document"))
        goto usage;
    const char *server =
        getenv("KEITSU_SERVER") ? getenv("KEITSU_SERVER") : "http://127.0.0.1:8080";
    const char *user = NULL, *positional = NULL;
    int as_json = 0;
    json_t *body = json_object();
    static const struct {
        const char *opt, *field;
    } map[] = {{"--reason", "reason"},   {"--incident", "incident"}, {"--birth-date", "birth_date"},
               {"--sex", "sex"},         {"--plate", "plate"},       {"--vin", "vin"},
               {"--country", "country"}, {"--mrz", "mrz"},           {"--make", "make"}};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            as_json = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            if (positional) goto usage_free;
            positional = a;
            continue;
        }
        if (i + 1 >= argc) goto usage_free;
        const char *v = argv[++i];
        if (strcmp(a, "--server") == 0) {
            server = v;
            continue;
        }
        if (strcmp(a, "--user") == 0) {
            user = v;
            continue;
        }
        size_t k = 0;
        while (k < sizeof map / sizeof map[0] && strcmp(map[k].opt, a) != 0)
            k++;
        if (k == sizeof map / sizeof map[0]) goto usage_free;
        json_object_set_new(body, map[k].field, json_string(v));
    }
    if (positional) {
        const char *field = strcmp(kind, "person") == 0    ? "name"
                            : strcmp(kind, "vehicle") == 0 ? "plate"
                            : strcmp(kind, "firearm") == 0 ? "serial"
                                                           : "number";
        json_object_set_new(body, field, json_string(positional));
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char token[128] = "";
    int logged_in = 0, rc = 0;
    long status;
    json_t *reply = NULL;
    if ((rc = cli_session_open(server, user, token, &logged_in))) goto out;
    char path[64];
    snprintf(path, sizeof path, "/api/v1/query/%s", kind);
    rc = cli_call(server, "POST", path, token, body, &status, &reply);
    if (!rc) {
        if (as_json) {
            char *t = json_dumps(reply, JSON_INDENT(2));
            printf("%s\n", t);
            free(t);
        } else {
            print_answer(kind, reply);
        }
    }
    json_decref(reply);
    cli_session_close(server, token, logged_in, rc);
out:
    json_decref(body);
    curl_global_cleanup();
    return rc ? cli_fail(rc) : 0;
usage_free:
    json_decref(body);
usage:
    fprintf(stderr, "usage: keitsu query person|vehicle|firearm|document ... --reason R"
                    " (see keitsu help)\n");
    return 2;
}
