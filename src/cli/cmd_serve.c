/* keitsu serve: the platform server. */
#include "afis/afis_service.h"
#include "base/err.h"
#include "base/log.h"
#include "bus/bus.h"
#include "cli/cli.h"
#include "dispatch/dispatch.h"
#include "forensics/exams.h"
#include "http/api.h"
#include "http/http.h"
#include "licence/licence.h"
#include "licence/routes.h"

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* The server's certificate and key for HTTPS, read once at start. */
struct tls_files {
    uint8_t *cert, *key;
    size_t key_len;
    struct http_tls tls;
};

static void tls_files_free(struct tls_files *t)
{
    if (t->key) sodium_memzero(t->key, t->key_len);
    free(t->key);
    free(t->cert);
    memset(t, 0, sizeof *t);
}

static int tls_files_read(struct tls_files *t, const char *cert, const char *key)
{
    size_t n;
    int rc = cli_read_file(cert, 1u << 20, &t->cert, &n);
    if (!rc) rc = cli_read_file(key, 1u << 20, &t->key, &t->key_len);
    if (!rc && (!strstr((char *)t->cert, "-----BEGIN CERTIFICATE-----") ||
                !strstr((char *)t->key, "PRIVATE KEY-----")))
        rc = kt_fail(KT_EINVAL,
                     "--tls-cert needs a PEM certificate and --tls-key a PEM private key");
    if (rc) {
        tls_files_free(t);
        return rc;
    }
    t->tls = (struct http_tls){(const char *)t->cert, (const char *)t->key};
    return 0;
}

static long num_arg(const char *opt, const char *v, long lo, long hi)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < lo || n > hi) {
        fprintf(stderr, "keitsu: %s must be a number from %ld to %ld\n", opt, lo, hi);
        exit(2);
    }
    return n;
}

/* Demo users, one per role, with random passwords kept in DIR/demo-credentials (0600). */
static int demo_users(struct platform *p, FILE *out)
{
    static const struct {
        const char *name, *role, *agency, *station;
    } users[] = {
        {"admin", "admin", "警視庁", NULL},
        {"registrar", "registrar", "警視庁", NULL},
        {"osaka-registrar", "registrar", "大阪府警察", NULL},
        {"operator", "query_operator", "警視庁", NULL},
        {"officer", "officer", "警視庁", "S-shinjuku"},
        {"auditor", "auditor", "警察庁", NULL},
        {"taker", "call_taker", "警視庁", NULL},
        {"dispatcher", "dispatcher", "警視庁", NULL},
        {"supervisor", "supervisor", "警視庁", NULL},
        {"shinjuku", "station", "警視庁", "S-shinjuku"},
        {"examiner", "licence_examiner", "警視庁", NULL},
        {"disposer", "disposition_officer", "警視庁", NULL},
        {"kanshiki", "fingerprint_examiner", "警視庁", NULL},
        {"kaiseki", "forensic_examiner", "警視庁", NULL},
    };
    char path[1100];
    snprintf(path, sizeof path, "%s/demo-credentials", p->data_dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        f = fopen(path, "w");
        if (!f) return kt_fail(KT_EIO, "cannot write %s", path);
        chmod(path, 0600);
        for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
            unsigned char raw[9];
            char pw[32];
            randombytes_buf(raw, sizeof raw);
            sodium_bin2base64(pw, sizeof pw, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE);
            int rc = auth_user_add(p->st, users[i].name, users[i].role, users[i].agency, pw);
            if (!rc && users[i].station)
                rc = auth_user_set_station(p->st, users[i].name, users[i].station);
            if (rc && rc != KT_ECONFLICT) {
                fclose(f);
                return rc;
            }
            fprintf(f, "%s %s %s %s%s%s\n", users[i].name, pw, users[i].role, users[i].agency,
                    users[i].station ? " " : "", users[i].station ? users[i].station : "");
        }
        fclose(f);
        f = fopen(path, "r");
        if (!f) return kt_fail(KT_EIO, "cannot read %s", path);
    }
    fprintf(out, "\nデモ利用者 (demo users; passwords in %s):\n", path);
    char line[256];
    while (fgets(line, sizeof line, f))
        fprintf(out, "  %s", line);
    fclose(f);
    return 0;
}

