/* keitsu licence …: the driver-licence commands (運転者管理). Each subcommand is a row of the
 * table below; `keitsu licence assess` runs the point assessment offline (no store, no
 * server), reading one driver's history as JSON on standard input. */
#include "base/err.h"
#include "cli/cli.h"
#include "licence/points.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSESS_MAX_INPUT (1024 * 1024)

/* Reads all of f up to cap bytes into a new buffer (freed by the caller). */
static int read_all(FILE *f, size_t cap, char **out, size_t *len)
{
    size_t n = 0, size = 4096;
    char *buf = malloc(size);
    if (!buf) return KT_ENOMEM;
    for (;;) {
        if (n == size) {
            if (size >= cap) {
                free(buf);
                return kt_fail(KT_ETOOBIG, "standard input: more than %zu bytes", cap);
            }
            size = size * 2 > cap ? cap : size * 2;
            char *nb = realloc(buf, size);
            if (!nb) {
                free(buf);
                return KT_ENOMEM;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, size - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(buf);
        return kt_fail(KT_EIO, "standard input: read error");
    }
    *out = buf;
    *len = n;
    return 0;
}

static int licence_assess_cmd(int argc, char **argv)
{
    (void)argv;
    if (argc != 1) {
        fputs("usage: keitsu licence assess < history.json\n", stderr);
        return 2;
    }
    char *buf = NULL;
    size_t len = 0;
    int rc = read_all(stdin, ASSESS_MAX_INPUT, &buf, &len);
    if (rc) return cli_fail(rc);
    json_error_t err;
    json_t *in = json_loadb(buf, len, 0, &err);
    free(buf);
    if (!in) {
        fprintf(stderr, "keitsu: standard input: invalid JSON at line %d: %s\n", err.line,
                err.text);
        return 1;
    }
    json_t *out = NULL;
    rc = licence_assess_json(in, &out);
    json_decref(in);
    if (rc) return cli_fail(rc);
    char *s = json_dumps(out, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(out);
    if (!s) return cli_fail(KT_ENOMEM);
    puts(s);
    free(s);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand */
    const char *usage;
} subcommands[] = {
    {"assess", licence_assess_cmd,
     "  keitsu licence assess < history.json\n"
     "        {\"as_of\":\"YYYY-MM-DD\",\"events\":[…]} in, the disposition as JSON out\n"},
};

static void usage(FILE *f)
{
    fputs("usage:\n", f);
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fputs(subcommands[i].usage, f);
}

int cmd_licence(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "keitsu: unknown licence command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
