/* NTFS: the boot sector, and the MFT read once into memory with every record's fixups applied
 * (to the copy; the image is only read). */
#include "base/err.h"
#include "forensics/ntfs_priv.h"

#include <stdlib.h>
#include <string.h>

#define MAX_MFT_BYTES ((uint64_t)4 << 30)
#define READ_CHUNK ((size_t)8 << 20)

void ntfs_read_vol(struct ntfs_fs *fs, uint64_t off, void *buf, size_t n)
{
    size_t got = 0;
    int rc = 0;
    if (off <= UINT64_MAX - fs->off)
        rc = forensics_image_read(fs->img, fs->off + off, buf, n, &got);
    if (got < n) {
        memset((uint8_t *)buf + got, 0, n - got);
        if (fs->read_errors++ < 20)
            forensics_diag_add(fs->diag, "ntfs: %s reading %zu bytes at volume offset %llu",
                               rc ? "I/O error" : "image ends", n - got,
                               (unsigned long long)(off + got));
    }
}

int ntfs_fixup(uint8_t *buf, size_t len)
{
    if (len < 8) return -1;
    uint16_t upd_off = le16(buf + 4), upd_cnt = le16(buf + 6);
    if (upd_cnt == 0 || (size_t)(upd_cnt - 1) * 512 > len) return -1;
    if ((size_t)upd_off + 2 * (size_t)upd_cnt > len) return -1;
    const uint8_t *upd = buf + upd_off;
    for (size_t i = 1; i < upd_cnt; i++) {
        uint8_t *p = buf + i * 512 - 2;
        if (p[0] != upd[0] || p[1] != upd[1]) return -1;
        p[0] = upd[2 * i];
        p[1] = upd[2 * i + 1];
    }
    return 0;
}

const uint8_t *ntfs_rec(const struct ntfs_fs *fs, uint64_t n)
{
    if (n >= fs->nrec || !fs->rec_ok[n]) return NULL;
    return fs->mft + n * fs->rec_size;
}

/* Reads the runs of the $MFT's $DATA into fs->mft (nrec records) and fixes every record. */
static void read_mft(struct ntfs_fs *fs, const struct ntfs_attr *data)
{
    uint64_t total = fs->nrec * fs->rec_size;
    memset(fs->mft, 0, total);
    for (size_t i = 0; i < data->nruns; i++) {
        const struct ntfs_run *r = &data->runs[i];
        if (r->sparse) continue;
        uint64_t dst = r->vcn * fs->cluster_size, n = r->len * fs->cluster_size;
        if (r->vcn > total / fs->cluster_size || dst >= total) continue;
        if (n > total - dst) n = total - dst;
        for (uint64_t done = 0; done < n;) {
            size_t k = n - done > READ_CHUNK ? READ_CHUNK : (size_t)(n - done);
            ntfs_read_vol(fs, r->lcn * fs->cluster_size + done, fs->mft + dst + done, k);
            done += k;
        }
    }
    uint64_t bad = 0;
    for (uint64_t i = 0; i < fs->nrec; i++) {
        uint8_t *rec = fs->mft + i * fs->rec_size;
        fs->rec_ok[i] = ntfs_fixup(rec, fs->rec_size) == 0;
        if (!fs->rec_ok[i] && memcmp(rec, "FILE", 4) == 0) bad++;
    }
    if (bad)
        forensics_diag_add(fs->diag, "ntfs: %llu MFT entries have a broken update sequence",
                           (unsigned long long)bad);
}

/* Number of records the $DATA of $MFT can hold, bounded by what the image can contain. */
static uint64_t mft_records(struct ntfs_fs *fs, const struct ntfs_attr *data)
{
    uint64_t bytes = data->size;
    uint64_t img = forensics_image_size(fs->img);
    uint64_t avail = img > fs->off ? img - fs->off : 0;
    if (bytes > avail) {
        forensics_diag_add(fs->diag, "ntfs: $MFT claims %llu bytes, the volume holds at most %llu",
                           (unsigned long long)bytes, (unsigned long long)avail);
        bytes = avail;
    }
    if (bytes > MAX_MFT_BYTES) {
        forensics_diag_add(fs->diag, "ntfs: $MFT of %llu bytes, only the first %llu read",
                           (unsigned long long)bytes, (unsigned long long)MAX_MFT_BYTES);
        bytes = MAX_MFT_BYTES;
    }
    return bytes / fs->rec_size;
}

static int alloc_mft(struct ntfs_fs *fs, uint64_t nrec)
{
    free(fs->mft);
    free(fs->rec_ok);
    fs->nrec = nrec;
    fs->mft = malloc(nrec ? nrec * fs->rec_size : 1);
    fs->rec_ok = calloc(nrec ? nrec : 1, 1);
    return fs->mft && fs->rec_ok ? 0 : KT_ENOMEM;
}

static int same_runs(const struct ntfs_attr *a, const struct ntfs_attr *b)
{
    return a->size == b->size && a->nruns == b->nruns &&
           (a->nruns == 0 || memcmp(a->runs, b->runs, a->nruns * sizeof *a->runs) == 0);
}

int ntfs_mft_load(struct ntfs_fs *fs)
{
    /* Entry 0 alone first: its $DATA says where the rest of the MFT is. */
    int rc = alloc_mft(fs, 1);
    if (rc) return rc;
    ntfs_read_vol(fs, fs->mft_lcn * fs->cluster_size, fs->mft, fs->rec_size);
    fs->rec_ok[0] = ntfs_fixup(fs->mft, fs->rec_size) == 0;
    if (!fs->rec_ok[0]) return kt_fail(KT_EINVAL, "ntfs: $MFT entry 0 is unreadable");

    struct ntfs_file f0;
    for (int pass = 0; pass < 4; pass++) {
        rc = ntfs_file_load(fs, 0, &f0);
        if (rc)
            return rc == KT_ENOTFOUND ? kt_fail(KT_EINVAL, "ntfs: $MFT entry 0 is unreadable") : rc;
        const struct ntfs_attr *d = ntfs_file_attr(&f0, NTFS_AT_DATA, NULL, -1);
        if (!d || d->resident) {
            ntfs_file_free(&f0);
            return kt_fail(KT_EINVAL, "ntfs: $MFT has no non-resident $DATA");
        }
        struct ntfs_attr copy = *d;
        uint64_t nrec = mft_records(fs, d);
        copy.runs = malloc(d->nruns ? d->nruns * sizeof *d->runs : 1);
        if (!copy.runs) {
            ntfs_file_free(&f0);
            return KT_ENOMEM;
        }
        if (d->nruns) memcpy(copy.runs, d->runs, d->nruns * sizeof *d->runs);
        ntfs_file_free(&f0);
        rc = alloc_mft(fs, nrec);
        if (rc == 0) read_mft(fs, &copy);
        /* An attribute list in entry 0 may add runs once the extension records are read. */
        struct ntfs_file again;
        int same = 1;
        if (rc == 0 && ntfs_file_load(fs, 0, &again) == 0) {
            const struct ntfs_attr *d2 = ntfs_file_attr(&again, NTFS_AT_DATA, NULL, -1);
            same = !d2 || same_runs(d2, &copy);
            ntfs_file_free(&again);
        }
        free(copy.runs);
        if (rc) return rc;
        if (same) break;
    }
    if (fs->nrec < 16)
        return kt_fail(KT_EINVAL, "ntfs: $MFT has only %llu entries", (unsigned long long)fs->nrec);
    return 0;
}