/* --- live events and the web console (bus, SSE, static files) --- */
struct serve_bus_opts {
    const char *site, *nats, *web;
    long ring, avl_stale;
    int test_events;
};

/* Handles one of the options below; 1 if it was one (*used: it took the value too). */
static int bus_opt(struct serve_bus_opts *o, const char *a, const char *v, int *used)
{
    *used = 0;
    if (strcmp(a, "--test-events") == 0) return o->test_events = 1;
    if (!v) return 0;
    if (strcmp(a, "--site") == 0)
        o->site = v;
    else if (strcmp(a, "--nats") == 0)
        o->nats = v;
    else if (strcmp(a, "--web") == 0)
        o->web = v;
    else if (strcmp(a, "--avl-stale") == 0)
        o->avl_stale = num_arg(a, v, 1, 86400);
    else if (strcmp(a, "--event-ring") == 0)
        o->ring = num_arg(a, v, 1, 16L * BUS_RING);
    else
        return 0;
    *used = 1;
    return 1;
}

/* Opens the bus, dispatch (通信指令) and NATS, and adds the dispatch routes, the event stream
 * and the static files to router. On failure live may be partly set: the caller frees the
 * router, then closes dispatch and the bus. */
static int bus_setup(const struct serve_bus_opts *o, struct platform *p, int demo,
                     struct http_router *router, struct serve_live *live)
{
    int rc = bus_open_ring(o->site, (size_t)o->ring, &live->bus);
    if (rc) return rc;
    struct bus *bus = live->bus;
    if ((rc = serve_dispatch_setup(p, bus, router, demo, (int)o->avl_stale, &live->dispatch)) ||
        (o->nats && (rc = bus_nats_connect(bus, o->nats, serve_events_remote, live))) ||
        (rc = serve_events_setup(live, router, o->test_events)))
        return rc;
    if (http_router_add_static(router, "/", o->web))
        kt_log_warn("web console not served: %s", kt_errmsg());
    if (http_router_add_static(router, "/vendor/leaflet/", "/usr/share/javascript/leaflet"))
        kt_log_warn("Leaflet not served (install libjs-leaflet): %s", kt_errmsg());
    return 0;
}
/* --- end of live events and the web console --- */

