/* keitsu serve: wiring of command and dispatch (通信指令) into the server. */
#include "base/err.h"
#include "cli/cli.h"
#include "dispatch/dispatch.h"

int serve_dispatch_setup(struct platform *p, struct bus *bus, struct http_router *router, int demo,
                         int avl_stale_s, struct dispatch **out)
{
    struct dispatch_config cfg = {.avl_stale_s = avl_stale_s, .records = p->records};
    int rc = dispatch_open(p->st, p->audit, bus, &cfg, out);
    if (rc) return rc;
    if (demo) {
        const struct auth_user loader = {
            .name = "demo-loader", .role = "supervisor", .agency = "警視庁"};
        if ((rc = dispatch_demo_load(*out, &loader))) return rc;
        dispatch_demo_simulate(*out);
    }
    return dispatch_routes(*out, router);
}
