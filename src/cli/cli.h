/* Command-line subcommands of keitsu and what they share. */
#ifndef KEITSU_CLI_CLI_H
#define KEITSU_CLI_CLI_H

#include "auth/audit.h"
#include "auth/auth.h"
#include "records/records.h"
#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The platform services over one data directory (or --db URL). */
struct platform {
    struct store *st;
    struct auth *auth;
    struct audit *audit;
    struct records *records; /* NULL unless asked for */
    char data_dir[1024];
    char anchor[1100];
};

/* Opens store (migrated), auth and audit; records too if with_records. db may be NULL for
 * DIR/keitsu.db. Prints its own errors. */
int platform_open(struct platform *p, const char *data_dir, const char *db, int pool,
                  const struct auth_config *cfg, int with_records);
void platform_close(struct platform *p);

/* Reads one line (the password) from standard input into out, without the newline. */
int cli_read_password(char *out, size_t cap);
/* Reads the whole file at path (at most max bytes) into a new buffer *out (caller frees), NUL
 * after the *len bytes. KT_EIO (cannot open or read), KT_ETOOBIG, KT_ENOMEM. */
int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len);
/* Sends method server+path with body (borrowed, may be NULL) and token (may be NULL). *status
 * is the HTTP status; *out the parsed JSON reply (caller decrefs). A 4xx/5xx answer is an error
 * whose message is the server's. Needs curl_global_init() by the caller. */
int cli_call(const char *server, const char *method, const char *path, const char *token,
             json_t *body, long *status, json_t **out);
/* The client's session: KEITSU_TOKEN if set, else a login as user with the password read from
 * standard input (*logged_in = 1). token receives the bearer token. */
int cli_session_open(const char *server, const char *user, char token[128], int *logged_in);
/* Logs out again if cli_session_open() logged in, keeping rc's error message. */
void cli_session_close(const char *server, const char *token, int logged_in, int rc);

/* Prints "keitsu: <message>" for code and returns the exit status 1. */
int cli_fail(int code);

struct bus;
struct bus_event;
struct dispatch;
struct http_router;
/* What keitsu serve shares live: the bus and the modules that publish on it. */
struct serve_live {
    struct bus *bus;
    struct dispatch *dispatch;
};
/* keitsu serve's live events: GET /api/v1/events on live->bus, filtered per user by the
 * module that published each event (dispatch's need-to-know for "dispatch" events); with
 * test_hook also the admin-only POST /api/v1/test/publish {"type","data"?,"scope"?,"module"?,
 * "count"?} whose events go to users of their scope's station (serve_events.c). live is
 * borrowed and must outlive the router. */
int serve_events_setup(struct serve_live *live, struct http_router *router, int test_hook);
/* bus_nats_connect()'s handler (ctx = struct serve_live): another site's wide event; dispatch
 * events go to dispatch (local copies of wide-area incidents), others are republished on the
 * local bus as local events. */
void serve_events_remote(void *ctx, const char *site, const struct bus_event *ev);

int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_records(int argc, char **argv);
int cmd_audit(int argc, char **argv);
/* keitsu licence <subcommand> (cmd_licence.c): a table of subcommands; argv[0] is "licence". */
int cmd_licence(int argc, char **argv);
int cmd_afis(int argc, char **argv);
/* keitsu image <subcommand> (cmd_image.c): forensic examination of an evidence image. */
int cmd_image(int argc, char **argv);
/* keitsu image register (cmd_image_register.c): findings to a case on the platform. */
int cmd_image_register(int argc, char **argv);
/* keitsu image carve|triage|search|yara (cmd_image_triage.c); argv[0] is the subcommand. */
int cmd_image_carve(int argc, char **argv);
int cmd_image_triage(int argc, char **argv);
int cmd_image_search(int argc, char **argv);
int cmd_image_yara(int argc, char **argv);

/* Opens dispatch over p's services and bus (borrowed), loads the demo stations and units if
 * demo, and registers its routes (not the event stream: serve_events_setup()). *out is freed
 * with dispatch_close(). */
int serve_dispatch_setup(struct platform *p, struct bus *bus, struct http_router *router, int demo,
                         int avl_stale_s, struct dispatch **out);

struct licence;
/* Opens the licence registry over p's store and audit, loads demo_holders generated holders
 * if demo and the registry is empty, and registers its routes. *out is freed with
 * licence_close() (also on failure, when set). */
int serve_licence_setup(struct platform *p, struct http_router *router, int demo, long demo_holders,
                        struct licence **out);
struct afis_service;
/* Opens the AFIS module over p's store and audit (loads its galleries) and registers its
 * routes. *out is freed with afis_service_close(). */
int serve_afis_setup(struct platform *p, struct http_router *router, struct afis_service **out);

#endif
