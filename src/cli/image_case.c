/* keitsu image case init|verify|replay, and --case CASEDIR on the other image subcommands:
 * the command runs with its standard output captured to a temporary file, which is hashed and
 * then copied to the real standard output, and an entry goes to the case record. */
#include "base/buf.h"
#include "base/err.h"
#include "cli/cli.h"
#include "cli/image_cli.h"
#include "forensics/case.h"
#include "forensics/hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int case_usage(void)
{
    fputs("usage: keitsu image case init CASEDIR --image IMAGE --examiner NAME "
          "[--case-number N]\n"
          "       keitsu image case verify CASEDIR\n"
          "       keitsu image case replay CASEDIR [--into NEWDIR]\n"
          "       keitsu image SUBCOMMAND ... --case CASEDIR   (records the command)\n",
          stderr);
    return 2;
}

/* s as a JSON string; bytes that are not UTF-8 (a hostile file name typed as an argument) are
 * kept visible as \xNN text, since JSON cannot hold them. */
static json_t *text(const char *s)
{
    json_t *j = json_string(s);
    if (j) return j;
    struct kt_buf b;
    kt_buf_init(&b, 1 << 20);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x80)
            kt_buf_append(&b, (const char *)p, 1);
        else
            kt_buf_printf(&b, "\\x%02x", *p);
    j = json_string(b.data ? b.data : "");
    kt_buf_free(&b);
    return j;
}

/* ["keitsu", argv...] (argv[0] is "image") */
static json_t *argv_json(int argc, char **argv)
{
    json_t *a = json_pack("[s]", "keitsu");
    for (int i = 0; i < argc; i++)
        json_array_append_new(a, text(argv[i]));
    return a;
}

static void print_problems(const struct forensics_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "keitsu: case: %s\n", d->msgs[i]);
    if (d->dropped) fprintf(stderr, "keitsu: case: %zu more problems\n", d->dropped);
}

/* Loads dir's record; on a damaged one prints the problems. 0 and *entries, or exit status. */
static int load(const char *dir, json_t **entries, char head[65])
{
    struct forensics_diag d;
    forensics_diag_init(&d, 100);
    int rc = forensics_case_load(dir, entries, head, &d);
    print_problems(&d);
    forensics_diag_free(&d);
    return rc;
}

/* ---- init ---- */

static int case_init(int argc, char **argv)
{
    const char *dir = NULL, *image = NULL, *examiner = NULL, *number = NULL;
    for (int i = 2; i < argc; i++) {
        const char **v = strcmp(argv[i], "--image") == 0         ? &image
                         : strcmp(argv[i], "--examiner") == 0    ? &examiner
                         : strcmp(argv[i], "--case-number") == 0 ? &number
                                                                 : NULL;
        if (v && i + 1 < argc)
            *v = argv[++i];
        else if (!v && !dir && argv[i][0] != '-')
            dir = argv[i];
        else
            return case_usage();
    }
    if (!dir || !image || !examiner || !examiner[0]) return case_usage();
    json_t *ev = NULL;
    int rc = forensics_case_evidence(image, &ev);
    if (rc != 0) return cli_fail(rc);
    json_t *e = json_pack("{s:s,s:o,s:o?,s:O,s:s,s:o}", "event", "init", "examiner", text(examiner),
                          "case_number", number ? text(number) : NULL, "evidence", ev, "keitsu",
                          forensics_case_version(), "argv", argv_json(argc + 1, argv - 1));
    char head[65];
    rc = e ? forensics_case_append(dir, e, 1, head)
           : kt_fail(KT_EINTERNAL, "cannot build the case entry");
    if (rc == 0)
        printf("case %s\nevidence %s\nsize %lld\nmd5 %s\nsha1 %s\nsha256 %s\nrecord head %s\n", dir,
               json_string_value(json_object_get(ev, "path")),
               (long long)json_integer_value(json_object_get(ev, "size")),
               json_string_value(json_object_get(ev, "md5")),
               json_string_value(json_object_get(ev, "sha1")),
               json_string_value(json_object_get(ev, "sha256")), head);
    json_decref(ev);
    json_decref(e);
    return rc == 0 ? 0 : cli_fail(rc);
}

/* ---- verify ---- */

