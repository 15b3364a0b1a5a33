/* Platform endpoints: sessions (login/logout), users, the audit trail, health. */
#ifndef KEITSU_HTTP_API_H
#define KEITSU_HTTP_API_H

#include "auth/audit.h"
#include "auth/auth.h"
#include "http/http.h"
#include "store/store.h"

struct http_api {
    struct store *st;    /* borrowed */
    struct auth *auth;   /* borrowed */
    struct audit *audit; /* borrowed */
    const char *anchor;  /* audit anchor file path, borrowed; may be NULL */
    const char *site;    /* this site's name (--site), borrowed; may be NULL */
};

/* Registers /api/v1/sessions, /api/v1/me, /api/v1/users, /api/v1/audit, /api/v1/health.
 * api must outlive the router. */
int http_api_routes(struct http_api *api, struct http_router *router);

#endif
