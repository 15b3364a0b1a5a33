#include "base/err.h"
#include "base/log.h"
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_fail(int code)
{
    const char *msg = kt_errmsg();
    fprintf(stderr, "keitsu: %s\n", *msg ? msg : kt_err_name(code));
    return 1;
}

int cli_read_password(char *out, size_t cap)
{
    if (!fgets(out, (int)cap, stdin))
        return kt_fail(KT_EINVAL, "expected the password on standard input");
    size_t n = strlen(out);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return 0;
}

int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return kt_fail(KT_EIO, "cannot open %s: %s", path, strerror(errno));
    uint8_t *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max, f) : 0;
    int more = b && fgetc(f) != EOF, bad = ferror(f);
    fclose(f);
    if (!b) return KT_ENOMEM;
    if (more || bad) {
        free(b);
        return more ? kt_fail(KT_ETOOBIG, "%s is over %zu bytes", path, max)
                    : kt_fail(KT_EIO, "cannot read %s", path);
    }
    b[n] = 0;
    *out = b;
    *len = n;
    return 0;
}

int platform_open(struct platform *p, const char *data_dir, const char *db, int pool,
                  const struct auth_config *cfg, int with_records)
{
    memset(p, 0, sizeof *p);
    if (!data_dir) return kt_fail(KT_EINVAL, "--data DIR is required");
    if (snprintf(p->data_dir, sizeof p->data_dir, "%s", data_dir) >= (int)sizeof p->data_dir)
        return kt_fail(KT_EINVAL, "data directory path too long");
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST)
        return kt_fail(KT_EIO, "cannot create %s: %s", data_dir, strerror(errno));
    char path[1100];
    snprintf(path, sizeof path, "%s/keitsu.db", data_dir);
    snprintf(p->anchor, sizeof p->anchor, "%s/audit.anchor", data_dir);
    int rc = store_open(db ? db : path, pool, &p->st);
    if (!rc) rc = store_migrate(p->st);
    if (!rc) rc = auth_open(p->st, cfg, &p->auth);
    if (!rc) rc = audit_open(p->st, p->anchor, &p->audit);
    if (!rc && with_records) rc = records_open(p->st, p->audit, &p->records);
    if (rc) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", kt_errmsg());
        platform_close(p);
        return kt_fail(rc, "%s", msg);
    }
    return 0;
}

void platform_close(struct platform *p)
{
    records_close(p->records);
    audit_close(p->audit);
    auth_close(p->auth);
    store_close(p->st);
    memset(p, 0, sizeof *p);
}