static int case_verify(int argc, char **argv)
{
    if (argc != 3) return case_usage();
    json_t *entries;
    char head[65];
    int rc = load(argv[2], &entries, head);
    if (rc == KT_ENOTFOUND || rc == KT_EIO) return cli_fail(rc);
    int bad = rc != 0;
    printf("record: %zu entries, chain %s, head %s\n", json_array_size(entries),
           bad ? "BROKEN" : "intact", head);
    struct forensics_diag d;
    forensics_diag_init(&d, 100);
    rc = forensics_case_check_evidence(json_array_get(entries, 0), &d);
    print_problems(&d);
    forensics_diag_free(&d);
    const json_t *ev = json_object_get(json_array_get(entries, 0), "evidence");
    printf("evidence: %s sha256 %s %s\n", json_string_value(json_object_get(ev, "path")),
           json_string_value(json_object_get(ev, "sha256")),
           rc == 0 ? "unchanged" : "CHANGED OR UNREADABLE");
    json_decref(entries);
    return bad || rc != 0;
}

/* ---- outputs: hashes of standard output and of what --out names ---- */

static json_t *file_entry(const char *path, const char *name)
{
    char hex[65];
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || forensics_sha256_file(path, hex) != 0)
        return NULL;
    return json_pack("{s:s,s:s,s:I}", "name", name, "sha256", hex, "bytes", (json_int_t)st.st_size);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files --out names: the file itself, or a directory's files (sorted, not
 * recursive). */
static json_t *out_files(const char *out)
{
    json_t *files = json_array();
    struct stat st;
    if (stat(out, &st) != 0) return files;
    if (!S_ISDIR(st.st_mode)) {
        const char *slash = strrchr(out, '/');
        json_t *f = file_entry(out, slash ? slash + 1 : out);
        if (f) json_array_append_new(files, f);
        return files;
    }
    DIR *d = opendir(out);
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        names[n] = strdup(de->d_name);
        if (names[n]) n++;
    }
    if (d) closedir(d);
    if (n) qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", out, names[i]);
        json_t *f = file_entry(path, names[i]);
        if (f) json_array_append_new(files, f);
        free(names[i]);
    }
    free(names);
    return files;
}

/* The value after --out in argv, or NULL. */
static const char *out_arg(int argc, char **argv)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], "--out") == 0) return argv[i + 1];
    return NULL;
}

/* Copies f (from its start) to standard output while hashing it. */
static int copy_out(FILE *f, char hex[65], long long *bytes)
{
    rewind(f);
    char buf[1 << 16];
    size_t n;
    *bytes = 0;
    /* The captured output is hashed from the file afterwards (it is in the page cache). */
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (fwrite(buf, 1, n, stdout) != n) return KT_EIO;
        *bytes += (long long)n;
    }
    fflush(stdout);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(f));
    return forensics_sha256_file(path, hex);
}

/* ---- --case on other subcommands ---- */

int image_case_index(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "case") == 0) return 0;
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--case") == 0) return i;
    return 0;
}

/* Inputs: each argument naming a regular file; the evidence is named, not re-hashed (case
 * verify does that), others are hashed. */
static json_t *inputs(int argc, char **argv, const json_t *init)
{
    json_t *in = json_array();
    const json_t *ev = json_object_get(init, "evidence");
    const char *evpath = json_string_value(json_object_get(ev, "path"));
    const char *out = out_arg(argc, argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        char abs[PATH_MAX];
        if (argv[i] == out || stat(argv[i], &st) != 0 || !S_ISREG(st.st_mode) ||
            !realpath(argv[i], abs))
            continue;
        if (evpath && strcmp(abs, evpath) == 0) {
            json_array_append_new(in, json_pack("{s:s,s:b,s:I,s:I}", "path", abs, "evidence", 1,
                                                "size", (json_int_t)st.st_size, "mtime",
                                                (json_int_t)st.st_mtime));
            continue;
        }
        json_t *f = file_entry(abs, abs);
        if (f) json_array_append_new(in, f);
    }
    return in;
}

