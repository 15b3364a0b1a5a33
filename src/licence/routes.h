/* The licence module's HTTP routes. */
#ifndef KEITSU_LICENCE_ROUTES_H
#define KEITSU_LICENCE_ROUTES_H

struct http_router;
struct audit;

/* Registers POST /api/v1/licence/assess (body and answer: licence_assess_json in points.h;
 * needs AUTH_LICENCE_ASSESS; audited as "licence.assess" with the outcome as detail). au is
 * borrowed and must outlive the router. */
int licence_points_routes(struct http_router *r, struct audit *au);

#endif
