/* 指掌紋自動識別 (AFIS) as a platform module: tenprints and latents in the store (migration 4),
 * the in-memory galleries built from it at start, searches and verification decisions, the
 * unsolved-latent file searched again on each new tenprint, and a partner endpoint speaking
 * ANSI/NIST-ITL. Every enrolment, search and decision commits with its audit entry; a
 * candidate list is audited before it is returned. Routes and bodies: docs/afis.md. */
#ifndef KEITSU_AFIS_AFIS_SERVICE_H
#define KEITSU_AFIS_AFIS_SERVICE_H

#include "auth/audit.h"
#include "http/http.h"
#include "store/store.h"

struct afis_service;

/* Opens the service over st and au (borrowed, must outlive it) and loads the galleries. */
int afis_service_open(struct store *st, struct audit *au, struct afis_service **out);
void afis_service_close(struct afis_service *s);
/* Registers the routes under /api/v1/afis. */
int afis_service_routes(struct afis_service *s, struct http_router *router);

#endif