int image_case_run(int argc, char **argv, int at, int (*fn)(int, char **))
{
    const char *dir = argv[at + 1];
    char **args = malloc((size_t)argc * sizeof *args);
    if (!args) return cli_fail(kt_fail(KT_ENOMEM, "out of memory"));
    int n = 0;
    for (int i = 0; i < argc; i++)
        if (i != at && i != at + 1) args[n++] = argv[i];
    args[n] = NULL;
    json_t *entries;
    char head[65];
    if (load(dir, &entries, head) != 0) {
        json_decref(entries);
        free(args);
        fprintf(stderr, "keitsu: case %s: not recording into a damaged or missing record\n", dir);
        return 1;
    }
    const json_t *init = json_array_get(entries, 0);
    char absdir[PATH_MAX], upto[32];
    snprintf(upto, sizeof upto, "%zu", json_array_size(entries));
    setenv("KEITSU_CASE_DIR", realpath(dir, absdir) ? absdir : dir, 1);
    setenv("KEITSU_CASE_UPTO", upto, 1);
    FILE *cap = tmpfile();
    int saved = dup(STDOUT_FILENO);
    if (!cap || saved < 0) {
        json_decref(entries);
        free(args);
        return cli_fail(kt_fail(KT_EIO, "cannot capture standard output"));
    }
    fflush(stdout);
    dup2(fileno(cap), STDOUT_FILENO);
    int status = fn(n, args);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    char hex[65];
    long long bytes = 0;
    int rc = copy_out(cap, hex, &bytes);
    fclose(cap);
    const char *examiner = getenv("KEITSU_EXAMINER");
    if (!examiner || !examiner[0]) examiner = json_string_value(json_object_get(init, "examiner"));
    char cwd[PATH_MAX];
    const char *out = out_arg(n, args);
    json_t *e =
        json_pack("{s:s,s:o,s:o,s:o,s:s,s:i,s:o,s:{s:{s:s,s:I},s:o}}", "event", "command",
                  "examiner", text(examiner ? examiner : ""), "argv", argv_json(n, args), "cwd",
                  text(getcwd(cwd, sizeof cwd) ? cwd : ""), "keitsu", forensics_case_version(),
                  "exit", status, "inputs", inputs(n, args, init), "outputs", "stdout", "sha256",
                  hex, "bytes", (json_int_t)bytes, "files", out ? out_files(out) : json_array());
    if (rc == 0 && !e) rc = kt_fail(KT_EINTERNAL, "cannot build the case entry");
    if (rc == 0) rc = forensics_case_append(dir, e, 0, head);
    if (rc == 0) fprintf(stderr, "keitsu: case %s: recorded, head %s\n", dir, head);
    json_decref(e);
    json_decref(entries);
    free(args);
    if (rc != 0) return cli_fail(rc);
    return status;
}

/* ---- replay ---- */

/* Runs argv (["keitsu", "image", …]) as this executable in cwd with standard output to path
 * and standard error to path with ".stderr" for ".stdout". Returns its exit status, or -1. */
static int run_into(json_t *argv, const char *cwd, const char *path, const char *casedir,
                    size_t seq)
{
    size_t n = json_array_size(argv);
    char **args = calloc(n + 1, sizeof *args);
    if (!args) return -1;
    for (size_t i = 0; i < n; i++)
        args[i] = (char *)json_string_value(json_array_get(argv, i));
    fflush(stdout);
    pid_t pid = fork();
    char errpath[PATH_MAX + 64];
    snprintf(errpath, sizeof errpath, "%.*s.stderr", (int)(strlen(path) - strlen(".stdout")), path);
    if (pid == 0) {
        char upto[32];
        snprintf(upto, sizeof upto, "%zu", seq);
        setenv("KEITSU_CASE_DIR", casedir, 1);
        setenv("KEITSU_CASE_UPTO", upto, 1);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || efd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(efd, STDERR_FILENO) < 0 ||
            (cwd[0] && chdir(cwd) != 0))
            _exit(127);
        execv("/proc/self/exe", args);
        _exit(127);
    }
    free(args);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Re-runs one recorded command into into/NNNN.stdout and, if it had --out, into/NNNN.out (a
 * directory; a file output keeps its name inside it); 1 if its outputs match the record. */
