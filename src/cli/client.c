/* The command-line client's HTTP calls to a running keitsu serve (libcurl). */
#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t on_body(char *ptr, size_t size, size_t n, void *ud)
{
    struct kt_buf *b = ud;
    return kt_buf_append(b, ptr, size * n) ? 0 : size * n;
}

int cli_call(const char *server, const char *method, const char *path, const char *token,
             json_t *body, long *status, json_t **out)
{
    CURL *c = curl_easy_init();
    if (!c) return kt_fail(KT_ENOMEM, "curl init failed");
    char url[2048], auth[128];
    snprintf(url, sizeof url, "%s%s", server, path);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct kt_buf b;
    kt_buf_init(&b, 16 * 1024 * 1024);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (text) curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    /* an https:// server whose certificate a private CA (or the server itself) signed */
    const char *ca = getenv("KEITSU_CA_FILE");
    if (ca && *ca) curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(text);
    if (cc != CURLE_OK) {
        kt_buf_free(&b);
        return kt_fail(KT_EIO, "cannot reach %s: %s", server, curl_easy_strerror(cc));
    }
    *out = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
    kt_buf_free(&b);
    if (!*out) return kt_fail(KT_EIO, "server sent a reply that is not JSON (HTTP %ld)", *status);
    if (*status >= 400) {
        const char *msg =
            json_string_value(json_object_get(json_object_get(*out, "error"), "message"));
        int rc = kt_fail(KT_EINVAL, "HTTP %ld: %s", *status, msg ? msg : "error");
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    return 0;
}

int cli_session_open(const char *server, const char *user, char token[128], int *logged_in)
{
    *logged_in = 0;
    if (getenv("KEITSU_TOKEN")) {
        snprintf(token, 128, "%s", getenv("KEITSU_TOKEN"));
        return 0;
    }
    if (!user) return kt_fail(KT_EAUTH, "set KEITSU_TOKEN or give --user NAME (password on stdin)");
    char pw[1100];
    int rc = cli_read_password(pw, sizeof pw);
    if (rc) return rc;
    json_t *login = json_pack("{s:s,s:s}", "user", user, "password", pw), *reply = NULL;
    sodium_memzero(pw, sizeof pw);
    long status;
    rc = cli_call(server, "POST", "/api/v1/sessions", NULL, login, &status, &reply);
    json_decref(login);
    if (rc) return rc;
    const char *t = json_string_value(json_object_get(reply, "token"));
    snprintf(token, 128, "%s", t ? t : "");
    json_decref(reply);
    *logged_in = 1;
    return 0;
}

void cli_session_close(const char *server, const char *token, int logged_in, int rc)
{
    if (!logged_in) return;
    json_t *r2 = NULL;
    char saved[512];
    long status;
    snprintf(saved, sizeof saved, "%s", kt_errmsg());
    if (cli_call(server, "DELETE", "/api/v1/sessions", token, NULL, &status, &r2) == 0)
        json_decref(r2);
    kt_fail(rc, "%s", saved);
}
