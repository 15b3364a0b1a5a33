/* Subcommands that work on the store directly: user add, records import, audit verify. */
#include "base/err.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>

/* Splits "--opt value" pairs into the named slots; positional arguments into pos[]. */
struct opts {
    const char *data, *db, *role, *agency, *user, *station;
    const char *pos[4];
    int npos;
};

static int parse(int argc, char **argv, int start, struct opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = start; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (o->npos == 4) return -1;
            o->pos[o->npos++] = a;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "keitsu: %s needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--data") == 0)
            o->data = v;
        else if (strcmp(a, "--db") == 0)
            o->db = v;
        else if (strcmp(a, "--role") == 0)
            o->role = v;
        else if (strcmp(a, "--agency") == 0)
            o->agency = v;
        else if (strcmp(a, "--station") == 0)
            o->station = v;
        else if (strcmp(a, "--user") == 0)
            o->user = v;
        else {
            fprintf(stderr, "keitsu: unknown option %s\n", a);
            return -1;
        }
    }
    return 0;
}

int cmd_user(int argc, char **argv)
{
    struct opts o;
    if (argc < 2 || strcmp(argv[1], "add") != 0 || parse(argc, argv, 2, &o) || o.npos != 1 ||
        !o.role || !o.data) {
        fprintf(stderr, "usage: keitsu user add --data DIR NAME --role ROLE [--agency AGENCY]"
                        " [--station STATION] [--db URL]  (password on standard input)\n");
        return 2;
    }
    char pw[1100];
    int rc = cli_read_password(pw, sizeof pw);
    if (rc) return cli_fail(rc);
    struct platform p;
    if ((rc = platform_open(&p, o.data, o.db, 1, NULL, 0))) return cli_fail(rc);
    rc = auth_user_add(p.st, o.pos[0], o.role, o.agency ? o.agency : "警視庁", pw);
    sodium_memzero(pw, sizeof pw);
    if (!rc && o.station) rc = auth_user_set_station(p.st, o.pos[0], o.station);
    if (!rc) {
        /* Added at the console of the server machine: the actor is the local administrator. */
        const struct auth_user local = {.name = "local-console", .role = "admin", .agency = "-"};
        char detail[160];
        snprintf(detail, sizeof detail, "{\"role\":\"%.24s\",\"station\":\"%.63s\"}", o.role,
                 o.station ? o.station : "");
        struct audit_entry e = {.action = "user.add", .target = o.pos[0], .detail = detail};
        rc = audit_log(p.audit, &local, &e, NULL);
    }
    platform_close(&p);
    if (rc) return cli_fail(rc);
    printf("user %s added with role %s\n", o.pos[0], o.role);
    return 0;
}

int cmd_records(int argc, char **argv)
{
    struct opts o;
    if (argc < 2 || strcmp(argv[1], "import") != 0 || parse(argc, argv, 2, &o) || o.npos != 1 ||
        !o.data || !o.user) {
        fprintf(stderr, "usage: keitsu records import FILE.jsonl --data DIR --user NAME"
                        " [--db URL]  (password on standard input)\n");
        return 2;
    }
    char pw[1100];
    int rc = cli_read_password(pw, sizeof pw);
    if (rc) return cli_fail(rc);
    FILE *in = strcmp(o.pos[0], "-") == 0 ? NULL : fopen(o.pos[0], "r");
    if (!in) {
        fprintf(stderr, "keitsu: cannot open %s\n", o.pos[0]);
        return 1;
    }
    struct platform p;
    if ((rc = platform_open(&p, o.data, o.db, 2, NULL, 1))) {
        fclose(in);
        return cli_fail(rc);
    }
    struct auth_user u;
    long count = 0;
    rc = auth_verify_password(p.auth, o.user, pw, &u);
    sodium_memzero(pw, sizeof pw);
    if (!rc) rc = records_import(p.records, &u, in, &count);
    fclose(in);
    if (rc) {
        int status = cli_fail(rc);
        fprintf(stderr, "keitsu: nothing was imported\n");
        platform_close(&p);
        return status;
    }
    platform_close(&p);
    printf("imported %ld records\n", count);
    return 0;
}

int cmd_audit(int argc, char **argv)
{
    struct opts o;
    if (argc < 2 || strcmp(argv[1], "verify") != 0 || parse(argc, argv, 2, &o) || o.npos != 0 ||
        !o.data) {
        fprintf(stderr, "usage: keitsu audit verify --data DIR [--db URL]\n");
        return 2;
    }
    struct platform p;
    int rc = platform_open(&p, o.data, o.db, 1, NULL, 0);
    if (rc) return cli_fail(rc);
    struct audit_verify_result r;
    rc = audit_verify(p.st, p.anchor, &r);
    platform_close(&p);
    if (rc) return cli_fail(rc);
    if (!r.ok) {
        printf("audit trail BROKEN after %lld good entries: %s\n", (long long)r.entries, r.problem);
        return 1;
    }
    printf("audit trail OK: %lld entries verified\n", (long long)r.entries);
    return 0;
}