static int replay_one(const json_t *e, size_t seq, const char *into, const char *casedir)
{
    json_t *argv = json_deep_copy(json_object_get(e, "argv"));
    char stdout_path[PATH_MAX + 32], out_dir[PATH_MAX + 32], out_path[PATH_MAX + 320];
    snprintf(stdout_path, sizeof stdout_path, "%s/%04zu.stdout", into, seq);
    snprintf(out_dir, sizeof out_dir, "%s/%04zu.out", into, seq);
    const json_t *rec_files = json_object_get(json_object_get(e, "outputs"), "files");
    int has_out = 0;
    for (size_t i = 0; i + 1 < json_array_size(argv); i++) {
        const char *a = json_string_value(json_array_get(argv, i));
        if (!a || strcmp(a, "--out") != 0) continue;
        const char *old = json_string_value(json_array_get(argv, i + 1));
        const char *base = old && strrchr(old, '/') ? strrchr(old, '/') + 1 : old;
        const char *name = json_string_value(json_object_get(json_array_get(rec_files, 0), "name"));
        snprintf(out_path, sizeof out_path, "%s", out_dir);
        if (json_array_size(rec_files) == 1 && base && name && strcmp(base, name) == 0) {
            mkdir(out_dir, 0777);
            snprintf(out_path, sizeof out_path, "%s/%s", out_dir, base);
        }
        json_array_set_new(argv, i + 1, json_string(out_path));
        has_out = 1;
    }
    const char *cwd = json_string_value(json_object_get(e, "cwd"));
    int status = run_into(argv, cwd ? cwd : "", stdout_path, casedir, seq);
    char hex[65] = "";
    forensics_sha256_file(stdout_path, hex);
    const char *want = json_string_value(
        json_object_get(json_object_get(json_object_get(e, "outputs"), "stdout"), "sha256"));
    int same =
        want && strcmp(want, hex) == 0 && status == json_integer_value(json_object_get(e, "exit"));
    if (has_out) {
        json_t *got = out_files(out_dir);
        same = same && json_equal(got, rec_files);
        json_decref(got);
    }
    printf("%04zu %s ", seq, same ? "same     " : "DIFFERENT");
    for (size_t i = 0; i < json_array_size(argv); i++)
        printf(" %s", json_string_value(json_array_get(argv, i)));
    putchar('\n');
    json_decref(argv);
    return same;
}

static int case_replay(int argc, char **argv)
{
    if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--into") == 0)) return case_usage();
    const char *dir = argv[2];
    json_t *entries;
    char head[65];
    if (load(dir, &entries, head) != 0) {
        json_decref(entries);
        fprintf(stderr, "keitsu: case %s: the record is damaged; not replaying\n", dir);
        return 1;
    }
    char into[PATH_MAX];
    if (argc == 5) {
        snprintf(into, sizeof into, "%s", argv[4]);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(into, sizeof into, "%s/replay-%s", dir, stamp);
    }
    char abs[PATH_MAX], absdir[PATH_MAX];
    if (!realpath(dir, absdir)) snprintf(absdir, sizeof absdir, "%s", dir);
    if (mkdir(into, 0777) != 0 || !realpath(into, abs)) {
        json_decref(entries);
        return cli_fail(kt_fail(KT_EIO, "%s: %s", into, strerror(errno)));
    }
    size_t total = 0, same = 0;
    for (size_t i = 1; i < json_array_size(entries); i++) {
        const json_t *e = json_array_get(entries, i);
        const char *ev = json_string_value(json_object_get(e, "event"));
        if (!ev || strcmp(ev, "command") != 0) continue;
        total++;
        same += (size_t)replay_one(e, i, abs, absdir);
    }
    printf("replayed %zu commands into %s: %zu same, %zu different\n", total, abs, same,
           total - same);
    const char *examiner = getenv("KEITSU_EXAMINER");
    json_t *e = json_pack("{s:s,s:o,s:o,s:s,s:I,s:I}", "event", "replay", "examiner",
                          text(examiner ? examiner : ""), "into", text(abs), "keitsu",
                          forensics_case_version(), "commands", (json_int_t)total, "same",
                          (json_int_t)same);
    int rc = forensics_case_append(dir, e, 0, head);
    json_decref(e);
    json_decref(entries);
    if (rc != 0) return cli_fail(rc);
    return same == total ? 0 : 1;
}

int image_cmd_case(int argc, char **argv)
{
    if (argc < 3) return case_usage();
    if (strcmp(argv[1], "init") == 0) return case_init(argc, argv);
    if (strcmp(argv[1], "verify") == 0) return case_verify(argc, argv);
    if (strcmp(argv[1], "replay") == 0) return case_replay(argc, argv);
    return case_usage();
}
