/* keitsu image register: an examination's findings (the JSON files of triage, search, yara and
 * carve) registered to a case on the platform (forensics/exams.h). */
#include "base/err.h"
#include "cli/cli.h"
#include "forensics/exams.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fputs(
        "usage: keitsu image register (--exam ID | --case-number N --title T --evidence-name NAME\n"
        "           --evidence-size BYTES --evidence-sha256 HEX [--evidence-md5 HEX]\n"
        "           [--evidence-sha1 HEX]) [--server URL] [--user NAME] FILE.json...\n"
        "  FILE.json: hits.json or carved.json as keitsu image triage|search|yara|carve write\n",
        stderr);
    return 2;
}

/* Loads every file and checks its shape before anything is sent, so a bad file adds nothing. */
static int load_files(char **files, int n, json_t **out)
{
    json_t *all = json_array();
    for (int i = 0; i < n; i++) {
        json_error_t e;
        json_t *j = json_load_file(files[i], 0, &e);
        if (!j || !json_is_object(j)) {
            json_decref(j);
            json_decref(all);
            return kt_fail(KT_EINVAL, "%s: not a JSON object (line %d: %s)", files[i], e.line,
                           e.text);
        }
        static const char *const keys[] = {"hits", "carved"};
        for (int k = 0; k < 2; k++) {
            json_t *a = json_object_get(j, keys[k]);
            size_t idx;
            json_t *item;
            json_array_foreach(a, idx, item)
            {
                json_array_append_new(all, json_pack("{s:s,s:O}", "key", keys[k], "item", item));
            }
        }
        json_decref(j);
    }
    *out = all;
    return 0;
}

/* Sends findings in batches of at most FORENSICS_FINDINGS_MAX. The server checks each batch
 * whole; a refused batch stops the run (earlier batches stay: the message says how far). */
static int send_batches(const char *server, const char *token, const char *id, json_t *all,
                        long *total)
{
    char path[128];
    snprintf(path, sizeof path, "/api/v1/forensics/exams/%s/findings", id);
    size_t n = json_array_size(all);
    for (size_t start = 0; start < n; start += FORENSICS_FINDINGS_MAX) {
        json_t *body = json_pack("{s:[],s:[]}", "hits", "carved");
        for (size_t i = start; i < n && i < start + FORENSICS_FINDINGS_MAX; i++) {
            json_t *f = json_array_get(all, i);
            json_array_append(json_object_get(body, json_string_value(json_object_get(f, "key"))),
                              json_object_get(f, "item"));
        }
        if (json_array_size(json_object_get(body, "hits")) == 0) json_object_del(body, "hits");
        if (json_array_size(json_object_get(body, "carved")) == 0) json_object_del(body, "carved");
        long status;
        json_t *reply = NULL;
        int rc = cli_call(server, "POST", path, token, body, &status, &reply);
        json_decref(body);
        if (rc) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", kt_errmsg());
            return kt_fail(rc, "findings %zu–%zu refused (%zu added before): %s", start + 1,
                           start + FORENSICS_FINDINGS_MAX < n ? start + FORENSICS_FINDINGS_MAX : n,
                           start, msg);
        }
        *total = (long)json_integer_value(json_object_get(reply, "findings"));
        json_decref(reply);
    }
    return 0;
}

int cmd_image_register(int argc, char **argv)
{
    const char *server =
        getenv("KEITSU_SERVER") ? getenv("KEITSU_SERVER") : "http://127.0.0.1:8080";
    const char *user = NULL, *exam = NULL;
    json_t *create = json_object(), *ev = json_object();
    json_object_set(create, "evidence", ev);
    static const struct {
        const char *opt, *field;
        int in_evidence, integer;
    } map[] = {{"--case-number", "case_number", 0, 0}, {"--title", "title", 0, 0},
               {"--evidence-name", "name", 1, 0},      {"--evidence-size", "size", 1, 1},
               {"--evidence-sha256", "sha256", 1, 0},  {"--evidence-md5", "md5", 1, 0},
               {"--evidence-sha1", "sha1", 1, 0}};
    char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0, rc = 0;
    for (int i = 1; i < argc && files; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            files[nfiles++] = argv[i];
            continue;
        }
        if (i + 1 >= argc) goto usage;
        const char *v = argv[++i];
        if (strcmp(a, "--server") == 0) {
            server = v;
        } else if (strcmp(a, "--user") == 0) {
            user = v;
        } else if (strcmp(a, "--exam") == 0) {
            exam = v;
        } else {
            size_t k = 0;
            while (k < sizeof map / sizeof map[0] && strcmp(map[k].opt, a) != 0)
                k++;
            if (k == sizeof map / sizeof map[0]) goto usage;
            char *end;
            long long size = map[k].integer ? strtoll(v, &end, 10) : 0;
            if (map[k].integer && (*end || end == v)) goto usage;
            json_object_set_new(map[k].in_evidence ? ev : create, map[k].field,
                                map[k].integer ? json_integer(size) : json_string(v));
        }
    }
    if (!files || nfiles == 0 || (exam && json_object_size(create) > 1)) goto usage;
    json_t *all = NULL;
    if ((rc = load_files(files, nfiles, &all))) goto out;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char token[128] = "", id[32] = "";
    int logged_in = 0;
    long status, total = 0;
    if (!(rc = cli_session_open(server, user, token, &logged_in))) {
        if (exam) {
            snprintf(id, sizeof id, "%s", exam);
        } else {
            json_t *reply = NULL;
            rc =
                cli_call(server, "POST", "/api/v1/forensics/exams", token, create, &status, &reply);
            if (!rc) snprintf(id, sizeof id, "%s", json_string_value(json_object_get(reply, "id")));
            json_decref(reply);
            if (!rc) printf("%s: examination registered\n", id);
        }
        if (!rc) rc = send_batches(server, token, id, all, &total);
        if (!rc) printf("%s: %zu findings added, %ld in all\n", id, json_array_size(all), total);
        cli_session_close(server, token, logged_in, rc);
    }
    curl_global_cleanup();
    json_decref(all);
out:
    free(files);
    json_decref(ev);
    json_decref(create);
    return rc ? cli_fail(rc) : 0;
usage:
    free(files);
    json_decref(ev);
    json_decref(create);
    return usage();
}
