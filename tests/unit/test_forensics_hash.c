/* Whole-image hashing against one-shot digests, at sizes around the reader's chunks and ring
 * (empty, one byte, a chunk ± 1, more than the ring holds), and SHA-256 of files. */
#include "base/err.h"
#include "forensics/hash.h"
#include "tap.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void hex_of(const EVP_MD *md, const unsigned char *d, size_t n, char *out)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(d, n, h, &len, md, NULL);
    for (unsigned int i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

int main(void)
{
    const size_t chunk = 4 << 20;
    const size_t sizes[] = {0, 1, 4095, chunk - 1, chunk, chunk + 1, 9 * chunk + 17};
    size_t max = sizes[sizeof sizes / sizeof sizes[0] - 1];
    unsigned char *data = malloc(max);
    if (!data) return 1;
    uint32_t x = 12345;
    for (size_t i = 0; i < max; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 16);
    }
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (SANITIZED && sizes[i] > chunk + 1) continue;
        struct forensics_image *img;
        if (forensics_image_open_mem(data, sizes[i], &img) != 0) return 1;
        struct forensics_hashes h;
        int rc = forensics_hash_image(img, &h);
        char md5[33], sha1[41], sha256[65];
        hex_of(EVP_md5(), data, sizes[i], md5);
        hex_of(EVP_sha1(), data, sizes[i], sha1);
        hex_of(EVP_sha256(), data, sizes[i], sha256);
        CHECK(rc == 0 && h.bytes == sizes[i] && strcmp(h.md5, md5) == 0 &&
                  strcmp(h.sha1, sha1) == 0 && strcmp(h.sha256, sha256) == 0,
              "%zu bytes: rc %d md5 %s", sizes[i], rc, h.md5);
        forensics_image_close(img);
    }
    char path[] = "/tmp/keitsu-hash-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, data, 100000) != 100000) return 1;
    close(fd);
    char a[65], b[65];
    forensics_sha256_hex(data, 100000, a);
    CHECK(forensics_sha256_file(path, b) == 0 && strcmp(a, b) == 0, "sha256 of a file");
    unlink(path);
    CHECK(forensics_sha256_file(path, b) == KT_ENOTFOUND && !b[0], "sha256 of a missing file");
    forensics_sha256_hex("", 0, a);
    CHECK(strcmp(a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0,
          "sha256 of nothing");
    free(data);
    return tap_done();
}
