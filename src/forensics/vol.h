/* Volume systems (パーティション): DOS/MBR with extended partitions and GPT, listed as the
 * Sleuth Kit's mmls lists them.
 *
 * The table is read from the image only through forensics_image_read() and trusted in nothing:
 * EBR chains are followed with a loop check and a depth limit, GPT headers and entry arrays
 * are checked against their CRC-32 (the backup header at the end of the image is used when the
 * primary one is damaged), counts and sizes are bounded. What could not be read goes to the
 * diagnostics. */
#ifndef KEITSU_FORENSICS_VOL_H
#define KEITSU_FORENSICS_VOL_H

#include "base/buf.h"
#include "forensics/fs.h"
#include "forensics/image.h"

#include <stddef.h>
#include <stdint.h>

enum {
    FORENSICS_VOL_ALLOC = 1,   /* a partition that holds data */
    FORENSICS_VOL_UNALLOC = 2, /* a gap no partition covers */
    FORENSICS_VOL_META = 4,    /* the tables themselves and extended containers */
};

/* One row of mmls's listing. Sectors are of the volume system's sector size. */
struct forensics_vol_part {
    uint64_t start, len;
    int flags;      /* one of FORENSICS_VOL_* */
    int table;      /* DOS: the table's number (0 primary, 1… extended); -1 if none */
    int slot;       /* the entry's index in its table; -1 if none */
    uint8_t type;   /* DOS partition type byte; 0 for GPT */
    char desc[192]; /* "Linux (0x83)", "Unallocated", a GPT partition's name (UTF-8) */
};

struct forensics_volumes {
    const char *type; /* "dos" or "gpt" (static) */
    const char *desc; /* "DOS Partition Table", "GUID Partition Table (EFI)" (static) */
    uint32_t sector_size;
    int gpt_backup;                   /* 1 if the GPT came from the backup header */
    struct forensics_vol_part *parts; /* owned; sorted as mmls sorts (by start, stable) */
    size_t n;
};

/* Reads the partition table at the start of img: GPT if there is a valid one (its protective
 * MBR is then not listed as DOS), else DOS. 0 and *out (free with forensics_vol_free()); or
 * KT_ENOTFOUND if there is no partition table (the image may be a bare file system), with
 * anything suspicious in diag; KT_ENOMEM. */
int forensics_vol_open(struct forensics_image *img, struct forensics_diag *diag,
                       struct forensics_volumes *out);
void forensics_vol_free(struct forensics_volumes *v);

/* Appends the listing exactly as `mmls IMAGE` prints it (header lines included) to out. */
int forensics_vol_mmls(const struct forensics_volumes *v, struct kt_buf *out);

/* The DOS partition type's description as mmls prints it ("Linux (0x83)") into out. */
void forensics_vol_dos_desc(uint8_t type, char *out, size_t cap);

#endif
