#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char errmsg[512];

static const struct {
    int code;
    const char *name;
    int http;
} table[] = {
    {KT_OK, "ok", 200},
    {KT_EINVAL, "invalid_request", 400},
    {KT_EVALID, "validation_failed", 422},
    {KT_EAUTH, "unauthorized", 401},
    {KT_EFORBIDDEN, "forbidden", 403},
    {KT_ENOTFOUND, "not_found", 404},
    {KT_ECONFLICT, "conflict", 409},
    {KT_ETOOBIG, "too_large", 413},
    {KT_ELOCKED, "locked", 423},
    {KT_EMEDIA, "unsupported_media_type", 415},
    {KT_EMETHOD, "method_not_allowed", 405},
    {KT_ESTORE, "store_error", 500},
    {KT_ENOMEM, "out_of_memory", 500},
    {KT_EIO, "io_error", 500},
    {KT_EINTERNAL, "internal", 500},
    {KT_EUNAVAIL, "unavailable", 503},
};

const char *kt_err_name(int code)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == code) return table[i].name;
    return "internal";
}

int kt_err_http(int code)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == code) return table[i].http;
    return 500;
}

int kt_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return code;
}

const char *kt_errmsg(void)
{
    return errmsg;
}

void kt_err_clear(void)
{
    errmsg[0] = '\0';
}
