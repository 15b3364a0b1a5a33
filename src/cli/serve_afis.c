/* keitsu serve: wiring of 指掌紋自動識別 (AFIS) into the server. */
#include "afis/afis_service.h"
#include "cli/cli.h"

int serve_afis_setup(struct platform *p, struct http_router *router, struct afis_service **out)
{
    int rc = afis_service_open(p->st, p->audit, out);
    if (rc) return rc;
    return afis_service_routes(*out, router);
}
