/* The hash-chained case record. Appends take an exclusive flock() on the record so that two
 * commands of one case cannot interleave their lines. */
#include "forensics/case.h"

#include "base/err.h"
#include "forensics/hash.h"
#include "forensics/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef KEITSU_COMMIT
#define KEITSU_COMMIT "unknown"
#endif
#define KEITSU_FORENSICS_VERSION "0.1"

/* A case record is text written by keitsu; a line longer than this is damage. */
enum { LINE_MAX_BYTES = 1 << 20, RECORD_MAX_BYTES = 1 << 30 };

static const char zero_hash[] = "0000000000000000000000000000000000000000000000000000000000000000";

const char *forensics_case_version(void)
{
    return KEITSU_FORENSICS_VERSION " (" KEITSU_COMMIT ")";
}

static void record_path(const char *dir, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, FORENSICS_CASE_FILE);
}

static void now_utc(char *out, size_t cap)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char s[24];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, cap, "%.19s.%03dZ", s, (int)(ts.tv_nsec / 1000000));
}

/* Reads the whole record (bounded) from fd: 0 and *data (malloc'd, NUL-terminated). */
static int read_all(int fd, char **data, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return kt_fail(KT_EIO, "case record: %s", strerror(errno));
    if (st.st_size > RECORD_MAX_BYTES) return kt_fail(KT_EVALID, "case record is too large");
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    if (!buf) return kt_fail(KT_ENOMEM, "out of memory");
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

/* The last line of data (without its newline): start and length; 0 if empty. */
static size_t last_line(const char *data, size_t len, const char **start)
{
    if (len && data[len - 1] == '\n') len--;
    size_t i = len;
    while (i > 0 && data[i - 1] != '\n')
        i--;
    *start = data + i;
    return len - i;
}

int forensics_case_append(const char *dir, json_t *entry, int create, char head[65])
{
    head[0] = '\0';
    char path[PATH_MAX];
    record_path(dir, path, sizeof path);
    if (create && mkdir(dir, 0777) != 0 && errno != EEXIST)
        return kt_fail(KT_EIO, "%s: %s", dir, strerror(errno));
    int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0644);
    if (fd < 0)
        return kt_fail(errno == EEXIST || errno == ENOENT ? KT_ECONFLICT : KT_EIO, "%s: %s%s", path,
                       strerror(errno),
                       errno == ENOENT ? " (run keitsu image case init first)" : "");
    if (flock(fd, LOCK_EX) != 0) {
        close(fd);
        return kt_fail(KT_EIO, "%s: cannot lock: %s", path, strerror(errno));
    }
    char *data = NULL;
    size_t len = 0;
    int rc = read_all(fd, &data, &len);
    const char *last = NULL;
    size_t last_len = rc == 0 ? last_line(data, len, &last) : 0;
    json_int_t seq = 0;
    char prev[65];
    memcpy(prev, zero_hash, sizeof prev);
    if (rc == 0 && last_len) {
        json_t *l = json_loadb(last, last_len, 0, NULL);
        json_t *s = json_object_get(l, "seq");
        if (!json_is_integer(s))
            rc = kt_fail(KT_EVALID, "%s: the last line is damaged", path);
        else
            seq = json_integer_value(s) + 1;
        json_decref(l);
        forensics_sha256_hex(last, last_len, prev);
    } else if (rc == 0 && !create) {
        rc = kt_fail(KT_EVALID, "%s is empty", path);
    }
    char *line = NULL;
    if (rc == 0) {
        char t[64];
        now_utc(t, sizeof t);
        json_object_set_new(entry, "seq", json_integer(seq));
        json_object_set_new(entry, "prev", json_string(prev));
        json_object_set_new(entry, "time", json_string(t));
        line = json_dumps(entry, JSON_COMPACT);
        if (!line) rc = kt_fail(KT_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        size_t n = strlen(line);
        line[n] = '\n'; /* json_dumps left room for its NUL; the newline takes its place */
        ssize_t w = write(fd, line, n + 1);
        line[n] = '\0';
        if (w != (ssize_t)(n + 1) || fsync(fd) != 0)
            rc = kt_fail(KT_EIO, "%s: write failed: %s", path, strerror(errno));
        else
            forensics_sha256_hex(line, n, head);
    }
    free(line);
    free(data);
    flock(fd, LOCK_UN);
    close(fd);
    return rc;
}

int forensics_case_load(const char *dir, json_t **entries, char head[65],
                        struct forensics_diag *problems)
{
    *entries = NULL;
    head[0] = '\0';
    char path[PATH_MAX];
    record_path(dir, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kt_fail(errno == ENOENT ? KT_ENOTFOUND : KT_EIO, "%s: %s", path, strerror(errno));
    char *data = NULL;
    size_t len = 0;
    flock(fd, LOCK_SH);
    int rc = read_all(fd, &data, &len);
    flock(fd, LOCK_UN);
    close(fd);
    if (rc != 0) return rc;
    rc = forensics_case_parse(data, len, entries, head, problems);
    free(data);
    return rc;
}

int forensics_case_parse(const char *data, size_t len, json_t **entries, char head[65],
                         struct forensics_diag *problems)
{
    head[0] = '\0';
    json_t *all = json_array();
    char prev[65];
    memcpy(prev, zero_hash, sizeof prev);
    size_t broken = 0;
    json_int_t seq = 0;
    for (const char *p = data; p < data + len;) {
        const char *nl = memchr(p, '\n', (size_t)(data + len - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(data + len - p);
        if (!nl) {
            forensics_diag_add(problems, "line %lld has no newline (cut off?)", (long long)seq);
            broken++;
        }
        json_t *e = n <= LINE_MAX_BYTES ? json_loadb(p, n, 0, NULL) : NULL;
        const char *eprev = json_string_value(json_object_get(e, "prev"));
        json_t *eseq = json_object_get(e, "seq");
        if (!json_is_object(e)) {
            forensics_diag_add(problems, "line %lld is not a JSON object", (long long)seq);
            broken++;
        } else {
            if (!json_is_integer(eseq) || json_integer_value(eseq) != seq) {
                forensics_diag_add(problems, "line %lld says seq %lld", (long long)seq,
                                   json_is_integer(eseq) ? (long long)json_integer_value(eseq)
                                                         : -1LL);
                broken++;
            }
            if (!eprev || strcmp(eprev, prev) != 0) {
                forensics_diag_add(problems,
                                   "line %lld: the previous line's hash does not match (the "
                                   "previous line was changed, removed or inserted)",
                                   (long long)seq);
                broken++;
            }
            const char *event = json_string_value(json_object_get(e, "event"));
            if (seq == 0 && (!event || strcmp(event, "init") != 0)) {
                forensics_diag_add(problems, "line 0 is not the init entry");
                broken++;
            }
        }
        json_array_append_new(all, e ? e : json_null());
        forensics_sha256_hex(p, n, prev);
        memcpy(head, prev, 65);
        seq++;
        p += n + (nl ? 1 : 0);
    }
    if (seq == 0) {
        forensics_diag_add(problems, "the record is empty");
        broken++;
    }
    *entries = all;
    return broken ? kt_fail(KT_EVALID, "the case record is damaged") : 0;
}

int forensics_case_evidence(const char *path, json_t **out)
{
    *out = NULL;
    struct forensics_image *img;
    int rc = forensics_image_open(path, &img);
    if (rc != 0) return rc;
    struct forensics_hashes h;
    rc = forensics_hash_image(img, &h);
    if (rc == 0) {
        char abs[PATH_MAX];
        json_t *segs = json_array();
        for (size_t i = 0; i < forensics_image_segments(img); i++) {
            const char *s = forensics_image_segment(img, i);
            struct stat st;
            json_t *seg = json_pack("{s:s}", "path", realpath(s, abs) ? abs : s);
            if (stat(s, &st) == 0) {
                json_object_set_new(seg, "size", json_integer((json_int_t)st.st_size));
                json_object_set_new(seg, "mtime", json_integer((json_int_t)st.st_mtime));
            }
            json_array_append_new(segs, seg);
        }
        *out = json_pack("{s:s,s:s,s:I,s:o,s:s,s:s,s:s}", "path", realpath(path, abs) ? abs : path,
                         "format", forensics_image_format(img), "size",
                         (json_int_t)forensics_image_size(img), "segments", segs, "md5", h.md5,
                         "sha1", h.sha1, "sha256", h.sha256);
        const char *stored = forensics_image_meta_get(img, "md5");
        if (stored) json_object_set_new(*out, "stored_md5", json_string(stored));
        if (!*out) rc = kt_fail(KT_ENOMEM, "out of memory");
    }
    forensics_image_close(img);
    return rc;
}

int forensics_case_check_evidence(const json_t *init, struct forensics_diag *problems)
{
    const json_t *ev = json_object_get(init, "evidence");
    const char *path = json_string_value(json_object_get(ev, "path"));
    if (!path) {
        forensics_diag_add(problems, "the init entry names no evidence");
        return kt_fail(KT_EVALID, "no evidence recorded");
    }
    json_t *now = NULL;
    int rc = forensics_case_evidence(path, &now);
    if (rc != 0) {
        forensics_diag_add(problems, "evidence %s cannot be read: %s", path, kt_errmsg());
        return rc;
    }
    static const char *const keys[] = {"size", "md5", "sha1", "sha256"};
    int bad = 0;
    for (size_t i = 0; i < 4; i++)
        if (!json_equal(json_object_get(ev, keys[i]), json_object_get(now, keys[i]))) {
            char *a = json_dumps(json_object_get(ev, keys[i]), JSON_ENCODE_ANY);
            char *b = json_dumps(json_object_get(now, keys[i]), JSON_ENCODE_ANY);
            forensics_diag_add(problems, "evidence %s: %s was %s, is now %s", path, keys[i],
                               a ? a : "?", b ? b : "?");
            free(a);
            free(b);
            bad = 1;
        }
    json_decref(now);
    return bad ? kt_fail(KT_EVALID, "the evidence has changed") : 0;
}
