/* Error codes and the thread-local error message.
 *
 * Functions that can fail return 0 or a negative KT_E* code. A failing function may record a
 * human-readable detail with kt_fail(); the HTTP layer turns the pair into
 * {"error":{"code":"<kt_err_name>","message":"<detail>"}} with status kt_err_http(). */
#ifndef KEITSU_BASE_ERR_H
#define KEITSU_BASE_ERR_H

enum {
    KT_OK = 0,
    KT_EINVAL = -1,     /* malformed input: 400 invalid_request */
    KT_EVALID = -2,     /* well-formed but wrong (check digit, date): 422 validation_failed */
    KT_EAUTH = -3,      /* missing or bad credentials: 401 unauthorized */
    KT_EFORBIDDEN = -4, /* role or need-to-know forbids it: 403 forbidden */
    KT_ENOTFOUND = -5,  /* 404 not_found */
    KT_ECONFLICT = -6,  /* state does not allow it, duplicate: 409 conflict */
    KT_ETOOBIG = -7,    /* body over the limit: 413 too_large */
    KT_ELOCKED = -8,    /* account locked after failures: 423 locked */
    KT_EMEDIA = -9,     /* wrong content type: 415 unsupported_media_type */
    KT_EMETHOD = -10,   /* 405 method_not_allowed */
    KT_ESTORE = -11,    /* database failure: 500 store_error */
    KT_ENOMEM = -12,    /* 500 out_of_memory */
    KT_EIO = -13,       /* file or network failure: 500 io_error */
    KT_EINTERNAL = -14, /* 500 internal */
    KT_EUNAVAIL = -15,  /* 503 unavailable */
};

/* Short machine-readable name of a code ("invalid_request"); never NULL. */
const char *kt_err_name(int code);
/* HTTP status for a code (400, 401, ...); 500 for unknown codes. */
int kt_err_http(int code);

/* Records a formatted detail message for the calling thread and returns code, so callers can
 * write `return kt_fail(KT_EINVAL, "birth_date: %s is not a date", s);`. */
int kt_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The calling thread's last detail message, or "" if none; valid until the next kt_fail(). */
const char *kt_errmsg(void);
/* Forgets the calling thread's detail message. */
void kt_err_clear(void);

#endif
