/* Whole-image hashing: a reader thread and one thread per digest over a ring of buffers. Each
 * buffer is read once and hashed by all three digests; the reader reuses a slot when the
 * slowest digest has finished with it. On two cores MD5 (no hardware help) sets the pace;
 * SHA-1 and SHA-256 use the CPU's SHA extensions through OpenSSL where present. */
#include "forensics/hash.h"

#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SLOTS = 8, CHUNK = 4 << 20, NDIGESTS = 3 };

struct job {
    struct forensics_image *img;
    unsigned char *buf[SLOTS];
    size_t len[SLOTS];
    pthread_mutex_t lock;
    pthread_cond_t filled, freed;
    uint64_t produced;           /* chunks read so far */
    uint64_t consumed[NDIGESTS]; /* chunks each digest has hashed */
    int eof;                     /* the reader is done (produced is final) */
    int rc;                      /* the reader's error, if any */
    char errmsg[256];
    uint64_t bytes;
};

struct hasher {
    struct job *job;
    int id;
    const EVP_MD *md;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len;
    int ok;
};

static uint64_t slowest(const struct job *j)
{
    uint64_t m = j->consumed[0];
    for (int i = 1; i < NDIGESTS; i++)
        if (j->consumed[i] < m) m = j->consumed[i];
    return m;
}

static void *reader(void *arg)
{
    struct job *j = arg;
    uint64_t size = forensics_image_size(j->img), off = 0;
    int rc = 0;
    while (off < size) {
        pthread_mutex_lock(&j->lock);
        while (j->produced - slowest(j) >= SLOTS)
            pthread_cond_wait(&j->freed, &j->lock);
        uint64_t seq = j->produced;
        pthread_mutex_unlock(&j->lock);
        int slot = (int)(seq % SLOTS);
        size_t got = 0;
        rc = forensics_image_read(j->img, off, j->buf[slot], CHUNK, &got);
        if (rc == 0 && got == 0)
            rc = kt_fail(KT_EIO, "image ends at %llu, before its size %llu",
                         (unsigned long long)off, (unsigned long long)size);
        if (rc != 0) break;
        j->len[slot] = got;
        off += got;
        pthread_mutex_lock(&j->lock);
        j->produced++;
        pthread_cond_broadcast(&j->filled);
        pthread_mutex_unlock(&j->lock);
    }
    pthread_mutex_lock(&j->lock);
    if (rc != 0) {
        j->rc = rc;
        strncpy(j->errmsg, kt_errmsg(), sizeof j->errmsg - 1);
    }
    j->bytes = off;
    j->eof = 1;
    pthread_cond_broadcast(&j->filled);
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

static void *hash_worker(void *arg)
{
    struct hasher *h = arg;
    struct job *j = h->job;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, h->md, NULL) == 1;
    for (uint64_t seq = 0;; seq++) {
        pthread_mutex_lock(&j->lock);
        while (seq >= j->produced && !j->eof)
            pthread_cond_wait(&j->filled, &j->lock);
        int have = seq < j->produced;
        pthread_mutex_unlock(&j->lock);
        if (!have) break;
        int slot = (int)(seq % SLOTS);
        if (ok) ok = EVP_DigestUpdate(ctx, j->buf[slot], j->len[slot]) == 1;
        pthread_mutex_lock(&j->lock);
        j->consumed[h->id] = seq + 1;
        pthread_cond_signal(&j->freed);
        pthread_mutex_unlock(&j->lock);
    }
    if (ok) ok = EVP_DigestFinal_ex(ctx, h->digest, &h->digest_len) == 1;
    EVP_MD_CTX_free(ctx);
    h->ok = ok;
    return NULL;
}

int forensics_hash_image(struct forensics_image *img, struct forensics_hashes *out)
{
    memset(out, 0, sizeof *out);
    struct job j = {.img = img};
    int rc = 0;
    for (int i = 0; i < SLOTS; i++) {
        j.buf[i] = malloc(CHUNK);
        if (!j.buf[i]) rc = kt_fail(KT_ENOMEM, "out of memory");
    }
    struct hasher h[NDIGESTS] = {{.md = EVP_md5()}, {.md = EVP_sha1()}, {.md = EVP_sha256()}};
    pthread_t workers[NDIGESTS], rd;
    int started = 0;
    if (rc == 0) {
        pthread_mutex_init(&j.lock, NULL);
        pthread_cond_init(&j.filled, NULL);
        pthread_cond_init(&j.freed, NULL);
        for (; started < NDIGESTS; started++) {
            h[started].job = &j;
            h[started].id = started;
            if (pthread_create(&workers[started], NULL, hash_worker, &h[started]) != 0) break;
        }
        if (started < NDIGESTS) {
            /* Too few threads: let the started ones end, and fail. */
            pthread_mutex_lock(&j.lock);
            j.eof = 1;
            pthread_cond_broadcast(&j.filled);
            pthread_mutex_unlock(&j.lock);
            rc = kt_fail(KT_ENOMEM, "cannot start hashing threads");
        } else if (pthread_create(&rd, NULL, reader, &j) != 0) {
            pthread_mutex_lock(&j.lock);
            j.eof = 1;
            pthread_cond_broadcast(&j.filled);
            pthread_mutex_unlock(&j.lock);
            rc = kt_fail(KT_ENOMEM, "cannot start the reading thread");
        } else {
            pthread_join(rd, NULL);
        }
        for (int i = 0; i < started; i++)
            pthread_join(workers[i], NULL);
        pthread_cond_destroy(&j.filled);
        pthread_cond_destroy(&j.freed);
        pthread_mutex_destroy(&j.lock);
    }
    for (int i = 0; i < SLOTS; i++)
        free(j.buf[i]);
    if (rc != 0) return rc;
    if (j.rc != 0) return kt_fail(j.rc, "%s", j.errmsg);
    if (!h[0].ok || !h[1].ok || !h[2].ok) return kt_fail(KT_EINTERNAL, "OpenSSL digest failed");
    sodium_bin2hex(out->md5, sizeof out->md5, h[0].digest, h[0].digest_len);
    sodium_bin2hex(out->sha1, sizeof out->sha1, h[1].digest, h[1].digest_len);
    sodium_bin2hex(out->sha256, sizeof out->sha256, h[2].digest, h[2].digest_len);
    out->bytes = j.bytes;
    return 0;
}

void forensics_sha256_hex(const void *data, size_t n, char hex[65])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, n, d, &len, EVP_sha256(), NULL);
    sodium_bin2hex(hex, 65, d, len);
}

int forensics_sha256_file(const char *path, char hex[65])
{
    hex[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return kt_fail(errno == ENOENT ? KT_ENOTFOUND : KT_EIO, "%s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *buf = malloc(1 << 20);
    int rc = ctx && buf && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1
                 ? 0
                 : kt_fail(KT_ENOMEM, "out of memory");
    while (rc == 0) {
        ssize_t r = read(fd, buf, 1 << 20);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) rc = kt_fail(KT_EIO, "%s: %s", path, strerror(errno));
        if (r <= 0) break;
        EVP_DigestUpdate(ctx, buf, (size_t)r);
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (rc == 0 && EVP_DigestFinal_ex(ctx, d, &len) == 1) sodium_bin2hex(hex, 65, d, len);
    EVP_MD_CTX_free(ctx);
    free(buf);
    close(fd);
    return rc;
}