int cmd_serve(int argc, char **argv)
{
    struct serve_bus_opts bo = {
        .site = "local", .web = KEITSU_WEB_DIR, .ring = BUS_RING, .avl_stale = 60};
    const char *data = NULL, *db = NULL, *listen = "127.0.0.1:8080", *tls_cert = NULL,
               *tls_key = NULL;
    int demo = 0, threads = 32;
    long ttl = 0, demo_persons = 100000, demo_vehicles = 100000, demo_holders = 100000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int used;
        if (bus_opt(&bo, a, v, &used)) {
            i += used;
            continue;
        }
        if (strcmp(a, "--demo") == 0) {
            demo = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "keitsu serve: %s needs a value (or is unknown)\n", a);
            return 2;
        }
        if (strcmp(a, "--data") == 0)
            data = v;
        else if (strcmp(a, "--db") == 0)
            db = v;
        else if (strcmp(a, "--listen") == 0)
            listen = v;
        else if (strcmp(a, "--tls-cert") == 0)
            tls_cert = v;
        else if (strcmp(a, "--tls-key") == 0)
            tls_key = v;
        else if (strcmp(a, "--threads") == 0)
            threads = (int)num_arg(a, v, 1, 256);
        else if (strcmp(a, "--session-ttl") == 0)
            ttl = num_arg(a, v, 1, 7 * 86400);
        else if (strcmp(a, "--demo-persons") == 0)
            demo_persons = num_arg(a, v, 0, 5000000);
        else if (strcmp(a, "--demo-vehicles") == 0)
            demo_vehicles = num_arg(a, v, 0, 5000000);
        else if (strcmp(a, "--demo-holders") == 0)
            demo_holders = num_arg(a, v, 0, 20000000);
        else {
            fprintf(stderr, "keitsu serve: unknown option %s\n", a);
            return 2;
        }
        i++;
    }
    if (!data) {
        fprintf(stderr, "keitsu serve: --data DIR is required\n");
        return 2;
    }
    if (!tls_cert != !tls_key) {
        fprintf(stderr, "keitsu serve: HTTPS needs both --tls-cert FILE and --tls-key FILE\n");
        return 2;
    }
    /* HTTPS: certificate chain and key (PEM), kept until the server stops; the key's bytes are
     * wiped before they are freed */
    struct tls_files tf = {0};
    if (tls_cert) {
        int trc = tls_files_read(&tf, tls_cert, tls_key);
        if (trc) return cli_fail(trc);
    }
    struct auth_config cfg = {.session_ttl_s = (int)ttl};
    struct platform p;
    int rc = platform_open(&p, data, db, threads + 4, &cfg, 1);
    if (rc) {
        tls_files_free(&tf);
        return cli_fail(rc);
    }
    if (demo) {
        const struct auth_user loader = {
            .name = "demo-loader", .role = "registrar", .agency = "警視庁"};
        if ((rc = records_demo_load(p.records, &loader, (uint32_t)demo_persons,
                                    (uint32_t)demo_vehicles)) ||
            (rc = demo_users(&p, stdout))) {
            platform_close(&p);
            return cli_fail(rc);
        }
    }
    if ((rc = records_follow_start(p.records))) {
        platform_close(&p);
        return cli_fail(rc);
    }
    struct http_router *router = NULL;
    struct http_api api = {
        .st = p.st, .auth = p.auth, .audit = p.audit, .anchor = p.anchor, .site = bo.site};
    struct http_server *srv = NULL;
    struct serve_live live = {0};
    struct licence *lic = NULL;
    struct afis_service *afis = NULL;
    struct forensics_exams *exams = NULL;
    if ((rc = http_router_create(&router)) || (rc = http_api_routes(&api, router)) ||
        (rc = records_routes(p.records, router)) || (rc = licence_points_routes(router, p.audit)) ||
        (rc = serve_licence_setup(&p, router, demo, demo_holders, &lic)) ||
        (rc = serve_afis_setup(&p, router, &afis)) ||
        (rc = forensics_exams_open(p.st, p.audit, &exams)) ||
        (rc = forensics_exams_routes(exams, router)) ||
        (rc = bus_setup(&bo, &p, demo, router, &live)) ||
        (rc =
             http_server_start(listen, router, p.auth, threads, tls_cert ? &tf.tls : NULL, &srv))) {
        tls_files_free(&tf);
        http_router_free(router);
        forensics_exams_close(exams);
        afis_service_close(afis);
        licence_close(lic);
        dispatch_close(live.dispatch);
        bus_close(live.bus);
        platform_close(&p);
        return cli_fail(rc);
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    const char *colon = strrchr(listen, ':');
    int port = http_server_port(srv);
    const char *scheme = tls_cert ? "https" : "http";
    printf("\nkeitsu 照会センター・通信指令 serving on %s://%.*s:%d (store: %s)\n", scheme,
           (int)(colon - listen) > 0 ? (int)(colon - listen) : 9,
           (int)(colon - listen) > 0 ? listen : "127.0.0.1", port,
           store_kind(p.st) == STORE_SQLITE ? "SQLite" : "PostgreSQL");
    printf("console: %s://127.0.0.1:%d/  (通信指令台: taker, dispatcher, supervisor;"
           " 現場端末 PIII: officer)\n"
           "log in:  curl -s -X POST -H 'Content-Type: application/json' "
           "-d '{\"user\":\"NAME\",\"password\":\"PASSWORD\"}' %s://127.0.0.1:%d/api/v1/sessions\n"
           "query:   KEITSU_TOKEN=<token> keitsu query person 'ヤマダ タロウ' --reason 'R8-1234'"
           " --server %s://127.0.0.1:%d\n",
           scheme, port, scheme, port, scheme, port);
    fflush(stdout);
    while (!stop_flag)
        pause();
    kt_log_info("shutting down");
    http_server_stop(srv);
    http_router_free(router);
    licence_close(lic);
    afis_service_close(afis);
    forensics_exams_close(exams);
    dispatch_close(live.dispatch);
    bus_close(live.bus);
    platform_close(&p);
    tls_files_free(&tf);
    return 0;
}
