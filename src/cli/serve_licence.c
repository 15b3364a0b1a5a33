/* keitsu serve: wiring of the driver-licence registry (運転者管理) into the server. */
#include "base/err.h"
#include "cli/cli.h"
#include "licence/licence.h"

int serve_licence_setup(struct platform *p, struct http_router *router, int demo, long demo_holders,
                        struct licence **out)
{
    int rc = licence_open(p->st, p->audit, out);
    if (rc) return rc;
    if (demo && demo_holders > 0) {
        const struct auth_user loader = {
            .name = "demo-loader", .role = "licence_examiner", .agency = "警察庁"};
        if ((rc = licence_demo_load(*out, &loader, (uint32_t)demo_holders))) return rc;
    }
    return licence_routes(*out, router);
}
